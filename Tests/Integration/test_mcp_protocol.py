"""Protocol details of MCP through a real Tollgate, with the real `mcp` SDK servers (and SDK
clients where an SDK client can drive the case): the SDK client's own cancellation reaching the
server in both revisions, Last-Event-ID resumption, the server's 4xx with WWW-Authenticate, what
servers check (Origin, Accept), notifications, awkward tool names through the aggregate,
tool-call budgets of a policy, and the audit record's measurements."""
import json
import re
import time

import httpx
import pytest

from test_mcp_governance import MODES, audit_lines, client, error_of, mcp_servers, run, tollgate  # noqa: F401 (fixture)

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "itest", "version": "1"}}}
ACCEPT = {"accept": "application/json, text/event-stream"}


def wait_for(predicate, what, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def sse_messages(lines):
    """(event id, JSON message) pairs of an SSE line iterator."""
    event_id = None
    for line in lines:
        if line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:") and line[5:].strip():
            yield event_id, json.loads(line[5:])


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", ["/mcp", "/mcp/alpha"])
def test_sdk_cancellation_reaches_server(mcp_servers, sidecar, tmp_path, mode, path):  # noqa: F811
    """The SDK client giving up on a running tool cancels it on the server: at 2026-07-28 by
    closing the request's stream, at 2025-11-25 by notifications/cancelled, which the aggregate
    routes to the server running the call (in that server's session)."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path)
    name = "alpha_sleepy" if path == "/mcp" else "sleepy"
    tag = f"{mode}{path}"

    async def go():
        from mcp import Client
        async with Client(sc.url + path, mode=mode, read_timeout_seconds=2) as c:
            try:
                await c.call_tool(name, {"seconds": 30, "tag": tag})
                gave_up = False
            except Exception:  # noqa: BLE001
                gave_up = True
            # The session stays open meanwhile: closing it (DELETE) must not be what cancels.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                steps = [r["step"] for r in alpha.records() if r.get("tool") == "sleepy" and r.get("tag") == tag]
                if "cancelled" in steps:
                    break
                await __import__("asyncio").sleep(0.1)
            return gave_up, steps
    gave_up, steps = run(go())
    assert gave_up
    assert steps[:1] == ["start"] and "cancelled" in steps and "done" not in steps
    if mode == "legacy":
        cancels = [r for r in alpha.records() if r.get("http") == "POST" and r["headers"].get("mcp-session-id")]
        assert len({r["headers"]["mcp-session-id"] for r in cancels}) == 1


def test_last_event_id_resumption(mcp_servers, sidecar, tmp_path):  # noqa: F811
    """2025-11-25 resumption through /mcp/NAME: a client that loses a tool call's SSE stream after
    the first progress event GETs with Last-Event-ID and receives the rest, the result included."""
    alpha = mcp_servers("alpha", args=("--resumable",))
    sc = tollgate(sidecar, [alpha], tmp_path)
    url = sc.url + "/mcp/alpha"
    gate = tmp_path / "gate"
    with httpx.Client(timeout=20) as h:
        r = h.post(url, json=INIT, headers=ACCEPT)
        sid = r.headers["mcp-session-id"]
        hdr = {**ACCEPT, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25"}
        assert h.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=hdr).status_code == 202
        call = {"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                "params": {"name": "gated", "arguments": {"gate": str(gate)}, "_meta": {"progressToken": "p9"}}}
        last_id = None
        with h.stream("POST", url, json=call, headers=hdr) as s:
            assert s.headers["content-type"].startswith("text/event-stream")
            for event_id, msg in sse_messages(s.iter_lines()):
                if msg.get("method") == "notifications/progress":
                    last_id = event_id
                    break
        assert last_id
        gate.touch()
        wait_for(lambda: any(r.get("step") == "done" for r in alpha.records()), "the tool to finish")
        got = []
        with h.stream("GET", url, headers={**hdr, "last-event-id": last_id}) as s:
            assert s.status_code == 200
            for _event_id, msg in sse_messages(s.iter_lines()):
                got.append(msg)
                if msg.get("id") == 9:
                    break
    assert got[-1]["id"] == 9 and got[-1]["result"]["content"][0]["text"] == "gate opened"
    assert any(m.get("method") == "notifications/progress" and m["params"]["progress"] == 2 for m in got)
    gets = [r for r in alpha.records() if r.get("http") == "GET"]
    assert gets and gets[-1]["headers"].get("last-event-id") == last_id


@pytest.mark.parametrize("mode", MODES)
def test_server_4xx_with_www_authenticate_pass_through(mcp_servers, sidecar, tmp_path, mode):  # noqa: F811
    """An OAuth-protected server's 401 and 403 (with WWW-Authenticate) and its 400 for an
    unsupported protocol version reach the client unchanged; the client's own token (passthrough,
    no Tollgate credential for that server) works with the SDK client."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    secure = mcp_servers("secure", args=("--auth-token", "tok-123"))
    sc = tollgate(sidecar, [secure], tmp_path)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    cases = [{}, {"authorization": "Bearer wrong"}, {"authorization": "Bearer weak-tok-123"},
             {"authorization": "Bearer tok-123", "mcp-protocol-version": "1999-01-01"}]
    for extra in cases:
        direct = httpx.post(secure.url, json=body, headers={**ACCEPT, **extra})
        proxied = httpx.post(sc.url + "/mcp/secure", json=body, headers={**ACCEPT, **extra})
        assert proxied.status_code == direct.status_code, extra
        assert proxied.headers.get("www-authenticate") == direct.headers.get("www-authenticate"), extra
        assert proxied.content == direct.content, extra
    assert [httpx.post(secure.url, json=body, headers={**ACCEPT, **e}).status_code for e in cases] == [401, 401, 403, 400]
    assert 'error="insufficient_scope"' in httpx.post(sc.url + "/mcp/secure", json=body,
                                                       headers={**ACCEPT, **cases[2]}).headers["www-authenticate"]

    async def go():
        http = httpx2.AsyncClient(headers={"authorization": "Bearer tok-123"}, timeout=30)
        async with Client(streamable_http_client(sc.url + "/mcp/secure", http_client=http), mode=mode, read_timeout_seconds=30) as c:
            return (await c.call_tool("add", {"a": 20, "b": 22})).content[0].text
    assert run(go()) == "42"


