"""app_home_opened: publish the person's App Home (templates, versions, pending proposals)."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.background.inbox import Attempt
from bot.background.jobs import HomeOpenedJob
from bot.slack.listeners.common import actor_of
from bot.slack.listeners.deps import Deps
from bot.slack.views.home import app_home


def register(app: App, deps: Deps) -> None:
    app.event("app_home_opened")(_storer(deps))
    deps.router.add(HomeOpenedJob, partial(process, deps))


def _storer(deps: Deps):
    def store_home_opened(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        actor = actor_of(context)
        if event.get("tab", "home") == "home" and actor.user_id:
            deps.inbox.put(HomeOpenedJob(actor=actor), key=body["event_id"])
        ack()

    return store_home_opened


def process(deps: Deps, job: HomeOpenedJob, attempt: Attempt) -> None:
    poster = deps.posters.for_team(job.actor.team_id)
    view = app_home(deps.services.home.home(job.actor, poster.permalink))
    poster.publish_home(job.actor.user_id, view)
