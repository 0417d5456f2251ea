"""reaction_added / reaction_removed on a run message: good and bad labels, and retractions.

The event is stored before the ack; the worker records (or retracts) the label and, for a bad
label, asks in the thread what should change.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.commands.reactions import reaction_label
from bot.listeners.deps import Deps, team_of
from bot.services import Actor
from bot.views.notices import bad_label_question
from storage.records import InboxItem

ADDED, REMOVED = "reaction_added", "reaction_removed"


def register(app: App, deps: Deps) -> None:
    app.event(ADDED)(_storer(deps, ADDED))
    app.event(REMOVED)(_storer(deps, REMOVED))
    deps.router.add(ADDED, partial(process, deps), lane=lane)
    deps.router.add(REMOVED, partial(process, deps), lane=lane)


def _storer(deps: Deps, kind: str):
    def store_reaction(ack: Ack, body: dict[str, Any]) -> None:
        event = body.get("event") or {}
        item = event.get("item") or {}
        if item.get("type") == "message" and reaction_label(event.get("reaction", "")):
            deps.inbox.put(key=body["event_id"], kind=kind, payload=body, team_id=team_of(body))
        ack()

    return store_reaction


def lane(item: InboxItem) -> str:
    target = item.payload.get("event", {}).get("item", {})
    return f"thread:{target.get('channel')}:{target.get('ts')}"


def parse(payload: dict[str, Any]) -> tuple[Actor, str, str, bool]:
    """(actor in the message's channel, message ts, emoji, added?)."""
    event = payload["event"]
    target = event["item"]
    actor = Actor(team_of(payload) or "", event["user"], target["channel"])
    return actor, target["ts"], event["reaction"], event["type"] == ADDED


def process(deps: Deps, item: InboxItem) -> None:
    actor, ts, emoji, added = parse(item.payload)
    result = deps.services.feedback.reaction(actor, ts, emoji, reaction_label(emoji), added=added)
    if result.ask_what_should_change:
        msg = bad_label_question(actor.user_id)
        deps.posters.for_team(actor.team_id).post(
            actor.channel_id, msg["text"], msg["blocks"], thread_ts=ts
        )
