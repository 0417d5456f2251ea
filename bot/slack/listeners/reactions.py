"""reaction_added / reaction_removed on a run message: good and bad labels, and retractions.

The job is stored before the ack; the worker records (or retracts) the label and, for a bad
label, asks in the thread what should change.
"""

from __future__ import annotations

from functools import partial

from slack_bolt import App

from bot.background.inbox import Attempt
from bot.background.jobs import ReactionJob
from bot.background.steps import post_once
from bot.slack.commands.events import reaction_change
from bot.slack.listeners.common import event_storer
from bot.slack.listeners.deps import Deps
from bot.slack.views.notices import bad_label_question


def register(app: App, deps: Deps) -> None:
    store = event_storer(deps.inbox, reaction_change)
    app.event("reaction_added")(store)
    app.event("reaction_removed")(store)
    deps.router.add(ReactionJob, partial(process, deps))


def process(deps: Deps, job: ReactionJob, attempt: Attempt) -> None:
    """The label, then for a new bad label the question. Whether to ask is known only when the
    label is first stored, so it is noted then: a retry after Slack failed to take the question
    still asks it, once (and a retry of anything else just finds the label stored)."""
    actor = job.actor
    result = deps.services.feedback.reaction(
        actor, job.message_ts, job.emoji, job.label, added=job.added
    )
    if result.ask_what_should_change:
        attempt.note(ask=True)
    if attempt.notes.get("ask") and actor.channel_id:
        poster = deps.posters.for_team(actor.team_id)
        msg = bad_label_question(actor.user_id)
        post_once(attempt, "question", poster, actor.channel_id, msg, thread_ts=job.message_ts)
