"""The sandbox in a real browser: headless Chromium clicks and types through the whole loop.

The sandbox is the real thing (simulator + page, the bot over HTTP, SQLite, the scheduler).
Screenshots go to test-artifacts/; with ALIGNBOT_UPDATE_SCREENSHOT=1 the README's picture
(docs/sandbox.png) is refreshed from the run.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from bot.sandbox.runner import Sandbox
from tests.resources import unavailable

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT = 20_000  # ms: the bot works after its ack; the page long-polls for changes


def _require_browser() -> None:
    if Path(CHROMIUM).exists():
        return
    unavailable(
        "Chromium", "ALIGNBOT_REQUIRE_BROWSER", f"{CHROMIUM} is missing", "apt-get install chromium"
    )


@pytest.fixture
def sandbox(tmp_path):
    _require_browser()
    sb = Sandbox(database=tmp_path / "sandbox.db", env={"ALIGNBOT_INBOX_WORKERS": "2"})
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture(scope="module")
def chromium():
    """One browser for the module (starting Chromium is the slow part); a fresh context, so
    fresh storage, per test."""
    from playwright.sync_api import sync_playwright

    _require_browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, request):
    """Opens pages at a size; each fails the test on a JavaScript error or a native dialog
    (`alert`/`confirm`: the page asks in-page), and leaves a last screenshot."""
    opened = []

    def open_page(url: str, width: int = 1360, height: int = 860):
        context = chromium.new_context(viewport={"width": width, "height": height})
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT)
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("dialog", lambda d: (errors.append(f"native {d.type}: {d.message}"), d.dismiss()))
        pg.goto(url)
        opened.append((context, pg, errors))
        return pg

    yield open_page
    for i, (context, pg, errors) in enumerate(opened):
        shot(pg, f"{request.node.name}-end{i or ''}")  # what the page showed last, pass or fail
        context.close()
        assert errors == [], f"JavaScript errors or native dialogs on the page: {errors}"


@pytest.fixture
def page(sandbox, new_page):
    return new_page(sandbox.url)


def shot(page, name: str, *, docs: bool = False) -> Path:
    """A screenshot in test-artifacts/; `docs=True` marks a state the docs show, copied to
    docs/sandbox-NAME.png when ALIGNBOT_UPDATE_SCREENSHOT=1."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"sandbox-{name}.png"
    page.screenshot(path=str(path))
    if docs and os.environ.get("ALIGNBOT_UPDATE_SCREENSHOT") == "1":
        shutil.copy(path, ROOT / "docs" / path.name)
    return path


def type_in(page, selector: str, text: str) -> None:
    page.fill(selector, text)
    page.press(selector, "Enter")


def last_message_with(page, selector: str):
    """The newest channel message that contains `selector` (e.g. a button)."""
    loc = page.locator(f"#messages .message:has({selector})").last
    loc.wait_for()
    return loc


