"""MCP streamable HTTP through the proxy with the real `mcp` SDK (client and server): tools/list
and tools/call give the same results as talking to the server directly."""
import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import free_port


@pytest.fixture
def mcp_upstream(tmp_path):
    port = free_port()
    log = open(tmp_path / "mcp_server.log", "wb")
    proc = subprocess.Popen([sys.executable, str(Path(__file__).parent / "mcp_server.py"), "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            assert proc.poll() is None, (tmp_path / "mcp_server.log").read_text()
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("MCP test server did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


async def session_results(url):
    from mcp import Client  # imported here: keeps collection fast

    async with Client(url + "/mcp", read_timeout_seconds=20) as c:
        tools = await c.list_tools()
        add = await c.call_tool("add", {"a": 2, "b": 40})
        shout = await c.call_tool("shout", {"text": "through tollgate"})
        return ([t.model_dump() for t in tools.tools], add.content[0].text, add.structured_content,
                shout.content[0].text)


def test_mcp_tools_through_proxy(mcp_upstream, sidecar):
    """MCP tools/list and tools/call through the proxy equal the direct results."""
    sc = sidecar(mcp_upstream)
    direct = asyncio.run(asyncio.wait_for(session_results(mcp_upstream), 60))
    proxied = asyncio.run(asyncio.wait_for(session_results(sc.url), 60))
    assert proxied == direct
    assert proxied[1] == "42" and proxied[3] == "THROUGH TOLLGATE!"
