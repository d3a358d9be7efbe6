"""MCP governance through a real Tollgate with the real `mcp` SDK (servers and clients, both
protocol revisions): the aggregate at /mcp over two servers, per-server endpoints, policy
filtering and refusals, per-tool limits, the loop guard, sessions, unbuffered progress, client
disconnect cancelling a running tool, credentials, audit log and metrics."""
import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from helpers import free_port

HERE = Path(__file__).parent
MODES = ["auto", "legacy"]  # auto negotiates 2026-07-28 (server/discover); legacy = 2025-11-25 handshake


class MCPUpstream:
    def __init__(self, name, port, events: Path, proc):
        self.name, self.port, self.events, self.proc = name, port, events, proc
        self.url = f"http://127.0.0.1:{port}/mcp"

    def records(self):
        if not self.events.exists():
            return []
        return [json.loads(line) for line in self.events.read_text().splitlines() if line.strip()]


@pytest.fixture
def mcp_servers(tmp_path):
    started = []

    def start(name, json_mode=False, script="mcp_server.py", args=()):
        # A free port can be taken by a parallel test before the server binds it: the server is
        # ours once a probe shows up in its own events file.
        for _attempt in range(3):
            port = free_port()
            events = tmp_path / f"{name}.events.jsonl"
            events.unlink(missing_ok=True)
            log = open(tmp_path / f"{name}.log", "wb")
            argv = [sys.executable, str(HERE / script), "--port", str(port), "--name", name, "--events", str(events), *args]
            if json_mode:
                argv.append("--json")
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            up = MCPUpstream(name, port, events, proc)
            started.append(up)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/probe", timeout=1)
                except httpx.HTTPError:
                    pass
                if events.exists():
                    events.unlink()
                    return up
                time.sleep(0.1)
            proc.kill()
        pytest.fail(f"MCP server {name} did not start: {(tmp_path / f'{name}.log').read_text()}")

    yield start
    for up in started:
        up.proc.terminate()
        try:
            up.proc.wait(5)
        except subprocess.TimeoutExpired:
            up.proc.kill()


def tollgate(sidecar, servers, tmp_path, config=None, *extra, env=None):
    args = []
    for s in servers:
        args += ["--mcp", f"{s.name}={s.url}"]
    if config is not None:
        path = tmp_path / "mcp.yaml"
        path.write_text(config)
        args += ["--mcp-config", str(path)]
    audit = tmp_path / "audit.jsonl"
    args += ["--mcp-audit-log", str(audit)]
    sc = sidecar(servers[0].url.rsplit("/mcp", 1)[0], *args, *extra, env=env)
    sc.audit = audit
    return sc


def audit_lines(sc, n):
    """The audit log's records once it holds `n` (it is flushed in the background)."""
    deadline = time.monotonic() + 10
    lines = []
    while time.monotonic() < deadline:
        lines = [json.loads(x) for x in sc.audit.read_text().splitlines()] if sc.audit.exists() else []
        if len(lines) >= n:
            break
        time.sleep(0.05)
    return lines


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def client(url, mode, **kw):
    from mcp import Client
    return Client(url, mode=mode, read_timeout_seconds=30, **kw)


def error_of(exc):
    from mcp.shared.exceptions import MCPError
    assert isinstance(exc, MCPError), repr(exc)
    return exc.error


