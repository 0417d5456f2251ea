"""The README's examples work as written: the feedback file format, copied into files, runs through
`alignbot propose`, and the Python snippet runs in the project's virtual environment."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from alignment.feedback import FeedbackKind
from alignment.files import FEEDBACK_FIELDS
from bot.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    return README.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_the_feedback_format_is_documented_field_by_field_and_kind_by_kind():
    section = _section("Without Slack")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))
    assert documented == FEEDBACK_FIELDS  # every field the reader accepts, and no other
    required = re.findall(r"^\| `([a-z_]+)` \| yes \|", section, re.M)
    assert required == ["kind"]
    kind_row = next(line for line in section.splitlines() if line.startswith("| `kind`"))
    assert {k.value for k in FeedbackKind} <= set(re.findall(r"`([a-z]+)`", kind_row))


def test_the_copy_paste_example_runs(tmp_path, capsys):
    section = _section("Without Slack")
    (template,) = _blocks(section, "text")
    (feedback,) = _blocks(section, "jsonl")
    lines = [json.loads(line) for line in feedback.splitlines()]
    assert {item["kind"] for item in lines} == {k.value for k in FeedbackKind}  # one of each
    (tmp_path / "template.txt").write_text(template)
    (tmp_path / "feedback.jsonl").write_text(feedback)
    assert "./dev propose template.txt feedback.jsonl" in section

    code = main(["propose", str(tmp_path / "template.txt"), str(tmp_path / "feedback.jsonl")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "+++ template (proposed)" in out
    assert "[from feedback f1]" in out and "Number the uses" in out


def test_the_python_snippet_says_where_it_runs_and_runs_there():
    section = _section("Without Slack")
    (snippet,) = _blocks(section, "python")
    before = section.split("```python", 1)[0].rstrip().rsplit("\n\n", 1)[-1]
    assert "`.venv/bin/python`" in before  # the project's venv, which ./dev creates
    done = subprocess.run(
        [sys.executable, "-c", snippet], capture_output=True, text=True, timeout=60
    )  # sys.executable is the venv's python under ./dev test
    assert done.returncode == 0, done.stderr
    assert "+++" in done.stdout
