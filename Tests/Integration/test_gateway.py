"""The gateway configuration through a real sidecar (`--config`): virtual keys mapped to
identities with the provider key injected (and never leaked), model aliases routed to
deployments, fallback on 429 / 503 / a hung provider, the circuit breaker, Retry-After,
/v1/models from the config, scoped budgets, reload on SIGHUP and on file change, and
`tollgate check-config`."""
from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from conftest import TOLLGATE_BIN
from mock_upstream import ANTHROPIC_SECRET_KEY, SECRET_KEY
from test_openai_sdk import MSGS
from test_usage import records

pytestmark = pytest.mark.proxy_only

APP_KEY = "tg-app-key-0001-alpha"
OTHER_KEY = "tg-app-key-0002-bravo"
REVOKED_KEY = "tg-app-key-0003-revoked"
ENV = {"MOCK_OPENAI_KEY": SECRET_KEY, "MOCK_ANTHROPIC_KEY": ANTHROPIC_SECRET_KEY, "APP_KEY": APP_KEY}


def gateway_yaml(primary: str, secondary: str | None = None, extra: str = "", routing: str = "",
                 keys: str | None = None) -> str:
    second_provider = f"""
  backup:
    kind: openai
    base_url: {secondary}/v1
    api_key: ${{MOCK_OPENAI_KEY}}""" if secondary else ""
    second_deployment = "\n      - {provider: backup, model: mock-gpt-2, weight: 1}" if secondary else ""
    default_keys = f"""
keys:
  - id: search-app
    key: ${{APP_KEY}}
    team: search
    agent: planner
  - id: limited-app
    key: {OTHER_KEY}
    team: billing
    models: [claude]
  - id: old-app
    key: {REVOKED_KEY}
    revoked: true
"""
    return f"""# test gateway
providers:
  main:
    kind: openai
    base_url: {primary}
    api_key: ${{MOCK_OPENAI_KEY}}
  claude-direct:
    kind: anthropic
    base_url: {primary}
    api_key: ${{MOCK_ANTHROPIC_KEY}}{second_provider}
models:
  fast:
    strategy: weighted
    deployments:
      - {{provider: main, model: mock-gpt-1, weight: 1000000}}{second_deployment}
    price: {{input: 1.00, output: 2.00}}
  claude:
    deployments:
      - {{provider: claude-direct, model: claude-mock-1}}
routing:
  retries: 2
  backoff: 10ms
  max_backoff: 50ms
  attempt_timeout: 1s
{routing}{default_keys if keys is None else keys}{extra}"""


def start(sidecar, tmp_path, text: str, *extra: str):
    cfg = tmp_path / "tollgate.yaml"
    cfg.write_text(text)
    return sidecar(None, "--config", str(cfg), *extra, env=ENV), cfg


def client(sc, key=APP_KEY):
    return openai.OpenAI(base_url=sc.url + "/v1", api_key=key, max_retries=0, timeout=20)


def test_virtual_key_routes_alias_and_injects_provider_key(mock, sidecar, tmp_path):
    """The app's virtual key becomes the provider key upstream, the alias becomes the
    deployment's model, and the usage record names the identity and deployment."""
    log = tmp_path / "usage.jsonl"
    sc, _ = start(sidecar, tmp_path, gateway_yaml(mock.url), "--usage-log", str(log))
    r = client(sc).chat.completions.create(model="fast", messages=MSGS)
    assert r.choices[0].message.content
    seen = mock.find("/v1/chat/completions")[-1]
    assert seen.header("authorization") == f"Bearer {SECRET_KEY}"
    assert json.loads(seen.body)["model"] == "mock-gpt-1"
    (rec,) = records(log, 1)
    assert rec["virtual_key"] == "search-app" and rec["team"] == "search" and rec["agent"] == "planner"
    assert rec["deployment"] == "main/mock-gpt-1" and rec["provider"] == "main"
    assert rec["model_requested"] == "fast" and rec["model_served"] == "mock-gpt-1"
    assert rec["input_tokens"] == r.usage.prompt_tokens and rec["output_tokens"] == r.usage.completion_tokens
    # Configured price: $1 / $2 per 1M tokens.
    assert rec["cost_micro_usd"] == r.usage.prompt_tokens * 1 + r.usage.completion_tokens * 2
    metrics = sc.metrics()
    assert 'tollgate_llm_caller_requests_total{team="search",key="search-app"} 1' in metrics


