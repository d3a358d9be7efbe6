"""A local mock LLM provider for the Tollgate integration tests.

One asyncio server (run in a background thread, or standalone with `python mock_upstream.py`)
speaking HTTP/1.1, HTTP/2 cleartext with prior knowledge (detected from the preface) and, when
given a certificate, TLS with ALPN h2 / http/1.1. Everything it receives is recorded in
`MockUpstream.requests` / `MockUpstream.connections` (also served as JSON at GET /_mock/log), with
send timestamps of streamed events and whether the client went away before the response ended.

Endpoints (all deterministic, so an answer through the proxy can be compared byte for byte with
the answer obtained directly):
  POST /v1/chat/completions   OpenAI chat; stream=true -> SSE chunks + [DONE]; honours
                              stream_options.include_usage. Checks `Authorization: Bearer <key>`.
  GET  /v1/models             OpenAI model list.
  POST /v1/messages           Anthropic messages, non-stream and stream. Checks `x-api-key`.
  ANY  /echo                  JSON of the request line, headers (raw order/case), body length,
                              sha256 and (if small) the body itself.
  GET  /large?bytes=N[&chunked=1]   N deterministic bytes (see `pattern_bytes`).
  GET  /sse?n=10&interval_ms=100    n SSE events `data: {"i":i}` paced interval_ms apart.
  GET  /slow?ms=N             answers after N ms.  /hang: never answers (until closed).
  GET  /status/CODE           answers with that status (no body for 204/304/1xx).
  GET  /truncate?bytes=N      announces Content-Length 2N, sends N bytes, closes.
  GET  /_mock/log             the request log as JSON.
Per-request knobs (headers): x-mock-status (error status with an OpenAI/Anthropic error body),
x-mock-delay-ms (delay before the answer and between streamed chunks), x-mock-chunks (number of
content chunks in a stream), x-mock-hop (response carries hop-by-hop headers to be stripped),
x-mock-served-model (the model named in the answer, as a provider names a dated snapshot).
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

SECRET_KEY = "sk-test-SECRET-7c1f9e0b2d4a"
ANTHROPIC_SECRET_KEY = "sk-ant-test-SECRET-5e3b8a1c9d2f"
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
MAX_HEAD = 256 * 1024


def pattern_bytes(n: int) -> bytes:
    """The deterministic body of /large?bytes=n."""
    block = bytes((i * 31 + 7) % 251 for i in range(65536))
    reps, rest = divmod(n, len(block))
    return block * reps + block[:rest]


REASONS = {
    100: "Continue", 200: "OK", 204: "No Content", 304: "Not Modified", 400: "Bad Request",
    401: "Unauthorized", 404: "Not Found", 413: "Payload Too Large", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
}


@dataclass
class RequestRecord:
    id: int
    conn_id: int
    protocol: str
    method: str = ""
    target: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body_len: int = 0
    body_sha256: str = ""
    body: bytes = b""                  # kept when small (<= 64 KiB), for tests that inspect rewrites
    chunked: bool = False
    started: float = 0.0
    finished: float | None = None      # response fully sent
    client_closed: bool = False        # client went away (EOF / RST_STREAM) before the end
    client_closed_at: float | None = None
    status: int | None = None
    events_sent: list[float] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def to_json(self) -> dict[str, Any]:
        # The raw body is for in-process tests only; the JSON log carries its length and hash.
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "body"}


@dataclass
class ConnRecord:
    id: int
    protocol: str
    tls: bool
    alpn: str | None
    opened: float
    closed: float | None = None
    requests: int = 0


class Request:
    def __init__(self, rec: RequestRecord, body: bytes, tls: bool):
        self.rec = rec
        self.method = rec.method
        self.target = rec.target
        parts = urlsplit(rec.target)
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.headers = rec.headers
        self.body = body
        self.tls = tls

    def header(self, name: str, default: str | None = None) -> str | None:
        v = self.rec.header(name)
        return default if v is None else v


class ResponseWriter:
    """Protocol-neutral response interface used by the app."""

    def __init__(self, rec: RequestRecord):
        self.rec = rec
        self.disconnected = asyncio.Event()
        self.head_only = rec.method == "HEAD"

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None: ...
    async def write(self, data: bytes) -> None: ...
    async def end(self) -> None: ...
    async def abort(self) -> None: ...

    def mark_disconnected(self) -> None:
        if not self.disconnected.is_set():
            if self.rec.finished is None:
                self.rec.client_closed = True
                self.rec.client_closed_at = time.monotonic()
            self.disconnected.set()

    async def sleep(self, seconds: float) -> None:
        """Sleep, but return early (raising) if the client went away."""
        if seconds <= 0:
            if self.disconnected.is_set():
                raise ConnectionResetError("client disconnected")
            return
        try:
            await asyncio.wait_for(self.disconnected.wait(), seconds)
        except asyncio.TimeoutError:
            return
        raise ConnectionResetError("client disconnected")


# ----------------------------------------------------------------------------------- the app


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _openai_error(status: int, message: str, typ: str = "mock_error", code: str = "mock") -> bytes:
    return _json({"error": {"message": message, "type": typ, "param": None, "code": code}})


async def send_simple(resp: ResponseWriter, status: int, body: bytes, ctype: str = "application/json",
                      extra: list[tuple[str, str]] | None = None) -> None:
    headers = [("content-type", ctype), ("content-length", str(len(body)))] + (extra or [])
    await resp.start(status, headers)
    await resp.write(body)
    await resp.end()


class MockApp:
    def __init__(self, mock: "MockUpstream"):
        self.mock = mock

    async def __call__(self, req: Request, resp: ResponseWriter) -> None:
        delay_ms = int(req.header("x-mock-delay-ms", "0") or 0)
        forced = req.header("x-mock-status")
        p = req.path
        if p == "/_mock/log":
            return await send_simple(resp, 200, _json(self.mock.log_json()))
        fault = self.mock.take_fault() if p.startswith("/v1/") or p.startswith("/openai/") else None
        if fault is not None:
            if fault.get("hang"):
                await resp.sleep(3600)
                return
            code = int(fault["status"])
            extra = [("x-mock-id", f"fault-{code}")]
            if fault.get("retry_after") is not None:
                extra.append(("retry-after", str(fault["retry_after"])))
            return await send_simple(resp, code, _openai_error(code, f"mock fault {code}"), extra=extra)
        if forced and p.startswith("/v1/"):
            code = int(forced)
            if p == "/v1/messages":
                body = _json({"type": "error", "error": {"type": "mock_error", "message": f"forced {code}"}})
            else:
                body = _openai_error(code, f"forced {code}")
            return await send_simple(resp, code, body, extra=[("x-mock-id", f"forced-{code}")])
        if p == "/v1/chat/completions" and req.method == "POST":
            return await self.chat(req, resp, delay_ms)
        if p == "/v1/models" and req.method == "GET":
            return await self.models(req, resp)
        if p == "/v1/messages" and req.method == "POST":
            return await self.messages(req, resp, delay_ms)
        if p == "/echo":
            return await self.echo(req, resp, delay_ms)
        if p == "/large":
            return await self.large(req, resp)
        if p == "/sse":
            return await self.sse(req, resp)
        if p == "/slow":
            await resp.sleep(int(req.query.get("ms", "1000")) / 1000)
            return await send_simple(resp, 200, b'{"slow":true}')
        if p == "/hang":
            await resp.sleep(3600)
            return
        if p.startswith("/status/"):
            code = int(p.rsplit("/", 1)[1])
            if code in (204, 304) or code < 200:
                await resp.start(code, [("x-mock-id", f"status-{code}")])
                return await resp.end()
            return await send_simple(resp, code, _json({"status": code}))
        if p == "/truncate":
            n = int(req.query.get("bytes", "100000"))
            await resp.start(200, [("content-type", "application/octet-stream"),
                                   ("content-length", str(2 * n))])
            await resp.write(pattern_bytes(n))
            await asyncio.sleep(0.05)
            return await resp.abort()
        return await send_simple(resp, 404, _openai_error(404, f"no route {req.method} {p}", "not_found", "not_found"))

    # -- OpenAI
    def _check_openai_auth(self, req: Request) -> bool:
        return req.header("authorization") == f"Bearer {SECRET_KEY}"

    async def models(self, req: Request, resp: ResponseWriter) -> None:
        if not self._check_openai_auth(req):
            return await send_simple(resp, 401, _openai_error(401, "bad key", "invalid_request_error", "invalid_api_key"))
        data = {"object": "list", "data": [
            {"id": "mock-gpt-1", "object": "model", "created": 1700000000, "owned_by": "mock"},
            {"id": "mock-gpt-2", "object": "model", "created": 1700000001, "owned_by": "mock"},
        ]}
        await send_simple(resp, 200, _json(data), extra=[("x-mock-id", "models")])

    async def chat(self, req: Request, resp: ResponseWriter, delay_ms: int) -> None:
        if not self._check_openai_auth(req):
            return await send_simple(resp, 401, _openai_error(401, "bad key", "invalid_request_error", "invalid_api_key"))
        try:
            body = json.loads(req.body or b"{}")
        except ValueError:
            return await send_simple(resp, 400, _openai_error(400, "invalid json", "invalid_request_error", "bad_json"))
        # The id depends on the conversation, not on the exact bytes, so a proxy that adds
        # stream_options (as Tollgate does to count stream usage) gets the same answer back.
        digest = hashlib.sha256(_json([body.get("model"), body.get("messages")])).hexdigest()[:16]
        cid = f"chatcmpl-mock-{digest}"
        model = req.header("x-mock-served-model") or body.get("model", "mock-gpt-1")
        nchunks = int(req.header("x-mock-chunks", "5") or 5)
        words = [f"tok{i} " for i in range(nchunks)]
        # With tools, the mock calls the first one with fixed arguments.
        tools = body.get("tools") or []
        tool = tools[0]["function"]["name"] if tools else None
        tool_args = json.dumps({"city": "Paris", "unit": "celsius"})
        prompt_tokens = max(1, len(req.body) // 4)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": nchunks,
                 "total_tokens": prompt_tokens + nchunks}
        if not body.get("stream"):
            await resp.sleep(delay_ms / 1000)
            message: dict[str, Any] = {"role": "assistant", "content": "".join(words)}
            finish = "stop"
            if tool:
                message = {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "call_mock_1", "type": "function", "function": {"name": tool, "arguments": tool_args}}]}
                finish = "tool_calls"
            out = {"id": cid, "object": "chat.completion", "created": 1700000000, "model": model,
                   "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
                   "usage": usage, "system_fingerprint": "fp_mock"}
            return await send_simple(resp, 200, _json(out), extra=[("x-mock-id", cid)])
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict, finish: str | None) -> dict:
            c = {"id": cid, "object": "chat.completion.chunk", "created": 1700000000, "model": model,
                 "system_fingerprint": "fp_mock",
                 "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
            if include_usage:
                c["usage"] = None
            return c

        events = [chunk({"role": "assistant", "content": ""}, None)]
        if tool:
            events.append(chunk({"tool_calls": [{"index": 0, "id": "call_mock_1", "type": "function",
                                                 "function": {"name": tool, "arguments": ""}}]}, None))
            half = len(tool_args) // 2
            for part in (tool_args[:half], tool_args[half:]):
                events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}, None))
            events.append(chunk({}, "tool_calls"))
        else:
            events += [chunk({"content": w}, None) for w in words]
            events.append(chunk({}, "stop"))
        if include_usage:
            events.append({"id": cid, "object": "chat.completion.chunk", "created": 1700000000,
                           "model": model, "system_fingerprint": "fp_mock", "choices": [], "usage": usage})
        frames = [b"data: " + _json(e) + b"\n\n" for e in events] + [b"data: [DONE]\n\n"]
        await self._stream(resp, frames, delay_ms, [("x-mock-id", cid)])

    async def _stream(self, resp: ResponseWriter, frames: list[bytes], delay_ms: int,
                      extra: list[tuple[str, str]]) -> None:
        await resp.start(200, [("content-type", "text/event-stream"), ("cache-control", "no-cache")] + extra)
        for i, f in enumerate(frames):
            if i:
                await resp.sleep(delay_ms / 1000)
            elif resp.disconnected.is_set():
                raise ConnectionResetError("client disconnected")
            await resp.write(f)
            resp.rec.events_sent.append(time.monotonic())
        await resp.end()

    # -- Anthropic
    async def messages(self, req: Request, resp: ResponseWriter, delay_ms: int) -> None:
        if req.header("x-api-key") != ANTHROPIC_SECRET_KEY:
            body = _json({"type": "error", "error": {"type": "authentication_error", "message": "bad key"}})
            return await send_simple(resp, 401, body)
        body = json.loads(req.body or b"{}")
        mid = "msg_mock_" + hashlib.sha256(req.body).hexdigest()[:16]
        model = req.header("x-mock-served-model") or body.get("model", "mock-claude")
        n = int(req.header("x-mock-chunks", "4") or 4)
        words = [f"word{i} " for i in range(n)]
        in_tok = max(1, len(req.body) // 4)
        if not body.get("stream"):
            await resp.sleep(delay_ms / 1000)
            out = {"id": mid, "type": "message", "role": "assistant", "model": model,
                   "content": [{"type": "text", "text": "".join(words)}],
                   "stop_reason": "end_turn", "stop_sequence": None,
                   "usage": {"input_tokens": in_tok, "output_tokens": n}}
            return await send_simple(resp, 200, _json(out), extra=[("x-mock-id", mid)])

        def ev(name: str, data: dict) -> bytes:
            return f"event: {name}\ndata: ".encode() + _json(data) + b"\n\n"

        frames = [ev("message_start", {"type": "message_start", "message": {
            "id": mid, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": in_tok, "output_tokens": 1}}}),
            ev("content_block_start", {"type": "content_block_start", "index": 0,
                                       "content_block": {"type": "text", "text": ""}}),
            ev("ping", {"type": "ping"})]
        frames += [ev("content_block_delta", {"type": "content_block_delta", "index": 0,
                                              "delta": {"type": "text_delta", "text": w}}) for w in words]
        frames += [ev("content_block_stop", {"type": "content_block_stop", "index": 0}),
                   ev("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                        "usage": {"output_tokens": n}}),
                   ev("message_stop", {"type": "message_stop"})]
        await self._stream(resp, frames, delay_ms, [("x-mock-id", mid)])

    # -- utilities
    async def echo(self, req: Request, resp: ResponseWriter, delay_ms: int) -> None:
        await resp.sleep(delay_ms / 1000)
        out = {"method": req.method, "target": req.target, "protocol": req.rec.protocol,
               "tls": req.tls, "headers": [[k, v] for k, v in req.headers],
               "body_len": len(req.body), "body_sha256": hashlib.sha256(req.body).hexdigest(),
               "chunked": req.rec.chunked, "conn_id": req.rec.conn_id, "request_id": req.rec.id}
        if len(req.body) <= 65536:
            out["body"] = req.body.decode("latin-1")
        extra = [("x-mock-id", f"echo-{req.rec.id}")]
        if req.header("x-mock-hop"):
            extra += [("connection", "x-resp-hop"), ("x-resp-hop", "1"), ("keep-alive", "timeout=5"),
                      ("x-resp-end2end", "kept")]
        await send_simple(resp, 200, _json(out), extra=extra)

    async def large(self, req: Request, resp: ResponseWriter) -> None:
        n = int(req.query.get("bytes", "1048576"))
        headers = [("content-type", "application/octet-stream"), ("x-mock-id", f"large-{n}")]
        if req.query.get("chunked") != "1":
            headers.append(("content-length", str(n)))
        await resp.start(200, headers)
        block = pattern_bytes(65536)
        sent = 0
        while sent < n:
            piece = block[: min(len(block), n - sent)]
            await resp.write(piece)
            sent += len(piece)
        await resp.end()

    async def sse(self, req: Request, resp: ResponseWriter) -> None:
        n = int(req.query.get("n", "10"))
        interval = int(req.query.get("interval_ms", "100"))
        frames = [b"id: %d\ndata: {\"i\":%d}\n\n" % (i, i) for i in range(n)]
        await self._stream(resp, frames, interval, [("x-mock-id", f"sse-{n}")])


# ------------------------------------------------------------------------------ HTTP/1.1 side


class BadRequest(Exception):
    pass


class ConnReader:
    """A pump that reads the socket continuously, so EOF is noticed while a response streams."""

    def __init__(self, reader: asyncio.StreamReader, initial: bytes = b""):
        self.reader = reader
        self.buf = bytearray(initial)
        self.eof = False
        self.changed = asyncio.Event()
        self.on_eof: list[Any] = []
        self.task = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    break
                self.buf += data
                self.changed.set()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        self.eof = True
        self.changed.set()
        for cb in self.on_eof:
            cb()

    async def _wait(self) -> None:
        if self.eof:
            raise EOFError
        self.changed.clear()
        await self.changed.wait()

    async def read_until(self, sep: bytes, limit: int) -> bytes:
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out = bytes(self.buf[: i + len(sep)])
                del self.buf[: i + len(sep)]
                return out
            if len(self.buf) > limit:
                raise BadRequest("head too large")
            await self._wait()

    async def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            await self._wait()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out


class H1Writer(ResponseWriter):
    def __init__(self, rec: RequestRecord, writer: asyncio.StreamWriter, keep_alive: bool, http10: bool = False):
        super().__init__(rec)
        self.writer = writer
        self.keep_alive = keep_alive
        self.http10 = http10
        self.chunked = False
        self.started = False

    async def _send(self, data: bytes) -> None:
        if self.disconnected.is_set():
            raise ConnectionResetError("client disconnected")
        self.writer.write(data)
        try:
            await self.writer.drain()
        except (ConnectionError, OSError) as e:
            self.mark_disconnected()
            raise ConnectionResetError(str(e))

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.rec.status = status
        self.started = True
        names = {k.lower() for k, _ in headers}
        bodyless = status in (204, 304) or status < 200
        if not bodyless and "content-length" not in names and not self.head_only:
            if self.http10:
                self.keep_alive = False  # HTTP/1.0 has no chunked coding: close-delimited body
            else:
                self.chunked = True
                headers = headers + [("transfer-encoding", "chunked")]
        if not self.keep_alive:
            headers = headers + [("connection", "close")]
        head = f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\n".encode()
        head += b"".join(f"{k}: {v}\r\n".encode() for k, v in headers) + b"\r\n"
        await self._send(head)

    async def write(self, data: bytes) -> None:
        if self.head_only or not data:
            return
        if self.chunked:
            data = b"%x\r\n" % len(data) + data + b"\r\n"
        await self._send(data)

    async def end(self) -> None:
        if self.chunked:
            await self._send(b"0\r\n\r\n")
        self.rec.finished = time.monotonic()

    async def abort(self) -> None:
        self.keep_alive = False
        self.writer.close()


def _parse_head(head: bytes) -> tuple[str, str, str, list[tuple[str, str]]]:
    lines = head[:-4].split(b"\r\n")
    try:
        method, target, version = lines[0].decode("latin-1").split(" ")
    except ValueError:
        raise BadRequest("bad request line")
    headers = []
    for line in lines[1:]:
        if b":" not in line or line[:1] in (b" ", b"\t"):
            raise BadRequest("bad header line")
        k, v = line.split(b":", 1)
        headers.append((k.decode("latin-1"), v.strip(b" \t").decode("latin-1")))
    return method, target, version, headers


# -------------------------------------------------------------------------------- the server


class MockUpstream:
    """Run with `with MockUpstream() as m: ... m.url`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, certfile: str | None = None,
                 keyfile: str | None = None, alpn: tuple[str, ...] = ("h2", "http/1.1"),
                 h2c: bool = True):
        self.host, self.port = host, port
        self.certfile, self.keyfile, self.alpn, self.h2c = certfile, keyfile, alpn, h2c
        self.requests: list[RequestRecord] = []
        self.connections: list[ConnRecord] = []
        self.sni_names: list[str | None] = []   # TLS server names seen in ClientHellos
        self.tls_failures = 0                    # handshakes that failed (e.g. client rejected cert)
        self.app = MockApp(self)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.server: asyncio.base_events.Server | None = None
        self._lock = threading.Lock()
        self._ids = 0
        self._conns: set[asyncio.StreamWriter] = set()
        # Instance-wide fault for /v1/ requests (a provider that is down or rate limiting):
        # {"status": 503, "retry_after": "2"} or {"hang": True}; "count": N limits it to N requests.
        self.fault: dict[str, Any] | None = None

    # -- public
    @property
    def scheme(self) -> str:
        return "https" if self.certfile else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def hostport(self) -> str:
        return f"{self.host}:{self.port}"

    def take_fault(self) -> dict[str, Any] | None:
        with self._lock:
            f = self.fault
            if f is None:
                return None
            if f.get("count") is not None:
                f["count"] -= 1
                if f["count"] <= 0:
                    self.fault = None
            return f

    def find(self, path_prefix: str) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.requests if r.target.startswith(path_prefix)]

    def wait_for(self, predicate, timeout: float = 5.0, interval: float = 0.02) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return bool(predicate())

    def log_json(self) -> dict:
        with self._lock:
            return {"requests": [r.to_json() for r in self.requests],
                    "connections": [c.__dict__ for c in self.connections]}

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.connections.clear()

    def start(self) -> "MockUpstream":
        ready = threading.Event()
        err: list[BaseException] = []

        def run() -> None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            try:
                self.server = self.loop.run_until_complete(self._start_server())
            except BaseException as e:  # noqa: BLE001
                err.append(e)
                ready.set()
                return
            ready.set()
            self.loop.run_forever()
            self.loop.close()

        self.thread = threading.Thread(target=run, name=f"mock-upstream", daemon=True)
        self.thread.start()
        ready.wait(10)
        if err:
            raise err[0]
        return self

    def stop(self) -> None:
        if not self.loop:
            return

        async def shutdown() -> None:
            if self.server:
                self.server.close()
            for w in list(self._conns):
                w.close()
            await asyncio.sleep(0)
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        fut = asyncio.run_coroutine_threadsafe(shutdown(), self.loop)
        try:
            fut.result(5)
        except Exception:  # noqa: BLE001
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self.thread:
            self.thread.join(5)
        self.loop = None

    def __enter__(self) -> "MockUpstream":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- internals
    def _next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    async def _start_server(self):
        ctx = None
        if self.certfile:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(self.certfile, self.keyfile)
            if self.alpn:
                ctx.set_alpn_protocols(list(self.alpn))

            def on_sni(sslobj, name, _ctx):
                self.sni_names.append(name)
            ctx.sni_callback = on_sni
        server = await asyncio.start_server(self._on_conn, self.host, self.port, ssl=ctx,
                                            limit=MAX_HEAD, backlog=512)
        self.port = server.sockets[0].getsockname()[1]
        return server

    async def _on_conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._conns.add(writer)
        sslobj = writer.get_extra_info("ssl_object")
        alpn = sslobj.selected_alpn_protocol() if sslobj else None
        initial = b""
        use_h2 = alpn == "h2"
        if sslobj is None and self.h2c:
            try:
                initial = await asyncio.wait_for(reader.read(24), 30)
                while initial and H2_PREFACE.startswith(initial) and len(initial) < 24:
                    more = await asyncio.wait_for(reader.read(24 - len(initial)), 30)
                    if not more:
                        break
                    initial += more
            except (asyncio.TimeoutError, ConnectionError, OSError):
                initial = b""
            use_h2 = initial == H2_PREFACE
        conn = ConnRecord(self._next_id(), "h2" if use_h2 else "http/1.1", sslobj is not None, alpn,
                          time.monotonic())
        with self._lock:
            self.connections.append(conn)
        try:
            if use_h2:
                await self._serve_h2(conn, reader, writer, initial)
            else:
                await self._serve_h1(conn, reader, writer, initial)
        except (ConnectionError, OSError, EOFError, asyncio.CancelledError, ssl.SSLError):
            pass
        finally:
            conn.closed = time.monotonic()
            self._conns.discard(writer)
            try:
                writer.close()
            except Exception:  # noqa: BLE001
                pass

    async def _serve_h1(self, conn: ConnRecord, reader, writer, initial: bytes) -> None:
        cr = ConnReader(reader, initial)
        try:
            while True:
                try:
                    head = await cr.read_until(b"\r\n\r\n", MAX_HEAD)
                except EOFError:
                    return
                rec = RequestRecord(self._next_id(), conn.id, "http/1.1", started=time.monotonic())
                try:
                    rec.method, rec.target, version, rec.headers = _parse_head(head)
                except BadRequest as e:
                    writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    return
                conn.requests += 1
                with self._lock:
                    self.requests.append(rec)
                te = (rec.header("transfer-encoding") or "").lower()
                if (rec.header("expect") or "").lower() == "100-continue":
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = bytearray()
                if "chunked" in te:
                    rec.chunked = True
                    while True:
                        line = await cr.read_until(b"\r\n", 4096)
                        size = int(line.split(b";")[0].strip(), 16)
                        if size == 0:
                            while (await cr.read_until(b"\r\n", 65536)) != b"\r\n":
                                pass
                            break
                        body += await cr.read_exact(size)
                        await cr.read_exact(2)
                elif rec.header("content-length"):
                    body += await cr.read_exact(int(rec.header("content-length")))
                rec.body_len = len(body)
                rec.body_sha256 = hashlib.sha256(body).hexdigest()
                rec.body = bytes(body) if len(body) <= 65536 else b""
                keep_alive = (rec.header("connection") or "").lower() != "close" and version == "HTTP/1.1"
                w = H1Writer(rec, writer, keep_alive, version == "HTTP/1.0")
                cr.on_eof = [w.mark_disconnected]
                if cr.eof:
                    w.mark_disconnected()
                try:
                    await self.app(Request(rec, bytes(body), conn.tls), w)
                except (ConnectionError, OSError):
                    return
                finally:
                    cr.on_eof = []
                if not w.keep_alive or rec.finished is None:
                    await writer.drain()
                    writer.close()
                    return
        finally:
            cr.task.cancel()

    async def _serve_h2(self, conn: ConnRecord, reader, writer, initial: bytes) -> None:
        h2conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="latin-1"))
        h2conn.initiate_connection()
        h2conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 24})
        h2conn.increment_flow_control_window(1 << 24)
        writer.write(h2conn.data_to_send())
        streams: dict[int, dict] = {}
        window_changed = asyncio.Event()
        tasks: set[asyncio.Task] = set()

        def flush() -> None:
            data = h2conn.data_to_send()
            if data:
                writer.write(data)

        class H2Writer(ResponseWriter):
            def __init__(self, rec: RequestRecord, sid: int):
                super().__init__(rec)
                self.sid = sid

            async def start(self, status, headers):
                if self.disconnected.is_set():
                    raise ConnectionResetError("stream reset")
                self.rec.status = status
                hs = [(":status", str(status))] + [(k.lower(), v) for k, v in headers
                                                   if k.lower() not in ("connection", "keep-alive", "transfer-encoding")]
                h2conn.send_headers(self.sid, hs, end_stream=self.head_only)
                flush()
                await writer.drain()

            async def write(self, data):
                if self.head_only:
                    return
                view = memoryview(data)
                while view:
                    if self.disconnected.is_set():
                        raise ConnectionResetError("stream reset")
                    try:
                        window = min(h2conn.local_flow_control_window(self.sid), h2conn.max_outbound_frame_size)
                    except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError, KeyError):
                        self.mark_disconnected()
                        raise ConnectionResetError("stream closed")
                    if window <= 0:
                        window_changed.clear()
                        await window_changed.wait()
                        continue
                    h2conn.send_data(self.sid, bytes(view[:window]))
                    view = view[window:]
                    flush()
                    await writer.drain()

            async def end(self):
                if not self.head_only:
                    h2conn.end_stream(self.sid)
                    flush()
                    await writer.drain()
                self.rec.finished = time.monotonic()

            async def abort(self):
                h2conn.reset_stream(self.sid, 2)
                flush()

        async def run_stream(sid: int, st: dict) -> None:
            w: H2Writer = st["writer"]
            try:
                await self.app(Request(st["rec"], bytes(st["body"]), conn.tls), w)
            except (ConnectionError, OSError, h2.exceptions.StreamClosedError):
                pass
            except Exception:  # noqa: BLE001
                try:
                    h2conn.reset_stream(sid, 2)
                    flush()
                except Exception:  # noqa: BLE001
                    pass

        if initial:
            events = h2conn.receive_data(initial)
        else:
            events = []
        try:
            while True:
                for ev in events:
                    if isinstance(ev, h2.events.RequestReceived):
                        rec = RequestRecord(self._next_id(), conn.id, "h2", started=time.monotonic())
                        hs = [(k, v) for k, v in ev.headers]
                        pseudo = {k: v for k, v in hs if k.startswith(":")}
                        rec.method = pseudo.get(":method", "")
                        rec.target = pseudo.get(":path", "")
                        rec.headers = [("host", pseudo.get(":authority", ""))] + [(k, v) for k, v in hs if not k.startswith(":")]
                        conn.requests += 1
                        with self._lock:
                            self.requests.append(rec)
                        streams[ev.stream_id] = {"rec": rec, "body": bytearray(), "writer": H2Writer(rec, ev.stream_id)}
                        if ev.stream_ended:
                            rec.body_sha256 = hashlib.sha256(b"").hexdigest()
                            t = asyncio.ensure_future(run_stream(ev.stream_id, streams[ev.stream_id]))
                            tasks.add(t)
                    elif isinstance(ev, h2.events.DataReceived):
                        st = streams.get(ev.stream_id)
                        if st is not None:
                            st["body"] += ev.data
                        h2conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                        if ev.stream_ended and st is not None:
                            st["rec"].body_len = len(st["body"])
                            st["rec"].body_sha256 = hashlib.sha256(st["body"]).hexdigest()
                            st["rec"].body = bytes(st["body"]) if len(st["body"]) <= 65536 else b""
                            t = asyncio.ensure_future(run_stream(ev.stream_id, st))
                            tasks.add(t)
                    elif isinstance(ev, h2.events.StreamReset):
                        st = streams.get(ev.stream_id)
                        if st is not None:
                            st["writer"].mark_disconnected()
                        window_changed.set()
                    elif isinstance(ev, h2.events.WindowUpdated):
                        window_changed.set()
                    elif isinstance(ev, h2.events.RemoteSettingsChanged):
                        window_changed.set()
                    elif isinstance(ev, h2.events.ConnectionTerminated):
                        return
                flush()
                await writer.drain()
                data = await reader.read(65536)
                if not data:
                    return
                try:
                    events = h2conn.receive_data(data)
                except h2.exceptions.ProtocolError:
                    flush()
                    return
        finally:
            for st in streams.values():
                st["writer"].mark_disconnected()
            window_changed.set()
            for t in tasks:
                t.cancel()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18000)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()
    m = MockUpstream(args.host, args.port, args.cert, args.key).start()
    print(f"mock upstream on {m.url} (OpenAI key {SECRET_KEY})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        m.stop()


if __name__ == "__main__":
    main()
