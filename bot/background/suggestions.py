"""The slow half of "Suggest critiques": one alignment-model call after the ack, its answer
shown privately (an ephemeral message) to the person who clicked."""

from __future__ import annotations

from functools import partial

from bot.background.inbox import Router
from bot.services import USER_ERRORS, user_message
from bot.slack.listeners.common import actor_from_payload
from bot.slack.listeners.deps import Deps
from bot.slack.views.notices import error_message
from bot.slack.views.suggestions import suggestions_message
from storage.records import InboxItem

SUGGEST = "suggest"


def register(router: Router, deps: Deps) -> None:
    router.add(SUGGEST, partial(process_suggest, deps))


def process_suggest(deps: Deps, item: InboxItem) -> None:
    """A retry after a crash may show the list again: harmless (private, nothing recorded)."""
    actor = actor_from_payload(item.payload)
    if not actor.channel_id:
        return
    poster = deps.posters.for_team(actor.team_id)
    run_id = item.payload["run_id"]
    try:
        found = deps.services.suggestions.suggest(actor, run_id)
    except USER_ERRORS as exc:
        msg = error_message(user_message(exc))
    else:
        run = deps.services.runs.view(run_id)
        msg = suggestions_message(run.run_id, run.template_name, found.items)
    poster.ephemeral(actor.channel_id, actor.user_id, msg["text"], msg["blocks"])