def test_anthropic_sdk_with_virtual_key(mock, sidecar, tmp_path):
    """The anthropic SDK sends the virtual key as x-api-key; the provider gets its own key."""
    sc, _ = start(sidecar, tmp_path, gateway_yaml(mock.url))
    a = anthropic.Anthropic(base_url=sc.url, api_key=APP_KEY, max_retries=0, timeout=20)
    m = a.messages.create(model="claude", max_tokens=50, messages=MSGS)
    assert m.content[0].text
    seen = mock.find("/v1/messages")[-1]
    assert seen.header("x-api-key") == ANTHROPIC_SECRET_KEY
    assert json.loads(seen.body)["model"] == "claude-mock-1"
    with pytest.raises(anthropic.AuthenticationError) as e:
        anthropic.Anthropic(base_url=sc.url, api_key="not-a-key-at-all", max_retries=0).messages.create(
            model="claude", max_tokens=5, messages=MSGS)
    assert e.value.response.json()["error"]["type"] == "authentication_error"


@pytest.mark.parametrize("key,code", [(None, "missing_api_key"), ("tg-unknown-key-999", "invalid_api_key"),
                                      (REVOKED_KEY, "revoked_api_key")])
def test_bad_keys_get_401_in_openai_shape(mock, sidecar, tmp_path, key, code):
    """Missing, unknown and revoked keys are refused with 401 before anything goes upstream."""
    sc, _ = start(sidecar, tmp_path, gateway_yaml(mock.url))
    headers = {"authorization": f"Bearer {key}"} if key else {}
    r = httpx.post(sc.url + "/v1/chat/completions", json={"model": "fast", "messages": MSGS}, headers=headers, timeout=10)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == code
    if key:
        assert key not in r.text
    assert mock.find("/v1/chat/completions") == []
    with pytest.raises(openai.AuthenticationError):
        client(sc, key or "x").chat.completions.create(model="fast", messages=MSGS)


def test_model_allowlist_and_models_endpoint(mock, sidecar, tmp_path):
    """/v1/models lists the aliases a key may call; calling another model is 403."""
    sc, _ = start(sidecar, tmp_path, gateway_yaml(mock.url))
    assert sorted(m.id for m in client(sc).models.list()) == ["claude", "fast"]
    assert [m.id for m in client(sc, OTHER_KEY).models.list()] == ["claude"]
    with pytest.raises(openai.PermissionDeniedError) as e:
        client(sc, OTHER_KEY).chat.completions.create(model="fast", messages=MSGS)
    assert e.value.response.json()["error"]["code"] == "model_not_allowed"
    with pytest.raises(openai.NotFoundError) as e:
        client(sc).chat.completions.create(model="no-such-model", messages=MSGS)
    assert e.value.response.json()["error"]["code"] == "model_not_found"


def test_provider_key_never_leaks(make_mock, sidecar, tmp_path):
    """Neither the provider keys nor the virtual keys appear in logs, metrics, usage records or
    error bodies, even when the provider fails and debug logging is on."""
    log = tmp_path / "usage.jsonl"
    down = make_mock()
    down.fault = {"status": 500}
    sc, _ = start(sidecar, tmp_path, gateway_yaml(down.url), "--usage-log", str(log), "--log-level", "debug")
    bodies = []
    for k in (APP_KEY, "tg-wrong-key-123456"):
        r = httpx.post(sc.url + "/v1/chat/completions", json={"model": "fast", "messages": MSGS},
                       headers={"authorization": f"Bearer {k}"}, timeout=10)
        bodies.append(r.text)
    metrics = sc.metrics()
    sc.signal(signal.SIGTERM)
    sc.wait_exit(10)
    everything = "\n".join([sc.stderr(), metrics, log.read_text() if log.exists() else "", *bodies])
    for secret in (SECRET_KEY, ANTHROPIC_SECRET_KEY, APP_KEY, OTHER_KEY, "tg-wrong-key-123456"):
        assert secret not in everything, secret


