"""The demo application's toggle on the sandbox page, in a real browser: switching it on
makes production outputs appear in the channel, marked as coming from production."""

from __future__ import annotations

import pytest

from bot.sandbox.runner import Sandbox
from tests.e2e.test_sandbox_browser import ARGS, CHROMIUM, TIMEOUT, _require_browser

pytestmark = pytest.mark.browser


def test_the_toggle_starts_the_demo_and_its_outputs_show_up(tmp_path) -> None:
    _require_browser()
    from playwright.sync_api import sync_playwright

    sb = Sandbox(database=tmp_path / "sandbox.db", scheduler=False, demo_interval=0.5).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1360, "height": 860})
            page.set_default_timeout(TIMEOUT)
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(sb.url)
            note = page.locator("#demo-note")
            note.wait_for()
            assert "Python client" in note.inner_text()
            page.check("#demo-toggle")
            page.locator("#messages").get_by_text("from production").first.wait_for()
            page.locator("#demo-status").get_by_text("last from v1").wait_for()
            page.uncheck("#demo-toggle")
            assert sb.demo.enabled is False
            browser.close()
            assert errors == []
    finally:
        sb.stop()
