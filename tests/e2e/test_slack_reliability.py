"""Delivery and failure: retries count once, forged or stale requests are refused, Slack's 429 is
waited out, a crash between ack and work loses nothing, and a hanging model never delays the ack."""

from __future__ import annotations

import time

import pytest

from bot.sandbox.slack_sim import DeliveryOptions
from storage import Store
from tests.e2e.helpers import (
    CHANNEL,
    blocks_text,
    finished_run,
    message_at,
    new_and_run,
    template,
)
from tests.fakes.gemini_server import HANG


def test_each_event_delivered_three_times_is_stored_once(sim, bot_server, db_engine):
    app = bot_server(store=Store(db_engine))
    store = Store(db_engine)
    run = new_and_run(sim, store)
    thrice = DeliveryOptions(retries=2, retry_reason="http_timeout")

    good = sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsup", options=thrice)
    bad = sim.add_reaction("carol", CHANNEL, run.message_ts, "thumbsdown", options=thrice)
    reply = sim.post_message(
        "alice", CHANNEL, "Name the new date", thread_ts=run.message_ts, options=thrice
    )
    for result in (good, bad, reply):
        assert [d.status for d in result.deliveries] == [200, 200, 200]
        assert [d.retry_num for d in result.deliveries][1:] == [1, 2]

    sim.wait_for(
        lambda: (
            app.bot.store.inbox_pending_count() == 0
            and store.count_pending(template(store, "summary").id) >= 3
        )
    )
    app.bot.worker.wait_idle()
    pending = store.pending_feedback(template(store, "summary").id)
    assert sorted((f.kind.value, f.author) for f in pending) == [
        ("critique", "U0ALICE"),
        ("label", "U0BOB"),
        ("label", "U0CAROL"),
    ]
    # One question for the one bad label, one acknowledgement reaction on the reply.
    thread = sim.thread(CHANNEL, run.message_ts)
    assert sum(1 for m in thread if m.get("bot_id")) == 2  # the run itself and the question
    acked = next(m for m in thread if m["ts"] == reply.ts)
    assert [r["count"] for r in acked.get("reactions", [])] == [1]


@pytest.mark.parametrize(
    "fault", [{"forge_signature": True}, {"stale_timestamp": True}], ids=["forged", "stale"]
)
def test_forged_or_stale_requests_are_refused_and_store_nothing(
    sim, bot_server, sqlite_engine, fault
):
    bot_server()
    store = Store(sqlite_engine)
    opts = DeliveryOptions(**fault)
    r = sim.slash_command(
        "alice", CHANNEL, "/align", "new summary Summarize: {{text}}", options=opts
    )
    assert r.status == 401
    posted = sim.post_message("alice", CHANNEL, "hello", options=opts)
    assert posted.status == 401
    assert store.get_template("T0SANDBOX", "summary") is None
    assert store.inbox_pending_count() == 0
    assert store.inbox_status(posted.event_id) is None


def test_rate_limited_post_succeeds_after_retry_after(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    sim.fail_next("chat.postMessage", status=429, retry_after=1, times=1)
    started = time.monotonic()
    r = sim.slash_command("alice", CHANNEL, "/align", 'run summary text="hello"')
    assert r.status == 200 and r.elapsed_ms < 1000  # the ack does not wait for the retry
    run = finished_run(sim, store, "summary")
    assert time.monotonic() - started >= 1.0
    posts = [c for c in sim.api_calls if c["method"] == "chat.postMessage"]
    assert [c["status"] for c in posts][-2:] == [429, 200]
    assert run.status.value == "done" and message_at(sim, run.message_ts)


def test_event_acknowledged_before_a_crash_is_processed_after_restart(sim, bot_server, db_engine):
    first = bot_server(store=Store(db_engine))
    store = Store(db_engine)
    run = new_and_run(sim, store)
    first.stop()
    crashed = bot_server(
        start_worker=False, store=Store(db_engine)
    )  # acks (stores) but dies before any processing
    r = sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsdown")
    assert r.status == 200
    assert store.inbox_status(r.event_id)["status"] == "pending"
    crashed.stop(drain=False)
    assert store.count_pending(template(store, "summary").id) == 0

    bot_server(
        store=Store(db_engine)
    )  # the next start picks up what the crashed process acknowledged
    sim.wait_for(lambda: store.count_pending(template(store, "summary").id) == 1)
    sim.wait_for(lambda: store.inbox_status(r.event_id)["status"] == "done")
    sim.wait_for(lambda: len(sim.thread(CHANNEL, run.message_ts)) == 2)  # the question asked


def test_hanging_model_does_not_delay_the_ack_and_the_run_reports_the_timeout(
    sim, bot_server, sqlite_engine, gemini
):
    gemini.respond_with(lambda request: HANG)
    # Each try hangs 0.3 s, then is retried.
    bot_server(ALIGNBOT_MODEL_TIMEOUT="0.3", ALIGNBOT_LLM_BACKOFF="0.05", **gemini.env)
    store = Store(sqlite_engine)
    sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    sim.slash_command(
        "alice", CHANNEL, "/align", "settings summary target_model=gemini/gemini-2.5-flash"
    )
    r = sim.slash_command("alice", CHANNEL, "/align", 'run summary text="hello"')
    assert r.status == 200 and r.elapsed_ms < 1000
    run = finished_run(sim, store, "summary", timeout=30)
    assert run.status.value == "failed"
    assert gemini.requests, "the run reached the (hanging) Gemini server"
    shown = blocks_text(message_at(sim, run.message_ts)).lower()
    assert "did not answer within 0.3s" in shown
    # The failure note follows the message update in the thread: wait for it.
    thread = sim.wait_for(lambda: sim.thread(CHANNEL, run.message_ts)[1:])
    assert len(thread) == 1 and "failed" in blocks_text(thread[0]).lower()


def test_feedback_that_cannot_be_stored_is_told_to_its_author(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    too_long = "This is far too long. " * 1000  # 22,000 characters: over the feedback limit
    reply = sim.post_message("bob", CHANNEL, too_long, thread_ts=run.message_ts)
    assert reply.status == 200
    told = sim.wait_for(lambda: [e for e in sim.ephemerals("bob") if "limit" in blocks_text(e)])
    shown = blocks_text(told[0])
    assert "not kept as feedback" in shown and "the limit is 20,000" in shown
    assert told[0].get("thread_ts") == run.message_ts  # shown in the thread it is about
    assert store.count_pending(template(store, "summary").id) == 0
    sim.wait_for(lambda: store.inbox_status(reply.event_id)["status"] == "done")
    assert not [m for m in sim.thread(CHANNEL, run.message_ts)[1:] if m.get("bot_id")]


def test_removing_a_reaction_retracts_its_label_and_adding_it_again_counts_once(
    sim, bot_server, sqlite_engine
):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    info = template(store, "summary")
    sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsup")
    sim.wait_for(lambda: store.count_pending(info.id) == 1)
    sim.remove_reaction("bob", CHANNEL, run.message_ts, "thumbsup")
    sim.wait_for(lambda: store.count_pending(info.id) == 0)
    sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsup")
    sim.add_reaction("bob", CHANNEL, run.message_ts, "tada")  # not feedback
    sim.wait_for(lambda: store.count_pending(info.id) == 1)
    sim.wait_for(lambda: store.inbox_pending_count() == 0)
    [label] = store.pending_feedback(info.id)
    assert (label.kind.value, label.label.value, label.author) == ("label", "good", "U0BOB")
