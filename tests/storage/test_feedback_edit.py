"""Editing feedback in place (an edited thread reply): one row, new text, never counted twice."""

from __future__ import annotations

import pytest

from storage import InvalidInput, Store


@pytest.fixture
def run(store: Store):
    tmpl = store.create_template(
        "T1", "summary", "Summarise {{text}}", channel_id="C1", author="U1"
    )
    run = store.record_run(tmpl.id, tmpl.active_version.id, {"text": "x"}, requested_by="U1")
    store.complete_run(run.id, "an output", "offline", 1, 1, 1.0)
    return store.set_run_message(run.id, "C1", "1.1")


def _reply(
    store: Store, run, key: str = "reply:C1:2.2", kind: str = "critique", text: str = "Too long"
):
    fb, _ = store.add_feedback(run.template_id, run.id, "U2", kind, text, source_key=key)
    return fb


def test_edit_changes_text_and_kind_of_the_same_row(store: Store, run) -> None:
    first = _reply(store, run)
    edited = store.edit_feedback("reply:C1:2.2", "Shorter, please", kind="rewrite")
    assert edited is not None and edited.id == first.id
    assert (edited.kind, edited.text) == ("rewrite", "Shorter, please")
    [pending] = store.pending_feedback(run.template_id)
    assert (pending.id, pending.kind.value, pending.text) == (
        str(first.id),
        "rewrite",
        "Shorter, please",
    )
    assert store.count_pending(run.template_id) == 1


def test_edit_keeps_the_kind_when_none_is_given(store: Store, run) -> None:
    _reply(store, run, kind="principle", text="Be brief")
    assert store.edit_feedback("reply:C1:2.2", "Be very brief").kind == "principle"


def test_unknown_key_is_none_and_bad_text_changes_nothing(store: Store, run) -> None:
    assert store.edit_feedback("reply:C1:9.9", "x") is None
    _reply(store, run)
    with pytest.raises(InvalidInput, match="needs text"):
        store.edit_feedback("reply:C1:2.2", "   ")
    with pytest.raises(InvalidInput, match="feedback kind"):
        store.edit_feedback("reply:C1:2.2", "x", kind="praise")
    assert store.get_feedback(_reply(store, run).id).text == "Too long"


def test_consumed_and_retracted_feedback_keep_their_text(store: Store, run) -> None:
    used = _reply(store, run)
    _reply(store, run, key="reply:C1:3.3", text="Wrong tone")
    store.retract_feedback("reply:C1:3.3")
    base = store.get_template_by_id(run.template_id).active_version
    proposal = store.create_proposal(
        run.template_id, base.id, "Summarise briefly {{text}}", "shorter", "direct",
        [], [str(used.id)], None, [], "U1",
    )  # fmt: skip
    store.approve(proposal.id, "U1")
    assert store.edit_feedback("reply:C1:2.2", "Something else").text == "Too long"
    after = store.edit_feedback("reply:C1:3.3", "Right tone")
    assert (after.text, after.retracted_at is not None) == ("Wrong tone", True)
    assert store.pending_feedback(run.template_id) == []
