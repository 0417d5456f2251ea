"""`alignbot judge train|eval` on labelled JSON-lines files, with the offline model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alignment.feedback import Label
from alignment.judge_eval import BATCH, metrics
from bot.cli import main

TRAIN = [
    ("A fresh salad with vegetables", "good"),
    ("Roasted vegetables and fresh herbs", "good"),
    ("Pair it with beer and whisky", "bad"),
    ("Serve with wine and beer", "bad"),
]
# Two right 👍, one right 👎, one 👎 that reads like the 👍 ones, one 👍 that reads like a 👎.
HELD_OUT = [
    ("Fresh salad, vegetables", "good"),
    ("Spinach with vegetables", "good"),
    ("Beer and whisky", "bad"),
    ("Fresh vegetables salad", "bad"),
    ("Wine pairing", "good"),
]


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    lines = [json.dumps({"output": o, "label": lb, "inputs": {"dish": "soup"}}) for o, lb in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.delenv("ALIGNBOT_ALIGN_MODEL", raising=False)


def test_train_then_eval_reports_the_measures_and_the_calls(tmp_path, capsys):
    rules = tmp_path / "rules.json"
    assert main(["judge", "train", str(_write(tmp_path / "t.jsonl", TRAIN)), "-o", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "with 2 calls" in out and "Agreement with those labels, scored blind: 100%" in out
    assert set(json.loads(rules.read_text())["rule_books"]) == {"good", "bad"}

    held = _write(tmp_path / "h.jsonl", HELD_OUT)
    assert main(["judge", "eval", str(held), "--rules", str(rules), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "examples": 5,
        "accuracy": 0.6,
        "precision": 0.6667,
        "recall": 0.6667,
        "f1": 0.6667,
        "calls": 1,
    }


def test_classifying_costs_one_call_per_batch(tmp_path, capsys):
    rules = tmp_path / "rules.json"
    main(["judge", "train", str(_write(tmp_path / "t.jsonl", TRAIN)), "-o", str(rules)])
    capsys.readouterr()
    many = _write(tmp_path / "many.jsonl", HELD_OUT * 20)  # 100 outputs
    assert main(["judge", "eval", str(many), "--rules", str(rules), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["calls"] == -(-100 // BATCH) == 4


def test_metrics_when_nothing_is_called_good():
    m = metrics([False, False], [Label.GOOD, Label.BAD], calls=1)
    assert (m.accuracy, m.precision, m.recall, m.f1) == (0.5, 0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"output": "x"}', "missing field 'label'"),
        ('{"output": "x", "label": "meh"}', "unknown label 'meh'"),
        ('{"output": "x", "label": "good", "colour": 1}', "unknown field(s) colour"),
        ('{"output": "x", "label": "good", "template": "Hi {{name}}"}', "name"),
        ("[1]", "expected a JSON object per line"),
    ],
)
def test_a_bad_labelled_file_names_the_line_and_the_problem(tmp_path, capsys, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n")
    assert main(["judge", "train", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}, line 1" in err and message in err


def test_one_kind_of_label_is_refused_with_the_counts(tmp_path, capsys):
    path = _write(tmp_path / "good.jsonl", [("nice", "good"), ("fine", "good")])
    assert main(["judge", "train", str(path)]) == 1
    assert "it has 0 👎, 2 👍" in capsys.readouterr().err


def test_eval_refuses_a_file_that_is_not_a_judge(tmp_path, capsys):
    rules = tmp_path / "rules.json"
    rules.write_text('{"format": "something else"}')
    held = _write(tmp_path / "h.jsonl", HELD_OUT)
    assert main(["judge", "eval", str(held), "--rules", str(rules)]) == 2
    assert "not a judge file" in capsys.readouterr().err
