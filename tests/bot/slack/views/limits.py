"""An independent check of Slack's Block Kit limits and of mention safety, over rendered JSON.

Written from Slack's documentation, not from the code under test, so a view that slips past
slack-sdk's own validation still fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

MENTION = re.compile(r"<(!|@|#)")


def _texts(node: Any) -> Iterator[tuple[str, str]]:
    """(type, text) of every text object in a JSON tree."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node["type"], node["text"]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def check_block(block: dict[str, Any]) -> None:
    assert len(block.get("block_id", "")) <= 255
    kind = block["type"]
    if kind == "section":
        assert "text" in block or "fields" in block
        if "text" in block:
            assert 1 <= len(block["text"]["text"]) <= 3000, len(block["text"]["text"])
        fields = block.get("fields", [])
        assert len(fields) <= 10
        assert all(1 <= len(f["text"]) <= 2000 for f in fields)
    elif kind == "header":
        assert block["text"]["type"] == "plain_text"
        assert 1 <= len(block["text"]["text"]) <= 150
    elif kind == "context":
        assert 1 <= len(block["elements"]) <= 10
        assert all(len(e.get("text", "")) <= 3000 for e in block["elements"])
    elif kind == "actions":
        assert 1 <= len(block["elements"]) <= 25
        action_ids = [e["action_id"] for e in block["elements"]]
        assert len(action_ids) == len(set(action_ids))
        for e in block["elements"]:
            check_element(e)
    elif kind == "input":
        assert 1 <= len(block["label"]["text"]) <= 2000
        assert len(block.get("hint", {}).get("text", "")) <= 2000
        check_element(block["element"])
    else:
        assert kind == "divider", kind


def check_element(e: dict[str, Any]) -> None:
    assert 1 <= len(e["action_id"]) <= 255
    if e["type"] == "button":
        assert 1 <= len(e["text"]["text"]) <= 75
        assert len(e.get("value", "")) <= 2000
        if "confirm" in e:
            c = e["confirm"]
            assert len(c["title"]["text"]) <= 100 and len(c["text"]["text"]) <= 300
            assert len(c["confirm"]["text"]) <= 30 and len(c["deny"]["text"]) <= 30
    elif e["type"] == "plain_text_input":
        assert e.get("max_length", 3000) <= 3000
        assert len(e.get("initial_value", "")) <= e.get("max_length", 3000)
        assert len(e.get("placeholder", {}).get("text", "")) <= 150
    else:
        assert e["type"] == "conversations_select", e["type"]


def check_message(msg: dict[str, Any]) -> None:
    assert set(msg) == {"text", "blocks"}
    assert 1 <= len(msg["text"]) <= 40_000
    assert 1 <= len(msg["blocks"]) <= 50
    for block in msg["blocks"]:
        check_block(block)


def check_view(view: dict[str, Any]) -> None:
    assert view["type"] in ("modal", "home")
    assert 1 <= len(view["blocks"]) <= 100
    if view["type"] == "modal":
        assert 1 <= len(view["title"]["text"]) <= 24
        for key in ("submit", "close"):
            if key in view:
                assert len(view[key]["text"]) <= 24
        assert len(view.get("private_metadata", "")) <= 3000
        assert len(view.get("callback_id", "")) <= 255
        if any(b["type"] == "input" for b in view["blocks"]):
            assert "submit" in view
    for block in view["blocks"]:
        check_block(block)


def mentions(payload: dict[str, Any]) -> list[str]:
    """Every `<@…>`, `<!…>` or `<#…>` the payload would make Slack turn into a mention/link."""
    found = []
    texts = [t for kind, t in _texts(payload) if kind == "mrkdwn"]
    if isinstance(payload.get("text"), str):
        texts.append(payload["text"])
    for text in texts:
        found += re.findall(r"<[!@#][^>]*>", text)
    return found


def all_text(payload: dict[str, Any]) -> str:
    texts = [t for _, t in _texts(payload)]
    return "\n".join(texts)