@pytest.mark.parametrize("mode", MODES)
def test_aggregate_lists_and_calls_two_servers(mcp_servers, sidecar, tmp_path, mode):
    """tools/list on /mcp merges both servers under prefixed names; calls reach the owner with the original name."""
    alpha, beta = mcp_servers("alpha"), mcp_servers("beta", json_mode=True)
    sc = tollgate(sidecar, [alpha, beta], tmp_path)

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            names = sorted(t.name for t in (await c.list_tools()).tools)
            a = await c.call_tool("alpha_add", {"a": 2, "b": 40})
            b = await c.call_tool("beta_shout", {"text": "hi"})
            return names, a.content[0].text, b.content[0].text
    names, a, b = run(go())
    assert names == sorted(f"{s}_{t}" for s in ("alpha", "beta") for t in ("add", "fail", "gated", "shout", "sleepy", "touch"))
    assert (a, b) == ("42", "HI!")
    # The owner got the original tool name (and, per-request revision, a matching Mcp-Name).
    calls = [r for r in beta.records() if r.get("http") == "POST" and r["headers"].get("mcp-name")]
    if mode == "auto":
        assert calls and calls[-1]["headers"]["mcp-name"] == "shout"
    # Host is the server's own authority (DNS-rebinding guards).
    assert all(r["headers"]["host"] == f"127.0.0.1:{alpha.port}" for r in alpha.records() if "http" in r)
    lines = audit_lines(sc, 2)
    assert [(l["server"], l["tool"], l["status"]) for l in lines] == [("alpha", "add", "ok"), ("beta", "shout", "ok")]
    assert all(l["arguments_sha256"].startswith("sha256:") for l in lines)


@pytest.mark.parametrize("mode", MODES)
def test_per_server_endpoint(mcp_servers, sidecar, tmp_path, mode):
    """/mcp/NAME is one server passed through under policy, with its own tool names."""
    alpha, beta = mcp_servers("alpha"), mcp_servers("beta")
    sc = tollgate(sidecar, [alpha, beta], tmp_path, "default_policy: {tools: {deny: [fail]}}\n")

    async def go():
        async with client(sc.url + "/mcp/beta", mode) as c:
            names = sorted(t.name for t in (await c.list_tools()).tools)
            r = await c.call_tool("add", {"a": 1, "b": 1})
            return names, r.content[0].text
    names, r = run(go())
    assert names == ["add", "gated", "shout", "sleepy", "touch"]
    assert r == "2"
    assert not any("http" in x for x in alpha.records())
    if mode == "legacy":
        # The handshake era's standing GET stream and DELETE reach the server with its session.
        sid = {x["headers"].get("mcp-session-id") for x in beta.records() if x.get("http") == "POST"} - {None}
        assert len(sid) == 1
        for method in ("GET", "DELETE"):
            assert any(x.get("http") == method and x["headers"].get("mcp-session-id") in sid for x in beta.records()), method


@pytest.mark.parametrize("mode", MODES)
def test_policy_filters_and_refuses(mcp_servers, sidecar, tmp_path, mode):
    """Denied tools vanish from the list; calling one, or with oversized arguments, is a JSON-RPC error naming the policy."""
    alpha, beta = mcp_servers("alpha"), mcp_servers("beta")
    sc = tollgate(sidecar, [alpha, beta], tmp_path,
                  "default_policy:\n  tools: {deny: [beta/shout, 'sle*']}\n  max_argument_bytes: 100\n")

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            names = {t.name for t in (await c.list_tools()).tools}
            errs = []
            for name, args in (("beta_shout", {"text": "x"}), ("alpha_shout", {"text": "y" * 200})):
                try:
                    await c.call_tool(name, args)
                    errs.append(None)
                except Exception as e:  # noqa: BLE001
                    errs.append(error_of(e))
            ok = await c.call_tool("alpha_shout", {"text": "fine"})
            return names, errs, ok.content[0].text
    names, errs, ok = run(go())
    assert "beta_shout" not in names and "alpha_sleepy" not in names and "alpha_shout" in names
    assert errs[0].code == -32040 and errs[0].data["reason"] == "tool_not_allowed" and errs[0].data["policy"] == "default"
    assert "default" in errs[0].message
    assert errs[1].code == -32041 and errs[1].data["reason"] == "arguments_too_large"
    assert ok == "FINE!"
    # Refused calls never reached the server.
    assert not any(r.get("headers", {}).get("mcp-name") == "shout" and r["path"] == "/mcp" for r in beta.records())
    statuses = [x["status"] for x in audit_lines(sc, 3)]
    assert statuses == ["refused", "refused", "ok"]


