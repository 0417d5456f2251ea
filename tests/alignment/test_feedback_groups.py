"""Feedback asking for the same thing is sent once, with its count, and credited to everyone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alignment import Feedback, FeedbackKind, Label, LLMRequest, LLMResponse, Template, propose
from alignment.datablocks import read_blocks
from alignment.feedback_groups import group_feedback

START = datetime(2026, 1, 1, tzinfo=UTC)
ALCOHOL = ["no alcohol please", "Please don't include alcohol.", "Remove the ALCOHOL!",
           "alcohol should not be there", "we can't have alcohol, leave it out"]  # fmt: skip
NUTS = ["no peanuts please", "Please don't include peanuts.", "avoid peanuts, thanks"]
PRICES = ["add prices", "include prices please", "I'd like to see the prices"]


def items(*texts: str, kind: FeedbackKind = FeedbackKind.CRITIQUE, **extra) -> list[Feedback]:
    return [
        Feedback(f"f{i}", kind, f"user{i}", t, created_at=START + timedelta(minutes=i), **extra)
        for i, t in enumerate(texts)
    ]


def texts_of(groups) -> list[list[str]]:
    return [[m.text for m in g.members] for g in groups]


def test_varied_wordings_of_one_request_join_and_different_requests_stay_apart():
    groups = group_feedback(items(*ALCOHOL, *NUTS, *PRICES))
    assert texts_of(groups) == [ALCOHOL, NUTS, PRICES]


def test_the_lead_is_the_most_agreed_on_wording_and_every_id_is_kept():
    fb = items(*ALCOHOL)
    fb[3] = Feedback("f3", FeedbackKind.CRITIQUE, "u", ALCOHOL[3], agreement=4, created_at=START)
    (group,) = group_feedback(fb)
    assert group.lead.id == "f3"
    assert group.ids == ("f0", "f1", "f2", "f3", "f4")
    assert group.agreement == 4 + 4  # its own agreement plus the four others who asked


def test_opposite_requests_and_different_numbers_never_join():
    groups = group_feedback(
        items("no alcohol please", "more alcohol please", "add alcohol pairings", "avoid alcohol")
    )
    assert texts_of(groups) == [
        ["no alcohol please", "avoid alcohol"],
        ["more alcohol please"],
        ["add alcohol pairings"],
    ]
    numbered = [f"no ingredient number {i} in the list" for i in range(12)]
    assert len(group_feedback(items(*numbered))) == 12


def test_rewrites_and_labels_are_never_grouped():
    rewrites = items("A list without alcohol", "A list without alcohol", kind=FeedbackKind.REWRITE)
    labels = items("", "", kind=FeedbackKind.LABEL, label=Label.BAD)
    assert [g.count for g in group_feedback(rewrites + labels)] == [1, 1, 1, 1]


class Recording:
    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner, self.name = inner, inner.name
        self.requests: list[LLMRequest] = []

    def generate(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        return self.inner.generate(request)


def test_a_proposal_hears_each_request_once_and_credits_all_who_asked(offline):
    fb = items(*(ALCOHOL * 40), *(NUTS * 40), *(PRICES * 40))  # 440 items, 3 requests
    model = Recording(offline)
    result = propose(Template("Write a grocery list for {{dish}}."), fb, [],
                     workflow="principles", model=model, budget_tokens=400)  # fmt: skip
    assert len(model.requests) == 2
    sent = read_blocks(model.requests[0].prompt)["feedback"]
    assert sorted(e["asked_by"] for e in sent) == [120, 120, 200]
    assert sorted(result.used_feedback_ids) == sorted(f.id for f in fb)
    cited = {i for m in result.mutations for i in m.feedback_ids}
    assert cited == {f.id for f in fb}  # each principle is credited to every item of its group


def test_fifty_requests_in_a_thousand_items_all_reach_the_distill_call(offline):
    subjects = [f"ingredient{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(50)]
    ways = ["no {x} please", "Please don't include {x}.", "remove the {x}", "avoid {x}!"]
    fb = items(*(ways[i % 4].format(x=subjects[(i * 7) % 50]) for i in range(1000)))
    model = Recording(offline)
    propose(Template("Write a grocery list for {{dish}}."), fb, [],
            workflow="principles", model=model, budget_tokens=6000)  # fmt: skip
    sent = read_blocks(model.requests[0].prompt)["feedback"]
    assert len(model.requests) == 2
    assert {next(s for s in subjects if s in e["text"].lower()) for e in sent} == set(subjects)
