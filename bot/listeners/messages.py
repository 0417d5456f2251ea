"""Replies in a run's thread: critiques, rewrites (`rewrite:` or a code block), `principle:` and
`kudos:`. Stored before the ack (one row per message, however often Slack delivers it); the
worker records the feedback and acknowledges it with a reaction on the reply. An edited reply
changes the feedback it was (re-classified, same item); a deleted one withdraws it."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.commands.thread_reply import classify_reply
from bot.listeners.deps import Deps, team_of
from bot.services import Actor
from storage.records import InboxItem

KIND, EDITED, DELETED = "thread_reply", "thread_reply_edited", "thread_reply_deleted"
ACK_EMOJI = {
    "critique": "memo",
    "rewrite": "pencil2",
    "principle": "bookmark",
    "kudos": "raised_hands",
}


def register(app: App, deps: Deps) -> None:
    app.event("message")(_storer(deps))
    deps.router.add(KIND, partial(process, deps), lane=lane)
    deps.router.add(EDITED, partial(process_edited, deps), lane=lane)
    deps.router.add(DELETED, partial(process_deleted, deps), lane=lane)


def is_feedback_candidate(event: dict[str, Any], bot_user_id: str | None = None) -> bool:
    """A person's reply in a thread (not the parent, not a bot, not an edit or deletion)."""
    if event.get("subtype") not in (None, "thread_broadcast"):
        return False
    if event.get("bot_id") or not event.get("user") or event.get("user") == bot_user_id:
        return False
    thread_ts = event.get("thread_ts")
    return bool(thread_ts) and thread_ts != event.get("ts") and bool(event.get("text"))


def deleted_reply(event: dict[str, Any]) -> dict[str, Any] | None:
    """A person deleting their reply in a thread: the feedback it was is withdrawn."""
    if event.get("subtype") != "message_deleted":
        return None
    previous = event.get("previous_message") or {}
    thread_ts = previous.get("thread_ts")
    if not thread_ts or thread_ts == previous.get("ts") or previous.get("bot_id"):
        return None
    return previous


def edited_reply(event: dict[str, Any], bot_user_id: str | None = None) -> dict[str, Any] | None:
    """A person editing the text of their reply in a thread: the new message, else None.

    Slack also sends `message_changed` when only attachments change (link unfurls): those keep
    the text and are not edits of the feedback."""
    if event.get("subtype") != "message_changed":
        return None
    new = event.get("message") or {}
    previous = event.get("previous_message") or {}
    candidate = {**new, "channel": event.get("channel"), "subtype": None}
    if not is_feedback_candidate(candidate, bot_user_id):
        return None
    if previous and previous.get("text") == new.get("text"):
        return None
    return candidate


def _storer(deps: Deps):
    def store_message(ack: Ack, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        if deleted_reply(event) is not None:
            deps.inbox.put(key=body["event_id"], kind=DELETED, payload=body, team_id=team_of(body))
        elif edited_reply(event, deps.bot_user_id) is not None:
            # Keyed on the event only: the reply's own channel + ts belongs to the reply's row.
            deps.inbox.put(key=body["event_id"], kind=EDITED, payload=body, team_id=team_of(body))
        elif is_feedback_candidate(event, deps.bot_user_id):
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
    thread_ts = (
        event.get("thread_ts")
        or (event.get("message") or {}).get("thread_ts")
        or (event.get("previous_message") or {}).get("thread_ts")
    )
    return f"thread:{event.get('channel')}:{thread_ts}"


def process(deps: Deps, item: InboxItem) -> None:
    event = item.payload["event"]
    actor = Actor(team_of(item.payload) or "", event["user"], event["channel"])
    kind, text = classify_reply(event.get("text") or "")
    result = deps.services.feedback.reply(actor, event["thread_ts"], event["ts"], kind, text)
    if result.run is not None and result.kind is not None and (result.created or text):
        deps.posters.for_team(actor.team_id).react(
            actor.channel_id, event["ts"], ACK_EMOJI.get(result.kind.value, "memo")
        )


def process_edited(deps: Deps, item: InboxItem) -> None:
    message = edited_reply(item.payload["event"]) or {}
    actor = Actor(team_of(item.payload) or "", message.get("user", ""), message.get("channel"))
    kind, text = classify_reply(message.get("text") or "")
    result = deps.services.feedback.edit_reply(
        actor, message.get("thread_ts", ""), message.get("ts", ""), kind, text
    )
    if result.run is not None and result.kind is not None and not result.retracted:
        deps.posters.for_team(actor.team_id).react(
            actor.channel_id, message["ts"], ACK_EMOJI.get(result.kind.value, "memo")
        )


def process_deleted(deps: Deps, item: InboxItem) -> None:
    event = item.payload["event"]
    previous = deleted_reply(event) or {}
    actor = Actor(team_of(item.payload) or "", previous.get("user", ""), event["channel"])
    deps.services.feedback.withdraw_reply(actor, previous.get("ts", ""))
