"""Proposals: supersede, approve (compare-and-set), reject, principles with provenance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alignment.principles import MutationOp, PrincipleMutation, PrincipleOrigin, PrincipleStatus
from alignment.settings import SettingsChange
from alignment.usage import CallStats
from storage import InvalidInput, NotFound, Outcome, ProposalStatus, Store, VersionSource


@pytest.fixture
def tmpl(store: Store):
    return store.create_template(
        "T1", "summary", "Summarise {{text}}", channel_id="C1", author="U1"
    )


def feedback(store: Store, tmpl, text: str = "too long", author: str = "U2"):
    run = store.record_run(tmpl.id, tmpl.active_version.id, {"text": "x"}, requested_by="U1")
    fb, _ = store.add_feedback(tmpl.id, run.id, author, "critique", text)
    return fb


def propose(store: Store, tmpl, fbs, mutations=(), text="Summarise {{text}} briefly"):
    base = store.get_template_by_id(tmpl.id).active_version
    return store.create_proposal(
        tmpl.id,
        base.id,
        text,
        "people found it long",
        "principles",
        list(mutations),
        [str(f.id) for f in fbs],
        {"before": 0.4, "after": 0.8},
        [
            CallStats("gemini/flash", "principles", 100, 20, 900.0),
            CallStats("x", "rewrite", 1, 2, 3),
        ],
        "U9",
    )


def test_approval_makes_a_version_applies_principles_consumes_feedback(store: Store, tmpl):
    fb1, fb2 = feedback(store, tmpl), feedback(store, tmpl, "no intro")
    keep = feedback(store, tmpl, "later")  # not used by the proposal: stays pending
    add = PrincipleMutation(
        MutationOp.ADD, (str(fb1.id), str(fb2.id)), "Be brief", reason="2 asked"
    )
    p = propose(store, tmpl, [fb1, fb2], [add])
    assert p.status is ProposalStatus.PENDING and p.feedback_ids == (str(fb1.id), str(fb2.id))
    assert p.evaluation == {"before": 0.4, "after": 0.8} and len(p.calls) == 2
    assert p.mutations == (add,)
    assert store.active_principles(tmpl.id) == []  # nothing applied before approval

    out = store.approve(p.id, "U3")
    assert out.outcome is Outcome.APPROVED and out.approvals == 1
    assert (out.version.number, out.version.source, out.version.proposal_id) == (
        2,
        VersionSource.PROPOSAL,
        p.id,
    )
    assert store.get_template_by_id(tmpl.id).active_version.text == "Summarise {{text}} briefly"
    assert store.get_proposal(p.id).status is ProposalStatus.APPROVED
    [principle] = store.active_principles(tmpl.id)
    assert principle.text == "Be brief" and principle.origin is PrincipleOrigin.DISTILLED
    assert principle.feedback_ids == (str(fb1.id), str(fb2.id))
    assert [f.id for f in store.pending_feedback(tmpl.id)] == [str(keep.id)]
    assert store.get_feedback(fb1.id).consumed_by_proposal_id == p.id

    again = store.approve(p.id, "U4")
    assert again.outcome is Outcome.CLOSED and "already approved" in again.message
    assert len(store.list_versions(tmpl.id)) == 2


def test_edit_and_retire_mutations_keep_history(store: Store, tmpl):
    manual = store.add_manual_principle(tmpl.id, "Use British spelling", "U1")
    fb = feedback(store, tmpl, "US spelling please")
    p = propose(
        store,
        tmpl,
        [fb],
        [
            PrincipleMutation(MutationOp.EDIT, (str(fb.id),), "Use US spelling", manual.id),
            PrincipleMutation(MutationOp.RETIRE, (str(fb.id),), principle_id="999"),
        ],
    )
    out = store.approve(p.id, "U2")
    assert out.outcome is Outcome.APPROVED and "principle 999" in out.proposal.status_reason
    [edited] = store.active_principles(tmpl.id)
    assert (edited.id, edited.text, edited.origin) == (manual.id, "Use US spelling", "manual")
    assert edited.feedback_ids == (str(fb.id),)
    ops = [(c.op, c.text, c.proposal_id) for c in store.principle_history(tmpl.id)]
    assert ops == [("add", "Use British spelling", None), ("edit", "Use US spelling", p.id)]
    store.retire_principle(tmpl.id, manual.id, "U1", "no longer needed")
    assert store.active_principles(tmpl.id) == []
    assert store.all_principles(tmpl.id)[0].status is PrincipleStatus.RETIRED


def test_new_proposal_supersedes_older_pending(store: Store, tmpl):
    fb = feedback(store, tmpl)
    old = propose(store, tmpl, [fb])
    new = propose(store, tmpl, [fb], text="Summarise {{text}} in one line")
    assert store.get_proposal(old.id).status is ProposalStatus.SUPERSEDED
    out = store.approve(old.id, "U2")
    assert out.outcome is Outcome.SUPERSEDED and out.version is None
    assert [p.id for p in store.pending_proposals("T1")] == [new.id]
    assert len(store.list_versions(tmpl.id)) == 1


def test_stale_base_cannot_be_approved(store: Store, tmpl):
    p = propose(store, tmpl, [feedback(store, tmpl)])
    store.add_version(tmpl.id, "Edited by hand {{text}}", author="U1")
    out = store.approve(p.id, "U2")
    assert out.outcome is Outcome.SUPERSEDED and "v2 is active now" in out.message
    assert store.get_template_by_id(tmpl.id).active_version.text == "Edited by hand {{text}}"
    assert store.pending_feedback(tmpl.id)  # nothing consumed
    with pytest.raises(InvalidInput, match="no longer the active version"):
        store.create_proposal(
            tmpl.id, tmpl.active_version.id, "x {{text}}", "", "direct", [], [], None, [], "U9"
        )


def test_approvers_policy_and_counting(store: Store, tmpl):
    store.update_settings(
        tmpl.id, SettingsChange.parse({"approvers": ["U1", "U2", "U3"], "approvals_required": 2})
    )
    p = propose(store, tmpl, [feedback(store, tmpl)])
    denied = store.approve(p.id, "U7")
    assert denied.outcome is Outcome.NOT_ALLOWED and "<@U1>" in denied.message
    first = store.approve(p.id, "U1")
    assert (first.outcome, first.approvals, first.required) == (Outcome.COUNTED, 1, 2)
    twice = store.approve(p.id, "U1")
    assert twice.outcome is Outcome.ALREADY_DECIDED and twice.approvals == 1
    assert len(store.list_versions(tmpl.id)) == 1
    done = store.approve(p.id, "U2")
    assert (done.outcome, done.approvals, done.version.number) == (Outcome.APPROVED, 2, 2)
    assert done.proposal.approvals == ("U1", "U2")
    assert [d.user_id for d in store.decisions(p.id)] == ["U1", "U2"]


def test_reject_keeps_reason_as_feedback(store: Store, tmpl):
    fb = feedback(store, tmpl)
    p = propose(store, tmpl, [fb])
    out = store.reject(p.id, "U5", "it dropped the bullet points")
    assert out.outcome is Outcome.REJECTED and out.feedback is not None
    assert store.get_proposal(p.id).status is ProposalStatus.REJECTED
    pending = {f.text: f for f in store.pending_feedback(tmpl.id)}
    assert pending["it dropped the bullet points"].author == "U5"
    assert pending["it dropped the bullet points"].kind == "critique"
    assert "too long" in pending  # the proposal's own feedback is still pending
    assert store.approve(p.id, "U6").outcome is Outcome.CLOSED
    assert store.active_principles(tmpl.id) == [] and len(store.list_versions(tmpl.id)) == 1


def test_expire_fail_and_messages(store: Store, tmpl):
    clock = [datetime(2030, 1, 1, tzinfo=UTC)]
    timed = Store(store.engine, clock=lambda: clock[0])
    p = propose(timed, tmpl, [feedback(timed, tmpl)])
    timed.set_proposal_message(p.id, "C1", "5.5")
    assert timed.get_proposal(p.id).message_ts == "5.5"
    clock[0] += timedelta(hours=71)
    assert timed.expire_stale(timedelta(hours=72)) == []
    clock[0] += timedelta(hours=2)
    [expired] = timed.expire_stale(timedelta(hours=72))
    assert expired.id == p.id and expired.status is ProposalStatus.EXPIRED
    assert timed.approve(p.id, "U2").outcome is Outcome.CLOSED
    q = propose(timed, tmpl, [feedback(timed, tmpl)])
    assert timed.fail_proposal(q.id, "model quota").status is ProposalStatus.FAILED
    with pytest.raises(NotFound):
        timed.approve(12345, "U2")
    with pytest.raises(InvalidInput, match=r"proposal id must be a whole number, not .abc."):
        timed.approve("abc", "U2")


def test_proposal_rejects_foreign_feedback_and_bad_mutations(store: Store, tmpl):
    other = store.create_template("T1", "other", "x {{y}}", channel_id="C1", author="U1")
    foreign = feedback(store, other)
    with pytest.raises(InvalidInput, match="does not belong"):
        propose(store, tmpl, [foreign])
    with pytest.raises(InvalidInput, match="needs the id"):
        propose(store, tmpl, [], [PrincipleMutation(MutationOp.RETIRE, ())])
    assert store.list_proposals(tmpl.id) == []


def test_history_in_time_order(store: Store, tmpl):
    p = propose(store, tmpl, [feedback(store, tmpl)])
    store.approve(p.id, "U2")
    store.rollback(tmpl.id, 1, "U3")
    kinds = [(e.kind, e.summary) for e in store.history(tmpl.id)]
    assert [k for k, _ in kinds] == ["version", "proposal", "decision", "version", "version"]
    assert "U2 approved proposal" in kinds[2][1] and "rollback to v1" in kinds[4][1]


def test_a_conflicting_mutation_is_held_back_on_approval_and_its_feedback_stays_pending(
    store: Store, tmpl
):
    wine = store.add_manual_principle(tmpl.id, "Include wine pairings", "U1")
    no_wine, no_nuts = feedback(store, tmpl, "no wine"), feedback(store, tmpl, "no nuts")
    held = PrincipleMutation(
        MutationOp.ADD,
        (str(no_wine.id),),
        "Do not include wine pairings",
        extra={"conflicts_with": str(wine.id)},
    )
    fine = PrincipleMutation(MutationOp.ADD, (str(no_nuts.id),), "Do not include nuts")
    p = propose(store, tmpl, [no_wine, no_nuts], [held, fine])
    assert store.get_proposal(p.id).mutations[0].conflicts_with == str(wine.id)

    assert store.approve(p.id, "U3").outcome is Outcome.APPROVED
    texts = sorted(pr.text for pr in store.active_principles(tmpl.id))
    assert texts == ["Do not include nuts", "Include wine pairings"]  # never both wine ones
    assert [f.id for f in store.pending_feedback(tmpl.id)] == [str(no_wine.id)]
    reason = store.get_proposal(p.id).status_reason or ""
    assert "held back" in reason and f"principle {wine.id}" in reason
