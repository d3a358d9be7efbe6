"""The `tollgate` command line as an operator meets it: help, version, bad flags, simulate."""
from __future__ import annotations

import json
import subprocess

from conftest import TOLLGATE_BIN


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([TOLLGATE_BIN, *args], capture_output=True, text=True, timeout=timeout)


def test_version_and_help():
    """`tollgate version` prints the version; `sidecar --help` documents the issue's flags."""
    v = run("version")
    assert v.returncode == 0 and v.stdout.startswith("tollgate ")
    h = run("sidecar", "--help")
    assert h.returncode == 0
    for flag in ["--listen", "--upstream", "--admin", "--threads", "--tls-cert", "--tls-key", "--upstream-ca",
                 "--max-header-bytes", "--max-body-bytes", "--idle-timeout", "--drain-timeout"]:
        assert flag in h.stdout, flag


def test_bad_flags_fail_clearly():
    """Unknown commands and flags exit 2 with a message naming them, and nothing starts."""
    r = run("sidecar", "--bogus-flag")
    assert r.returncode == 2 and "--bogus-flag" in r.stderr
    r = run("sidecar", "--threads", "zero")
    assert r.returncode == 2 and "--threads" in r.stderr
    r = run("sidecar", "--upstream", "ftp://x")
    assert r.returncode == 2 and "http://" in r.stderr
    r = run("frobnicate")
    assert r.returncode == 2 and "frobnicate" in r.stderr


def test_sidecar_refuses_unbindable_address():
    """A listen address that cannot be bound makes the sidecar exit 1 with the reason."""
    r = run("sidecar", "--listen", "192.0.2.1:1", "--admin", "off", "--upstream", "http://127.0.0.1:9", timeout=20)
    assert r.returncode == 1 and "bind" in r.stderr


def test_simulate_json():
    """`tollgate simulate --json` prints the promised keys; hard budgets never overspend."""
    r = run("simulate", "--sidecars", "10", "--seeds", "2", "--faults", "all", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    for key in ["runs", "overspend_tokens_max", "utilization_min", "baseline_overspend_tokens_max",
                "coordinator_restart_usage_lost", "grant_resume_seconds_max", "gossip_rounds_p99"]:
        assert key in d, key
    assert d["runs"] == 2
    assert d["overspend_tokens_max"] == 0
    assert d["coordinator_restart_usage_lost"] == 0
    r = run("simulate", "--faults", "chaos")
    assert r.returncode == 2 and "--faults" in r.stderr
