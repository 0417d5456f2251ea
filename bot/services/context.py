"""What every service call carries: who acts, where, and the errors a user may be shown."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from alignment.template import TemplateError
from alignment.values import InvalidValue
from storage.errors import StorageError


@dataclass(frozen=True)
class Actor:
    """A person (Slack user id) acting in a workspace, from a channel when there is one."""

    team_id: str
    user_id: str
    channel_id: str | None = None


class ServiceError(Exception):
    """A request that cannot be done; the message is written for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


log = logging.getLogger("bot.security")

Permalink = Callable[[str, str], str | None]  # (channel, ts) -> the message's URL


def not_in_workspace(actor: Actor, what: str, ident: object, *, foreign: bool) -> ServiceError:
    """An id that is not in the asker's workspace is "not found" to them, whether it does not
    exist or is another workspace's; the latter is logged, as someone sent an id they should
    not have."""
    if foreign:
        log.warning(
            "refused %s %r of another workspace, sent by user %s of workspace %s",
            what, ident, actor.user_id, actor.team_id,
        )  # fmt: skip
    return ServiceError(f"There is no {what} #{ident}.")


# Everything a listener may show to the user as is, instead of a generic failure (an
# InvalidValue is a value someone typed, refused by its one parser).
USER_ERRORS: tuple[type[Exception], ...] = (ServiceError, StorageError, TemplateError, InvalidValue)


def user_message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc)
