"""Budgets enforced by a real sidecar (--budget flags): the openai SDK runs into a hard token
budget and gets a 429 it understands; what the budget counted equals the usage records and
never exceeds the limit."""
from __future__ import annotations

import json

import httpx
import pytest

from mock_upstream import SECRET_KEY
from test_openai_sdk import MSGS, oa, openai
from test_usage import records


def budgets(sc):
    return httpx.get(sc.admin_url + "/budgets", timeout=5).json()["budgets"]


def test_token_budget_holds_with_openai_sdk(mock, sidecar, tmp_path):
    """Calls succeed until the token budget is spent, then 429 with budget_exceeded; used == records <= limit."""
    log = tmp_path / "usage.jsonl"
    limit = 400
    sc = sidecar(mock.url, "--budget", f"total_tokens={limit}/lifetime", "--usage-log", str(log))
    client = oa(sc.url)
    served = 0
    refusal = None
    for _ in range(50):
        try:
            r = client.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
            served += 1
            assert r.usage.total_tokens > 0
        except openai.RateLimitError as e:
            refusal = e
            break
    assert served >= 2 and refusal is not None, f"served {served}, refusal {refusal}"
    body = refusal.response.json()
    assert body["error"]["code"] == "budget_exceeded"
    assert "total" in body["error"]["message"] or "token" in body["error"]["message"]
    assert refusal.response.headers.get("retry-after") is None or int(refusal.response.headers["retry-after"]) >= 0
    recs = records(log, served)
    counted = sum(r["total_tokens"] for r in recs if r["status"] == 200)
    (b,) = budgets(sc)
    assert b["used"] == counted <= limit, (b, counted)
    assert b["reserved"] == 0


def test_budget_clamps_max_tokens(mock, sidecar):
    """A request without a token cap reaches the provider capped at what the budget has left,
    and one asking for more than is left is capped too; the rest of the body is untouched."""
    sc = sidecar(mock.url, "--budget", "output_tokens=1000/day")
    oa(sc.url).chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    sent = json.loads(mock.find("/v1/chat/completions")[-1].body)
    cap = sent.get("max_completion_tokens", sent.get("max_tokens"))
    assert cap == 1000, sent
    assert sent["messages"] == MSGS and sent["model"] == "gpt-4o-mini"
    oa(sc.url).chat.completions.create(model="gpt-4o-mini", messages=MSGS, max_completion_tokens=5000)
    sent = json.loads(mock.find("/v1/chat/completions")[-1].body)
    assert sent["max_completion_tokens"] == 995, sent  # 1000 minus the 5 tokens the first call used
    (b,) = budgets(sc)
    assert b["used"] == 10 and b["reserved"] == 0


def test_requests_rate_limit_on_plain_traffic(mock, sidecar):
    """A requests-per-minute budget refuses the request after the limit with 429 and rate-limit headers."""
    sc = sidecar(mock.url, "--budget", "requests=3/minute")
    codes = [httpx.get(sc.url + "/echo", timeout=5).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429], codes
    r = httpx.get(sc.url + "/echo", timeout=5)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "rate_limit_exceeded"
    assert "retry-after" in r.headers
    assert any(h.startswith("x-ratelimit-") for h in r.headers)


def test_bad_budget_flag_is_refused(sidecar):
    """A malformed --budget stops the sidecar with a message naming what was expected."""
    import subprocess
    from conftest import TOLLGATE_BIN
    r = subprocess.run([TOLLGATE_BIN, "sidecar", "--budget", "tokens=abc/day"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2 and "--budget" in r.stderr
