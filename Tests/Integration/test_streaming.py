"""Streaming: SSE forwarded event by event (paced mock proves no buffering), over HTTP/1.1 and
HTTP/2; client disconnects cancel the upstream request; upstream failures mid-body reach the
client as an aborted response, never a hang."""
import json
import socket
import subprocess
import time

import pytest

from helpers import H1Reader, H2Client, connect, h1_request, request_bytes, sse_over_h1
from mock_upstream import SECRET_KEY

N, INTERVAL_MS = 10, 100
LAG_OK = 0.060        # an event should arrive within 60 ms of the mock sending it ...
LAG_MAX = 0.250       # ... allowing a couple of scheduler hiccups on a loaded 2-core machine


def check_pacing(events, sent):
    assert len(events) == N, [e.data for e in events]
    assert [json.loads(e.data.split(b"data: ", 1)[1])["i"] for e in events] == list(range(N))
    assert len(sent) == N
    lags = [e.arrived - s for e, s in zip(events, sent)]
    # The first event must be in the client's hands long before the upstream sent the last one.
    assert events[0].arrived < sent[-1] - 0.5, f"first event held back: lags {lags}"
    on_time = sum(1 for lag in lags if lag < LAG_OK)
    assert on_time >= N - 2 and max(lags) < LAG_MAX, f"events buffered: lags {[round(x, 3) for x in lags]}"
    gaps = sorted(b.arrived - a.arrived for a, b in zip(events, events[1:]))
    assert gaps[len(gaps) // 2] > 0.07, f"arrival gaps collapsed: {gaps}"


def test_sse_pacing_http1(mock, sidecar):
    """Over HTTP/1.1 each of 10 SSE events paced 100 ms apart arrives as soon as it is sent."""
    sc = sidecar(mock.url)
    resp, events = sse_over_h1(sc.url, f"/sse?n={N}&interval_ms={INTERVAL_MS}")
    assert resp.status == 200
    assert "text/event-stream" in resp.header("content-type")
    check_pacing(events, mock.find("/sse")[0].events_sent)


def test_sse_pacing_h2c(mock, sidecar):
    """Over HTTP/2 each of 10 SSE events paced 100 ms apart arrives as soon as it is sent."""
    sc = sidecar(mock.url)
    c = H2Client(sc.url)
    try:
        st = c.wait(c.request("GET", f"/sse?n={N}&interval_ms={INTERVAL_MS}"), 15)
    finally:
        c.close()
    assert st.status == 200 and st.reset_code is None
    check_pacing(st.events, mock.find("/sse")[0].events_sent)


@pytest.mark.proxy_only
def test_sse_pacing_upstream_h2(mock, sidecar):
    """With an HTTP/2 upstream (--upstream-h2) SSE events are still forwarded one by one."""
    sc = sidecar(mock.url, "--upstream-h2")
    resp, events = sse_over_h1(sc.url, f"/sse?n={N}&interval_ms={INTERVAL_MS}")
    rec = mock.find("/sse")[0]
    assert resp.status == 200 and rec.protocol == "h2"
    check_pacing(events, rec.events_sent)


def test_chat_stream_pacing_and_bytes(mock, sidecar):
    """A chat completion stream through the proxy is byte-identical to direct and paced."""
    sc = sidecar(mock.url)
    body = json.dumps({"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]}).encode()
    hs = [("Authorization", f"Bearer {SECRET_KEY}"), ("Content-Type", "application/json"),
          ("x-mock-delay-ms", "100"), ("x-mock-chunks", "8")]
    _, direct = sse_over_h1(mock.url, "/v1/chat/completions", hs, body, "POST")
    resp, events = sse_over_h1(sc.url, "/v1/chat/completions", hs, body, "POST")
    assert resp.status == 200
    assert [e.data for e in events] == [e.data for e in direct]
    assert events[-1].data == b"data: [DONE]\n\n"
    sent = mock.find("/v1/chat/completions")[-1].events_sent
    lags = [e.arrived - s for e, s in zip(events, sent)]
    assert events[0].arrived < sent[-1] - 0.5 and sorted(lags)[len(lags) // 2] < LAG_OK, lags


def _wait_closed(mock, path, timeout=2.0):
    ok = mock.wait_for(lambda: mock.find(path) and mock.find(path)[0].client_closed, timeout)
    rec = mock.find(path)[0] if mock.find(path) else None
    return ok, rec


def test_disconnect_http1_cancels_upstream(mock, sidecar):
    """Closing the HTTP/1.1 socket mid-stream makes the proxy drop the upstream request within 2 s."""
    sc = sidecar(mock.url)
    s = connect(sc.url)
    s.sendall(request_bytes("GET", "/sse?n=100&interval_ms=100", sc.hostport))
    rd = H1Reader(s, 10)
    rd._until(b"data: {\"i\":1}")
    s.close()
    t0 = time.monotonic()
    ok, rec = _wait_closed(mock, "/sse")
    assert ok, "upstream request still running 2 s after the client left"
    assert rec.finished is None and len(rec.events_sent) < 40
    assert rec.client_closed_at - t0 < 2.0
    assert h1_request(sc.url, "GET", "/echo").status == 200


def test_disconnect_while_waiting_for_headers(mock, sidecar):
    """A client that leaves before the upstream answered cancels the upstream request too."""
    sc = sidecar(mock.url)
    s = connect(sc.url)
    s.sendall(request_bytes("GET", "/hang", sc.hostport))
    assert mock.wait_for(lambda: mock.find("/hang"), 5), "request never reached the upstream"
    s.close()
    ok, _ = _wait_closed(mock, "/hang")
    assert ok, "upstream request for a departed client still open after 2 s"


def test_disconnect_h2_rst_stream_cancels_upstream(mock, sidecar):
    """RST_STREAM(CANCEL) from an h2 client cancels the upstream request; the connection lives on."""
    sc = sidecar(mock.url)
    c = H2Client(sc.url)
    try:
        sid = c.request("GET", "/sse?n=100&interval_ms=100")
        st = c.wait(sid, 10, until=lambda st: len(st.events) >= 2)
        assert len(st.events) >= 2
        c.reset(sid, 8)
        ok, rec = _wait_closed(mock, "/sse")
        assert ok, "upstream stream still running 2 s after RST_STREAM"
        assert rec.finished is None
        st2 = c.wait(c.request("GET", "/echo"), 10)
        assert st2.status == 200, "connection unusable after a stream reset"
    finally:
        c.close()


@pytest.mark.proxy_only
def test_disconnect_h2_upstream_gets_rst(mock, sidecar):
    """With an HTTP/2 upstream, a downstream cancel becomes an upstream RST_STREAM (or close)."""
    sc = sidecar(mock.url, "--upstream-h2")
    s = connect(sc.url)
    s.sendall(request_bytes("GET", "/sse?n=100&interval_ms=100", sc.hostport))
    H1Reader(s, 10)._until(b"data: {\"i\":1}")
    s.close()
    ok, rec = _wait_closed(mock, "/sse")
    assert ok and rec.protocol == "h2"


@pytest.mark.proxy_only
def test_disconnect_during_large_download_no_sigpipe(mock, sidecar):
    """A client vanishing mid 200 MB download: upstream cancelled, proxy alive (SIGPIPE ignored)."""
    sc = sidecar(mock.url)
    for _ in range(3):
        s = connect(sc.url)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
        s.sendall(request_bytes("GET", "/large?bytes=200000000", sc.hostport))
        got = 0
        while got < 1_000_000:
            got += len(s.recv(65536))
        s.close()
    assert mock.wait_for(lambda: len(mock.find("/large")) == 3 and all(r.client_closed for r in mock.find("/large")), 3)
    assert sc.alive()
    assert h1_request(sc.url, "GET", "/echo").status == 200


@pytest.mark.parametrize("proto", ["--http1.1", "--http2-prior-knowledge"])
def test_upstream_closes_mid_body(mock, sidecar, proto):
    """An upstream that dies mid-body gives the client an aborted transfer, quickly, not a hang."""
    sc = sidecar(mock.url)
    t0 = time.monotonic()
    out = subprocess.run(["curl", "-sS", proto, "-m", "15", sc.url + "/truncate?bytes=200000"],
                         capture_output=True, timeout=30)
    elapsed = time.monotonic() - t0
    assert out.returncode not in (0, 28), f"curl rc={out.returncode} (0 = truncation hidden, 28 = hang)"
    assert len(out.stdout) < 400000
    assert elapsed < 10
    assert h1_request(sc.url, "GET", "/echo").status == 200
