"""The OpenAI-compatible client (Ollama, vLLM, llama.cpp) against a local /v1/chat/completions."""

from __future__ import annotations

import json
import re

import pytest

from alignment import (
    LLMRequest,
    ModelBlocked,
    ModelError,
    ModelOutputError,
    ModelTimeout,
    get_model,
    propose,
    run_template,
)
from alignment.models import ModelCredentials, OpenAIAccess
from alignment.schemas import RewriteOutput
from tests.fakes.openai_server import HANG, Raw, Status, openai_json, openai_text

SHORT = {"template": "Write short step-by-step instructions for how to {{task}}.", "rationale": "r"}


def test_direct_proposal_request_and_result(howto, openai_server, openai_model):
    openai_server.enqueue(openai_json(SHORT, prompt_tokens=210, completion_tokens=25))
    result = propose(howto.template, howto.feedback, [], workflow="direct", model=openai_model)
    assert result.template.text == SHORT["template"]
    [request] = openai_server.requests
    body = request.body
    assert body["model"] == "gemma3:4b"
    assert body["temperature"] == pytest.approx(0.2)
    system, user = body["messages"]
    assert system["role"] == "system" and "Keep every placeholder" in system["content"]
    assert user["role"] == "user" and "make each step short" in user["content"]
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "RewriteOutput"
    assert fmt["json_schema"]["schema"]["required"] == ["template", "rationale"]
    [call] = result.calls
    assert (call.model, call.input_tokens, call.output_tokens) == ("openai/gemma3:4b", 210, 25)
    assert "authorization" not in {k.lower() for k in request.headers}


def test_target_run_sends_no_schema_and_uses_the_api_key(openai_server, howto):
    access = OpenAIAccess(base_url=openai_server.base_url, api_key="sk-local")
    model = get_model(
        "openai/gemma3:4b",
        credentials=ModelCredentials(openai=access),
        timeout=0.5,
        max_retries=0,
    )
    openai_server.enqueue(openai_text("1. Flip the bike."))
    result = run_template(howto.template, {"task": "fix a tyre"}, model)
    assert result.output == "1. Flip the bike."
    body = openai_server.requests[0].body
    assert "response_format" not in body
    assert body["messages"] == [
        {"role": "user", "content": "Write step-by-step instructions for how to fix a tyre."}
    ]
    assert openai_server.requests[0].headers["Authorization"] == "Bearer sk-local"


def test_429_with_retry_after_then_success(openai_server, openai_model):
    openai_server.enqueue(Status(429, "slow down", retry_after=0), openai_text("ok"))
    response = openai_model.generate(LLMRequest(system="", prompt="p"))
    assert response.text == "ok" and response.stats.attempts == 2


def test_server_errors_are_retried_a_bounded_number_of_times(openai_server, openai_model):
    openai_server.enqueue(503, 503, 503, openai_text("too late"))
    with pytest.raises(ModelError, match=r"HTTP 503 \(fake error 503\) after 3 attempt\(s\)"):
        openai_model.generate(LLMRequest(system="", prompt="p"))
    assert len(openai_server.requests) == 3


def test_model_not_found_is_reported_without_retry(openai_server, openai_model):
    openai_server.enqueue(Status(404, "model 'gemma3:4b' not found, try pulling it first"))
    with pytest.raises(ModelError, match="not found, try pulling it first"):
        openai_model.generate(LLMRequest(system="", prompt="p"))
    assert len(openai_server.requests) == 1


def test_hang_past_the_timeout(openai_server, openai_model):
    openai_server.enqueue(HANG, HANG, HANG)
    with pytest.raises(ModelTimeout, match=r"within 0.4s \(3 attempt\(s\)\)"):
        openai_model.generate(LLMRequest(system="", prompt="p"))


def test_unreachable_server():
    unreachable = ModelCredentials(openai=OpenAIAccess(base_url="http://127.0.0.1:9/v1"))
    model = get_model("openai/x", credentials=unreachable, timeout=0.5, max_retries=1, backoff=0.01)
    with pytest.raises(
        ModelError, match=re.escape("could not be reached at http://127.0.0.1:9/v1")
    ):
        model.generate(LLMRequest(system="", prompt="p"))


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (openai_text(None, finish_reason="content_filter"), ModelBlocked, "content filter"),
        (openai_text(None, refusal="I can't help with that."), ModelBlocked, "refused: I can't"),
        (openai_text("   "), ModelOutputError, "empty answer"),
        ({"choices": []}, ModelOutputError, "no choices"),
        (Raw("not json at all"), ModelOutputError, "not JSON"),
        (openai_text('{"template": 1}'), ModelOutputError, "expected JSON shape"),
    ],
)
def test_bad_answers_are_specific_errors(openai_server, openai_model, answer, error, message):
    openai_server.enqueue(answer)
    with pytest.raises(error, match=message):
        openai_model.generate(LLMRequest(system="", prompt="p", schema=RewriteOutput))


def test_fenced_json_from_a_local_model_is_accepted(openai_server, openai_model):
    openai_server.enqueue(openai_text("```json\n" + json.dumps(SHORT) + "\n```"))
    response = openai_model.generate(LLMRequest(system="", prompt="p", schema=RewriteOutput))
    assert response.parsed.template == SHORT["template"]


def test_placeholder_repair_through_the_openai_client(howto, openai_server, openai_model):
    openai_server.enqueue(
        openai_json({"template": "Write short steps.", "rationale": "r"}), openai_json(SHORT)
    )
    result = propose(howto.template, howto.feedback, [], workflow="direct", model=openai_model)
    assert result.template.variables == ("task",)
    assert "dropped {{task}}" in openai_server.requests[1].body["messages"][1]["content"]


def test_every_failed_call_still_reports_latency_attempts_and_tokens(openai_server, openai_model):
    openai_server.enqueue(openai_text(None, finish_reason="content_filter"), 503, 503, 503)
    with pytest.raises(ModelBlocked) as info:
        openai_model.generate(LLMRequest(system="", prompt="p", purpose="run"))
    assert info.value.stats is not None and info.value.stats.input_tokens == 31
    with pytest.raises(ModelError) as info:
        openai_model.generate(LLMRequest(system="", prompt="p", purpose="run"))
    stats = info.value.stats
    assert stats is not None and stats.attempts == 3 and stats.latency_ms > 0
    assert (stats.model, stats.purpose, stats.input_tokens) == ("openai/gemma3:4b", "run", 0)
