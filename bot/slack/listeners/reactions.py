"""reaction_added / reaction_removed on a run message: good and bad labels, and retractions.

The job is stored before the ack; the worker records (or retracts) the label and, for a bad
label, asks in the thread what should change.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.background.inbox import Attempt
from bot.background.jobs import ReactionJob
from bot.background.steps import post_once
from bot.slack.commands.events import reaction_change
from bot.slack.listeners.common import actor_of
from bot.slack.listeners.deps import Deps
from bot.slack.views.notices import bad_label_question


def register(app: App, deps: Deps) -> None:
    app.event("reaction_added")(_storer(deps))
    app.event("reaction_removed")(_storer(deps))
    deps.router.add(ReactionJob, partial(process, deps))


def _storer(deps: Deps):
    def store_reaction(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        job = reaction_change(event, actor_of(context))
        if job is not None:
            deps.inbox.put(job, key=body["event_id"])
        ack()

    return store_reaction


def process(deps: Deps, job: ReactionJob, attempt: Attempt) -> None:
    """Two side effects, each noted: the label (whether to ask is decided with it, once), then
    the question; a retry after Slack failed to take the question still asks it, once."""
    actor = job.actor

    def record() -> bool:
        result = deps.services.feedback.reaction(
            actor, job.message_ts, job.emoji, job.label, added=job.added
        )
        return result.ask_what_should_change

    ask: bool = attempt.once("recorded", record)
    if ask and actor.channel_id:
        poster = deps.posters.for_team(actor.team_id)
        msg = bad_label_question(actor.user_id)
        post_once(attempt, "question", poster, actor.channel_id, msg, thread_ts=job.message_ts)
