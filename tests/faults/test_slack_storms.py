"""Slack outages longer than the Web API client's retries: 429 storms (Retry-After) and 5xx
storms on `chat.postMessage` and `reactions.add` while feedback arrives. The rows whose posts
failed are retried by the inbox; afterwards every question, reply acknowledgement and run message
is in the channel exactly once, and the questions are in the order of the 👎 that asked for them.
"""

from __future__ import annotations

from storage import Store
from tests.e2e.helpers import CHANNEL, bot_messages, finished_run, new_and_run
from tests.faults.serving import sized

CLIENT_RETRIES = 3  # bot.slack.webapi.client.retry_handlers: slack-sdk's 429 and 5xx handlers
# Longer than one call's retries; at full size several attempts of the inbox row fail in a row.
STORM_429 = sized(1, 3) * (CLIENT_RETRIES + 1) + 1
STORM_5XX = CLIENT_RETRIES + 1  # slack-sdk backs off (ALIGNBOT_SLACK_BACKOFF, doubling) 3 times
BACKOFF = "0.02"  # 0.5 s by default: 0.5 + 1 + 2 s per call that gives up


def test_posts_outlast_a_slack_storm_once_each_and_in_order(sim, bot_server, db_engine):
    store = Store(db_engine)
    store.inbox_retry_seconds = 0.2  # the inbox's own backoff between attempts, shortened
    bot_server(store=store, ALIGNBOT_SLACK_BACKOFF=BACKOFF)
    run = new_and_run(sim, store)
    before = len(sim.api_calls)

    sim.fail_next("chat.postMessage", status=429, retry_after=0, times=STORM_429)
    sim.fail_next("chat.postMessage", status=503, times=STORM_5XX)
    sim.fail_next("reactions.add", status=429, retry_after=0, times=STORM_429)
    people = ["bob", "carol", "alice"]
    for person in people:  # each 👎 asks "what should change?" in the thread
        assert sim.add_reaction(person, CHANNEL, run.message_ts, "thumbsdown").status == 200
    replies = [
        sim.post_message(person, CHANNEL, f"{person}: name the date", thread_ts=run.message_ts)
        for person in people
    ]
    assert all(r.status == 200 for r in replies)
    assert sim.slash_command("alice", CHANNEL, "/align", 'run summary text="later"').status == 200

    storm = 2 * STORM_429 + STORM_5XX

    def settled() -> bool:
        return len(sim.faults.fired) == storm and store.inbox_pending_count() == 0

    sim.wait_for(settled, timeout=sized(60, 240), interval=0.05)

    failed = [c for c in sim.api_calls[before:] if c["status"] != 200]
    assert len(failed) == storm, "the storm happened, longer than the client's retries"
    thread = sim.thread(CHANNEL, run.message_ts)
    questions = [m["text"] for m in thread[1:] if m.get("bot_id")]
    ids = [sim.user_id(p) for p in people]
    assert len(questions) == len(people), questions
    assert [q.split(",")[0] for q in questions] == [f"<@{uid}>" for uid in ids], "in 👎 order"
    assert all("what should change?" in q for q in questions)
    for reply in replies:
        msg = next(m for m in thread if m["ts"] == reply.ts)
        assert [(r["name"], r["count"]) for r in msg.get("reactions", [])] == [("memo", 1)]
    later = finished_run(sim, store, "summary")
    assert later.id != run.id and later.status.value == "done"
    since = [m["ts"] for m in bot_messages(sim) if float(m["ts"]) > float(run.message_ts)]
    assert since == [later.message_ts], "the second run posted once, nothing else"
