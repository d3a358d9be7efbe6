"""HTTP/2 cleartext (prior knowledge) downstream and HTTP/2 upstream: byte-identical answers,
multiplexing without head-of-line blocking, flow-controlled uploads and downloads, h2load."""
import hashlib
import json
import re
import subprocess
import time

import pytest

from helpers import H2Client, h1_request
from mock_upstream import SECRET_KEY, pattern_bytes

AUTH_H = [("authorization", f"Bearer {SECRET_KEY}"), ("content-type", "application/json")]
AUTH = ["-H", f"Authorization: Bearer {SECRET_KEY}", "-H", "Content-Type: application/json"]
CHAT = json.dumps({"model": "mock-gpt-1", "messages": [{"role": "user", "content": "hello h2"}]})


def curl_h2(*args, timeout=60):
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-w", "\n%{http_version} %{http_code}", *args],
                         capture_output=True, timeout=timeout)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    body, meta = out.stdout.rsplit(b"\n", 1)
    version, code = meta.decode().split()
    return version, int(code), body


@pytest.mark.parametrize("path,extra", [
    ("/v1/chat/completions", ["--data-binary", CHAT]),
    ("/v1/models", []),
    ("/large?bytes=200000&chunked=1", []),
    ("/v1/chat/completions", ["-H", "x-mock-status: 500", "--data-binary", CHAT]),
])
def test_h2c_byte_identical(mock, sidecar, path, extra):
    """curl --http2-prior-knowledge through the proxy gets the same status and body as direct."""
    sc = sidecar(mock.url)
    d = curl_h2(*AUTH, *extra, mock.url + path)
    p = curl_h2(*AUTH, *extra, sc.url + path)
    assert p[0] == "2", "proxy did not answer over HTTP/2"
    assert p[1:] == d[1:]


def test_h2c_multiplexing_no_head_of_line_blocking(mock, sidecar):
    """On one h2 connection a slow stream does not delay 20 fast ones."""
    sc = sidecar(mock.url)
    c = H2Client(sc.url)
    try:
        slow = c.request("GET", "/slow?ms=2000")
        fast = [c.request("POST", f"/echo?i={i}", [("content-type", "text/plain")], f"body-{i}".encode())
                for i in range(20)]
        t0 = time.monotonic()
        for sid in fast:
            st = c.wait(sid, 10)
            assert st.ended and st.reset_code is None and st.status == 200
        fast_done = time.monotonic() - t0
        for i, sid in enumerate(fast):
            j = json.loads(c.streams[sid].data)
            assert j["target"] == f"/echo?i={i}" and j["body"] == f"body-{i}"
        st = c.wait(slow, 10)
        assert st.status == 200
        assert fast_done < 1.5, f"fast streams waited for the slow one ({fast_done:.2f}s)"
    finally:
        c.close()


def test_h2c_upload_flow_controlled(mock, sidecar):
    """A 5 MB request body over h2 (beyond the initial windows) reaches the upstream intact."""
    sc = sidecar(mock.url)
    data = pattern_bytes(5 * 1024 * 1024)
    c = H2Client(sc.url, timeout=60)
    try:
        sid = c.request("POST", "/echo", [("content-type", "application/octet-stream")], data)
        st = c.wait(sid, 60)
        assert st.status == 200
        j = json.loads(st.data)
        assert j["body_len"] == len(data) and j["body_sha256"] == hashlib.sha256(data).hexdigest()
    finally:
        c.close()


@pytest.mark.slow
def test_h2c_large_download(mock, sidecar):
    """A 30 MB response streams through over h2 intact."""
    sc = sidecar(mock.url)
    n = 30 * 1024 * 1024
    version, code, body = curl_h2(f"{sc.url}/large?bytes={n}", timeout=120)
    assert (version, code) == ("2", 200)
    assert len(body) == n and hashlib.sha256(body).digest() == hashlib.sha256(pattern_bytes(n)).digest()


