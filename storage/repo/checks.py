"""Argument checks every public `Store` method gets, so that a bad id or number is a clear
`InvalidInput` on both backends (PostgreSQL would otherwise raise a driver error, and SQLite
would quietly answer "not found" for `"abc"`).

Applied by name: a parameter called `template_id` (or `channel_id`, `payload`, …) is checked the
same way in every method, before any transaction starts.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any

from storage.errors import InvalidInput

MAX_ID = 2**31 - 1  # INTEGER primary keys on PostgreSQL
MAX_LIMIT = 100_000
MAX_SECONDS = 366 * 24 * 3600

_IDS = {
    "template_id": "template",
    "version_id": "version",
    "base_version_id": "base version",
    "run_id": "run",
    "proposal_id": "proposal",
    "feedback_id": "feedback",
    "principle_id": "principle",
    "item_id": "inbox item",
}


def _whole(value: Any, what: str, *, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"{what} must be a whole number, not {value!r}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{what} must be a whole number, not {value!r}") from None
    if not 1 <= number <= high:
        raise InvalidInput(f"{what} must be between 1 and {high:,}, not {number:,}")
    return number


def _seconds(value: Any, what: str, *, low_ok: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{what} must be a number, not {value!r}")
    if low_ok:
        if not value >= 0:
            raise InvalidInput(f"{what} must be 0 or more, not {value:g}")
        return float(value)
    if not 0 < value <= MAX_SECONDS:
        raise InvalidInput(f"{what} must be more than 0 and at most a year, not {value:g}")
    return float(value)


# Text parameters and their column widths (storage.models): PostgreSQL refuses longer values
# with a driver error and SQLite would store them, so both get the same clear refusal first.
_TEXTS = {
    "team_id": 32,
    "channel_id": 32,
    "ts": 32,
    "author": 64,
    "user_id": 64,
    "requested_by": 64,
    "created_by": 64,
    "event_id": 255,
    "source_key": 255,
    "kind": 64,
    "model": 200,
    "target_model": 200,
    "holder": 128,
    "worker_id": 128,
}
_JSON = ("inputs", "payload", "evaluation")
_COUNTS = ("input_tokens", "output_tokens")


def _text(value: Any, what: str, *, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text, not {value!r}")
    if len(value) > limit:
        raise InvalidInput(f"{what} is {len(value):,} characters; the limit is {limit:,}")
    return value


def _json(value: Any, what: str) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{what} must be plain JSON data: {exc}") from None
    return value


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{what} must be a whole number of 0 or more, not {value!r}")
    return value


def _checker(name: str) -> Callable[[Any], Any] | None:
    what = name.replace("_", " ")
    if name in _TEXTS:
        return lambda v: _text(v, what, limit=_TEXTS[name])
    if name in _JSON:
        return lambda v: _json(v, what)
    if name in _COUNTS:
        return lambda v: _count(v, what)
    if name == "latency_ms":
        return lambda v: _seconds(v, what, low_ok=True)
    if name in _IDS:
        return lambda v: _whole(v, f"{_IDS[name]} id", high=MAX_ID)
    if name == "number":
        return lambda v: _whole(v, "version number", high=MAX_ID)
    if name == "limit":
        return lambda v: _whole(v, "limit", high=MAX_LIMIT)
    if name in ("lease_seconds", "ttl_seconds"):
        return lambda v: _seconds(v, what)
    return None


def _checked(method: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(method)
    checks = {
        name: (check, param.default is None or "None" in str(param.annotation))
        for name, param in signature.parameters.items()
        if (check := _checker(name)) is not None
    }
    if not checks:
        return method

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        for name, (check, optional) in checks.items():
            if name in bound.arguments:
                value = bound.arguments[name]
                if value is None and optional:
                    continue
                bound.arguments[name] = check(value)
        return method(*bound.args, **bound.kwargs)

    return wrapper


def check_arguments(cls: type) -> type:
    """Class decorator: wrap every public method defined on `cls` or its bases."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attr = inspect.getattr_static(cls, name)
        if inspect.isfunction(attr):
            setattr(cls, name, _checked(attr))
    return cls
