"""Beyond the library, in the page: a vote between candidates, suggested critiques, an import."""

from __future__ import annotations

import re

import pytest

from tests.e2e.browser.helpers import last_message_with, shot, type_in

pytestmark = pytest.mark.browser


def test_a_vote_between_candidates_in_the_browser(sandbox, page):
    page.locator("#messages .message:has-text('tldr')").first.wait_for()
    type_in(page, "#composer-input", "/align new menu Suggest a menu using {{ingredients}}.")
    type_in(page, "#composer-input", "/align settings menu candidates=2")
    page.locator(".message", has_text="candidates").last.wait_for()
    type_in(page, "#composer-input", '/align run menu ingredients="leeks, eggs"')
    last_message_with(page, "button[data-action-id='run_again']:has-text('Run again')", "menu")
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
