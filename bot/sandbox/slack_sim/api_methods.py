"""Slack Web API methods: each takes the call's arguments and answers Slack's response shape.

Errors are raised as `SimError("<slack error code>")` and become `{"ok": false, "error": …}`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from bot.sandbox.slack_sim.blocks import validate_message, with_block_ids
from bot.sandbox.slack_sim.state import SimError, SimState
from bot.sandbox.slack_sim.views import Views

Args = dict[str, Any]
Handler = Callable[["ApiContext", Args], dict[str, Any]]


class ApiContext:
    def __init__(self, state: SimState, views: Views, base_url: Callable[[], str]) -> None:
        self.state = state
        self.views = views
        self.base_url = base_url
        # Called with each message the bot posts (the sim may deliver it back as an event).
        self.on_bot_message: Callable[[str, dict[str, Any]], None] | None = None


def _req(args: Args, *names: str) -> Any:
    for name in names:
        if args.get(name) not in (None, ""):
            return args[name]
    raise SimError("invalid_arguments", detail=f"missing required argument: {names[0]}")


def _json_arg(args: Args, name: str, error: str = "invalid_arguments") -> Any:
    value = args.get(name)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError as e:
            raise SimError(error, detail=f"{name} is not valid JSON") from e
    return value


def _flag(args: Args, name: str) -> bool:
    return str(args.get(name, "")).lower() in ("1", "true", "yes")


def _page(items: list[Any], args: Args, default_limit: int = 100) -> tuple[list[Any], dict]:
    """Cursor pagination like Slack's: an opaque `next_cursor` when more items remain."""
    limit = int(args.get("limit") or default_limit) or default_limit
    cursor = args.get("cursor") or ""
    try:
        start = int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0
    except (ValueError, IndexError) as e:
        raise SimError("invalid_cursor") from e
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    nxt = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
    return chunk, {"has_more": more, "response_metadata": {"next_cursor": nxt}}


def _public(msg: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in msg.items() if k != "channel"}


# -- auth and bots ----------------------------------------------------------------------------
def auth_test(ctx: ApiContext, args: Args) -> dict:
    t = ctx.state.team
    return {
        "url": ctx.base_url() + "/",
        "team": t.name,
        "user": t.bot_name,
        "team_id": t.id,
        "user_id": t.bot_user_id,
        "bot_id": t.bot_id,
        "app_id": t.app_id,
        "is_enterprise_install": False,
    }


def bots_info(ctx: ApiContext, args: Args) -> dict:
    t = ctx.state.team
    if args.get("bot") not in (None, "", t.bot_id):
        raise SimError("bot_not_found")
    bot = {"id": t.bot_id, "deleted": False, "name": t.bot_name, "updated": 0}
    return {"bot": bot | {"app_id": t.app_id, "user_id": t.bot_user_id, "icons": {}}}


# -- chat -------------------------------------------------------------------------------------
def chat_post_message(ctx: ApiContext, args: Args) -> dict:
    st = ctx.state
    ch = st.channel(_req(args, "channel"))
    if ch.is_private and st.team.bot_user_id not in ch.members:
        raise SimError("not_in_channel")
    blocks = with_block_ids(_json_arg(args, "blocks", "invalid_blocks_format"))
    text = args.get("text") or ""
    validate_message(text, blocks)
    extra = {}
    if args.get("metadata"):
        extra["metadata"] = _json_arg(args, "metadata")
    if _flag(args, "reply_broadcast"):
        extra["subtype"] = "thread_broadcast"
    msg = st.add_message(
        ch.id,
        user=st.team.bot_user_id,
        text=text,
        blocks=blocks,
        thread_ts=args.get("thread_ts") or None,
        bot=True,
        extra=extra,
    )
    if ctx.on_bot_message:
        ctx.on_bot_message(ch.id, msg)
    return {"channel": ch.id, "ts": msg["ts"], "message": _public(msg)}


def chat_update(ctx: ApiContext, args: Args) -> dict:
    st = ctx.state
    ch = st.channel(_req(args, "channel"))
    ts = _req(args, "ts")
    current = st.message(ch.id, ts)
    if current.get("bot_id") != st.team.bot_id:
        raise SimError("cant_update_message")
    fields: dict[str, Any] = {}
    blocks = with_block_ids(_json_arg(args, "blocks", "invalid_blocks_format"))
    if "text" in args:
        fields["text"] = args["text"] or ""
    if blocks is not None:
        fields["blocks"] = blocks
    validate_message(fields.get("text", current.get("text")), blocks)
    msg = st.update_message(ch.id, ts, fields)
    return {"channel": ch.id, "ts": ts, "text": msg.get("text", ""), "message": _public(msg)}


def chat_delete(ctx: ApiContext, args: Args) -> dict:
    st = ctx.state
    ch = st.channel(_req(args, "channel"))
    ts = _req(args, "ts")
    if st.message(ch.id, ts).get("bot_id") != st.team.bot_id:
        raise SimError("cant_delete_message")
    st.delete_message(ch.id, ts)
    return {"channel": ch.id, "ts": ts}


def chat_post_ephemeral(ctx: ApiContext, args: Args) -> dict:
    st = ctx.state
    ch = st.channel(_req(args, "channel"))
    user = _req(args, "user")
    st.user(user)
    if user not in ch.members:
        raise SimError("user_not_in_channel")
    blocks = with_block_ids(_json_arg(args, "blocks", "invalid_blocks_format"))
    text = args.get("text") or ""
    validate_message(text, blocks)
    msg = st.add_ephemeral(
        user, ch.id, text=text, blocks=blocks, thread_ts=args.get("thread_ts") or None
    )
    return {"message_ts": msg["ts"]}


