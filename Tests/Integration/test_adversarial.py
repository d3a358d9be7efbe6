"""Adversarial data-plane tests: a raw-socket upstream that misbehaves on purpose (framing
conflicts, unsolicited protocol switches, keep-alive connections closed under the proxy) and
clients that use the odd corners of HTTP/1.1 (absolute-form targets, HTTP/1.0 with Expect).
Each test pins a failure a real client met; the proxy must answer cleanly and never hang."""
from __future__ import annotations

import socket
import threading
import time

import h2.exceptions
import pytest

from helpers import (H1Reader, H2Client, H2Stream, assert_openai_error, connect, h1_request, request_bytes,
                     send_raw_and_read, status_of)

pytestmark = pytest.mark.proxy_only


class RawUpstream:
    """A TCP server that runs `handler(upstream, sock)` per accepted connection, in a thread.
    `heads` records every request head it read (`read_head`), in arrival order."""

    def __init__(self, handler, rcvbuf: int | None = None):
        self.handler = handler
        self.heads: list[bytes] = []
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf:  # inherited by accepted sockets: little of what the proxy sends is absorbed
            self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(64)
        self.url = f"http://127.0.0.1:{self.srv.getsockname()[1]}"
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._run, args=(c,), daemon=True).start()

    def _run(self, c: socket.socket) -> None:
        try:
            self.handler(self, c)
        except OSError:
            pass
        finally:
            c.close()

    def read_head(self, c: socket.socket, timeout: float = 5) -> tuple[bytes, bytes]:
        """One request head (and the bytes read past it); (b"", b"") when the peer closed."""
        c.settimeout(timeout)
        buf = b""
        while b"\r\n\r\n" not in buf:
            data = c.recv(65536)
            if not data:
                return b"", b""
            buf += data
        i = buf.index(b"\r\n\r\n") + 4
        self.heads.append(buf[:i])
        return buf[:i], buf[i:]

    def request_lines(self) -> list[bytes]:
        return [h.split(b"\r\n", 1)[0] for h in self.heads]

    def close(self) -> None:
        self.srv.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


@pytest.fixture
def raw_upstream():
    made: list[RawUpstream] = []

    def make(handler, **kw) -> RawUpstream:
        u = RawUpstream(handler, **kw)
        made.append(u)
        return u

    yield make
    for u in made:
        u.close()


def test_upstream_cl_and_te_response_does_not_split_client_stream(raw_upstream, sidecar):
    """An upstream answer with both Content-Length and chunked is forwarded without the stale Content-Length."""
    def handler(up, c):
        while True:
            head, _ = up.read_head(c)
            if not head:
                return
            if b"/first" in head:
                # Content-Length 3 but a chunked body of 5 bytes: chunked wins (RFC 9112 6.3).
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                          b"5\r\nhello\r\n0\r\n\r\n")
            else:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")

    up = raw_upstream(handler)
    sc = sidecar(up.url)
    with connect(sc.url) as s:
        rd = H1Reader(s, 5)
        s.sendall(request_bytes("GET", "/first", sc.hostport))
        r1 = rd.read_response()
        assert r1.status == 200 and r1.body == b"hello", (r1.headers, r1.body)
        assert r1.header("content-length") in (None, "5"), r1.headers
        s.sendall(request_bytes("GET", "/second", sc.hostport))
        r2 = rd.read_response()
        assert r2.raw_head.startswith(b"HTTP/1.1 200 "), f"client stream desynchronized: {r2.raw_head[:40]!r}"
        assert r2.body == b"second"


@pytest.mark.parametrize("protocol", ["h1", "h2"])
def test_upstream_unsolicited_101_is_502_not_a_hang(raw_upstream, sidecar, protocol):
    """An upstream 101 Switching Protocols (no upgrade was asked for) gets the client a 502 JSON error, at once."""
    def handler(up, c):
        up.read_head(c)
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: other\r\nConnection: upgrade\r\n\r\nRAW BYTES")
        time.sleep(3)

    up = raw_upstream(handler)
    sc = sidecar(up.url)
    if protocol == "h1":
        with connect(sc.url, timeout=3) as s:
            s.sendall(request_bytes("GET", "/v1/models", sc.hostport))
            r = H1Reader(s, 2).read_response()
        assert r.status == 502, r
        assert_openai_error(r.body)
    else:
        c = H2Client(sc.url, timeout=3)
        try:
            sid = c.request("GET", "/v1/models")
            st = c.wait(sid, 2)
            assert st.ended, "h2 stream left open after an upstream 101"
            assert st.status == 502, st.headers
            assert_openai_error(bytes(st.data))
        finally:
            c.close()