def test_origin_accept_and_notifications_reach_the_server(mcp_servers, sidecar, tmp_path):  # noqa: F811
    """Origin and Accept arrive as the client sent them (the server's DNS-rebinding guard then
    refuses a foreign Origin itself, 403 passed through); a notification gets the server's 202."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path)
    url = sc.url + "/mcp/alpha"
    local = {**ACCEPT, "origin": "http://localhost:5173"}
    r = httpx.post(url, json=INIT, headers=local)
    assert r.status_code == 200
    seen = [x for x in alpha.records() if x.get("http") == "POST"][-1]["headers"]
    assert seen["origin"] == "http://localhost:5173" and seen["accept"] == ACCEPT["accept"]
    assert seen["host"] == f"127.0.0.1:{alpha.port}"
    hdr = {**local, "mcp-session-id": r.headers["mcp-session-id"], "mcp-protocol-version": "2025-11-25"}
    note = httpx.post(url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=hdr)
    assert note.status_code == 202 and note.content == b""
    foreign = {**ACCEPT, "origin": "http://evil.example"}
    direct = httpx.post(alpha.url, json=INIT, headers=foreign)
    proxied = httpx.post(url, json=INIT, headers=foreign)
    assert direct.status_code == 403
    assert (proxied.status_code, proxied.content) == (direct.status_code, direct.content)


@pytest.mark.parametrize("mode", MODES)
def test_awkward_tool_names_stay_valid_and_route(mcp_servers, sidecar, tmp_path, mode):  # noqa: F811
    """Two servers with the same long dotted tool names: the aggregate shows each under a distinct
    name valid for every model API (^[a-zA-Z0-9_-]{1,64}$) and a call reaches the right server
    with the original name (and, at 2026-07-28, matching Mcp-Method / Mcp-Name headers)."""
    prefix = "ns.a-rather-long-namespace-that-pushes-names-over-the-limit."
    pa = mcp_servers("pa", script="mcp_paged_server.py", args=("--tools", "6", "--page", "4", "--prefix", prefix))
    pb = mcp_servers("pb", script="mcp_paged_server.py", args=("--tools", "6", "--page", "4", "--prefix", prefix))
    sc = tollgate(sidecar, [pa, pb], tmp_path)

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            tools, cursor = [], None
            while True:
                r = await c.list_tools(cursor=cursor)
                tools += r.tools
                cursor = r.next_cursor
                if not cursor:
                    break
            target = next(t for t in tools if t.description == f"Echoes its number ({prefix}04)." and "pb" in t.name)
            return [t.name for t in tools], (await c.call_tool(target.name, {})).content[0].text
    names, called = run(go())
    assert len(names) == len(set(names)) == 12
    assert all(re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", n) for n in names), names
    assert called == f"pb:{prefix}04"
    assert [r["call"] for r in pb.records() if "call" in r] == [f"{prefix}04"]
    assert not [r for r in pa.records() if "call" in r]
    if mode == "auto":
        posts = [r["headers"] for r in pb.records() if r.get("http") == "POST"]
        assert {h.get("mcp-method") for h in posts} >= {"tools/list", "tools/call"}


@pytest.mark.parametrize("mode", MODES)
def test_policy_tool_call_budget_and_audit_measurements(mcp_servers, sidecar, tmp_path, mode):  # noqa: F811
    """A policy's calendar tool-call budget (per: day) refuses the call over it with
    budget_exhausted; each audit record carries duration, argument and response sizes."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path, "default_policy:\n  limits:\n    - {tools: shout, calls: 2, per: day}\n")

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            out = [(await c.call_tool("alpha_shout", {"text": t})).content[0].text for t in ("a", "b")]
            try:
                await c.call_tool("alpha_shout", {"text": "c"})
                out.append(None)
            except Exception as e:  # noqa: BLE001
                out.append(error_of(e))
            out.append((await c.call_tool("alpha_add", {"a": 1, "b": 1})).content[0].text)
            return out
    out = run(go())
    assert out[:2] == ["A!", "B!"] and out[3] == "2"
    assert out[2].code == -32042 and out[2].data["reason"] == "budget_exhausted"
    lines = audit_lines(sc, 4)
    assert [(l["tool"], l["status"]) for l in lines] == [("shout", "ok"), ("shout", "ok"), ("shout", "refused"), ("add", "ok")]
    for l in (lines[0], lines[1], lines[3]):
        assert l["duration_ms"] > 0 and l["response_bytes"] > 0 and l["arguments_bytes"] > 0
    assert lines[2]["detail"] == "budget_exhausted" and lines[2]["response_bytes"] == 0
