"""Hypothesis strategies for hostile requests to `/slack/events`: each is one the app must
refuse or ignore (it names no run or proposal of the sending workspace, and is malformed
somewhere the app reads), so the property is simple: never a 5xx, never a change of state.

A request is a body, a content type and, for the signature branch, junk signing headers.
Bodies are built from Slack-shaped bases (sim-like events, interactions, slash commands) with
one poisoned field, or are raw junk: bytes, non-objects, deep nesting, invalid UTF-8, > 1 MB.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

JSON, FORM = "application/json", "application/x-www-form-urlencoded"
TEAM, CHANNEL = "T0SANDBOX", "C0GENERAL"
RUN_TS = "1700000000.000100"


@dataclass(frozen=True)
class Hostile:
    kind: str  # which branch made it, for the summary
    body: bytes
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=dict)  # override the (good) signature


# -- bases: well-formed requests that name the other workspace's run and proposal ------------


def event(inner: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": TEAM,
        "api_app_id": "A0ALIGNBOT",
        "event_id": "Ev0FUZZ0001",
        "event_time": 1700000000,
        "authorizations": [{"team_id": TEAM, "user_id": "U0ALIGNBOT", "is_bot": True}],
        "event": inner,
    }


def bases(run_id: int, proposal_id: int) -> dict[str, dict[str, Any]]:
    reply = {"type": "message", "channel": CHANNEL, "user": "U0ALICE", "text": "rewrite: x",
             "ts": "1700000000.000200", "thread_ts": RUN_TS}  # fmt: skip
    actor = {"team": {"id": TEAM}, "user": {"id": "U0ALICE", "team_id": TEAM},
             "api_app_id": "A0ALIGNBOT", "trigger_id": "1700000000.1.abc"}  # fmt: skip
    view = {"id": "V0FUZZ", "type": "modal", "callback_id": "critique_modal",
            "private_metadata": str(run_id), "blocks": [{"type": "input", "block_id": "text"}],
            "state": {"values": {"text": {"text_input": {"type": "plain_text_input",
                                                         "value": "Name the date"}}}}}  # fmt: skip
    out = {
        "reaction": event({"type": "reaction_added", "user": "U0BOB", "reaction": "-1",
                           "item": {"type": "message", "channel": CHANNEL, "ts": RUN_TS}}),
        "reply": event(reply),
        "edit": event({"type": "message", "subtype": "message_changed", "channel": CHANNEL,
                       "message": {**reply, "text": "kudos: y"}, "previous_message": reply}),
        "deletion": event({"type": "message", "subtype": "message_deleted", "channel": CHANNEL,
                           "previous_message": reply}),
        "mention": event({"type": "app_mention", "channel": CHANNEL, "user": "U0ALICE",
                          "text": "<@U0ALIGNBOT> hi", "ts": "1700000000.000300"}),
        "home": event({"type": "app_home_opened", "user": "U0ALICE", "tab": "home"}),
        "view_submission": {"type": "view_submission", **actor, "view": view},
    }  # fmt: skip
    for action_id in ("run_critique", "run_rewrite", "run_again"):
        out[action_id] = _click(actor, action_id, str(run_id))
    for action_id in ("proposal_approve", "proposal_reject", "proposal_edit"):
        out[action_id] = _click(actor, action_id, str(proposal_id))
    return out


def _click(actor: dict[str, Any], action_id: str, value: str) -> dict[str, Any]:
    return {"type": "block_actions", **actor, "channel": {"id": CHANNEL},
            "container": {"type": "message", "channel_id": CHANNEL, "message_ts": RUN_TS},
            "actions": [{"action_id": action_id, "type": "button", "value": value}]}  # fmt: skip


SLASH = {"command": "/align", "text": "list", "team_id": TEAM, "user_id": "U0ALICE",
         "channel_id": CHANNEL, "trigger_id": "1700000000.2.abc"}  # fmt: skip

# Where to poison, per base: (path, what kind of value belongs there). Only fields the app
# requires may also be removed (`…_REQUIRED`): without an optional one a request is still good.
ID, TS, TEXT, OBJECT, ANY = "id", "ts", "text", "object", "any"
ID_REQUIRED, OBJECT_REQUIRED, EVENT_ID = "id!", "object!", "event_id"
EVENT_PATHS = [(("event_id",), EVENT_ID), (("team_id",), ID_REQUIRED),
               (("event",), OBJECT_REQUIRED), (("authorizations",), OBJECT),
               (("authorizations", 0, "team_id"), ID)]  # fmt: skip
PATHS: dict[str, list[tuple[tuple[str | int, ...], str]]] = {
    "reaction": [(("event", "user"), ID_REQUIRED), (("event", "item"), OBJECT_REQUIRED),
                 (("event", "item", "channel"), ID), (("event", "item", "ts"), TS),
                 (("event", "reaction"), TEXT)],
    "reply": [(("event", "user"), ID), (("event", "channel"), ID_REQUIRED),
              (("event", "ts"), TS), (("event", "thread_ts"), TS), (("event", "text"), TEXT)],
    "edit": [(("event", "message"), OBJECT), (("event", "message", "user"), ID),
             (("event", "message", "ts"), TS), (("event", "message", "text"), TEXT),
             (("event", "previous_message"), OBJECT)],
    "deletion": [(("event", "previous_message", "ts"), TS), (("event", "channel"), ID_REQUIRED),
                 (("event", "previous_message", "thread_ts"), TS)],
    "mention": [(("event", "channel"), ID_REQUIRED), (("event", "ts"), TS),
                (("event", "user"), ID_REQUIRED), (("event", "text"), TEXT)],
    "home": [(("event", "user"), ID_REQUIRED), (("event", "tab"), TEXT)],
    "view_submission": [(("view",), OBJECT_REQUIRED), (("view", "callback_id"), TEXT),
                        (("view", "type"), TEXT), (("view", "state"), OBJECT),
                        (("view", "state", "values"), OBJECT), (("view", "private_metadata"), ANY),
                        (("user", "id"), ID_REQUIRED), (("team", "id"), ID)],
}  # fmt: skip
CLICK_PATHS = [(("user",), OBJECT_REQUIRED), (("user", "id"), ID_REQUIRED), (("team",), OBJECT),
               (("team", "id"), ID), (("channel",), OBJECT), (("channel", "id"), ID),
               (("container",), OBJECT), (("container", "message_ts"), TS),
               (("actions",), OBJECT_REQUIRED), (("actions", 0), OBJECT_REQUIRED),
               (("actions", 0, "action_id"), TEXT), (("actions", 0, "value"), ANY),
               (("trigger_id",), ID)]  # fmt: skip
SLASH_FIELDS = ["team_id", "user_id", "channel_id", "trigger_id"]

_SLACK_ID = re.compile(r"[A-Z][A-Z0-9]{0,31}")
_TS = re.compile(r"\d{1,12}\.\d{1,8}")
_EVENT_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
_WEIRD = ["", " ", "C" * 40, "\ud800", "x\udfff", "U\x00", "c0general", "T0SAND BOX", "é" * 3,
          "1700000000", "1e9", "-1.5", "0x10", "null", "../../etc"]  # fmt: skip

non_strings = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
bad_ids = st.one_of(
    non_strings,
    st.sampled_from(_WEIRD),
    st.text(max_size=40).filter(lambda s: not _SLACK_ID.fullmatch(s)),
)
bad_ts = st.one_of(
    non_strings,
    st.sampled_from(_WEIRD),
    st.text(max_size=25).filter(lambda s: not _TS.fullmatch(s)),
)
bad_objects = st.one_of(  # for an object or a list of objects: a list of numbers is neither
    st.integers(), st.text(max_size=10), st.booleans(), st.lists(st.integers(), min_size=1)
)
anything = st.one_of(
    non_strings, st.none(), st.text(max_size=50), st.sampled_from(_WEIRD), st.just("1")
)
REMOVE = object()
POISON: dict[str, st.SearchStrategy[Any]] = {
    ID: bad_ids,
    ID_REQUIRED: st.one_of(bad_ids, st.just(REMOVE)),
    EVENT_ID: st.one_of(
        non_strings,
        st.just(REMOVE),
        st.sampled_from(_WEIRD).filter(lambda s: not _EVENT_ID.fullmatch(s)),
        st.text(max_size=140).filter(lambda s: not _EVENT_ID.fullmatch(s)),
    ),
    TS: bad_ts,
    TEXT: non_strings,
    OBJECT: bad_objects,
    OBJECT_REQUIRED: st.one_of(bad_objects, st.just(REMOVE)),
    ANY: anything,
}


def _poisoned(data: Any, path: tuple[str | int, ...], value: Any) -> Any:
    data = json.loads(json.dumps(data))
    target = data
    for step in path[:-1]:
        target = target[step]
    if value is REMOVE:
        target.pop(path[-1])  # a key, or the one action of a click
    else:
        target[path[-1]] = value
    return data


def _encode(kind: str, payload: dict[str, Any]) -> Hostile:
    if kind.startswith(("run_", "proposal_", "view_")):
        return Hostile(kind, urlencode({"payload": json.dumps(payload)}).encode(), FORM)
    return Hostile(kind, json.dumps(payload).encode(), JSON)


@st.composite
def poisoned_payloads(draw: st.DrawFn, run_id: int, proposal_id: int) -> Hostile:
    all_bases = bases(run_id, proposal_id)
    kind = draw(st.sampled_from(sorted(all_bases)))
    base = all_bases[kind]
    if base.get("type") == "event_callback":
        paths = EVENT_PATHS + PATHS[kind]
    else:
        paths = CLICK_PATHS if kind.startswith(("run_", "proposal_")) else PATHS[kind]
    path, what = draw(st.sampled_from(paths))
    return _encode(kind, _poisoned(base, path, draw(POISON[what])))


@st.composite
def poisoned_slash_commands(draw: st.DrawFn) -> Hostile:
    form = dict(SLASH)
    name = draw(st.sampled_from([*SLASH_FIELDS, "command"]))
    value = draw(st.one_of(st.sampled_from(_WEIRD), st.text(max_size=40), st.just(REMOVE)))
    if value is REMOVE or name == "command":
        form.pop(name)
    elif name in SLASH_FIELDS and not _SLACK_ID.fullmatch(value):
        form[name] = value
    else:
        form[name] = value + "!"
    raw = urlencode(form, encoding="utf-8", errors="surrogatepass").encode()
    return Hostile("slash_command", raw, FORM)


def _raw(kind: str, make: Callable[[Any], bytes], content_type: str | None = JSON):
    return lambda value: Hostile(kind, make(value), content_type)


json_non_objects = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=10,
)
junk = st.one_of(
    st.binary(max_size=300).map(_raw("bytes", bytes, None)),
    st.binary(max_size=300).map(_raw("bytes as form", bytes, FORM)),
    json_non_objects.map(_raw("JSON non-object", lambda v: json.dumps(v).encode())),
    st.dictionaries(st.text(max_size=8), json_non_objects, max_size=4).map(
        _raw("JSON object of no known shape", lambda v: json.dumps(v).encode())
    ),
    st.sampled_from([65, 1_000, 10_000, 100_000]).map(
        _raw(
            "deep nesting",
            lambda n: b'{"type":"event_callback","event":' + b"[" * n + b"]" * n + b"}",
        )
    ),
    st.text(max_size=200).map(_raw("form junk", lambda s: s.encode(), FORM)),
)


@st.composite
def invalid_utf8(draw: st.DrawFn, run_id: int, proposal_id: int) -> Hostile:
    base = draw(poisoned_payloads(run_id, proposal_id))
    at = draw(st.integers(min_value=0, max_value=len(base.body)))
    bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80", b"\xf5\x80"]))
    return Hostile("invalid UTF-8", base.body[:at] + bad + base.body[at:], base.content_type)


@st.composite
def oversized(draw: st.DrawFn) -> Hostile:
    size = draw(st.integers(min_value=1_000_001, max_value=1_300_000))
    body = json.dumps({**event({"type": "message"}), "pad": "x" * size}).encode()
    return Hostile("over 1 MB", body)


printable = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=24)


@st.composite
def bad_signatures(draw: st.DrawFn, run_id: int, proposal_id: int) -> Hostile:
    """Well-formed requests with a junk timestamp or signature: the only branch that would
    change state if it got through (it is a real request), so a 401 is all it may get."""
    good = draw(st.sampled_from(sorted(bases(run_id, proposal_id).items())))
    base = _encode(good[0], {**good[1], "event_id": "Ev0SIGNED"})
    timestamp = draw(st.one_of(printable.filter(lambda s: not s.isdigit()), st.just("0")))
    headers = draw(
        st.sampled_from(
            [
                {"X-Slack-Request-Timestamp": timestamp},
                {"X-Slack-Signature": "v0=" + draw(printable)},
                {"X-Slack-Signature": "v0=" + "0" * 64},
            ]
        )
    )
    return Hostile(f"bad signature ({base.kind})", base.body, base.content_type, headers)


def hostile_requests(run_id: int, proposal_id: int) -> st.SearchStrategy[Hostile]:
    # one_of flattens nested one_ofs into even branches, so the weights are set explicitly:
    # Slack-shaped requests poisoned in one field get half, the costly 1 MB bodies a few.
    branches: list[tuple[int, st.SearchStrategy[Hostile]]] = [
        (10, poisoned_payloads(run_id, proposal_id)),
        (2, poisoned_slash_commands()),
        (3, junk),
        (2, invalid_utf8(run_id, proposal_id)),
        (2, bad_signatures(run_id, proposal_id)),
        (1, oversized()),
    ]
    picks = [strategy for weight, strategy in branches for _ in range(weight)]
    return st.integers(min_value=0, max_value=len(picks) - 1).flatmap(lambda i: picks[i])