def _one_answer_per_connection(up, c):
    """Answers the first request on a connection with keep-alive, then closes the connection
    when the next request arrives on it: a server's idle close racing the proxy's reuse."""
    head, rest = up.read_head(c)
    if not head:
        return
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(rest) < length:
        rest += c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    up.read_head(c)


def test_stale_pooled_connection_get_is_retried_on_a_new_one(raw_upstream, sidecar):
    """A GET sent on a pooled connection the server has closed is retried on a new connection, not failed with 502."""
    up = raw_upstream(_one_answer_per_connection)
    sc = sidecar(up.url, threads=1)
    for i in range(4):
        r = h1_request(sc.url, "GET", f"/v1/models?i={i}", timeout=5)
        assert r.status == 200 and r.body == b"ok", (i, r.status, r.body[:200])
    lines = up.request_lines()
    assert lines.count(b"GET /v1/models?i=3 HTTP/1.1") == 2, lines


def test_stale_pooled_connection_post_is_not_replayed(raw_upstream, sidecar):
    """A POST on a pooled connection the server closed gets a clean 502 JSON and is never sent twice."""
    up = raw_upstream(_one_answer_per_connection)
    sc = sidecar(up.url, threads=1)
    assert h1_request(sc.url, "POST", "/v1/embeddings?i=0", body=b"{}", timeout=5).status == 200
    r = h1_request(sc.url, "POST", "/v1/embeddings?i=1", body=b"{}", timeout=5)
    assert r.status == 502, (r.status, r.body[:200])
    assert "before responding" in assert_openai_error(r.body)["message"]
    time.sleep(0.2)
    assert up.request_lines().count(b"POST /v1/embeddings?i=1 HTTP/1.1") == 1, up.request_lines()


@pytest.mark.parametrize("upstream_h2", [False, True])
def test_absolute_form_target_reaches_upstream_in_origin_form(mock, sidecar, upstream_h2):
    """An absolute-form request target is forwarded as origin-form (HTTP/2 upstreams accept nothing else)."""
    sc = sidecar(mock.url, *(["--upstream-h2"] if upstream_h2 else []))
    for target, expected in [(f"http://{sc.hostport}/echo?abs=1", "/echo?abs=1"),
                             ("http://other.example/echo?abs=2", "/echo?abs=2"),
                             (f"http://{sc.hostport}?abs=3", "/?abs=3")]:
        raw, _ = send_raw_and_read(sc.url, f"GET {target} HTTP/1.1\r\nHost: {sc.hostport}\r\n"
                                           f"Connection: close\r\n\r\n".encode(), timeout=5)
        assert status_of(raw) in (200, 404), raw[:200]
        seen = [r.target for r in mock.requests if r.target.endswith(expected.split("?")[1])]
        assert seen == [expected], (target, seen)


def test_http10_expect_continue_gets_no_interim_response(mock, sidecar):
    """An HTTP/1.0 client with Expect: 100-continue is sent no 1xx (RFC 9110 15.2), only its answer."""
    sc = sidecar(mock.url)
    raw, closed = send_raw_and_read(sc.url, b"POST /echo?h10 HTTP/1.0\r\nExpect: 100-continue\r\n"
                                            b"Content-Length: 5\r\n\r\nhello", timeout=5)
    assert raw.startswith(b"HTTP/1.1 200 "), raw[:200]
    assert b" 100 " not in raw.split(b"\r\n", 1)[0]
    assert closed
    assert mock.find("/echo?h10")[0].body == b"hello"


