"""The page across a restarted sandbox, and every emoji the bot uses drawn."""

from __future__ import annotations

import re

import pytest

from bot.sandbox.runner import Sandbox
from tests.e2e.browser.helpers import ROOT, shot

pytestmark = pytest.mark.browser


def test_an_open_page_follows_a_restarted_sandbox(tmp_path, new_page):
    db = tmp_path / "sandbox.db"
    first = Sandbox(database=db, seed=False).start()
    port = first.sim.port
    try:
        page = new_page(first.url)
        first.sim.post_message("bob", "general", "said before the restart")
        page.locator("#messages .message", has_text="said before the restart").wait_for()
        for i in range(5):  # the old server's change counter runs ahead of the new one's
            first.sim.post_message("bob", "general", f"filler {i}")
        page.locator("#messages .message", has_text="filler 4").wait_for()
    finally:
        first.stop()
    page.locator("#offline").wait_for()  # the page notices the server is gone

    second = Sandbox(database=db, seed=False, port=port).start()
    try:
        second.sim.post_message("carol", "general", "said after the restart")
        # No reload: the page sees a new server and takes its state whole.
        page.locator("#messages .message", has_text="said after the restart").wait_for(
            timeout=5_000
        )
        page.locator("#offline").wait_for(state="hidden")
        assert page.locator("#messages .message", has_text="said before the restart").count() == 1
        shot(page, "restart-resynced", docs=True)
    finally:
        second.stop()


def _emoji_the_bot_uses() -> set[str]:
    """Every `:shortcode:` in the bot's strings, the reactions it adds to a reply, and the
    reactions it reads as feedback."""
    import ast

    from bot.slack.commands.reactions import BAD, GOOD
    from bot.slack.listeners.messages import ACK_EMOJI

    names = set(ACK_EMOJI.values()) | GOOD | BAD
    for folder in ("bot", "alignment"):
        for path in (ROOT / folder).rglob("*.py"):
            if "sandbox" in path.relative_to(ROOT).parts:
                continue  # the simulator's own strings (`v0:ts:body`) are not emoji
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = {
                id(n.body[0].value)
                for n in ast.walk(tree)
                if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                and n.body
                and isinstance(n.body[0], ast.Expr)
                and isinstance(n.body[0].value, ast.Constant)
            }  # prose for readers (`host:pid:random`), never posted
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docstrings
                ):
                    names |= set(re.findall(r":([a-z0-9_+-]+):", node.value))
    return names


def test_every_emoji_the_bot_uses_is_drawn(tmp_path, new_page):
    import json

    from slack_sdk import WebClient

    used = _emoji_the_bot_uses()
    assert {"bookmark", "fast_forward", "wastebasket", "memo", "+1"} <= used
    table_js = (ROOT / "bot/sandbox/slack_sim/static/emoji-data.js").read_text(encoding="utf-8")
    table = json.loads(table_js.split("SHORTCODES = ", 1)[1].rstrip().rstrip(";"))
    assert len(table) > 1800  # the whole standard set, not a hand-kept few
    assert sorted(used - table.keys()) == []  # the bot uses only standard shortcodes

    with Sandbox(database=tmp_path / "sandbox.db", seed=False) as sb:
        page = new_page(sb.url)
        client = WebClient(token=sb.sim.bot_token, base_url=sb.sim.api_url)
        codes = " ".join(f":{n}:" for n in sorted(used))
        posted = client.chat_postMessage(
            channel="C0GENERAL",
            text=codes,
            blocks=[
                {"type": "section", "text": {"type": "mrkdwn", "text": f"mrkdwn {codes}"}},
                {"type": "context", "elements": [{"type": "plain_text", "text": f"plain {codes}"}]},
            ],
        )
        for name in sorted(used):
            sb.sim.add_reaction("bob", "general", posted["ts"], name)
        sb.sim.add_reaction("bob", "general", posted["ts"], "+1::skin-tone-3")
        msg = page.locator("#messages .message", has_text="mrkdwn").last
        msg.locator(".reaction").nth(len(used)).wait_for()
        body = msg.locator(".message-body").inner_text()
        assert re.findall(r":[a-z0-9_+-]+:", body) == [], body  # none left as text
        assert msg.locator(".message-body .emoji").count() == 2 * len(used)
        pills = msg.locator(".reaction .emoji").all_inner_texts()
        assert [p for p in pills if ":" in p] == []
        assert "👍🏼" in pills  # a skin tone is drawn with its modifier
        shot(page, "emoji", docs=True)
