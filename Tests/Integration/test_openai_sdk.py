"""Real SDK clients through the proxy: the `openai` SDK (non-stream, stream, include_usage,
errors, models) and the `anthropic` SDK (messages, stream) get the same objects as direct."""
import json
import asyncio
import importlib
import time

import pytest

from mock_upstream import ANTHROPIC_SECRET_KEY, SECRET_KEY



class _Lazy:
    """Import the SDK on first use: keeps collection (run once per xdist worker) fast."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._name), attr)


openai = _Lazy("openai")
anthropic = _Lazy("anthropic")
MSGS = [{"role": "user", "content": "Say hello through Tollgate."}]


def oa(base):
    return openai.OpenAI(base_url=base + "/v1", api_key=SECRET_KEY, max_retries=0, timeout=20)


def an(base):
    return anthropic.Anthropic(base_url=base, api_key=ANTHROPIC_SECRET_KEY, max_retries=0, timeout=20)


def test_openai_nonstream_equal(mock, sidecar):
    """chat.completions.create (non-stream) through the proxy equals the direct answer."""
    sc = sidecar(mock.url)
    direct = oa(mock.url).chat.completions.create(model="mock-gpt-1", messages=MSGS)
    proxied = oa(sc.url).chat.completions.create(model="mock-gpt-1", messages=MSGS)
    assert proxied.model_dump() == direct.model_dump()
    assert proxied.usage.total_tokens > 0
    assert proxied.choices[0].message.content == "tok0 tok1 tok2 tok3 tok4 "


def test_openai_stream_equal(mock, sidecar):
    """chat.completions.create(stream=True) yields the same chunks through the proxy as direct."""
    sc = sidecar(mock.url)
    direct = [c.model_dump() for c in oa(mock.url).chat.completions.create(model="m", messages=MSGS, stream=True)]
    proxied = [c.model_dump() for c in oa(sc.url).chat.completions.create(model="m", messages=MSGS, stream=True)]
    assert proxied == direct
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in proxied if c["choices"]) == \
        "tok0 tok1 tok2 tok3 tok4 "


def test_openai_stream_include_usage_equal(mock, sidecar):
    """stream_options.include_usage: the final usage chunk arrives and equals direct."""
    sc = sidecar(mock.url)
    kw = dict(model="m", messages=MSGS, stream=True, stream_options={"include_usage": True})
    direct = [c.model_dump() for c in oa(mock.url).chat.completions.create(**kw)]
    proxied = [c.model_dump() for c in oa(sc.url).chat.completions.create(**kw)]
    assert proxied == direct
    assert proxied[-1]["choices"] == [] and proxied[-1]["usage"]["completion_tokens"] == 5


def test_openai_stream_arrives_incrementally(mock, sidecar):
    """The SDK receives the first chunk long before a slow (150 ms/chunk) stream ends."""
    sc = sidecar(mock.url)
    client = oa(sc.url)
    t0 = time.monotonic()
    times = []
    for _ in client.chat.completions.create(model="m", messages=MSGS, stream=True,
                                            extra_headers={"x-mock-delay-ms": "150", "x-mock-chunks": "8"}):
        times.append(time.monotonic() - t0)
    assert len(times) == 10
    assert times[-1] - times[0] > 1.0, f"chunks arrived in a burst: {times}"
    assert times[1] < times[-1] / 2


def test_openai_models_list(mock, sidecar):
    """models.list works through the proxy."""
    sc = sidecar(mock.url)
    assert [m.id for m in oa(sc.url).models.list()] == ["mock-gpt-1", "mock-gpt-2"]


def test_openai_upstream_errors_surface(mock, sidecar):
    """Upstream 429 / 401 reach the SDK as the same typed errors with the upstream message."""
    sc = sidecar(mock.url)
    with pytest.raises(openai.RateLimitError) as e:
        oa(sc.url).chat.completions.create(model="m", messages=MSGS, extra_headers={"x-mock-status": "429"})
    assert e.value.body["message"] == "forced 429"
    bad = openai.OpenAI(base_url=sc.url + "/v1", api_key="sk-wrong", max_retries=0, timeout=10)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model="m", messages=MSGS)


@pytest.mark.proxy_only
def test_openai_upstream_down_is_apierror(sidecar):
    """With the upstream down the SDK gets an APIStatusError 502 carrying the proxy's message."""
    from helpers import free_port
    sc = sidecar(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(openai.APIStatusError) as e:
        oa(sc.url).chat.completions.create(model="m", messages=MSGS)
    assert e.value.status_code == 502
    assert isinstance(e.value.body, dict) and e.value.body.get("message")


def test_openai_async_concurrent_streams(mock, sidecar):
    """30 concurrent AsyncOpenAI streams (HTTP/1.1 pool) all complete with the right content."""
    sc = sidecar(mock.url)

    async def run():
        client = openai.AsyncOpenAI(base_url=sc.url + "/v1", api_key=SECRET_KEY, max_retries=0, timeout=30)

        async def one(i):
            stream = await client.chat.completions.create(
                model=f"m{i}", messages=[{"role": "user", "content": f"q{i}"}], stream=True,
                extra_headers={"x-mock-delay-ms": "20"})
            parts = []
            async for c in stream:
                assert c.model == f"m{i}"
                if c.choices and c.choices[0].delta.content:
                    parts.append(c.choices[0].delta.content)
            return "".join(parts)

        try:
            return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(30))), 60)
        finally:
            await client.close()

    assert asyncio.run(run()) == ["tok0 tok1 tok2 tok3 tok4 "] * 30


