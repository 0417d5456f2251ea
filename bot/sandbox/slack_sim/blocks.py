"""Block Kit checks, strict where Slack is strict, so oversize or malformed output is caught.

Each block is parsed and validated with slack-sdk's own Block Kit models (which know the
per-field limits: section text 3,000 chars, header 150, …); the counts Slack enforces per
surface (50 blocks in a message, 100 in a modal or Home tab) are checked here.
"""

from __future__ import annotations

import secrets
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.sandbox.slack_sim.state import SimError

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MAX_TEXT = 40_000  # chat.postMessage's `text` limit (msg_too_long beyond)
MAX_VIEW_TITLE = 24


def block_errors(blocks: Any, surface: str = "message") -> list[str]:
    """Human-readable problems with `blocks`, in the style of Slack's `invalid_blocks` errors."""
    if not isinstance(blocks, list):
        return ["blocks must be a JSON array"]
    errors: list[str] = []
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:/blocks]")
    for i, raw in enumerate(blocks):
        where = f"[json-pointer:/blocks/{i}]"
        if not isinstance(raw, dict) or not raw.get("type"):
            errors.append(f"each block must be an object with a type {where}")
            continue
        try:
            parsed = Block.parse(raw)
        except (SlackObjectFormationError, TypeError, ValueError, KeyError) as e:
            errors.append(f"{e} {where}")
            continue
        if parsed is None:
            errors.append(f"unsupported type: {raw['type']} {where}")
            continue
        try:
            parsed.validate_json()
        except SlackObjectFormationError as e:
            errors.append(f"{e} {where}")
        if raw["type"] == "input" and surface == "message":
            errors.append(f"input blocks are not allowed in messages {where}")
    return errors


def _raise(errors: list[str]) -> None:
    raise SimError(
        "invalid_blocks",
        errors=errors,
        response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
    )


def validate_message(text: Any, blocks: Any) -> None:
    """Checks chat.postMessage/update/postEphemeral content the way Slack does."""
    if blocks is None and not text:
        raise SimError("no_text")
    if text and len(str(text)) > MAX_TEXT:
        raise SimError("msg_too_long")
    if blocks is not None:
        errors = block_errors(blocks, "message")
        if errors:
            _raise(errors)


def validate_view(view: Any, surface: str) -> None:
    if not isinstance(view, dict):
        raise SimError("invalid_arguments", detail="view must be a JSON object")
    if view.get("type") not in ("modal", "home"):
        raise SimError("invalid_arguments", detail="view.type must be modal or home")
    if surface == "modal":
        title = (view.get("title") or {}).get("text", "")
        if not title:
            _raise(["must provide a title [json-pointer:/view/title]"])
        if len(title) > MAX_VIEW_TITLE:
            _raise([f"must be at most {MAX_VIEW_TITLE} characters [json-pointer:/view/title]"])
        blocks = [b for b in view.get("blocks", []) if isinstance(b, dict)]
        has_input = any(b.get("type") == "input" for b in blocks)
        if has_input and not view.get("submit"):
            _raise(["must provide a submit when an input is present [json-pointer:/view/submit]"])
    errors = block_errors(view.get("blocks", []), surface)
    if errors:
        _raise(errors)


def with_block_ids(blocks: Any) -> Any:
    """Gives each block without a `block_id` a random one, as Slack does when storing it."""
    if isinstance(blocks, list):
        for block in blocks:
            if isinstance(block, dict) and not block.get("block_id"):
                block["block_id"] = secrets.token_urlsafe(4)
    return blocks
