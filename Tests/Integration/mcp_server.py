"""A small MCP server (streamable HTTP, mcp SDK 2.x) used as an upstream in test_mcp.py.
Run: python mcp_server.py --port N   (serves http://127.0.0.1:N/mcp)."""
import argparse

import uvicorn
from mcp.server.mcpserver import MCPServer

server = MCPServer("tollgate-itest-mcp")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def shout(text: str) -> str:
    """Upper-case a text."""
    return text.upper() + "!"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    args = ap.parse_args()
    app = server.streamable_http_app(streamable_http_path="/mcp")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
