"""Ack latency: how fast the app answers Slack, compared with a Bolt app that does nothing.

Sends N signed `reaction_added` events (distinct people reacting 👍/👎 to one run message) as
fast as one HTTP client can, one after another, to

  * alignbot: the real app (stores each event in the SQLite inbox before acking; the worker
    records the labels and asks its questions meanwhile, as in production), and
  * no-op:   a Bolt app whose listener only acks,

both mounted in the same Starlette app, served by the same uvicorn server, in the same run.
Prints median, p99 and mean latency and the rate, then how long the inbox took to drain.

    .venv/bin/python bench/ack_latency.py [--events 1000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from slack_bolt import App
from starlette.applications import Starlette
from starlette.routing import Mount

from bot.app import create_app
from bot.config import load_config
from bot.sandbox.slack_sim import SlackSim
from bot.sandbox.slack_sim.signing import signed_headers
from bot.server import BackgroundServer, bind, build_asgi
from bot.services import Actor
from bot.slack import commands as c
from bot.slack.webapi import make_web_client
from storage import Store
from storage.db import make_engine
from storage.migrate import upgrade

TEAM, CHANNEL = "T0SANDBOX", "C0GENERAL"


def reaction_body(i: int, ts: str, run: str) -> bytes:
    return json.dumps(
        {
            "token": "x",
            "team_id": TEAM,
            "api_app_id": "A0ALIGNBOT",
            "type": "event_callback",
            "event_id": f"EvBENCH{run}{i:06d}",
            "event_time": int(time.time()),
            "event": {
                "type": "reaction_added",
                "user": f"UBENCH{i:05d}",
                "reaction": "thumbsup" if i % 4 else "thumbsdown",
                "item": {"type": "message", "channel": CHANNEL, "ts": ts},
                "item_user": "U0ALIGNBOT",
                "event_ts": f"{time.time():.6f}",
            },
            "authorizations": [{"team_id": TEAM, "user_id": "U0ALIGNBOT", "is_bot": True}],
        }
    ).encode()


def send_all(client: httpx.Client, url: str, secret: str, bodies: list[bytes]) -> list[float]:
    latencies = []
    for body in bodies:
        headers = {"Content-Type": "application/json", **signed_headers(secret, body)}
        start = time.perf_counter()
        response = client.post(url, content=body, headers=headers)
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code} {response.text[:200]}")
    return latencies


def summary(name: str, ms: list[float], seconds: float) -> str:
    ordered = sorted(ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{name:<9} n={len(ms)}  median {statistics.median(ms):6.2f} ms  p99 {p99:6.2f} ms  "
        f"mean {statistics.fmean(ms):6.2f} ms  max {ordered[-1]:7.2f} ms  "
        f"{len(ms) / seconds:6.0f} events/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()

    with SlackSim() as sim, tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        store = Store(engine)
        env = {
            "SLACK_BOT_TOKEN": sim.bot_token,
            "SLACK_SIGNING_SECRET": sim.signing_secret,
            "SLACK_API_URL": sim.api_url,
            "ALIGNBOT_POST_INTERVAL": "0",
        }
        bot = create_app(load_config(env), store).start()

        # A run message to react to.
        alice = Actor(TEAM, "U0ALICE", CHANNEL)
        bot.services.templates.new(alice, c.NewTemplate("bench", "Summarize: {{text}}", CHANNEL))
        run = bot.services.runs.start(alice, c.Run("bench", {"text": "hello"}))
        bot.services.runs.execute(run.id)
        posted = bot.posters.for_team(TEAM).post(CHANNEL, "bench run", [])
        bot.services.runs.attach_message(run.id, posted.channel, posted.ts)

        noop = App(
            signing_secret=sim.signing_secret,
            client=make_web_client(sim.bot_token, sim.api_url),
            process_before_response=True,
        )

        @noop.event("reaction_added")
        def ack_only(ack):
            ack()

        asgi = Starlette(routes=[Mount("/noop", build_asgi(noop)), Mount("/", bot.asgi())])
        server = BackgroundServer(asgi, bind("127.0.0.1", 0)).start()
        results = {}
        with httpx.Client(timeout=10) as client:
            # Warm up both paths (imports, connection, first SQLite writes).
            send_all(client, f"{server.url}/noop/slack/events", sim.signing_secret,
                     [reaction_body(i, posted.ts, "W") for i in range(20)])  # fmt: skip
            for name, path in (("no-op", "/noop/slack/events"), ("alignbot", "/slack/events")):
                bodies = [reaction_body(i, posted.ts, name[0].upper()) for i in range(args.events)]
                started = time.perf_counter()
                ms = send_all(client, server.url + path, sim.signing_secret, bodies)
                results[name] = (ms, time.perf_counter() - started)
        sent_done = time.perf_counter()
        drained = bot.worker.wait_idle(timeout=600) and store.inbox_pending_count() == 0
        drain_s = time.perf_counter() - sent_done
        info = store.get_template(TEAM, "bench")
        labels = store.count_pending(info.id)
        server.stop()
        bot.stop()

    print(f"ack latency, {args.events} reaction_added events, one client, sequential")
    for name in ("no-op", "alignbot"):
        print(summary(name, *results[name]))
    print(
        f"alignbot inbox: {'drained' if drained else 'NOT drained'} {drain_s:.1f} s after the "
        f"last ack; {labels} labels stored (expected {args.events})"
    )


if __name__ == "__main__":
    main()
