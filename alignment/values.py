"""The values people type, each parsed and validated by one pydantic type.

The slash parser, the modals, the HTTP API and storage all use these, so a value accepted in one
place is accepted everywhere, with one limit and one message. A message names the value the way a
person typed it (in Slack's `code` style) and says what would be right.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, TypeAdapter, ValidationError

from alignment.vocabulary import Workflow

T = TypeVar("T")


class InvalidValue(ValueError):
    """A value someone typed is not valid; `str(err)` says why, fit to show as is."""


def first_problem(exc: ValidationError) -> str:
    """The message of the first error pydantic found (ours when a validator raised it)."""
    error = exc.errors(include_url=False)[0]
    raised = error.get("ctx", {}).get("error")
    return str(raised) if isinstance(raised, Exception) else str(error["msg"])


def _parser(kind: Any, result: type[T]) -> Callable[[object], T]:
    """A function parsing one value with the pydantic type `kind`, raising InvalidValue."""
    adapter: TypeAdapter[T] = TypeAdapter(kind)

    def parse(raw: object) -> T:
        try:
            return adapter.validate_python(raw)
        except ValidationError as exc:
            raise InvalidValue(first_problem(exc)) from None

    return parse


def shown(raw: object) -> str:
    """A typed value as the person typed it (Slack escapes &, < and >), cut to a readable size."""
    text = raw if isinstance(raw, str) else repr(raw)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text if len(text) <= 60 else text[:59] + "…"


# --- template names ------------------------------------------------------------------------------

NAME_MAX = 80
NAME_RULE = f"1–{NAME_MAX} letters, digits, `-`, `_` or `.`, starting with a letter or digit"
_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{NAME_MAX - 1}}}")


def _template_name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("A template needs a name.")
    value = raw.strip()
    if _NAME.fullmatch(value):
        return value
    hint = re.sub(r"[^A-Za-z0-9_.-]+", "-", value).strip("-_.")[:NAME_MAX]
    suggestion = f" (e.g. `{hint}`)" if hint and _NAME.fullmatch(hint) else ""
    raise ValueError(f"`{shown(value)}` is not a valid template name: use {NAME_RULE}{suggestion}.")


TemplateName = Annotated[str, BeforeValidator(_template_name)]
template_name = _parser(TemplateName, str)


# --- versions ------------------------------------------------------------------------------------

_VERSION = re.compile(r"[vV]?(\d{1,12})")


def _version(raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str) and (m := _VERSION.fullmatch(raw.strip())):
        number = int(m.group(1))
    else:
        raise ValueError(f"`{shown(raw)}` is not a version: write it as `v1`, `v2`, …")
    if number < 1:
        raise ValueError(f"`{shown(raw)}` is not a version: versions start at `v1`.")
    return number


VersionNumber = Annotated[int, BeforeValidator(_version)]
version_number = _parser(VersionNumber, int)


# --- model names ---------------------------------------------------------------------------------

MODEL_PROVIDERS = ("gemini", "openai")  # besides `offline`, which takes no model name
MODEL_NAME_MAX = 200
MODEL_FORMS = "`offline`, `gemini/<model>` or `openai/<model>`"


def _model_name(raw: object) -> str:
    value = raw.strip() if isinstance(raw, str) else ""
    if not isinstance(raw, str):
        raise ValueError(f"A model name must be text, not {raw!r}.")
    if len(value) > MODEL_NAME_MAX:
        raise ValueError(
            f"The model name is {len(value):,} characters; the limit is {MODEL_NAME_MAX:,}."
        )
    if value == "offline":
        return value
    if not value:
        raise ValueError(f"A model name is needed: use {MODEL_FORMS}.")
    provider, sep, model = value.partition("/")
    if not sep or not model.strip() or any(c.isspace() for c in value):
        raise ValueError(f"`{shown(value)}` is not a model name: use {MODEL_FORMS}.")
    if provider not in MODEL_PROVIDERS:
        known = ", ".join(f"`{p}`" for p in (*MODEL_PROVIDERS, "offline"))
        raise ValueError(f"`{shown(provider)}` is not a known model provider (known: {known}).")
    return value


ModelName = Annotated[str, BeforeValidator(_model_name)]
model_name = _parser(ModelName, str)


# --- workflow ------------------------------------------------------------------------------------


def _workflow(raw: object) -> Workflow:
    text = raw.strip().lower() if isinstance(raw, str) else ""
    choices = " or ".join(f"`{w.value}`" for w in Workflow)
    if not text:
        raise ValueError(f"Which mode? Choose {choices}.")
    try:
        return Workflow(text)
    except ValueError:
        raise ValueError(f"`{shown(raw)}` is not a mode: choose {choices}.") from None


WorkflowName = Annotated[Workflow, BeforeValidator(_workflow)]
workflow = _parser(WorkflowName, Workflow)


# --- people and channels -------------------------------------------------------------------------

ANYONE = frozenset({"any", "anyone", "all", "everyone", "none", "channel", "*"})
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]{1,30})(?:\|[^>]*)?>")
_USER_ID = re.compile(r"@?([UW][A-Z0-9]{6,30})")  # typed: short words are not ids
_STORED_ID = re.compile(r"([UW][A-Z0-9]{1,30})")  # a list: ids as stored
APPROVERS_MAX = 50


def _slack_id(raw: object, mention: re.Pattern[str], bare: re.Pattern[str]) -> str | None:
    """The id in a Slack mention (`<@U1|ana>`, `<#C1|general>`) or a bare id; else None."""
    text = raw.strip() if isinstance(raw, str) else ""
    m = mention.fullmatch(text) or bare.fullmatch(text)
    return m.group(1) if m else None


def _approvers(raw: object) -> tuple[str, ...]:
    """Mentions (`<@U123|ana>`, `<@U123>`) or ids, separated by commas or spaces; `any` = anyone."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        if raw.strip().lower() in ANYONE:
            return ()
        parts: Iterable[object] = raw.replace(",", " ").split()
        bare = _USER_ID
    elif isinstance(raw, list | tuple):
        if not raw:
            return ()  # as stored: nobody listed, anyone approves
        parts, bare = raw, _STORED_ID
    else:
        raise ValueError(f"`approvers` must be people or `any`, not {raw!r}.")
    ids: list[str] = []
    for part in parts:
        uid = _slack_id(part, _USER_MENTION, bare)
        if uid is None:
            raise ValueError(
                f"`{shown(part)}` in `approvers` is not a person: mention them (pick from the "
                "@ autocomplete), e.g. `approvers=@ana,@bo`, or write `any`."
            )
        if uid not in ids:
            ids.append(uid)
    if not ids:
        raise ValueError("`approvers` needs at least one person, or `any`.")
    if len(ids) > APPROVERS_MAX:
        raise ValueError(f"`approvers` names {len(ids)} people; at most {APPROVERS_MAX}.")
    return tuple(ids)


