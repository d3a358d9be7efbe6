"""A short randomized chaos run (see chaos.py): coordinator and sidecar kill -9s, partitions and
1% gossip loss/duplication/delay under concurrent load. The hard budget must hold against the
provider's own count, and no usage may go uncounted. The seed is printed for reproduction."""
from __future__ import annotations

import os
import random

import pytest

from chaos import Chaos

pytestmark = [pytest.mark.proxy_only, pytest.mark.slow]


def test_chaos_short_run_never_overspends(tmp_path):
    """Faults for 25 s, then the budget is spent: provider tokens <= limit, used == provider tokens."""
    seed = int(os.environ.get("TOLLGATE_CHAOS_SEED", random.randrange(1 << 20)))
    r = Chaos(25, sidecars=5, seed=seed, workdir=str(tmp_path)).run()
    print(f"chaos seed {seed}: {r}")
    assert r["requests_served"] > 0, r
    assert r["provider_tokens"] <= r["limit"], f"overspend (seed {seed}): {r}"
    assert r["overspend"] == 0
    assert r["usage_uncovered"] == 0, f"usage the coordinator neither counted nor escrowed (seed {seed}): {r}"
    assert r["budget_used"] <= r["limit"]
    assert len(r["faults"]) >= 3, r