@pytest.mark.parametrize("fault", [{"status": 429}, {"status": 503}, {"hang": True}])
def test_fallback_to_second_deployment(make_mock, sidecar, tmp_path, fault):
    """When the first deployment answers 429 or 503, or hangs, the request succeeds through the
    second, and the client sees a normal answer."""
    log = tmp_path / "usage.jsonl"
    primary, backup = make_mock(), make_mock()
    primary.fault = dict(fault)
    sc, _ = start(sidecar, tmp_path, gateway_yaml(primary.url, backup.url), "--usage-log", str(log))
    r = client(sc).chat.completions.create(model="fast", messages=MSGS)
    assert r.choices[0].message.content
    assert len(primary.find("/v1/chat/completions")) == 1
    assert json.loads(backup.find("/v1/chat/completions")[-1].body)["model"] == "mock-gpt-2"
    (rec,) = records(log, 1)
    assert rec["deployment"] == "backup/mock-gpt-2" and rec["status"] == 200
    assert "tollgate_upstream_retries_total 1" in sc.metrics()


def test_hung_deployment_falls_over_on_upstream_timeout(make_mock, sidecar, tmp_path):
    """Without an attempt timeout, timeouts.upstream bounds each attempt: a hung first
    deployment is abandoned when it expires and the second one answers."""
    primary, backup = make_mock(), make_mock()
    primary.fault = {"hang": True}
    text = gateway_yaml(primary.url, backup.url).replace("  attempt_timeout: 1s\n", "") + "timeouts: {upstream: 1s}\n"
    sc, _ = start(sidecar, tmp_path, text)
    r = client(sc).chat.completions.create(model="fast", messages=MSGS)
    assert r.choices[0].message.content
    assert len(primary.find("/v1/chat/completions")) == 1 and len(backup.find("/v1/chat/completions")) == 1