def test_connect_is_refused_not_forwarded(raw_upstream, sidecar):
    """CONNECT on the plain sidecar port gets 405 JSON; it never reaches (and never turns a pooled connection into a tunnel to) the upstream."""
    def handler(up, c):
        while True:
            head, _ = up.read_head(c)
            if not head:
                return
            if head.startswith(b"CONNECT"):
                c.sendall(b"HTTP/1.1 200 Connection Established\r\n\r\n")  # a forward proxy would tunnel now
            else:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nnormal")

    up = raw_upstream(handler)
    sc = sidecar(up.url, threads=1)
    raw, _ = send_raw_and_read(sc.url, b"CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", timeout=1)
    assert status_of(raw) == 405, raw[:200]
    assert_openai_error(raw.split(b"\r\n\r\n", 1)[1])
    c = H2Client(sc.url, timeout=3)
    try:
        sid = c.conn.get_next_available_stream_id()
        c.conn.send_headers(sid, [(":method", "CONNECT"), (":authority", "evil.example:443")], end_stream=True)
        c.streams[sid] = H2Stream()
        c.sock.sendall(c.conn.data_to_send())
        st = c.wait(sid, 2)
        assert st.status == 405 or st.reset_code is not None, (st.headers, st.reset_code)
    finally:
        c.close()
    assert h1_request(sc.url, "GET", "/v1/models", timeout=5).body == b"normal"
    assert not [line for line in up.request_lines() if line.startswith(b"CONNECT")], up.request_lines()


def test_virtual_key_in_query_never_reaches_the_provider(mock, sidecar, tmp_path):
    """A virtual key presented as ?key= (Gemini style) is stripped from the URL like a credential header, for every provider."""
    from test_gateway import APP_KEY, ENV, gateway_yaml

    cfg = tmp_path / "tollgate.yaml"
    cfg.write_text(gateway_yaml(mock.url, routing="  default_provider: main\n"))
    sc = sidecar(None, "--config", str(cfg), env=ENV)
    chat = b'{"model":"fast","messages":[{"role":"user","content":"hi"}]}'
    for target in (f"/v1/chat/completions?key={APP_KEY}", f"/echo?x=1&key={APP_KEY}"):
        r = h1_request(sc.url, "POST", target, [("Content-Type", "application/json")], chat)
        assert r.status == 200, (target, r.status, r.body[:200])
    seen = [r.target for r in mock.requests]
    assert seen == ["/v1/chat/completions", "/echo?x=1"], seen
    assert not any(APP_KEY in v for r in mock.requests for _, v in r.headers)


def _h2_upstream(refuse: str):
    """An h2c (prior knowledge) upstream whose first connection refuses its second stream
    unprocessed: `refuse="goaway"` sends GOAWAY(last stream = the first) and still answers the
    first; `refuse="rst"` resets it with REFUSED_STREAM. Later connections answer every stream
    with its path and body length. Returns the handler and the per-connection stream log."""
    import h2.config
    import h2.connection
    import h2.events

    from helpers import h2_frame

    log: list[tuple[int, str, str]] = []  # (connection number, path, event)
    counter = [0]

    def handler(up, c):
        counter[0] += 1
        n = counter[0]
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        conn.initiate_connection()
        c.sendall(conn.data_to_send())
        paths: dict[int, str] = {}
        bodies: dict[int, int] = {}
        c.settimeout(5)
        while True:
            data = c.recv(65536)
            if not data:
                return
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.RequestReceived):
                    paths[ev.stream_id] = dict(ev.headers)[":path"]
                    bodies[ev.stream_id] = 0
                    log.append((n, paths[ev.stream_id], "request"))
                elif isinstance(ev, h2.events.DataReceived):
                    bodies[ev.stream_id] += len(ev.data)
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    sid = ev.stream_id
                    if n == 1 and sid == 1:
                        continue  # held until the second stream arrives
                    if n == 1 and sid == 3:
                        log.append((n, paths[sid], "refused"))
                        if refuse == "goaway":
                            c.sendall(conn.data_to_send() + h2_frame(7, 0, 0, (1).to_bytes(4, "big") + bytes(4)))
                        else:
                            conn.reset_stream(sid, 7)
                        # The first stream, held until now, is answered: it was processed.
                        sid = 1
                    conn.send_headers(sid, [(":status", "200"), ("content-type", "text/plain")])
                    conn.send_data(sid, f"{paths[sid]} {bodies[sid]} conn{n}".encode(), end_stream=True)
            c.sendall(conn.data_to_send())

    return handler, log