def test_whole_loop_in_the_browser(sandbox, page):
    # The first start seeded an example, so the channel is not empty.
    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    assert page.locator("#model").inner_text() == "offline"

    # Create a template through the modal opened by a bare `/align new`.
    type_in(page, "#composer-input", "/align new")
    page.locator("#modal .bk-input[data-block-id='name'] .bk-field").fill("recipe")
    template = "Suggest a dinner recipe using {{ingredients}}."
    page.locator("#modal .bk-input[data-block-id='template'] .bk-field").fill(template)
    shot(page, "1-new-template-modal")
    page.click("#modal .modal-submit")
    page.locator("#modal-overlay").wait_for(state="hidden")

    # Run it by typing, as in Slack.
    type_in(page, "#composer-input", '/align run recipe ingredients="leeks, eggs"')
    run = last_message_with(page, "button[data-action-id='run_again']:has-text('Run again')")
    run.filter(has_text="recipe").wait_for()
    assert "leeks, eggs" in run.inner_text()

    # React 👎 from the picker: the bot asks in the thread what should change.
    run.hover()
    run.locator(".add-reaction").click()
    page.click("#picker [data-reaction='-1']")
    run.locator(".reaction.mine[data-reaction='-1'] .count").filter(has_text="1").wait_for()
    run.locator(".thread-link.has-replies").wait_for()
    run.locator(".thread-link").click()
    thread = page.locator("#thread-messages")
    thread.locator(".message", has_text="what should change").wait_for()

    # Reply with a critique in the thread: the bot acknowledges it with a reaction.
    type_in(page, "#thread-input", "Too long: keep it to five steps and name the pan size.")
    reply = thread.locator(".message", has_text="five steps")
    reply.locator(".reaction").first.wait_for()
    shot(page, "2-thread-critique")

    # Propose, approve (through the button's confirmation), and see version 2.
    type_in(page, "#composer-input", "/align propose recipe")
    proposal = last_message_with(page, "button[data-action-id='proposal_approve']")
    assert "five steps" in proposal.inner_text().lower() or "pan" in proposal.inner_text()
    # Only a 👎 so far: the message says why there is no judge score rather than showing one.
    said = proposal.inner_text()
    assert "Judge: not scored — the judge needs at least one 👍 and one 👎 run" in said
    assert "(it has 1 👎, 0 👍)" in said and "judge score" not in said
    assert "leeks, eggs" in said  # the before/after outputs are still shown
    proposal.locator("button[data-action-id='proposal_approve']").click()
    page.click("#confirm .confirm-ok")
    # The proposal message updates in place: approved, v2 active, no more buttons.
    approved = page.locator("#messages .message", has_text=re.compile(r"Approved\b.*\bv2\b")).last
    approved.wait_for()
    assert "Proposal for recipe" in approved.inner_text()
    assert approved.locator("button[data-action-id='proposal_approve']").count() == 0
    shot(page, "3-approved")

    # The principle links to the feedback it came from: the permalink opens that thread reply.
    approved.locator("a", has_text="critique").first.click()
    page.locator("#thread-messages .message.highlight", has_text="five steps").wait_for()
    versions = sandbox.store.list_versions(sandbox.store.get_template("T0SANDBOX", "recipe").id)
    assert [v.number for v in versions] == [1, 2]

    # Roll back to version 1: a new version 3 with version 1's text.
    type_in(page, "#composer-input", "/align rollback recipe v1")
    page.locator("button[data-action-id='rollback_confirm']").last.click()  # it asks first
    page.locator(".message", has_text=re.compile(r"rolled back.*\bv3\b")).last.wait_for()
    info = sandbox.store.get_template("T0SANDBOX", "recipe")
    versions = sandbox.store.list_versions(info.id)
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[2].text == versions[0].text == template
    # The channel follows the newest message (the thread pane opened beside it).
    gap = page.locator("#messages").evaluate("l => l.scrollHeight - l.scrollTop - l.clientHeight")
    assert gap < 2
    final = shot(page, "4-rolled-back")
    if os.environ.get("ALIGNBOT_UPDATE_SCREENSHOT") == "1":
        shutil.copy(final, ROOT / "docs" / "sandbox.png")


def test_model_output_with_html_shows_as_text(sandbox, page):
    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    attack = "<img src=x onerror='window.__pwned=1'><script>window.__pwned=2</script> @channel"
    type_in(page, "#composer-input", f'/align run tldr text="{attack}"')
    run = page.locator("#messages .message", has_text="window.__pwned=2").last
    run.wait_for()
    assert "<script>window.__pwned=2</script>" in run.inner_text()
    assert run.locator("script, img").count() == 0
    assert page.evaluate("window.__pwned") is None
    # Posted escaped by the bot, so no @channel mention reaches Slack.
    assert run.locator(".mention.special").count() == 0

    # What a person types is sent as Slack's client sends it (&, <, > escaped) and shown as typed.
    type_in(page, "#composer-input", "see <b>this</b> & @bob")
    mine = page.locator("#messages .message", has_text="see <b>this</b> & @bob").last
    mine.wait_for()
    assert mine.locator("b").count() == 0
    sent = [m["text"] for m in sandbox.sim.messages("general") if m.get("user") == "U0ALICE"]
    assert sent[-1] == "see &lt;b&gt;this&lt;/b&gt; &amp; <@U0BOB>"


def test_app_home_and_reset(sandbox, page):
    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    page.click("#tour-close")  # a person who has seen the tour
    page.click("#home-link")
    page.locator("#home-body", has_text="tldr").wait_for()
    page.locator("#channels .nav-item").first.click()

    # Behind the scenes: the signed requests the app received, all accepted.
    page.click("#activity-link")
    page.locator("#activity-list .activity-row", has_text="app_home_opened").wait_for()
    assert page.locator("#activity-list .activity-row.failed").count() == 0

    type_in(page, "#composer-input", "hello from a person")
    page.locator("#messages .message", has_text="hello from a person").wait_for()
    page.reload()
    assert page.locator("#tour").is_hidden()  # closed stays closed

    # Reset asks in the page (a native confirm() fails the test), and Cancel keeps everything.
    page.click("#reset")
    dialog = page.locator("#confirm-overlay")
    dialog.wait_for()
    assert "deletes every template" in dialog.inner_text()
    shot(page, "reset-confirm", docs=True)
    page.click("#confirm button:has-text('Cancel')")
    dialog.wait_for(state="hidden")
    assert page.locator("#messages .message", has_text="hello from a person").count() == 1

    page.click("#activity-link")  # the requests pane is open while resetting
    page.locator("#activity-list .activity-row", has_text="app_home_opened").wait_for()
    page.click("#reset")
    page.click("#confirm .confirm-ok")
    page.locator("#messages .message", has_text="hello from a person").wait_for(state="detached")
    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    assert [t.name for t in sandbox.store.list_templates("T0SANDBOX")] == ["tldr"]
    # The first-start state: the tour is back, and the requests list holds only the new seed.
    assert page.locator("#tour").is_visible()
    rows = page.locator("#activity-list .activity-row")
    rows.filter(has_text="/align").first.wait_for()
    assert rows.filter(has_text="app_home_opened").count() == 0
    assert all(d.kind == "command" for d in sandbox.sim.deliveries)
    shot(page, "reset-done", docs=True)
    page.reload()
    assert page.locator("#tour").is_visible()  # for good, not until the next reload


