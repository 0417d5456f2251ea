"""Helpers every listener shares: who is acting, and how a refusal is shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.services import Actor
from bot.slack.listeners.deps import team_of


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


@dataclass(frozen=True)
class ReportTarget:
    """Where a failure to process a stored row is told: in the thread, else to the person."""

    channel_id: str | None
    thread_ts: str | None
    user_id: str | None


def report_target(payload: dict[str, Any]) -> ReportTarget:
    """For any inbox payload: a Slack event (message, edit, deletion, reaction, mention) or
    the small dict our listeners store (`stored`)."""
    event = payload.get("event") or {}
    changed = event.get("message") or event.get("previous_message") or {}  # edits, deletions
    item = event.get("item") or {}  # reactions
    return ReportTarget(
        channel_id=event.get("channel") or item.get("channel") or payload.get("channel_id"),
        thread_ts=event.get("thread_ts")
        or changed.get("thread_ts")
        or event.get("ts")
        or item.get("ts"),
        user_id=event.get("user") or changed.get("user") or payload.get("user_id"),
    )


def stored(actor: Actor, **values: Any) -> dict[str, Any]:
    return {
        "team_id": actor.team_id,
        "user_id": actor.user_id,
        "channel_id": actor.channel_id,
        **values,
    }
