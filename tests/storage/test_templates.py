"""Templates, versions, settings and rollback, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC

import pytest

from alignment.settings import SettingsChange, setting
from alignment.values import InvalidValue
from storage import AlreadyExists, InvalidInput, NotFound, Store, VersionSource, Workflow


def make(store: Store, name: str = "summary", team: str = "T1"):
    return store.create_template(
        team, name, "Summarise {{text}} in {json: 1} style", channel_id="C1", author="U1"
    )


def test_create_template_makes_version_one(store: Store) -> None:
    t = make(store)
    assert t.name == "summary" and t.team_id == "T1" and t.channel_id == "C1"
    assert t.workflow is Workflow.PRINCIPLES
    v = t.active_version
    assert (v.number, v.source, v.author) == (1, VersionSource.MANUAL, "U1")
    assert v.text == "Summarise {{text}} in {json: 1} style"
    assert v.created_at.tzinfo is not None and v.created_at.utcoffset() == UTC.utcoffset(None)
    assert store.get_template("T1", "summary") == t
    assert store.get_template("T2", "summary") is None


def test_name_is_unique_per_team_only(store: Store) -> None:
    make(store)
    with pytest.raises(AlreadyExists, match="'summary' already exists"):
        make(store)
    other = make(store, team="T2")
    assert other.team_id == "T2"
    assert [t.name for t in store.list_templates("T1")] == ["summary"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "A template needs a name."),
        ("has space", "`has space` is not a valid template name: use 1–80 letters"),
        ("-dash", "`-dash` is not a valid template name"),
        ("x" * 81, "is not a valid template name"),
        ("semi;colon", "(e.g. `semi-colon`)"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_stored(store: Store, name: str, message) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        store.create_template("T1", name, "text", channel_id=None, author="U1")
    assert store.list_templates("T1") == []


def test_empty_or_oversize_text_is_refused(store: Store) -> None:
    with pytest.raises(InvalidInput, match="must not be empty"):
        store.create_template("T1", "a", "   ", channel_id=None, author="U1")
    with pytest.raises(InvalidInput, match="limit is 50,000"):
        store.create_template("T1", "a", "x" * 50_001, channel_id=None, author="U1")
    assert store.list_templates("T1") == []


def test_bad_template_syntax_is_refused_everywhere_a_version_is_written(store: Store) -> None:
    bad = "Hello {{name"
    message = "is not a valid template: unclosed '{{' at line 1, column 7"
    with pytest.raises(InvalidInput, match=re.escape("the template text " + message)):
        store.create_template("T1", "a", bad, channel_id=None, author="U1")
    assert store.list_templates("T1") == []
    t = store.create_template("T1", "a", "Hello {{name}}", channel_id=None, author="U1")
    with pytest.raises(InvalidInput, match="invalid placeholder name '1st' at line 1, column 4"):
        store.add_version(t.id, "Hi {{1st}}", author="U1")
    with pytest.raises(InvalidInput, match=re.escape("the proposed template " + message)):
        store.create_proposal(
            t.id, t.active_version.id, bad, "", "direct", [], [], None, [], "U9"
        )  # fmt: skip
    doc = store.export_template(t.id)
    doc["versions"][0]["text"] = bad
    with pytest.raises(InvalidInput, match=re.escape("versions.0.text " + message)):
        store.import_template("T2", doc)
    assert [v.number for v in store.list_versions(t.id)] == [1]
    assert store.list_proposals(t.id) == [] and store.list_templates("T2") == []


def test_versions_are_numbered_and_rollback_copies(store: Store) -> None:
    t = make(store)
    v2 = store.add_version(t.id, "Second {{text}}", author="U2")
    v3 = store.add_version(t.id, "Third {{text}}", author="U3")
    assert (v2.number, v3.number) == (2, 3)
    assert store.get_template_by_id(t.id).active_version == v3
    back = store.rollback(t.id, 1, "U4")
    assert (back.number, back.source, back.text) == (
        4,
        VersionSource.ROLLBACK,
        t.active_version.text,
    )
    assert back.note == "rollback to v1"
    assert [v.number for v in store.list_versions(t.id)] == [1, 2, 3, 4]
    assert store.get_version(t.id, 2).text == "Second {{text}}"  # history is never rewritten
    assert store.get_version(t.id, 9) is None
    with pytest.raises(NotFound, match="no version v9"):
        store.rollback(t.id, 9, "U4")
    with pytest.raises(InvalidInput, match="already the active version"):
        store.rollback(t.id, 4, "U4")


def change(**values: object) -> SettingsChange:
    return SettingsChange.parse(values)


def test_settings_are_validated(store: Store) -> None:
    t = make(store)
    assert t.settings.approvers == () and t.settings.approvals_required == 1
    t2 = store.update_settings(
        t.id,
        change(
            approvers="<@U1>, <@U2|bo> U0CAROL1", approvals_required="2", auto_propose_after="10"
        ),
    )
    s = t2.settings
    assert (s.approvers, s.approvals_required, s.auto_propose_after) == (
        ("U1", "U2", "U0CAROL1"),
        2,
        10,
    )
    assert store.get_template_by_id(t.id).settings == s
    with pytest.raises(InvalidValue, match="Unknown setting `colour`"):
        setting("colour")
    with pytest.raises(InvalidValue, match="Unknown setting `colour`"):
        change(colour="red")
    with pytest.raises(InvalidValue, match="`approvals` must be a whole number of at least 1"):
        change(approvals_required="many")
    with pytest.raises(InvalidInput, match="`approvers` names 3: no proposal could ever pass"):
        store.update_settings(t.id, change(approvals_required=4))
    # "@bob" typed as plain text (not a mention) would never match anyone's approval
    with pytest.raises(InvalidValue, match="`@bob` in `approvers` is not a person"):
        change(approvers="<@U1> @bob")
    with pytest.raises(InvalidValue, match="`not` in `approvers` is not a person"):
        change(approvers="not a user")
    assert store.get_template_by_id(t.id).settings == s  # nothing changed
    off = store.update_settings(t.id, change(auto_propose_after="off", approvers="anyone"))
    assert off.settings.auto_propose_after is None and off.settings.approvers == ()


def test_one_settings_change_sets_mode_model_and_channel_together(store: Store) -> None:
    t = make(store)
    done = store.update_settings(
        t.id, change(workflow="direct", target_model="openai/gemma3", channel_id="<#C0NEWS1|news>")
    )
    assert (done.workflow, done.target_model, done.channel_id) == (
        Workflow.DIRECT,
        "openai/gemma3",
        "C0NEWS1",
    )
    done = store.update_settings(t.id, change(approvers="<@U1>"))
    with pytest.raises(InvalidInput, match="no proposal could ever pass"):  # all or nothing
        store.update_settings(t.id, change(workflow="principles", approvals_required=2))
    assert store.get_template_by_id(t.id) == done


def test_workflow_and_target_model(store: Store) -> None:
    t = make(store)
    assert store.set_workflow(t.id, "Direct").workflow is Workflow.DIRECT
    with pytest.raises(
        InvalidInput, match="`magic` is not a mode: choose `principles` or `direct`"
    ):
        store.set_workflow(t.id, "magic")
    assert store.get_template_by_id(t.id).workflow is Workflow.DIRECT
    assert store.set_target_model(t.id, "openai/gemma3").target_model == "openai/gemma3"
    for bad, message in [
        ("gpt4", "`gpt4` is not a model name: use `offline`, `gemini/<model>` or `openai/<model>`"),
        ("claude/opus", "`claude` is not a known model provider (known: `gemini`, `openai`"),
        ("gemini/", "`gemini/` is not a model name"),
    ]:
        with pytest.raises(InvalidInput, match=re.escape(message)):
            store.set_target_model(t.id, bad)
        with pytest.raises(InvalidInput, match=re.escape(message)):
            store.create_template("T1", "m", "x", channel_id=None, author="U", target_model=bad)
    assert store.get_template_by_id(t.id).target_model == "openai/gemma3"
    assert store.get_template("T1", "m") is None
    with pytest.raises(NotFound):
        store.set_workflow(999, "direct")
