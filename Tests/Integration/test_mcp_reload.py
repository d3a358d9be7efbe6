"""The `mcp:` section reloads (config-file change and SIGHUP) with the real `mcp` SDK through a
real Tollgate, both revisions: servers added, removed, policies, loop guard and audit log
changed while one client session stays open; a bad section keeps the running settings and logs
where the error is; MCP can be switched on by a reload."""
import json
import os
import signal
import time

import pytest

from test_mcp_governance import MODES, client, error_of, mcp_servers, run  # noqa: F401 (fixture)

PLAIN = ["add", "fail", "gated", "shout", "sleepy", "touch"]


def section(servers, policy="", audit=None):
    text = "mcp:\n"
    if audit:
        text += f"  audit_log: {audit}\n"
    text += "  servers:\n" + "".join(f"    {s.name}: {{url: '{s.url}'}}\n" for s in servers)
    if policy:
        text += "  default_policy:\n" + "".join(f"    {line}\n" for line in policy.strip().splitlines())
    return text


def write(cfg, text):
    """Replaces the file at once, as a ConfigMap update does (the poller never sees half a file)."""
    tmp = cfg.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, cfg)


def start(sidecar, tmp_path, first_server, text, poll):
    cfg = tmp_path / "tollgate.yaml"
    write(cfg, text)
    sc = sidecar(first_server.url.rsplit("/mcp", 1)[0], "--config", str(cfg), "--config-poll", poll)
    return sc, cfg


def reload(sc, cfg, text, sighup, outcome="configuration reloaded"):
    """Writes the file, sends SIGHUP if asked, and waits for one more `outcome` line."""
    before = sc.stderr().count(outcome)
    write(cfg, text)
    if sighup:
        sc.signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while sc.stderr().count(outcome) <= before:
        assert time.monotonic() < deadline, f"no '{outcome}' in:\n{sc.stderr()}"
        time.sleep(0.05)


def lines(path):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return [json.loads(x) for x in path.read_text().splitlines()]
        time.sleep(0.05)
    return []


async def names(c):
    return sorted(t.name for t in (await c.list_tools(cache_mode="refresh")).tools)


async def refusal(coro):
    try:
        await coro
    except Exception as e:  # noqa: BLE001
        return error_of(e)
    return None


