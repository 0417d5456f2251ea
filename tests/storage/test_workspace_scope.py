"""Ids from payloads are looked up in the asking workspace: another workspace's run, proposal or
feedback is not found (and nothing of it changes), on both backends."""

from __future__ import annotations

from storage import Store


def setup(store: Store):
    info = store.create_template("T0TWO", "secret", "Sum: {{text}}", channel_id="C0TWO",
                                 author="U0ZOE")  # fmt: skip
    run = store.record_run(info.id, info.active_version.id, {"text": "x"}, requested_by="U0ZOE")
    store.set_run_message(run.id, "C0TWO", "100.1")
    key = "reply:C0TWO:100.2"
    fb, _ = store.add_feedback(info.id, run.id, "U0ZOE", "critique", "Name the date",
                               source_key=key, channel_id="C0TWO", ts="100.2")  # fmt: skip
    p = store.create_proposal(info.id, info.active_version.id, "Summarize: {{text}}", "",
                              "principles", [], [], None, [], "U0ZOE")  # fmt: skip
    return info, run, fb, p


def test_another_workspaces_rows_are_not_found(store: Store):
    _info, run, _fb, p = setup(store)
    assert store.get_run(run.id, team_id="T0ONE") is None
    assert store.get_run(run.id, team_id="T0TWO") == store.get_run(run.id)
    assert store.find_run_by_message("C0TWO", "100.1", team_id="T0ONE") is None
    assert store.find_run_by_message("C0TWO", "100.1", team_id="T0TWO").id == run.id
    assert store.get_proposal(p.id, team_id="T0ONE") is None
    assert store.get_proposal(str(p.id), team_id="T0TWO").id == p.id


def test_feedback_is_retracted_only_from_its_own_workspace(store: Store):
    info, _run, _fb, _p = setup(store)
    assert store.retract_feedback("reply:C0TWO:100.2", team_id="T0ONE") is False
    assert store.count_pending(info.id) == 1
    assert store.retract_feedback("reply:C0TWO:100.2", team_id="T0TWO") is True
    assert store.count_pending(info.id) == 0
