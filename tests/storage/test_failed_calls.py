"""What a failed run or proposal attempt cost is kept (DESIGN §3), on both backends."""

from __future__ import annotations

import pytest

from alignment.usage import CallStats
from storage import InvalidInput, NotFound, ProposalStatus, RunStatus, Store

TIMEOUT = CallStats("gemini/flash", "run", 0, 0, 60_000.0, prompt_chars=12, attempts=3)


@pytest.fixture
def tmpl(store: Store):
    return store.create_template(
        "T1", "summary", "Summarise {{text}}", channel_id="C1", author="U1"
    )


def test_a_failed_run_records_the_call_it_still_cost(store: Store, tmpl) -> None:
    run = store.record_run(tmpl.id, tmpl.active_version.id, {"text": "x"}, requested_by="U2")
    failed = store.fail_run(run.id, "the target model failed: no answer in 60s", calls=[TIMEOUT])
    assert failed.status is RunStatus.FAILED and "no answer" in failed.error
    assert store.call_stats(run_id=run.id) == [TIMEOUT]
    other = store.record_run(tmpl.id, tmpl.active_version.id, {"text": "y"}, requested_by="U2")
    store.fail_run(other.id, "bad configuration")  # no call made: nothing recorded
    assert store.call_stats(run_id=other.id) == []
    with pytest.raises(NotFound):
        store.fail_run(999, "x", calls=[TIMEOUT])
    assert store.call_stats(run_id=run.id) == [TIMEOUT]


def test_a_failed_proposal_attempt_is_kept_with_its_calls_and_supersedes_nothing(
    store: Store, tmpl
) -> None:
    base = tmpl.active_version
    pending = store.create_proposal(
        tmpl.id, base.id, "Summarise {{text}} briefly", "", "principles", [], [], None, [], "U9"
    )
    calls = [
        CallStats("gemini/flash", "distill", 300, 11, 800.0),
        CallStats("gemini/flash", "distill:repair", 320, 13, 900.0),
    ]
    failed = store.record_failed_proposal(
        tmpl.id, base.id, "direct", "the model's answer was unusable", calls, "U0ALICE"
    )
    assert (failed.status, failed.status_reason) == (
        ProposalStatus.FAILED,
        "the model's answer was unusable",
    )
    assert failed.text == base.text and failed.base_version_number == 1
    assert failed.decided_at is not None and failed.workflow.value == "direct"
    assert store.call_stats(proposal_id=failed.id) == calls
    assert store.get_proposal(pending.id).status is ProposalStatus.PENDING
    assert [p.id for p in store.pending_proposals("T1")] == [pending.id]
    assert any(
        f"proposal #{failed.id}" in e.summary and "failed" in e.summary
        for e in store.history(tmpl.id)
    )


def test_a_failed_proposal_attempt_with_bad_arguments_changes_nothing(store: Store, tmpl) -> None:
    other = store.create_template("T1", "other", "Hi {{x}}", channel_id="C1", author="U1")
    with pytest.raises(NotFound):
        store.record_failed_proposal(tmpl.id, other.active_version.id, "principles", "r", [], "U1")
    with pytest.raises(InvalidInput, match="`sideways` is not a mode"):
        store.record_failed_proposal(tmpl.id, tmpl.active_version.id, "sideways", "r", [], "U1")
    with pytest.raises(InvalidInput, match="created by"):
        store.record_failed_proposal(tmpl.id, tmpl.active_version.id, "direct", "r", [], "U" * 65)
    assert store.list_proposals(tmpl.id) == []
