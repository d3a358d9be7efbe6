"""Self-checks of the mock upstream, hit directly (no proxy): the harness must be right before
its verdicts on the proxy mean anything."""
import hashlib
import json
import socket
import ssl
import subprocess
import time

import httpx

from helpers import H1Reader, H2Client, connect, h1_request, request_bytes, sse_over_h1
from mock_upstream import SECRET_KEY, pattern_bytes

AUTH = [("Authorization", f"Bearer {SECRET_KEY}"), ("Content-Type", "application/json")]


def test_mock_chat_nonstream(mock):
    """The mock answers a non-stream chat completion with usage, deterministically."""
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode()
    r1 = h1_request(mock.url, "POST", "/v1/chat/completions", AUTH, body)
    r2 = h1_request(mock.url, "POST", "/v1/chat/completions", AUTH, body)
    assert r1.status == 200 and r1.body == r2.body
    j = r1.json()
    assert j["usage"]["total_tokens"] > 0 and j["choices"][0]["message"]["content"].startswith("tok0")


def test_mock_chat_requires_key(mock):
    """Without the secret key the mock answers 401 in OpenAI error shape."""
    r = h1_request(mock.url, "POST", "/v1/chat/completions", [("Authorization", "Bearer nope")], b"{}")
    assert r.status == 401 and r.json()["error"]["code"] == "invalid_api_key"


def test_mock_stream_include_usage(mock):
    """stream=true gives SSE chunks ending in [DONE]; include_usage adds a usage chunk and usage:null."""
    body = json.dumps({"model": "m", "stream": True, "stream_options": {"include_usage": True},
                       "messages": []}).encode()
    resp, events = sse_over_h1(mock.url, "/v1/chat/completions", AUTH + [("x-mock-chunks", "3")], body, "POST")
    assert resp.status == 200
    assert events[-1].data == b"data: [DONE]\n\n"
    chunks = [json.loads(e.data[6:]) for e in events[:-1]]
    assert len(chunks) == 1 + 3 + 1 + 1
    assert all("usage" in c for c in chunks) and chunks[0]["usage"] is None
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 3


def test_mock_sse_pacing_direct(mock):
    """/sse paces events interval_ms apart, and the raw reader sees them as they are sent."""
    resp, events = sse_over_h1(mock.url, "/sse?n=5&interval_ms=100", [])
    assert resp.status == 200 and len(events) == 5
    rec = mock.find("/sse")[0]
    lags = [e.arrived - s for e, s in zip(events, rec.events_sent)]
    assert max(lags) < 0.05, lags
    gaps = [b - a for a, b in zip(rec.events_sent, rec.events_sent[1:])]
    assert min(gaps) >= 0.09, gaps


def test_mock_echo_chunked_upload(mock):
    """The echo endpoint reports a chunked upload's exact length and hash."""
    data = pattern_bytes(3_000_000)
    with connect(mock.url) as s:
        host = mock.hostport
        s.sendall(f"POST /echo HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        for i in range(0, len(data), 100_000):
            piece = data[i:i + 100_000]
            s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        r = H1Reader(s).read_response()
    j = r.json()
    assert j["chunked"] and j["body_len"] == len(data) and j["body_sha256"] == hashlib.sha256(data).hexdigest()


def test_mock_records_client_disconnect(mock):
    """A client closing mid-stream is recorded as client_closed within a short time."""
    s = connect(mock.url)
    s.sendall(request_bytes("GET", "/sse?n=50&interval_ms=100", mock.hostport))
    s.recv(4096)
    s.close()
    assert mock.wait_for(lambda: mock.find("/sse") and mock.find("/sse")[0].client_closed, 2.0)
    assert mock.find("/sse")[0].finished is None


def test_mock_h2c_and_reset(mock):
    """The mock speaks h2c prior knowledge and records an RST_STREAM as client_closed."""
    c = H2Client(mock.url)
    sid = c.request("GET", "/echo")
    st = c.wait(sid)
    assert st.status == 200 and json.loads(st.data)["protocol"] == "h2"
    sid = c.request("GET", "/sse?n=50&interval_ms=100")
    c.wait(sid, 5, until=lambda st: len(st.events) >= 1)
    c.reset(sid)
    assert mock.wait_for(lambda: mock.find("/sse") and mock.find("/sse")[0].client_closed, 2.0)
    c.close()


def test_mock_tls_alpn(make_mock, certs):
    """The TLS mock verifies with the test CA and negotiates h2 or http/1.1 by ALPN."""
    m = make_mock(certfile=certs["cert"], keyfile=certs["key"])
    with httpx.Client(verify=ssl.create_default_context(cafile=certs["ca"]), http2=True) as c:
        r = c.get(m.url + "/echo")
        assert r.http_version == "HTTP/2" and r.json()["tls"] is True
    out = subprocess.run(["curl", "-sS", "--http1.1", "--cacert", certs["ca"], m.url + "/echo"],
                         capture_output=True, timeout=10)
    assert out.returncode == 0 and json.loads(out.stdout)["protocol"] == "http/1.1"
    bad = subprocess.run(["curl", "-sS", m.url + "/echo"], capture_output=True, timeout=10)
    assert bad.returncode == 60  # untrusted without the CA


def test_mock_large_truncate_status(mock):
    """/large, /truncate, /status and HEAD behave as documented."""
    out = subprocess.run(["curl", "-sS", mock.url + "/large?bytes=1000000&chunked=1"], capture_output=True, timeout=20)
    assert out.stdout == pattern_bytes(1_000_000)
    t = subprocess.run(["curl", "-sS", mock.url + "/truncate?bytes=1000"], capture_output=True, timeout=20)
    assert t.returncode == 18
    assert h1_request(mock.url, "GET", "/status/204").status == 204
    r = h1_request(mock.url, "HEAD", "/large?bytes=5000")
    assert r.status == 200 and r.header("content-length") == "5000" and r.body == b""


def test_mock_hang_times_out(mock):
    """/hang never answers; a client with a timeout gives up."""
    t0 = time.monotonic()
    try:
        httpx.get(mock.url + "/hang", timeout=0.5)
        raise AssertionError("hang answered")
    except httpx.ReadTimeout:
        pass
    assert time.monotonic() - t0 < 3
    assert mock.wait_for(lambda: mock.find("/hang")[0].client_closed, 2.0)
