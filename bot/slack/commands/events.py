"""Slack events -> typed commands: what a person did on a run message or in its thread.

The listeners decide with these parsers which events to store in the inbox (before the ack) and
parse the stored event again when the worker takes the row; the services only ever get the
commands. `None` means: not an event the app acts on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from alignment.feedback import FeedbackKind, Label
from bot.slack.commands.reactions import reaction_label
from bot.slack.commands.thread_reply import classify_reply

Payload = Mapping[str, Any]


@dataclass(frozen=True)
class Where:
    """Who acted, in which workspace and channel."""

    team_id: str
    user_id: str
    channel_id: str


@dataclass(frozen=True)
class ReactionChange:
    """A feedback emoji added to or removed from a message (a run's, if any)."""

    where: Where
    message_ts: str
    emoji: str
    label: Label
    added: bool


@dataclass(frozen=True)
class ThreadReply:
    """A reply in a thread, classified; `edited` when it is the new text of an earlier reply."""

    where: Where
    thread_ts: str
    reply_ts: str
    kind: FeedbackKind
    text: str
    edited: bool = False
    parent_user_id: str | None = None  # who wrote the thread's first message, when Slack says


@dataclass(frozen=True)
class ReplyDeleted:
    where: Where
    reply_ts: str


def team_of(body: Payload) -> str:
    team = body.get("team_id") or body.get("team")
    if isinstance(team, Mapping):
        team = team.get("id")
    return str(team or "")


def reaction_change(body: Payload) -> ReactionChange | None:
    event = body.get("event") or {}
    item = event.get("item") or {}
    label = reaction_label(event.get("reaction") or "")
    if item.get("type") != "message" or label is None or event.get("type") not in _REACTIONS:
        return None
    if not (event.get("user") and item.get("channel") and item.get("ts")):
        return None
    return ReactionChange(
        Where(team_of(body), event["user"], item["channel"]),
        message_ts=item["ts"],
        emoji=event["reaction"],
        label=label,
        added=event["type"] == "reaction_added",
    )


_REACTIONS = ("reaction_added", "reaction_removed")


def is_person_reply(message: Payload, bot_user_id: str | None = None) -> bool:
    """A person's reply in a thread (not the parent, not a bot, not an edit or deletion)."""
    if message.get("subtype") not in (None, "thread_broadcast"):
        return False
    if message.get("bot_id") or not message.get("user") or message.get("user") == bot_user_id:
        return False
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts") and bool(message.get("text"))


def thread_reply(body: Payload, bot_user_id: str | None = None) -> ThreadReply | None:
    """A new reply, or the new text of an edited one (`message_changed`). Slack also sends
    `message_changed` when only attachments change (link unfurls): those are not edits."""
    event = body.get("event") or {}
    edited = event.get("subtype") == "message_changed"
    if edited:
        message = {**(event.get("message") or {}), "subtype": None}
        previous = event.get("previous_message") or {}
        if previous and previous.get("text") == message.get("text"):
            return None
    else:
        message = event
    if not event.get("channel") or not is_person_reply(message, bot_user_id):
        return None
    kind, text = classify_reply(message["text"])
    return ThreadReply(
        Where(team_of(body), message["user"], event["channel"]),
        thread_ts=message["thread_ts"],
        reply_ts=message["ts"],
        kind=kind,
        text=text,
        edited=edited,
        parent_user_id=message.get("parent_user_id") or None,
    )


def reply_deleted(body: Payload) -> ReplyDeleted | None:
    """A person deleting their reply in a thread: the feedback it was is withdrawn."""
    event = body.get("event") or {}
    if event.get("subtype") != "message_deleted" or not event.get("channel"):
        return None
    previous = event.get("previous_message") or {}
    thread_ts = previous.get("thread_ts")
    if not thread_ts or thread_ts == previous.get("ts") or previous.get("bot_id"):
        return None
    if not previous.get("ts"):
        return None
    return ReplyDeleted(Where(team_of(body), previous.get("user", ""), event["channel"]),
                        previous["ts"])  # fmt: skip
