"""The typed arguments of the Store: each kind of value says, by its type, how it is checked.

A Store method annotates a parameter with one of these types (or one of `alignment.values`'
types, such as `TemplateName`), and `typed_arguments` validates it with pydantic before any
transaction starts: a bad id, number or oversize text is a clear `InvalidInput` on both
backends (PostgreSQL would otherwise raise a driver error, and SQLite would quietly answer "not
found" for `"abc"` or store a value wider than its column). Column widths are read from
`storage.models`, never copied.
"""

from __future__ import annotations

import functools
import inspect
import json
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BeforeValidator, TypeAdapter, ValidationError
from sqlalchemy.orm import InstrumentedAttribute

from alignment.values import InvalidValue, first_problem
from storage import models as m
from storage.errors import InvalidInput

MAX_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL
MAX_LIMIT = 100_000
MAX_SECONDS = 366 * 24 * 3600

C = TypeVar("C", bound=type)


@dataclass(frozen=True)
class Subject:
    """Annotated metadata: messages about this argument start with `what` (by default, the
    parameter's name in words: `channel_id` -> "channel id")."""

    what: str | None = None


def _whole(high: int) -> BeforeValidator:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"must be a whole number, not {value!r}")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError(f"must be a whole number, not {value!r}") from None
        if not 1 <= number <= high:
            raise ValueError(f"must be between 1 and {high:,}, not {number:,}")
        return number

    return BeforeValidator(check)


_ID = _whole(MAX_ID)
TemplateId = Annotated[int, _ID, Subject("template id")]
VersionId = Annotated[int, _ID, Subject("version id")]
BaseVersionId = Annotated[int, _ID, Subject("base version id")]
RunId = Annotated[int, _ID, Subject("run id")]
ProposalId = Annotated[int, _ID, Subject("proposal id")]
FeedbackId = Annotated[int, _ID, Subject("feedback id")]
PrincipleId = Annotated[int, _ID, Subject("principle id")]
InboxItemId = Annotated[int, _ID, Subject("inbox item id")]
WebhookId = Annotated[int, _ID, Subject("webhook id")]
DeliveryId = Annotated[int, _ID, Subject("webhook delivery id")]
VersionNo = Annotated[int, _whole(MAX_ID), Subject("version number")]
Limit = Annotated[int, _whole(MAX_LIMIT), Subject("limit")]


def width(column: InstrumentedAttribute[Any]) -> int:
    """The width of a String column of storage.models."""
    length = getattr(column.property.columns[0].type, "length", None)
    assert isinstance(length, int), column
    return length


def _fits(column: InstrumentedAttribute[Any]) -> BeforeValidator:
    """Text no wider than `column`."""
    limit = width(column)

    def check(value: object) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be text, not {value!r}")
        if len(value) > limit:
            raise ValueError(f"is {len(value):,} characters; the limit is {limit:,}")
        return value

    return BeforeValidator(check)


TeamId = Annotated[str, _fits(m.Template.team_id), Subject()]
ChannelId = Annotated[str, _fits(m.Template.channel_id), Subject()]
MessageTs = Annotated[str, _fits(m.Run.message_ts), Subject()]
UserId = Annotated[str, _fits(m.Decision.user_id), Subject()]
EventId = Annotated[str, _fits(m.InboxEvent.event_id), Subject()]
SourceKey = Annotated[str, _fits(m.Feedback.source_key), Subject()]
InboxKind = Annotated[str, _fits(m.InboxEvent.kind), Subject()]
InboxLane = Annotated[str, _fits(m.InboxEvent.lane), Subject("lane")]
WorkerId = Annotated[str, _fits(m.InboxEvent.claimed_by), Subject()]
LeaseHolder = Annotated[str, _fits(m.Lease.holder), Subject()]
RunModel = Annotated[str, _fits(m.Run.model), Subject("model")]  # as the client reported it


def _json(value: object) -> object:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValueError("must be a mapping of names to values")
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"must be plain JSON data: {exc}") from None
    return value


JsonObject = Annotated[dict[str, Any], BeforeValidator(_json), Subject()]


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be a whole number of 0 or more, not {value!r}")
    return value


TokenCount = Annotated[int, BeforeValidator(_count), Subject()]


def _non_negative(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {value!r}")
    if not value >= 0:
        raise ValueError(f"must be 0 or more, not {value:g}")
    return float(value)


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {value!r}")
    if not 0 < value <= MAX_SECONDS:
        raise ValueError(f"must be more than 0 and at most a year, not {value:g}")
    return float(value)


Millis = Annotated[float, BeforeValidator(_non_negative), Subject()]
Seconds = Annotated[float, BeforeValidator(_seconds), Subject()]


# --- the decorator --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    adapter: TypeAdapter[Any]
    optional: bool
    subject: str | None  # None: the type's messages are whole sentences (alignment.values)

    def __call__(self, value: object) -> Any:
        try:
            return self.adapter.validate_python(value)
        except ValidationError as exc:
            problem = first_problem(exc)
            raise InvalidInput(f"{self.subject} {problem}" if self.subject else problem) from None


@functools.cache
def _check_of(kind: Any) -> _Check:
    check = _check_for("value", kind)
    assert check is not None, kind
    return check


def checked(kind: Any, value: object) -> Any:
    """`value` checked as a parameter of type `kind` would be (e.g. each id in a list)."""
    return _check_of(kind)(value)


def _check_for(name: str, annotation: Any) -> _Check | None:
    """How to check a parameter, from its type; None when its type asks for no check."""
    optional = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        optional = len(args) < len(get_args(annotation))
        if len(args) != 1:
            return None
        annotation = args[0]
    if get_origin(annotation) is not Annotated:
        return None
    subjects = [x for x in annotation.__metadata__ if isinstance(x, Subject)]
    subject = None
    if subjects:
        subject = subjects[0].what or name.replace("_", " ")
    return _Check(TypeAdapter(annotation), optional, subject)


def _checked(method: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(method)
    hints = typing.get_type_hints(method, include_extras=True)
    checks = {
        name: check
        for name in signature.parameters
        if name in hints and (check := _check_for(name, hints[name])) is not None
    }
    if not checks:  # `now`, `close`, …: nothing to bind at every call

        @functools.wraps(method)
        def unchecked(*args: Any, **kwargs: Any) -> Any:
            return _invalid_as_input(method, args, kwargs)

        return unchecked

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        for name, check in checks.items():
            if name not in bound.arguments:
                continue
            value = bound.arguments[name]
            if value is None and check.optional:
                continue
            bound.arguments[name] = check(value)
        return _invalid_as_input(method, bound.args, bound.kwargs)

    return wrapper


def _invalid_as_input(method: Callable[..., Any], args: Any, kwargs: dict[str, Any]) -> Any:
    try:
        return method(*args, **kwargs)
    except InvalidValue as exc:  # a value parser used inside the method
        if isinstance(exc, InvalidInput):
            raise
        raise InvalidInput(str(exc)) from None


def typed_arguments(cls: C) -> C:
    """Class decorator: check the typed arguments of every public method of `cls` and its bases."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name)
        if inspect.isfunction(attr):
            setattr(cls, name, _checked(attr))
    return cls
