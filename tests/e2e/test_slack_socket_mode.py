"""The app in Socket Mode (SLACK_APP_TOKEN set): everything arrives over the WebSocket the app opens
through `apps.connections.open`; there is no Request URL and no HTTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from bot.app import AlignBot, create_app
from bot.cli.serve import close_socket_mode, socket_mode_handler
from bot.config import load_config
from bot.sandbox.slack_sim import DeliveryOptions, SlackSim
from storage import Store
from storage.db import make_engine
from storage.migrate import upgrade
from tests import local_http
from tests.e2e.conftest import make_env
from tests.e2e.helpers import CHANNEL, TEAM, blocks_text, finished_run, template
from tests.e2e.test_slack_serve import _free_port


@pytest.fixture
def socket_bot(sim: SlackSim, sqlite_engine) -> Iterator[AlignBot]:
    """The real app started as `alignbot serve` starts it in Socket Mode, without blocking."""
    config = load_config(make_env(sim, SLACK_APP_TOKEN=sim.app_token, SLACK_SIGNING_SECRET=""))
    assert config.socket_mode
    bot = create_app(config, Store(sqlite_engine), poll_interval=0.05).start()
    handler = socket_mode_handler(bot, config.slack_app_token)
    handler.connect()
    sim.socket.wait_connected()
    yield bot
    close_socket_mode(handler.client)
    bot.stop(wait=False)


def test_commands_runs_and_reactions_go_over_the_socket(sim, socket_bot, sqlite_engine):
    store = Store(sqlite_engine)
    assert sim.deliverer.app_url is None  # no Request URL: nothing could go over HTTP
    opened = [c for c in sim.api_calls if c["method"] == "apps.connections.open"]
    assert [c["ok"] for c in opened] == [True]

    r = sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    assert r.status == 200 and r.deliveries[0].transport == "socket"
    assert template(store, "summary") is not None
    # The ack's payload is shown as an HTTP answer would be (here in_channel).
    assert [m["text"] for m in sim.messages(CHANNEL)] == ["summary v1"]

    r = sim.slash_command("alice", CHANNEL, "/align", 'run summary text="The launch moved"')
    assert r.status == 200 and r.deliveries[0].transport == "socket"
    run = finished_run(sim, store, "summary")
    message = next(m for m in sim.messages(CHANNEL) if m["ts"] == run.message_ts)
    assert "offline model" in blocks_text(message)
    # The simulator logs a call as it answers it, just after the state change: wait for the log.
    updates = sim.wait_for(
        lambda: [
            c for c in sim.api_calls if c["method"] == "chat.update" and c["ok"]
            and c["args"].get("ts") == run.message_ts
        ]
    )  # fmt: skip
    assert updates, "the run message was posted but never updated"

    twice = DeliveryOptions(retries=1, retry_reason="timeout")
    good = sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsup", options=twice)
    assert [(d.transport, d.status, d.retry_num) for d in good.deliveries] == [
        ("socket", 200, None),
        ("socket", 200, 1),
    ]
    info = template(store, "summary")
    sim.wait_for(lambda: store.count_pending(info.id) >= 1)
    socket_bot.worker.wait_idle()
    labels = [(f.kind.value, f.author) for f in store.pending_feedback(info.id)]
    assert labels == [("label", "U0BOB")]
    assert store.inbox_status(good.event_id)["status"] == "done"
    assert {d.transport for d in sim.deliveries} == {"socket"}


def test_alignbot_serve_in_socket_mode_opens_no_port_and_stops_cleanly(sim, tmp_path):
    db_url = f"sqlite:///{tmp_path}/socket.db"
    engine = make_engine(db_url)
    upgrade(engine)
    env = make_env(sim, SLACK_APP_TOKEN=sim.app_token, SLACK_SIGNING_SECRET="", DATABASE_URL=db_url)
    port = _free_port()
    env |= {"PORT": str(port), "ALIGNBOT_HOST": "127.0.0.1"}
    root = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env={**os.environ, "SLACK_CLIENT_ID": "", "SLACK_CLIENT_SECRET": "", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=root,
    )
    try:
        sim.wait_for(lambda: sim.socket.connected or proc.poll() is not None, timeout=30)
        assert proc.poll() is None, proc.communicate()[1]
        r = sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
        assert r.status == 200 and r.deliveries[0].transport == "socket", r.body
        assert Store(engine).get_template(TEAM, "summary") is not None
        with pytest.raises(httpx.ConnectError):  # PORT is set, yet nothing listens on it
            local_http.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    sim.wait_for(lambda: not sim.socket.connected)
    engine.dispose()
