"""Ack latency at fixed event rates and peak throughput: alignbot vs a Bolt app that only acks.

    .venv/bin/python bench/ack_rate.py [--rates 10,50,200] [--seconds 60] [--backend sqlite]
                                       [--pg-url postgresql+psycopg://postgres@127.0.0.1/test]
                                       [--worker in-process|separate]

Both apps are mounted in one Starlette app behind one uvicorn server, in the same run, and get
the same signed events: `reaction_added` on a run message and thread replies (critiques) under
it, each from a distinct person. At each rate the events are sent open-loop for `--seconds`
(a scheduler thread hands each event to a pool of clients at its due time; latency is measured
from that due time, so a stall is not hidden), alternating the two apps phase by phase. Then
each app is driven as fast as 8 clients can for `--peak-seconds` to compare throughput. The
clients run in a process of their own, as Slack's are elsewhere: in the server's process their
threads would take the server's GIL and count as its latency; so does the Slack simulator the
worker posts to. `--worker in-process` is `alignbot serve` (the inbox worker in the server's
process); `--worker separate` is `alignbot serve --no-worker` beside an `alignbot work` process
on the same database. The alignbot inbox is drained and counted at the end: every event
acknowledged must be stored once.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
from slack_bolt import App
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.routing import Mount

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
CLIENTS = 8


def _envelope(event_id: str, event: dict) -> bytes:
    return json.dumps(
        {
            "token": "x",
            "team_id": TEAM,
            "api_app_id": "A0ALIGNBOT",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": "U0ALIGNBOT", "is_bot": True}],
        }
    ).encode()


def reaction(n: int, ts: str, tag: str) -> bytes:
    return _envelope(
        f"Ev{tag}{n:07d}",
        {
            "type": "reaction_added",
            "user": f"U{tag}{n:07d}",
            "reaction": "thumbsup" if n % 4 else "thumbsdown",
            "item": {"type": "message", "channel": CHANNEL, "ts": ts},
            "item_user": "U0ALIGNBOT",
            "event_ts": f"{time.time():.6f}",
        },
    )


def reply(n: int, ts: str, tag: str) -> bytes:
    now = f"{time.time():.6f}"
    return _envelope(
        f"Ev{tag}{n:07d}",
        {
            "type": "message",
            "channel": CHANNEL,
            "channel_type": "channel",
            "user": f"U{tag}{n:07d}",
            "text": f"critique {n}: the summary should name the date",
            "ts": f"{1900000000 + n}.{abs(hash(tag)) % 1000000:06d}",
            "thread_ts": ts,
            "event_ts": now,
        },
    )


class Sender:
    """A pool of HTTP clients; `send` posts one signed body and returns seconds since `due`."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.jobs: queue.Queue[tuple[str, bytes, float, list[float]] | None] = queue.Queue()
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(CLIENTS)]
        for t in self.threads:
            t.start()

    def _work(self) -> None:
        with httpx.Client(timeout=30) as client:
            while (job := self.jobs.get()) is not None:
                url, body, due, out = job
                headers = {"Content-Type": "application/json", **signed_headers(self.secret, body)}
                response = client.post(url, content=body, headers=headers)
                out.append((time.perf_counter() - due) * 1000)
                if response.status_code != 200:
                    self.errors.append(f"{url}: HTTP {response.status_code}")
                self.jobs.task_done()

    def at_rate(self, url: str, bodies: list[bytes], rate: float) -> list[float]:
        out: list[float] = []
        start = time.perf_counter() + 0.05
        for i, body in enumerate(bodies):
            due = start + i / rate
            while (wait := due - time.perf_counter()) > 0:
                time.sleep(min(wait, 0.005))
            self.jobs.put((url, body, due, out))
        self.jobs.join()
        return out

    def flat_out(self, url: str, make: Callable[[int], bytes], seconds: float) -> float:
        """Events per second with every client busy (each sends its next as soon as answered)."""
        out: list[float] = []
        n = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            while self.jobs.qsize() < CLIENTS:
                self.jobs.put((url, make(n), time.perf_counter(), out))
                n += 1
            time.sleep(0.0005)
        self.jobs.join()
        return len(out) / (time.perf_counter() - start)

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)


MAKERS: dict[str, Callable[[int, str, str], bytes]] = {"reaction": reaction, "reply": reply}


