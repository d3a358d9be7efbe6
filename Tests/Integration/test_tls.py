"""TLS: downstream listener with ALPN h2 / http/1.1 (curl with the test CA), upstream https://
with SNI, ALPN and certificate verification (`--upstream-ca`), never silently skipped."""
import json
import subprocess

import pytest

from helpers import H2Client, assert_openai_error, sse_over_h1
from mock_upstream import SECRET_KEY

pytestmark = pytest.mark.proxy_only

AUTH = ["-H", f"Authorization: Bearer {SECRET_KEY}", "-H", "Content-Type: application/json"]
CHAT = json.dumps({"model": "mock-gpt-1", "messages": [{"role": "user", "content": "tls"}]})


def curl(*args, timeout=60):
    out = subprocess.run(["curl", "-sS", "-w", "\n%{http_version} %{http_code}", *args],
                         capture_output=True, timeout=timeout)
    if out.returncode != 0:
        return out.returncode, None, None, out.stderr
    body, meta = out.stdout.rsplit(b"\n", 1)
    version, code = meta.decode().split()
    return 0, version, int(code), body


@pytest.mark.parametrize("flag,version", [("--http1.1", "1.1"), ("--http2", "2")])
def test_tls_downstream_alpn_byte_identical(mock, sidecar, certs, flag, version):
    """curl over TLS with the test CA negotiates h2 / http/1.1 by ALPN and gets the direct answer."""
    sc = sidecar(mock.url, tls=certs)
    https = sc.url.replace("127.0.0.1", "localhost")
    for path, extra in [("/v1/chat/completions", ["--data-binary", CHAT]), ("/large?bytes=100000", [])]:
        direct = curl(*AUTH, *extra, mock.url + path)
        rc, v, code, body = curl(flag, "--cacert", certs["ca"], *AUTH, *extra, https + path)
        assert rc == 0, body
        assert v == version
        assert (code, body) == direct[2:]


def test_tls_downstream_requires_trust(mock, sidecar, certs):
    """Without the test CA curl refuses the proxy's certificate (the listener really serves TLS)."""
    sc = sidecar(mock.url, tls=certs)
    rc, *_ = curl(sc.url + "/v1/models")
    assert rc == 60


def test_tls_downstream_h2_streams(mock, sidecar, certs):
    """An h2 client over TLS (ALPN h2) multiplexes several streams through the proxy."""
    sc = sidecar(mock.url, tls=certs)
    c = H2Client(sc.url, cafile=certs["ca"])
    try:
        sids = [c.request("GET", f"/echo?i={i}") for i in range(8)]
        for i, sid in enumerate(sids):
            st = c.wait(sid, 10)
            assert st.status == 200 and json.loads(st.data)["target"] == f"/echo?i={i}"
    finally:
        c.close()


def test_tls_downstream_plaintext_rejected(mock, sidecar, certs):
    """Plain HTTP sent to the TLS listener is not proxied, and the proxy stays up."""
    sc = sidecar(mock.url, tls=certs)
    out = subprocess.run(["curl", "-sS", "-m", "5", sc.url.replace("https", "http") + "/v1/models"],
                         capture_output=True, timeout=15)
    assert out.returncode != 0 or b'"data"' not in out.stdout
    assert not mock.find("/v1/models")
    rc, v, code, _ = curl("--cacert", certs["ca"], "-H", f"Authorization: Bearer {SECRET_KEY}", sc.url + "/v1/models")
    assert (rc, code) == (0, 200)


def test_tls_upstream_with_ca(tls_mock, sidecar, certs):
    """--upstream https://127.0.0.1 with --upstream-ca verifies the test CA and forwards."""
    sc = sidecar(tls_mock.url, "--upstream-ca", certs["ca"])
    rc, v, code, body = curl(*AUTH, "--data-binary", CHAT, sc.url + "/v1/chat/completions")
    assert (rc, code) == (0, 200), body
    assert json.loads(body)["object"] == "chat.completion"
    rc, v, code, body = curl(sc.url + "/echo")
    assert json.loads(body)["tls"] is True


