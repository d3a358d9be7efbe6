"""A small MCP server (streamable HTTP, mcp SDK 2.x) used as an upstream in test_mcp*.py.
Run: python mcp_server.py --port N [--name NAME] [--events FILE] [--json]
(serves http://127.0.0.1:N/mcp).

--resumable keeps every SSE event in memory so a GET with Last-Event-ID replays what came after
it (the SDK's EventStore). --auth-token T makes the server an OAuth resource server (the SDK's
bearer middleware): T (scope "tools") is admitted, "weak-T" (no scope) gets 403
insufficient_scope, anything else 401; both with WWW-Authenticate.

--events FILE appends one JSON line per HTTP request (method, path and the headers the proxy must
get right: host, authorization, mcp-session-id, mcp-name, mcp-protocol-version) and per tool
lifecycle step ("tool": start / done / cancelled), so tests can see what reached the server."""
import argparse
import asyncio
import json
import os
import time

import uvicorn
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.streamable_http import EventMessage, EventStore

EVENTS = None


def record(**fields) -> None:
    if EVENTS:
        with open(EVENTS, "a") as f:
            f.write(json.dumps({"t": time.time(), **fields}) + "\n")


class MemoryEventStore(EventStore):
    """Every event of every stream, in order, for Last-Event-ID replay."""

    def __init__(self):
        self.events = []  # (event id, stream id, message)

    async def store_event(self, stream_id, message):
        event_id = str(len(self.events) + 1)
        self.events.append((event_id, stream_id, message))
        return event_id

    async def replay_events_after(self, last_event_id, send_callback):
        ids = [e[0] for e in self.events]
        if last_event_id not in ids:
            return None
        stream = self.events[ids.index(last_event_id)][1]
        for event_id, stream_id, message in self.events[ids.index(last_event_id) + 1:]:
            if stream_id == stream and message is not None:
                await send_callback(EventMessage(message, event_id))
        return stream


class StaticTokens:
    """Token verifier: `token` has scope "tools", "weak-" + token has none."""

    def __init__(self, token):
        self.token = token

    async def verify_token(self, token):
        if token == self.token:
            return AccessToken(token=token, client_id="itest", scopes=["tools"])
        if token == "weak-" + self.token:
            return AccessToken(token=token, client_id="itest", scopes=[])
        return None


def build(name: str, auth_token: str | None = None, port: int = 0) -> MCPServer:
    auth = {}
    if auth_token:
        auth = {"token_verifier": StaticTokens(auth_token),
                "auth": AuthSettings(issuer_url="http://127.0.0.1:1/", required_scopes=["tools"], validate_token_resource=False,
                                     resource_server_url=f"http://127.0.0.1:{port}/mcp")}
    server = MCPServer(name, **auth)

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def shout(text: str) -> str:
        """Upper-case a text."""
        return text.upper() + "!"

    @server.tool()
    async def touch(ctx: Context) -> str:
        """Announces that the tool list changed (to subscriptions/listen streams)."""
        await ctx.notify_tools_changed()
        return "touched"

    @server.tool()
    def fail(reason: str) -> str:
        """Always fails."""
        raise ValueError(reason)

    @server.tool()
    async def gated(gate: str, ctx: Context) -> str:
        """Reports progress 1/2, then waits until the file `gate` exists (the client creates it when
        the progress notification reached it), then reports 2/2 and returns."""
        record(tool="gated", step="start")
        await ctx.report_progress(1, 2, "waiting for the gate")
        deadline = time.monotonic() + 20
        while not os.path.exists(gate):
            if time.monotonic() > deadline:
                record(tool="gated", step="gate-timeout")
                return "gate never opened"
            await asyncio.sleep(0.05)
        await ctx.report_progress(2, 2, "done")
        record(tool="gated", step="done")
        return "gate opened"

    @server.tool()
    async def sleepy(seconds: float, tag: str) -> str:
        """Sleeps; records start, done or cancelled with `tag`."""
        record(tool="sleepy", step="start", tag=tag)
        try:
            await asyncio.sleep(seconds)
        except BaseException:
            record(tool="sleepy", step="cancelled", tag=tag)
            raise
        record(tool="sleepy", step="done", tag=tag)
        return "rested"

    return server


class HeaderLog:
    """ASGI middleware: records each HTTP request's interesting headers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            h = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            keep = ("host", "authorization", "x-api-key", "mcp-session-id", "mcp-name", "mcp-method",
                    "mcp-protocol-version", "origin", "accept", "last-event-id")
            record(http=scope["method"], path=scope["path"], headers={k: h[k] for k in keep if k in h})
        await self.app(scope, receive, send)


def main() -> None:
    global EVENTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--name", default="tollgate-itest-mcp")
    ap.add_argument("--events")
    ap.add_argument("--json", action="store_true", help="answer JSON instead of SSE")
    ap.add_argument("--resumable", action="store_true", help="keep events for Last-Event-ID replay")
    ap.add_argument("--auth-token", help="require this bearer token (OAuth resource server)")
    args = ap.parse_args()
    EVENTS = args.events
    store = MemoryEventStore() if args.resumable else None
    app = build(args.name, args.auth_token, args.port).streamable_http_app(
        streamable_http_path="/mcp", json_response=args.json, event_store=store)
    uvicorn.run(HeaderLog(app), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