def test_server_not_allowed(mcp_servers, sidecar, tmp_path):
    """A server outside the policy is hidden from the aggregate and 403 on its own endpoint."""
    alpha, beta = mcp_servers("alpha"), mcp_servers("beta")
    sc = tollgate(sidecar, [alpha, beta], tmp_path, "default_policy: {servers: [alpha]}\n")

    async def go():
        async with client(sc.url + "/mcp", "auto") as c:
            return {t.name for t in (await c.list_tools()).tools}
    names = run(go())
    assert names and all(n.startswith("alpha_") for n in names)
    r = httpx.post(sc.url + "/mcp/beta", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
                   headers={"accept": "application/json, text/event-stream"})
    assert r.status_code == 403
    assert r.json()["error"]["data"]["reason"] == "server_not_allowed"


@pytest.mark.parametrize("mode", MODES)
def test_per_tool_limit(mcp_servers, sidecar, tmp_path, mode):
    """A per-tool rate limit refuses the call over it; other tools are not counted."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path,
                  "default_policy:\n  limits:\n    - {tools: alpha/add, calls: 2, per: minute}\n")

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            await c.list_tools()
            out = []
            for i in range(3):
                try:
                    out.append((await c.call_tool("alpha_add", {"a": i, "b": 0})).content[0].text)
                except Exception as e:  # noqa: BLE001
                    out.append(error_of(e))
            out.append((await c.call_tool("alpha_shout", {"text": "a"})).content[0].text)
            return out
    out = run(go())
    assert out[:2] == ["0", "1"] and out[3] == "A!"
    assert out[2].code == -32042 and out[2].data["reason"] == "rate_limited"
    assert out[2].data["retry_after_seconds"] >= 1
    metrics = "\n".join(l for l in sc.metrics().splitlines() if l.startswith("tollgate_mcp_tool_calls_total"))
    assert 'tollgate_mcp_tool_calls_total{server="alpha",tool="add",status="refused"} 1' in metrics
    assert 'tollgate_mcp_tool_calls_total{server="alpha",tool="add",status="ok"} 2' in metrics


@pytest.mark.parametrize("mode", MODES)
def test_loop_guard(mcp_servers, sidecar, tmp_path, mode):
    """The same call with identical arguments more than N times in the window is refused; other arguments pass."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path, "default_policy: {loop_guard: {max_repeats: 3, window: 60s}}\n")

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            await c.list_tools()
            out = []
            for args in [{"a": 1, "b": 2}] * 4 + [{"b": 2, "a": 1}, {"a": 1, "b": 3}]:
                try:
                    out.append((await c.call_tool("alpha_add", args)).content[0].text)
                except Exception as e:  # noqa: BLE001
                    out.append(error_of(e))
            return out
    out = run(go())
    assert out[:3] == ["3", "3", "3"] and out[5] == "4"
    for e in out[3:5]:  # member order does not disguise a repeat
        assert e.code == -32043 and e.data["reason"] == "loop_detected"
    server_calls = [r for r in alpha.records() if r.get("http") == "POST"]
    assert sum(1 for r in server_calls if r["headers"].get("mcp-name") == "add") in (0, 4)


@pytest.mark.slow
def test_session_affinity_legacy(mcp_servers, sidecar, tmp_path):
    """One downstream session maps to one upstream session per server across many calls."""
    alpha, beta = mcp_servers("alpha"), mcp_servers("beta")
    sc = tollgate(sidecar, [alpha, beta], tmp_path)

    async def go():
        async with client(sc.url + "/mcp", "legacy") as c:
            await c.list_tools()
            total = 0
            for i in range(20):
                total += int((await c.call_tool("alpha_add" if i % 2 else "beta_add", {"a": i, "b": 1})).content[0].text)
            return total
    assert run(go()) == sum(range(20)) + 20
    for up in (alpha, beta):
        sids = {r["headers"].get("mcp-session-id") for r in up.records()
                if r.get("http") == "POST" and r["headers"].get("mcp-session-id")}
        assert len(sids) == 1, (up.name, sids)
    # The client's DELETE on close ended both upstream sessions.
    for up in (alpha, beta):
        assert any(r.get("http") == "DELETE" for r in up.records()), up.name