def test_tls_upstream_sni_localhost(tls_mock, sidecar, certs):
    """--upstream https://localhost:PORT sends SNI 'localhost' and verifies the name."""
    sc = sidecar(f"https://localhost:{tls_mock.port}", "--upstream-ca", certs["ca"])
    rc, v, code, body = curl(sc.url + "/echo")
    assert (rc, code) == (0, 200), body
    j = json.loads(body)
    assert j["tls"] is True
    assert dict((k.lower(), v) for k, v in j["headers"])["host"] == f"localhost:{tls_mock.port}"
    assert "localhost" in tls_mock.sni_names


def test_tls_upstream_without_ca_refused(tls_mock, sidecar):
    """Without --upstream-ca the test CA is untrusted: 502 with a JSON error, nothing forwarded."""
    sc = sidecar(tls_mock.url)
    rc, v, code, body = curl(*AUTH, "--data-binary", CHAT, sc.url + "/v1/chat/completions")
    assert rc == 0
    assert code == 502, body
    assert_openai_error(body)
    assert not tls_mock.requests, "request reached an unverified upstream"


def test_tls_upstream_hostname_mismatch_refused(make_mock, sidecar, certs):
    """A certificate from the trusted CA but for another name is refused (502), not forwarded."""
    m = make_mock(certfile=certs["wrong_cert"], keyfile=certs["wrong_key"], alpn=("http/1.1",))
    sc = sidecar(m.url, "--upstream-ca", certs["ca"])
    rc, v, code, body = curl(sc.url + "/echo")
    assert (rc, code) == (0, 502), body
    assert_openai_error(body)
    assert not m.requests


def test_tls_upstream_alpn_h2(make_mock, sidecar, certs):
    """An https upstream offering ALPN h2 is spoken to over HTTP/2."""
    m = make_mock(certfile=certs["cert"], keyfile=certs["key"], alpn=("h2", "http/1.1"))
    sc = sidecar(m.url, "--upstream-ca", certs["ca"])
    rc, v, code, body = curl("--http1.1", sc.url + "/echo")
    assert (rc, code) == (0, 200), body
    j = json.loads(body)
    assert j["tls"] is True and j["protocol"] == "h2"
    rc, v, code, body = curl("--http2-prior-knowledge", *AUTH, "--data-binary", CHAT, sc.url + "/v1/chat/completions")
    assert (rc, v, code) == (0, "2", 200)


def assert_first_event_not_held(events, sent):
    """Two SSE events sent 1 s apart: the first must reach the client before the upstream even
    sent the second (a first event held until more output would arrive together with it)."""
    assert len(events) == 2 and len(sent) == 2, [e.data for e in events]
    assert [json.loads(e.data.split(b"data: ", 1)[1])["i"] for e in events] == [0, 1]
    assert events[0].arrived < sent[1], f"first event arrived {events[0].arrived - sent[1]:.3f} s after the second was sent"


def test_tls_downstream_sse_first_event_http1(mock, sidecar, certs):
    """Over TLS with HTTP/1.1 the first SSE event is delivered at once, not with the next one."""
    sc = sidecar(mock.url, tls=certs)
    resp, events = sse_over_h1(sc.url, "/sse?n=2&interval_ms=1000", cafile=certs["ca"])
    assert resp.status == 200
    assert_first_event_not_held(events, mock.find("/sse")[0].events_sent)


def test_tls_downstream_sse_first_event_h2(mock, sidecar, certs):
    """Over TLS with HTTP/2 the first SSE event is delivered at once, not with the next one."""
    sc = sidecar(mock.url, tls=certs)
    c = H2Client(sc.url, cafile=certs["ca"])
    try:
        st = c.wait(c.request("GET", "/sse?n=2&interval_ms=1000"), 15)
    finally:
        c.close()
    assert st.status == 200 and st.reset_code is None
    assert_first_event_not_held(st.events, mock.find("/sse")[0].events_sent)
