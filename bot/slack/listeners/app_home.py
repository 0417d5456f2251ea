"""app_home_opened: publish the person's App Home (templates, versions, pending proposals)."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.services import Actor
from bot.slack.listeners.deps import Deps, team_of
from bot.slack.views.home import app_home
from storage.records import InboxItem

KIND = "app_home_opened"


def register(app: App, deps: Deps) -> None:
    app.event(KIND)(_storer(deps))
    deps.router.add(KIND, partial(process, deps), lane=lambda i: f"home:{_user(i.payload)}")


def _user(payload: dict[str, Any]) -> str:
    return (payload.get("event") or {}).get("user", "")


def _storer(deps: Deps):
    def store_home_opened(ack: Ack, body: dict[str, Any]) -> None:
        if (body.get("event") or {}).get("tab", "home") == "home":
            deps.inbox.put(key=body["event_id"], kind=KIND, payload=body, team_id=team_of(body))
        ack()

    return store_home_opened


def process(deps: Deps, item: InboxItem) -> None:
    actor = Actor(team_of(item.payload) or "", _user(item.payload))
    poster = deps.posters.for_team(actor.team_id)
    view = app_home(deps.services.home.home(actor, poster.permalink))
    poster.publish_home(actor.user_id, view)
