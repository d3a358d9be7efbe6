"""Chaos harness for cluster budgets: a coordinator, N sidecars, the built-in mock provider
and concurrent clients on loopback, while a seeded fault driver kill -9s and restarts the
coordinator and sidecars, partitions sidecars (TCP relays in front of the coordinator, UDP
relays in front of every gossip socket), and the gossip relays drop, duplicate and delay 1%
of datagrams. Reports ground truth from the mock provider's own counters.

    python chaos.py --seconds 60 [--sidecars 5] [--seed 1] [--limit TOKENS] [--tls] [--json]

With --tls the sync link is mutual TLS (a test CA made with the openssl CLI; the coordinator
requires client certificates, sidecars verify it) instead of h2c; the TCP relays carry TLS.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from cluster_helpers import make_ca, make_leaf
from helpers import free_port

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TOLLGATE_BIN") or str(REPO / ".build" / "debug" / "tollgate")
SECRET = "chaos-sync-secret"


def free_udp_port() -> int:
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Relays:
    """TCP relays (sidecar -> coordinator) and UDP relays (-> each gossip socket) on one asyncio
    loop in a thread. `partitioned` holds sidecar indexes cut off from everything."""

    def __init__(self, rng: random.Random, loss: float, dup: float, delay: float):
        self.rng = rng
        self.loss, self.dup, self.delay = loss, dup, delay
        self.partitioned: set[int] = set()
        self.real_gossip: dict[int, int] = {}
        self.loop = asyncio.new_event_loop()
        self.conns: dict[int, set] = {}
        self.stats = {"udp": 0, "dropped": 0, "duplicated": 0, "delayed": 0}
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def tcp(self, idx: int, listen: int, target: int):
        self.conns[idx] = set()

        async def handle(reader, writer):
            if idx in self.partitioned:
                await asyncio.sleep(30)   # blackhole: the client times out
                writer.close()
                return
            try:
                ur, uw = await asyncio.open_connection("127.0.0.1", target)
            except OSError:
                writer.close()
                return
            pair = (writer, uw)
            self.conns[idx].add(pair)

            async def pipe(r, w):
                try:
                    while data := await r.read(65536):
                        if idx in self.partitioned:
                            break
                        w.write(data)
                        await w.drain()
                except (OSError, asyncio.CancelledError):
                    pass
                finally:
                    w.close()

            await asyncio.gather(pipe(reader, uw), pipe(ur, writer))
            self.conns[idx].discard(pair)

        async def start():
            await asyncio.start_server(handle, "127.0.0.1", listen)
        self.call(start())

    def cut(self, idx: int, on: bool):
        def apply():
            if on:
                self.partitioned.add(idx)
                for w, uw in list(self.conns.get(idx, ())):
                    w.close()
                    uw.close()
            else:
                self.partitioned.discard(idx)
        self.loop.call_soon_threadsafe(apply)

    def udp(self, idx: int, listen: int, target: int):
        self.real_gossip[idx] = target
        relay = self

        class Proto(asyncio.DatagramProtocol):
            def connection_made(self, transport):
                self.t = transport

            def datagram_received(self, data, addr):
                relay.stats["udp"] += 1
                src_idx = next((i for i, p in relay.real_gossip.items() if p == addr[1]), None)
                if idx in relay.partitioned or src_idx in relay.partitioned:
                    relay.stats["dropped"] += 1
                    return
                r = relay.rng.random()
                if r < relay.loss:
                    relay.stats["dropped"] += 1
                    return
                send = lambda: self.t.sendto(data, ("127.0.0.1", target))
                if r < relay.loss + relay.dup:
                    relay.stats["duplicated"] += 1
                    send()
                if r < relay.loss + relay.dup + relay.delay:
                    relay.stats["delayed"] += 1
                    relay.loop.call_later(relay.rng.uniform(0.05, 0.3), send)
                    return
                send()

        async def start():
            await self.loop.create_datagram_endpoint(Proto, local_addr=("127.0.0.1", listen))
        self.call(start())


class Chaos:
    def __init__(self, seconds: float, sidecars: int = 5, seed: int = 1, limit: int | None = None,
                 clients_per_sidecar: int = 2, workdir: str | None = None, log=print, tls: bool = False):
        self.seconds, self.n, self.seed = seconds, sidecars, seed
        self.tls = tls
        self.rng = random.Random(seed)
        self.limit = limit or int(2800 * seconds)
        self.cps = clients_per_sidecar
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="tollgate-chaos-"))
        self.log = log
        self.procs: dict[str, subprocess.Popen] = {}
        self.relays = Relays(random.Random(seed + 1), 0.01, 0.01, 0.01)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.served = self.refused = self.unavailable = self.errors = 0
        self.first_refusal_provider_tokens: int | None = None
        self.first_refusal_at: float | None = None
        # (start time, tokens the provider reported in the answer) per served request.
        self.served_tokens: list[tuple[float, int]] = []
        self.faults: list[str] = []
        self.resume_times: list[float] = []
        self.restarts = 0

    # ---------------------------------------------------------------- processes
    def spawn(self, name: str, args: list[str]):
        f = open(self.dir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen([BIN, *args], stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        f.close()

    def kill9(self, name: str):
        p = self.procs.get(name)
        if p and p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait(10)

    def start_coordinator(self, learning: bool, skew: float = 0):
        args = ["coordinator", "--listen", f"127.0.0.1:{self.coord_port}", "--sync-secret", SECRET,
                "--budget", f"total_tokens={self.limit}/lifetime", "--clock-skew", str(skew),
                "--admin", f"127.0.0.1:{self.coord_admin_port}"]
        if self.tls:
            args += ["--sync-tls-cert", self.pki["coordinator"]["cert"], "--sync-tls-key", self.pki["coordinator"]["key"],
                     "--sync-tls-client-ca", self.pki["ca"]]
        if not learning:
            args.append("--no-learning")
        self.spawn("coordinator", args)
        self.wait_http(f"http://127.0.0.1:{self.coord_admin_port}/healthz")

    def start_sidecar(self, i: int):
        seeds = ",".join(f"127.0.0.1:{self.gossip_adv[k]}" for k in range(self.n) if k != i)
        (self.dir / f"data{i}").mkdir(exist_ok=True)
        self.spawn(f"sc{i}", ["sidecar", "--listen", f"127.0.0.1:{self.sc_ports[i]}", "--admin", f"127.0.0.1:{self.admin_ports[i]}",
                              "--upstream", f"http://127.0.0.1:{self.mock_port}", "--threads", "2",
                              "--coordinator", f"127.0.0.1:{self.coord_port}=127.0.0.1:{self.relay_ports[i]}", "--sync-secret", SECRET,
                              "--node-id", f"sc{i}", "--data-dir", str(self.dir / f"data{i}"),
                              "--gossip-listen", f"127.0.0.1:{self.gossip_real[i]}",
                              "--gossip-advertise", f"127.0.0.1:{self.gossip_adv[i]}", "--gossip-seeds", seeds,
                              "--cluster-wait", "2", "--clock-skew", str(self.rng.choice([-5, 0, 5])),
                              *(["--coordinator-ca", self.pki["ca"], "--sync-tls-cert", self.pki["sidecars"][i]["cert"],
                                 "--sync-tls-key", self.pki["sidecars"][i]["key"]] if self.tls else [])])
        self.wait_http(f"http://127.0.0.1:{self.admin_ports[i]}/readyz")

    @staticmethod
    def wait_http(url: str, timeout: float = 15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{url} not ready")

    # ---------------------------------------------------------------- load
    def provider(self) -> dict:
        return httpx.get(f"http://127.0.0.1:{self.mock_port}/_mock/stats", timeout=5).json()

    def client(self, i: int, k: int):
        rng = random.Random(self.seed * 1000 + i * 10 + k)
        with httpx.Client(timeout=20) as c:
            while not self.stop.is_set():
                body = {"model": "gpt-4o-mini", "max_tokens": rng.randint(16, 96), "stream": rng.random() < 0.5,
                        "messages": [{"role": "user", "content": "chaos " * rng.randint(1, 30)}]}
                if body["stream"]:
                    body["stream_options"] = {"include_usage": True}
                started = time.monotonic()
                tokens = 0
                try:
                    r = c.post(f"http://127.0.0.1:{self.sc_ports[i]}/v1/chat/completions", json=body,
                               headers={"authorization": "Bearer chaos"})
                    code = r.status_code
                    err = r.json().get("error", {}).get("code") if code != 200 else None
                    if code == 200:
                        tokens = answer_tokens(r.text, body["stream"])
                except (httpx.HTTPError, ValueError):
                    code, err = 0, None
                with self.lock:
                    if code == 200:
                        self.served += 1
                        self.served_tokens.append((started, tokens))
                    elif err == "cluster_budget_exceeded":
                        self.refused += 1
                        if self.first_refusal_provider_tokens is None:
                            self.first_refusal_at = time.monotonic()
                            self.first_refusal_provider_tokens = self.provider()["total_tokens"]
                    elif code in (429, 503):
                        self.unavailable += 1
                    else:
                        self.errors += 1
                if code != 200:
                    time.sleep(0.1)
                time.sleep(rng.uniform(0, 0.05))

    # ---------------------------------------------------------------- faults
    def measure_resume(self, restarted_at: float, restart: int):
        """Restart to first grant. A restart killed again before it granted is not counted: the
        next one measures from its own start (else back-to-back kills read as one slow resume)."""
        url = f"http://127.0.0.1:{self.coord_admin_port}/metrics"
        while not self.stop.is_set() and time.monotonic() - restarted_at < 30 and restart == self.restarts:
            try:
                m = httpx.get(url, timeout=1).text
                grants = [l for l in m.splitlines() if l.startswith("tollgate_coordinator_grants_total ")]
                if grants and int(grants[0].split()[1]) > 0:
                    if restart == self.restarts:
                        self.resume_times.append(time.monotonic() - restarted_at)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)

    def fault_driver(self, until: float):
        while time.monotonic() < until and not self.stop.is_set():
            time.sleep(self.rng.uniform(2, 4))
            if time.monotonic() >= until:
                break
            kind = self.rng.choice(["coordinator", "sidecar", "sidecar", "partition", "partition"])
            if kind == "coordinator":
                self.kill9("coordinator")
                self.restarts += 1
                time.sleep(self.rng.uniform(0.2, 1.5))
                skew = self.rng.choice([-5.0, 0.0, 5.0])
                t0 = time.monotonic()
                self.start_coordinator(learning=True, skew=skew)
                self.faults.append(f"kill -9 coordinator (restart, clock skew {skew:+.0f} s)")
                threading.Thread(target=self.measure_resume, args=(t0, self.restarts), daemon=True).start()
            elif kind == "sidecar":
                i = self.rng.randrange(self.n)
                self.kill9(f"sc{i}")
                time.sleep(self.rng.uniform(0.2, 1.5))
                self.start_sidecar(i)
                self.faults.append(f"kill -9 sc{i} (restart)")
            else:
                i = self.rng.randrange(self.n)
                self.relays.cut(i, True)
                d = self.rng.uniform(1.5, 5)
                time.sleep(d)
                self.relays.cut(i, False)
                self.faults.append(f"partition sc{i} {d:.1f} s")

    # ---------------------------------------------------------------- run
    def run(self) -> dict:
        n = self.n
        self.mock_port, self.coord_port, self.coord_admin_port = free_port(), free_port(), free_port()
        if self.tls:
            d = self.dir / "pki"
            d.mkdir(exist_ok=True)
            self.pki = {"ca": make_ca(d, "chaos-ca"),
                        "coordinator": make_leaf(d, "chaos-ca", "coordinator", "IP:127.0.0.1", "serverAuth"),
                        "sidecars": [make_leaf(d, "chaos-ca", f"sc{i}", f"DNS:sc{i}.chaos", "clientAuth") for i in range(self.n)]}
        self.sc_ports = [free_port() for _ in range(n)]
        self.admin_ports = [free_port() for _ in range(n)]
        self.relay_ports = [free_port() for _ in range(n)]
        self.gossip_real = [free_udp_port() for _ in range(n)]
        self.gossip_adv = [free_udp_port() for _ in range(n)]
        try:
            self.spawn("mock", ["mock-provider", "--listen", f"127.0.0.1:{self.mock_port}", "--latency-ms", "40",
                                "--log", str(self.dir / "provider.jsonl")])
            self.wait_http(f"http://127.0.0.1:{self.mock_port}/healthz")
            self.start_coordinator(learning=False)
            for i in range(n):
                self.relays.tcp(i, self.relay_ports[i], self.coord_port)
                self.relays.udp(i, self.gossip_adv[i], self.gossip_real[i])
            for i in range(n):
                self.start_sidecar(i)
            t0 = time.monotonic()
            clients = [threading.Thread(target=self.client, args=(i, k), daemon=True) for i in range(n) for k in range(self.cps)]
            for t in clients:
                t.start()
            self.fault_driver(t0 + self.seconds)
            # Heal, keep load until the budget is spent (bounded), then let reports settle.
            for i in range(n):
                self.relays.cut(i, False)
            end = time.monotonic() + max(20, self.seconds / 2)
            while time.monotonic() < end and self.refused == 0:
                time.sleep(0.2)
            self.stop.set()
            for t in clients:
                t.join(30)
            time.sleep(5)   # > one report interval, and a learning coordinator finishes
            b = httpx.get(f"http://127.0.0.1:{self.coord_admin_port}/v1/budgets", timeout=5).json()["budgets"][0]
            p = self.provider()
            return self.report(b, p, time.monotonic() - t0)
        finally:
            self.stop.set()
            for name in list(self.procs):
                self.kill9(name) if name == "coordinator" else None
                p = self.procs[name]
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in self.procs.values():
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()

    def report(self, b: dict, p: dict, elapsed: float) -> dict:
        provider_tokens = p["total_tokens"]
        return {
            "seed": self.seed, "seconds": round(elapsed, 1), "sidecars": self.n, "limit": self.limit,
            "sync_transport": "h2 over mutual TLS" if self.tls else "h2c",
            "requests_served": self.served, "refused_exhausted": self.refused,
            "refused_unavailable": self.unavailable, "client_errors": self.errors,
            "provider_requests": p["requests"], "provider_tokens": provider_tokens,
            "budget_used": b["used"], "budget_outstanding": b["outstanding"],
            "overspend": max(0, provider_tokens - self.limit),
            # What the budget had committed when it first said "spent": every request that had
            # started by then, at the tokens its answer reported (requests still in flight at the
            # refusal count, as in the simulator's committed-at-first-refusal).
            "utilization_before_first_refusal": (
                round(sum(t for at, t in self.served_tokens if at < self.first_refusal_at) / self.limit, 4)
                if self.first_refusal_at is not None else None),
            "provider_tokens_at_first_refusal": self.first_refusal_provider_tokens,
            "grant_resume_seconds_max": round(max(self.resume_times), 2) if self.resume_times else None,
            "coordinator_restarts": sum(1 for f in self.faults if "coordinator" in f),
            "usage_unreported": max(0, provider_tokens - b["used"]),
            "usage_uncovered": max(0, provider_tokens - b["used"] - b["outstanding"]),
            "faults": self.faults, "gossip_relay": dict(self.relays.stats),
            "workdir": str(self.dir),
        }


def answer_tokens(text: str, stream: bool) -> int:
    """total_tokens from a chat completion, or from the usage chunk of its event stream."""
    if not stream:
        return int((json.loads(text).get("usage") or {}).get("total_tokens", 0))
    total = 0
    for line in text.splitlines():
        if line.startswith("data: {"):
            usage = json.loads(line[6:]).get("usage")
            if usage:
                total = int(usage.get("total_tokens", 0))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--sidecars", type=int, default=5)
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--tls", action="store_true", help="mutual TLS on the sync link instead of h2c")
    a = ap.parse_args()
    r = Chaos(a.seconds, a.sidecars, a.seed, a.limit, log=lambda *x: None, tls=a.tls).run()
    if a.json:
        print(json.dumps(r, indent=2))
    else:
        for k, v in r.items():
            print(f"{k:36} {v}")


if __name__ == "__main__":
    main()
