"""Fixtures of the browser tests: one Chromium per test process, a fresh context (so fresh
storage) per page, and a sandbox that is the real thing (simulator + page, the bot over HTTP,
SQLite, the scheduler)."""

from __future__ import annotations

import pytest

from bot.sandbox.runner import Sandbox
from tests.e2e.browser.helpers import ARGS, CHROMIUM, TIMEOUT, require_browser, shot


@pytest.fixture
def sandbox(tmp_path):
    require_browser()
    sb = Sandbox(database=tmp_path / "sandbox.db", env={"ALIGNBOT_INBOX_WORKERS": "2"})
    sb.start()
    yield sb
    sb.stop()


@pytest.fixture(scope="session")
def chromium():
    """One browser per test process (starting Chromium is the slow part)."""
    from playwright.sync_api import sync_playwright

    require_browser()
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
