"""Replies in a run's thread: critiques, rewrites (`rewrite:` or a code block), `principle:` and
`kudos:`. Stored before the ack (one row per message, however often Slack delivers it); the
worker records the feedback and acknowledges it with a reaction on the reply. An edited reply
changes the feedback it was (re-classified, same item); a deleted one withdraws it."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App

from alignment.vocabulary import FeedbackKind
from bot.services import USER_ERRORS, Actor, user_message
from bot.slack.commands.events import ReplyDeleted, ThreadReply, Where, reply_deleted, thread_reply
from bot.slack.listeners.deps import Deps, team_of
from bot.slack.views.notices import not_feedback_hint, reply_refused_message
from storage.records import InboxItem

KIND, EDITED, DELETED = "thread_reply", "thread_reply_edited", "thread_reply_deleted"
ACK_EMOJI = {
    FeedbackKind.CRITIQUE: "memo",
    FeedbackKind.REWRITE: "pencil2",
    FeedbackKind.PRINCIPLE: "bookmark",
    FeedbackKind.KUDOS: "raised_hands",
}


def register(app: App, deps: Deps) -> None:
    app.event("message")(_storer(deps))
    deps.router.add(KIND, partial(process, deps), lane=lane)
    deps.router.add(EDITED, partial(process, deps), lane=lane)
    deps.router.add(DELETED, partial(process_deleted, deps), lane=lane)


def _storer(deps: Deps):
    def store_message(ack: Ack, body: dict[str, Any]) -> None:
        team = team_of(body)
        if reply_deleted(body) is not None:
            deps.inbox.put(key=body["event_id"], kind=DELETED, payload=body, team_id=team)
        elif (reply := thread_reply(body, deps.bot_user_id)) is not None and reply.edited:
            # Keyed on the event only: the reply's own channel + ts belongs to the reply's row.
            deps.inbox.put(key=body["event_id"], kind=EDITED, payload=body, team_id=team)
        elif reply is not None:
            deps.inbox.put(
                key=body["event_id"],
                kind=KIND,
                payload=body,
                team_id=team,
                channel_id=reply.where.channel_id,
                message_ts=reply.reply_ts,
            )
        ack()

    return store_message


def lane(item: InboxItem) -> str:
    """A run's reactions, replies, edits and deletions run in order, in the thread's lane."""
    cmd = thread_reply(item.payload) or reply_deleted(item.payload)
    if isinstance(cmd, ThreadReply):
        return f"thread:{cmd.where.channel_id}:{cmd.thread_ts}"
    event = item.payload.get("event") or {}
    thread_ts = (event.get("previous_message") or {}).get("thread_ts")
    return f"thread:{event.get('channel')}:{thread_ts}"


def _actor(where: Where) -> Actor:
    return Actor(where.team_id, where.user_id, where.channel_id)


def process(deps: Deps, item: InboxItem) -> None:
    reply = thread_reply(item.payload)
    if reply is None:
        return
    apply_reply(deps, reply)


def apply_reply(deps: Deps, reply: ThreadReply) -> None:
    actor = _actor(reply.where)
    feedback = deps.services.feedback
    record = feedback.edit_reply if reply.edited else feedback.reply
    poster = deps.posters.for_team(actor.team_id)
    try:
        result = record(actor, reply.thread_ts, reply.reply_ts, reply.kind, reply.text)
    except USER_ERRORS as exc:  # e.g. too long: only its author needs to know, in the thread
        msg = reply_refused_message(user_message(exc))
        poster.ephemeral(reply.where.channel_id, actor.user_id, msg["text"], msg["blocks"],
                         reply.thread_ts)  # fmt: skip
        return
    if result.run is None:
        _hint_if_ours(deps, actor, reply)
        return
    acknowledge = result.created or reply.text or reply.edited
    if result.run is not None and result.kind is not None and acknowledge and not result.retracted:
        poster.react(reply.where.channel_id, reply.reply_ts, ACK_EMOJI.get(result.kind, "memo"))


def _hint_if_ours(deps: Deps, actor: Actor, reply: ThreadReply) -> None:
    """A reply under one of our messages that is not a run (a new template, a proposal) is
    not feedback: its author is told where feedback goes, rather than left wondering."""
    ours = deps.bot_user_id is not None and reply.parent_user_id == deps.bot_user_id
    if not ours or reply.edited or not actor.channel_id:
        return
    on_proposal = deps.services.proposals.is_proposal_message(actor.channel_id, reply.thread_ts)
    msg = not_feedback_hint(on_proposal)
    deps.posters.for_team(actor.team_id).ephemeral(
        actor.channel_id, actor.user_id, msg["text"], msg["blocks"], reply.thread_ts
    )


def process_deleted(deps: Deps, item: InboxItem) -> None:
    deleted: ReplyDeleted | None = reply_deleted(item.payload)
    if deleted is not None:
        deps.services.feedback.withdraw_reply(_actor(deleted.where), deleted.reply_ts)
