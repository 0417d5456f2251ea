"""What a listener's exception answers Slack: a request that is wrong (a value storage refuses,
a malformed command) is a 400, never a 5xx; anything else (the database is down, a bug) stays a
500, so that Slack delivers the event again and nothing acknowledged is lost.

Registered with Bolt's own `app.error`, which replaces Bolt's default handler for listener and
middleware errors alike (hence the logging of the rest here).
"""

from __future__ import annotations

import logging

from pydantic import ValidationError
from slack_bolt import App, BoltResponse

from bot.slack.commands import CommandError
from storage.errors import AlreadyExists, InvalidInput, NotFound

log = logging.getLogger(__name__)

BAD_REQUEST: tuple[type[Exception], ...] = (
    InvalidInput,
    NotFound,
    AlreadyExists,
    CommandError,
    ValidationError,
)


def register(app: App) -> None:
    app.error(on_error)


def on_error(error: Exception) -> BoltResponse | None:
    """Bolt answers with the returned response; None keeps its 500."""
    if isinstance(error, BAD_REQUEST):
        log.warning("refused a malformed request: %s: %s", type(error).__name__, error)
        return BoltResponse(status=400, body={"ok": False, "error": str(error)[:300]})
    log.error("a listener failed", exc_info=error)
    return None