def chat_get_permalink(ctx: ApiContext, args: Args) -> dict:
    ch = ctx.state.channel(_req(args, "channel"))
    ts = _req(args, "message_ts")
    msg = ctx.state.message(ch.id, ts)
    link = f"{ctx.base_url()}/archives/{ch.id}/p{ts.replace('.', '')}"
    if msg.get("thread_ts") and msg["thread_ts"] != ts:
        link += f"?thread_ts={msg['thread_ts']}&cid={ch.id}"
    return {"channel": ch.id, "permalink": link}


# -- reactions --------------------------------------------------------------------------------
def _reaction_args(ctx: ApiContext, args: Args) -> tuple[str, str, str]:
    ch = ctx.state.channel(_req(args, "channel"))
    ts = _req(args, "timestamp")
    name = str(_req(args, "name")).strip(":")
    if not name or any(c in name for c in " :"):
        raise SimError("invalid_name")
    return ch.id, ts, name


def reactions_add(ctx: ApiContext, args: Args) -> dict:
    ch, ts, name = _reaction_args(ctx, args)
    ctx.state.add_reaction(ch, ts, name, ctx.state.team.bot_user_id)
    return {}


def reactions_remove(ctx: ApiContext, args: Args) -> dict:
    ch, ts, name = _reaction_args(ctx, args)
    ctx.state.remove_reaction(ch, ts, name, ctx.state.team.bot_user_id)
    return {}


def reactions_get(ctx: ApiContext, args: Args) -> dict:
    ch = ctx.state.channel(_req(args, "channel"))
    msg = ctx.state.message(ch.id, _req(args, "timestamp"))
    return {"type": "message", "channel": ch.id, "message": _public(msg)}


# -- conversations ----------------------------------------------------------------------------
def _window(msgs: list[dict], args: Args) -> list[dict]:
    oldest, latest = args.get("oldest"), args.get("latest")
    inclusive = _flag(args, "inclusive")

    def keep(ts: str) -> bool:
        t = float(ts)
        if oldest and (t < float(oldest) or (t == float(oldest) and not inclusive)):
            return False
        return not (latest and (t > float(latest) or (t == float(latest) and not inclusive)))

    return [m for m in msgs if keep(m["ts"])]


def conversations_history(ctx: ApiContext, args: Args) -> dict:
    msgs = _window(ctx.state.history(_req(args, "channel")), args)
    chunk, meta = _page(msgs, args)
    return {"messages": [_public(m) for m in chunk], "pin_count": 0} | meta


def conversations_replies(ctx: ApiContext, args: Args) -> dict:
    msgs = ctx.state.thread(_req(args, "channel"), _req(args, "ts"))
    parent, replies = msgs[0], _window(msgs[1:], args)
    chunk, meta = _page([parent, *replies], args, default_limit=1000)
    return {"messages": [_public(m) for m in chunk]} | meta


def conversations_info(ctx: ApiContext, args: Args) -> dict:
    ch = ctx.state.channel(_req(args, "channel"))
    return {"channel": ch.to_api(ctx.state.team.bot_user_id)}


def conversations_list(ctx: ApiContext, args: Args) -> dict:
    types = str(args.get("types") or "public_channel").split(",")
    with ctx.state.lock:
        chans = [
            c.to_api(ctx.state.team.bot_user_id)
            for c in ctx.state.channels.values()
            if ("private_channel" if c.is_private else "public_channel") in types
        ]
    chunk, meta = _page(chans, args)
    return {"channels": chunk} | meta


def conversations_join(ctx: ApiContext, args: Args) -> dict:
    ch = ctx.state.join(_req(args, "channel"), ctx.state.team.bot_user_id)
    return {"channel": ch.to_api(ctx.state.team.bot_user_id)}


def conversations_members(ctx: ApiContext, args: Args) -> dict:
    ch = ctx.state.channel(_req(args, "channel"))
    chunk, meta = _page(list(ch.members), args)
    return {"members": chunk} | meta


# -- users ------------------------------------------------------------------------------------
def users_info(ctx: ApiContext, args: Args) -> dict:
    return {"user": ctx.state.user(_req(args, "user")).to_api(ctx.state.team.id)}


def users_list(ctx: ApiContext, args: Args) -> dict:
    with ctx.state.lock:
        users = [u.to_api(ctx.state.team.id) for u in ctx.state.users.values()]
    chunk, meta = _page(users, args)
    return {"members": chunk} | meta


# -- views ------------------------------------------------------------------------------------
def views_open(ctx: ApiContext, args: Args) -> dict:
    view = _json_arg(args, "view")
    return {"view": ctx.views.open(args.get("trigger_id"), view)}


def views_push(ctx: ApiContext, args: Args) -> dict:
    view = _json_arg(args, "view")
    return {"view": ctx.views.push(args.get("trigger_id"), view)}


def views_update(ctx: ApiContext, args: Args) -> dict:
    view = _json_arg(args, "view")
    if not args.get("view_id") and not args.get("external_id"):
        raise SimError("invalid_arguments", detail="view_id or external_id is required")
    updated = ctx.views.update(view, args.get("view_id"), args.get("external_id"), args.get("hash"))
    return {"view": updated}


def views_publish(ctx: ApiContext, args: Args) -> dict:
    view = _json_arg(args, "view")
    return {"view": ctx.views.publish(_req(args, "user_id"), view, args.get("hash"))}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "bots.info": bots_info,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "reactions.get": reactions_get,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "conversations.info": conversations_info,
    "conversations.list": conversations_list,
    "conversations.join": conversations_join,
    "conversations.members": conversations_members,
    "users.info": users_info,
    "users.list": users_list,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}
