"""What every service call carries: who acts, where, and the errors a user may be shown."""

from __future__ import annotations

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


# Everything a listener may show to the user as is, instead of a generic failure (an
# InvalidValue is a value someone typed, refused by its one parser).
USER_ERRORS: tuple[type[Exception], ...] = (ServiceError, StorageError, TemplateError, InvalidValue)


def user_message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc)
