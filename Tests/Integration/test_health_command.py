"""`tollgate health`, the container HEALTHCHECK: exits 0 while the admin port answers 200 and 1
otherwise, without a shell or curl in the image."""
import subprocess

import pytest

from conftest import TOLLGATE_BIN

pytestmark = pytest.mark.proxy_only


def health(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TOLLGATE_BIN, "health", *args], capture_output=True, text=True, timeout=30)


def test_health_against_running_sidecar(mock, sidecar):
    """A live sidecar is healthy and ready; a wildcard address probes loopback; a 404 path and a
    stopped sidecar are unhealthy (exit 1) with the reason on stderr."""
    sc = sidecar(mock.url)
    admin = sc.admin_url.split("://", 1)[1]
    port = admin.rsplit(":", 1)[1]
    r = health("--admin", admin)
    assert r.returncode == 0, r.stderr
    assert "200" in r.stdout
    assert health("--admin", f"0.0.0.0:{port}", "--path", "/readyz").returncode == 0
    r = health("--admin", admin, "--path", "/no-such-page")
    assert r.returncode == 1 and "answered 404" in r.stderr
    assert health("--admin", admin, "--path", "/no-such-page", "--quiet").stderr == ""
    sc.signal()
    assert sc.wait_exit(10) == 0
    r = health("--admin", admin, "--timeout", "2")
    assert r.returncode == 1 and "connect" in r.stderr


def test_health_bad_flags():
    """A bad flag is a usage error (exit 2), distinct from unhealthy (exit 1); --help exits 0."""
    r = health("--admin", "not-an-address")
    assert r.returncode == 2 and "--admin" in r.stderr
    r = health("--frobnicate")
    assert r.returncode == 2 and "--frobnicate" in r.stderr
    r = health("--help")
    assert r.returncode == 0 and "--admin" in r.stdout and "--path" in r.stdout
