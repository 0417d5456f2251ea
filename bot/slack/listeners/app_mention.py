"""@alignbot outside a run thread: answer with how to use it (in the thread of the mention).

Mentions inside a run's thread are feedback and arrive as message events too; those are left to
the message listener so nothing is counted twice.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.background.inbox import Attempt
from bot.background.jobs import MentionJob
from bot.background.steps import post_once
from bot.slack.commands.events import mention
from bot.slack.listeners.common import actor_of
from bot.slack.listeners.deps import Deps
from bot.slack.views.help import help_message


def register(app: App, deps: Deps) -> None:
    app.event("app_mention")(_storer(deps))
    deps.router.add(MentionJob, partial(process, deps))


def _storer(deps: Deps):
    def store_mention(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        job = mention(event, actor_of(context))
        if job is not None:
            deps.inbox.put(job, key=body["event_id"])
        ack()

    return store_mention


def process(deps: Deps, job: MentionJob, attempt: Attempt) -> None:
    channel = job.actor.channel_id or ""
    if job.thread_ts and deps.services.store.find_run_by_message(channel, job.thread_ts):
        return  # feedback in a run thread: the message listener has it
    poster = deps.posters.for_team(job.actor.team_id)
    post_once(attempt, "help", poster, channel, help_message(), thread_ts=job.thread_ts or job.ts)
