"""`alignbot propose` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.cli import main


def run(capsys, *args):
    code = main(["propose", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path):
    template = tmp_path / "template.txt"
    template.write_text("Give three uses for the following item: {{item}}\n")
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text(
        '{"id": "f1", "kind": "critique", "author": "ana", "text": "None of them are creative"}\n'
        "\n"
        '{"id": "f2", "kind": "label", "author": "bo", "label": "bad"}\n'
    )
    return template, feedback


def test_example_prints_template_diff_and_principles_with_provenance(capsys):
    code, out, err = run(capsys, "--example")
    assert code == 0, err
    assert "workflow: principles, model: offline" in out
    assert "+ add   new-1: Do not include alcohol in the recipe.  [from feedback fb-1]" in out
    assert "+++ template (proposed)" in out and "+- Do not include alcohol" in out
    assert "Model calls: 2" in out


def test_example_runs_as_the_console_script():
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "propose", "--example", "howto"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Make each step short." in proc.stdout and "workflow: direct" in proc.stdout


def test_files_to_json(capsys, files):
    code, out, _ = run(capsys, str(files[0]), str(files[1]), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["variables"] == ["item"]
    assert data["template"].startswith("Give three uses for the following item: {{item}}")
    assert data["mutations"] == [
        {
            "op": "add",
            "principle_id": "new-1",
            "text": "Make every one of them creative.",
            "feedback_ids": ["f1"],
            "reason": "offline model: the critique feedback's own words, as an instruction",
        }
    ]
    assert data["used_feedback_ids"] == ["f1", "f2"]
    assert [c["purpose"] for c in data["calls"]] == ["distill", "rewrite"]


def test_principles_file_without_feedback(capsys, files, tmp_path):
    principles = tmp_path / "principles.txt"
    principles.write_text('Mention one use for children.\n{"id": "p7", "text": "Be brief."}\n')
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    code, out, _ = run(capsys, str(files[0]), str(empty), "--principles", str(principles))
    assert code == 0
    assert "- Mention one use for children." in out and "- Be brief." in out
    assert "Model calls: 1: rewrite" in out


@pytest.mark.parametrize(
    ("feedback", "message"),
    [
        ('{"id": "a", "kind": "critique", "text": "x"}\n{oops\n', "line 2: not valid JSON"),
        (
            '{"id": "a", "kind": "praise", "text": "x"}\n',
            "unknown kind 'praise' (use one of: kudos",
        ),
        ('{"id": "a", "kind": "critique"}\n', "line 1: critique feedback needs text"),
        ('{"id": "a", "kind": "label"}\n', "a label feedback needs label=good|bad"),
        ('{"id": "a", "kind": "kudos", "text": "x", "colour": 1}\n', "unknown field(s) colour"),
        ('{"id": "a", "kind": "kudos", "text": "x"}\n' * 2, "duplicate feedback id 'a'"),
        ("[1, 2]\n", "expected a JSON object per line"),
    ],
)
def test_bad_feedback_file_exits_2_with_a_clear_message(capsys, files, feedback, message):
    files[1].write_text(feedback)
    code, out, err = run(capsys, str(files[0]), str(files[1]))
    assert code == 2 and out == ""
    assert message in err and str(files[1]) in err


def test_bad_template_and_missing_files_exit_2(capsys, files, tmp_path):
    files[0].write_text("Uses for {{item")
    code, _, err = run(capsys, str(files[0]), str(files[1]))
    assert code == 2 and "unclosed '{{' at line 1, column 10" in err
    code, _, err = run(capsys, str(tmp_path / "nope.txt"), str(files[1]))
    assert code == 2 and "nope.txt: no such file" in err
    code, _, err = run(capsys, str(files[0]))
    assert code == 2 and "give TEMPLATE_FILE and FEEDBACK_JSONL" in err


def test_bad_model_and_argument_combinations_exit_2(capsys, files, monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_GENAI_USE_VERTEXAI", raising=False)
    code, _, err = run(capsys, str(files[0]), str(files[1]), "--model", "gemini/gemini-2.5-flash")
    assert code == 2 and "no Gemini credentials" in err
    code, _, err = run(capsys, str(files[0]), str(files[1]), "--model", "gpt")
    assert code == 2 and "`gpt` is not a model name" in err
    code, _, err = run(capsys, "--example", "grocery", str(files[0]))
    assert code == 2 and "--example takes no TEMPLATE_FILE" in err


def test_nothing_to_propose_exits_1(capsys, files):
    files[1].write_text("")
    code, _, err = run(capsys, str(files[0]), str(files[1]))
    assert code == 1 and "no proposal: nothing to propose" in err


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as info:
        main(["propose", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--principles", "--workflow", "--model", "--json", "--example"):
        assert option in out


def test_a_format_string_template_is_imported(capsys, files):
    files[0].write_text('Give {n} uses for {item}. Reply as {{"uses": []}}.\n')
    files[1].write_text(
        '{"id": "f1", "kind": "critique", "author": "a", "text": "None of them are creative"}\n'
    )
    code, out, err = run(capsys, str(files[0]), str(files[1]), "--format-string", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["variables"] == ["n", "item"]
    assert data["template"].startswith('Give {{n}} uses for {{item}}. Reply as {"uses": []}.')
    files[0].write_text("Pay {amount:.2f}\n")
    code, _, err = run(capsys, str(files[0]), str(files[1]), "--format-string")
    assert code == 2 and "format spec or conversion on {amount}" in err
