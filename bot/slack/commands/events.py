"""Slack events -> typed jobs: what a person did on a run message or in its thread.

Parsed once, at the edge, inside the request: the listener stores the job these return (or
nothing, for `None`: not an event the app acts on) and the worker gets the job, never the event.
Who acted and where comes from Bolt's context (`Actor`); a message without a usable channel or
timestamp is not feedback (it could not be keyed to one message).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from bot.background.jobs import (
    MentionJob,
    ReactionJob,
    ReplyDeletedJob,
    ThreadReplyJob,
)
from bot.services import Actor
from bot.slack.commands.reactions import reaction_label
from bot.slack.commands.thread_reply import classify_reply

Payload = Mapping[str, Any]
_CHANNEL = re.compile(r"[A-Za-z0-9]{1,32}")
_REACTIONS = ("reaction_added", "reaction_removed")


def usable_channel(value: object) -> bool:
    return isinstance(value, str) and _CHANNEL.fullmatch(value) is not None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def reaction_change(event: Payload, actor: Actor) -> ReactionJob | None:
    item = event.get("item")
    if not isinstance(item, Mapping) or item.get("type") != "message":
        return None
    label = reaction_label(_text(event.get("reaction")))
    if label is None or event.get("type") not in _REACTIONS:
        return None
    if not (actor.user_id and usable_channel(actor.channel_id)):
        return None
    try:
        return ReactionJob(
            actor=actor,
            message_ts=item.get("ts"),
            emoji=event["reaction"],
            label=label,
            added=event["type"] == "reaction_added",
        )
    except ValidationError:
        return None


def is_person_reply(message: Payload, bot_user_id: str | None = None) -> bool:
    """A person's reply in a thread (not the parent, not a bot, not an edit or deletion)."""
    if message.get("subtype") not in (None, "thread_broadcast"):
        return False
    if message.get("bot_id") or not message.get("user") or message.get("user") == bot_user_id:
        return False
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts") and bool(message.get("text"))


def thread_reply(
    event: Payload, actor: Actor, bot_user_id: str | None = None
) -> ThreadReplyJob | None:
    """A new reply, or the new text of an edited one (`message_changed`). Slack also sends
    `message_changed` when only attachments change (link unfurls): those are not edits."""
    edited = event.get("subtype") == "message_changed"
    if edited:
        changed = event.get("message")
        if not isinstance(changed, Mapping):
            return None
        message: Payload = {**changed, "subtype": None}
        previous = event.get("previous_message")
        if isinstance(previous, Mapping) and previous.get("text") == message.get("text"):
            return None
    else:
        message = event
    if not usable_channel(event.get("channel")) or not is_person_reply(message, bot_user_id):
        return None
    kind, text = classify_reply(_text(message.get("text")))
    try:
        return ThreadReplyJob(
            actor=actor,
            thread_ts=message.get("thread_ts"),
            reply_ts=message.get("ts"),
            feedback=kind,
            text=text,
            edited=edited,
            under_our_message=bot_user_id is not None
            and message.get("parent_user_id") == bot_user_id,
        )
    except ValidationError:  # e.g. no ts: it could not be keyed to its message
        return None


def reply_deleted(event: Payload, actor: Actor) -> ReplyDeletedJob | None:
    """A person deleting their reply in a thread: the feedback it was is withdrawn."""
    if event.get("subtype") != "message_deleted" or not usable_channel(event.get("channel")):
        return None
    previous = event.get("previous_message")
    if not isinstance(previous, Mapping) or previous.get("bot_id"):
        return None
    thread_ts = previous.get("thread_ts")
    if not thread_ts or thread_ts == previous.get("ts"):
        return None
    try:
        return ReplyDeletedJob(actor=actor, thread_ts=thread_ts, reply_ts=previous.get("ts"))
    except ValidationError:
        return None


def mention(event: Payload, actor: Actor) -> MentionJob | None:
    if not usable_channel(event.get("channel")):
        return None
    try:
        return MentionJob(actor=actor, ts=event.get("ts"), thread_ts=event.get("thread_ts"))
    except ValidationError:
        return None
