"""The Python client's `log_run`, and what 10,000 logged runs do to a channel.

1. log_run on the caller's thread: N calls timed one by one while the client's background
   thread sends them, in batches, to the real API (served by a child process). Prints the
   caller-side p50/p99/max and then checks that every run arrived.
2. 10,000 runs logged through the client at a 1% sample rate (`review_rate=1%`, a cap high
   enough not to matter), against the real app posting to the Slack simulator with its normal
   pacing (one post per channel per second, Slack's rate for chat.postMessage): how many were
   posted (about 100), the smallest gap between two posts, and any `ratelimited` answers.

    .venv/bin/python bench/client_runs.py [--calls 20000] [--runs 10000]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from _api_server import TEAM, served  # bench/ is on sys.path when run as a script

from alignbot_client import Alignbot

SIM_CHANNEL = "C0GENERAL"  # the simulator's channel


def caller_thread(calls: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        with served(db_url, review_rate="none") as server:
            # The queue holds every call: this measures the caller's cost, not the drop path
            # (a tight loop logs faster than any server takes runs; the default queue is 10,000).
            client = Alignbot(server.url, server.token, queue_size=calls + 1000)
            prompt = client.get_template("bench")
            for i in range(200):  # warm up: the sender thread is started by the first call
                client.log_run(prompt, "warm", inputs={"text": str(i)})
            client.flush(60)
            ns: list[int] = []
            started = time.perf_counter()
            for i in range(calls):
                t0 = time.perf_counter_ns()
                client.log_run(
                    prompt, f"output {i}", inputs={"text": f"input {i}"}, trace_id=str(i)
                )
                ns.append(time.perf_counter_ns() - t0)
            logged = time.perf_counter() - started
            arrived = client.flush(120)
            sent_in = time.perf_counter() - started
            stats = client.stats
            client.close()
        from storage import Store

        store = Store.from_url(db_url)
        stored = len(store.recent_runs(store.get_template(TEAM, "bench").id, limit=100_000))
        store.close()
    us = sorted(n / 1000 for n in ns)
    p99 = us[int(len(us) * 0.99)]
    print(f"log_run on the caller's thread, {calls} calls ({logged:.2f} s of calling)")
    print(
        f"  median {statistics.median(us):6.1f} µs  p99 {p99:6.1f} µs  max {us[-1]:8.1f} µs  "
        f"(target: p99 <= 50 µs)"
    )
    print(
        f"  sent in the background: {'all' if arrived else 'NOT all'} within {sent_in:.1f} s; "
        f"{stored} runs stored (expected {calls + 200}); dropped {stats.dropped_full} (queue "
        f"full) + {stats.dropped_failed} (failed); {stats.retries} retries"
    )


def sampled_posts(runs: int) -> None:
    from alignment.settings import SettingsChange
    from bot.app import create_app
    from bot.config import load_config
    from bot.sandbox.slack_sim import SlackSim
    from bot.server import BackgroundServer, bind
    from storage import Store
    from storage.migrate import upgrade

    with SlackSim() as sim, tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(db_url)
        store = Store.from_url(db_url)
        env = {
            "SLACK_BOT_TOKEN": sim.bot_token,
            "SLACK_SIGNING_SECRET": sim.signing_secret,
            "SLACK_API_URL": sim.api_url,
            "ALIGNBOT_SCHEDULER": "false",
        }
        bot = create_app(load_config(env), store).start()
        server = BackgroundServer(bot.asgi(), bind("127.0.0.1", 0)).start()
        sim.set_app_url(f"{server.url}/slack/events")
        info = store.create_template(
            sim.state.team.id, "bench", "Summarize: {{text}}", channel_id=SIM_CHANNEL, author="U1"
        )
        change = {"review_rate": "1%", "review_cap_per_hour": 10_000}
        store.update_settings(info.id, SettingsChange.parse(change))
        token = store.create_token(sim.state.team.id, "bench", ["templates:read", "runs:write"],
                                   created_by="U1").secret  # fmt: skip
        client = Alignbot(server.url, token, queue_size=runs + 1000)
        prompt = client.get_template("bench")
        started = time.perf_counter()
        for i in range(runs):
            client.log_run(prompt, f"output {i}", inputs={"text": f"input {i}"})
        client.flush(300)
        logged = time.perf_counter() - started
        stored = len(store.recent_runs(info.id, limit=runs + 10))
        to_post = store.inbox_pending_count()
        deadline = time.monotonic() + 30 + to_post * 1.5
        while store.inbox_pending_count() and time.monotonic() < deadline:
            time.sleep(0.5)
        posted_in = time.perf_counter() - started
        posts = [m for m in sim.messages(SIM_CHANNEL) if m.get("bot_id")]
        times = sorted(float(m["ts"]) for m in posts)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        calls = sim.api_calls
        limited = [c for c in calls if c["status"] == 429 or c["error"] == "ratelimited"]
        client.close()
        server.stop()
        bot.stop()
    print(f"{runs} runs logged through the client at review_rate=1% ({logged:.1f} s to send)")
    print(
        f"  {stored} stored; {len(posts)} posted to the channel (expected about {runs // 100}), "
        f"all posted {posted_in:.0f} s after the first log_run"
    )
    print(
        f"  smallest gap between two posts: {min(gaps) if gaps else 0:.2f} s; "
        f"ratelimited answers from Slack: {len(limited)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    caller_thread(args.calls)
    sampled_posts(args.runs)


if __name__ == "__main__":
    main()
