"""Limits and clean failures: header size/count, body size, request smuggling shapes, garbage,
idle and header-read timeouts (slowloris), HTTP/2 protocol errors answered with GOAWAY /
RST_STREAM, upstream down / hanging (OpenAI-style JSON 502/504), and a seeded fuzz run. After
each kind of abuse the proxy must still answer a normal request."""
import random
import socket
import time

import pytest

from helpers import (H1Reader, H2_PREFACE, H2Client, H2Stream, assert_openai_error, connect, free_port, goaway_code,
                     h1_request, h2_frame, read_h2_frames, request_bytes, send_raw_and_read, status_of)

pytestmark = pytest.mark.proxy_only


def still_serving(sc, mock):
    assert sc.alive(), "proxy process died"
    r = h1_request(sc.url, "GET", "/echo?after-abuse=1")
    assert r.status == 200 and r.json()["target"] == "/echo?after-abuse=1"


def test_header_too_large_431(mock, sidecar):
    """A header block over --max-header-bytes is answered 431 and not forwarded."""
    sc = sidecar(mock.url, "--max-header-bytes", "8192")
    ok = h1_request(sc.url, "GET", "/echo", [("X-Small", "a" * 2000)])
    assert ok.status == 200
    raw, closed = send_raw_and_read(sc.url, request_bytes("GET", "/echo?big", sc.hostport, [("X-Big", "a" * 16384)]))
    assert status_of(raw) == 431, raw[:200]
    assert not mock.find("/echo?big")
    still_serving(sc, mock)


def test_too_many_headers_431(mock, sidecar):
    """More headers than --max-header-count is answered 431 and not forwarded."""
    sc = sidecar(mock.url, "--max-header-count", "50")
    assert h1_request(sc.url, "GET", "/echo", [(f"X-H{i}", "v") for i in range(30)]).status == 200
    raw, _ = send_raw_and_read(sc.url, request_bytes("GET", "/echo?many", sc.hostport,
                                                     [(f"X-H{i}", "v") for i in range(120)]))
    assert status_of(raw) == 431, raw[:200]
    assert not mock.find("/echo?many")
    still_serving(sc, mock)


def test_h2_header_too_large(mock, sidecar):
    """Over h2 an oversized header block is refused (431 or RST_STREAM/GOAWAY), never forwarded."""
    sc = sidecar(mock.url, "--max-header-bytes", "8192")
    c = H2Client(sc.url)
    try:
        sid = c.request("GET", "/echo?h2big", [("x-big", "b" * 20000)])
        st = c.wait(sid, 5)
        refused = (st.headers and st.status == 431) or st.reset_code is not None or c.terminated is not None
        assert refused, f"not refused: headers={st.headers} reset={st.reset_code}"
    finally:
        c.close()
    assert not mock.find("/echo?h2big")
    still_serving(sc, mock)


def test_body_too_large_413_content_length(mock, sidecar):
    """A Content-Length body over --max-body-bytes is answered 413 without reaching the upstream."""
    sc = sidecar(mock.url, "--max-body-bytes", "1048576")
    assert h1_request(sc.url, "POST", "/echo?small", [], b"x" * 500_000).status == 200
    with connect(sc.url) as s:
        s.sendall(f"POST /echo?big HTTP/1.1\r\nHost: {sc.hostport}\r\nContent-Length: 2097152\r\n\r\n".encode())
        try:
            s.sendall(b"y" * 2097152)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = H1Reader(s, 10).read_response()
    assert r.status == 413
    assert not [x for x in mock.find("/echo?big") if x.body_len == 2097152]
    still_serving(sc, mock)


