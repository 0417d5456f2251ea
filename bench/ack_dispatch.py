"""What one ack costs alignbot in-process, without HTTP: Bolt's `dispatch` of signed events.

    .venv/bin/python bench/ack_dispatch.py [--events 3000] [--backend sqlite|postgresql]

The same signed `reaction_added` and thread-reply events as `bench/ack_rate.py` go to a Bolt app
whose listeners only ack and to alignbot's (which checks, parses and stores each in the inbox
before its ack), one after the other in one run; the first 200 of each are warm-up. The worker
is not started: this is the edge's own cost, the part `ack_rate.py` cannot separate from HTTP.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from slack_bolt import BoltRequest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ack_rate import MAKERS, database, noop_app

from bot.app import create_app
from bot.config import load_config
from bot.sandbox.slack_sim import SlackSim
from bot.sandbox.slack_sim.signing import signed_headers

WARM_UP = 200
THREAD_TS = "1700000000.000100"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with SlackSim() as sim, tempfile.TemporaryDirectory() as tmp:
        _, store, close_db = database(args.backend, args.pg_url, tmp)
        env = {
            "SLACK_BOT_TOKEN": sim.bot_token,
            "SLACK_SIGNING_SECRET": sim.signing_secret,
            "SLACK_API_URL": sim.api_url,
        }
        bot = create_app(load_config(env), store)  # not started: no worker
        noop = noop_app(sim.signing_secret, sim.bot_token, sim.api_url)

        def request(body: bytes) -> BoltRequest:
            headers = {k.lower(): [v] for k, v in signed_headers(sim.signing_secret, body).items()}
            headers["content-type"] = ["application/json"]
            return BoltRequest(body=body.decode(), headers=headers)

        print(f"backend {args.backend}; {args.events} events per app and kind\n")
        print("| kind | no-op ms per ack | alignbot ms per ack | difference |")
        print("|---|---|---|---|")
        for kind, make in MAKERS.items():
            per_ack = {}
            for name, app in (("no-op", noop), ("alignbot", bot.bolt)):
                tag = f"{name[0].upper()}{kind[0].upper()}{kind[-1].upper()}"
                requests = [request(make(i, THREAD_TS, tag)) for i in range(args.events)]
                for r in requests[:WARM_UP]:
                    app.dispatch(r)
                began = time.perf_counter()
                for r in requests[WARM_UP:]:
                    status = app.dispatch(r).status
                    assert status == 200, status
                per_ack[name] = (time.perf_counter() - began) / (args.events - WARM_UP) * 1000
            a, b = per_ack["no-op"], per_ack["alignbot"]
            print(f"| {kind} | {a:.3f} | {b:.3f} | +{b - a:.3f} |")
        close_db()


if __name__ == "__main__":
    main()