Approvers = Annotated[tuple[str, ...], BeforeValidator(_approvers)]
approvers = _parser(Approvers, tuple)

_CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]{1,30})(?:\|[^>]*)?>")
_CHANNEL_ID = re.compile(r"([CG][A-Z0-9]{6,30})")


def _channel(raw: object) -> str:
    cid = _slack_id(raw, _CHANNEL_MENTION, _CHANNEL_ID)
    if cid is None:
        raise ValueError(
            f"`{shown(raw)}` is not a channel: mention it (pick from the # autocomplete), "
            "e.g. `channel=#general`."
        )
    return cid


ChannelRef = Annotated[str, BeforeValidator(_channel)]
channel = _parser(ChannelRef, str)


# --- numbers and switches ------------------------------------------------------------------------

OFF = frozenset({"off", "none", "no", "never", "false", "0"})
ON = frozenset({"on", "yes", "true", "1"})


def count(name: str, *, high: int, allow_off: bool = False) -> BeforeValidator:
    """A whole number from 1 to `high` for the setting `name`; with `allow_off`, `off` is None."""

    def check(raw: object) -> int | None:
        if raw is None and allow_off:
            return None
        text = str(raw).strip().lower() if isinstance(raw, str | int) else ""
        if isinstance(raw, bool):
            text = ""
        if allow_off and text in OFF:
            return None
        if not text.isdigit() or int(text) < 1:
            extra = " or `off`" if allow_off else ""
            raise ValueError(
                f"`{name}` must be a whole number of at least 1{extra}, not `{shown(raw)}`."
            )
        if int(text) > high:
            raise ValueError(f"`{name}={shown(raw)}` is too large (at most {high:,}).")
        return int(text)

    return BeforeValidator(check)


def on_off(name: str) -> BeforeValidator:
    def check(raw: object) -> bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower() if isinstance(raw, str | int) else ""
        if text in ON:
            return True
        if text in OFF:
            return False
        raise ValueError(f"`{name}` must be `on` or `off`, not `{shown(raw)}`.")

    return BeforeValidator(check)


ALL = frozenset({"all", "every", "always"})


def share(name: str) -> BeforeValidator:
    """A share from 0 to 1 for the setting `name`: `all`, `none`/`off`, `10%` or `0.1`."""

    def check(raw: object) -> float:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise ValueError(f"`{name}` must be all, none, a percentage or a fraction.")
        text = str(raw).strip().lower()
        if text in ALL:
            return 1.0
        if text in OFF:
            return 0.0
        try:
            value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(
                f"`{name}` must be all, none, a percentage (10%) or a fraction (0.1), "
                f"not `{shown(raw)}`."
            ) from None
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"`{name}` must be between 0% and 100%, not `{shown(raw)}`.")
        return value

    return BeforeValidator(check)
