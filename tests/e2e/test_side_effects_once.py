"""A retried job does exactly the side effects that did not happen: when Slack fails to take
the "what should change?" question past the client's own retries, the row is retried later and
the question is posted then, once, while the label it came with is still counted once."""

from __future__ import annotations

from storage import Store
from tests.e2e.helpers import CHANNEL, new_and_run


def test_the_question_for_a_bad_label_is_asked_once_after_a_slack_outage(
    sim, bot_server, sqlite_engine
):
    store = Store(sqlite_engine)
    retrying = Store(sqlite_engine)
    retrying.inbox_retry_seconds = 0.2  # the row's next attempt comes quickly
    app = bot_server(store=retrying)
    run = new_and_run(sim, store)
    # chat.postMessage fails more often than the client retries (1 try + 3 retries).
    sim.fail_next("chat.postMessage", status=500, retry_after=None, times=4)
    bad = sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsdown")
    assert bad.status == 200

    def questions() -> list[dict]:
        thread = sim.thread(CHANNEL, run.message_ts)
        return [m for m in thread if m.get("bot_id") and "should change" in m.get("text", "")]

    sim.wait_for(lambda: store.inbox_status(bad.event_id)["status"] == "done", timeout=20)
    app.bot.worker.wait_idle()
    status = store.inbox_status(bad.event_id)
    assert status["attempts"] == 2 and "internal_error" in (status["error"] or "")  # failed once
    assert [fired for fired in sim.faults.fired if fired[0] == "chat.postMessage"] == [
        ("chat.postMessage", 500)
    ] * 4
    assert len(questions()) == 1  # asked after the outage, once
    [label] = store.pending_feedback(run.template_id)
    assert (label.kind.value, label.author) == ("label", "U0BOB")  # counted once
