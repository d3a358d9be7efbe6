"""Process helpers for cluster tests, the demo test and the chaos harness: a real
`tollgate coordinator` on a free port, and cluster flags for `tollgate sidecar`."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from helpers import free_port

REPO = Path(__file__).resolve().parents[2]
TOLLGATE_BIN = os.environ.get("TOLLGATE_BIN") or str(REPO / ".build" / "debug" / "tollgate")
SECRET = "itest-sync-secret"
TOKEN = "itest-admin-token"


class Coordinator:
    def __init__(self, port: int, log_path: Path, extra: list[str], admin_port: int | None = None):
        self.port = port
        # With sync TLS the admin API is served in clear on its own port (--admin).
        self.admin_port = admin_port
        self.url = f"http://127.0.0.1:{admin_port or port}"
        self.addr = f"127.0.0.1:{port}"
        self.log_path = log_path
        self.extra = extra
        self.proc: subprocess.Popen | None = None

    def start(self, wait_ready: bool = True) -> "Coordinator":
        args = [TOLLGATE_BIN, "coordinator", "--listen", self.addr, "--admin-token", TOKEN,
                "--sync-secret", SECRET, *self.extra]
        if self.admin_port:
            args += ["--admin", f"127.0.0.1:{self.admin_port}"]
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        logf.close()
        if wait_ready:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                assert self.proc.poll() is None, f"coordinator exited: {self.stderr()}"
                try:
                    if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
            raise AssertionError(f"coordinator not ready: {self.stderr()}")
        return self

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            return None

    def stderr(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def get(self, path: str):
        r = httpx.get(self.url + path, timeout=5)
        r.raise_for_status()
        return r.json()

    def budget(self, budget_id: str) -> dict:
        for b in self.get("/v1/budgets")["budgets"]:
            if b["id"] == budget_id:
                return b
        raise AssertionError(f"no budget {budget_id}")

    def put(self, body: dict, token: str | None = TOKEN) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.put(self.url + "/v1/budgets", json=body, headers=headers, timeout=5)


def cluster_flags(coord: Coordinator, node: str, gossip_port: int | None = None, seeds: list[int] = (),
                  wait: float = 3) -> list[str]:
    flags = ["--coordinator", coord.addr, "--sync-secret", SECRET, "--node-id", node, "--cluster-wait", str(wait)]
    if gossip_port:
        flags += ["--gossip-listen", f"127.0.0.1:{gossip_port}"]
        others = [p for p in seeds if p != gossip_port]
        if others:
            flags += ["--gossip-seeds", ",".join(f"127.0.0.1:{p}" for p in others)]
    return flags


EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def openssl(d: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)


def make_ca(d: Path, name: str) -> str:
    """A throw-away CA (openssl CLI) in d; returns its certificate's path."""
    openssl(d, "req", "-x509", *EC, "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
            "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return str(d / f"{name}.pem")


def make_leaf(d: Path, ca: str, name: str, san: str, usage: str) -> dict[str, str]:
    """A certificate issued by CA `ca` (made by make_ca in d) for `san` with extended key usage
    `usage` (serverAuth, clientAuth); returns {"cert", "key"} paths."""
    openssl(d, "req", *EC, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
    (d / f"{name}.cnf").write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                                   f"keyUsage=critical,digitalSignature\nextendedKeyUsage={usage}\n")
    openssl(d, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.cnf")
    return {"cert": str(d / f"{name}.pem"), "key": str(d / f"{name}.key")}


def wait_for(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what} (last: {last})")


__all__ = ["Coordinator", "cluster_flags", "wait_for", "free_port", "make_ca", "make_leaf", "SECRET", "TOKEN", "TOLLGATE_BIN"]