def test_the_page_says_what_the_offline_model_does(sandbox, page):
    foot = page.locator(".sidebar-foot")
    foot.locator("#model", has_text="offline").wait_for()
    # Said on the page, not in a hover.
    assert "cannot tell good outputs from bad" in foot.inner_text()
    page.click("#model-link")
    pane = page.locator("#model-pane")
    pane.wait_for()
    said = pane.inner_text()
    assert "It does:" in said and "It does not:" in said
    for variable in ("ALIGNBOT_TARGET_MODEL", "ALIGNBOT_ALIGN_MODEL", "GEMINI_API_KEY"):
        assert variable in said
    assert "OPENAI_BASE_URL=http://127.0.0.1:11434/v1" in said  # a local Gemma over Ollama
    assert "openai/gemma3:4b" in said and "llama-server" in said
    shot(page, "model-info", docs=True)
    page.click("#model-close")
    pane.wait_for(state="hidden")


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


def test_mentions_autocomplete_and_approvers_work_as_typed(sandbox, page):
    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    box = page.locator("#composer-input")
    people = page.locator("#mention-list")

    # `@` lists the sandbox's people; what follows narrows the list; Tab puts the name in.
    box.click()
    page.keyboard.type("ping @")
    people.wait_for()
    assert {"alice", "bob", "carol"} <= set(
        people.locator(".mention-option").evaluate_all("rows => rows.map(r => r.dataset.name)")
    )
    page.keyboard.type("ca")
    assert people.locator(".mention-option").all_inner_texts() == ["Carol Chen @carol"]
    shot(page, "mention-autocomplete", docs=True)
    page.keyboard.press("Tab")
    people.wait_for(state="hidden")
    assert box.input_value() == "ping @carol "
    page.keyboard.press("Enter")
    said = page.locator("#messages .message", has_text="ping").last
    said.locator(".mention", has_text="@carol").wait_for()

    # The syntax `/align help` documents, typed key by key: a mention may follow `=` and `,`.
    box.click()
    page.keyboard.type("/align settings tldr approvers=@bob,@carol")
    page.keyboard.press("Enter")  # the names are complete: Enter sends, it does not pick
    sandbox.sim.wait_for(
        lambda: (
            sandbox.store.get_template("T0SANDBOX", "tldr").settings.approvers
            == ("U0BOB", "U0CAROL")
        )
    )
    assert box.input_value() == ""

    # Picking from the list inside a value list adds no space, so the list stays one value.
    box.click()
    page.keyboard.type("/align settings tldr approvers=@al")
    page.keyboard.press("Enter")  # an incomplete name: Enter picks it
    page.keyboard.type(",@b")
    page.keyboard.press("ArrowDown")  # `@b` matches only bob: the choice wraps around to him
    page.keyboard.press("Enter")
    assert box.input_value() == "/align settings tldr approvers=@alice,@bob"
    page.keyboard.press("Enter")
    sandbox.sim.wait_for(
        lambda: (
            sandbox.store.get_template("T0SANDBOX", "tldr").settings.approvers
            == ("U0ALICE", "U0BOB")
        )
    )