@pytest.mark.parametrize("refuse", ["goaway", "rst"])
def test_h2_upstream_refused_stream_is_sent_again(raw_upstream, sidecar, refuse):
    """A stream an HTTP/2 upstream refuses unprocessed (GOAWAY above its last id, or REFUSED_STREAM) is sent again, body and all, not failed with 502."""
    import concurrent.futures

    handler, log = _h2_upstream(refuse)
    up = raw_upstream(handler)
    sc = sidecar(up.url, "--upstream-h2", threads=1)
    chat = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}]}'
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(h1_request, sc.url, "GET", "/v1/models?first", None, None, 5)
        while not log:
            time.sleep(0.01)
        second = pool.submit(h1_request, sc.url, "POST", "/v1/chat/completions?second",
                             [("Content-Type", "application/json")], chat, 5)
        r1, r2 = first.result(), second.result()
    assert (r1.status, r1.body) == (200, b"/v1/models?first 0 conn1"), (r1.status, r1.body[:200])
    assert r2.status == 200, (r2.status, r2.body[:200])
    path, length, conn = r2.body.decode().split()
    assert path == "/v1/chat/completions?second" and int(length) > 0, r2.body
    assert (refuse, conn) in (("goaway", "conn2"), ("rst", "conn1")), (refuse, r2.body, log)


def test_h2_upstream_window_survives_abandoned_slow_downloads(mock, sidecar):
    """Clients leaving while their download from an HTTP/2 upstream is paused do not use up that connection's window."""
    sc = sidecar(mock.url, "--upstream-h2", threads=1)
    socks = []
    for i in range(24):
        s = connect(sc.url)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        s.sendall(request_bytes("GET", f"/large?bytes=50000000&abandoned={i}", sc.hostport))
        socks.append(s)
    for s in socks:
        s.recv(1000)
    time.sleep(0.5)  # every stream is paused now, its window's worth held by the proxy
    for s in socks:
        s.close()
    r = h1_request(sc.url, "GET", "/large?bytes=20000000", timeout=5)
    assert r.status == 200 and len(r.body) == 20000000


def _send(c: H2Client) -> None:
    """Writes what the h2 connection has queued (pump() leaves a short socket timeout behind)."""
    c.sock.settimeout(5)
    c.sock.sendall(c.conn.data_to_send())