@pytest.mark.parametrize("mode", MODES)
def test_progress_streams_unbuffered(mcp_servers, sidecar, tmp_path, mode):
    """A progress notification reaches the client while the tool still runs: the tool waits for a gate
    the client opens on receiving it, so a buffering proxy would deadlock the call."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path)
    gate = tmp_path / f"gate-{mode}"
    seen = []

    async def progress(p, total, message):
        seen.append((p, total))
        gate.touch()

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            await c.list_tools()
            r = await c.call_tool("alpha_gated", {"gate": str(gate)}, progress_callback=progress)
            return r.content[0].text
    assert run(go()) == "gate opened"
    assert seen[0] == (1, 2)


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/mcp", "/mcp/alpha"])
def test_client_disconnect_cancels_tool(mcp_servers, sidecar, tmp_path, path):
    """Closing the connection mid-call makes the server see its request cancelled."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path)
    name = "alpha_sleepy" if path == "/mcp" else "sleepy"
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": name, "arguments": {"seconds": 30, "tag": path},
                       "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                 "io.modelcontextprotocol/clientCapabilities": {}}}}
    headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28",
               "mcp-method": "tools/call", "mcp-name": name}
    with httpx.Client(timeout=httpx.Timeout(30, read=1.5)) as h:
        with pytest.raises(httpx.ReadTimeout):
            h.post(sc.url + path, json=body, headers=headers)
    deadline = time.monotonic() + 15
    steps = []
    while time.monotonic() < deadline:
        steps = [r["step"] for r in alpha.records() if r.get("tool") == "sleepy"]
        if "cancelled" in steps:
            break
        time.sleep(0.1)
    assert steps[:1] == ["start"] and "cancelled" in steps and "done" not in steps
    line = audit_lines(sc, 1)[-1]
    assert line["tool"] == "sleepy" and line["status"] == "error" and line["detail"] == "client_closed"


