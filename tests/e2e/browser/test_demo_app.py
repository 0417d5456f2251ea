"""The demo application's toggle on the sandbox page, in a real browser: switching it on
makes production outputs appear in the channel, marked as coming from production."""

from __future__ import annotations

import pytest

from bot.sandbox.runner import Sandbox
from tests.e2e.browser.helpers import require_browser

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_sandbox(tmp_path):
    require_browser()
    sb = Sandbox(database=tmp_path / "sandbox.db", scheduler=False, demo_interval=0.5).start()
    yield sb
    sb.stop()


def test_the_toggle_starts_the_demo_and_its_outputs_show_up(demo_sandbox, new_page) -> None:
    page = new_page(demo_sandbox.url)
    note = page.locator("#demo-note")
    note.wait_for()
    assert "Python client" in note.inner_text()
    page.check("#demo-toggle")
    page.locator("#messages").get_by_text("from production").first.wait_for()
    page.locator("#demo-status").get_by_text("last from v1").wait_for()
    # The switch reaches the sandbox with the page's POST: its answer first, then the state.
    with page.expect_response(lambda r: r.url.endswith("/sim/demo") and r.request.method == "POST"):
        page.uncheck("#demo-toggle")
    assert demo_sandbox.demo.enabled is False
