"""`alignbot serve` as people run it: a real process, uvicorn, the database it is pointed at."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from storage import Store
from storage.db import make_engine
from storage.migrate import upgrade
from tests import local_http
from tests.e2e.helpers import CHANNEL, TEAM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env: dict[str, str], port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *extra,
        ],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )


def _wait_healthy(proc: subprocess.Popen, url: str, timeout: float = 20.0) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"alignbot serve exited: {proc.communicate()[1]}")
        try:
            return local_http.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.05)
    pytest.fail("alignbot serve did not answer /healthz")


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/serve.db"


def _env(sim, db_url: str, **extra: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": sim.bot_token,
        "SLACK_SIGNING_SECRET": sim.signing_secret,
        "SLACK_API_URL": sim.api_url,
        "DATABASE_URL": db_url,
        "ALIGNBOT_POST_INTERVAL": "0",
        "SLACK_APP_TOKEN": "",
        "SLACK_CLIENT_ID": "",
        "SLACK_CLIENT_SECRET": "",
        **extra,
    }


def test_serve_refuses_a_database_behind_its_migrations(sim, db_url):
    proc = _serve(_env(sim, db_url), _free_port())
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "has no alignbot tables yet" in err and "alignbot db upgrade" in err


def test_serve_answers_slack_over_http_and_stops_cleanly(sim, db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    port = _free_port()
    proc = _serve(_env(sim, db_url), port)
    try:
        health = _wait_healthy(proc, f"http://127.0.0.1:{port}/healthz")
        assert health.status_code == 200 and health.json()["ok"] is True
        sim.set_app_url(f"http://127.0.0.1:{port}/slack/events")
        r = sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
        assert r.status == 200, r.body
        assert "summary" in r.body, r.body
        assert Store(engine).get_template(TEAM, "summary") is not None
        r = sim.slash_command("alice", CHANNEL, "/align", 'run summary text="hello"')
        sim.wait_for(lambda: any("offline model" in m["text"] for m in sim.messages(CHANNEL)))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
    engine.dispose()


def test_serve_with_oauth_offers_the_install_page(sim, db_url):
    upgrade(make_engine(db_url))
    port = _free_port()
    env = _env(sim, db_url, SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="s")
    proc = _serve(env, port)
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}/healthz")
        page = local_http.get(f"http://127.0.0.1:{port}/slack/install", timeout=5)
        assert page.status_code == 200
        assert "oauth/v2/authorize?" in page.text and "client_id=111.222" in page.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def test_serve_in_socket_mode_serves_the_api_when_asked(sim, db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    made = Store(engine).create_token(TEAM, "app", ["templates:read"], created_by="U1")
    port = _free_port()
    proc = _serve(_env(sim, db_url, SLACK_APP_TOKEN=sim.app_token), port, "--api")
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}/healthz")
        headers = {"Authorization": f"Bearer {made.secret}"}
        r = local_http.get(f"http://127.0.0.1:{port}/api/v1/templates", headers=headers, timeout=5)
        assert r.status_code == 200 and r.json() == {"templates": []}
        assert local_http.get(f"http://127.0.0.1:{port}/api/docs", timeout=5).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    engine.dispose()


def test_an_edge_without_a_worker_stores_and_alignbot_work_does_the_work(sim, db_url):
    """`serve --no-worker` only stores and acknowledges; an `alignbot work` process on the same
    database finds the stored run by polling and does it; SIGTERM stops it cleanly."""
    engine = make_engine(db_url)
    upgrade(engine)
    port = _free_port()
    env = _env(sim, db_url)
    proc = _serve(env, port, "--no-worker")
    work = None
    try:
        health = f"http://127.0.0.1:{port}/healthz"
        _wait_healthy(proc, health)
        sim.set_app_url(f"http://127.0.0.1:{port}/slack/events")
        assert sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
        r = sim.slash_command("alice", CHANNEL, "/align", 'run summary text="hello"')
        assert r.status == 200, r.body
        assert local_http.get(health, timeout=5).json()["inbox_pending"] == 1  # stored, not done
        work = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "work", "--poll", "0.05"],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        sim.wait_for(lambda: any("offline model" in m["text"] for m in sim.messages(CHANNEL)))
        # The row is marked done just after the post it made: wait for that, not the post.
        sim.wait_for(lambda: local_http.get(health, timeout=5).json()["inbox_pending"] == 0)
    finally:
        if work is not None:
            work.send_signal(signal.SIGTERM)
            _, err = work.communicate(timeout=20)
            assert work.returncode == 0, err
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
    engine.dispose()


def test_alignbot_work_refuses_a_bad_poll_and_a_database_behind_its_migrations(
    sim, db_url, monkeypatch, capsys
):
    from bot.cli.main import main

    for name, value in _env(sim, db_url).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as bad:
        main(["work", "--poll", "0"])
    assert bad.value.code == 2
    assert "between 0.01 and 60 seconds, not 0" in capsys.readouterr().err
    assert main(["work"]) == 2  # refused before any worker starts
    assert "alignbot db upgrade" in capsys.readouterr().err
