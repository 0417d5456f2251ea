"""The OpenAI-compatible client (Ollama, vLLM, llama.cpp) against a local /v1/chat/completions."""

from __future__ import annotations

import json
import re

import pytest

from alignment import (
    Feedback,
    FeedbackKind,
    LLMRequest,
    ModelBlocked,
    ModelError,
    ModelOutputError,
    ModelTimeout,
    ProposalFailed,
    Template,
    get_model,
    propose,
    run_template,
)
from alignment.models import (
    ModelContextOverflow,
    ModelCredentials,
    ModelRejected,
    ModelSchemaRejected,
    OpenAIAccess,
)
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


# --- bounded requests, retries that know the difference, the context window ---------------------


def test_a_proposal_sends_closed_bounded_schemas_max_tokens_and_the_seed(
    grocery, openai_server, openai_model
):
    principle = {"op": "add", "text": "Do not include alcohol in the recipe."}
    kept = {"op": "add", "text": "Group the items by store section."}
    rewrite = {"template": grocery.template.text + " Leave out alcohol.", "rationale": "r"}
    openai_server.enqueue(
        openai_json({"principles": {"fb-1": principle, "fb-2": kept}}), openai_json(rewrite)
    )
    result = propose(
        grocery.template, grocery.feedback, [], workflow="principles", model=openai_model, seed=3
    )
    assert result.template.text == rewrite["template"] and result.fallback is None
    distill, rewrite_request = (r.body for r in openai_server.requests)
    schema = distill["response_format"]["json_schema"]["schema"]
    keyed = schema["properties"]["principles"]
    # one entry per feedback item with text (fb-3 is a label): no id to invent or to miss
    assert keyed["required"] == ["fb-1", "fb-2"] and keyed["additionalProperties"] is False
    assert keyed["properties"]["fb-1"]["properties"]["text"]["maxLength"] == 160
    assert "pattern" not in json.dumps(schema)  # llama.cpp reads patterns on raw JSON text
    assert distill["seed"] == 3 and 100 < distill["max_tokens"] < 400
    template_field = rewrite_request["response_format"]["json_schema"]["schema"]["properties"][
        "template"
    ]
    # the template, a quarter more, and a sentence or two for each of its two principles
    assert template_field["maxLength"] == len(grocery.template.text) * 5 // 4 + 2 * 120 + 200
    assert rewrite_request["max_tokens"] >= template_field["maxLength"] / 2.5


def test_a_grammar_the_server_cannot_apply_is_tried_once_without_bounds_then_final(
    openai_server, openai_model
):
    """llama.cpp answers 500 for a grammar it cannot apply: retrying it as load wastes calls."""
    grammar_error = "The model produced output that does not match the expected peg-native format"
    openai_server.enqueue(Status(500, grammar_error), Status(500, grammar_error))
    request = LLMRequest(
        system="",
        prompt="p",
        schema=RewriteOutput,
        json_schema={
            "type": "object",
            "properties": {"template": {"type": "string", "maxLength": 50}},
            "required": ["template"],
        },
    )
    with pytest.raises(ModelSchemaRejected, match="cannot apply the requested JSON schema"):
        openai_model.generate(request)
    first, second = (
        r.body["response_format"]["json_schema"]["schema"] for r in openai_server.requests
    )
    assert first["properties"]["template"]["maxLength"] == 50
    assert second["properties"]["template"] == {"type": "string"}  # the simpler schema, once


def test_a_4xx_and_a_context_overflow_are_not_retried(openai_server, openai_model):
    openai_server.respond_with(
        lambda _: Status(
            400,
            "request (731 tokens) exceeds the available context size (512 tokens)",
        )
    )
    with pytest.raises(ModelContextOverflow, match="does not fit the model's context window"):
        openai_model.generate(LLMRequest(system="", prompt="p"))
    assert len(openai_server.requests) == 1
    openai_server.respond_with(lambda _: Status(422, "invalid temperature"))
    with pytest.raises(ModelRejected, match="HTTP 422"):
        openai_model.generate(LLMRequest(system="", prompt="p"))
    assert len(openai_server.requests) == 2


def test_an_answer_cut_at_max_tokens_is_repaired_not_parsed(howto, openai_server, openai_model):
    cut = openai_text('{"template": "Write step', finish_reason="length")
    good = {
        "template": "Write short step-by-step instructions for how to {{task}}.",
        "rationale": "r",
    }
    openai_server.enqueue(cut, openai_json(good))
    result = propose(howto.template, howto.feedback, [], workflow="direct", model=openai_model)
    assert result.template.text == good["template"] and result.repairs == 1
    assert "stopped at its token limit" in openai_server.requests[1].body["messages"][1]["content"]


def test_the_context_window_comes_from_the_server_else_the_setting(openai_server):
    def model(context_tokens: int | None = None):
        access = OpenAIAccess(base_url=openai_server.base_url, context_tokens=context_tokens)
        return get_model("openai/anything", credentials=ModelCredentials(openai=access))

    models = {"object": "list", "data": [{"id": "local.gguf", "meta": {"n_ctx": 2048}}]}
    openai_server.gets["/v1/models"] = models
    client = model(context_tokens=9999)
    assert client.context_window() == 2048  # llama.cpp serves one model under its file name
    assert client.context_window() == 2048 and openai_server.get_requests == ["/v1/models"]
    del openai_server.gets["/v1/models"]
    openai_server.gets["/props"] = {"default_generation_settings": {"n_ctx": 1024}}
    assert model().context_window() == 1024
    del openai_server.gets["/props"]
    assert model().context_window() is None
    assert model(context_tokens=3000).context_window() == 3000  # ALIGNBOT_CONTEXT_TOKENS


def test_the_feedback_sent_fits_a_small_context_window(uses, openai_server):
    """Sixty long critiques and a 2048-token model: the prompt and the answer fit."""
    openai_server.gets["/props"] = {"default_generation_settings": {"n_ctx": 2048}}
    model = get_model("openai/small", credentials=openai_server.credentials, max_retries=0)
    feedback = [
        Feedback(f"c{i}", FeedbackKind.CRITIQUE, "a", f"critique {i}: " + "too plain " * 40)
        for i in range(60)
    ]
    openai_server.respond_with(
        lambda r: (
            openai_json(
                {
                    "principles": {
                        k: {"op": "add", "text": "Make every use surprising and concrete."}
                        for k in r.body["response_format"]["json_schema"]["schema"]["properties"][
                            "principles"
                        ]["properties"]
                    }
                }
            )
            if "principles" in json.dumps(r.body["response_format"])
            else openai_json({"template": uses.template.text + " Be surprising.", "rationale": "r"})
        )
    )
    result = propose(uses.template, feedback, [], workflow="principles", model=model)
    assert 0 < len(result.used_feedback_ids) < 60
    for request in openai_server.requests:
        text = "".join(m["content"] for m in request.body["messages"])
        assert (len(text) + 2) // 3 + request.body["max_tokens"] <= 2048


def test_a_template_too_long_for_the_context_is_a_clear_failure(openai_server):
    openai_server.gets["/props"] = {"default_generation_settings": {"n_ctx": 512}}
    model = get_model("openai/small", credentials=openai_server.credentials, max_retries=0)
    long = Template("Summarize {{text}}. " + "Be exact about every date and name. " * 60)
    feedback = [Feedback("c1", FeedbackKind.CRITIQUE, "a", "name the date")]
    with pytest.raises(ProposalFailed, match="does not fit openai/small's context window of 512"):
        propose(long, feedback, [], workflow="direct", model=model)
    assert openai_server.requests == []  # nothing sent that the model could not hold
