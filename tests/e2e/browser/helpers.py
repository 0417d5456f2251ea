"""What the browser tests share: where Chromium is, screenshots, typing, finding a message.

Screenshots go to test-artifacts/; with ALIGNBOT_UPDATE_SCREENSHOT=1 the docs' pictures
(docs/sandbox-*.png) are refreshed from the run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.resources import unavailable

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT = 20_000  # ms: the bot works after its ack; the page long-polls for changes


def require_browser() -> None:
    if Path(CHROMIUM).exists():
        return
    unavailable(
        "Chromium", "ALIGNBOT_REQUIRE_BROWSER", f"{CHROMIUM} is missing", "apt-get install chromium"
    )


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


def last_message_with(page, selector: str, text: str | None = None):
    """The newest channel message that contains `selector` (e.g. a button), and `text` if given."""
    loc = page.locator(f"#messages .message:has({selector})")
    if text is not None:
        loc = loc.filter(has_text=text)
    loc = loc.last
    loc.wait_for()
    return loc
