"""Per-template settings: who approves, how many approvals, when to propose on its own.

Stored as JSON on the template so new settings need no migration; validated here so a bad
`/align settings NAME key=value` gets a clear message and changes nothing.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from storage.errors import InvalidInput

_OFF = {"", "off", "none", "never", "no", "false", "0"}
_ANYONE = {"", "anyone", "any", "everyone", "all", "*"}


@dataclass(frozen=True)
class TemplateSettings:
    approvers: tuple[str, ...] = ()  # Slack user ids; empty means anyone in the channel
    approvals_required: int = 1
    auto_propose_after: int | None = None  # propose when this many feedback items are pending
    proposal_ttl_hours: int = 72  # pending proposals older than this expire
    remind_after_hours: int | None = 24  # remind approvers of a proposal waiting this long
    daily_digest: bool = False
    # Runs logged by applications: the share posted for review (1 all, 0 none) and a cap per hour.
    review_rate: float = 1.0
    review_cap_per_hour: int = 20

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["approvers"] = list(self.approvers)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> TemplateSettings:
        """Read stored settings, ignoring keys a newer version may have written."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls().with_changes(**{k: v for k, v in (data or {}).items() if k in known})

    def with_changes(self, **changes: Any) -> TemplateSettings:
        """Validated copy. Values may be native or the strings a user types in Slack."""
        known = [f.name for f in dataclasses.fields(self)]
        unknown = sorted(set(changes) - set(known))
        if unknown:
            raise InvalidInput(
                f"unknown setting {', '.join(map(repr, unknown))}; known settings: "
                + ", ".join(known)
            )
        parsed = {name: _PARSERS[name](name, value) for name, value in changes.items()}
        result = dataclasses.replace(self, **parsed)
        if result.approvers and result.approvals_required > len(result.approvers):
            raise InvalidInput(
                f"approvals_required is {result.approvals_required} but only "
                f"{len(result.approvers)} approver(s) are listed; no proposal could ever pass"
            )
        return result


def _int(name: str, value: Any, *, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number, not {value!r}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}, not {number}")
    return number


def _optional_int(name: str, value: Any, *, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in _OFF):
        return None
    return _int(name, value, low=low, high=high)


_USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}\Z")


def _approvers(name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        if value.strip().lower() in _ANYONE:
            return ()
        items = value.replace(",", " ").split()
    elif isinstance(value, list | tuple | set | frozenset):
        items = [str(v) for v in value]
    else:
        raise InvalidInput(f"{name} must be a list of user ids or 'anyone', not {value!r}")
    ids: list[str] = []
    for item in items:
        uid = item.strip().strip("<>").lstrip("@").split("|")[0]  # accepts <@U123|name> mentions
        if not _USER_ID.match(uid):
            # e.g. "@bob" typed as plain text: it would never match anyone's approval
            raise InvalidInput(
                f"{name}: {item!r} is not a Slack user id (like U012AB3CD); mention the person "
                "so that Slack sends their id"
            )
        if uid not in ids:
            ids.append(uid)
    return tuple(ids)


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"on", "yes", "true", "1"}:
        return True
    if text in {"off", "no", "false", "0"}:
        return False
    raise InvalidInput(f"{name} must be on or off, not {value!r}")


def _rate(name: str, value: Any) -> float:
    """`all`, `none`, `10%` or `0.1`: the share of an application's runs posted for review."""
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be all, none, a percentage or a fraction, not {value!r}")
    text = str(value).strip().lower()
    if text in {"all", "every", "always"}:
        return 1.0
    if text in _OFF:
        return 0.0
    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise InvalidInput(
            f"{name} must be all, none, a percentage (10%) or a fraction (0.1), not {value!r}"
        ) from None
    if not 0.0 <= rate <= 1.0:
        raise InvalidInput(f"{name} must be between 0 and 1 (or 0% and 100%), not {value!r}")
    return rate


_PARSERS = {
    "approvers": _approvers,
    "approvals_required": lambda n, v: _int(n, v, low=1, high=50),
    "auto_propose_after": lambda n, v: _optional_int(n, v, low=1, high=10_000),
    "proposal_ttl_hours": lambda n, v: _int(n, v, low=1, high=24 * 90),
    "remind_after_hours": lambda n, v: _optional_int(n, v, low=1, high=24 * 30),
    "daily_digest": _bool,
    "review_rate": _rate,
    "review_cap_per_hour": lambda n, v: _int(n, v, low=0, high=10_000),
}
