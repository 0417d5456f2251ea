"""The sandbox's demo application: a thread using the Python client with a real token over
the real API. Toggled from the page's endpoint, its outputs are posted for review; after an
approval its next output uses the new version."""

from __future__ import annotations

import time

import pytest

from bot.sandbox.runner import Sandbox
from tests import local_http
from tests.e2e.helpers import CHANNEL, TEAM, blocks_text, latest_proposal, message_at


@pytest.fixture
def sandbox(tmp_path):
    sb = Sandbox(database=tmp_path / "sandbox.db", scheduler=False, demo_interval=0.3)
    sb.start()
    yield sb
    sb.stop()


def _demo_runs(sb: Sandbox) -> list:
    info = sb.store.get_template(TEAM, "tldr")
    return [
        r for r in sb.store.recent_runs(info.id, limit=200) if r.requested_by.startswith("api:")
    ]


def test_the_demo_app_logs_production_outputs_and_follows_an_approval(sandbox: Sandbox) -> None:
    sim = sandbox.sim
    assert sim is not None
    page = local_http.get(f"{sandbox.url}/sim/demo", timeout=10).json()
    assert page["available"] and page["enabled"] is False and "Python client" in page["note"]
    assert "demo.js" in local_http.get(f"{sandbox.url}/", timeout=10).text
    tokens = sandbox.store.list_tokens(TEAM)
    assert [t.name.startswith("sandbox-demo") for t in tokens] == [True]

    on = local_http.post(f"{sandbox.url}/sim/demo", json={"enabled": True}, timeout=10).json()
    assert on["enabled"] is True
    run = sim.wait_for(lambda: next((r for r in _demo_runs(sandbox) if r.message_ts), None), 20)
    text = blocks_text(message_at(sim, run.message_ts))
    assert "from production" in text and "tldr" in text and run.version_number == 1

    # The team reviews it in the channel and approves a new version.
    sim.post_message("bob", CHANNEL, "Start with the date, always", thread_ts=run.message_ts)
    info = sandbox.store.get_template(TEAM, "tldr")
    sim.wait_for(lambda: sandbox.store.pending_feedback(info.id), 10)
    sim.slash_command("alice", CHANNEL, "/align", "propose tldr")
    proposal = sim.wait_for(
        lambda: (
            (p := latest_proposal(sandbox.store, "tldr"))
            and p.message_ts
            and "proposal_approve" in blocks_text(message_at(sim, p.message_ts))
            and p
        ),
        20,
    )
    sim.click_button("alice", CHANNEL, proposal.message_ts, "proposal_approve")
    sim.wait_for(lambda: sandbox.store.get_template(TEAM, "tldr").active_version.number == 2, 20)
    approved_at = time.time()
    newer = sim.wait_for(
        lambda: (d := sandbox.demo.last) and d.at > approved_at + 0.05 and d, 20
    )  # the first output begun after the approval
    assert newer.version == 2

    off = local_http.post(f"{sandbox.url}/sim/demo", json={"enabled": False}, timeout=10).json()
    assert off["enabled"] is False and off["last"]["version"] == 2
    bad = local_http.post(f"{sandbox.url}/sim/demo", json={"enabled": "yes"}, timeout=10)
    assert bad.status_code == 400
