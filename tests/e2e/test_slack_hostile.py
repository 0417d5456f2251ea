"""Well-signed but hostile requests: a 4xx or a harmless 200, never a 5xx, and nothing stored.
Bad signatures (a junk timestamp included) are a 401 and are not logged with their body."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.sandbox.slack_sim import DeliveryOptions
from bot.sandbox.slack_sim.signing import signed_headers
from tests import local_http
from tests.e2e.helpers import CHANNEL, TEAM, db_snapshot, signed_post

FORM = "application/x-www-form-urlencoded"


def event(**event: Any) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": TEAM,
        "api_app_id": "A0ALIGNBOT",
        "event_id": "Ev0HOSTILE",
        "event": {"type": "message", "channel": CHANNEL, "user": "U0ALICE", "text": "hi",
                  "ts": "1700000000.000100", "thread_ts": "1700000000.000001", **event},
    }  # fmt: skip


def interaction(**payload: Any) -> bytes:
    body = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": {"id": "U0ALICE", "team_id": TEAM},
        "api_app_id": "A0ALIGNBOT",
        "trigger_id": "1700000000.1.abc",
        "channel": {"id": CHANNEL},
        "container": {"type": "message", "channel_id": CHANNEL, "message_ts": "1700000000.000100"},
        "actions": [{"action_id": "run_again", "value": "1", "type": "button"}],
        **payload,
    }
    return urlencode({"payload": json.dumps(body)}).encode()


def deep(n: int) -> bytes:
    return b'{"type":"event_callback","event":' + b'{"a":' * n + b"1" + b"}" * (n + 1)


CASES: dict[str, tuple[bytes, str]] = {
    "invalid JSON": (b'{"type": "event_callback", "event_id": ', "application/json"),
    "JSON list": (b"[1, 2, 3]", "application/json"),
    "JSON string": (b'"event_callback"', "application/json"),
    "JSON null": (b"null", "application/json"),
    "missing event_id": (
        json.dumps({k: v for k, v in event().items() if k != "event_id"}).encode(),
        "application/json",
    ),
    "event is a string": (json.dumps({**event(), "event": "message"}).encode(), "application/json"),
    "event is a list": (json.dumps({**event(), "event": [1]}).encode(), "application/json"),
    "100,000-deep nesting": (deep(100_000), "application/json"),
    "100,000-deep list": (b"[" * 100_000 + b"]" * 100_000, "application/json"),
    "invalid UTF-8": (
        json.dumps(event(text="x")).encode().replace(b'"x"', b'"\xff\xfe"'),
        "application/json",
    ),
    "lone surrogate in event_id": (
        json.dumps({**event(), "event_id": "\ud800"}).encode(),
        "application/json",
    ),
    "lone surrogate in a channel id": (
        json.dumps(event(channel="C\udfff")).encode(),
        "application/json",
    ),
    "NUL in a user id": (json.dumps(event(user="U\u0000")).encode(), "application/json"),
    "event_id longer than the inbox takes": (
        json.dumps({**event(), "event_id": "E" * 300}).encode(),
        "application/json",
    ),
    "channel id longer than the inbox takes": (
        json.dumps(event(channel="C" * 40)).encode(),
        "application/json",
    ),
    "thread_ts a number": (json.dumps(event(thread_ts=1.5)).encode(), "application/json"),
    "authorizations a string": (
        json.dumps({**event(), "authorizations": "x"}).encode(),
        "application/json",
    ),
    "team a number": (json.dumps({**event(), "team": 5}).encode(), "application/json"),
    "reaction item a string": (
        json.dumps(event(type="reaction_added", reaction="-1", item="x")).encode(),
        "application/json",
    ),
    "app_mention without a channel": (
        json.dumps(event(type="app_mention", channel=None)).encode(),
        "application/json",
    ),
    "url_verification without a challenge": (b'{"type": "url_verification"}', "application/json"),
    "interaction payload not JSON": (b"payload=%7Bnot-json", FORM),
    "interaction without actions": (interaction(actions=[]), FORM),
    "interaction user a list": (interaction(user=["U0ALICE"]), FORM),
    "interaction channel a string": (interaction(channel=CHANNEL), FORM),
    "interaction container null": (interaction(container=None), FORM),
    "view state null": (
        interaction(type="view_submission", view={"id": "V1", "state": None}),
        FORM,
    ),
    "slash command without a user": (
        urlencode(
            {"command": "/align", "text": "list", "team_id": TEAM, "channel_id": CHANNEL}
        ).encode(),
        FORM,
    ),
}


@pytest.fixture
def app_url(sim, bot_server) -> str:
    return f"{bot_server().url}/slack/events"


@pytest.mark.parametrize("case", list(CASES))
def test_a_well_signed_hostile_request_is_refused_without_5xx_and_stores_nothing(
    sim, app_url, sqlite_engine, case
):
    body, content_type = CASES[case]
    before = db_snapshot(sqlite_engine)
    r = signed_post(app_url, body, sim.signing_secret, content_type)
    assert 400 <= r.status_code < 500, (case, r.status_code, r.text[:200])
    assert db_snapshot(sqlite_engine) == before


@pytest.mark.parametrize("value", [5, 1.5, True, None, [], {"id": 1}, "  ", "abc"])
def test_a_button_with_a_bad_value_tells_the_person_and_changes_nothing(
    sim, app_url, sqlite_engine, value
):
    before = db_snapshot(sqlite_engine)
    action = {"action_id": "run_again", "type": "button", "value": value}
    r = signed_post(app_url, interaction(actions=[action]), sim.signing_secret, FORM)
    assert r.status_code == 200
    notes = sim.wait_for(lambda: sim.ephemerals("alice"))
    assert "lost track" in notes[-1]["text"] or "not a run id" in notes[-1]["text"]
    assert db_snapshot(sqlite_engine) == before


@pytest.mark.parametrize("metadata", [7, ["1"], {"run": "1"}, "[1]", "{not json"])
def test_a_modal_with_damaged_private_metadata_shows_an_error_in_the_modal(
    sim, app_url, sqlite_engine, metadata
):
    before = db_snapshot(sqlite_engine)
    view = {
        "id": "V0HOSTILE",
        "type": "modal",
        "callback_id": "critique_modal",
        "private_metadata": metadata,
        "blocks": [{"type": "input", "block_id": "text"}],
        "state": {"values": {"text": {"text_input": {"type": "plain_text_input", "value": "x"}}}},
    }
    r = signed_post(
        app_url, interaction(type="view_submission", view=view), sim.signing_secret, FORM
    )
    assert r.status_code == 200
    answer = r.json()
    assert answer["response_action"] == "errors"
    assert "damaged" in answer["errors"]["text"] or "open it again" in answer["errors"]["text"]
    assert db_snapshot(sqlite_engine) == before


def test_a_body_over_1_mb_is_413_before_it_is_parsed(sim, app_url, sqlite_engine):
    before = db_snapshot(sqlite_engine)
    body = json.dumps({**event(), "padding": "x" * 1_100_000}).encode()
    r = signed_post(app_url, body, sim.signing_secret)
    assert r.status_code == 413

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b"x" * 100_000

    headers = {"Content-Type": "application/json", **signed_headers(sim.signing_secret, b"")}
    streamed = local_http.post(app_url, content=chunks(), headers=headers, timeout=10)
    assert streamed.status_code == 413
    assert db_snapshot(sqlite_engine) == before
    just_under = json.dumps({**event(), "padding": "x" * 900_000}).encode()
    assert signed_post(app_url, just_under, sim.signing_secret).status_code == 200


@pytest.mark.parametrize("timestamp", ["abc", "", "1e9", "-5", "12.5", "9" * 40])
def test_a_malformed_timestamp_is_401_like_any_bad_signature(
    sim, app_url, sqlite_engine, timestamp
):
    body = urlencode(
        {"command": "/align", "text": "new summary Summarize: {{text}}", "team_id": TEAM,
         "channel_id": CHANNEL, "user_id": "U0ALICE", "trigger_id": "1.2.3"}
    ).encode()  # fmt: skip
    r = signed_post(
        app_url, body, sim.signing_secret, FORM, headers={"X-Slack-Request-Timestamp": timestamp}
    )
    assert r.status_code == 401
    assert db_snapshot(sqlite_engine)["templates"] == []


def test_a_missing_signature_or_timestamp_is_401(sim, app_url):
    body = json.dumps(event()).encode()
    assert local_http.post(app_url, content=body).status_code == 401
    headers = signed_headers(sim.signing_secret, body)
    del headers["X-Slack-Signature"]
    assert local_http.post(app_url, content=body, headers=headers).status_code == 401


def test_a_request_with_a_bad_signature_is_not_logged_with_its_body(sim, app_url, caplog):
    caplog.set_level(logging.DEBUG)
    marker = "private-words-of-a-forged-request"
    r = sim.post_message("alice", CHANNEL, marker, options=DeliveryOptions(forge_signature=True))
    assert r.status == 401
    bad_ts = signed_post(
        app_url,
        json.dumps(event(text=marker)).encode(),
        sim.signing_secret,
        headers={"X-Slack-Request-Timestamp": "abc"},
    )
    assert bad_ts.status_code == 401
    assert "signature" in caplog.text.lower() or "timestamp" in caplog.text.lower()
    assert marker not in caplog.text
