"""A private /etc/hosts for test processes, so a test can change what a DNS name resolves to
while the processes run (a Kubernetes headless Service gaining and losing pods).

Each process is started through `unshare --mount` (plus `--user --map-root-user` when not
root) with a bind mount of a test-owned file over /etc/hosts in its own mount namespace; glibc
reads /etc/hosts on every lookup, so rewriting the file changes every process's next answer.
Nothing outside those processes sees the file. Loopback owns all of 127.0.0.0/8, so each
member of a name can have its own address with the same port (127.0.0.2, 127.0.0.3, ...).

The file is rewritten in place (a bind mount follows the inode, not the path) with one
fixed-size `pwrite`, so a lookup never reads it half-written: every version has the same length.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

SIZE = 1024
WRAPPER = ('mount --bind "$0" /etc/hosts || exit 97; '
           # nscd would answer from the machine's own hosts file.
           'for d in /run/nscd /var/run/nscd; do [ -d "$d" ] && mount -t tmpfs none "$d"; done; '
           'exec "$@"')


class PrivateHosts:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.write_bytes(b"\n" * SIZE)
        self.prefix: list[str] | None = None
        self.reason = ""

    def write(self, names: dict[str, list[str]]) -> None:
        """Maps each name to its addresses (one line per address, as a headless Service answers)."""
        text = "127.0.0.1 localhost\n" + "".join(f"{a} {n}\n" for n, addrs in names.items() for a in addrs)
        data = text.encode()
        assert len(data) < SIZE, "hosts file too long"
        data += b"#" * (SIZE - 1 - len(data)) + b"\n"
        fd = os.open(self.path, os.O_WRONLY)
        try:
            assert os.pwrite(fd, data, 0) == SIZE
        finally:
            os.close(fd)

    def available(self) -> bool:
        """Finds a way to give processes this file as /etc/hosts; `reason` says why not."""
        unshare = shutil.which("unshare")
        if not unshare:
            self.reason = "unshare(1) not installed"
            return False
        tries = [[unshare, "--mount", "--propagation", "private"]] if os.geteuid() == 0 else []
        tries.append([unshare, "--user", "--map-root-user", "--mount", "--propagation", "private"])
        self.write({"probe.tollgate.test": ["127.0.0.9"]})
        problems = []
        for t in tries:
            prefix = [*t, "--", "sh", "-c", WRAPPER, str(self.path)]
            try:
                r = subprocess.run([*prefix, "getent", "hosts", "probe.tollgate.test"], capture_output=True, timeout=20)
            except (OSError, subprocess.TimeoutExpired) as e:
                problems.append(f"{' '.join(t)}: {e}")
                continue
            if r.returncode == 0 and b"127.0.0.9" in r.stdout:
                self.prefix = prefix
                return True
            problems.append(f"{' '.join(t[1:])}: rc {r.returncode} {r.stderr.decode(errors='replace').strip()[:200]}")
        self.reason = "no private /etc/hosts (needs root or unprivileged user namespaces): " + "; ".join(problems)
        return False

    def command(self, argv: list[str]) -> list[str]:
        assert self.prefix is not None, "call available() first"
        return [*self.prefix, *argv]


def loopback_port_free_on(port: int, hosts: list[str]) -> bool:
    import socket
    socks = []
    try:
        for h in hosts:
            s = socket.socket()
            socks.append(s)
            s.bind((h, port))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def rendezvous_owner(scope: str, nodes: list[str]) -> str:
    """`Rendezvous.owner(of:among:)` (TollgateSync): FNV-1a over scope, 0xFF, node; murmur3 fmix64."""
    m = (1 << 64) - 1

    def weight(node: str) -> int:
        h = 0xCBF29CE484222325
        for b in scope.encode():
            h = ((h ^ b) * 0x100000001B3) & m
        h = ((h ^ 0xFF) * 0x100000001B3) & m
        for b in node.encode():
            h = ((h ^ b) * 0x100000001B3) & m
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & m
        h ^= h >> 33
        h = (h * 0xC4CEB9FE1A85EC53) & m
        h ^= h >> 33
        return h

    return sorted(nodes, key=lambda n: (-weight(n), n))[0]
