"""Helpers every listener shares: who is acting (from Bolt's context), and fail-fast clients."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.services import Actor


def fail_fast(client: WebClient) -> WebClient:
    """Inside a request (before the ack) a Web API call must not wait out a Retry-After: the
    per-request client Bolt made for this request gets no retry handlers."""
    client.retry_handlers = []
    return client


def actor_of(context: BoltContext, channel_id: str | None = None) -> Actor:
    """The one `Actor` of a request: workspace, user and channel as Bolt's context found them
    (for any payload shape); `channel_id` where the context has none (a modal's channel)."""
    return Actor(
        team_id=context.team_id or "",
        user_id=context.user_id or "",
        channel_id=channel_id or context.channel_id,
    )
