"""@alignbot outside a run thread: answer with how to use it (in the thread of the mention).

Mentions inside a run's thread are feedback and arrive as message events too; those are left to
the message listener so nothing is counted twice.
"""

from __future__ import annotations

from functools import partial

from slack_bolt import App

from bot.background.inbox import Attempt
from bot.background.jobs import MentionJob
from bot.background.steps import post_once
from bot.slack.commands.events import mention
from bot.slack.listeners.common import event_storer
from bot.slack.listeners.deps import Deps
from bot.slack.views.help import help_message


def register(app: App, deps: Deps) -> None:
    app.event("app_mention")(event_storer(deps.inbox, mention))
    deps.router.add(MentionJob, partial(process, deps))


def process(deps: Deps, job: MentionJob, attempt: Attempt) -> None:
    channel = job.actor.channel_id or ""
    if job.thread_ts and deps.services.runs.is_run_message(channel, job.thread_ts):
        return  # feedback in a run thread: the message listener has it
    poster = deps.posters.for_team(job.actor.team_id)
    post_once(attempt, "help", poster, channel, help_message(), thread_ts=job.thread_ts or job.ts)