def test_anthropic_nonstream_equal(mock, sidecar):
    """anthropic messages.create through the proxy equals the direct answer."""
    sc = sidecar(mock.url)
    kw = dict(model="mock-claude", max_tokens=64, messages=MSGS)
    direct = an(mock.url).messages.create(**kw)
    proxied = an(sc.url).messages.create(**kw)
    assert proxied.model_dump() == direct.model_dump()
    assert proxied.usage.output_tokens == 4


def test_anthropic_stream_equal(mock, sidecar):
    """anthropic messages stream events through the proxy equal the direct ones."""
    sc = sidecar(mock.url)
    kw = dict(model="mock-claude", max_tokens=64, messages=MSGS, stream=True)
    direct = [e.model_dump() for e in an(mock.url).messages.create(**kw)]
    proxied = [e.model_dump() for e in an(sc.url).messages.create(**kw)]
    assert proxied == direct
    types = [e["type"] for e in proxied]
    assert types[0] == "message_start" and types[-1] == "message_stop" and "message_delta" in types


def test_anthropic_stream_helper_text(mock, sidecar):
    """The anthropic streaming helper assembles the final message through the proxy."""
    sc = sidecar(mock.url)
    with an(sc.url).messages.stream(model="mock-claude", max_tokens=64, messages=MSGS,
                                    extra_headers={"x-mock-delay-ms": "30"}) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
    assert text == "word0 word1 word2 word3 "
    assert final.usage.output_tokens == 4 and final.stop_reason == "end_turn"


WEATHER_TOOL = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
                   "required": ["city"]}}}]


def test_openai_tool_calls_nonstream_and_stream(mock, sidecar):
    """Tool calls come through unchanged, whole and streamed in pieces, as the SDK expects."""
    sc = sidecar(mock.url)
    direct = oa(mock.url).chat.completions.create(model="gpt-4o-mini", messages=MSGS, tools=WEATHER_TOOL)
    via = oa(sc.url).chat.completions.create(model="gpt-4o-mini", messages=MSGS, tools=WEATHER_TOOL)
    assert via.model_dump() == direct.model_dump()
    call = via.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments)["city"] == "Paris"
    with oa(sc.url).chat.completions.stream(model="gpt-4o-mini", messages=MSGS, tools=WEATHER_TOOL) as s:
        for _ in s:
            pass
        final = s.get_final_completion()
    assert final.choices[0].finish_reason == "tool_calls"
    assert json.loads(final.choices[0].message.tool_calls[0].function.arguments) == {"city": "Paris", "unit": "celsius"}


def test_openai_sdk_retries_through_sidecar(mock, sidecar, tmp_path):
    """The SDK's own retry on a provider 429 works through the sidecar: the second attempt
    succeeds, and the usage log holds the refused attempt at zero tokens and the served one exact."""
    from test_usage import records
    log = tmp_path / "usage.jsonl"
    sc = sidecar(mock.url, "--usage-log", str(log))
    mock.fault = {"status": 429, "retry_after": "0", "count": 1}
    client = openai.OpenAI(base_url=sc.url + "/v1", api_key=SECRET_KEY, max_retries=2, timeout=20)
    r = client.chat.completions.create(model="gpt-4o-mini", messages=MSGS)
    assert r.choices[0].message.content
    assert len(mock.find("/v1/chat/completions")) == 2
    recs = records(log, 2)
    assert [x["status"] for x in recs] == [429, 200]
    assert recs[0]["total_tokens"] == 0 and recs[1]["output_tokens"] == r.usage.completion_tokens
