"""Helpers every listener shares: who is acting (from Bolt's context), fail-fast clients, and
the listener of an event that becomes one job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.background.inbox import Inbox
from bot.background.jobs import JobBase
from bot.services import Actor

EventParser = Callable[[dict[str, Any], Actor], JobBase | None]
EventListener = Callable[[Ack, dict[str, Any], dict[str, Any], BoltContext], None]


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


def event_storer(inbox: Inbox, parse: EventParser) -> EventListener:
    """The listener of an event that becomes one job: parsed with the request's Actor, stored
    under the event's id (a redelivery changes nothing), then acknowledged; `parse` returning
    None means the event is not one the app acts on."""

    def store_event(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        job = parse(event, actor_of(context))
        if job is not None:
            inbox.put(job, key=body["event_id"])
        ack()

    return store_event
