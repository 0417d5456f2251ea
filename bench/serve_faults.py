"""`alignbot serve` as a process under load: resident memory, recovery from SIGKILL, and the
feedback path while model work hangs.

    .venv/bin/python bench/serve_faults.py [--events 10000] [--backend sqlite|postgresql]
                                           [--pg-url postgresql+psycopg://postgres@127.0.0.1/test]

1. Memory: VmRSS of the serve process idle (after start and one run), then after `--events`
   signed events (thumbs up/down and thread replies on 20 run messages, 8 clients) are
   acknowledged and processed.
2. Crash: `--crash-events` events are acknowledged, the process is SIGKILLed at once (rows still
   unprocessed), restarted; printed: kill → /healthz answers, kill → first row processed, kill →
   every row processed.
3. Hung model: `--hung-runs` runs against a local Gemini server that never answers (the default
   60 s model timeout), then thread replies at 10/s for `--hung-seconds`: the HTTP ack latency
   and the time until the bot acknowledged each reply with its reaction (it was processed).

The process, the simulator and Slack's delivery are the fault suite's (tests/faults/serving.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ack_rate import database

from bot.sandbox.slack_sim import SlackSim
from storage import Store
from storage import models as m
from tests.fakes.gemini_server import HANG, FakeGeminiServer
from tests.faults.serving import ServeProcess, SlackDelivery

CHANNEL = "C0GENERAL"
CLIENTS = 8


def runs(sim: SlackSim, store: Store, count: int) -> list[str]:
    """`count` run messages (offline model) to react to and reply under."""
    sim.slash_command("alice", CHANNEL, "/align", "new bench Summarize: {{text}}")
    for n in range(count):
        sim.slash_command("alice", CHANNEL, "/align", f'run bench text="message {n}"')

    def posted() -> list[str] | None:
        info = store.get_template("T0SANDBOX", "bench")
        done = [r.message_ts for r in store.recent_runs(info.id, limit=count) if r.message_ts]
        return done if info and len(done) == count and all(done) else None

    return [ts for ts in sim.wait_for(posted, timeout=120) if ts]


def events(slack: SlackDelivery, targets: list[str], count: int, tag: str) -> list[bytes]:
    bodies = []
    for n in range(count):
        ts = targets[n % len(targets)]
        person = f"U{tag}{n:06d}"
        if n % 3 == 2:
            bodies.append(slack.reply(person, ts, f"{tag} {n}: name the date")[1])
        else:
            emoji = "thumbsup" if n % 3 else "thumbsdown"
            bodies.append(slack.reaction(person, ts, emoji, added=True)[1])
    return bodies


def deliver_all(slack: SlackDelivery, bodies: list[bytes]) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(slack.deliver, bodies))
    return time.perf_counter() - start


def drained(store: Store, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while store.inbox_pending_count() and time.monotonic() < deadline:
        time.sleep(0.1)


def done_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(m.InboxEvent).where(m.InboxEvent.status == "done")
            ).scalar_one()
        )


def memory(sim: SlackSim, store: Store, url: str, count: int) -> None:
    serve = ServeProcess(sim, url).start()
    slack = SlackDelivery(sim)
    try:
        targets = runs(sim, store, 20)
        drained(store)
        idle = serve.rss_bytes()
        seconds = deliver_all(slack, events(slack, targets, count, "MEM"))
        drained(store)
        after = serve.rss_bytes()
        print(f"memory: idle {idle / 2**20:.0f} MB; after {count} events {after / 2**20:.0f} MB "
              f"(acked in {seconds:.1f} s, {count / seconds:.0f}/s)")  # fmt: skip
    finally:
        serve.stop()
        slack.close()


def crash(sim: SlackSim, store: Store, url: str, count: int) -> None:
    serve = ServeProcess(sim, url).start()
    slack = SlackDelivery(sim)
    try:
        targets = runs(sim, store, 10)
        drained(store)
        before = done_count(store)
        deliver_all(slack, events(slack, targets, count, "CR"))
        serve.kill()
        killed = time.perf_counter()
        left = store.inbox_pending_count()
        at_kill = done_count(store)
        serve.start()
        healthy = time.perf_counter() - killed
        while done_count(store) == at_kill:
            time.sleep(0.005)
        first = time.perf_counter() - killed
        drained(store)
        every = time.perf_counter() - killed
        print(f"crash: {count} events acked, SIGKILL with {left} unprocessed "
              f"({at_kill - before} done before); /healthz after {healthy:.2f} s, first row "
              f"processed after {first:.2f} s, all after {every:.2f} s")  # fmt: skip
    finally:
        serve.stop()
        slack.close()


def hung_model(sim: SlackSim, store: Store, url: str, hung_runs: int, seconds: float) -> None:
    with FakeGeminiServer() as gemini:
        gemini.hang_seconds = 600
        gemini.respond_with(lambda request: HANG)
        env = {"GEMINI_BASE_URL": gemini.url, "GEMINI_API_KEY": "bench"}
        serve = ServeProcess(sim, url, env=env).start()
        slack = SlackDelivery(sim)
        try:
            [target] = runs(sim, store, 1)
            sim.slash_command(
                "alice", CHANNEL, "/align", "settings bench target_model=gemini/gemini-2.5-flash"
            )
            for n in range(hung_runs):
                sim.slash_command("alice", CHANNEL, "/align", f'run bench text="hung {n}"')
            deadline = time.monotonic() + 30
            while len(gemini.requests) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            acks: list[float] = []
            sent: dict[str, float] = {}
            count = int(seconds * 10)
            for n in range(count):
                text = f"hung-model critique {n}"
                _, body = slack.reply(f"UHUNG{n:04d}", target, text)
                started = time.perf_counter()
                slack.deliver(body)
                acks.append((time.perf_counter() - started) * 1000)
                sent[text] = started
                time.sleep(0.1)
            processed = reaction_times(sim, target, sent, timeout=120)
            print(f"hung model: {len(gemini.requests)} model requests hanging ({hung_runs} runs); "
                  f"{count} replies: HTTP ack median {statistics.median(acks):.1f} ms, "
                  f"max {max(acks):.1f} ms; acknowledged by the bot (reaction): "
                  f"{len(processed)}/{count} within 120 s{spread(processed)}")  # fmt: skip
        finally:
            serve.kill()
            serve.stop()
            slack.close()


def spread(seconds: list[float]) -> str:
    if not seconds:
        return ""
    return f", median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s"


def reaction_times(
    sim: SlackSim, thread_ts: str, sent: dict[str, float], timeout: float
) -> list[float]:
    """Seconds from each reply's delivery until the bot's reaction on it appeared."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < len(sent) and time.monotonic() < deadline:
        now = time.perf_counter()
        for msg in sim.thread(CHANNEL, thread_ts):
            if msg.get("text") in sent and msg.get("reactions") and msg["text"] not in seen:
                seen[msg["text"]] = now - sent[msg["text"]]
        time.sleep(0.01)
    return list(seen.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--crash-events", type=int, default=500)
    parser.add_argument("--hung-runs", type=int, default=8)
    parser.add_argument("--hung-seconds", type=float, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["memory", "crash", "hung"], action="append")
    args = parser.parse_args()
    parts = args.only or ["memory", "crash", "hung"]
    print(f"backend {args.backend}")
    for part in parts:
        with SlackSim() as sim, tempfile.TemporaryDirectory() as tmp:
            url, store, close = database(args.backend, args.pg_url, tmp)
            try:
                if part == "memory":
                    memory(sim, store, url, args.events)
                elif part == "crash":
                    crash(sim, store, url, args.crash_events)
                else:
                    hung_model(sim, store, url, args.hung_runs, args.hung_seconds)
            finally:
                store.close()
                close()


if __name__ == "__main__":
    main()
