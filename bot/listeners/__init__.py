"""Bolt listeners, one per kind of request. Each parses a payload into a typed command, stores
what must survive a crash in the inbox before the ack, and registers the processor that the
inbox worker runs after the ack."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import (
    app_home,
    app_mention,
    block_actions,
    flows,
    messages,
    reactions,
    slash_command,
    view_submissions,
)
from bot.listeners.deps import Deps

MODULES = (
    flows,
    slash_command,
    block_actions,
    view_submissions,
    messages,
    reactions,
    app_mention,
    app_home,
)


def register_all(app: App, deps: Deps) -> None:
    for module in MODULES:
        module.register(app, deps)


__all__ = ["Deps", "register_all"]
