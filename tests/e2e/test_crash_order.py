"""Order after a crash: a 👍 acknowledged, the worker killed (SIGKILL) while processing it, the
👍 removed after that. On restart the dead worker's claim is taken back at once (not after the
60 s lease), the 👍 is applied first and the removal after it: the label ends retracted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from storage import Store
from tests.e2e.helpers import CHANNEL, new_and_run

# A worker process on the same database that dies in the middle of its first row.
DOOMED_WORKER = textwrap.dedent(
    """
    import pathlib, sys, time
    from bot.background.inbox import Inbox, InboxWorker
    from storage import Store

    marker = pathlib.Path(sys.argv[2])

    def handle(item):
        marker.write_text(item.event_id)
        time.sleep(600)  # killed here

    InboxWorker(Inbox(Store.from_url(sys.argv[1])), handle, poll_interval=0.05).start()
    time.sleep(600)
    """
)


def test_a_reaction_removed_after_a_crash_is_applied_after_the_add(
    sim, bot_server, sqlite_engine, tmp_path
):
    store = Store(sqlite_engine)
    first = bot_server(store=Store(sqlite_engine))
    run = new_and_run(sim, store)
    first.stop()
    receiving = bot_server(start_worker=False, store=Store(sqlite_engine))  # acks, stores

    added = sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsup")
    assert added.status == 200
    marker = tmp_path / "claimed"
    url = sqlite_engine.url.render_as_string(hide_password=False)
    doomed = subprocess.Popen([sys.executable, "-c", DOOMED_WORKER, url, str(marker)])
    try:
        sim.wait_for(lambda: marker.exists() and marker.read_text() == added.event_id, 30)
    finally:
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait(10)
    assert store.inbox_status(added.event_id) == {"status": "claimed", "attempts": 1,
                                                  "error": None}  # fmt: skip
    removed = sim.remove_reaction("bob", CHANNEL, run.message_ts, "thumbsup")
    assert removed.status == 200
    receiving.stop(drain=False)

    bot_server(store=Store(sqlite_engine))  # the restart; the dead claim's lease is 60 s long
    sim.wait_for(lambda: store.inbox_status(removed.event_id)["status"] == "done", timeout=10)
    assert store.inbox_status(added.event_id) == {"status": "done", "attempts": 2, "error": None}
    assert store.count_pending(run.template_id) == 0  # the 👍 was applied, then retracted
    assert store.pending_feedback(run.template_id) == []
