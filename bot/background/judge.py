"""The slow half of `/align judge NAME`: build and measure the judge after the ack, and show the
result to the person who asked."""

from __future__ import annotations

from functools import partial

from bot.background.inbox import Router
from bot.services import USER_ERRORS, user_message
from bot.slack.listeners.common import actor_from_payload
from bot.slack.listeners.deps import Deps
from bot.slack.views.judge import judge_message
from bot.slack.views.notices import error_message
from storage.records import InboxItem

JUDGE = "judge"


def register(router: Router, deps: Deps) -> None:
    router.add(JUDGE, partial(process_judge, deps))


def process_judge(deps: Deps, item: InboxItem) -> None:
    actor = actor_from_payload(item.payload)
    if not actor.channel_id:
        return
    name = item.payload["name"]
    try:
        msg = judge_message(name, deps.services.judge.agreement(actor, name))
    except USER_ERRORS as exc:
        msg = error_message(user_message(exc))
    deps.posters.for_team(actor.team_id).ephemeral(
        actor.channel_id, actor.user_id, msg["text"], msg["blocks"]
    )
