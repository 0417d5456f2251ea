"""`/align token …`, `/align label …` and `/align webhook …`: the API's commands, parsed.

Kept apart from `slash.py` (registered there by name) so the API's vocabulary lives in one
module."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from alignment import values
from bot.slack.commands import CommandError
from bot.slack.commands import values as v
from bot.slack.commands.usage import BY_NAME


@dataclass(frozen=True)
class TokenCreate:
    token: str  # the token's name
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenList:
    pass


@dataclass(frozen=True)
class TokenRevoke:
    token: str


@dataclass(frozen=True)
class SetLabel:
    name: str
    version: int
    label: str


@dataclass(frozen=True)
class WebhookAdd:
    url: str
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class WebhookList:
    pass


@dataclass(frozen=True)
class WebhookRemove:
    webhook: str


@dataclass(frozen=True)
class WebhookLog:
    pass


@dataclass(frozen=True)
class WebhookAllowPrivate:
    allowed: bool


ApiCommand = (
    TokenCreate
    | TokenList
    | TokenRevoke
    | SetLabel
    | WebhookAdd
    | WebhookList
    | WebhookRemove
    | WebhookLog
    | WebhookAllowPrivate
)
API_COMMANDS = (
    TokenCreate,
    TokenList,
    TokenRevoke,
    SetLabel,
    WebhookAdd,
    WebhookList,
    WebhookRemove,
    WebhookLog,
    WebhookAllowPrivate,
)
_TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
_LABEL = re.compile(r"[a-z][a-z0-9_-]{0,39}\Z")


def _usage(sub: str) -> str:
    return BY_NAME[sub].usage


def _words(rest: str) -> list[str]:
    return v.unescape_entities(rest).split()


def _token(rest: str) -> ApiCommand:
    words = _words(rest)
    action = words[0].lower() if words else ""
    if action == "list" and len(words) == 1:
        return TokenList()
    if action in ("create", "revoke") and len(words) >= 2:
        name = words[1]
        if not _TOKEN_NAME.match(name):
            raise CommandError(
                f"`{name[:64]}` is not a token name: use letters, digits, `-`, `_` or `.`.",
                usage=_usage("token"),
            )
        if action == "revoke":
            if len(words) > 2:
                raise CommandError("`token revoke` takes one name.", usage=_usage("token"))
            return TokenRevoke(name)
        return TokenCreate(name, tuple(w.strip(",") for w in words[2:] if w.strip(",")))
    raise CommandError("Which token command?", usage=_usage("token"))


def _label(rest: str) -> ApiCommand:
    words = _words(rest)
    if len(words) != 3:
        raise CommandError(
            "`label` needs a template, a version and a label.", usage=_usage("label")
        )
    name = v.template_name(words[0], subcommand="label")
    number = v.version(words[1], subcommand="label")
    label = words[2].lower()
    if not _LABEL.match(label):
        raise CommandError(
            f"`{words[2][:40]}` is not a label: use lower-case letters, digits, `-` or `_`.",
            usage=_usage("label"),
        )
    return SetLabel(name, number, label)


def _url(word: str) -> str:
    """Slack sends a typed URL as `<https://x/y>` or `<https://x/y|x/y>`."""
    if word.startswith("<") and word.endswith(">"):
        word = word[1:-1].split("|", 1)[0]
    return v.unescape_entities(word)


def _webhook(rest: str) -> ApiCommand:
    words = rest.split()
    action = words[0].lower() if words else ""
    if action == "add" and len(words) >= 2:
        events = tuple(w.strip(",") for w in _words(" ".join(words[2:])) if w.strip(","))
        return WebhookAdd(_url(words[1]), events)
    if action == "list" and len(words) == 1:
        return WebhookList()
    if action == "log" and len(words) == 1:
        return WebhookLog()
    if action == "remove" and len(words) == 2:
        return WebhookRemove(_url(words[1]))
    if action == "allow-private" and len(words) == 2:
        word = words[1].lower()
        if word in values.ON | values.OFF:
            return WebhookAllowPrivate(word in values.ON)
        raise CommandError(f"`allow-private` must be `on` or `off`, not `{words[1][:20]}`.")
    raise CommandError("Which webhook command?", usage=_usage("webhook"))


PARSERS: dict[str, Callable[[str], ApiCommand]] = {
    "token": _token,
    "label": _label,
    "webhook": _webhook,
}