def _clients(conn: Connection, secret: str) -> None:
    """The clients' process: runs each phase it is sent and answers with its figures."""
    sender = Sender(secret)
    while (job := conn.recv()) is not None:
        what, url, kind, ts, tag, amount = job
        make = MAKERS[kind]
        if what == "rate":
            count, rate = amount
            bodies = [make(i, ts, tag) for i in range(count)]
            conn.send((sender.at_rate(url, bodies, rate), len(bodies), list(sender.errors)))
        else:
            made: list[int] = []

            def numbered(i: int, make=make, ts=ts, tag=tag, made=made) -> bytes:
                made.append(i)
                return make(i, ts, tag)

            peak = sender.flat_out(url, numbered, amount)
            conn.send((peak, len(made), list(sender.errors)))
    sender.close()


def _simulator(conn: Connection) -> None:
    """Slack's stand-in, in a process of its own as Slack is: answers with where it listens."""
    with SlackSim() as sim:
        conn.send((sim.bot_token, sim.signing_secret, sim.api_url))
        conn.recv()


class Simulator:
    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_simulator, args=(child,), daemon=True)
        self.proc.start()
        self.bot_token, self.signing_secret, self.api_url = self.conn.recv()

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(timeout=30)


class Clients:
    """The parent's handle on the clients' process."""

    def __init__(self, secret: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_clients, args=(child, secret), daemon=True)
        self.proc.start()
        self.errors: list[str] = []

    def _ask(self, job: tuple) -> tuple[object, int]:
        self.conn.send(job)
        result, count, self.errors = self.conn.recv()
        return result, count

    def at_rate(self, url: str, kind: str, ts: str, tag: str, count: int, rate: float):
        return self._ask(("rate", url, kind, ts, tag, (count, rate)))

    def flat_out(self, url: str, kind: str, ts: str, tag: str, seconds: float):
        return self._ask(("flat", url, kind, ts, tag, seconds))

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(timeout=30)


def noop_app(signing_secret: str, bot_token: str, api_url: str) -> App:
    """The baseline: a Bolt app whose listeners only ack."""
    noop = App(
        signing_secret=signing_secret,
        client=make_web_client(bot_token, api_url),
        process_before_response=True,
    )
    noop.event("reaction_added")(lambda ack: ack())
    noop.event("message")(lambda ack: ack())
    return noop


