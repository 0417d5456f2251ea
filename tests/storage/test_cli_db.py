"""`alignbot db …` on a real SQLite file."""

from __future__ import annotations

from bot.cli import main
from storage import Store
from storage.migrate import heads

HEAD = heads()[0]  # the newest migration, whatever its name


def test_db_upgrade_current_check(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["db", "--url", url, "check"]) == 1
    assert "run `alignbot db upgrade`" in capsys.readouterr().err
    assert main(["db", "--url", url, "upgrade", "0001"]) == 0
    assert main(["db", "--url", url, "check"]) == 1
    assert "at revision 0001" in capsys.readouterr().err
    assert main(["db", "--url", url, "upgrade"]) == 0
    assert main(["db", "--url", url, "current"]) == 0
    out = capsys.readouterr().out
    assert f"database at {HEAD}; code at {HEAD}" in out
    assert main(["db", "--url", url, "check"]) == 0
    Store.from_url(url).check_schema()


def test_db_uses_database_url(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "env.db").exists()
    assert f"env.db: at {HEAD}" in capsys.readouterr().out


def test_db_bad_url_or_revision_is_a_clear_error(tmp_path, capsys) -> None:
    cases = [
        (["--url", "mysql://u@h/db", "upgrade"], "unsupported database 'mysql'"),
        (["--url", "not a url", "check"], "Could not parse SQLAlchemy URL"),
        (["--url", f"sqlite:///{tmp_path / 'r.db'}", "upgrade", "nosuchrev"], "'nosuchrev'"),
        (
            ["--url", "postgresql+psycopg://postgres@127.0.0.1:9/x", "current"],
            "cannot open postgresql+psycopg://postgres@127.0.0.1:9/x",
        ),
    ]
    for args, message in cases:
        assert main(["db", *args]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("alignbot db: ") and message in err
        assert "Traceback" not in err
