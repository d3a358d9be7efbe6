"""The budget admin API on the admin port: POST /budgets/{id}/reset and /adjust behind an
admin token (curl and httpx), journaled in the WAL so the change survives a restart; and the
per-budget figures on /metrics."""
from __future__ import annotations

import json
import re
import signal
import subprocess

import httpx
import pytest

from mock_upstream import SECRET_KEY

pytestmark = pytest.mark.proxy_only

TOKEN = "admin-token-0123456789abcdef"
AUTH = {"authorization": f"Bearer {TOKEN}"}


def post(sc, path: str, body=None, headers=None) -> httpx.Response:
    return httpx.post(sc.admin_url + path, json=body, headers=headers or {}, timeout=5)


def only_budget(sc) -> dict:
    (b,) = httpx.get(sc.admin_url + "/budgets", timeout=5).json()["budgets"]
    return b


def chat(sc) -> int:
    r = httpx.post(sc.url + "/v1/chat/completions", timeout=10,
                   headers={"authorization": f"Bearer {SECRET_KEY}"},
                   json={"model": "mock-gpt-1", "max_tokens": 16,
                         "messages": [{"role": "user", "content": "hello there, how are you doing today?"}]})
    assert r.status_code == 200, r.text
    return r.json()["usage"]["total_tokens"]


def test_post_without_configured_token_is_forbidden(mock, sidecar):
    """No --admin-token: every budget change is 403 with a JSON error saying a token must be configured."""
    sc = sidecar(mock.url, "--budget", "total_tokens=1000/day")
    for path in ("/budgets/flag-1/reset", "/budgets/flag-1/adjust"):
        r = post(sc, path, {"used_delta": 5}, AUTH)
        assert r.status_code == 403, r.text
        err = r.json()["error"]
        assert err["code"] == "admin_token_required" and "--admin-token" in err["message"]
    assert only_budget(sc)["used"] == 0


def test_wrong_or_missing_token_is_401(mock, sidecar):
    """A missing, malformed or wrong bearer token is 401 and changes nothing."""
    sc = sidecar(mock.url, "--budget", "total_tokens=1000/day", "--admin-token", TOKEN)
    for headers in ({}, {"authorization": TOKEN}, {"authorization": "Bearer " + TOKEN[:-1]},
                    {"authorization": "Bearer " + TOKEN + "x"}, {"authorization": "Basic " + TOKEN}):
        r = post(sc, "/budgets/flag-1/adjust", {"used_delta": 5}, headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.json()["error"]["code"] == "unauthorized"
    assert only_budget(sc)["used"] == 0


def test_adjust_and_reset_survive_restart(mock, sidecar, tmp_path):
    """adjust (delta and absolute) and reset change the budget at once, go through the WAL, and
    are still in effect after a restart on the same --data-dir."""
    data = tmp_path / "wal"
    args = ("--budget", "total_tokens=100000/day", "--data-dir", str(data), "--admin-token", TOKEN)
    sc = sidecar(mock.url, *args)
    used = chat(sc)
    assert only_budget(sc)["used"] == used
    # curl, as an operator would.
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", "-X", "POST", "-H", f"Authorization: Bearer {TOKEN}",
                          "-H", "content-type: application/json", "-d", '{"used_delta": 500}',
                          sc.admin_url + "/budgets/flag-1/adjust"], capture_output=True, text=True, timeout=10)
    body, code = out.stdout.rsplit("\n", 1)
    assert code == "200", out
    (b,) = json.loads(body)["budgets"]
    assert b["id"] == "flag-1" and b["used"] == used + 500
    r = post(sc, "/budgets/flag-1/adjust", {"used_delta": -100}, AUTH)
    assert r.status_code == 200 and r.json()["budgets"][0]["used"] == used + 400
    sc.signal(signal.SIGTERM)
    assert sc.wait_exit(10) == 0
    sc = sidecar(mock.url, *args)
    assert only_budget(sc)["used"] == used + 400
    r = post(sc, "/budgets/flag-1/adjust", {"used": 42}, AUTH)
    assert r.status_code == 200 and r.json()["budgets"][0]["used"] == 42
    sc.proc.send_signal(signal.SIGKILL)  # the change must be on disk without a clean shutdown
    sc.proc.wait(5)
    sc = sidecar(mock.url, *args)
    assert only_budget(sc)["used"] == 42
    r = post(sc, "/budgets/flag-1/reset", None, AUTH)
    assert r.status_code == 200 and r.json()["budgets"][0]["used"] == 0
    more = chat(sc)
    assert only_budget(sc)["used"] == more
    sc.signal(signal.SIGTERM)
    assert sc.wait_exit(10) == 0
    sc = sidecar(mock.url, *args)
    assert only_budget(sc)["used"] == more


