"""app_home_opened: publish the person's App Home (templates, versions, pending proposals)."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App

from bot.background.inbox import Attempt
from bot.background.jobs import HomeOpenedJob
from bot.services import Actor
from bot.slack.listeners.common import event_storer
from bot.slack.listeners.deps import Deps
from bot.slack.views.home import app_home


def register(app: App, deps: Deps) -> None:
    app.event("app_home_opened")(event_storer(deps.inbox, home_opened))
    deps.router.add(HomeOpenedJob, partial(process, deps))


def home_opened(event: dict[str, Any], actor: Actor) -> HomeOpenedJob | None:
    """Only the Home tab (not Messages or About) is ours to draw."""
    if event.get("tab", "home") != "home" or not actor.user_id:
        return None
    return HomeOpenedJob(actor=actor)


def process(deps: Deps, job: HomeOpenedJob, attempt: Attempt) -> None:
    poster = deps.posters.for_team(job.actor.team_id)
    view = app_home(deps.services.home.home(job.actor, poster.permalink))
    poster.publish_home(job.actor.user_id, view)