@pytest.mark.parametrize("mode", MODES)
def test_reload_changes_servers_and_policy_under_an_open_session(mcp_servers, sidecar, tmp_path, mode):  # noqa: F811
    """One client session across four file-change reloads: a server added appears and is callable,
    a policy change refuses a tool and arms the loop guard, a new audit log takes the next calls,
    a server removed vanishes; the unchanged server keeps its one upstream session."""
    alpha, beta = mcp_servers("alpha"), mcp_servers("beta")
    audit1, audit2 = tmp_path / "audit1.jsonl", tmp_path / "audit2.jsonl"
    sc, cfg = start(sidecar, tmp_path, alpha, section([alpha], audit=audit1), "0.2")

    async def go():
        out = {}
        async with client(sc.url + "/mcp", mode) as c:
            out["start"] = await names(c)
            out["a1"] = (await c.call_tool("alpha_add", {"a": 1, "b": 1})).content[0].text

            reload(sc, cfg, section([alpha, beta], audit=audit1), sighup=False)
            # Before listing: at 2026-07-28 there are no sessions, so the call just works; a
            # handshake-era session is told to list first (which opens beta's session).
            try:
                out["early"] = (await c.call_tool("beta_add", {"a": 0, "b": 0})).content[0].text
            except Exception as e:  # noqa: BLE001
                out["early"] = error_of(e)
            out["added"] = await names(c)
            out["b1"] = (await c.call_tool("beta_add", {"a": 2, "b": 2})).content[0].text
            out["a2"] = (await c.call_tool("alpha_add", {"a": 3, "b": 3})).content[0].text

            policy = "tools: {deny: [shout]}\nloop_guard: {max_repeats: 1, window: 60s}"
            reload(sc, cfg, section([alpha, beta], policy, audit=audit2), sighup=False)
            out["policed"] = await names(c)
            out["shout"] = await refusal(c.call_tool("beta_shout", {"text": "x"}))
            out["loop1"] = (await c.call_tool("beta_add", {"a": 7, "b": 7})).content[0].text
            out["loop2"] = await refusal(c.call_tool("beta_add", {"a": 7, "b": 7}))

            reload(sc, cfg, section([beta], policy, audit=audit2), sighup=False)
            out["removed"] = await names(c)
            out["gone"] = await refusal(c.call_tool("alpha_add", {"a": 1, "b": 2}))
            out["b2"] = (await c.call_tool("beta_add", {"a": 4, "b": 4})).content[0].text
        return out
    out = run(go(), timeout=90)
    assert out["start"] == [f"alpha_{t}" for t in PLAIN]
    assert out["a1"] == "2"
    if mode == "legacy":
        assert out["early"].code == -32044 and out["early"].data["reason"] == "no_upstream_session"
    else:
        assert out["early"] == "0"
    assert out["added"] == sorted(f"{s}_{t}" for s in ("alpha", "beta") for t in PLAIN)
    assert (out["b1"], out["a2"]) == ("4", "6")
    assert "beta_shout" not in out["policed"] and "alpha_shout" not in out["policed"] and "beta_add" in out["policed"]
    assert out["shout"].code == -32040 and out["shout"].data["policy"] == "default"
    assert out["loop1"] == "14"
    assert out["loop2"].code == -32043 and out["loop2"].data["reason"] == "loop_detected"
    assert out["removed"] == [f"beta_{t}" for t in PLAIN if t != "shout"]
    assert out["gone"].code == -32602 and out["gone"].data["reason"] == "unknown_tool"
    assert out["b2"] == "8"
    if mode == "legacy":
        # alpha kept the one upstream session it had before any reload; beta got one when it joined.
        for up in (alpha, beta):
            sids = {r["headers"]["mcp-session-id"] for r in up.records()
                    if r.get("http") == "POST" and r["headers"].get("mcp-session-id")}
            assert len(sids) == 1, (up.name, sids)
    # Calls before the audit change are in the first log, the later ones in the second.
    first, second = lines(audit1), lines(audit2)
    early = ("beta", "add", "refused" if mode == "legacy" else "ok")
    assert [(l["server"], l["tool"], l["status"]) for l in first] == [("alpha", "add", "ok"), early, ("beta", "add", "ok"), ("alpha", "add", "ok")]
    assert [(l["tool"], l["status"]) for l in second][:3] == [("shout", "refused"), ("add", "ok"), ("add", "refused")]


@pytest.mark.parametrize("mode", MODES)
def test_sighup_enables_mcp_and_keeps_settings_on_a_bad_section(mcp_servers, sidecar, tmp_path, mode):  # noqa: F811
    """Started without an mcp section, SIGHUP with a broken one is refused (the error located in
    the file) and changes nothing; a good one turns the aggregate on; a bad limit later keeps it."""
    alpha, beta = mcp_servers("alpha"), mcp_servers("beta")
    sc, cfg = start(sidecar, tmp_path, alpha, "budgets: []\n", "0")

    async def listing(path="/mcp"):
        async with client(sc.url + path, mode) as c:
            return await names(c)
    # No MCP configured: /mcp is plain passthrough to the upstream (alpha itself here).
    assert run(listing()) == PLAIN
    reload(sc, cfg, section([alpha]).replace("alpha: {", "bad_name: {"), sighup=True, outcome="reload failed")
    assert "tollgate.yaml:3:" in sc.stderr()
    assert run(listing()) == PLAIN
    reload(sc, cfg, section([alpha, beta]), sighup=True)
    assert run(listing()) == sorted(f"{s}_{t}" for s in ("alpha", "beta") for t in PLAIN)
    bad_limit = section([alpha, beta], "limits:\n  - {tools: '*', calls: 1, per: fortnight}")
    reload(sc, cfg, bad_limit, sighup=True, outcome="reload failed")
    assert "tollgate.yaml:" in sc.stderr().split("reload failed")[-1]
    assert run(listing("/mcp/beta")) == PLAIN
