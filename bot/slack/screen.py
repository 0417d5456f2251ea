"""The door of `POST /slack/events`: a request is signed, well-formed and of the shape Slack sends
before Bolt (or any listener) sees it, so a hostile body is a 4xx and never a 5xx.

In order: the signature over the raw bytes (a malformed or stale timestamp is a bad signature:
401), strict UTF-8, JSON with bounded nesting and no lone surrogates or NUL characters, an
object, and the fields Bolt and our listeners read typed and well-formed (ids look like Slack
ids; an event has an `event_id`). Refusals are logged by reason and size, never with the body.
Values a person's click carries (a button's value, a modal's private_metadata) are left to the
command parsers, which answer the person with a message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)
from slack_bolt.request.internals import parse_body

log = logging.getLogger(__name__)

MAX_DEPTH = 64  # Slack's deepest payloads (rich text in a modal) nest about 15 levels
REPLAY_WINDOW = 5 * 60  # seconds, as Slack and slack-sdk's SignatureVerifier allow
_TIMESTAMP = re.compile(r"\d{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused, and with which status; `reason` is safe to log and answer."""

    status: int
    reason: str


def screen(
    body: bytes,
    headers: Mapping[str, str],
    signing_secret: str,
    *,
    now: Callable[[], float] = time.time,
) -> Refusal | None:
    """None when the request may go to Bolt; else the refusal (logged here, without the body)."""
    refusal = _signature_problem(body, headers, signing_secret, now())
    if refusal is None:
        refusal = _body_problem(body, headers.get("content-type"))
    if refusal is not None:
        log.warning("refused a Slack request (%d bytes): %s", len(body), refusal.reason)
    return refusal


def _signature_problem(
    body: bytes, headers: Mapping[str, str], secret: str, now: float
) -> Refusal | None:
    """Slack's v0 signature, computed over the raw bytes (slack-sdk's verifier decodes the body
    as UTF-8 first and calls int() on the timestamp, so junk there would raise instead)."""
    timestamp = headers.get("x-slack-request-timestamp") or ""
    signature = headers.get("x-slack-signature") or ""
    if not _TIMESTAMP.fullmatch(timestamp):
        return Refusal(401, "malformed or missing X-Slack-Request-Timestamp")
    if abs(now - int(timestamp)) > REPLAY_WINDOW:
        return Refusal(401, "stale X-Slack-Request-Timestamp")
    if not _SIGNATURE.fullmatch(signature):
        return Refusal(401, "malformed or missing X-Slack-Signature")
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return Refusal(401, "invalid signature")
    return None


def _body_problem(body: bytes, content_type: str | None) -> Refusal | None:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "the body is not valid UTF-8")
    try:
        # Bolt's own parser, so that what is checked here is exactly what Bolt will read.
        data = parse_body(text, (content_type or "").split(";")[0].strip() or None)
    except RecursionError:
        return Refusal(400, "the body nests too deeply")
    except ValueError:
        return Refusal(400, "the body is not valid JSON")
    if not isinstance(data, dict):
        return Refusal(400, "the body is not a JSON object")
    problem = _text_problem(data)
    if problem:
        return Refusal(400, problem)
    try:
        shape: type[BaseModel] = _SHAPES.get(_kind(data), Envelope)
        shape.model_validate(data)
    except ValidationError as exc:
        return Refusal(400, f"malformed {_kind(data) or 'request'}: {_first_error(exc)}")
    return None


