"""The request bodies Slack sends to an app: Events API envelopes, slash commands, interactivity.

Shapes follow Slack's documentation field for field, so the app's parsing is exercised exactly
as in production; bodies are returned as bytes ready to sign.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.slack_sim.state import SimState

VERIFICATION_TOKEN = "sim-verification-token"  # deprecated by Slack, still sent in bodies
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _user(state: SimState, user_id: str) -> dict[str, Any]:
    u = state.user(user_id)
    return {"id": u.id, "username": u.name, "name": u.name, "team_id": state.team.id}


def _team(state: SimState) -> dict[str, Any]:
    return {"id": state.team.id, "domain": state.team.domain}


def event_envelope(state: SimState, event: dict[str, Any]) -> tuple[str, bytes]:
    """An `event_callback` envelope around `event`; returns (event_id, body)."""
    event_id = state.new_id("Ev")
    now = int(time.time())
    event.setdefault("event_ts", event.get("ts") or f"{time.time():.6f}")
    body = {
        "token": VERIFICATION_TOKEN,
        "team_id": state.team.id,
        "context_team_id": state.team.id,
        "context_enterprise_id": None,
        "api_app_id": state.team.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": state.team.id,
                "user_id": state.team.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-sim-{event_id}",
    }
    return event_id, json.dumps(body).encode()


def slash_command(
    state: SimState,
    *,
    user: str,
    channel: str,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> bytes:
    ch = state.channel(channel)
    form = {
        "token": VERIFICATION_TOKEN,
        "team_id": state.team.id,
        "team_domain": state.team.domain,
        "channel_id": ch.id,
        "channel_name": ch.name,
        "user_id": user,
        "user_name": state.user(user).name,
        "command": command,
        "text": text,
        "api_app_id": state.team.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(form).encode()


def interactive(payload: dict[str, Any]) -> bytes:
    """Interactivity bodies are a form with one field, `payload`, holding JSON."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def block_actions(
    state: SimState,
    *,
    user: str,
    action: dict[str, Any],
    trigger_id: str,
    response_url: str | None,
    channel: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    state_values: dict[str, Any] | None = None,
) -> bytes:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(state, user),
        "api_app_id": state.team.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "team": _team(state),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": state_values or {}},
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    else:
        assert channel is not None and message is not None
        ch = state.channel(channel)
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": ch.id,
            "is_ephemeral": message.get("subtype") == "ephemeral",
        }
        if message.get("thread_ts"):
            payload["container"]["thread_ts"] = message["thread_ts"]
        payload["channel"] = {"id": ch.id, "name": ch.name}
        payload["message"] = message
        payload["response_url"] = response_url
    return interactive(payload)


def view_submission(state: SimState, *, user: str, view: dict[str, Any], trigger_id: str) -> bytes:
    payload = {
        "type": "view_submission",
        "team": _team(state),
        "user": _user(state, user),
        "api_app_id": state.team.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return interactive(payload)


def view_closed(state: SimState, *, user: str, view: dict[str, Any]) -> bytes:
    payload = {
        "type": "view_closed",
        "team": _team(state),
        "user": _user(state, user),
        "api_app_id": state.team.app_id,
        "token": VERIFICATION_TOKEN,
        "view": view,
        "is_cleared": False,
        "is_enterprise_install": False,
    }
    return interactive(payload)
