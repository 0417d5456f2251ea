"""Typing: mentions that autocomplete, commands delivered in the order typed, a narrow window."""

from __future__ import annotations

import pytest

from tests.e2e.browser.helpers import last_message_with, shot, type_in

pytestmark = pytest.mark.browser


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


def test_commands_typed_in_quick_succession_are_delivered_in_that_order(sandbox, page):
    """Two quick Enters while the first command is still on its way (a slow network here) must
    not race: `settings` must reach the app after the `new` that creates the template."""
    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    page.evaluate(
        """() => {
          const real = window.fetch;
          window.sent = [];
          window.fetch = async (url, opts) => {
            if (!String(url).endsWith("/sim/api/slash_command")) return real(url, opts);
            const entry = { text: JSON.parse(opts.body).text, start: performance.now() };
            window.sent.push(entry);
            if (window.sent.length === 1) await new Promise((r) => setTimeout(r, 400));
            const resp = await real(url, opts);
            entry.end = performance.now();
            return resp;
          };
        }"""
    )
    type_in(page, "#composer-input", "/align new menu Suggest a menu using {{ingredients}}.")
    type_in(page, "#composer-input", "/align settings menu candidates=2")
    page.wait_for_function("window.sent.length === 2 && window.sent.every((e) => e.end)")
    first, second = page.evaluate("window.sent")
    assert first["text"].startswith("new menu") and second["text"].startswith("settings menu")
    assert second["start"] >= first["end"], "the second command left before the first was answered"
    assert sandbox.store.get_template("T0SANDBOX", "menu").settings.candidates == 2
    page.locator("#messages .message", has_text="candidates").last.wait_for()
    assert page.locator("#messages .message", has_text="No template").count() == 0