def _text_problem(data: object) -> str | None:
    """Depth, lone surrogates (`"\\ud800"` parses, but no database or Slack can take it) and
    NUL characters (PostgreSQL text refuses them), walked without recursion."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"the body nests deeper than {MAX_DEPTH} levels"
        if isinstance(node, dict):
            for key, value in node.items():
                stack.append((key, depth))
                stack.append((value, depth + 1))
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
        elif isinstance(node, str) and not node.isascii():
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return "the body holds a lone surrogate (not valid Unicode text)"
        if isinstance(node, str) and "\x00" in node:
            return "the body holds a NUL character"
    return None


def _kind(data: Mapping[str, Any]) -> str:
    kind = data.get("type")
    if kind is None and "command" in data:
        return "slash_command"
    return kind if isinstance(kind, str) else ""


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "body"
    return f"{where}: {err['msg']}"[:200]


# -- the shapes ----------------------------------------------------------------------------------
# Only the fields Bolt (request/internals.py: team, enterprise, user, channel, authorizations)
# and our listeners read are declared; everything else Slack sends is allowed through as is.

SlackId = Annotated[StrictStr, Field(pattern=r"^[A-Z][A-Z0-9]{0,31}$")]  # T…, U…, C…
EnterpriseId = Annotated[StrictStr, Field(pattern=r"^[A-Z0-9]{0,32}$")]  # "" when not on Grid
Ts = Annotated[StrictStr, Field(pattern=r"^\d{1,12}\.\d{1,8}$")]
EventId = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
TriggerId = Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9._-]{1,128}$")]
Name = Annotated[StrictStr, Field(min_length=1, max_length=255)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow")


class TeamRef(_Shape):
    id: SlackId | None = None
    enterprise_id: EnterpriseId | None = None


class UserRef(_Shape):
    id: SlackId
    team_id: SlackId | None = None


class ChannelRef(_Shape):
    id: SlackId


class Authorization(_Shape):
    team_id: SlackId | None = None
    enterprise_id: EnterpriseId | None = None
    user_id: SlackId | None = None
    is_enterprise_install: StrictBool | None = None


class ResponseUrl(_Shape):
    response_url: StrictStr | None = None


class MessageRef(_Shape):
    """A message inside an event (`message_changed`, `message_deleted`) or an interaction."""

    user: SlackId | None = None
    bot_id: SlackId | None = None
    text: StrictStr | None = None
    ts: Ts | None = None
    thread_ts: Ts | None = None
    subtype: StrictStr | None = None


class ItemRef(_Shape):
    type: StrictStr | None = None
    channel: SlackId | None = None
    ts: Ts | None = None


class Event(MessageRef):
    """Objects are never null (listeners read them with `.get(key, {})`); the events the app
    subscribes to carry what it needs to act on them (`REQUIRED`)."""

    type: Name
    channel: SlackId | None = None
    event_ts: Ts | None = None
    reaction: StrictStr | None = None
    item: ItemRef = ItemRef()
    message: MessageRef = MessageRef()
    previous_message: MessageRef = MessageRef()
    tab: StrictStr | None = None
    team: SlackId | None = None
    user_team: SlackId | None = None

    @model_validator(mode="before")
    @classmethod
    def _required(cls, data: Any) -> Any:
        kind = data.get("type") if isinstance(data, dict) else None
        if isinstance(kind, str):
            missing = [k for k in REQUIRED.get(kind, ()) if data.get(k) is None]
            if missing:
                raise ValueError(f"a {data['type']} event needs {', '.join(missing)}")
        return data


REQUIRED: dict[str, tuple[str, ...]] = {
    "message": ("channel",),
    "app_mention": ("channel", "ts", "user"),
    "reaction_added": ("user", "reaction", "item"),
    "reaction_removed": ("user", "reaction", "item"),
    "app_home_opened": ("user",),
}


class Action(_Shape):
    action_id: Name
    block_id: StrictStr | None = None
    # `value` is deliberately not typed: a bad one is answered by the button's parser.


class Container(_Shape):
    type: StrictStr | None = None
    channel_id: SlackId | None = None
    message_ts: Ts | None = None
    thread_ts: Ts | None = None
    view_id: StrictStr | None = None


class ViewState(_Shape):
    values: dict[StrictStr, dict[StrictStr, Any]] = {}


class View(_Shape):
    id: StrictStr | None = None
    team_id: SlackId | None = None
    app_installed_team_id: SlackId | None = None
    callback_id: StrictStr | None = None
    state: ViewState = ViewState()
    blocks: list[dict[StrictStr, Any]] = []


class Envelope(_Shape):
    """What Bolt reads from every request to build its context."""

    type: StrictStr | None = None
    team: SlackId | TeamRef | None = None
    team_id: SlackId | None = None
    enterprise: EnterpriseId | TeamRef | None = None
    enterprise_id: EnterpriseId | None = None
    authorizations: list[Authorization] | None = None
    is_enterprise_install: StrictBool | Literal["true", "false"] | None = None
    is_ext_shared_channel: StrictBool | None = None
    user: UserRef | None = None  # a string only inside events
    user_id: SlackId | None = None
    channel: ChannelRef | None = None
    channel_id: SlackId | None = None
    thread_ts: Ts | None = None
    trigger_id: TriggerId | None = None
    response_url: StrictStr | None = None
    response_urls: list[ResponseUrl] | None = None
    event: Event | None = None
    view: View = View()
    container: Container = Container()
    message: MessageRef = MessageRef()


class EventCallback(Envelope):
    team_id: SlackId
    event_id: EventId
    event: Event


class UrlVerification(Envelope):
    challenge: Annotated[StrictStr, Field(min_length=1, max_length=255)]


class BlockActions(Envelope):
    user: UserRef
    actions: Annotated[list[Action], Field(min_length=1)]


class SubmittedView(View):
    type: Name  # Bolt reads it to tell a modal from a workflow step
    callback_id: StrictStr


class ViewSubmission(Envelope):
    user: UserRef
    view: SubmittedView


class SlashCommand(Envelope):
    command: Name
    text: StrictStr = ""
    team_id: SlackId
    user_id: SlackId
    channel_id: SlackId


_SHAPES: dict[str, type[BaseModel]] = {
    "event_callback": EventCallback,
    "url_verification": UrlVerification,
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "view_closed": ViewSubmission,
    "slash_command": SlashCommand,
}
