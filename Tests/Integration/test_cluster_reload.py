"""The coordinator set changed by editing configuration files under running processes: the
coordinator's `peers:` (SIGHUP, or the file's contents changing) goes through the same set watch
as a DNS answer; a bad value keeps the running set and logs file:line:column."""
from __future__ import annotations

import signal

import httpx
import pytest

from cluster_helpers import Coordinator, cluster_flags, free_port, wait_for
from test_cluster import chat

pytestmark = pytest.mark.proxy_only


def write_peers(path, ports: list[int] | None, extra: str = "") -> None:
    peers = "" if ports is None else "peers:\n" + "".join(f"  - 127.0.0.1:{p}\n" for p in ports)
    path.write_text("budgets:\n  - {unit: total_tokens, limit: 1000000, window: lifetime}\n" + peers + extra)


def test_coordinator_reload_changes_the_coordinator_set(mock, sidecar, tmp_path):
    """peers: edited + SIGHUP moves the set to a new term (seen by sidecars); a bad name keeps it (file:line:column); a file change alone is picked up too."""
    p0, p1 = free_port(), free_port()
    f0, f1 = tmp_path / "c0.yaml", tmp_path / "c1.yaml"
    write_peers(f0, [p0])
    write_peers(f1, [p0, p1])
    c0 = Coordinator(p0, tmp_path / "c0.log", ["--config", str(f0), "--config-poll", "0.5", "--no-learning"]).start()
    c1 = Coordinator(p1, tmp_path / "c1.log", ["--config", str(f1), "--config-poll", "0"]).start()
    try:
        sc = sidecar(mock.url, *cluster_flags(c0, "reload0"))
        assert chat(sc.url).status_code == 200
        view = lambda: c0.get("/v1/cluster")["coordinator"]
        assert (view()["term"], view()["coordinators"]) == (0, [c0.addr])
        # c1 started from a file listing both: its set has both from the start, at term 0.
        assert c1.get("/v1/cluster")["coordinator"]["coordinators"] == sorted([c0.addr, c1.addr])

        # 1. Add c1 to c0's file and send SIGHUP: a new term with both, which the sidecar adopts.
        write_peers(f0, [p0, p1])
        c0.proc.send_signal(signal.SIGHUP)
        both = sorted([c0.addr, c1.addr])
        wait_for(lambda: (lambda v: v["term"] == 1 and v["coordinators"] == both)(view()), 10, "c0 on term 1 with both")
        wait_for(lambda: (lambda v: v["term"] == 1 and v["coordinator_set"] == both)(
            httpx.get(sc.admin_url + "/cluster", timeout=5).json()), 10, "the sidecar on term 1 with both")
        assert "tollgate_coordinator_set_term 1" in httpx.get(c0.url + "/metrics", timeout=5).text
        assert "configuration reloaded" in c0.stderr()

        # 2. A name that does not resolve: refused with the entry's place, the set stays.
        f0.write_text("budgets:\n  - {unit: total_tokens, limit: 1000000, window: lifetime}\npeers:\n"
                      f"  - 127.0.0.1:{p0}\n  - no-such-coordinator.invalid:7400\n")
        c0.proc.send_signal(signal.SIGHUP)
        err = wait_for(lambda: next((l for l in c0.stderr().splitlines() if "reload failed" in l and "no-such-coordinator" in l), None),
                       30, "the reload error logged")
        assert f"{f0}:5:5: coordinator 'no-such-coordinator.invalid:7400'" in err, err
        # A malformed entry (no port) is a decode error at its place.
        f0.write_text("budgets: []\npeers: [127.0.0.1]\n")
        c0.proc.send_signal(signal.SIGHUP)
        err = wait_for(lambda: next((l for l in c0.stderr().splitlines() if "reload failed" in l and "HOST:PORT" in l), None),
                       10, "the decode error logged")
        assert f"{f0}:2:9:" in err, err
        assert (view()["term"], view()["coordinators"]) == (1, both)

        # 3. Back to c0 alone, no signal: the poll (0.5 s) notices the new contents.
        write_peers(f0, [p0])
        wait_for(lambda: (lambda v: v["term"] == 2 and v["coordinators"] == [c0.addr])(view()), 15, "c0 alone on term 2")
        wait_for(lambda: httpx.get(sc.admin_url + "/cluster", timeout=5).json()["term"] == 2, 10, "the sidecar on term 2")
        # c0 owns every key again (learning any it gained) and grants: requests pass.
        wait_for(lambda: chat(sc.url).status_code == 200, 20, "a request served on the new set")
        assert c0.get("/v1/cluster")["budgets"][0]["owner"] == c0.addr
    finally:
        for c in (c0, c1):
            c.stop()
            text = c.stderr()
            assert "Fatal error" not in text and "Current stack trace" not in text, text


def test_sidecar_reload_checks_its_coordinators(mock, sidecar, tmp_path):
    """cluster.coordinators on a sidecar reload: a name that does not resolve fails the reload (file:line:column) and nothing changes; another set is logged beside the set in use."""
    p0, p1 = free_port(), free_port()
    c0 = Coordinator(p0, tmp_path / "c0.log", ["--budget", "requests=1000/lifetime", "--no-learning"]).start()
    try:
        cfg = tmp_path / "sidecar.yaml"
        cfg.write_text(f"cluster:\n  coordinators:\n    - 127.0.0.1:{p0}\n")
        sc = sidecar(mock.url, "--config", str(cfg), "--config-poll", "0", "--sync-secret", "itest-sync-secret", "--node-id", "rs")
        assert chat(sc.url).status_code == 200
        cfg.write_text(f"cluster:\n  coordinators:\n    - 127.0.0.1:{p0}\n    - no-such-coordinator.invalid:7400\n")
        sc.signal(signal.SIGHUP)
        err = wait_for(lambda: next((l for l in sc.stderr().splitlines() if "reload failed" in l), None), 30, "the reload error")
        assert f"{cfg}:4:7: coordinator 'no-such-coordinator.invalid:7400'" in err, err
        assert chat(sc.url).status_code == 200
        cfg.write_text(f"cluster:\n  coordinators: [127.0.0.1:{p0}, 127.0.0.1:{p1}]\n")
        sc.signal(signal.SIGHUP)
        note = wait_for(lambda: next((l for l in sc.stderr().splitlines() if "cluster.coordinators now resolve to" in l), None),
                        10, "the changed list noted")
        assert f"127.0.0.1:{p1}" in note and f"term 0: 127.0.0.1:{p0}" in note, note
        assert "SIGHUP: configuration reloaded" in sc.stderr()
        st = httpx.get(sc.admin_url + "/cluster", timeout=5).json()
        assert (st["term"], st["coordinator_set"]) == (0, [f"127.0.0.1:{p0}"])
        assert chat(sc.url).status_code == 200
    finally:
        c0.stop()
