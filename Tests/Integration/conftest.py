"""Fixtures for the Tollgate integration suite.

- `mock` / `tls_mock` / `make_mock`: an in-process mock LLM provider (mock_upstream.py).
- `certs`: a throw-away test CA and a server certificate for 127.0.0.1/localhost (openssl CLI).
- `sidecar`: a factory starting a real `tollgate sidecar` process on free ports, waiting for
  GET /readyz on its admin port, and on teardown sending SIGTERM and requiring exit 0, no crash
  text and no provider secret in its stderr (printed when a test fails).

Environment:
  TOLLGATE_BIN            the binary (default: <repo>/.build/debug/tollgate)
  TOLLGATE_ITEST_READY_PROBE=listen  diagnostic only: treat "data port accepts TCP" as ready when
                          the admin port is broken, so the other tests still say something
  TOLLGATE_ITEST_DIRECT=1 harness self-check: `sidecar(...)` returns the upstream itself, tests
                          marked `proxy_only` are skipped. Proves the tests and the mock agree.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import free_port  # noqa: E402
from mock_upstream import ANTHROPIC_SECRET_KEY, SECRET_KEY, MockUpstream  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TOLLGATE_BIN = os.environ.get("TOLLGATE_BIN") or str(REPO / ".build" / "debug" / "tollgate")
DIRECT = os.environ.get("TOLLGATE_ITEST_DIRECT") == "1"
READY_PROBE = os.environ.get("TOLLGATE_ITEST_READY_PROBE", "readyz")
READY_TIMEOUT = float(os.environ.get("TOLLGATE_ITEST_READY_TIMEOUT", "15"))
CRASH_MARKERS = ("Fatal error", "Sanitizer", "Segmentation fault", "Illegal instruction",
                 "Current stack trace", "Swift runtime failure", "Trace/breakpoint", "core dumped",
)


def pytest_configure(config):
    config.addinivalue_line("markers", "proxy_only: needs the real proxy (skipped in TOLLGATE_ITEST_DIRECT mode)")
    config.addinivalue_line("markers", "slow: takes several seconds (deselected by scripts/test --quick)")


def pytest_collection_modifyitems(config, items):
    if not DIRECT:
        return
    skip = pytest.mark.skip(reason="TOLLGATE_ITEST_DIRECT=1: needs the proxy")
    for item in items:
        if "proxy_only" in item.keywords:
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


# --------------------------------------------------------------------------------- mocks


@pytest.fixture
def make_mock():
    started: list[MockUpstream] = []

    def make(**kw) -> MockUpstream:
        m = MockUpstream(**kw).start()
        started.append(m)
        return m

    yield make
    for m in started:
        m.stop()


@pytest.fixture
def mock(make_mock) -> MockUpstream:
    return make_mock()


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> dict[str, str]:
    d = tmp_path_factory.mktemp("certs")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "7",
        "-subj", "/CN=Tollgate Integration Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (d / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                               "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "7", "-extfile", "ext.cnf")
    # A certificate from the same CA for a name the proxy never dials: hostname check must fail.
    run("req", *ec, "-keyout", "wrong.key", "-out", "wrong.csr", "-subj", "/CN=wrong.example")
    (d / "wrong.cnf").write_text("subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "wrong.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "wrong.pem", "-days", "7", "-extfile", "wrong.cnf")
    return {"wrong_cert": str(d / "wrong.pem"), "wrong_key": str(d / "wrong.key"),
            "ca": str(d / "ca.pem"), "cert": str(d / "server.pem"), "key": str(d / "server.key"), "dir": str(d)}


@pytest.fixture
def tls_mock(make_mock, certs) -> MockUpstream:
    return make_mock(certfile=certs["cert"], keyfile=certs["key"], alpn=("http/1.1",))


# ------------------------------------------------------------------------------- sidecar


class Sidecar:
    def __init__(self, proc, url, admin_url, log_path: Path, args):
        self.proc = proc
        self.url = url
        self.admin_url = admin_url
        self.log_path = log_path
        self.args = args
        self.hostport = url.split("://", 1)[1]
        self.expect_clean_exit = True  # teardown requires exit 0 after SIGTERM

    @property
    def port(self) -> int:
        return int(self.hostport.rsplit(":", 1)[1])

    def stderr(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def alive(self) -> bool:
        return self.proc is None or self.proc.poll() is None

    def signal(self, sig=signal.SIGTERM) -> None:
        if self.proc is not None:
            self.proc.send_signal(sig)

    def wait_exit(self, timeout: float) -> int | None:
        if self.proc is None:
            return 0
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def admin_get(self, path: str, timeout: float = 5.0) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.admin_url + path, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def metrics(self) -> str:
        status, body = self.admin_get("/metrics")
        assert status == 200, f"/metrics answered {status}"
        return body


def _ready(admin_url: str, listen_url: str) -> bool:
    if READY_PROBE == "listen":
        import socket
        try:
            socket.create_connection(("127.0.0.1", int(listen_url.rsplit(":", 1)[1])), timeout=1).close()
            return True
        except OSError:
            return False
    try:
        with urllib.request.urlopen(admin_url + "/readyz", timeout=1) as r:
            return r.status == 200
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture
def sidecar(request, tmp_path):
    started: list[Sidecar] = []

    def start(upstream: str | None, *extra: str, tls: dict | None = None, threads: int = 2,
              drain_timeout: float = 5, env: dict | None = None) -> Sidecar:
        if DIRECT:
            s = Sidecar(None, upstream, None, tmp_path / "none.log", [])
            started.append(s)
            return s
        if not os.path.exists(TOLLGATE_BIN):
            pytest.fail(f"tollgate binary not found at {TOLLGATE_BIN} (build it or set TOLLGATE_BIN)")
        last_err = ""
        for attempt in range(3):
            port, admin = free_port(), free_port()
            args = [TOLLGATE_BIN, "sidecar", "--listen", f"127.0.0.1:{port}",
                    *(["--upstream", upstream] if upstream else []),
                    "--admin", f"127.0.0.1:{admin}", "--threads", str(threads),
                    "--drain-timeout", str(drain_timeout)]
            if tls:
                args += ["--tls-cert", tls["cert"], "--tls-key", tls["key"]]
            args += list(extra)
            log_path = tmp_path / f"tollgate-{len(started)}-{attempt}.stderr"
            logf = open(log_path, "wb")
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                    env={**os.environ, **(env or {})}, start_new_session=True)
            logf.close()
            scheme = "https" if tls else "http"
            s = Sidecar(proc, f"{scheme}://127.0.0.1:{port}", f"http://127.0.0.1:{admin}", log_path, args)
            deadline = time.monotonic() + READY_TIMEOUT
            while time.monotonic() < deadline and proc.poll() is None:
                if _ready(s.admin_url, s.url):
                    started.append(s)
                    return s
                time.sleep(0.05)
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
                started.append(s)
                s.expect_clean_exit = False
                pytest.fail(f"tollgate not ready within {READY_TIMEOUT}s: {' '.join(args)}\n{s.stderr()[-4000:]}")
            last_err = s.stderr()
            if "in use" not in last_err.lower():
                break
        pytest.fail(f"tollgate sidecar exited early (rc={proc.returncode}): {' '.join(args)}\n{last_err[-4000:]}")

    yield start

    failed = any(getattr(request.node, "rep_" + w, None) is not None and getattr(request.node, "rep_" + w).failed
                 for w in ("setup", "call"))
    problems = []
    for s in started:
        if s.proc is None:
            continue
        rc = s.proc.poll()
        if rc is None:
            s.proc.send_signal(signal.SIGTERM)
            try:
                rc = s.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(s.proc.pid, signal.SIGKILL)
                s.proc.wait(5)
                problems.append(f"tollgate did not exit within 10 s of SIGTERM ({s.url})")
                rc = None
            if rc is not None and rc != 0 and s.expect_clean_exit:
                problems.append(f"tollgate exited {rc} after SIGTERM (expected 0)")
        text = s.stderr()
        for marker in CRASH_MARKERS:
            if marker.lower() in text.lower():
                problems.append(f"tollgate stderr contains crash marker {marker!r}")
        for secret in (SECRET_KEY, ANTHROPIC_SECRET_KEY):
            if secret in text:
                problems.append("tollgate stderr leaks the provider secret key")
        if failed or problems:
            print(f"----- tollgate stderr ({' '.join(s.args)}) -----")
            print(text[-20000:])
    assert not problems, "; ".join(problems)
