"""Export/import of a template with its whole history."""

from __future__ import annotations

import json

import pytest

from alignment.principles import MutationOp, PrincipleMutation
from alignment.settings import SettingsChange
from alignment.usage import CallStats
from storage import AlreadyExists, InvalidInput, Store
from storage.db import make_engine
from storage.migrate import upgrade


def build_history(store: Store):
    t = store.create_template("T1", "summary", "Summarise {{text}}", channel_id="C1", author="U1")
    store.update_settings(
        t.id, SettingsChange.parse({"approvals_required": 1, "auto_propose_after": 5})
    )
    run = store.record_run(t.id, t.active_version.id, {"text": "a long story"}, requested_by="U1")
    store.complete_run(run.id, "a summary", "offline", 10, 20, 30.5)
    store.set_run_message(run.id, "C1", "100.1")
    fb, _ = store.add_feedback(t.id, run.id, "U2", "critique", "too long", source_key="Ev1")
    store.add_feedback(t.id, run.id, "U3", "label", label="bad", source_key="reaction:x")
    store.retract_feedback("reaction:x")
    manual = store.add_manual_principle(t.id, "Write for busy readers", "U1")
    p1 = store.create_proposal(
        t.id, t.active_version.id, "Summarise {{text}} briefly", "shorter", "principles",
        [
            PrincipleMutation(MutationOp.ADD, (str(fb.id),), "Keep it under 50 words"),
            PrincipleMutation(MutationOp.EDIT, (str(fb.id),), "Write for busy people", manual.id),
        ],
        [str(fb.id)], {"judge": {"before": 0.2, "after": 0.9}},
        [CallStats("offline", "principles", 5, 6, 7.0)], "U9",
    )  # fmt: skip
    store.approve(p1.id, "U4")
    p2 = store.create_proposal(
        t.id, store.get_template_by_id(t.id).active_version.id, "x {{text}}", "", "direct",
        [], [], None, [], "U9",
    )  # fmt: skip
    store.reject(p2.id, "U5", "lost the topic")
    store.rollback(t.id, 1, "U6")
    return t


def normalized(doc: dict) -> str:
    return json.dumps(doc, sort_keys=True)


@pytest.fixture
def other_store(tmp_path):
    """A second, separate SQLite database (the place an export is moved to)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(engine)
    yield Store(engine)
    engine.dispose()


def test_round_trip_to_another_database(store: Store, other_store: Store) -> None:
    """Export from each backend, import into a fresh SQLite database: the same document."""
    t = build_history(store)
    exported = json.loads(json.dumps(store.export_template(t.id)))  # survives JSON as is
    assert [v["number"] for v in exported["versions"]] == [1, 2, 3]
    assert len(exported["proposals"]) == 2 and len(exported["feedback"]) == 3
    target = other_store
    copy = target.import_template("T9", exported)
    assert (copy.team_id, copy.name, copy.active_version.number) == ("T9", "summary", 3)
    assert normalized(target.export_template(copy.id)) == normalized(exported)
    # the copy works like the original
    assert [p.text for p in target.active_principles(copy.id)] == [
        "Write for busy people",
        "Keep it under 50 words",
    ]
    assert [f.text for f in target.pending_feedback(copy.id)] == ["lost the topic"]
    assert [h.kind for h in target.history(copy.id)] == [h.kind for h in store.history(t.id)]


def test_import_beside_the_original(store: Store) -> None:
    t = build_history(store)
    exported = store.export_template(t.id)
    with pytest.raises(AlreadyExists):
        store.import_template("T1", exported)
    copy = store.import_template("T1", exported, name="summary-copy")
    again = store.export_template(copy.id)
    # Slack message refs and idempotency keys stay with the original
    assert all(r["message_ts"] is None for r in again["runs"])
    assert {f["source_key"] for f in again["feedback"]} == {None}
    assert store.find_run_by_message("C1", "100.1").template_id == t.id
    assert len(store.list_versions(copy.id)) == 3


def test_malformed_import_changes_nothing(store: Store) -> None:
    t = build_history(store)
    doc = store.export_template(t.id)
    with pytest.raises(InvalidInput, match="not an alignbot template export"):
        store.import_template("T2", {"format": "something else"})
    broken = {**doc, "versions": doc["versions"][1:]}
    with pytest.raises(InvalidInput, match="numbered 1, 2"):
        store.import_template("T2", broken)
    del doc["runs"][0]["version"]
    with pytest.raises(InvalidInput, match="malformed"):
        store.import_template("T2", doc)
    assert store.list_templates("T2") == []


def _set(path: str, value):
    def edit(doc: dict) -> None:
        *head, last = path.split(".")
        target = doc
        for key in head:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set("proposals.0.status", "zz"), "proposals.0.status: Input should be 'pending'"),
        (_set("principles.0.status", None), "principles.0.status: Input should be 'active'"),
        (_set("runs.0.inputs", [1]), "runs.0.inputs: Input should be a valid dictionary"),
        (_set("feedback.0.author", "U" * 65), "feedback.0.author: String should have at most 64"),
        (_set("feedback.0.kind", "praise"), "feedback.0.kind: Input should be 'kudos'"),
        (_set("feedback.0.run", 99), "feedback.0.run: no run 99"),
        (_set("proposals.0.feedback", ["7"]), "proposals.0.feedback: no feedback 7"),
        (_set("principles.0.changes", "zz"), "principles.0.changes: Input should be a valid list"),
        (_set("runs.0.calls.0.input_tokens", -1), "greater than or equal to 0"),
        (_set("template.created_at", "yesterday"), "template.created_at: Input should be a valid"),
    ],
)
def test_malformed_fields_are_named_and_nothing_is_imported(store: Store, edit, message) -> None:
    t = build_history(store)
    doc = json.loads(json.dumps(store.export_template(t.id)))
    edit(doc)
    before = [x.name for x in store.list_templates("T1")]
    with pytest.raises(InvalidInput) as info:
        store.import_template("T2", doc)
    assert str(info.value).startswith("the export is malformed: ")
    assert message in str(info.value)
    assert store.list_templates("T2") == []
    assert [x.name for x in store.list_templates("T1")] == before
