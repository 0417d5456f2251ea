"""Parsers for the small values inside commands: names, versions, users, models, var=value lists.

Each raises `CommandError` with a message that says what was wrong and what would be right.
"""

from __future__ import annotations

import re

from bot.slack.commands import CommandError

NAME_RULE = "1–64 lowercase letters, digits, `-` or `_`"
_NAME = re.compile(r"[a-z0-9_-]{1,64}")
_VERSION = re.compile(r"[vV]?(\d+)")
_KEY = re.compile(r"([A-Za-z_][\w.\-]*)=")
_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|@?([UW][A-Z0-9]{6,})")
_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "„": "“"}
MODEL_PROVIDERS = ("gemini", "openai")
_SLACK_MARKUP = re.compile(r"<([@#!]|https?:|mailto:|tel:)([^<>]*)>")


def template_name(raw: str | None, *, subcommand: str) -> str:
    if raw is None or not raw.strip():
        raise CommandError(f"`{subcommand}` needs a template name.", usage=_usage(subcommand))
    raw = raw.strip()
    if _NAME.fullmatch(raw):
        return raw
    hint = re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-")[:64]
    suggestion = f" (e.g. `{hint}`)" if hint and _NAME.fullmatch(hint) else ""
    raise CommandError(f"`{raw}` is not a valid template name: use {NAME_RULE}{suggestion}.")


def version(raw: str | None, *, subcommand: str) -> int:
    if raw is None or not raw.strip():
        raise CommandError(f"`{subcommand}` needs a version like `v2`.", usage=_usage(subcommand))
    m = _VERSION.fullmatch(raw.strip())
    if not m:
        raise CommandError(f"`{raw}` is not a version: write it as `v1`, `v2`, …")
    number = int(m.group(1))
    if number < 1:
        raise CommandError(f"`{raw}` is not a version: versions start at `v1`.")
    return number


def positive_int(raw: str, *, key: str, allow_off: bool = False, high: int = 1000) -> int:
    """A count >= 1; with `allow_off`, `off`/`none`/`0` give 0 (meaning: disabled)."""
    value = raw.strip().lower()
    if allow_off and value in {"off", "none", "no", "0", "never"}:
        return 0
    if not value.isdigit() or int(value) < 1:
        extra = " or `off`" if allow_off else ""
        shown = unescape_entities(raw)
        raise CommandError(f"`{key}` must be a whole number of at least 1{extra}, not `{shown}`.")
    if int(value) > high:
        raise CommandError(f"`{key}={raw}` is too large (at most {high:,}).")
    return int(value)


def on_off(raw: str, *, key: str) -> bool:
    value = raw.strip().lower()
    if value in {"on", "yes", "true", "1"}:
        return True
    if value in {"off", "no", "false", "0", "none"}:
        return False
    raise CommandError(f"`{key}` must be `on` or `off`, not `{unescape_entities(raw)}`.")


def user_ids(raw: str, *, key: str = "approvers") -> tuple[str, ...]:
    """Mentions (`<@U123|ana>`, `<@U123>`, `@U123`) separated by commas; `any` means anyone."""
    value = raw.strip()
    if value.lower() in {"any", "anyone", "all", "everyone", "none", "channel"}:
        return ()
    ids: list[str] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        m = _USER.fullmatch(part)
        if not m:
            raise CommandError(
                f"`{unescape_entities(part)}` in `{key}` is not a person: mention them "
                "(pick from the @ autocomplete), e.g. `approvers=@ana,@bo`, or write `any`."
            )
        uid = m.group(1) or m.group(2)
        if uid not in ids:
            ids.append(uid)
    if not ids:
        raise CommandError(f"`{key}` needs at least one person, or `any`.")
    return tuple(ids)


def model_name_problem(value: str) -> str | None:
    """Why `value` is not a `provider/model` name (or `offline`), or None when it is fine."""
    if value == "offline":
        return None
    provider, sep, model = value.partition("/")
    if not sep or not model or any(c.isspace() for c in value):
        return f"`{value}` is not a model name: use `offline`, `gemini/<model>` or `openai/<model>`"
    if provider not in MODEL_PROVIDERS:
        known = ", ".join(f"`{p}`" for p in (*MODEL_PROVIDERS, "offline"))
        return f"`{provider}` is not a known model provider (known: {known})"
    return None


def model_name(raw: str, *, key: str = "target_model") -> str:
    value = raw.strip()
    problem = model_name_problem(value)
    if problem:
        raise CommandError(f"`{key}`: {problem}.")
    return value


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
