"""Hostile requests, generated with hypothesis and correctly signed (except where the signature
is the attack), against the real app over HTTP: never a 5xx, never a change of state (every
table compared before and after), never an unexpected error in the log.

The database holds another workspace's template, run (posted at the message the bases name)
and pending proposal, so even the ids in the payloads are ones the sender may not touch.
ALIGNBOT_FAULTS_EXAMPLES sets the number of requests (100 in CI, the same ones every run;
thousands by hand: `ALIGNBOT_FAULTS_EXAMPLES=5000 ./dev test tests/faults -s`).
"""

from __future__ import annotations

import logging
import os
from collections import Counter

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from bot.sandbox.slack_sim.signing import signed_headers
from storage import Store
from tests.e2e.helpers import db_snapshot
from tests.faults.hostile import CHANNEL, RUN_TS, Hostile, hostile_requests

CI_EXAMPLES = 100  # a few seconds per backend
EXAMPLES = int(os.environ.get("ALIGNBOT_FAULTS_EXAMPLES", str(CI_EXAMPLES)))


def other_workspace(store: Store) -> tuple[int, int]:
    info = store.create_template("T0OTHER", "secret", "Summarize: {{text}}", channel_id=CHANNEL,
                                 author="U0ZOE")  # fmt: skip
    run = store.record_run(info.id, info.active_version.id, {"text": "x"}, requested_by="U0ZOE")
    store.set_run_message(run.id, CHANNEL, RUN_TS)
    proposal = store.create_proposal(info.id, info.active_version.id, "Sum: {{text}}", "",
                                     "principles", [], [], None, [], "U0ZOE")  # fmt: skip
    return run.id, proposal.id


@pytest.mark.timeout(max(120, EXAMPLES // 4))  # a full-size run takes its time
def test_hostile_requests_never_get_a_5xx_nor_change_anything(sim, bot_server, db_engine, caplog):
    store = Store(db_engine)
    run_id, proposal_id = other_workspace(store)
    url = f"{bot_server(store=store).url}/slack/events"
    caplog.set_level(logging.WARNING)
    before = db_snapshot(db_engine)
    statuses: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    first_change: list[tuple[Hostile, dict[str, object]]] = []

    with httpx.Client(timeout=10) as client:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=EXAMPLES <= CI_EXAMPLES,  # in CI: the same requests every run
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(request=hostile_requests(run_id, proposal_id))
        def check(request: Hostile) -> None:
            headers = {**signed_headers(sim.signing_secret, request.body), **request.headers}
            if request.content_type:
                headers["Content-Type"] = request.content_type
            r = client.post(url, content=request.body, headers=headers)
            statuses[r.status_code] += 1
            kinds[request.kind.split(" (")[0]] += 1
            assert r.status_code < 500, (request.kind, r.status_code, request.body[:300])
            if request.headers:
                assert r.status_code == 401, (request.kind, request.headers)
            after = db_snapshot(db_engine)
            changed = [t for t in after if after[t] != before[t]]
            if changed and not first_change:  # every later request "fails" too: name this one
                first_change.append((request, {t: after[t] for t in changed}))
            assert not first_change, first_change[0]

        check()

    print(f"\n{sum(statuses.values())} hostile requests: statuses {dict(sorted(statuses.items()))}")
    print(f"by kind: {dict(kinds.most_common())}")
    assert {400, 401, 413} <= set(statuses)
    unexpected = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert unexpected == [], [r.getMessage() for r in unexpected[:3]]
