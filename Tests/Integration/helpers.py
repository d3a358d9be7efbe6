"""Small synchronous clients used by the integration tests: raw HTTP/1.1 over a socket, a raw
HTTP/2 client on the `h2` package, an SSE reader that timestamps each event as it arrives,
and a tiny HTTP/2 frame reader for checking GOAWAY / RST_STREAM codes."""
from __future__ import annotations

import json
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.events
import h2.exceptions

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hostport(url: str) -> tuple[str, int]:
    rest = url.split("://", 1)[1].split("/", 1)[0]
    host, port = rest.rsplit(":", 1)
    return host, int(port)


def connect(url: str, timeout: float = 10.0) -> socket.socket:
    s = socket.create_connection(hostport(url), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


# ------------------------------------------------------------------------------ HTTP/1.1


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    raw_head: bytes = b""

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


class H1Reader:
    """Reads HTTP/1.1 responses off a socket, one after the other (pipelining-aware)."""

    def __init__(self, sock: socket.socket, deadline_s: float = 15.0):
        self.sock = sock
        self.buf = bytearray()
        self.eof = False
        self.deadline = time.monotonic() + deadline_s

    def _fill(self) -> None:
        if self.eof:
            raise EOFError("connection closed")
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("H1Reader deadline")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 20)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            raise EOFError("connection closed")
        self.buf += data

    def _until(self, sep: bytes) -> bytes:
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out = bytes(self.buf[: i + len(sep)])
                del self.buf[: i + len(sep)]
                return out
            self._fill()

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_response(self, head_request: bool = False, skip_1xx: bool = True) -> RawResponse:
        while True:
            head = self._until(b"\r\n\r\n")
            lines = head[:-4].split(b"\r\n")
            parts = lines[0].decode("latin-1").split(" ", 2)
            status = int(parts[1])
            reason = parts[2] if len(parts) > 2 else ""
            headers = []
            for line in lines[1:]:
                k, v = line.split(b":", 1)
                headers.append((k.decode("latin-1").strip(), v.strip().decode("latin-1")))
            resp = RawResponse(status, reason, headers, b"", head)
            if 100 <= status < 200 and skip_1xx:
                continue
            break
        if head_request or status in (204, 304) or status < 200:
            return resp
        te = (resp.header("transfer-encoding") or "").lower()
        if "chunked" in te:
            body = bytearray()
            while True:
                line = self._until(b"\r\n")
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self._until(b"\r\n") != b"\r\n":
                        pass
                    break
                body += self._exact(size)
                self._exact(2)
            resp.body = bytes(body)
        elif resp.header("content-length") is not None:
            resp.body = self._exact(int(resp.header("content-length")))
        else:
            while True:
                try:
                    self._fill()
                except EOFError:
                    break
            resp.body = bytes(self.buf)
            self.buf.clear()
        return resp

    def closed_within(self, seconds: float) -> bool:
        """True if the peer closes (EOF or reset) within `seconds`; ignores data that arrives."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not data:
                return True
            self.buf += data
        return False


def request_bytes(method: str, target: str, host: str, headers: list[tuple[str, str]] | None = None,
                  body: bytes | None = None) -> bytes:
    hs = [("Host", host)] + (headers or [])
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in hs):
        hs.append(("Content-Length", str(len(body))))
    out = f"{method} {target} HTTP/1.1\r\n".encode() + b"".join(f"{k}: {v}\r\n".encode() for k, v in hs) + b"\r\n"
    return out + (body or b"")


def h1_request(url: str, method: str, target: str, headers=None, body=None, timeout: float = 15.0) -> RawResponse:
    host = url.split("://", 1)[1]
    with connect(url, timeout) as s:
        s.sendall(request_bytes(method, target, host, headers, body))
        return H1Reader(s, timeout).read_response(head_request=method == "HEAD")


def send_raw_and_read(url: str, payload: bytes, timeout: float = 5.0) -> tuple[bytes, bool]:
    """Send `payload`, read until the peer closes or `timeout`. Returns (bytes, closed_by_peer)."""
    with connect(url, timeout) as s:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            return b"", True
        out = bytearray()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = s.recv(65536)
            except socket.timeout:
                return bytes(out), False
            except ConnectionResetError:
                return bytes(out), True
            if not data:
                return bytes(out), True
            out += data
        return bytes(out), False


def status_of(raw: bytes) -> int | None:
    if not raw.startswith(b"HTTP/1."):
        return None
    return int(raw.split(b" ", 2)[1])


# --------------------------------------------------------------------------------- SSE


@dataclass
class TimedEvent:
    data: bytes
    arrived: float


def split_sse(buf: bytearray) -> list[bytes]:
    """Pop complete SSE events (terminated by a blank line) from `buf`."""
    out = []
    while True:
        i = buf.find(b"\n\n")
        if i < 0:
            return out
        out.append(bytes(buf[: i + 2]))
        del buf[: i + 2]


def sse_over_h1(url: str, target: str, headers=None, body: bytes | None = None, method: str = "GET",
                timeout: float = 20.0, cafile: str | None = None) -> tuple[RawResponse, list[TimedEvent]]:
    """Issue a request on a raw socket and timestamp each SSE event as its bytes arrive.
    Handles chunked and close-delimited bodies (chunk framing is stripped incrementally).
    An https:// url is spoken to over TLS (ALPN http/1.1), trusting `cafile`."""
    host = url.split("://", 1)[1]
    s = connect(url, timeout)
    if url.startswith("https://"):
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.set_alpn_protocols(["http/1.1"])
        s = ctx.wrap_socket(s, server_hostname=hostport(url)[0])
    try:
        s.sendall(request_bytes(method, target, host, headers, body))
        rd = H1Reader(s, timeout)
        head = rd._until(b"\r\n\r\n")
        resp_lines = head[:-4].split(b"\r\n")
        status = int(resp_lines[0].split(b" ")[1])
        hs = []
        for line in resp_lines[1:]:
            k, v = line.split(b":", 1)
            hs.append((k.decode().strip(), v.strip().decode()))
        resp = RawResponse(status, "", hs, b"", head)
        chunked = "chunked" in (resp.header("transfer-encoding") or "").lower()
        clen = resp.header("content-length")
        events: list[TimedEvent] = []
        payload = bytearray()
        got = 0
        while True:
            if chunked:
                line = rd._until(b"\r\n")
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    break
                # deliver the chunk's bytes as they come
                remaining = size
                while remaining:
                    if not rd.buf:
                        rd._fill()
                    take = bytes(rd.buf[:remaining])
                    del rd.buf[: len(take)]
                    remaining -= len(take)
                    payload += take
                    now = time.monotonic()
                    events += [TimedEvent(e, now) for e in split_sse(payload)]
                rd._exact(2)
            else:
                if clen is not None and got >= int(clen):
                    break
                if not rd.buf:
                    try:
                        rd._fill()
                    except EOFError:
                        break
                take = bytes(rd.buf)
                rd.buf.clear()
                got += len(take)
                payload += take
                now = time.monotonic()
                events += [TimedEvent(e, now) for e in split_sse(payload)]
        resp.body = b"".join(e.data for e in events) + bytes(payload)
        return resp, events
    finally:
        s.close()


