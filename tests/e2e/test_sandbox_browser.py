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


@pytest.fixture
def page(sandbox, request):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1360, "height": 860})
        pg.set_default_timeout(TIMEOUT)
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(sandbox.url)
        yield pg
        shot(pg, f"{request.node.name}-end")  # what the page showed last, pass or fail
        browser.close()
        assert errors == [], f"JavaScript errors on the page: {errors}"


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"sandbox-{name}.png"
    page.screenshot(path=str(path))
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
    page.click("#home-link")
    page.locator("#home-body", has_text="tldr").wait_for()
    page.locator("#channels .nav-item").first.click()

    # Behind the scenes: the signed requests the app received, all accepted.
    page.click("#activity-link")
    page.locator("#activity-list .activity-row", has_text="app_home_opened").wait_for()
    assert page.locator("#activity-list .activity-row.failed").count() == 0

    type_in(page, "#composer-input", "hello from a person")
    page.locator("#messages .message", has_text="hello from a person").wait_for()
    page.on("dialog", lambda d: d.accept())
    page.click("#reset")
    page.locator("#messages .message", has_text="hello from a person").wait_for(state="detached")
    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    assert [t.name for t in sandbox.store.list_templates("T0SANDBOX")] == ["tldr"]
