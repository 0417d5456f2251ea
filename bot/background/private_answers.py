"""Model work asked for by one person and answered to that person alone (an ephemeral message),
after the ack: "Suggest critiques" on a run, and `/align judge NAME`.

A retry after a crash may show an answer twice: harmless, since nothing is recorded by it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from bot.background.inbox import Attempt, Router
from bot.background.jobs import JobBase, JudgeJob, SuggestJob
from bot.services import USER_ERRORS, user_message
from bot.slack.listeners.deps import Deps
from bot.slack.views.blocks import Message
from bot.slack.views.judge import judge_message
from bot.slack.views.notices import error_message
from bot.slack.views.suggestions import suggestions_message

J = TypeVar("J", bound=JobBase)


def register(router: Router, deps: Deps) -> None:
    router.add(SuggestJob, partial(_answer, deps, _suggestions))
    router.add(JudgeJob, partial(_answer, deps, _judge))


def _suggestions(deps: Deps, job: SuggestJob) -> Message:
    found = deps.services.suggestions.suggest(job.actor, job.run_id)
    run = deps.services.runs.view(job.run_id)
    return suggestions_message(run.run_id, run.template_name, found.items)


def _judge(deps: Deps, job: JudgeJob) -> Message:
    return judge_message(job.name, deps.services.judge.agreement(job.actor, job.name))


def _answer(deps: Deps, make: Callable[[Deps, J], Message], job: J, attempt: Attempt) -> None:
    actor = job.actor
    if not actor.channel_id:
        return
    try:
        msg = make(deps, job)
    except USER_ERRORS as exc:  # e.g. too few labels, a failed model call: said to the asker
        msg = error_message(user_message(exc))
    deps.posters.for_team(actor.team_id).ephemeral(
        actor.channel_id, actor.user_id, msg["text"], msg["blocks"]
    )