def test_h2_client_window_survives_uploads_answered_early(raw_upstream, sidecar):
    """Uploads the upstream answers before reading them (413) do not use up the client's HTTP/2 connection window."""
    def handler(up, c):
        head, rest = up.read_head(c)
        if b"/early" in head:
            time.sleep(0.3)  # reads nothing: the proxy pauses the upload, holding back what comes
            c.sendall(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope")
            time.sleep(0.5)  # closing with unread bytes would reset the answer away
            return
        while not rest.endswith(b"0\r\n\r\n"):
            rest += c.recv(65536)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")

    up = raw_upstream(handler, rcvbuf=4096)
    sc = sidecar(up.url, threads=1)
    c = H2Client(sc.url, timeout=5)
    chunk = b"u" * 16384
    try:
        for _ in range(3):
            sids = []
            for _ in range(16):
                sid = c.conn.get_next_available_stream_id()
                c.conn.send_headers(sid, [(":method", "POST"), (":path", "/early"), (":scheme", "http"),
                                          (":authority", sc.hostport)])
                c.streams[sid] = H2Stream()
                sids.append(sid)
            deadline = time.monotonic() + 2
            while not all(c.streams[s].ended for s in sids) and time.monotonic() < deadline:
                sent = 0
                for s in sids:
                    n = 0 if c.streams[s].ended else min(c.conn.local_flow_control_window(s), len(chunk))
                    if n > 0:
                        c.conn.send_data(s, chunk[:n])
                        sent += n
                _send(c)
                c.pump(0.001 if sent else 0.05)
            assert all(c.streams[s].status == 413 for s in sids), [c.streams[s].headers for s in sids]
            for s in sids:  # as curl does once the answer is complete, unless the proxy already did
                try:
                    c.reset(s, 0)
                except h2.exceptions.StreamClosedError:
                    pass
        deadline = time.monotonic() + 2
        while c.conn.outbound_flow_control_window < 1 << 20 and time.monotonic() < deadline:
            c.pump(0.05)
        assert c.conn.outbound_flow_control_window >= 1 << 20, "connection window not given back"
        sid = c.request("POST", "/after", body=b"a" * 200000)
        st = c.wait(sid, 3)
        assert st.ended and st.status == 200, (st.headers, st.reset_code, c.conn.outbound_flow_control_window)
    finally:
        c.close()


def test_h2_bodies_over_the_limit_do_not_use_up_the_connection_window(mock, sidecar):
    """Streamed h2 bodies past --max-body-bytes are refused without costing the connection window the bytes that crossed the limit."""
    sc = sidecar(mock.url, "--max-body-bytes", "1024", threads=1)
    c = H2Client(sc.url, timeout=5)
    chunk = b"b" * 16384
    try:
        for _ in range(24):  # 24 x 50 x 16 KiB > the 16 MiB connection window
            sids = []
            for _ in range(50):
                if c.conn.outbound_flow_control_window < len(chunk):
                    break
                sid = c.conn.get_next_available_stream_id()
                c.conn.send_headers(sid, [(":method", "POST"), (":path", "/echo?over"), (":scheme", "http"),
                                          (":authority", sc.hostport)])
                c.conn.send_data(sid, chunk)
                c.streams[sid] = H2Stream()
                sids.append(sid)
            _send(c)
            deadline = time.monotonic() + 2
            while not all(c.streams[s].ended for s in sids) and time.monotonic() < deadline:
                c.pump(0.05)
        deadline = time.monotonic() + 2
        while c.conn.outbound_flow_control_window < 1 << 20 and time.monotonic() < deadline:
            c.pump(0.05)
        assert c.conn.outbound_flow_control_window >= 1 << 20, "connection window not given back"
        sid = c.request("POST", "/echo?small", body=b"s" * 512)
        st = c.wait(sid, 3)
        assert st.status == 200, st.headers
    finally:
        c.close()
    assert not [r for r in mock.find("/echo?over") if r.finished is not None and r.body_len > 1024]


# ----------------------------------------------------------------- already right, now pinned


def test_upstream_interim_responses_are_not_forwarded_as_the_answer(raw_upstream, sidecar):
    """100 Continue and 103 Early Hints from the upstream precede its answer; the client gets the final response (h1 and h2)."""
    def handler(up, c):
        while True:
            head, _ = up.read_head(c)
            if not head:
                return
            c.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                      b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal")

    up = raw_upstream(handler)
    sc = sidecar(up.url)
    r = h1_request(sc.url, "GET", "/v1/models", timeout=5)
    assert (r.status, r.body) == (200, b"final")
    c = H2Client(sc.url, timeout=5)
    try:
        st = c.wait(c.request("GET", "/v1/models"), 3)
        assert st.status == 200 and bytes(st.data) == b"final", st.headers
    finally:
        c.close()


@pytest.mark.parametrize("reply", [b"HTTZ/1.1 200 OK\r\n\r\n", b"\x00\x01garbage\r\n\r\n", b"HTTP/1.1 2000 OK\r\n\r\n"])
def test_upstream_garbage_status_line_is_502_json(raw_upstream, sidecar, reply):
    """An upstream answer that is not HTTP gets the client a 502 JSON error, not the garbage and not a hang."""
    def handler(up, c):
        up.read_head(c)
        c.sendall(reply)
        time.sleep(1)

    up = raw_upstream(handler)
    sc = sidecar(up.url)
    r = h1_request(sc.url, "GET", "/v1/models", timeout=3)
    assert r.status == 502, r
    assert_openai_error(r.body)


def _h2_raw(sc, frames: bytes, timeout: float = 2) -> tuple[list, bool]:
    import hpack  # noqa: F401  (the h2 package's dependency)

    from helpers import H2_PREFACE, h2_frame, read_h2_frames

    with connect(sc.url, timeout=5) as s:
        s.sendall(H2_PREFACE + h2_frame(4, 0, 0, b"") + frames)
        return read_h2_frames(s, timeout)


def _h2_headers(sc, sid: int, extra=(), path: str = "/echo", end: bool = True) -> bytes:
    import hpack

    from helpers import h2_frame

    block = hpack.Encoder().encode([(":method", "GET"), (":path", path), (":scheme", "http"),
                                    (":authority", sc.hostport), *extra])
    return h2_frame(1, 0x4 | (0x1 if end else 0), sid, block)


@pytest.mark.parametrize("extra", [[("X-Upper", "v")], [("connection", "keep-alive")], [("transfer-encoding", "chunked")],
                                   [("te", "gzip")], [("keep-alive", "timeout=5")]])
def test_h2_malformed_request_headers_are_a_stream_error(mock, sidecar, extra):
    """An h2 request with an uppercase or connection-specific field is reset with PROTOCOL_ERROR and never forwarded; the connection lives on."""
    sc = sidecar(mock.url)
    frames, _ = _h2_raw(sc, _h2_headers(sc, 1, extra, path="/echo?malformed") + _h2_headers(sc, 3, path="/echo?fine"), 1)
    resets = {sid: int.from_bytes(p[:4], "big") for t, _, sid, p in frames if t == 3}
    assert resets.get(1) == 1, frames
    assert any(t == 1 and sid == 3 for t, _, sid, _ in frames), "the next stream was not answered"
    assert not mock.find("/echo?malformed")


@pytest.mark.parametrize("flood", ["settings", "ping", "continuation", "empty_continuation"])
def test_h2_floods_end_the_connection_quickly(mock, sidecar, flood):
    """SETTINGS, PING and CONTINUATION floods get a GOAWAY and a close; the proxy stays small and serving."""
    from helpers import h2_frame, goaway_code

    sc = sidecar(mock.url, threads=1)
    if flood == "settings":
        payload = h2_frame(4, 0, 0, b"") * 100000
    elif flood == "ping":
        payload = h2_frame(6, 0, 0, b"12345678") * 100000
    else:
        import hpack

        enc = hpack.Encoder()
        first = enc.encode([(":method", "GET"), (":path", "/echo?flood"), (":scheme", "http"), (":authority", sc.hostport)])
        tail = [b""] * 100000 if flood == "empty_continuation" else [enc.encode([(f"x-c{i}", "v" * 100)]) for i in range(20000)]
        payload = h2_frame(1, 0, 1, first) + b"".join(h2_frame(9, 0, 1, t) for t in tail)
    frames, eof = _h2_raw(sc, payload, 3)
    assert eof and goaway_code(frames) is not None, frames[-3:]
    assert not mock.find("/echo?flood")
    rss_kib = int(open(f"/proc/{sc.proc.pid}/status").read().split("VmRSS:")[1].split()[0])
    assert rss_kib < 200_000, rss_kib
    assert h1_request(sc.url, "GET", "/echo?after-flood").status == 200


def test_h2_rapid_reset_is_bounded(mock, sidecar):
    """Opening and resetting 10,000 streams (CVE-2023-44487) ends the connection; few requests reach the upstream and the proxy keeps serving."""
    import hpack

    from helpers import h2_frame

    sc = sidecar(mock.url, threads=1)
    enc = hpack.Encoder()
    payload = bytearray()
    for sid in range(1, 20001, 2):
        block = enc.encode([(":method", "GET"), (":path", "/slow?ms=3000&rapid=1"), (":scheme", "http"),
                            (":authority", sc.hostport)])
        payload += h2_frame(1, 0x5, sid, block) + h2_frame(3, 0, sid, (8).to_bytes(4, "big"))
    frames, eof = _h2_raw(sc, bytes(payload), 3)
    assert eof, "connection left open under a rapid-reset flood"
    # The mock may still be working through the accepts the proxy made before the resets
    # (each then sees EOF); give it until well before the 3 s answer a held connection would get.
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline and sum(1 for c in mock.connections if c.closed is None) >= 50:
        time.sleep(0.1)
    assert len(mock.find("/slow")) < 300, len(mock.find("/slow"))
    assert sum(1 for c in mock.connections if c.closed is None) < 50
    assert h1_request(sc.url, "GET", "/echo?after-rapid-reset").status == 200


def test_h2_tiny_client_window_is_honoured_then_completes(mock, sidecar):
    """An h2 client with INITIAL_WINDOW_SIZE=1 gets one byte until it opens the window, then the whole 2 MB answer."""
    import h2.events
    import h2.settings

    from mock_upstream import pattern_bytes

    sc = sidecar(mock.url)
    c = H2Client(sc.url, timeout=5)
    try:
        c.conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1})
        _send(c)
        time.sleep(0.1)
        sid = c.conn.get_next_available_stream_id()
        c.conn.send_headers(sid, [(":method", "GET"), (":path", "/large?bytes=2000000"), (":scheme", "http"),
                                  (":authority", sc.hostport)], end_stream=True)
        _send(c)
        got, status, ended = bytearray(), None, False

        def read(seconds: float, ack: bool) -> None:
            nonlocal status, ended
            end = time.monotonic() + seconds
            while not ended and time.monotonic() < end:
                c.sock.settimeout(0.1)
                try:
                    data = c.sock.recv(1 << 20)
                except socket.timeout:
                    continue
                assert data, "connection closed"
                for ev in c.conn.receive_data(data):
                    if isinstance(ev, h2.events.ResponseReceived):
                        status = dict(ev.headers)[":status"]
                    elif isinstance(ev, h2.events.DataReceived):
                        got.extend(ev.data)
                        if ack:
                            c.conn.acknowledge_received_data(ev.flow_controlled_length, sid)
                    elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                        ended = True
                _send(c)

        read(0.5, ack=False)
        assert status == "200" and len(got) == 1 and not ended, (status, len(got), ended)
        c.conn.increment_flow_control_window(1 << 24, sid)
        _send(c)
        read(4, ack=True)
        assert ended and bytes(got) == pattern_bytes(2000000)
    finally:
        c.close()


