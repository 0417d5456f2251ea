"""Head-of-line blocking: quick work (feedback, labels, questions) has threads of its own, so
model runs that hang and fill every model thread never delay a reaction or a reply."""

from __future__ import annotations

import time

from storage import Store
from tests.e2e.helpers import CHANNEL, new_and_run
from tests.fakes.gemini_server import HANG


def test_feedback_is_processed_within_2_s_while_hung_runs_fill_the_model_threads(
    sim, bot_server, sqlite_engine, gemini
):
    gemini.respond_with(lambda request: HANG)
    gemini.hang_seconds = 60  # hung for the whole test (released when the server closes)
    bot_server(
        ALIGNBOT_MODEL_TIMEOUT="60",
        ALIGNBOT_LLM_BACKOFF="0.05",
        ALIGNBOT_INBOX_WORKERS="2",
        **gemini.env,
    )
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)  # offline: a run message to give feedback on
    sim.slash_command(
        "alice", CHANNEL, "/align", "settings summary target_model=gemini/gemini-2.5-flash"
    )
    for i in range(4):  # two take the two model threads and hang; two wait for a thread
        r = sim.slash_command("alice", CHANNEL, "/align", f'run summary text="hung {i}"')
        assert r.status == 200
    sim.wait_for(lambda: len(gemini.requests) >= 2, timeout=10)

    started = time.monotonic()
    sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsdown")
    reply = sim.post_message("carol", CHANNEL, "Name the new date", thread_ts=run.message_ts)

    def processed() -> bool:
        thread = sim.thread(CHANNEL, run.message_ts)
        asked = any(m.get("bot_id") and "should change" in m.get("text", "") for m in thread)
        acked = any(m["ts"] == reply.ts and m.get("reactions") for m in thread)
        return asked and acked and store.count_pending(run.template_id) == 2

    sim.wait_for(processed, timeout=5)
    assert time.monotonic() - started < 2.0
    assert len(gemini.requests) == 2  # the model threads are still taken by the hung runs
