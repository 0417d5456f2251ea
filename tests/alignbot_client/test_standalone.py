"""The client ships on its own: it imports neither Slack, the database, nor the app."""

from __future__ import annotations

import subprocess
import sys

import pytest

from alignbot_client import RenderError, Template

FORBIDDEN = ("slack_sdk", "slack_bolt", "sqlalchemy", "psycopg", "bot", "storage", "alignment")


def test_imports_without_slack_or_database_libraries() -> None:
    code = (
        "import sys, alignbot_client\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_render_fills_placeholders_and_names_what_is_missing() -> None:
    t = Template(name="greet", text='Say {"hi"} to {{ who }} in {{{lang}}}.', version=3)
    assert t.variables == ("who", "lang")
    assert t.render(who="Ann", lang="French") == 'Say {"hi"} to Ann in {French}.'
    with pytest.raises(RenderError, match="lang"):
        t.render(who="Ann")