def p(ms: list[float], q: float) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def database(backend: str, pg_url: str, tmp: str) -> tuple[str, Store, Callable[[], None]]:
    """A migrated database: its URL (for a process of its own), a Store on it, and its drop."""
    if backend == "sqlite":
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        return url, Store(engine), engine.dispose
    schema = f"alignbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    upgrade(engine)

    def drop() -> None:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), Store(engine), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default="10,50,200")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--peak-seconds", type=float, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--worker", choices=["in-process", "separate"], default="in-process")
    parser.add_argument(
        "--switch-ms", type=float, help="the server process's GIL switch interval (Python: 5 ms)"
    )
    args = parser.parse_args()
    if args.switch_ms:
        sys.setswitchinterval(args.switch_ms / 1000)
    rates = [float(r) for r in args.rates.split(",")]

    sim = Simulator()
    with tempfile.TemporaryDirectory() as tmp:
        db_url, store, close_db = database(args.backend, args.pg_url, tmp)
        env = {
            "SLACK_BOT_TOKEN": sim.bot_token,
            "SLACK_SIGNING_SECRET": sim.signing_secret,
            "SLACK_API_URL": sim.api_url,
            "ALIGNBOT_POST_INTERVAL": "0",
        }
        bot = create_app(load_config(env), store)
        worker: subprocess.Popen[bytes] | None = None
        if args.worker == "in-process":
            bot.start()
        alice = Actor(TEAM, "U0ALICE", CHANNEL)
        bot.services.templates.new(alice, c.NewTemplate("bench", "Summarize: {{text}}", CHANNEL))
        run = bot.services.runs.start(alice, c.Run("bench", {"text": "hello"}))
        bot.services.runs.execute(run.id)
        posted = bot.posters.for_team(TEAM).post(CHANNEL, "bench run", [])
        bot.services.runs.attach_message(run.id, posted.channel, posted.ts)

        noop = noop_app(sim.signing_secret, sim.bot_token, sim.api_url)
        asgi = Starlette(routes=[Mount("/noop", build_asgi(noop)), Mount("/", bot.asgi())])
        server = BackgroundServer(asgi, bind("127.0.0.1", 0)).start()
        urls = {
            "no-op": f"{server.url}/noop/slack/events",
            "alignbot": f"{server.url}/slack/events",
        }
        sender = Clients(sim.signing_secret)
        kinds = list(MAKERS)
        sent_to_bot = {"reaction": 0, "reply": 0}
        rows = []
        phase = 0
        for kind in kinds:  # warm-up: first connections, first compilations; not counted
            for app in ("no-op", "alignbot"):
                _, sent = sender.at_rate(
                    urls[app], kind, posted.ts, f"WU{kind[0].upper()}{kind[-1].upper()}", 200, 200
                )
                sent_to_bot[kind] += sent if app == "alignbot" else 0
        alone = {}
        if args.worker == "separate":
            # The edge's own throughput, as with the worker on other cores: before it starts.
            for kind in kinds:
                for app in ("no-op", "alignbot"):
                    phase += 1
                    peak, sent = sender.flat_out(
                        urls[app], kind, posted.ts, f"AL{phase:02d}", args.peak_seconds
                    )
                    alone[(kind, app)] = peak
                    sent_to_bot[kind] += sent if app == "alignbot" else 0
            # `alignbot work` on the same database, at the lowest CPU priority: on shared cores
            # the edge that Slack waits on comes first.
            worker = subprocess.Popen(
                ["nice", "-n", "19", sys.executable, "-m", "bot.cli", "work"],
                env={**os.environ, **env, "DATABASE_URL": db_url, "ALIGNBOT_LOG_LEVEL": "WARNING"},
                cwd=Path(__file__).resolve().parent.parent,
            )
        for rate in rates:
            for kind in kinds:
                count = max(1, int(rate * args.seconds))
                row: dict = {"rate": rate, "kind": kind}
                for app in ("no-op", "alignbot"):
                    phase += 1
                    tag = f"{kind[:2].upper()}{phase:02d}"
                    row[app], sent = sender.at_rate(urls[app], kind, posted.ts, tag, count, rate)
                    if app == "alignbot":
                        sent_to_bot[kind] += sent
                rows.append(row)
        peaks = {}
        for kind in kinds:
            for app in ("no-op", "alignbot"):
                phase += 1
                tag = f"PK{phase:02d}"
                peak, sent = sender.flat_out(urls[app], kind, posted.ts, tag, args.peak_seconds)
                peaks[(kind, app)] = peak
                if app == "alignbot":
                    sent_to_bot[kind] += sent
        sender.close()
        began = time.perf_counter()
        if worker is None:
            drained = bot.worker.wait_idle(timeout=900) and store.inbox_pending_count() == 0
        else:
            while (left := store.inbox_pending_count()) and time.perf_counter() - began < 900:
                time.sleep(0.2)
            drained = not left
            worker.terminate()
            worker.wait(timeout=60)
        drain_s = time.perf_counter() - began
        info = store.get_template(TEAM, "bench")
        pending = store.count_pending(info.id) if info else 0
        server.stop()
        bot.stop()
        close_db()
    sim.close()

    print(f"backend {args.backend}; worker {args.worker}; {args.seconds:g} s per rate;"
          f" {CLIENTS} clients; errors: {len(sender.errors)}")  # fmt: skip
    print("\n| events/s | kind | no-op median / p99 ms | alignbot median / p99 ms | p99 ratio |")
    print("|---|---|---|---|---|")
    for row in rows:
        a, b = row["no-op"], row["alignbot"]
        print(f"| {row['rate']:g} | {row['kind']} |"
              f" {statistics.median(a):.2f} / {p(a, .99):.2f} |"
              f" {statistics.median(b):.2f} / {p(b, .99):.2f} |"
              f" {p(b, .99) / p(a, .99):.1f}× |")  # fmt: skip
    print("\n| kind | worker | no-op peak events/s | alignbot peak events/s | ratio |")
    print("|---|---|---|---|---|")
    for kind in kinds:
        a, b = peaks[(kind, "no-op")], peaks[(kind, "alignbot")]
        print(f"| {kind} | {args.worker}, running | {a:.0f} | {b:.0f} | {b / a:.2f} |")
        if alone:
            a, b = alone[(kind, "no-op")], alone[(kind, "alignbot")]
            print(f"| {kind} | not running | {a:.0f} | {b:.0f} | {b / a:.2f} |")
    total = sum(sent_to_bot.values())
    print(f"\ninbox {'drained' if drained else 'NOT drained'} {drain_s:.1f} s after the last ack;"
          f" {pending} pending feedback stored for {total} events sent to alignbot"
          f" ({sent_to_bot['reaction']} reactions from distinct people, "
          f"{sent_to_bot['reply']} replies)")  # fmt: skip


if __name__ == "__main__":
    main()