def test_body_too_large_413_chunked(mock, sidecar):
    """A chunked body growing past --max-body-bytes gets 413 and the upstream never gets it whole."""
    sc = sidecar(mock.url, "--max-body-bytes", "1048576")
    with connect(sc.url) as s:
        s.sendall(f"POST /echo?bigchunked HTTP/1.1\r\nHost: {sc.hostport}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        try:
            for _ in range(40):
                s.sendall(b"10000\r\n" + b"z" * 0x10000 + b"\r\n")
            s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = H1Reader(s, 10).read_response()
    assert r.status == 413
    assert not [x for x in mock.find("/echo?bigchunked") if x.finished is not None]
    still_serving(sc, mock)


SMUGGLING = {
    "cl_and_te": b"POST /echo?smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"0\r\n\r\nGET /echo?smuggled HTTP/1.1\r\nHost: h\r\n\r\n",
    "duplicate_cl": b"POST /echo?smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 30\r\n\r\n"
                    b"helloGET /echo?smuggled HTTP/1.1\r\n\r\n",
    "obs_fold": b"GET /echo?smuggle HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n  continued\r\n\r\n",
    "bare_lf": b"GET /echo?smuggle HTTP/1.1\nHost: h\nX-A: b\n\n",
    "te_not_chunked_last": b"POST /echo?smuggle HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
                           b"0\r\n\r\n",
    "te_obfuscated": b"POST /echo?smuggle HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "bad_chunk_size": b"POST /echo?smuggle HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "space_in_target": b"GET /echo?a b HTTP/1.1\r\nHost: h\r\n\r\n",
    "nul_in_header": b"GET /echo?smuggle HTTP/1.1\r\nHost: h\r\nX-N: a\x00b\r\n\r\n",
    "negative_cl": b"POST /echo?smuggle HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
}


@pytest.mark.parametrize("name", sorted(SMUGGLING))
def test_smuggling_shapes_400_and_close(mock, sidecar, name):
    """Ambiguous framing (CL+TE, duplicate CL, obs-fold, bare LF, bad TE/chunks...) -> 400 and close."""
    sc = sidecar(mock.url)
    raw, closed = send_raw_and_read(sc.url, SMUGGLING[name], timeout=5)
    assert status_of(raw) == 400, f"{name}: got {raw[:200]!r}"
    assert raw.count(b"HTTP/1.1 ") == 1, f"{name}: more than one response: {raw[:400]!r}"
    assert closed, f"{name}: connection left open after 400"
    assert not mock.find("/echo?smuggled"), "smuggled request reached the upstream"
    still_serving(sc, mock)


@pytest.mark.parametrize("payload", [b"HELLO WORLD\r\n\r\n", b"GET\x00/ HTTP/1.1\r\n\r\n",
                                     b"GET / HTTP/9.9\r\nHost: h\r\n\r\n", b"\x01\x02\x03\x04 / HTTP/1.1\r\n\r\n"])
def test_garbage_400_and_close(mock, sidecar, payload):
    """A garbage request line is answered 400 and the connection closed."""
    sc = sidecar(mock.url)
    raw, closed = send_raw_and_read(sc.url, payload, timeout=5)
    assert status_of(raw) in (400, 505), raw[:200]
    assert closed
    assert not mock.requests
    still_serving(sc, mock)


def test_idle_keepalive_closed_after_idle_timeout(mock, sidecar):
    """A keep-alive connection left idle is closed after --idle-timeout (1 s), not before."""
    sc = sidecar(mock.url, "--idle-timeout", "1")
    with connect(sc.url) as s:
        s.sendall(request_bytes("GET", "/echo", sc.hostport))
        rd = H1Reader(s)
        assert rd.read_response().status == 200
        t0 = time.monotonic()
        assert not rd.closed_within(0.5), "closed before the idle timeout"
        assert rd.closed_within(3.5), "idle connection not closed within ~3 s of a 1 s idle timeout"
        assert time.monotonic() - t0 >= 0.8


def test_slowloris_closed_after_header_timeout(mock, sidecar):
    """Headers trickled byte by byte and never finished are cut off after --header-timeout."""
    sc = sidecar(mock.url, "--header-timeout", "1")
    s = connect(sc.url)
    try:
        s.sendall(f"GET /echo?slowloris HTTP/1.1\r\nHost: {sc.hostport}\r\n".encode())
        t0 = time.monotonic()
        closed = False
        out = b""
        while time.monotonic() - t0 < 5:
            try:
                s.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            s.settimeout(0.2)
            try:
                data = s.recv(4096)
                if not data:
                    closed = True
                    break
                out += data
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
                break
        elapsed = time.monotonic() - t0
    finally:
        s.close()
    assert closed, "slowloris connection still open after 5 s with a 1 s header timeout"
    assert elapsed < 3.5
    assert not out or status_of(out) in (408, 400, 431), out[:200]
    assert not mock.find("/echo?slowloris")
    still_serving(sc, mock)


def test_silent_connection_closed_after_header_timeout(mock, sidecar):
    """A connection that sends nothing at all is closed after the header/idle timeout."""
    sc = sidecar(mock.url, "--header-timeout", "1", "--idle-timeout", "1")
    with connect(sc.url) as s:
        assert H1Reader(s).closed_within(4.0)


def _h2_abuse(sc, payload):
    s = connect(sc.url)
    try:
        s.sendall(H2_PREFACE + h2_frame(4, 0, 0, b""))  # preface + empty SETTINGS
        s.sendall(payload)
        frames, eof = read_h2_frames(s, 5)
    finally:
        s.close()
    return frames, eof


H2_ABUSE = {
    "garbage_bytes": (b"\xff" * 64, {1, 6}),
    "data_on_stream_0": (h2_frame(0, 1, 0, b"abc"), {1}),
    "headers_even_stream": (h2_frame(1, 5, 2, b"\x82\x84\x86"), {1}),
    "oversized_frame": (b"\x01\x00\x00" + bytes([0, 0]) + b"\x00\x00\x00\x01" + b"a" * 100, {6, 1}),
    "bad_hpack": (h2_frame(1, 5, 1, b"\xff\xff\xff\xff\xff\xff"), {9}),
    "settings_bad_length": (h2_frame(4, 0, 0, b"\x00\x01\x00"), {6}),
    "window_update_zero_conn": (h2_frame(8, 0, 0, b"\x00\x00\x00\x00"), {1}),
}


@pytest.mark.parametrize("name", sorted(H2_ABUSE))
def test_h2_protocol_errors_goaway(mock, sidecar, name):
    """Connection-level h2 protocol violations get a GOAWAY with the right error code and a close."""
    sc = sidecar(mock.url)
    payload, codes = H2_ABUSE[name]
    frames, eof = _h2_abuse(sc, payload)
    code = goaway_code(frames)
    assert code is not None, f"{name}: no GOAWAY, frames {[f[:3] for f in frames]}"
    assert code in codes, f"{name}: GOAWAY code {code}, expected one of {codes}"
    assert eof, f"{name}: connection not closed after GOAWAY"
    still_serving(sc, mock)


def test_h2_stream_error_rst_stream(mock, sidecar):
    """A request missing :path is a stream error: RST_STREAM(PROTOCOL_ERROR) or 400, not forwarded."""
    sc = sidecar(mock.url)
    c = H2Client(sc.url, validate=False)
    try:
        sid = c.conn.get_next_available_stream_id()
        c.conn.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":authority", sc.hostport)],
                            end_stream=True)
        c.sock.sendall(c.conn.data_to_send())
        from helpers import H2Stream
        c.streams[sid] = H2Stream()
        st = c.wait(sid, 5)
        assert st.reset_code == 1 or (st.headers and st.status == 400) or \
            (c.terminated is not None and c.terminated.error_code == 1), \
            f"reset={st.reset_code} headers={st.headers} goaway={c.terminated}"
    finally:
        c.close()
    assert not mock.requests
    still_serving(sc, mock)


