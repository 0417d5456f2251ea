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

    # Bolt tries listeners in this order, evaluating each one's matchers, until one matches:
    # the events that come by the thousand (replies, reactions) are tried first, so their ack
    # does not first run the matchers of every command, button and form.
    for module in (
        messages,
        reactions,
        app_mention,
        app_home,
        slash_command,
        block_actions,
        view_submissions,
    ):
        module.register(app, deps)
    errors.register(app)


__all__ = ["Deps", "register_all"]