@pytest.mark.parametrize("mode", MODES)
def test_credentials_replace_agent_token(mcp_servers, sidecar, tmp_path, mode):
    """The server gets Tollgate's credential for it, never the agent's token."""
    alpha = mcp_servers("alpha")
    config = (f"servers:\n  alpha:\n    url: {alpha.url}\n    bearer_token: ${{ALPHA_TOKEN}}\n"
              "    headers:\n      x-api-key: ${ALPHA_KEY}\n")
    path = tmp_path / "mcp.yaml"
    path.write_text(config)
    sc = sidecar(alpha.url.rsplit("/mcp", 1)[0], "--mcp-config", str(path),
                 env={"ALPHA_TOKEN": "server-secret-1", "ALPHA_KEY": "k-2"})

    async def go():
        async with client(sc.url + "/mcp/alpha", mode) as c:
            return (await c.call_tool("add", {"a": 1, "b": 2})).content[0].text
    # The SDK has no header knob on Client(url): send one raw call with an agent token too.
    assert run(go()) == "3"
    r = httpx.post(sc.url + "/mcp/alpha", headers={
        "authorization": "Bearer agent-token", "accept": "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "add"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 2, "b": 2},
              "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}})
    assert r.status_code == 200 and '"text":"4"' in r.text.replace(" ", "")
    posts = [x for x in alpha.records() if x.get("http") == "POST"]
    assert posts and all(x["headers"].get("authorization") == "Bearer server-secret-1" for x in posts)
    assert all(x["headers"].get("x-api-key") == "k-2" for x in posts)
    assert "agent-token" not in json.dumps(alpha.records())
    assert "server-secret-1" not in sc.stderr()


def test_upstream_4xx_passes_through(mcp_servers, sidecar, tmp_path):
    """A server's 404 for an unknown session reaches the client unchanged on /mcp/NAME."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 1}}}
    hdr = {"accept": "application/json, text/event-stream", "mcp-session-id": "no-such-session",
           "mcp-protocol-version": "2025-11-25"}
    direct = httpx.post(alpha.url, json=body, headers=hdr)
    proxied = httpx.post(sc.url + "/mcp/alpha", json=body, headers=hdr)
    assert direct.status_code == 404
    assert (proxied.status_code, proxied.text) == (direct.status_code, direct.text)
    # The aggregate answers an unknown session of its own with 404 too, so clients re-initialize.
    agg = httpx.post(sc.url + "/mcp", json=body, headers=hdr)
    assert agg.status_code == 404 and agg.json()["id"] == 1


def test_notifications_and_errors_on_aggregate(mcp_servers, sidecar, tmp_path):
    """Notifications get 202; malformed JSON-RPC gets a JSON-RPC error; GET has no stream on the aggregate."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path)
    hdr = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28"}
    r = httpx.post(sc.url + "/mcp", json={"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {}}, headers=hdr)
    assert r.status_code == 202 and r.content == b""
    r = httpx.post(sc.url + "/mcp", content=b"{not json", headers={**hdr, "content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == -32700
    r = httpx.post(sc.url + "/mcp", json={"jsonrpc": "2.0", "id": 3, "method": "prompts/list", "params": {}}, headers=hdr)
    assert r.json()["error"]["code"] == -32601 and r.json()["id"] == 3
    r = httpx.get(sc.url + "/mcp", headers=hdr)
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    r = httpx.post(sc.url + "/mcp/nope", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=hdr)
    assert r.status_code == 404


@pytest.mark.parametrize("mode", MODES)
def test_policies_per_agent_with_virtual_keys(mcp_servers, sidecar, tmp_path, mode):
    """Virtual keys name the agent; each agent sees and calls what its policy allows; keys never reach servers."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    alpha, beta = mcp_servers("alpha"), mcp_servers("beta")
    keys = tmp_path / "tollgate.yaml"
    keys.write_text("keys:\n  - {id: planner-key, key: vk-planner-1, agent: planner}\n"
                    "  - {id: intern-key, key: vk-intern-1, agent: intern, team: trainees}\n")
    sc = tollgate(sidecar, [alpha, beta], tmp_path,
                  "policies:\n  - name: interns\n    agents: [intern]\n    servers: [alpha]\n    tools: {deny: [shout]}\n",
                  "--config", str(keys))

    async def session(key):
        http = httpx2.AsyncClient(headers={"authorization": f"Bearer {key}"}, timeout=30)
        async with Client(streamable_http_client(sc.url + "/mcp", http_client=http), mode=mode, read_timeout_seconds=30) as c:
            names = sorted(t.name for t in (await c.list_tools()).tools)
            try:
                r = (await c.call_tool("beta_add", {"a": 1, "b": 1})).content[0].text
            except Exception as e:  # noqa: BLE001
                r = error_of(e)
            return names, r

    planner = run(session("vk-planner-1"))
    intern = run(session("vk-intern-1"))
    assert "beta_shout" in planner[0] and planner[1] == "2"
    assert intern[0] == ["alpha_add", "alpha_fail", "alpha_gated", "alpha_sleepy", "alpha_touch"]
    assert intern[1].code == -32040 and intern[1].data["reason"] == "server_not_allowed"
    assert intern[1].data["policy"] == "interns"
    lines = audit_lines(sc, 2)
    assert [(l["agent"], l["key_id"], l["status"]) for l in lines] == [("planner", "planner-key", "ok"), ("intern", "intern-key", "refused")]
    assert lines[1]["team"] == "trainees"
    everything = json.dumps(alpha.records() + beta.records())
    assert "vk-planner-1" not in everything and "vk-intern-1" not in everything
    r = httpx.post(sc.url + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
                   headers={"accept": "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28"})
    assert r.status_code == 401


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_idle_tool_call_outlives_proxy_timeouts(mcp_servers, sidecar, tmp_path, mode):
    """A tool that is silent for longer than --upstream-timeout and --idle-timeout still completes:
    MCP exchanges use the MCP timeout (default 1 h), not the LLM one."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path, None, "--upstream-timeout", "1s", "--idle-timeout", "1s")

    async def go():
        async with client(sc.url + "/mcp", mode) as c:
            await c.list_tools()
            return (await c.call_tool("alpha_sleepy", {"seconds": 3, "tag": mode})).content[0].text
    assert run(go()) == "rested"


def test_subscriptions_listen_streams_through_server_endpoint(mcp_servers, sidecar, tmp_path):
    """A 2026-07-28 subscriptions/listen stream on /mcp/NAME arrives as it is sent (the ack first)
    while the stream stays open."""
    alpha = mcp_servers("alpha")
    sc = tollgate(sidecar, [alpha], tmp_path)
    body = {"jsonrpc": "2.0", "id": "sub-1", "method": "subscriptions/listen",
            "params": {"notifications": {"toolsListChanged": True},
                       "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                                 "io.modelcontextprotocol/clientCapabilities": {}}}}
    headers = {"accept": "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28",
               "mcp-method": "subscriptions/listen"}
    with httpx.Client(timeout=httpx.Timeout(10)) as h:
        with h.stream("POST", sc.url + "/mcp/alpha", json=body, headers=headers) as r:
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                if line.startswith("data:"):
                    first = json.loads(line[5:])
                    break
    assert first["method"] == "notifications/subscriptions/acknowledged"
    assert first["params"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == "sub-1"


@pytest.mark.slow
def test_subscriptions_listen_on_aggregate(mcp_servers, sidecar, tmp_path):
    """client.listen() on /mcp is acknowledged by Tollgate and relays each server's tools/list_changed."""
    alpha, beta = mcp_servers("alpha"), mcp_servers("beta")
    sc = tollgate(sidecar, [alpha, beta], tmp_path)

    async def go():
        from mcp.shared.subscriptions import ToolsListChanged
        async with client(sc.url + "/mcp", "auto") as c, client(sc.url + "/mcp", "auto") as other:
            async with c.listen(tools_list_changed=True) as sub:
                seen = []
                for name in ("alpha_touch", "beta_touch"):
                    # Until the servers' own listen streams are up, a touch may go unseen: retry.
                    for _ in range(50):
                        await other.call_tool(name, {})
                        try:
                            ev = await asyncio.wait_for(sub.__anext__(), 0.3)
                            seen.append(ev)
                            # Drain repeats from earlier touches, so the next event is the next server's.
                            while True:
                                try:
                                    await asyncio.wait_for(sub.__anext__(), 0.5)
                                except asyncio.TimeoutError:
                                    break
                            break
                        except asyncio.TimeoutError:
                            continue
                return sub.honored, seen, ToolsListChanged
    honored, seen, kind = run(go())
    assert honored.tools_list_changed is True
    assert len(seen) == 2 and all(isinstance(e, kind) for e in seen)
    listens = [r for up in (alpha, beta) for r in up.records() if r.get("headers", {}).get("mcp-method") == "subscriptions/listen"]
    assert len(listens) == 2


def test_file_budget_counts_tool_calls(mcp_servers, sidecar, tmp_path):
    """A budget of the sidecar file scoped `tool=server/tool` with unit tool_calls counts MCP calls
    and refuses over it (429, JSON-RPC error with the request's id and the budget)."""
    alpha = mcp_servers("alpha")
    conf = tmp_path / "tollgate.yaml"
    conf.write_text("budgets:\n  - {id: alpha-add-calls, scope: tool=alpha/add, unit: tool_calls, limit: 2, window: day}\n")
    sc = tollgate(sidecar, [alpha], tmp_path, None, "--config", str(conf))
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}

    def call(name, i):
        return httpx.post(sc.url + "/mcp/alpha", json={"jsonrpc": "2.0", "id": i, "method": "tools/call",
                                                       "params": {"name": name, "arguments": {"a": i, "b": 0} if name == "add" else {"text": "x"}, "_meta": meta}},
                          headers={"accept": "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28",
                                   "mcp-method": "tools/call", "mcp-name": name}, timeout=30)
    statuses = [call("add", i).status_code for i in (1, 2)]
    refused = call("add", 3)
    other = call("shout", 4)
    assert statuses == [200, 200]
    assert refused.status_code == 429
    body = refused.json()
    assert body["id"] == 3 and body["error"]["code"] == -32029 and body["error"]["data"]["id"] == "alpha-add-calls"
    assert other.status_code == 200
