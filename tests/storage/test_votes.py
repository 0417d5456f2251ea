"""Votes between a proposal's candidates: one per person, changeable, the leader is the text
that approval acts on, and every vote is kept as a preference (chosen vs not)."""

from __future__ import annotations

import pytest

from alignment.settings import SettingsChange
from storage.errors import InvalidInput
from storage.records import Outcome
from storage.repo.votes import CANDIDATES

TEXTS = ["Hi {{x}}. Be brief.", "Hi {{x}}. Be kind.", "Hi {{x}}. Be exact."]


@pytest.fixture
def vote(store):
    t = store.create_template("T1", "tpl", "Hello {{x}}", channel_id="C1", author="U1")
    candidates = [
        {"number": n, "text": text, "rationale": f"r{n}", "rows": [{"inputs": {"x": "a"},
         "before": "old", "after": f"out {n}"}]}
        for n, text in enumerate(TEXTS, 1)
    ]  # fmt: skip
    p = store.create_proposal(
        t.id, t.active_version.id, TEXTS[0], "r1", "principles", [], [],
        {"rows": [], CANDIDATES: candidates}, [], "U9",
    )  # fmt: skip
    return t, p


def test_one_vote_per_person_changeable_and_the_leader_is_the_proposal_text(store, vote):
    _t, p = vote
    store.vote(p.id, "U1", 2)
    out = store.vote(p.id, "U2", 2)
    assert out.tally == {1: 0, 2: 2, 3: 0} and out.leader == 2
    assert store.get_proposal(p.id).text == TEXTS[1]

    again = store.vote(p.id, "U1", 2)  # the same vote twice counts once
    assert not again.changed and again.tally[2] == 2
    store.vote(p.id, "U1", 3)
    out = store.vote(p.id, "U2", 3)  # both changed their minds
    assert out.tally == {1: 0, 2: 0, 3: 2} and store.get_proposal(p.id).text == TEXTS[2]
    assert store.votes_of(p.id) == {"U1": 3, "U2": 3}


def test_a_tie_goes_to_the_lower_number(store, vote):
    _, p = vote
    store.vote(p.id, "U1", 3)
    out = store.vote(p.id, "U2", 2)
    assert out.leader == 2 and store.get_proposal(p.id).text == TEXTS[1]


def test_approvals_of_an_earlier_leader_are_withdrawn_when_the_lead_changes(store, vote):
    t, p = vote
    store.update_settings(t.id, SettingsChange.parse({"approvals_required": 2}))
    store.vote(p.id, "U1", 1)
    assert store.approve(p.id, "U5").outcome is not Outcome.APPROVED  # 1 of 2
    assert store.get_proposal(p.id).approvals == ("U5",)
    store.vote(p.id, "U2", 2)
    moved = store.vote(p.id, "U3", 2)
    assert moved.leader == 2 and moved.approvals_cleared
    assert store.get_proposal(p.id).approvals == ()  # U5 approved another text


def test_the_winner_becomes_the_version(store, vote):
    _, p = vote
    store.vote(p.id, "U1", 3)
    done = store.approve(p.id, "U5")
    assert done.outcome is Outcome.APPROVED and done.version.text == TEXTS[2]
    with pytest.raises(InvalidInput, match="vote is closed"):
        store.vote(p.id, "U2", 1)


def test_votes_are_preferences_with_the_texts_and_outputs_chosen_between(store, vote):
    t, p = vote
    store.vote(p.id, "U1", 2)
    store.vote(p.id, "U2", 1, pair="1:3")  # an A/B comparison is its own preference
    prefs = {(x.user_id, x.pair): x for x in store.preferences(t.id)}
    main = prefs[("U1", "")]
    assert main.chosen_text == TEXTS[1] and set(main.other_texts) == {TEXTS[0], TEXTS[2]}
    assert main.chosen_rows[0]["after"] == "out 2"
    ab = prefs[("U2", "1:3")]
    assert ab.chosen_text == TEXTS[0] and ab.other_texts == (TEXTS[2],)
    assert store.tally(p.id) == {1: 0, 2: 1, 3: 0}  # an A/B choice is not a vote


@pytest.mark.parametrize(
    ("number", "pair", "message"),
    [(4, "", "no candidate 4"), (2, "1:3", "no candidate 2"), (1, "1:1", "two of the candidates"),
     (1, "x", "not a pair")],
)  # fmt: skip
def test_bad_votes_are_refused_and_change_nothing(store, vote, number, pair, message):
    t, p = vote
    with pytest.raises(InvalidInput, match=message):
        store.vote(p.id, "U1", number, pair=pair)
    assert store.preferences(t.id) == [] and store.get_proposal(p.id).text == TEXTS[0]


def test_another_candidate_joins_the_vote(store, vote):
    _, p = vote
    assert store.add_candidate(p.id, "Hi {{x}}. Be funny.", "r4", []) == 4
    assert store.vote(p.id, "U1", 4).leader == 4
    with pytest.raises(InvalidInput, match="already has this candidate"):
        store.add_candidate(p.id, TEXTS[0], "again", [])


def test_a_proposal_without_candidates_has_no_vote(store):
    t = store.create_template("T1", "solo", "Hello {{x}}", channel_id="C1", author="U1")
    p = store.create_proposal(
        t.id, t.active_version.id, "Hi {{x}}", "", "principles", [], [], None, [], "U9"
    )
    with pytest.raises(InvalidInput, match="no candidates"):
        store.vote(p.id, "U1", 1)
