"""Competing candidates: several rewrites in one call where the provider returns several answers
(Gemini's candidateCount), else one call each (the offline model), always distinct."""

from __future__ import annotations

import json

import pytest

from alignment import Feedback, FeedbackKind, Template, propose
from alignment.datablocks import read_blocks
from alignment.models.offline import OfflineModel
from alignment.settings import SettingsChange, TemplateSettings, setting
from alignment.values import InvalidValue
from tests.fakes.gemini_server import gemini_candidates, gemini_json
from tests.fakes.openai_server import openai_json

BASE = Template("Summarize {{text}}.")
FEEDBACK = [
    Feedback("1", FeedbackKind.CRITIQUE, "U1", "too long, keep it under 50 words"),
    Feedback("2", FeedbackKind.CRITIQUE, "U2", "mention the date"),
    Feedback("3", FeedbackKind.CRITIQUE, "U3", "name the author"),
]


def _rewrites(calls):
    return [c for c in calls if c.purpose in ("rewrite", "direct")]


def test_offline_makes_each_candidate_by_its_own_call_and_all_differ():
    result = propose(BASE, FEEDBACK, [], workflow="principles", model=OfflineModel(), candidates=3)

    texts = [c.template.text for c in result.candidates]
    assert len(texts) == 3 and len(set(texts)) == 3
    assert [c.purpose for c in result.calls] == ["distill", "rewrite", "rewrite", "rewrite"]
    for c in result.candidates:  # every candidate keeps the placeholders and every guideline
        assert c.template.variables == ("text",)
        assert "under 50 words" in c.template.text and "author" in c.template.text
        assert c.diff.startswith("---")
    assert result.template.text == texts[0]


def test_one_candidate_is_the_old_single_proposal():
    result = propose(BASE, FEEDBACK, [], workflow="direct", model=OfflineModel())
    assert len(result.candidates) == 1 and len(_rewrites(result.calls)) == 1


def test_another_candidate_differs_from_those_the_vote_has():
    first = propose(BASE, FEEDBACK, [], workflow="direct", model=OfflineModel(), candidates=2)
    have = [c.template.text for c in first.candidates]
    more = propose(BASE, FEEDBACK, [], workflow="direct", model=OfflineModel(), others=have)
    assert len(more.candidates) == 1
    assert more.template.text not in have
    assert len(_rewrites(more.calls)) == 1


@pytest.mark.parametrize("bad", [0, 5])
def test_candidates_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="1 to 4"):
        propose(BASE, FEEDBACK, [], workflow="direct", model=OfflineModel(), candidates=bad)


def _answer(n: int) -> dict:
    return {"template": f"Summarize {{{{text}}}} in style {n}.", "rationale": f"style {n}"}


def test_gemini_returns_all_candidates_from_one_call(gemini, gemini_model):
    gemini.enqueue(gemini_candidates(_answer(1), _answer(2), _answer(3)))

    result = propose(BASE, FEEDBACK, [], workflow="direct", model=gemini_model, candidates=3)

    assert [c.rationale for c in result.candidates] == ["style 1", "style 2", "style 3"]
    assert len(result.calls) == 1 and len(gemini.requests) == 1
    assert gemini.requests[0].body["generationConfig"]["candidateCount"] == 3


def test_gemini_missing_or_repeated_candidates_are_asked_for_one_call_each(gemini, gemini_model):
    # Two asked for; the server gives the same answer twice (the second is no candidate), and
    # then answers the follow-up, which names the candidate the vote already has.
    gemini.enqueue(gemini_candidates(_answer(1), _answer(1)), gemini_json(_answer(2)))

    result = propose(BASE, FEEDBACK, [], workflow="direct", model=gemini_model, candidates=2)

    assert [c.rationale for c in result.candidates] == ["style 1", "style 2"]
    assert len(result.calls) == 2
    follow_up = gemini.requests[1].body
    assert "candidateCount" not in follow_up.get("generationConfig", {})
    others = read_blocks(follow_up["contents"][0]["parts"][0]["text"])["other_candidates"]
    assert others == [_answer(1)["template"]]


def test_openai_compatible_servers_get_n_and_llama_cpp_style_single_answers_fall_back(
    openai_server, openai_model
):
    both = openai_json(_answer(1))
    second = {"role": "assistant", "content": json.dumps(_answer(2))}
    both["choices"].append({"index": 1, "message": second, "finish_reason": "stop"})
    openai_server.enqueue(both)
    result = propose(BASE, FEEDBACK, [], workflow="direct", model=openai_model, candidates=2)
    assert [c.rationale for c in result.candidates] == ["style 1", "style 2"]
    assert len(result.calls) == 1 and openai_server.requests[0].body["n"] == 2

    # A server that ignores `n` (llama.cpp) answers once: the second candidate is its own call.
    openai_server.enqueue(openai_json(_answer(1)), openai_json(_answer(3)))
    result = propose(BASE, FEEDBACK, [], workflow="direct", model=openai_model, candidates=2)
    assert [c.rationale for c in result.candidates] == ["style 1", "style 3"]
    assert len(result.calls) == 2 and "n" not in openai_server.requests[2].body


@pytest.mark.parametrize("typed", ["1", "4", "3"])
def test_the_candidates_setting_takes_one_to_four(typed):
    change = SettingsChange.parse({setting("candidates").field: typed})
    assert TemplateSettings().changed_by(change).candidates == int(typed)
    assert change.changed == ("candidates",)


@pytest.mark.parametrize("typed", ["0", "5", "many"])
def test_the_candidates_setting_refuses_what_it_cannot_do(typed):
    with pytest.raises(InvalidValue, match="candidates"):
        SettingsChange.parse({"candidates": typed})


def test_a_stored_template_without_the_setting_has_one_candidate():
    assert TemplateSettings.from_json({"approvals_required": 2}).candidates == 1