def test_admin_token_file_and_bad_requests(mock, sidecar, tmp_path):
    """--admin-token-file works (trailing newline ignored); bad bodies are 400, unknown budgets
    404, GET on a change route 405; all with JSON errors."""
    f = tmp_path / "token"
    f.write_text(TOKEN + "\n")
    sc = sidecar(mock.url, "--budget", "total_tokens=1000/day", "--admin-token-file", str(f))
    assert post(sc, "/budgets/flag-1/adjust", {"used_delta": 7}, AUTH).status_code == 200
    cases = [
        ("/budgets/flag-1/adjust", b"not json", 400, "invalid_json"),
        ("/budgets/flag-1/adjust", b'{"used_delta": 1.5}', 400, "invalid_value"),
        ("/budgets/flag-1/adjust", b'{"used_delta": 1, "used": 2}', 400, "invalid_body"),
        ("/budgets/flag-1/adjust", b'{"limit": 5}', 400, "unknown_field"),
        ("/budgets/flag-1/adjust", b'{"used": -1}', 400, "invalid_value"),
        ("/budgets/nope/adjust", b'{"used_delta": 1}', 404, "unknown_budget"),
        ("/budgets/nope/reset", b"", 404, "unknown_budget"),
    ]
    for path, body, status, code in cases:
        r = httpx.post(sc.admin_url + path, content=body, headers=AUTH, timeout=5)
        assert r.status_code == status and r.json()["error"]["code"] == code, (path, body, r.status_code, r.text)
    r = httpx.get(sc.admin_url + "/budgets/flag-1/reset", headers=AUTH, timeout=5)
    assert r.status_code == 405
    assert only_budget(sc)["used"] == 7
    assert TOKEN not in sc.stderr()


def test_budget_metrics(mock, sidecar):
    """/metrics carries used, reserved, remaining, limit and refusals per budget, labelled by
    budget, scope and unit."""
    sc = sidecar(mock.url, "--budget", "total_tokens=100000/day", "--budget", "requests=1/minute")
    used = chat(sc)
    r = httpx.post(sc.url + "/v1/chat/completions", timeout=10, headers={"authorization": f"Bearer {SECRET_KEY}"},
                   json={"model": "mock-gpt-1", "messages": [{"role": "user", "content": "again"}]})
    assert r.status_code == 429
    text = httpx.get(sc.admin_url + "/metrics", timeout=5).text

    def value(name: str, budget: str) -> int:
        m = re.search(rf'^{name}\{{budget="{budget}",scope="global",unit="([a-z_]+)"[^}}]*\}} (\d+)$', text, re.M)
        assert m, f"{name} for {budget} missing:\n{text[-3000:]}"
        return int(m.group(2))

    assert value("tollgate_budget_used", "flag-1") == used
    assert value("tollgate_budget_limit", "flag-1") == 100000
    assert value("tollgate_budget_remaining", "flag-1") == 100000 - used
    assert value("tollgate_budget_reserved", "flag-1") == 0
    assert value("tollgate_budget_refusals_total", "flag-2") == 1
    assert 'unit="total_tokens"' in text and 'unit="requests"' in text


def test_pipelined_changes_answered_in_order(mock, sidecar, tmp_path):
    """Changes wait for the WAL before they are answered; requests pipelined behind them on the
    same connection are still answered in order."""
    from helpers import H1Reader, connect, request_bytes
    sc = sidecar(mock.url, "--budget", "total_tokens=100000/day", "--data-dir", str(tmp_path / "wal"),
                 "--admin-token", TOKEN, "--wal-sync-interval", "50ms")
    host = sc.admin_url.split("://", 1)[1]
    auth = [("Authorization", f"Bearer {TOKEN}"), ("Content-Type", "application/json")]
    payload = (request_bytes("POST", "/budgets/flag-1/adjust", host, auth, b'{"used_delta": 5}')
               + request_bytes("POST", "/budgets/flag-1/adjust", host, auth, b'{"used_delta": 7}')
               + request_bytes("GET", "/budgets", host))
    with connect(sc.admin_url) as s:
        s.sendall(payload)
        rd = H1Reader(s, 10)
        used = [json.loads(rd.read_response().body)["budgets"][0]["used"] for _ in range(3)]
    assert used == [5, 12, 12], used
