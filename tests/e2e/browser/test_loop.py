"""The whole loop in the page, from a new template to an approved version, and what the page says
about itself (the model, the App Home, a reset)."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from tests.e2e.browser.helpers import ROOT, last_message_with, shot, type_in

pytestmark = pytest.mark.browser


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
