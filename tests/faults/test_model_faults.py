"""The alignment model fails in the middle of a proposal: the principles were distilled, then the
rewrite call errors or hangs past the timeout (retries included), against local Gemini and
OpenAI-compatible servers. No partial proposal is left (nothing pending, no principle added,
the feedback still pending, the template unchanged), the person who asked is told what went
wrong (the "Drafting…" note is removed), and the next proposal, with the model answering
again, works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from storage import Store
from tests.e2e.helpers import CHANNEL, blocks_text, latest_proposal, message_at, template
from tests.e2e.helpers import new_and_run as _new_and_run
from tests.fakes._llm_http import FakeLLMServer
from tests.fakes.gemini_server import HANG, FakeGeminiServer, Status, gemini_json
from tests.fakes.openai_server import FakeOpenAIServer, openai_json

TIMEOUT = "0.5"  # ALIGNBOT_MODEL_TIMEOUT: a hung call is given up after this many seconds
BACKOFF = "0.05"  # ALIGNBOT_LLM_BACKOFF: the first retry's delay (1 s by default), doubling


class Provider:
    def __init__(
        self, server: FakeLLMServer, model: str, env: dict[str, str], answer: Callable[[Any], dict]
    ) -> None:
        self.server, self.model, self.env, self.answer = server, model, env, answer


@pytest.fixture(params=["gemini", "openai-compatible"])
def provider(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    if request.param == "gemini":
        with FakeGeminiServer() as server:
            env = {"GEMINI_BASE_URL": server.url, "GEMINI_API_KEY": "test-key"}
            gemini = Provider(server, "gemini/gemini-2.5-flash", env, gemini_json)
            yield _provider(monkeypatch, gemini)
    else:
        with FakeOpenAIServer() as openai:
            env = {"OPENAI_BASE_URL": openai.base_url, "OPENAI_API_KEY": "test-key"}
            yield _provider(monkeypatch, Provider(openai, "openai/fake-model", env, openai_json))


def _provider(monkeypatch: pytest.MonkeyPatch, provider: Provider) -> Provider:
    for key, value in provider.env.items():
        monkeypatch.setenv(key, value)  # the model clients read their credentials from here
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_GENAI_USE_VERTEXAI", raising=False)
    return provider


@pytest.mark.parametrize("fault", ["error", "hang"])
def test_a_model_failing_mid_proposal_leaves_no_partial_proposal_and_the_next_one_works(
    sim, bot_server, db_engine, provider, fault
):
    store = Store(db_engine)
    bot_server(
        store=store,
        ALIGNBOT_ALIGN_MODEL=provider.model,
        ALIGNBOT_MODEL_TIMEOUT=TIMEOUT,
        ALIGNBOT_LLM_BACKOFF=BACKOFF,
        **provider.env,
    )
    run = _new_and_run(sim, store)
    sim.post_message("bob", CHANNEL, "Name the new date", thread_ts=run.message_ts)
    info = template(store, "summary")
    sim.wait_for(lambda: store.count_pending(info.id) == 1)
    [critique] = store.pending_feedback(info.id)
    # the distill answer: one principle for the critique, keyed by its id
    principle = {
        "principles": {critique.id: {"op": "add", "text": "Name the date when a plan moves."}}
    }
    server = provider.server
    server.enqueue(provider.answer(principle))  # distill: fine
    server.respond_with(lambda request: HANG if fault == "hang" else Status(503, "overloaded"))

    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    failed = sim.wait_for(
        lambda: (p := latest_proposal(store, "summary")) and p.status.value == "failed" and p,
        timeout=30,
    )
    # The person who asked is told why; the "Drafting…" note leaves the channel.
    shown = sim.wait_for(
        lambda: (
            (told := [e for e in sim.ephemerals("alice") if "No proposal for" in blocks_text(e)])
            and blocks_text(told[-1]).lower()
        ),
        timeout=10,
    )
    left = [blocks_text(m) for m in sim.messages(CHANNEL) if m.get("bot_id")]
    assert not [t for t in left if "Drafting" in t or "proposal_approve" in t], left
    reason = "did not answer within 0.5s" if fault == "hang" else "503"
    assert "the alignment model failed" in shown and reason.lower() in shown, shown
    assert "proposal_approve" not in shown
    assert len(server.requests) >= 2, "the failure came after the distill call"
    assert [p.status.value for p in store.list_proposals(info.id)] == ["failed"]
    assert store.active_principles(info.id) == []
    assert store.count_pending(info.id) == 1  # the critique waits for the next proposal
    assert template(store, "summary").active_version.number == 1
    assert failed.id

    server.respond_with(lambda request: Status(400, "no answer queued"))
    server.enqueue(
        provider.answer(principle),
        provider.answer({"template": "Summarize, naming dates: {{text}}", "rationale": "dates"}),
    )
    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    proposal = sim.wait_for(
        lambda: (
            (p := latest_proposal(store, "summary"))
            and p.id != failed.id
            and p.message_ts
            and "proposal_approve" in blocks_text(message_at(sim, p.message_ts))
            and p
        ),
        timeout=30,
    )
    assert proposal.status.value == "pending"
    assert proposal.text == "Summarize, naming dates: {{text}}"
