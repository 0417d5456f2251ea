"""Replies in a run's thread: critiques, rewrites (`rewrite:` or a code block), `principle:` and
`kudos:`. Stored before the ack (one row per message, however often Slack delivers it); the
worker records the feedback and acknowledges it with a reaction on the reply. An edited reply
changes the feedback it was (re-classified, same item); a deleted one withdraws it."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext

from alignment.vocabulary import FeedbackKind
from bot.background.inbox import Attempt
from bot.background.jobs import ReplyDeletedJob, ThreadReplyJob
from bot.services import USER_ERRORS, user_message
from bot.slack.commands.events import reply_deleted, thread_reply
from bot.slack.listeners.common import actor_of
from bot.slack.listeners.deps import Deps
from bot.slack.views.notices import not_feedback_hint, reply_refused_message

ACK_EMOJI = {
    FeedbackKind.CRITIQUE: "memo",
    FeedbackKind.REWRITE: "pencil2",
    FeedbackKind.PRINCIPLE: "bookmark",
    FeedbackKind.KUDOS: "raised_hands",
}


def register(app: App, deps: Deps) -> None:
    app.event("message")(_storer(deps))
    deps.router.add(ThreadReplyJob, partial(process, deps))
    deps.router.add(ReplyDeletedJob, partial(process_deleted, deps))


def _storer(deps: Deps):
    def store_message(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        actor = actor_of(context)
        if (deleted := reply_deleted(event, actor)) is not None:
            deps.inbox.put(deleted, key=body["event_id"])
        elif (reply := thread_reply(event, actor, context.bot_user_id)) is not None:
            if reply.edited:  # keyed on the event: the reply's channel + ts is the reply's row
                deps.inbox.put(reply, key=body["event_id"])
            else:
                deps.inbox.put(
                    reply,
                    key=body["event_id"],
                    channel_id=actor.channel_id,
                    message_ts=reply.reply_ts,
                )
        ack()

    return store_message


def process(deps: Deps, job: ThreadReplyJob, attempt: Attempt) -> None:
    """Record the feedback (once per reply, however often this runs), then acknowledge it with
    an emoji; a retry after Slack failed to take the emoji finds the feedback stored and adds
    the emoji (reacting twice is harmless)."""
    actor = job.actor
    if not actor.channel_id:
        return
    feedback = deps.services.feedback
    record = feedback.edit_reply if job.edited else feedback.reply
    poster = deps.posters.for_team(actor.team_id)
    try:
        result = record(actor, job.thread_ts, job.reply_ts, job.feedback, job.text)
    except USER_ERRORS as exc:  # e.g. too long: only its author needs to know, in the thread
        msg = reply_refused_message(user_message(exc))
        poster.ephemeral(actor.channel_id, actor.user_id, msg["text"], msg["blocks"],
                         job.thread_ts)  # fmt: skip
        return
    if result.run is None:
        _hint_if_ours(deps, job, actor.channel_id)
        return
    if result.kind is None or result.retracted:
        return  # nothing to learn from, or withdrawn by the edit
    poster.react(actor.channel_id, job.reply_ts, ACK_EMOJI.get(result.kind, "memo"))


def _hint_if_ours(deps: Deps, job: ThreadReplyJob, channel_id: str) -> None:
    """A reply under one of our messages that is not a run (a new template, a proposal) is
    not feedback: its author is told where feedback goes, rather than left wondering."""
    if not job.under_our_message or job.edited:
        return
    on_proposal = deps.services.proposals.is_proposal_message(channel_id, job.thread_ts)
    msg = not_feedback_hint(on_proposal)
    deps.posters.for_team(job.actor.team_id).ephemeral(
        channel_id, job.actor.user_id, msg["text"], msg["blocks"], job.thread_ts
    )


def process_deleted(deps: Deps, job: ReplyDeletedJob, attempt: Attempt) -> None:
    deps.services.feedback.withdraw_reply(job.actor, job.reply_ts)