def test_upstream_down_502_json(sidecar):
    """Nothing listening upstream -> 502 with an OpenAI-style JSON error, on h1 and h2."""
    sc = sidecar(f"http://127.0.0.1:{free_port()}", "--connect-timeout", "2")
    t0 = time.monotonic()
    r = h1_request(sc.url, "POST", "/v1/chat/completions", [("Content-Type", "application/json")], b"{}")
    assert r.status == 502
    assert "application/json" in (r.header("content-type") or "")
    assert_openai_error(r.body)
    assert time.monotonic() - t0 < 5
    c = H2Client(sc.url)
    try:
        st = c.wait(c.request("GET", "/v1/models"), 10)
        assert st.status == 502
        assert_openai_error(bytes(st.data))
    finally:
        c.close()


def test_upstream_hang_504_json(mock, sidecar):
    """An upstream that never answers past --upstream-timeout -> 504 JSON error in time."""
    sc = sidecar(mock.url, "--upstream-timeout", "1")
    t0 = time.monotonic()
    r = h1_request(sc.url, "GET", "/hang", timeout=15)
    elapsed = time.monotonic() - t0
    assert r.status == 504
    assert_openai_error(r.body)
    assert 0.8 <= elapsed < 5, elapsed
    assert mock.wait_for(lambda: mock.find("/hang")[0].client_closed, 3), "hung upstream request not closed"
    still_serving(sc, mock)


