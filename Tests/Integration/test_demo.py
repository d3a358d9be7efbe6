"""`tollgate demo` (the README's "run it" command) runs to completion in bounded time: its final
line reports the cluster total within the limit, refusals, and the provider's own count."""
from __future__ import annotations

import re
import subprocess

import pytest

from conftest import TOLLGATE_BIN

pytestmark = [pytest.mark.proxy_only, pytest.mark.slow]


def test_demo_spends_budget_exactly_and_refuses():
    """The demo ends by itself with cluster total <= limit, refusals > 0, provider tokens == cluster total."""
    p = subprocess.run([TOLLGATE_BIN, "demo", "--no-color", "--budget", "8000", "--latency-ms", "20", "--duration", "90"],
                       capture_output=True, text=True, timeout=150)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    last = p.stdout.strip().splitlines()[-1]
    m = re.match(r"result: cluster total (\d+) <= limit (\d+) tokens \(([\d.]+)% used\); served (\d+), refused (\d+); provider tokens (\d+); overspend 0$", last)
    assert m, last
    total, limit, _, served, refused, provider = (float(x) if "." in x else int(x) for x in m.groups())
    assert total <= limit == 8000
    assert refused > 0 and served > 0
    assert provider == total
    assert "duration cap reached" not in p.stdout
    assert "What happened" in p.stdout
