"""reaction_added / reaction_removed on a run message: good and bad labels, and retractions.

The event is stored before the ack; the worker records (or retracts) the label and, for a bad
label, asks in the thread what should change.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.services import Actor
from bot.slack.commands.events import ReactionChange, reaction_change
from bot.slack.listeners.deps import Deps, team_of
from bot.slack.views.notices import bad_label_question
from storage.records import InboxItem

ADDED, REMOVED = "reaction_added", "reaction_removed"


def register(app: App, deps: Deps) -> None:
    app.event(ADDED)(_storer(deps, ADDED))
    app.event(REMOVED)(_storer(deps, REMOVED))
    deps.router.add(ADDED, partial(process, deps), lane=lane)
    deps.router.add(REMOVED, partial(process, deps), lane=lane)


def _storer(deps: Deps, kind: str):
    def store_reaction(ack: Ack, body: dict[str, Any]) -> None:
        if reaction_change(body) is not None:
            deps.inbox.put(key=body["event_id"], kind=kind, payload=body, team_id=team_of(body))
        ack()

    return store_reaction


def lane(item: InboxItem) -> str:
    target = item.payload.get("event", {}).get("item", {})
    return f"thread:{target.get('channel')}:{target.get('ts')}"


def parse(payload: dict[str, Any]) -> ReactionChange:
    change = reaction_change(payload)
    if change is None:
        raise ValueError("not a feedback reaction on a message")
    return change


def process(deps: Deps, item: InboxItem) -> None:
    change = parse(item.payload)
    w = change.where
    actor = Actor(w.team_id, w.user_id, w.channel_id)
    result = deps.services.feedback.reaction(
        actor, change.message_ts, change.emoji, change.label, added=change.added
    )
    if result.ask_what_should_change:
        msg = bad_label_question(actor.user_id)
        deps.posters.for_team(actor.team_id).post(
            w.channel_id, msg["text"], msg["blocks"], thread_ts=change.message_ts
        )