def test_fallback_streaming_and_connect_error(make_mock, sidecar, tmp_path):
    """A stream falls back too, and so does a deployment whose port refuses connections."""
    backup = make_mock()
    dead = make_mock()
    dead_url = dead.url
    dead.stop()
    sc, _ = start(sidecar, tmp_path, gateway_yaml(dead_url, backup.url))
    chunks = list(client(sc).chat.completions.create(model="fast", messages=MSGS, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    assert backup.find("/v1/chat/completions")


def test_all_deployments_failing_returns_last_error(make_mock, sidecar, tmp_path):
    """When every deployment fails, the client gets the provider's last error as it was."""
    primary, backup = make_mock(), make_mock()
    primary.fault = {"status": 503}
    backup.fault = {"status": 502}
    sc, _ = start(sidecar, tmp_path, gateway_yaml(primary.url, backup.url))
    r = httpx.post(sc.url + "/v1/chat/completions", json={"model": "fast", "messages": MSGS},
                   headers={"authorization": f"Bearer {APP_KEY}"}, timeout=10)
    assert r.status_code in (502, 503)
    assert r.headers.get("x-mock-id", "").startswith("fault-")


def test_breaker_opens_and_closes(make_mock, sidecar, tmp_path):
    """After two consecutive failures the primary gets no traffic; after the cooldown one probe
    goes through and, the primary being healthy again, traffic returns to it."""
    primary, backup = make_mock(), make_mock()
    primary.fault = {"status": 503}
    routing_extra = "  breaker: {failures: 2, cooldown: 1s}\n"
    text = gateway_yaml(primary.url, backup.url).replace("  attempt_timeout: 1s\n", "  attempt_timeout: 1s\n" + routing_extra)
    sc, _ = start(sidecar, tmp_path, text, "--threads", "1")
    c = client(sc)
    for _ in range(6):
        c.chat.completions.create(model="fast", messages=MSGS)
    assert len(primary.find("/v1/chat/completions")) == 2, "breaker should have opened after 2 failures"
    assert len(backup.find("/v1/chat/completions")) == 6
    primary.fault = None
    time.sleep(1.2)
    for _ in range(3):
        c.chat.completions.create(model="fast", messages=MSGS)
    assert len(primary.find("/v1/chat/completions")) == 5, "probe then normal traffic to the healed primary"


def test_retry_after_holds_deployment_off(make_mock, sidecar, tmp_path):
    """A 429 with Retry-After keeps the deployment out of rotation for that long."""
    primary, backup = make_mock(), make_mock()
    primary.fault = {"status": 429, "retry_after": "2", "count": 1}
    sc, _ = start(sidecar, tmp_path, gateway_yaml(primary.url, backup.url), "--threads", "1")
    c = client(sc)
    for _ in range(4):
        c.chat.completions.create(model="fast", messages=MSGS)
    assert len(primary.find("/v1/chat/completions")) == 1
    time.sleep(2.2)
    c.chat.completions.create(model="fast", messages=MSGS)
    assert len(primary.find("/v1/chat/completions")) == 2


def test_team_budget_from_config(mock, sidecar, tmp_path):
    """A budget scoped to a team refuses that team only; other teams keep working."""
    budgets = """budgets:
  - {id: search-tokens, scope: team=search, unit: total_tokens, limit: 200, window: day}
"""
    text = gateway_yaml(mock.url, extra=budgets).replace("models: [claude]", "models: [claude, fast]")
    sc, _ = start(sidecar, tmp_path, text)
    search, billing = client(sc), client(sc, OTHER_KEY)
    refused = False
    for _ in range(30):
        try:
            search.chat.completions.create(model="fast", messages=MSGS)
        except openai.RateLimitError as e:
            assert "search-tokens" in e.response.text
            refused = True
            break
    assert refused
    billing.chat.completions.create(model="fast", messages=MSGS)
    (b,) = httpx.get(sc.admin_url + "/budgets", timeout=5).json()["budgets"]
    assert b["id"] == "search-tokens" and b["used"] <= 200


def test_reload_on_sighup_and_bad_reload_kept(mock, sidecar, tmp_path):
    """SIGHUP applies a new key table without dropping the sidecar; a broken file is refused and
    the running configuration stays."""
    sc, cfg = start(sidecar, tmp_path, gateway_yaml(mock.url), "--config-poll", "0")
    client(sc).chat.completions.create(model="fast", messages=MSGS)
    new_keys = f"""
keys:
  - id: rotated
    key: tg-rotated-key-424242
"""
    cfg.write_text(gateway_yaml(mock.url, keys=new_keys))
    sc.signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "configuration reloaded" not in sc.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    with pytest.raises(openai.AuthenticationError):
        client(sc).chat.completions.create(model="fast", messages=MSGS)
    client(sc, "tg-rotated-key-424242").chat.completions.create(model="fast", messages=MSGS)
    cfg.write_text("providers:\n  main: {kind: nope}\n")
    sc.signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while "reload failed" not in sc.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "tollgate.yaml:2:" in sc.stderr()
    client(sc, "tg-rotated-key-424242").chat.completions.create(model="fast", messages=MSGS)


def test_reload_on_file_change(mock, sidecar, tmp_path):
    """Rewriting the file (as a ConfigMap update does) is noticed without a signal."""
    sc, cfg = start(sidecar, tmp_path, gateway_yaml(mock.url), "--config-poll", "0.2")
    with pytest.raises(openai.NotFoundError):
        client(sc).chat.completions.create(model="added", messages=MSGS)
    text = gateway_yaml(mock.url).replace("models:\n", "models:\n  added:\n    deployments: [{provider: main, model: mock-gpt-2}]\n", 1)
    cfg.write_text(text)
    deadline = time.monotonic() + 5
    while "configuration reloaded" not in sc.stderr() and time.monotonic() < deadline:
        time.sleep(0.05)
    r = client(sc).chat.completions.create(model="added", messages=MSGS)
    assert json.loads(mock.find("/v1/chat/completions")[-1].body)["model"] == "mock-gpt-2"
    assert r.choices


def test_azure_deployment_paths(mock, sidecar, tmp_path):
    """An Azure OpenAI deployment gets the deployments path, api-version and api-key header."""
    text = f"""
providers:
  az: {{kind: azure, base_url: {mock.url}, api_key: azure-secret-1234, api_version: 2024-10-21}}
models:
  gpt:
    deployments: [{{provider: az, model: my-gpt-deployment}}]
"""
    sc, _ = start(sidecar, tmp_path, text)
    httpx.post(sc.url + "/v1/chat/completions", json={"model": "gpt", "messages": MSGS}, timeout=10)
    seen = mock.requests[-1]
    assert seen.target == "/openai/deployments/my-gpt-deployment/chat/completions?api-version=2024-10-21"
    assert seen.header("api-key") == "azure-secret-1234" and seen.header("authorization") is None


def run_check(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os
    return subprocess.run([TOLLGATE_BIN, "check-config", *args], capture_output=True, text=True, timeout=30,
                          env={**os.environ, **(env or {})})


def test_check_config_reports_location(tmp_path):
    """check-config accepts a good file and names file:line:column for an unknown key, a bad
    reference and a missing environment variable."""
    good = tmp_path / "good.yaml"
    good.write_text(gateway_yaml("http://127.0.0.1:9"))
    ok = run_check(str(good), env=ENV)
    assert ok.returncode == 0, ok.stderr
    assert "ok (2 providers, 2 models, 3 keys, 0 budgets)" in ok.stdout, ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("providers:\n  main:\n    kind: openai\n    base_url: http://x\n    timout: 3\n")
    r = run_check(str(bad))
    assert r.returncode == 1 and f"{bad}:5:5: unknown key 'timout'" in r.stderr
    bad.write_text("models:\n  m:\n    deployments: [{provider: ghost}]\n")
    r = run_check(str(bad))
    assert r.returncode == 1 and "unknown provider 'ghost'" in r.stderr and f"{bad}:3:" in r.stderr
    r = run_check(str(good), env={"MOCK_OPENAI_KEY": ""} | {k: v for k, v in ENV.items() if k != "MOCK_OPENAI_KEY"})
    assert r.returncode == 1


def test_examples_pass_check_config():
    """Every example configuration in examples/ is valid."""
    root = Path(__file__).resolve().parents[2] / "examples"
    files = sorted(root.glob("*.yaml")) + sorted(root.glob("*.json"))
    assert files, "no examples"
    env = {"OPENAI_API_KEY": "sk-example", "ANTHROPIC_API_KEY": "sk-ant-example", "GEMINI_API_KEY": "g-example",
           "AZURE_OPENAI_API_KEY": "az-example", "SEARCH_APP_KEY": "tg-example-search-key",
           "SUPPORT_BOT_KEY": "tg-example-support-key", "TOLLGATE_ADMIN_TOKEN": "admin-example-token"}
    for f in files:
        r = run_check("--no-resolve", str(f), env=env)
        assert r.returncode == 0, f"{f}: {r.stderr}"


def test_unresolvable_provider_does_not_stop_the_sidecar(mock, sidecar, tmp_path):
    """A provider host that does not resolve at start is a warning, not a crash loop: the
    sidecar serves the other models, answers 502 for that one, and check-config (which
    resolves) reports it."""
    text = gateway_yaml(mock.url).replace("models:\n", """models:
  ghost:
    deployments: [{provider: nowhere, model: m}]
""", 1).replace("providers:\n", """providers:
  nowhere: {kind: openai, base_url: "http://no-such-host.invalid:9", api_key: k-12345678}
""", 1)
    sc, cfg = start(sidecar, tmp_path, text)
    assert "cannot resolve upstream" in sc.stderr()
    client(sc).chat.completions.create(model="fast", messages=MSGS)
    with pytest.raises(openai.APIStatusError) as e:
        client(sc).chat.completions.create(model="ghost", messages=MSGS)
    assert e.value.status_code == 502
    r = run_check(str(cfg), env=ENV)
    assert r.returncode == 1 and "cannot resolve upstream" in r.stderr