# --------------------------------------------------------------------------------- HTTP/2


@dataclass
class H2Stream:
    headers: list[tuple[str, str]] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    events: list[TimedEvent] = field(default_factory=list)
    ended: bool = False
    reset_code: int | None = None
    sse_buf: bytearray = field(default_factory=bytearray)

    @property
    def status(self) -> int:
        return int(dict(self.headers)[":status"])


class H2Client:
    """A minimal blocking HTTP/2 client (prior knowledge or TLS with ALPN h2)."""

    def __init__(self, url: str, timeout: float = 15.0, cafile: str | None = None, validate: bool = True):
        self.sock = connect(url, timeout)
        if url.startswith("https://"):
            ctx = ssl.create_default_context(cafile=cafile)
            ctx.set_alpn_protocols(["h2"])
            self.sock = ctx.wrap_socket(self.sock, server_hostname=hostport(url)[0])
            assert self.sock.selected_alpn_protocol() == "h2", self.sock.selected_alpn_protocol()
        self.authority = url.split("://", 1)[1].split("/", 1)[0]
        self.scheme = url.split("://", 1)[0]
        cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                        validate_outbound_headers=validate,
                                        normalize_outbound_headers=validate)
        self.conn = h2.connection.H2Connection(cfg)
        self.conn.initiate_connection()
        self.sock.sendall(self.conn.data_to_send())
        self.streams: dict[int, H2Stream] = {}
        self.terminated: h2.events.ConnectionTerminated | None = None
        self.closed = False
        self.protocol_error: str | None = None  # what the h2 library objected to, if anything
        self.timeout = timeout

    def request(self, method: str, path: str, headers=None, body: bytes | None = None) -> int:
        sid = self.conn.get_next_available_stream_id()
        hs = [(":method", method), (":path", path), (":scheme", self.scheme), (":authority", self.authority)]
        hs += [(k.lower(), v) for k, v in (headers or [])]
        self.conn.send_headers(sid, hs, end_stream=not body)
        self.streams[sid] = H2Stream()
        self.sock.sendall(self.conn.data_to_send())
        if body:
            view = memoryview(body)
            while view:
                # Answered early and reset (RST_STREAM NO_ERROR, RFC 9113 8.1): stop sending, as clients do.
                if self.streams[sid].reset_code is not None or self.closed:
                    break
                try:
                    window = min(self.conn.local_flow_control_window(sid), self.conn.max_outbound_frame_size)
                    if window <= 0:
                        self.pump(0.5)
                        continue
                    self.conn.send_data(sid, bytes(view[:window]), end_stream=len(view) <= window)
                except h2.exceptions.StreamClosedError:
                    break
                view = view[window:]
                self.sock.sendall(self.conn.data_to_send())
        return sid

    def reset(self, sid: int, code: int = 8) -> None:
        self.conn.reset_stream(sid, code)
        self.sock.sendall(self.conn.data_to_send())

    def pump(self, timeout: float) -> bool:
        """Read once (up to `timeout`), process events. False on EOF/timeout."""
        if self.closed:
            return False
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            return False
        except (ConnectionResetError, ssl.SSLError, OSError):
            data = b""
        if not data:
            self.closed = True
            return False
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError as e:
            self.protocol_error = repr(e)
            self.closed = True
            return False
        now = time.monotonic()
        for ev in events:
            st = self.streams.get(getattr(ev, "stream_id", -1))
            if isinstance(ev, h2.events.ResponseReceived) and st:
                st.headers = [(k, v) for k, v in ev.headers]
            elif isinstance(ev, h2.events.TrailersReceived):
                pass
            elif isinstance(ev, h2.events.DataReceived):
                if st:
                    st.data += ev.data
                    st.sse_buf += ev.data
                    st.events += [TimedEvent(e, now) for e in split_sse(st.sse_buf)]
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                if ev.stream_ended and st:
                    st.ended = True
            elif isinstance(ev, h2.events.StreamEnded) and st:
                st.ended = True
            elif isinstance(ev, h2.events.StreamReset) and st:
                st.reset_code = ev.error_code
                st.ended = True
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.terminated = ev
        out = self.conn.data_to_send()
        if out:
            try:
                self.sock.sendall(out)
            except OSError:
                pass
        return True

    def wait(self, sid: int, timeout: float | None = None, until=None) -> H2Stream:
        end = time.monotonic() + (timeout or self.timeout)
        st = self.streams[sid]
        while not st.ended and not self.closed and time.monotonic() < end:
            if until and until(st):
                break
            self.pump(max(0.01, min(0.5, end - time.monotonic())))
        return st

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def read_h2_frames(sock: socket.socket, timeout: float) -> tuple[list[tuple[int, int, int, bytes]], bool]:
    """Read raw HTTP/2 frames until EOF or timeout: [(type, flags, stream_id, payload)], eof."""
    buf = bytearray()
    frames = []
    end = time.monotonic() + timeout
    eof = False
    while time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            eof = True
            break
        if not data:
            eof = True
            break
        buf += data
        while len(buf) >= 9:
            length = int.from_bytes(buf[0:3], "big")
            if len(buf) < 9 + length:
                break
            ftype, flags = buf[3], buf[4]
            sid = struct.unpack(">I", bytes(buf[5:9]))[0] & 0x7FFFFFFF
            frames.append((ftype, flags, sid, bytes(buf[9:9 + length])))
            del buf[:9 + length]
        if any(f[0] == 7 for f in frames) and eof:
            break
    return frames, eof


def h2_frame(ftype: int, flags: int, sid: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "big") + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def goaway_code(frames) -> int | None:
    for ftype, _, _, payload in frames:
        if ftype == 7 and len(payload) >= 8:
            return struct.unpack(">I", payload[4:8])[0]
    return None


def assert_openai_error(body: bytes | str) -> dict:
    """The body is an OpenAI-style error: {"error": {"message": str, "type": str, "code": ...}}."""
    try:
        j = json.loads(body)
    except ValueError:
        raise AssertionError(f"error body is not JSON: {body[:300]!r}")
    err = j.get("error") if isinstance(j, dict) else None
    assert isinstance(err, dict), f"no error object: {j}"
    assert isinstance(err.get("message"), str) and err["message"], f"no message: {j}"
    assert isinstance(err.get("type"), str) and err["type"], f"no type: {j}"
    assert "code" in err, f"no code: {j}"
    return err