def test_upstream_timeouts_staggered_and_interleaved(mock, sidecar):
    """Staggered hung requests each time out on their own deadline, while requests that finish
    (and leave the timeout list from its middle) in between are answered normally."""
    import concurrent.futures
    sc = sidecar(mock.url, "--upstream-timeout", "2")

    def hang(delay):
        time.sleep(delay)
        t0 = time.monotonic()
        r = h1_request(sc.url, "GET", "/hang", timeout=20)
        return r, time.monotonic() - t0

    def slow(delay):
        time.sleep(delay)
        return h1_request(sc.url, "GET", "/slow?ms=300", timeout=20)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        hung = [pool.submit(hang, d) for d in (0.0, 0.4, 0.8, 1.2)]
        fine = [pool.submit(slow, d) for d in (0.1, 0.5, 0.9)]
        for f in fine:
            assert f.result().status == 200
        for f in hung:
            r, elapsed = f.result()
            assert r.status == 504, r.status
            assert_openai_error(r.body)
            # Each request's own deadline, not the first one's and not a later one's.
            assert 1.7 <= elapsed < 6, elapsed
    still_serving(sc, mock)


def test_upstream_connect_timeout_504(sidecar):
    """An upstream that never completes the TCP handshake -> 502/504 within --connect-timeout."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(0)  # a backlog that fills: further SYNs are dropped
    fillers = []
    try:
        for _ in range(8):
            f = socket.socket()
            f.setblocking(False)
            try:
                f.connect(lst.getsockname())
            except BlockingIOError:
                pass
            fillers.append(f)
        sc = sidecar(f"http://127.0.0.1:{lst.getsockname()[1]}", "--connect-timeout", "1", "--upstream-timeout", "30")
        t0 = time.monotonic()
        r = h1_request(sc.url, "GET", "/v1/models", timeout=20)
        elapsed = time.monotonic() - t0
        assert r.status in (502, 504)
        assert_openai_error(r.body)
        assert elapsed < 6, f"connect timeout of 1 s took {elapsed:.1f}s"
    finally:
        for f in fillers:
            f.close()
        lst.close()


@pytest.mark.slow
def test_fuzz_random_blobs(mock, sidecar):
    """200 seeded random byte blobs (raw and after an HTTP or h2 prefix) never take the proxy down."""
    sc = sidecar(mock.url, "--header-timeout", "2", "--idle-timeout", "2")
    rng = random.Random(0x70116A7E)
    prefixes = [b"", b"GET / HTTP/1.1\r\n", b"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
                H2_PREFACE, H2_PREFACE + h2_frame(4, 0, 0, b"")]
    for i in range(200):
        blob = rng.choice(prefixes) + bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2048)))
        try:
            with connect(sc.url, 5) as s:
                s.sendall(blob)
                s.shutdown(socket.SHUT_WR) if i % 2 else None
                s.settimeout(0.05)
                try:
                    s.recv(65536)
                except (socket.timeout, ConnectionResetError):
                    pass
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert sc.alive(), f"proxy died on blob #{i}: {blob[:64]!r}"
    still_serving(sc, mock)


def test_h2_body_too_large(mock, sidecar):
    """Over h2 a body past --max-body-bytes gets 413 (or RST_STREAM) and never reaches the upstream whole."""
    sc = sidecar(mock.url, "--max-body-bytes", "1048576")
    c = H2Client(sc.url, timeout=20)
    try:
        sid = c.request("POST", "/echo?h2big", [("content-length", str(3 * 1048576))], b"q" * (3 * 1048576))
        st = c.wait(sid, 10)
        assert (st.headers and st.status == 413) or st.reset_code is not None, \
            f"headers={st.headers} reset={st.reset_code}"
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        c.close()
    assert not [x for x in mock.find("/echo?h2big") if x.finished is not None]
    still_serving(sc, mock)


def _stalled_post(sc, path: str, timeout: float = 8) -> tuple[object, float]:
    """Sends a head promising 100 body bytes and only 10 of them; returns the answer and its delay."""
    with connect(sc.url, timeout=timeout) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: {sc.hostport}\r\nContent-Type: application/json\r\n"
                  f"Content-Length: 100\r\n\r\n{{\"model\":".encode())
        t0 = time.monotonic()
        r = H1Reader(s, timeout).read_response()
        return r, time.monotonic() - t0


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/echo?stalled"])
def test_stalled_request_body_408_not_upstream_timeout(mock, sidecar, path):
    """A client that stops sending its body gets 408 after --body-timeout, not a 504 blamed on the upstream."""
    sc = sidecar(mock.url, "--body-timeout", "1", "--upstream-timeout", "30")
    r, waited = _stalled_post(sc, path)
    assert r.status == 408, (r.status, r.body)
    assert assert_openai_error(r.body)["code"] == "request_timeout"
    assert r.header("connection") == "close"
    assert 0.8 <= waited < 6, waited
    # Buffered (LLM) routes never reach the upstream; streamed ones are cancelled there.
    assert not [x for x in mock.find(path) if x.finished is not None]
    still_serving(sc, mock)


def test_trickled_request_body_is_not_a_stall(mock, sidecar):
    """A body whose bytes keep arriving, slower than the body timeout in total, is forwarded whole."""
    sc = sidecar(mock.url, "--body-timeout", "1")
    body = b"0123456789" * 8
    with connect(sc.url, timeout=10) as s:
        s.sendall(f"POST /echo?trickle HTTP/1.1\r\nHost: {sc.hostport}\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        for i in range(0, len(body), 20):
            s.sendall(body[i:i + 20])
            time.sleep(0.5)
        r = H1Reader(s, 10).read_response()
    assert r.status == 200, (r.status, r.body)
    assert [x for x in mock.find("/echo?trickle") if x.body_len == len(body)]


def test_h2_stalled_request_body_408_other_streams_unaffected(mock, sidecar):
    """Over HTTP/2 a stream whose body stalls is answered 408; the connection's other streams go on."""
    sc = sidecar(mock.url, "--body-timeout", "1", "--upstream-timeout", "30")
    c = H2Client(sc.url, timeout=10)
    try:
        sid = c.conn.get_next_available_stream_id()
        c.conn.send_headers(sid, [(":method", "POST"), (":path", "/v1/chat/completions"), (":scheme", "http"),
                                  (":authority", c.authority), ("content-type", "application/json")])
        c.conn.send_data(sid, b'{"model":')
        c.streams[sid] = H2Stream()
        c.sock.sendall(c.conn.data_to_send())
        t0 = time.monotonic()
        st = c.wait(sid, 6)
        waited = time.monotonic() - t0
        assert st.headers and st.status == 408, (st.headers, st.reset_code)
        assert assert_openai_error(bytes(st.data))["code"] == "request_timeout"
        assert 0.8 <= waited < 6, waited
        ok = c.request("POST", "/echo?h2after", [("content-type", "application/json")], b'{"a":1}')
        assert c.wait(ok, 5).status == 200
    finally:
        c.close()