def test_very_long_uri_is_414_and_close(mock, sidecar):
    """A request target past the request-line limit gets 414 JSON and a closed connection; nothing is forwarded."""
    sc = sidecar(mock.url)
    raw, closed = send_raw_and_read(sc.url, f"GET /echo?long={'a' * 100000} HTTP/1.1\r\nHost: {sc.hostport}\r\n\r\n".encode(), 3)
    assert status_of(raw) == 414, raw[:200]
    assert_openai_error(raw.split(b"\r\n\r\n", 1)[1])
    assert closed
    assert not mock.find("/echo?long")


def test_latin1_header_values_pass_through_byte_for_byte(raw_upstream, sidecar):
    """Header values with obs-text (Latin-1 bytes) reach the upstream and the client unchanged, not a 400 or 502."""
    def handler(up, c):
        head, _ = up.read_head(c)
        if head:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=caf\xe9.txt\r\n"
                      b"Content-Length: 2\r\n\r\nok")

    up = raw_upstream(handler)
    sc = sidecar(up.url)
    with connect(sc.url) as s:
        s.sendall(f"GET /file HTTP/1.1\r\nHost: {sc.hostport}\r\n".encode() + b"X-Note: na\xefve\r\n\r\n")
        r = H1Reader(s, 5).read_response()
    assert r.status == 200 and r.body == b"ok", r.raw_head
    assert b"\r\nContent-Disposition: attachment; filename=caf\xe9.txt\r\n" in r.raw_head, r.raw_head
    assert up.heads and b"\r\nX-Note: na\xefve\r\n" in up.heads[0], up.heads


