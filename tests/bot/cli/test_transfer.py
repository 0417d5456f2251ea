"""`alignbot export` / `alignbot import` on real SQLite files, through the console entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from storage import Store
from storage.migrate import upgrade

TEAM = "T0CLI"


def _db(path: Path) -> str:
    url = f"sqlite:///{path}"
    upgrade(url)
    return url


@pytest.fixture
def source(tmp_path: Path) -> str:
    url = _db(tmp_path / "source.db")
    store = Store.from_url(url)
    info = store.create_template(TEAM, "tldr", "Summarise {{text}}.", channel_id="C1", author="U1")
    store.add_version(info.id, "Summarise {{text}} in one line.", author="U2")
    store.close()
    return url


def _versions(url: str, name: str, team: str = TEAM) -> list[tuple[int, str, str]]:
    store = Store.from_url(url)
    try:
        info = store.get_template(team, name)
        assert info is not None
        return [(v.number, str(v.source), v.text) for v in store.list_versions(info.id)]
    finally:
        store.close()


def test_export_then_import_elsewhere_keeps_the_history(source, tmp_path, capsys):
    out = tmp_path / "tldr.json"
    assert main(["export", "tldr", "--url", source, "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["template"]["name"] == "tldr" and len(doc["versions"]) == 2

    target = _db(tmp_path / "target.db")
    assert main(["import", str(out), "--url", target, "--team", "T0OTHER"]) == 0
    assert "imported as tldr: v2 is active" in capsys.readouterr().out
    assert _versions(target, "tldr", "T0OTHER") == _versions(source, "tldr")


def test_export_prints_to_stdout_and_names_an_unknown_template(source, capsys):
    assert main(["export", "tldr", "--url", source]) == 0
    assert json.loads(capsys.readouterr().out)["format"] == "alignbot.template/1"
    assert main(["export", "tldr2", "--url", source]) == 2
    assert "no template named `tldr2`" in capsys.readouterr().err


def test_import_over_an_existing_name_asks_and_changes_nothing(source, tmp_path, capsys):
    out = tmp_path / "tldr.json"
    main(["export", "tldr", "--url", source, "-o", str(out)])
    before = _versions(source, "tldr")
    assert main(["import", str(out), "--url", source]) == 2
    err = capsys.readouterr().err
    assert "already has a template named `tldr`" in err and "--name NEW, or --on-top" in err
    assert _versions(source, "tldr") == before

    assert main(["import", str(out), "--url", source, "--name", "tldr-copy"]) == 0
    assert [v[2] for v in _versions(source, "tldr-copy")] == [v[2] for v in before]


def test_import_on_top_adds_the_active_text_as_an_imported_version(source, tmp_path, capsys):
    doc_path = tmp_path / "tldr.json"
    main(["export", "tldr", "--url", source, "-o", str(doc_path)])
    doc = json.loads(doc_path.read_text())
    doc["versions"][-1]["text"] = "Summarise {{text}} in one short line."
    doc_path.write_text(json.dumps(doc))
    assert main(["import", str(doc_path), "--url", source, "--on-top"]) == 0
    assert "imported as a new version of tldr: v3 is active" in capsys.readouterr().out
    assert _versions(source, "tldr")[-1] == (3, "import", "Summarise {{text}} in one short line.")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON"),
        ('{"format": "alignbot.template/1", "template": {"name": "x"}}', "malformed"),
        ('["a list"]', "not an alignbot template export"),
    ],
)
def test_a_bad_file_is_refused_with_a_reason_and_writes_nothing(
    source, tmp_path, capsys, content, message
):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["import", str(bad), "--url", source, "--name", "fresh"]) == 2
    assert message in capsys.readouterr().err
    store = Store.from_url(source)
    assert [t.name for t in store.list_templates(TEAM)] == ["tldr"]
    store.close()


def test_the_workspace_must_be_named_when_it_cannot_be_inferred(source, tmp_path, capsys):
    empty = _db(tmp_path / "empty.db")
    out = tmp_path / "tldr.json"
    main(["export", "tldr", "--url", source, "-o", str(out)])
    assert main(["import", str(out), "--url", empty]) == 2
    assert "give --team" in capsys.readouterr().err
