"""Conflicts said out loud: a new or edited principle that contradicts an active one is reported
with both ids, shown, and held back from the proposed template (never added beside it)."""

from __future__ import annotations

from alignment import Feedback, FeedbackKind, Principle, Template, propose
from alignment.datablocks import read_blocks
from tests.fakes.gemini_server import gemini_json

TEMPLATE = Template("Write a recipe for {{dish}}.")
ACTIVE = [Principle("7", "Include wine pairings."), Principle("8", "Give quantities in grams.")]


def fb(id_: str, text: str) -> Feedback:
    return Feedback(id=id_, kind=FeedbackKind.CRITIQUE, text=text, author="U1")


def test_offline_reports_the_contradiction_and_holds_it_back(offline):
    result = propose(
        TEMPLATE,
        [fb("11", "no wine pairings"), fb("12", "no nuts")],
        ACTIVE,
        workflow="principles",
        model=offline,
    )
    [conflict] = result.conflicts
    assert (conflict.text, conflict.conflicts_with) == ("Do not include wine pairings.", "7")
    assert conflict.feedback_ids == ("11",)
    after = [p.text for p in result.principles_after]
    assert "Include wine pairings." in after  # the active one holds until the team settles it
    assert "Do not include wine pairings." not in after  # never silently beside it
    assert "Do not include nuts." in after  # the rest of the proposal goes on
    assert "Do not include wine pairings." not in result.template.text


def test_gemini_conflict_ids_are_an_enum_of_the_active_ones_and_held_back(gemini, gemini_model):
    def answer(conflicts_with: str) -> dict:
        entry = {"op": "add", "principle_id": "", "text": "Never suggest wine.",
                 "conflicts_with": conflicts_with}  # fmt: skip
        return gemini_json({"principles": {"11": entry}})

    gemini.enqueue(
        answer("7"),
        gemini_json({"template": "Write a recipe for {{dish}}. Pair wines.", "rationale": "r"}),
    )
    result = propose(
        TEMPLATE, [fb("11", "no wine")], ACTIVE, workflow="principles", model=gemini_model
    )
    assert [(m.conflicts_with, m.text) for m in result.conflicts] == [("7", "Never suggest wine.")]
    sent = read_blocks(gemini.requests[1].body["contents"][0]["parts"][0]["text"])["principles"]
    assert sent == ["Include wine pairings.", "Give quantities in grams."]  # held back
    schema = gemini.requests[0].body["generationConfig"]["responseSchema"]
    entry = schema["properties"]["principles"]["properties"]["11"]["properties"]
    assert entry["conflicts_with"]["enum"] == ["", "7", "8"]  # only active ids can be named
    # an id that is not active (a provider that ignores the enum) names no conflict
    gemini.enqueue(
        answer("99"),
        gemini_json({"template": "Write a recipe for {{dish}}. No wine.", "rationale": "r"}),
    )
    again = propose(
        TEMPLATE, [fb("11", "no wine")], ACTIVE, workflow="principles", model=gemini_model
    )
    assert again.conflicts == [] and "Never suggest wine." in [
        p.text for p in again.principles_after
    ]
