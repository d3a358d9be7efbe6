"""Usage accounting through a real sidecar: records match what the mock provider reported,
streams get usage without the client seeing the injected include_usage, and records are
written as JSON lines (--usage-log)."""
from __future__ import annotations

import json
import time

import httpx
import pytest

from mock_upstream import ANTHROPIC_SECRET_KEY, SECRET_KEY
from test_openai_sdk import MSGS, an, oa


def records(path, n, timeout=5.0):
    """The first n usage records, waiting for the writer's periodic flush."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            lines = [json.loads(l) for l in open(path).read().splitlines() if l.strip()]
        except FileNotFoundError:
            lines = []
        if len(lines) >= n:
            return lines
        time.sleep(0.05)
    pytest.fail(f"expected {n} usage records in {path}, got {len(lines)}")


def mock_prompt_tokens(mock, path):
    """What the mock charged: it counts len(body)//4 of the body it received."""
    return max(1, mock.find(path)[-1].body_len // 4)


def test_usage_nonstream_exact(mock, sidecar, tmp_path):
    """A non-stream chat call is recorded with the provider's exact numbers and priced."""
    log = tmp_path / "usage.jsonl"
    sc = sidecar(mock.url, "--usage-log", str(log))
    r = oa(sc.url).chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    (rec,) = records(log, 1)
    assert rec["model_requested"] == "gpt-4o-mini"
    assert rec["input_tokens"] == r.usage.prompt_tokens == mock_prompt_tokens(mock, "/v1/chat/completions")
    assert rec["output_tokens"] == r.usage.completion_tokens == 5
    assert rec["estimated"] is False and rec["stream"] is False and rec["status"] == 200
    assert rec["cost_micro_usd"] > 0
    assert SECRET_KEY not in log.read_text()


def test_usage_stream_injected_and_hidden(mock, sidecar, tmp_path):
    """A stream without include_usage: Tollgate asks for usage, records it exactly, and the
    client receives byte-for-byte what it gets from the provider directly."""
    log = tmp_path / "usage.jsonl"
    sc = sidecar(mock.url, "--usage-log", str(log))
    body = {"model": "gpt-4o-mini", "stream": True, "messages": MSGS}
    hdrs = {"authorization": f"Bearer {SECRET_KEY}"}
    direct = httpx.post(mock.url + "/v1/chat/completions", json=body, headers=hdrs, timeout=10).content
    proxied = httpx.post(sc.url + "/v1/chat/completions", json=body, headers=hdrs, timeout=10).content
    assert proxied == direct
    assert b'"usage"' not in proxied
    received = mock.find("/v1/chat/completions")[-1]
    assert received.body_len > len(json.dumps(body))  # stream_options was added upstream
    (rec,) = records(log, 1)
    assert rec["stream"] is True and rec["estimated"] is False
    assert rec["input_tokens"] == max(1, received.body_len // 4)
    assert rec["output_tokens"] == 5


def test_usage_stream_client_asked_for_usage(mock, sidecar, tmp_path):
    """When the client asked for usage itself, the stream passes unchanged and is counted."""
    log = tmp_path / "usage.jsonl"
    sc = sidecar(mock.url, "--usage-log", str(log))
    kw = dict(model="gpt-4o-mini", messages=MSGS, stream=True, stream_options={"include_usage": True})
    chunks = [c.model_dump() for c in oa(sc.url).chat.completions.create(**kw)]
    (rec,) = records(log, 1)
    assert chunks[-1]["usage"]["prompt_tokens"] == rec["input_tokens"]
    assert chunks[-1]["usage"]["completion_tokens"] == rec["output_tokens"] == 5


def test_usage_anthropic_stream(mock, sidecar, tmp_path):
    """Anthropic streams are counted from message_start and message_delta."""
    log = tmp_path / "usage.jsonl"
    sc = sidecar(mock.url, "--usage-log", str(log))
    with an(sc.url).messages.stream(model="claude-sonnet-4-5", max_tokens=64, messages=MSGS) as s:
        final = s.get_final_message()
    (rec,) = records(log, 1)
    assert rec["api"].startswith("anthropic")
    assert rec["input_tokens"] == final.usage.input_tokens
    assert rec["output_tokens"] == final.usage.output_tokens == 4
    assert rec["estimated"] is False and rec["cost_micro_usd"] > 0


def test_usage_records_the_model_the_provider_served(mock, sidecar, tmp_path):
    """model_served is the model the provider's answer names (a dated snapshot of the alias
    asked for), for OpenAI and Anthropic, streamed or not, through the real SDKs."""
    log = tmp_path / "usage.jsonl"
    sc = sidecar(mock.url, "--usage-log", str(log))
    oai = {"extra_headers": {"x-mock-served-model": "gpt-4o-mini-2024-07-18"}}
    ant = {"extra_headers": {"x-mock-served-model": "claude-sonnet-4-5-20250929"}}
    r = oa(sc.url).chat.completions.create(model="gpt-4o-mini", messages=MSGS, **oai)
    assert r.model == "gpt-4o-mini-2024-07-18"
    list(oa(sc.url).chat.completions.create(model="gpt-4o-mini", messages=MSGS, stream=True, **oai))
    an(sc.url).messages.create(model="claude-sonnet-4-5", max_tokens=64, messages=MSGS, **ant)
    with an(sc.url).messages.stream(model="claude-sonnet-4-5", max_tokens=64, messages=MSGS, **ant) as s:
        assert s.get_final_message().model == "claude-sonnet-4-5-20250929"
    oa(sc.url).chat.completions.create(model="gpt-4o-mini", messages=MSGS)  # the mock echoes the alias
    recs = records(log, 5)
    got = [(r["model_requested"], r["model_served"], r["stream"]) for r in recs]
    assert got == [("gpt-4o-mini", "gpt-4o-mini-2024-07-18", False), ("gpt-4o-mini", "gpt-4o-mini-2024-07-18", True),
                   ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", False),
                   ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", True), ("gpt-4o-mini", "gpt-4o-mini", False)]


def test_usage_forwarded_but_unanswered_charges_the_prompt(mock, sidecar, tmp_path):
    """A call the provider received but never answered (upstream timeout, or the client gave
    up) is charged its prompt bound, marked estimated: the provider may bill the prompt.
    A call refused by the provider is charged nothing."""
    log = tmp_path / "usage.jsonl"
    sc = sidecar(mock.url, "--usage-log", str(log), "--upstream-timeout", "500ms")
    body = {"model": "gpt-4o-mini", "messages": MSGS}
    hdrs = {"authorization": f"Bearer {SECRET_KEY}"}
    r = httpx.post(sc.url + "/v1/chat/completions", json=body, headers={**hdrs, "x-mock-delay-ms": "3000"}, timeout=10)
    assert r.status_code == 504 and r.json()["error"]["code"]
    with pytest.raises(httpx.TimeoutException):
        httpx.post(sc.url + "/v1/chat/completions", json=body, headers={**hdrs, "x-mock-delay-ms": "3000"}, timeout=0.3)
    r = httpx.post(sc.url + "/v1/chat/completions", json=body, headers={**hdrs, "x-mock-status": "429"}, timeout=10)
    assert r.status_code == 429
    recs = sorted(records(log, 3), key=lambda r: r["status"])
    assert [r["status"] for r in recs] == [429, 499, 504]
    refused, gone, timed_out = recs
    assert refused["input_tokens"] == 0 and refused["total_tokens"] == 0
    for rec in (gone, timed_out):
        assert rec["estimated"] is True and rec["output_tokens"] == 0
        assert rec["input_tokens"] >= len(json.dumps(body)) // 4 > 0
        assert rec["cost_micro_usd"] > 0


def test_usage_metrics_by_model(mock, sidecar):
    """Token counters by model appear in /metrics after traffic."""
    sc = sidecar(mock.url)
    oa(sc.url).chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    text = httpx.get(sc.admin_url + "/metrics", timeout=5).text
    assert 'tollgate_llm_tokens_total{model="gpt-4o-mini",kind="output"} 5' in text


def test_invalid_llm_body_refused_in_protocol(mock, sidecar):
    """A chat request whose body is not JSON gets a 400 OpenAI error from Tollgate."""
    sc = sidecar(mock.url)
    r = httpx.post(sc.url + "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}, timeout=5)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_request_body"
    r = httpx.post(sc.url + "/v1/messages", content=b"[1,2]", timeout=5)
    assert r.status_code == 400 and r.json()["type"] == "error"