@pytest.mark.proxy_only
def test_h2c_to_h1_upstream_headers(mock, sidecar):
    """An h2 request reaches an HTTP/1.1 upstream with Host rewritten and traceparent intact."""
    sc = sidecar(mock.url)
    tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    c = H2Client(sc.url)
    try:
        st = c.wait(c.request("GET", "/echo", [("traceparent", tp), ("x-forwarded-for", "198.51.100.9")]))
    finally:
        c.close()
    j = json.loads(st.data)
    hs = {k.lower(): v for k, v in j["headers"]}
    assert j["protocol"] == "http/1.1"
    assert hs["host"] == mock.hostport
    assert hs["traceparent"] == tp
    assert hs["x-forwarded-for"].startswith("198.51.100.9")


@pytest.mark.proxy_only
def test_upstream_h2c_prior_knowledge(mock, sidecar):
    """With --upstream-h2 the proxy speaks h2c to the upstream and multiplexes requests."""
    sc = sidecar(mock.url, "--upstream-h2", threads=1)
    c = H2Client(sc.url)
    try:
        sids = [c.request("POST", "/v1/chat/completions", AUTH_H, CHAT.encode()) for _ in range(10)]
        for sid in sids:
            st = c.wait(sid, 15)
            assert st.status == 200 and json.loads(st.data)["object"] == "chat.completion"
    finally:
        c.close()
    r = h1_request(sc.url, "GET", "/echo")
    assert r.status == 200 and r.json()["protocol"] == "h2"
    h2_conns = [x for x in mock.connections if x.protocol == "h2"]
    assert h2_conns and all(x.protocol == "h2" for x in mock.connections)
    assert len(mock.connections) <= 2, f"{len(mock.connections)} upstream connections for 11 requests"


H2LOAD_REQ = re.compile(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                        r"(\d+) errored, (\d+) timeout")
H2LOAD_STATUS = re.compile(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx")


def run_h2load(url, body_file, n, c, m, h1=False):
    args = ["h2load", "-n", str(n), "-c", str(c), "-m", str(m), "-d", str(body_file),
            "-H", f"authorization: Bearer {SECRET_KEY}", "-H", "content-type: application/json",
            "--connection-inactivity-timeout=20"]
    if h1:
        args.append("--h1")
    out = subprocess.run(args + [url], capture_output=True, timeout=240)
    text = out.stdout.decode(errors="replace")
    req, st = H2LOAD_REQ.search(text), H2LOAD_STATUS.search(text)
    assert req and st, f"unparseable h2load output (rc={out.returncode}):\n{text}\n{out.stderr.decode()}"
    return [int(x) for x in req.groups()], [int(x) for x in st.groups()], text


@pytest.mark.slow
def test_h2load_h2c(mock, sidecar, tmp_path):
    """h2load -n 2000 -c 4 -m 10 over h2c: every request succeeds with 2xx, no errors."""
    sc = sidecar(mock.url)
    body = tmp_path / "body.json"
    body.write_text(CHAT)
    (total, started, done, ok, failed, errored, timeout), (s2, s3, s4, s5), text = \
        run_h2load(sc.url + "/v1/chat/completions", body, 2000, 4, 10)
    assert (done, ok, failed, errored, timeout) == (2000, 2000, 0, 0, 0), text
    assert s2 == 2000, text
    assert len(mock.find("/v1/chat/completions")) == 2000


@pytest.mark.slow
def test_h2load_http1(mock, sidecar, tmp_path):
    """h2load --h1 -n 600 -c 4: every request succeeds with 2xx over HTTP/1.1 keep-alive."""
    sc = sidecar(mock.url)
    body = tmp_path / "body.json"
    body.write_text(CHAT)
    (total, started, done, ok, failed, errored, timeout), (s2, s3, s4, s5), text = \
        run_h2load(sc.url + "/v1/chat/completions", body, 600, 4, 1, h1=True)
    assert (done, ok, failed, errored, timeout) == (600, 600, 0, 0, 0), text
    assert s2 == 600, text