def _slow_body_reader(size):
    """An upstream handler that reads nothing for 3 s (three body timeouts of 1 s: the proxy holds
    the client back meanwhile, and resumes as a timer tick comes due), then reads `size` body
    bytes and answers with the count."""
    def handler(up, c):
        head, rest = up.read_head(c)
        if not head:
            return
        time.sleep(3)
        got = len(rest)
        c.settimeout(10)
        while got < size:
            data = c.recv(1 << 20)
            if not data:
                return
            got += len(data)
        c.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(str(got))}\r\n\r\n{got}".encode())
    return handler


def test_body_held_back_by_a_slow_upstream_is_not_a_client_stall(raw_upstream, sidecar):
    """While a slow upstream holds the proxy's reads back (backpressure), the body timeout does not fire."""
    size = 16 << 20
    up = raw_upstream(_slow_body_reader(size), rcvbuf=16384)
    sc = sidecar(up.url, "--body-timeout", "1", "--max-body-bytes", str(64 << 20))
    with connect(sc.url, timeout=20) as s:
        s.sendall(f"PUT /blob HTTP/1.1\r\nHost: {sc.hostport}\r\nContent-Length: {size}\r\n\r\n".encode())
        s.sendall(b"b" * size)
        r = H1Reader(s, 20).read_response()
    assert r.status == 200, (r.status, r.body)
    assert r.body == str(size).encode()


