"""Storage of the API for applications: tokens, labels, logged runs, webhooks (both backends)."""

from __future__ import annotations

import pytest

from alignment.settings import SettingsChange
from alignment.values import InvalidValue
from storage import AlreadyExists, InvalidInput, NotFound, Store
from storage.api_records import NewApiRun, Review, Scope, WebhookEvent

T1, T2 = "T1", "T2"


def _template(store: Store, team: str = T1, name: str = "greet", **settings: object):
    info = store.create_template(team, name, "Hello {{who}}", channel_id="C1", author="U1")
    if settings:
        info = store.update_settings(info.id, SettingsChange.parse(settings))
    return info


def _row(kind: str):  # the inbox row storage is handed for a new row's id (the app's is a job)
    return lambda row_id: (kind, {"kind": kind, "id": row_id}, f"{kind}:{row_id}")


def test_tokens_are_kept_as_hashes_and_revocation_is_immediate(store: Store) -> None:
    made = store.create_token(T1, "app", ["templates:read"], created_by="U1")
    assert made.secret.startswith("abt_") and len(made.secret) > 40
    assert store.authenticate(made.secret).name == "app"  # type: ignore[union-attr]
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT token_hash, prefix FROM api_tokens").all()
    assert made.secret not in {v for row in stored for v in row}
    assert store.authenticate(made.secret + "x") is None
    assert store.authenticate("nonsense") is None
    store.revoke_token(T1, "app")
    assert store.authenticate(made.secret) is None
    assert store.list_tokens(T1)[0].revoked_at is not None
    assert store.list_tokens(T2) == []


def test_token_names_scopes_and_duplicates_are_checked(store: Store) -> None:
    store.create_token(T1, "app", ["templates:read", "runs:write"], created_by="U1")
    with pytest.raises(AlreadyExists):
        store.create_token(T1, "app", ["templates:read"], created_by="U1")
    store.create_token(T2, "app", ["runs:write"], created_by="U1")  # another workspace: fine
    with pytest.raises(InvalidInput, match="unknown scope 'admin'"):
        store.create_token(T1, "other", ["admin"], created_by="U1")
    with pytest.raises(InvalidInput, match="token name"):
        store.create_token(T1, "has space", ["runs:write"], created_by="U1")
    with pytest.raises(NotFound):
        store.revoke_token(T1, "missing")
    assert [t.name for t in store.list_tokens(T1)] == ["app"]
    assert store.list_tokens(T1)[0].scopes == (Scope.READ_TEMPLATES, Scope.WRITE_RUNS)


def test_production_follows_the_active_version_and_other_labels_are_set(store: Store) -> None:
    info = _template(store)
    store.add_version(info.id, "Hi {{who}}", author="U1")
    assert store.labels_of(info.id) == {"production": 2}
    move = store.set_label(info.id, 1, "staging", set_by="U1")
    assert move.previous_number is None and move.version.number == 1
    again = store.set_label(info.id, 2, "staging", set_by="U2")
    assert again.previous_number == 1
    assert store.labels_of(info.id) == {"production": 2, "staging": 2}
    with pytest.raises(InvalidInput, match="production"):
        store.set_label(info.id, 1, "production", set_by="U1")
    with pytest.raises(NotFound):
        store.set_label(info.id, 9, "canary", set_by="U1")
    with pytest.raises(InvalidInput, match="label"):
        store.set_label(info.id, 1, "Bad Label", set_by="U1")
    store.rollback(info.id, 1, "U1")
    resolved = store.resolve_version(T1, "greet")
    assert resolved.version.number == 3 and resolved.labels == ("production",)
    staged = store.resolve_version(T1, "greet", label="staging")
    assert staged.version.text == "Hi {{who}}" and staged.labels == ("staging",)
    assert store.resolve_version(T1, "greet", number=1).version.number == 1
    with pytest.raises(NotFound):
        store.resolve_version(T2, "greet")  # another workspace's template does not exist
    with pytest.raises(NotFound):
        store.resolve_version(T1, "greet", label="canary")
    assert [(t.name, t.labels) for t in store.template_labels(T1)] == [
        ("greet", {"production": 3, "staging": 2})
    ]


def _item(**kw: object) -> NewApiRun:
    base: dict[str, object] = dict(
        template="greet", version=1, inputs={"who": "Ann"}, output="Hello Ann"
    )
    base.update(kw)
    return NewApiRun(**base)  # type: ignore[arg-type]


def test_logged_runs_are_idempotent_per_workspace(store: Store) -> None:
    _template(store)
    _template(store, team=T2)
    first = store.log_api_runs(T1, "app", [_item(idempotency_key="k1")], draw=lambda: 0.0)
    again = store.log_api_runs(T1, "app", [_item(idempotency_key="k1")], draw=lambda: 0.0)
    assert first[0].created and not again[0].created
    assert again[0].run.id == first[0].run.id
    other = store.log_api_runs(T2, "app", [_item(idempotency_key="k1")], draw=lambda: 0.0)
    assert other[0].created and other[0].run.id != first[0].run.id
    twice = store.log_api_runs(
        T1, "app", [_item(idempotency_key="k2"), _item(idempotency_key="k2")], draw=lambda: 0.0
    )
    assert twice[0].run.id == twice[1].run.id and [r.created for r in twice] == [True, False]
    assert len(store.recent_runs(first[0].run.template_id)) == 2
    run = first[0].run
    assert run.output == "Hello Ann" and run.status == "done" and run.requested_by == "api:app"


