"""Helpers every listener shares: who is acting, and how a refusal is shown."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.listeners.deps import team_of
from bot.services import Actor


def fail_fast(client: WebClient) -> WebClient:
    """Inside a request (before the ack) a Web API call must not wait out a Retry-After: the
    per-request client Bolt made for this request gets no retry handlers."""
    client.retry_handlers = []
    return client


def actor_from_command(body: dict[str, Any]) -> Actor:
    return Actor(
        team_id=team_of(body) or "",
        user_id=body.get("user_id") or "",
        channel_id=body.get("channel_id"),
    )


def actor_from_interaction(body: dict[str, Any]) -> Actor:
    """block_actions / view_submission: the channel is where the clicked message lives."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return Actor(
        team_id=team_of(body) or "",
        user_id=(body.get("user") or {}).get("id") or "",
        channel_id=channel,
    )


def actor_from_payload(payload: dict[str, Any]) -> Actor:
    """The small payloads our own listeners store in the inbox (see `stored`)."""
    return Actor(
        team_id=payload.get("team_id") or "",
        user_id=payload.get("user_id") or "",
        channel_id=payload.get("channel_id"),
    )


def stored(actor: Actor, **values: Any) -> dict[str, Any]:
    return {
        "team_id": actor.team_id,
        "user_id": actor.user_id,
        "channel_id": actor.channel_id,
        **values,
    }
