"""The coordinator set as a DNS name whose addresses change under running processes (issue 6):
coordinators get `--peers NAME:PORT` and sidecars `--coordinator NAME:PORT`, the name lives in a
private /etc/hosts (hosts_namespace.py: a mount namespace per process), and the test adds a
coordinator to the name and later kills one and drops its address, while real clients keep
sending requests through real sidecars. Ground truth is the mock provider's own count."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import httpx
import pytest

from cluster_helpers import SECRET, TOKEN, TOLLGATE_BIN, free_port, wait_for
from hosts_namespace import PrivateHosts, loopback_port_free_on, rendezvous_owner

pytestmark = pytest.mark.proxy_only

NAME = "coordinators.tollgate.test"
SCOPE = "all|total_tokens|lifetime"


class Processes:
    """Processes started in the private-hosts namespace, stopped at teardown."""

    def __init__(self, hosts: PrivateHosts, workdir):
        self.hosts, self.dir = hosts, workdir
        self.procs: dict[str, subprocess.Popen] = {}

    def spawn(self, name: str, argv: list[str], private_hosts: bool = True):
        f = open(self.dir / f"{name}.log", "ab")
        cmd = self.hosts.command(argv) if private_hosts else argv
        self.procs[name] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        f.close()

    def log(self, name: str) -> str:
        try:
            return (self.dir / f"{name}.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def kill9(self, name: str):
        p = self.procs[name]
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait(10)

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for name, p in self.procs.items():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(5)

    def wait_http(self, name: str, url: str, timeout: float = 20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.procs[name].poll() is None, f"{name} exited: {self.log(name)[-3000:]}"
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"{name} not ready: {self.log(name)[-3000:]}")


class Load:
    """Client threads sending chat completions through the sidecars; `go` pauses them."""

    def __init__(self, urls: list[str], per_sidecar: int = 2):
        self.urls = urls
        self.go = threading.Event()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.busy = 0
        self.counts = {"served": 0, "exceeded": 0, "unavailable": 0, "other": 0}
        self.threads = [threading.Thread(target=self.client, args=(i, k), daemon=True)
                        for i in range(len(urls)) for k in range(per_sidecar)]

    def client(self, i: int, k: int):
        n = 0
        with httpx.Client(timeout=20) as c:
            while not self.stop.is_set():
                if not self.go.wait(0.1):
                    continue
                with self.lock:
                    self.busy += 1
                n += 1
                try:
                    r = c.post(self.urls[i] + "/v1/chat/completions", headers={"authorization": "Bearer dns"},
                               json={"model": "gpt-4o-mini", "max_tokens": 16 + (n * 7 + k * 13) % 33,
                                     "messages": [{"role": "user", "content": "dns " * (1 + n % 9)}]})
                    code = r.status_code
                    err = r.json().get("error", {}).get("code") if code != 200 else None
                except (httpx.HTTPError, ValueError):
                    code, err = 0, None
                with self.lock:
                    self.busy -= 1
                    if code == 200:
                        self.counts["served"] += 1
                    elif err == "cluster_budget_exceeded":
                        self.counts["exceeded"] += 1
                    elif err == "cluster_budget_unavailable":
                        self.counts["unavailable"] += 1
                    else:
                        self.counts["other"] += 1
                if code != 200:
                    time.sleep(0.1)
                time.sleep(0.01)

    def served(self) -> int:
        with self.lock:
            return self.counts["served"]

    def pause(self):
        self.go.clear()
        wait_for(lambda: self.busy == 0, 30, "clients idle")


@pytest.mark.slow
def test_coordinator_added_and_removed_through_dns_under_load(tmp_path):
    """A coordinator joins the DNS name, then the key's owner is killed and dropped from it: keys move, overspend 0, no usage lost (vs the provider's count)."""
    hosts = PrivateHosts(tmp_path / "hosts")
    if not hosts.available():
        pytest.skip(hosts.reason)
    a0, a1 = "127.0.0.2", "127.0.0.3"
    # A port at which the budget's key belongs to the joining coordinator once it is in the
    # set, so adding it moves the key (and removing it moves the key back).
    for _ in range(200):
        port = free_port()
        if loopback_port_free_on(port, [a0, a1]) and rendezvous_owner(SCOPE, [f"{a0}:{port}", f"{a1}:{port}"]) == f"{a1}:{port}":
            break
    else:
        pytest.fail("no port found whose key moves to the joining coordinator")
    c0, c1 = f"{a0}:{port}", f"{a1}:{port}"
    admin = {c0: free_port(), c1: free_port()}
    limit = 10_000_000
    procs = Processes(hosts, tmp_path)
    load: Load | None = None
    t0 = time.monotonic()
    marks: list[str] = []
    mark = lambda what: marks.append(f"{what} {time.monotonic() - t0:.1f}s")
    try:
        mock_port = free_port()
        procs.spawn("mock", [TOLLGATE_BIN, "mock-provider", "--listen", f"127.0.0.1:{mock_port}", "--latency-ms", "20",
                             "--output-tokens", "24"], private_hosts=False)
        procs.wait_http("mock", f"http://127.0.0.1:{mock_port}/healthz")

        def coordinator(addr: str, learning: bool, wait: bool = True):
            name = "c0" if addr == c0 else "c1"
            procs.spawn(name, [TOLLGATE_BIN, "coordinator", "--listen", addr, "--peers", f"{NAME}:{port}",
                               "--admin", f"127.0.0.1:{admin[addr]}", "--admin-token", TOKEN, "--sync-secret", SECRET,
                               "--budget", f"total_tokens={limit}/lifetime", *([] if learning else ["--no-learning"])])
            if wait:
                procs.wait_http(name, f"http://127.0.0.1:{admin[addr]}/healthz")

        def view(addr: str) -> dict:
            return httpx.get(f"http://127.0.0.1:{admin[addr]}/v1/cluster", timeout=5).json()

        def grants(addr: str) -> int:
            return view(addr)["coordinator"]["grants"]

        hosts.write({NAME: [a0]})
        coordinator(c0, learning=False)

        n = 3
        sc_ports, sc_admin = [free_port() for _ in range(n)], [free_port() for _ in range(n)]
        gossip = [free_port() for _ in range(n)]
        for i in range(n):
            seeds = ",".join(f"127.0.0.1:{gossip[k]}" for k in range(n) if k != i)
            procs.spawn(f"sc{i}", [TOLLGATE_BIN, "sidecar", "--listen", f"127.0.0.1:{sc_ports[i]}",
                                   "--admin", f"127.0.0.1:{sc_admin[i]}", "--upstream", f"http://127.0.0.1:{mock_port}",
                                   "--threads", "1", "--drain-timeout", "5",
                                   "--coordinator", f"{NAME}:{port}", "--sync-secret", SECRET, "--node-id", f"dns{i}",
                                   "--gossip-listen", f"127.0.0.1:{gossip[i]}", "--gossip-seeds", seeds,
                                   "--cluster-wait", "3"])
        for i in range(n):
            procs.wait_http(f"sc{i}", f"http://127.0.0.1:{sc_admin[i]}/readyz")

        def sidecar_view(i: int) -> dict:
            return httpx.get(f"http://127.0.0.1:{sc_admin[i]}/cluster", timeout=5).json()

        def sidecars_on(term: int, members: list[str]) -> bool:
            return all((lambda v: v["term"] >= term and v["coordinator_set"] == members)(sidecar_view(i)) for i in range(n))

        load = Load([f"http://127.0.0.1:{p}" for p in sc_ports])
        for t in load.threads:
            t.start()
        load.go.set()

        mark("started")
        # 1. One coordinator behind the name: it owns the key and grants.
        wait_for(lambda: grants(c0) > 0 and load.served() >= 10, 30, "c0 granting, 10 served")
        v0 = view(c0)
        assert v0["coordinator"]["coordinators"] == [c0] and v0["budgets"][0]["owner"] == c0, v0

        mark("phase 1 done")
        # 2. A coordinator joins the name: it starts before the name lists it (it waits for that),
        # c0 re-resolves (5 s) and moves to term 1; sidecars adopt the set from c0's definitions;
        # c1 (fenced by the sidecars' term until it takes it) learns and then grants the key,
        # which is now its own.
        coordinator(c1, learning=True, wait=False)
        wait_for(lambda: "waiting up to" in procs.log("c1"), 20, "c1 waiting for the name to list it")
        hosts.write({NAME: [a0, a1]})
        procs.wait_http("c1", f"http://127.0.0.1:{admin[c1]}/healthz")
        wait_for(lambda: (lambda v: v["coordinator"]["term"] >= 1 and v["coordinator"]["coordinators"] == [c0, c1]
                          and v["budgets"][0]["owner"] == c1)(view(c0)), 30, "c0 on the two-coordinator set")
        wait_for(lambda: sidecars_on(1, [c0, c1]), 30, "sidecars on the two-coordinator set")
        wait_for(lambda: (lambda v: v["coordinator"]["term"] >= 1 and not v["coordinator"]["fenced"]
                          and v["budgets"][0]["owner"] == c1 and v["coordinator"]["grants"] > 0)(view(c1)),
                 40, "c1 granting the key it gained")
        wait_for(lambda: all(any(c["id"] == c1 and c["heard"] for c in sidecar_view(i)["coordinators"]) for i in range(n)),
                 20, "every sidecar's link to c1 up")
        served = load.served()
        wait_for(lambda: load.served() >= served + 10, 30, "10 more served through c1's leases")
        holders = view(c1)["budgets"][0]["holders"]
        assert sum(h["granted"] for h in holders) > 0, holders
        c0_grants = grants(c0)

        mark("phase 2 done")
        # 3. The key's owner dies and leaves the name: c0 moves to term 2, learns the key back
        # from the sidecars (their own leases, c1's grants included, and their spend), then grants.
        procs.kill9("c1")
        hosts.write({NAME: [a0]})
        wait_for(lambda: (lambda v: v["coordinator"]["term"] >= 2 and v["coordinator"]["coordinators"] == [c0]
                          and v["budgets"][0]["owner"] == c0)(view(c0)), 30, "c0 alone again, owning the key")
        wait_for(lambda: sidecars_on(2, [c0]), 30, "sidecars on the one-coordinator set")
        wait_for(lambda: grants(c0) > c0_grants, 40, "c0 granting the key again after learning it")
        served = load.served()
        wait_for(lambda: load.served() >= served + 10, 30, "10 more served through c0's new leases")

        mark("phase 3 done")
        # 4. Spend the budget: with the clients idle (sidecars hand idle escrow back after 3 s),
        # lower the limit to what is charged plus a little (an admin change), then run until
        # the budget refuses (cluster_budget_exceeded; a sidecar may meanwhile still be waiting
        # for escrow another holds, so not necessarily from all three).
        load.pause()
        budget = lambda: httpx.get(f"http://127.0.0.1:{admin[c0]}/v1/budgets", timeout=5).json()["budgets"][0]
        b = wait_for(lambda: (lambda b: b if b["outstanding"] <= 2000 else None)(budget()), 20, "idle escrow returned")
        mark("idle")
        new_limit = b["limit"] - b["remaining"] + 3000
        r = httpx.put(f"http://127.0.0.1:{admin[c0]}/v1/budgets", json={"budget": f"total_tokens={new_limit}/lifetime"},
                      headers={"authorization": f"Bearer {TOKEN}"}, timeout=5)
        assert r.status_code == 200, r.text
        load.go.set()
        wait_for(lambda: load.counts["exceeded"] >= 3, 40, "refusals with cluster_budget_exceeded")
        mark("exhausted")
        load.pause()
        load.stop.set()

        provider = lambda: httpx.get(f"http://127.0.0.1:{mock_port}/_mock/stats", timeout=5).json()
        # Reports arrive every second: wait for the owner's count to catch up with the provider's.
        final = wait_for(lambda: (lambda b, p: (b, p) if b["used"] >= p["total_tokens"] else None)(budget(), provider()),
                         15, "the owner's used covering the provider's tokens")
        b, p = final
        mark("settled")
        print(f"\ndns set change: {', '.join(marks)}; port {port}, limit {new_limit}, provider {p}, budget {b}, clients {load.counts}")
        assert p["total_tokens"] <= new_limit, f"overspend: provider served {p['total_tokens']} > limit {new_limit}"
        assert b["used"] == p["total_tokens"], f"usage lost or double counted: coordinator {b['used']} vs provider {p['total_tokens']}"
        assert load.counts["other"] == 0, load.counts
    finally:
        if load:
            load.stop.set()
            load.go.set()
        procs.stop_all()
        for name in procs.procs:
            text = procs.log(name)
            assert "Fatal error" not in text and "Current stack trace" not in text, f"{name}: {text[-3000:]}"


@pytest.mark.slow
def test_sidecar_follows_a_full_coordinator_replacement(tmp_path):
    """The only coordinator is replaced by one at a new address behind the same name: the sidecar re-resolves, reports to it, and is served on its leases."""
    hosts = PrivateHosts(tmp_path / "hosts")
    if not hosts.available():
        pytest.skip(hosts.reason)
    a0, a1 = "127.0.0.2", "127.0.0.3"
    port = next(p for p in (free_port() for _ in range(200)) if loopback_port_free_on(p, [a0, a1]))
    procs = Processes(hosts, tmp_path)
    try:
        mock_port, sc_port, sc_admin = free_port(), free_port(), free_port()
        procs.spawn("mock", [TOLLGATE_BIN, "mock-provider", "--listen", f"127.0.0.1:{mock_port}", "--latency-ms", "5"],
                    private_hosts=False)
        procs.wait_http("mock", f"http://127.0.0.1:{mock_port}/healthz")
        admins = {a0: free_port(), a1: free_port()}

        def coordinator(name: str, addr: str, learning: bool):
            procs.spawn(name, [TOLLGATE_BIN, "coordinator", "--listen", f"{addr}:{port}", "--peers", f"{NAME}:{port}",
                               "--admin", f"127.0.0.1:{admins[addr]}", "--sync-secret", SECRET,
                               "--budget", "requests=100000/lifetime", *([] if learning else ["--no-learning"])])
            procs.wait_http(name, f"http://127.0.0.1:{admins[addr]}/healthz")

        hosts.write({NAME: [a0]})
        coordinator("c0", a0, learning=False)
        procs.spawn("sc", [TOLLGATE_BIN, "sidecar", "--listen", f"127.0.0.1:{sc_port}", "--admin", f"127.0.0.1:{sc_admin}",
                           "--upstream", f"http://127.0.0.1:{mock_port}", "--threads", "1", "--coordinator", f"{NAME}:{port}",
                           "--sync-secret", SECRET, "--node-id", "replaced", "--cluster-wait", "2"])
        procs.wait_http("sc", f"http://127.0.0.1:{sc_admin}/readyz")
        chat = lambda: httpx.post(f"http://127.0.0.1:{sc_port}/v1/chat/completions", timeout=10,
                                  json={"model": "m", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}).status_code
        assert chat() == 200
        procs.kill9("c0")
        hosts.write({NAME: [a1]})
        coordinator("c1", a1, learning=True)
        # The sidecar's leases from c0 still admit for a few seconds: what counts is that the
        # replacement hears from it, and then grants.
        reporting = lambda: [s["node"] for s in httpx.get(f"http://127.0.0.1:{admins[a1]}/v1/cluster", timeout=5).json()["sidecars"]]
        wait_for(lambda: "replaced" in reporting(), 20, "the sidecar reporting to the replacement coordinator")
        wait_for(lambda: chat() == 200 and httpx.get(f"http://127.0.0.1:{admins[a1]}/v1/cluster", timeout=5).json()["coordinator"]["grants"] > 0,
                 20, "a request served on a lease from the replacement coordinator")
    finally:
        procs.stop_all()
