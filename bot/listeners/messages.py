"""Replies in a run's thread: critiques, rewrites (`rewrite:` or a code block), `principle:` and
`kudos:`. Stored before the ack (one row per message, however often Slack delivers it); the
worker records the feedback and acknowledges it with a reaction on the reply."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.commands.thread_reply import classify_reply
from bot.listeners.deps import Deps, team_of
from bot.services import Actor
from storage.records import InboxItem

KIND = "thread_reply"
ACK_EMOJI = {
    "critique": "memo",
    "rewrite": "pencil2",
    "principle": "bookmark",
    "kudos": "raised_hands",
}


def register(app: App, deps: Deps) -> None:
    app.event("message")(_storer(deps))
    deps.router.add(KIND, partial(process, deps), lane=lane)


def is_feedback_candidate(event: dict[str, Any], bot_user_id: str | None = None) -> bool:
    """A person's reply in a thread (not the parent, not a bot, not an edit or deletion)."""
    if event.get("subtype") not in (None, "thread_broadcast"):
        return False
    if event.get("bot_id") or not event.get("user") or event.get("user") == bot_user_id:
        return False
    thread_ts = event.get("thread_ts")
    return bool(thread_ts) and thread_ts != event.get("ts") and bool(event.get("text"))


def _storer(deps: Deps):
    def store_message(ack: Ack, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        if is_feedback_candidate(event, deps.bot_user_id):
            deps.inbox.put(
                key=body["event_id"],
                kind=KIND,
                payload=body,
                team_id=team_of(body),
                channel_id=event["channel"],
                message_ts=event["ts"],
            )
        ack()

    return store_message


def lane(item: InboxItem) -> str:
    event = item.payload.get("event", {})
    return f"thread:{event.get('channel')}:{event.get('thread_ts')}"


def process(deps: Deps, item: InboxItem) -> None:
    event = item.payload["event"]
    actor = Actor(team_of(item.payload) or "", event["user"], event["channel"])
    kind, text = classify_reply(event.get("text") or "")
    result = deps.services.feedback.reply(actor, event["thread_ts"], event["ts"], kind, text)
    if result.run is not None and result.kind is not None and (result.created or text):
        deps.posters.for_team(actor.team_id).react(
            actor.channel_id, event["ts"], ACK_EMOJI.get(result.kind.value, "memo")
        )
