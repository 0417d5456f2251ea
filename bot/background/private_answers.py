"""Model work asked for by one person and answered to that person alone (an ephemeral message),
after the ack: "Suggest critiques" on a run, and `/align judge NAME`.

A retry after a crash may show an answer twice: harmless, since nothing is recorded by it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from bot.background.inbox import Router
from bot.services import USER_ERRORS, Actor, user_message
from bot.slack.listeners.common import actor_from_payload
from bot.slack.listeners.deps import Deps
from bot.slack.views.blocks import Message
from bot.slack.views.judge import judge_message
from bot.slack.views.notices import error_message
from bot.slack.views.suggestions import suggestions_message
from storage.records import InboxItem

SUGGEST, JUDGE = "suggest", "judge"


def register(router: Router, deps: Deps) -> None:
    router.add(SUGGEST, partial(_answer, deps, _suggestions))
    router.add(JUDGE, partial(_answer, deps, _judge))


def _suggestions(deps: Deps, actor: Actor, item: InboxItem) -> Message:
    run_id = item.payload["run_id"]
    found = deps.services.suggestions.suggest(actor, run_id)
    run = deps.services.runs.view(run_id)
    return suggestions_message(run.run_id, run.template_name, found.items)


def _judge(deps: Deps, actor: Actor, item: InboxItem) -> Message:
    name = item.payload["name"]
    return judge_message(name, deps.services.judge.agreement(actor, name))


def _answer(deps: Deps, make: Callable[[Deps, Actor, InboxItem], Message], item: InboxItem) -> None:
    actor = actor_from_payload(item.payload)
    if not actor.channel_id:
        return
    try:
        msg = make(deps, actor, item)
    except USER_ERRORS as exc:  # e.g. too few labels, a failed model call: said to the asker
        msg = error_message(user_message(exc))
    deps.posters.for_team(actor.team_id).ephemeral(
        actor.channel_id, actor.user_id, msg["text"], msg["blocks"]
    )