def test_h2_body_over_limit_without_content_length_413(mock, sidecar):
    """An h2 body with no content-length that grows past --max-body-bytes is answered 413 JSON, not a bare reset."""
    sc = sidecar(mock.url, "--max-body-bytes", "32768")
    c = H2Client(sc.url, timeout=10)
    try:
        # Past the limit but not ended: the client would go on sending.
        sid = c.conn.get_next_available_stream_id()
        c.conn.send_headers(sid, [(":method", "POST"), (":path", "/echo?h2nolen"), (":scheme", "http"),
                                  (":authority", c.authority), ("content-type", "application/octet-stream")])
        c.streams[sid] = H2Stream()
        for _ in range(3):  # 48 KiB: past the limit, within the initial 64 KiB window
            c.conn.send_data(sid, b"q" * 16384)
        c.sock.sendall(c.conn.data_to_send())
        st = c.wait(sid, 8)
        assert st.headers and st.status == 413, (st.headers, st.reset_code)
        assert_openai_error(bytes(st.data))
        end = time.monotonic() + 2
        while st.reset_code is None and time.monotonic() < end:
            c.pump(0.05)
        assert st.reset_code == 0, "no RST_STREAM(NO_ERROR) after the early answer (RFC 9113 8.1)"
    finally:
        c.close()
    assert not [x for x in mock.find("/echo?h2nolen") if x.finished is not None]
    still_serving(sc, mock)
