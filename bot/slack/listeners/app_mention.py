"""@alignbot outside a run thread: answer with how to use it (in the thread of the mention).

Mentions inside a run's thread are feedback and arrive as message events too; those are left to
the message listener so nothing is counted twice.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App

from bot.slack.listeners.deps import Deps, team_of
from bot.slack.views.help import help_message
from storage.records import InboxItem

KIND = "app_mention"


def register(app: App, deps: Deps) -> None:
    app.event(KIND)(_storer(deps))
    deps.router.add(KIND, partial(process, deps))


def _storer(deps: Deps):
    def store_mention(ack: Ack, body: dict[str, Any]) -> None:
        deps.inbox.put(key=body["event_id"], kind=KIND, payload=body, team_id=team_of(body))
        ack()

    return store_mention


def process(deps: Deps, item: InboxItem) -> None:
    event = item.payload["event"]
    channel, ts = event["channel"], event["ts"]
    thread_ts = event.get("thread_ts")
    if thread_ts and deps.services.runs.is_run_message(channel, thread_ts):
        return  # feedback in a run thread: the message listener has it
    msg = help_message()
    deps.posters.for_team(team_of(item.payload)).post(
        channel, msg["text"], msg["blocks"], thread_ts=thread_ts or ts
    )