def test_a_bad_item_refuses_the_whole_batch(store: Store) -> None:
    info = _template(store)
    with pytest.raises(NotFound, match=r"runs\[1\]\.version"):
        store.log_api_runs(T1, "app", [_item(), _item(version=7)], draw=lambda: 0.0)
    with pytest.raises(NotFound, match=r"runs\[0\]\.template"):
        store.log_api_runs(T2, "app", [_item()], draw=lambda: 0.0)
    with pytest.raises(InvalidInput, match=r"runs\[1\]\.output"):
        store.log_api_runs(T1, "app", [_item(), _item(output="x" * 100_001)], draw=lambda: 0.0)
    assert store.recent_runs(info.id) == []


def test_sample_rate_and_hourly_cap_decide_what_is_posted(store: Store) -> None:
    info = _template(store, review_rate="50%", review_cap_per_hour=2)
    draws = iter([0.1, 0.9, 0.2, 0.3, 0.4])
    results = store.log_api_runs(T1, "app", [_item() for _ in range(5)], draw=lambda: next(draws))
    assert [r.review for r in results] == [
        Review.POST,
        Review.SAMPLED_OUT,
        Review.POST,
        Review.CAPPED,
        Review.CAPPED,
    ]
    # the posts are in the inbox, in the same transaction as the runs
    more = store.log_api_runs(T1, "app", [_item()], draw=lambda: 0.0, post_job=_row("api_run"))
    assert more[0].review is Review.CAPPED  # the cap counts the earlier batch too
    store.update_settings(info.id, SettingsChange.parse({"review_cap_per_hour": 3}))
    posted = store.log_api_runs(T1, "app", [_item()], draw=lambda: 0.0, post_job=_row("api_run"))
    assert posted[0].review is Review.POST
    assert store.inbox_status(f"api-run:{posted[0].run.id}") is not None
    store.update_settings(info.id, SettingsChange.parse({"review_rate": "none"}))
    assert store.log_api_runs(T1, "app", [_item()], draw=lambda: 0.0)[0].review is Review.OFF
    with pytest.raises(InvalidValue, match="review_rate"):
        SettingsChange.parse({"review_rate": "150%"})


def test_webhook_events_make_one_delivery_per_subscriber(store: Store) -> None:
    store.add_webhook(T1, "https://a.example/h", [], secret="s1", created_by="U1")
    store.add_webhook(T1, "https://b.example/h", ["label.moved"], secret="s2", created_by="U1")
    store.add_webhook(T2, "https://c.example/h", [], secret="s3", created_by="U1")
    with pytest.raises(AlreadyExists):
        store.add_webhook(T1, "https://a.example/h", [], secret="s4", created_by="U1")
    with pytest.raises(InvalidInput, match="unknown webhook event"):
        store.add_webhook(T1, "https://d.example/h", ["nope"], secret="s", created_by="U1")
    ids = store.enqueue_webhook_event(
        T1, WebhookEvent.VERSION_APPROVED, {"version": 2}, job=_row("webhook")
    )
    assert len(ids) == 1
    delivery = store.get_delivery(ids[0])
    assert delivery is not None and delivery.url == "https://a.example/h"
    assert store.inbox_status(f"webhook:{ids[0]}") is not None
    store.record_delivery(ids[0], status_code=500, error="boom", delivered=False, final=False)
    done = store.record_delivery(ids[0], status_code=200, error=None, delivered=True, final=False)
    assert done.status == "delivered" and done.attempts == 2
    assert [d.id for d in store.webhook_log(T1)] == ids and store.webhook_log(T2) == []
    hook = store.list_webhooks(T1)[0]
    with pytest.raises(NotFound):
        store.remove_webhook(T2, hook.id)
    store.remove_webhook(T1, hook.id)
    assert [h.url for h in store.list_webhooks(T1)] == ["https://b.example/h"]
    assert store.workspace_settings(T1) == {}
    store.set_workspace_setting(T1, "webhook_allow_private", True)
    assert store.workspace_settings(T1) == {"webhook_allow_private": True}
    assert store.workspace_settings(T2) == {}


def test_concurrent_repeats_of_one_key_make_one_run(store: Store) -> None:
    import threading

    info = _template(store)
    results: list[int] = []
    errors: list[BaseException] = []

    def log() -> None:
        try:
            out = store.log_api_runs(T1, "app", [_item(idempotency_key="same")], draw=lambda: 0.0)
            results.append(out[0].run.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=log) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(results)) == 1 and len(results) == 8
    assert len(store.recent_runs(info.id)) == 1
