"""An MCP server (mcp SDK low-level Server, streamable HTTP) whose tools/list is paginated:
N tools `tool00`.. in pages of K, with opaque cursors it checks (a cursor it did not issue is
-32602, as the MCP pagination rules say). Used by test_mcp_pages.py.
Run: python mcp_paged_server.py --port N [--tools 25] [--page 4] [--events FILE] [--prefix tool]
(serves http://127.0.0.1:N/mcp). --events appends one JSON line per tools/list with the cursor
it got, and per tools/call with the tool name."""
import argparse
import base64
import json
import time

import mcp_types as types
import uvicorn
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

EVENTS = None


def record(**fields) -> None:
    if EVENTS:
        with open(EVENTS, "a") as f:
            f.write(json.dumps({"t": time.time(), **fields}) + "\n")


def cursor_for(offset: int) -> str:
    return base64.urlsafe_b64encode(f"paged-offset:{offset}".encode()).decode()


def offset_of(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        assert text.startswith("paged-offset:")
        return int(text.split(":", 1)[1])
    except Exception:  # noqa: BLE001
        raise MCPError(-32602, f"Invalid params: unknown cursor {cursor!r}") from None


def build(name: str, count: int, page: int, prefix: str) -> Server:
    names = [f"{prefix}{i:02d}" for i in range(count)]

    async def list_tools(ctx, params):
        cursor = params.cursor if params is not None else None
        record(list=cursor)
        start = 0 if cursor is None else offset_of(cursor)
        if not 0 <= start <= len(names):
            raise MCPError(-32602, "Invalid params: cursor out of range")
        end = min(start + page, len(names))
        tools = [types.Tool(name=n, description=f"Echoes its number ({n}).",
                            input_schema={"type": "object", "properties": {}}) for n in names[start:end]]
        return types.ListToolsResult(tools=tools, next_cursor=cursor_for(end) if end < len(names) else None)

    async def call_tool(ctx, params):
        record(call=params.name)
        if params.name not in names:
            raise MCPError(-32602, f"Unknown tool: {params.name}")
        return types.CallToolResult(content=[types.TextContent(text=f"{name}:{params.name}")])

    return Server(name, on_list_tools=list_tools, on_call_tool=call_tool)


class RequestLog:
    """ASGI middleware: one event per HTTP request (so a probe shows the server is up)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            h = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            record(http=scope["method"], path=scope["path"],
                   headers={k: h[k] for k in ("host", "mcp-session-id", "mcp-protocol-version", "mcp-method") if k in h})
        await self.app(scope, receive, send)


def main() -> None:
    global EVENTS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--name", default="paged")
    ap.add_argument("--tools", type=int, default=25)
    ap.add_argument("--page", type=int, default=4)
    ap.add_argument("--prefix", default="tool")
    ap.add_argument("--events")
    args = ap.parse_args()
    EVENTS = args.events
    app = build(args.name, args.tools, args.page, args.prefix).streamable_http_app(streamable_http_path="/mcp")
    uvicorn.run(RequestLog(app), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
