"""Bolt listeners, one per kind of request. Each parses a payload into a typed command, stores
what must survive a crash in the inbox before the ack, and leaves the slow half to the
processors in `bot.background`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners.deps import Deps


def register_all(app: App, deps: Deps) -> None:
    # Imported here so that the background processors can import `deps` and `common` without
    # pulling in every listener (which import the processors' job kinds).
    from bot.slack.listeners import (
        app_home,
        app_mention,
        block_actions,
        errors,
        messages,
        reactions,
        slash_command,
        view_submissions,
    )

    for module in (
        slash_command,
        block_actions,
        view_submissions,
        messages,
        reactions,
        app_mention,
        app_home,
    ):
        module.register(app, deps)
    errors.register(app)


__all__ = ["Deps", "register_all"]
