"""Reading Block Kit the way Slack's client does for a person: the button they click, and the
`view.state.values` a submitted modal carries."""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.slack_sim.state import SimError


def _elements(blocks: list[dict[str, Any]]):
    for block in blocks:
        if block.get("type") == "actions":
            for el in block.get("elements", []):
                yield block, el
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            yield block, block["accessory"]


def find_action(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    for block, el in _elements(blocks):
        if el.get("action_id") == action_id:
            action = {
                "action_id": action_id,
                "block_id": block.get("block_id", ""),
                "type": el.get("type", "button"),
                "action_ts": f"{time.time():.6f}",
            }
            if el.get("text"):
                action["text"] = el["text"]
            if "value" in el:
                action["value"] = el["value"]
            if el.get("style"):
                action["style"] = el["style"]
            return action
    found = [el.get("action_id") for _, el in _elements(blocks)]
    raise SimError("action_not_found", detail=f"no element {action_id!r}; there are {found}")


def state_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Slack's `view.state.values`: block_id -> action_id -> typed value."""
    out: dict[str, Any] = {}
    missing = []
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        el = block.get("element", {})
        bid, aid = block.get("block_id", ""), el.get("action_id", "")
        raw = values.get(bid, values.get(aid))  # block ids first: they are unique in a view
        if raw is None:
            raw = _initial(el)
        if raw in (None, "", []):
            if not block.get("optional"):
                missing.append(aid or bid)
            raw = None
        out.setdefault(bid, {})[aid] = _typed(el, raw)
    if missing:
        raise SimError("required_field_missing", detail=f"required: {', '.join(missing)}")
    return out


def _initial(el: dict[str, Any]) -> Any:
    """What the client shows pre-filled, submitted if the person leaves it untouched."""
    for key in ("initial_value", "initial_conversation", "initial_user", "initial_channel"):
        if el.get(key):
            return el[key]
    if el.get("initial_option"):
        return el["initial_option"].get("value")
    if el.get("initial_options"):
        return [o.get("value") for o in el["initial_options"]]
    return None


def _typed(el: dict[str, Any], raw: Any) -> dict[str, Any]:
    kind = el.get("type", "plain_text_input")
    options = {o.get("value"): o for o in el.get("options", [])}
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": options.get(raw) if raw is not None else None}
    if kind == "checkboxes":
        chosen = raw if isinstance(raw, list) else ([] if raw is None else [raw])
        return {"type": kind, "selected_options": [options[v] for v in chosen if v in options]}
    if kind == "users_select":
        return {"type": kind, "selected_user": raw}
    if kind == "conversations_select":
        return {"type": kind, "selected_conversation": raw}
    if kind == "channels_select":
        return {"type": kind, "selected_channel": raw}
    if kind == "file_input":  # file objects, as the client uploaded them (SlackSim.upload_file)
        files = raw if isinstance(raw, list) else ([] if raw is None else [raw])
        return {"type": kind, "files": files}
    if kind == "number_input":
        return {"type": kind, "value": None if raw is None else str(raw)}
    return {"type": kind, "value": None if raw is None else str(raw)}