def test_at_800_px_a_thread_overlays_and_the_channel_stays_usable(sandbox, new_page):
    page = new_page(sandbox.url, width=800, height=700)
    run = last_message_with(page, "button[data-action-id='run_again']")
    run.hover()
    run.locator(".thread-link").click()
    thread = page.locator("#thread-pane")
    thread.wait_for()

    def width(selector: str) -> float:
        return page.locator(selector).evaluate("n => n.getBoundingClientRect().width")

    # The channel keeps its width (the thread lies over it, as in Slack), nothing scrolls sideways.
    assert width("#channel-pane") >= 540
    assert 360 <= width("#thread-pane") <= 800 - 200
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    type_in(page, "#thread-input", "a reply from a narrow window")
    page.locator("#thread-messages .message", has_text="a reply from a narrow window").wait_for()
    shot(page, "800px-thread", docs=True)

    page.click("#thread-close")
    thread.wait_for(state="hidden")
    type_in(page, "#composer-input", "back in the channel")
    said = page.locator("#messages .message", has_text="back in the channel")
    said.wait_for()
    assert said.evaluate("n => n.getBoundingClientRect().width") >= 540
    shot(page, "800px-channel")


def test_a_vote_between_candidates_in_the_browser(sandbox, page):
    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    type_in(page, "#composer-input", "/align new menu Suggest a menu using {{ingredients}}.")
    type_in(page, "#composer-input", "/align settings menu candidates=2")
    page.locator(".message", has_text="candidates").last.wait_for()
    type_in(page, "#composer-input", '/align run menu ingredients="leeks, eggs"')
    run = last_message_with(page, "button[data-action-id='run_again']:has-text('Run again')")
    run.filter(has_text="menu").wait_for()
    store = sandbox.store
    info = store.get_template("T0SANDBOX", "menu")
    ts = store.recent_runs(info.id, limit=1)[0].message_ts
    for text in ("Keep it to three courses", "Name a wine for each course"):
        sandbox.sim.post_message("bob", "general", text, thread_ts=ts)
    assert sandbox.sim.wait_for(lambda: store.count_pending(info.id) == 2)

    type_in(page, "#composer-input", "/align propose menu")
    proposal = last_message_with(page, "button[data-action-id='proposal_vote:2']")
    said = proposal.inner_text()
    assert "2 candidates" in said and "Candidate 1" in said and "Candidate 2" in said
    assert proposal.locator("button[data-action-id='proposal_another']").count() == 1
    shot(page, "vote-1-candidates")

    proposal.locator("button[data-action-id='proposal_vote:2']").click()
    page.locator("#messages .message", has_text="1 voter").last.wait_for()
    voted = page.locator("#messages .message", has_text="1 voter").last
    assert re.search(r"Candidate 2 · 1 vote\b.*leading", voted.inner_text())
    shot(page, "vote-2-voted")
    p = max(store.list_proposals(info.id), key=lambda p: p.id)
    second = p.evaluation["candidates"][1]["text"]
    assert p.text == second

    voted.locator("button[data-action-id='proposal_approve']").click()
    page.click("#confirm .confirm-ok")
    page.locator("#messages .message", has_text=re.compile(r"Approved\b.*\bv2\b")).last.wait_for()
    assert store.get_template("T0SANDBOX", "menu").active_version.text == second


def test_suggested_critiques_and_an_import_from_a_file_in_the_browser(sandbox, page, tmp_path):
    from bot.services import Actor

    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    run = last_message_with(page, "button[data-action-id='run_suggest']")
    run.locator("button[data-action-id='run_suggest']").click()
    offered = last_message_with(page, "button[data-action-id='suggestion_adopt_1']")
    assert "Only visible to you" in offered.inner_text() and "offline model" in offered.inner_text()
    shot(page, "suggestions")
    offered.locator("button[data-action-id='suggestion_adopt_1']").click()
    page.locator("#messages .message", has_text="Adopted as your critique").wait_for()
    info = sandbox.store.get_template("T0SANDBOX", "tldr")
    [adopted] = sandbox.store.pending_feedback(info.id)
    assert adopted.kind.value == "critique" and adopted.author == "U0ALICE"

    export = tmp_path / "tldr.json"
    export.write_text(sandbox.bot.services.transfer.export_text(Actor("T0SANDBOX", "U0X"), "tldr"))
    type_in(page, "#composer-input", "/align import")
    page.locator("#modal .bk-input[data-block-id='file'] input[type=file]").set_input_files(export)
    page.wait_for_function(
        "document.querySelector(\"#modal .bk-input[data-block-id='file'] .bk-field\")"
        ".dataset.file !== undefined"
    )
    page.click("#modal .modal-submit")  # the name is taken: the next form asks
    page.locator("#modal .bk-input[data-block-id='import_as']").wait_for()
    page.locator("#modal .bk-input[data-block-id='name'] .bk-field").fill("tldr-copy")
    page.click("#modal .modal-submit")
    page.locator("#modal-overlay").wait_for(state="hidden")
    page.locator("#messages .message", has_text="tldr-copy").last.wait_for()
    assert sandbox.store.get_template("T0SANDBOX", "tldr-copy") is not None
