"""The small values inside commands: names, versions, modes, var=value lists, Slack's text.

The values themselves are parsed by `alignment.values` (the parsers storage uses too); here
their errors become a `CommandError`, with the subcommand's usage where it helps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from alignment import values
from alignment.vocabulary import Workflow
from bot.slack.commands import CommandError

A = TypeVar("A")
T = TypeVar("T")
_KEY = re.compile(r"([A-Za-z_][\w.\-]*)=")
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "„": "“"}
_SLACK_MARKUP = re.compile(r"<([@#!]|https?:|mailto:|tel:)([^<>]*)>")


def parsed(parse: Callable[[A], T], raw: A) -> T:
    """`parse` (one of alignment.values' parsers), its InvalidValue as a CommandError."""
    try:
        return parse(raw)
    except values.InvalidValue as exc:
        raise CommandError(str(exc)) from None


def template_name(raw: str | None, *, subcommand: str) -> str:
    if raw is None or not raw.strip():
        raise CommandError(f"`{subcommand}` needs a template name.", usage=_usage(subcommand))
    return parsed(values.template_name, raw)


def version(raw: str | None, *, subcommand: str) -> int:
    if raw is None or not raw.strip():
        raise CommandError(f"`{subcommand}` needs a version like `v2`.", usage=_usage(subcommand))
    return parsed(values.version_number, raw)


def workflow(raw: str | None, *, subcommand: str) -> Workflow:
    try:
        return values.workflow(raw or "")
    except values.InvalidValue as exc:
        raise CommandError(str(exc), usage=_usage(subcommand)) from None


def model_name_problem(value: str) -> str | None:
    """Why `value` is not a `provider/model` name (or `offline`), or None when it is fine."""
    try:
        values.model_name(value)
    except values.InvalidValue as exc:
        return str(exc).rstrip(".")
    return None


def key_values(rest: str) -> list[tuple[str, str]] | None:
    """`a=1 b="two words" c=<@U1|x>, <@U2|y>` -> pairs; None when `rest` does not start with one.

    Values may be quoted ("…", '…', “…”) and then span lines; `\\"` escapes a quote. A comma at
    the end of a bare value continues it past spaces, so `approvers=@a, @b` is one value."""
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(rest)
    while True:
        while i < n and rest[i].isspace():
            i += 1
        if i >= n:
            return pairs
        m = _KEY.match(rest, i)
        if not m:
            if not pairs:
                return None
            word = rest[i:].split(None, 1)[0]
            raise CommandError(
                f"`{unescape_entities(word)}` is not `key=value`; quote values that contain "
                f'spaces, e.g. `{pairs[-1][0]}="two words"`.'
            )
        key, i = m.group(1), m.end()
        if i < n and rest[i] in _QUOTES:
            value, i = _quoted(rest, i, key)
            if i < n and not rest[i].isspace():
                raise CommandError(f"Put a space after the closing quote of `{key}`.")
        else:
            value, i = _bare(rest, i)
        pairs.append((key, value))


def _quoted(text: str, i: int, key: str) -> tuple[str, int]:
    close = _QUOTES[text[i]]
    out: list[str] = []
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\" and j + 1 < len(text) and text[j + 1] in (close, "\\"):
            out.append(text[j + 1])
            j += 2
            continue
        if c == close:
            return "".join(out), j + 1
        out.append(c)
        j += 1
    raise CommandError(f"The value of `{key}` has an opening quote but no closing quote.")


def _bare(text: str, i: int) -> tuple[str, int]:
    start, n = i, len(text)
    while i < n and not text[i].isspace():
        if text[i] == "<":
            end = text.find(">", i)
            i = n if end == -1 else end + 1
            continue
        i += 1
        if text[i - 1] == "," and i < n and text[i].isspace():
            while i < n and text[i].isspace():
                i += 1
    return re.sub(r",\s+", ",", text[start:i]), i


def unescape_entities(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_text(text: str) -> str:
    """Slack's wire text (`&lt;`, `<@U1|ana>`, `<https://x|x>`) as the person typed it."""

    def repl(m: re.Match[str]) -> str:
        kind, body = m.group(1), m.group(2)
        target, _, label = body.partition("|")
        if kind == "@":
            return "@" + (label or target)
        if kind == "#":
            return "#" + (label or target)
        if kind == "!":
            if label:
                return label
            return "@" + target.split("^", 1)[0]
        url = kind + target
        if not label:
            return url
        bare = re.sub(r"^(https?://|mailto:|tel:)", "", url).rstrip("/")
        return label if label in (url, bare) else f"{label} ({url})"

    return unescape_entities(_SLACK_MARKUP.sub(repl, text))


def strip_code_fence(text: str) -> str:
    """The inside of a text wholly wrapped in ``` … ``` (a language tag line is kept as text)."""
    stripped = text.strip()
    if len(stripped) >= 6 and stripped.startswith("```") and stripped.endswith("```"):
        inner = stripped[3:-3]
        if "```" not in inner:
            return inner.strip("\n")
    return text


def _usage(subcommand: str) -> str | None:
    from bot.slack.commands.usage import BY_NAME

    entry = BY_NAME.get(subcommand)
    return entry.usage if entry else None