def test_h2_body_held_back_by_a_slow_upstream_is_not_a_client_stall(raw_upstream, sidecar, tmp_path):
    """Over HTTP/2 too: a stream whose body the proxy holds back (slow upstream) is not answered 408 when reading resumes."""
    import subprocess
    size = 16 << 20
    up = raw_upstream(_slow_body_reader(size), rcvbuf=16384)
    sc = sidecar(up.url, "--body-timeout", "1", "--max-body-bytes", str(64 << 20))
    blob = tmp_path / "blob"
    blob.write_bytes(b"b" * size)
    r = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-X", "PUT", "--data-binary", f"@{blob}",
                        "-H", "Content-Type: application/octet-stream", "-w", "\n%{http_code}", f"{sc.url}/blob"],
                       capture_output=True, timeout=30)
    body, _, status = r.stdout.rpartition(b"\n")
    assert status == b"200", (r.stdout[-300:], r.stderr)
    assert body == str(size).encode()


def test_sse_event_over_8_mib_passes_through_and_usage_after_it_counts(raw_upstream, sidecar, tmp_path):
    """An SSE event too large to inspect (9 MiB, e.g. a partial image) reaches the client byte for byte; later events are still read for usage."""
    import json as _json
    chunk = lambda obj: b"data: " + _json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"
    base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini"}
    huge = chunk({**base, "choices": [{"index": 0, "delta": {"content": "x" * (9 << 20)}}]})
    stream = (chunk({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "hi"}}]}) + huge
              + chunk({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
              + chunk({**base, "choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 2359299, "total_tokens": 2359310}})
              + b"data: [DONE]\n\n")

    def handler(up, c):
        head, rest = up.read_head(c)
        if not head:
            return
        n = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
        while len(rest) < n:
            rest += c.recv(65536)
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for i in range(0, len(stream), 100_000):  # many reads: the big event spans them
            piece = stream[i:i + 100_000]
            c.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        c.sendall(b"0\r\n\r\n")
        time.sleep(0.5)

    up = raw_upstream(handler)
    log = tmp_path / "usage.jsonl"
    sc = sidecar(up.url, "--usage-log", str(log))
    body = _json.dumps({"model": "gpt-4o-mini", "stream": True, "stream_options": {"include_usage": True},
                        "messages": [{"role": "user", "content": "draw"}]}).encode()
    r = h1_request(sc.url, "POST", "/v1/chat/completions", [("Content-Type", "application/json")], body, timeout=30)
    assert r.status == 200
    assert r.body == stream, f"{len(r.body)} bytes vs {len(stream)}"
    end = time.monotonic() + 5
    recs = []
    while time.monotonic() < end and not recs:
        recs = [_json.loads(l) for l in log.read_text().splitlines() if l.strip()] if log.exists() else []
        time.sleep(0.05)
    assert recs and recs[0]["input_tokens"] == 11 and recs[0]["output_tokens"] == 2359299, recs


def test_upstream_framing_error_mid_body_shows_the_cut(raw_upstream, sidecar):
    """A bad chunk after a good one: the client gets the head and the good bytes, then a close with no last chunk (a visible cut, not an empty reply)."""
    def handler(up, c):
        if up.read_head(c)[0]:
            c.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\nbad\r\n")
            time.sleep(1)

    up = raw_upstream(handler)
    sc = sidecar(up.url)
    raw, closed = send_raw_and_read(sc.url, request_bytes("GET", "/cut", sc.hostport), timeout=5)
    assert closed, "connection left open after a broken upstream body"
    assert raw.startswith(b"HTTP/1.1 200 "), raw[:60]
    assert b"hello" in raw and not raw.endswith(b"0\r\n\r\n"), raw
