"""Bad ids and numbers get a clear InvalidInput on both backends and change nothing.

PostgreSQL would otherwise raise driver errors ("operator does not exist: integer = character
varying", "integer out of range") and SQLite would quietly answer "not found" for "abc".
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from alignment.settings import SettingsChange
from storage import InvalidInput, Store
from storage import models as m

BAD = [
    ("abc", "must be a whole number, not 'abc'"),
    (True, "must be a whole number, not True"),
    (1.5, "must be a whole number, not 1.5"),
    (None, "must be a whole number, not None"),
    (0, "must be between 1 and 2,147,483,647, not 0"),
    (-3, "must be between 1 and 2,147,483,647, not -3"),
    (10**12, "must be between 1 and 2,147,483,647, not 1,000,000,000,000"),
]

CALLS = {
    "get_template_by_id": ("template id", lambda s, w, v: s.get_template_by_id(v)),
    "update_settings": (
        "template id",
        lambda s, w, v: s.update_settings(v, SettingsChange.parse({"approvals_required": 2})),
    ),
    "set_workflow": ("template id", lambda s, w, v: s.set_workflow(v, "direct")),
    "get_version": ("version number", lambda s, w, v: s.get_version(w["t"], v)),
    "list_versions": ("template id", lambda s, w, v: s.list_versions(v)),
    "add_version": ("template id", lambda s, w, v: s.add_version(v, "x {{x}}", author="U")),
    "rollback": ("version number", lambda s, w, v: s.rollback(w["t"], v, "U")),
    "record_run": ("version id", lambda s, w, v: s.record_run(w["t"], v, {}, requested_by="U")),
    "complete_run": ("run id", lambda s, w, v: s.complete_run(v, "o", "m", 1, 1, 1.0)),
    "get_run": ("run id", lambda s, w, v: s.get_run(v)),
    "recent_runs": ("limit", lambda s, w, v: s.recent_runs(w["t"], limit=v)),
    "add_feedback": ("template id", lambda s, w, v: s.add_feedback(v, None, "U", "critique", "x")),
    "pending_feedback": ("template id", lambda s, w, v: s.pending_feedback(v)),
    "count_pending": ("template id", lambda s, w, v: s.count_pending(v)),
    "add_manual_principle": ("template id", lambda s, w, v: s.add_manual_principle(v, "Be", "U")),
    "retire_principle": ("principle id", lambda s, w, v: s.retire_principle(w["t"], v, "U")),
    "create_proposal": (
        "base version id",
        lambda s, w, v: s.create_proposal(
            w["t"], v, "Hi {{x}}", "", "principles", [], [], None, [], "U"
        ),
    ),
    "approve": ("proposal id", lambda s, w, v: s.approve(v, "U5")),
    "reject": ("proposal id", lambda s, w, v: s.reject(v, "U5", "no")),
    "fail_proposal": ("proposal id", lambda s, w, v: s.fail_proposal(v, "r")),
    "history": ("template id", lambda s, w, v: s.history(v)),
    "export_template": ("template id", lambda s, w, v: s.export_template(v)),
    "inbox_done": ("inbox item id", lambda s, w, v: s.inbox_done(v, worker_id="w")),
    "inbox_claim": ("limit", lambda s, w, v: s.inbox_claim("w", limit=v)),
}


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (
                m.Template,
                m.Version,
                m.Run,
                m.Feedback,
                m.Proposal,
                m.Decision,
                m.Principle,
                m.InboxEvent,
            )
        }


@pytest.fixture
def world(store: Store) -> dict:
    t = store.create_template("T1", "tpl", "Hello {{x}}", channel_id="C1", author="U1")
    fb, _ = store.add_feedback(t.id, None, "U2", "critique", "too long")
    p = store.create_proposal(
        t.id, t.active_version.id, "Hi {{x}}", "", "principles", [], [str(fb.id)], None, [], "U9"
    )
    store.inbox_put("Ev1", team_id="T1", kind="message", payload={})
    return {"t": t.id, "p": p.id}


@pytest.mark.parametrize("method", sorted(CALLS))
def test_bad_ids_and_numbers_are_specific_errors_that_change_nothing(store, world, method):
    what, call = CALLS[method]
    before = counts(store)
    exported = store.export_template(world["t"])
    for value, message in BAD:
        if what == "limit":
            message = message.replace("2,147,483,647", "100,000")
        with pytest.raises(InvalidInput) as info:
            call(store, world, value)
        assert str(info.value) == f"{what} {message}", (method, value)
    assert counts(store) == before
    assert store.export_template(world["t"]) == exported
    assert store.get_proposal(world["p"]).status.value == "pending"


def test_ids_given_as_text_are_accepted(store, world):
    assert store.get_template_by_id(str(world["t"])).id == world["t"]
    assert store.count_pending(f" {world['t']} ") == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.inbox_claim("w", lease_seconds="5"), "lease seconds must be a number"),
        (lambda s: s.inbox_claim("w", lease_seconds=0), "lease seconds must be more than 0"),
        (lambda s: s.try_acquire_lease("job", "me", 10**12), "ttl seconds must be more than 0"),
        (lambda s: s.expire_stale(-timedelta(hours=1)), "expire_stale needs an age"),
        (lambda s: s.expire_stale(3600), "expire_stale needs an age"),
    ],
)
def test_bad_durations_are_refused(store, world, call, message):
    before = counts(store)
    with pytest.raises(InvalidInput, match=message):
        call(store)
    assert counts(store) == before
    assert store.inbox_pending_count() == 1


LONG = "x" * 5000


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda s, w: s.create_template("T1", "t2", "a", channel_id=LONG, author="U"),
            "channel id is 5,000 characters; the limit is 32",
        ),
        (
            lambda s, w: s.create_template(LONG, "t2", "a", channel_id="C", author="U"),
            "team id is 5,000 characters; the limit is 32",
        ),
        (
            lambda s, w: s.add_version(w["t"], "b {{x}}", author=LONG),
            "author is 5,000 characters; the limit is 64",
        ),
        (
            lambda s, w: s.record_run(w["t"], w["v"], {"x": object()}, requested_by="U"),
            "inputs must be plain JSON data",
        ),
        (
            lambda s, w: s.add_feedback(w["t"], None, "U", "critique", "x", source_key=LONG),
            "source key is 5,000 characters; the limit is 255",
        ),
        (lambda s, w: s.approve(w["p"], LONG), "user id is 5,000 characters; the limit is 64"),
        (lambda s, w: s.approve(w["p"], None), "user id must be text, not None"),
        (lambda s, w: s.reject(w["p"], "U3", "r" * 20_001), "the reason is 20,001 characters"),
        (
            lambda s, w: s.inbox_put(LONG, team_id="T", kind="k", payload={}),
            "event id is 5,000 characters; the limit is 255",
        ),
        (
            lambda s, w: s.inbox_put("E9", team_id="T", kind="k", payload={"a": {1, 2}}),
            "payload must be plain JSON data",
        ),
        (lambda s, w: s.try_acquire_lease(LONG, "me", 5), "the lease name is 5,000 characters"),
        (
            lambda s, w: s.set_target_model(w["t"], LONG),
            "The model name is 5,000 characters; the limit is 200.",
        ),
    ],
)
def test_oversize_or_unstorable_values_are_refused_on_both_backends(store, world, call, message):
    """PostgreSQL would raise 'value too long for type character varying'; SQLite would store
    it. Both refuse it the same way, before anything is written."""
    world["v"] = store.get_template_by_id(world["t"]).active_version.id
    before = counts(store)
    with pytest.raises(InvalidInput, match=message):
        call(store, world)
    assert counts(store) == before
    assert store.get_proposal(world["p"]).status.value == "pending"


@pytest.mark.parametrize(
    ("feedback_id", "message"),
    [
        ("abc", "feedback id must be a whole number, not 'abc'"),
        ("0", "feedback id must be between 1 and 2,147,483,647, not 0"),
        (None, "feedback id must be a whole number, not None"),
    ],
)
def test_bad_feedback_ids_in_a_proposal_are_checked_like_any_id(store, world, feedback_id, message):
    """Ids inside a list are checked by the same type as an id argument."""
    before = counts(store)
    v = store.get_template_by_id(world["t"]).active_version.id
    with pytest.raises(InvalidInput) as info:
        store.create_proposal(
            world["t"], v, "Hi {{x}}", "", "principles", [], ["1", feedback_id], None, [], "U9"
        )
    assert str(info.value) == message
    assert counts(store) == before
