"""The inbox worker: order within a lane, parallel lanes, failures recorded and reported, claims
kept alive while slow work runs, rows of a dead worker taken over."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from bot.background.inbox import Inbox, InboxWorker
from storage import InboxItem, Store


class MemoryInbox:
    def __init__(self, items: list[InboxItem]) -> None:
        self.items = list(items)
        self.done_ids: list[int] = []
        self.failures: list[tuple[int, str, bool]] = []
        self.given: list[InboxItem] = []

    def recover(self) -> int:
        return 0

    def claim(self, limit: int, kinds=None, except_kinds=None, lanes=None) -> list[InboxItem]:
        taken, self.items = self.items[:limit], self.items[limit:]
        self.given = taken
        return taken

    def extend(self, item_ids: list[int]) -> None:
        pass

    def unclaim(self, item_ids: list[int]) -> None:
        self.items[:0] = [i for i in self.given if i.id in item_ids]

    def done(self, item_id: int) -> bool:
        self.done_ids.append(item_id)
        return True

    def failed(self, item_id: int, error: str, retry: bool = False) -> bool:
        self.failures.append((item_id, error, retry))
        return True


def item(i: int, lane: str) -> InboxItem:
    return InboxItem(i, f"Ev{i}", "T1", "k", {"lane": lane}, None, None, 1, datetime.now(UTC))


def test_a_lane_runs_in_order_while_lanes_run_in_parallel():
    started: list[int] = []
    release = threading.Event()

    def handle(it: InboxItem) -> None:
        started.append(it.id)
        if it.id == 1:
            release.wait(5)  # lane "a" is stuck on its first row…

    inbox = MemoryInbox([item(1, "a"), item(2, "a"), item(3, "b"), item(4, "b")])
    worker = InboxWorker(
        inbox, handle, threads=2, poll_interval=0.01, lane_of=lambda it: it.payload["lane"]
    ).start()
    try:
        deadline = time.monotonic() + 5
        while sorted(inbox.done_ids) != [3, 4] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(inbox.done_ids) == [3, 4] and 2 not in started  # …"b" went on
        release.set()
        assert worker.wait_idle(5)
        assert started.index(1) < started.index(2) and inbox.done_ids[-1] == 2
    finally:
        worker.stop()


def test_failures_are_recorded_and_reported_unless_they_will_be_retried():
    reported: list[tuple[int, str]] = []

    def handle(it: InboxItem) -> None:
        raise (ConnectionError("network down") if it.id == 1 else ValueError("bad payload"))

    inbox = MemoryInbox([item(1, "a"), item(2, "b")])

    def report(it: InboxItem, exc: BaseException) -> None:
        reported.append((it.id, str(exc)))

    worker = InboxWorker(inbox, handle, poll_interval=0.01, on_failure=report).start()
    try:
        assert worker.wait_idle(5)
        deadline = time.monotonic() + 5
        while len(inbox.failures) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        worker.stop()
    retried = {i: retry for i, _, retry in inbox.failures}
    assert retried == {1: True, 2: False}
    assert reported == [(2, "bad payload")] and inbox.done_ids == []


class BeatCountingInbox(Inbox):
    """The real inbox, counting the worker's heartbeats (lease renewals)."""

    beats = 0

    def extend(self, item_ids: list[int]) -> None:
        super().extend(item_ids)
        self.beats += 1


def test_slow_work_keeps_its_claim_and_a_dead_workers_rows_are_taken_over(sqlite_engine, clock):
    # Leases run on the store's clock, which the test moves: minutes pass without sleeping.
    store = Store(sqlite_engine, clock=clock)
    store.inbox_put("EvLOST", team_id="T1", kind="lost", payload={})
    [lost] = Inbox(store, lease_seconds=60).claim(10)  # that worker dies holding it
    store.inbox_put("EvSLOW", team_id="T1", kind="slow", payload={})

    handled: list[str] = []
    finish = threading.Event()

    def handle(it: InboxItem) -> None:
        handled.append(it.event_id)
        if it.kind == "slow":
            finish.wait(10)  # works for as long as the test says (minutes of store time)

    inbox = BeatCountingInbox(store, lease_seconds=60)
    worker = InboxWorker(inbox, handle, poll_interval=0.02, heartbeat=0.01).start()
    rival = Inbox(store, lease_seconds=60)
    stolen: list[InboxItem] = []

    def wait_until(condition) -> None:
        deadline = time.monotonic() + 5
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.005)

    def a_lease_passes_in_steps(steps: int, *, rival_asks: bool) -> None:
        """Moves the clock 25 s at a time, each step after a heartbeat renewed the lease."""
        for _ in range(steps):
            beats = inbox.beats
            wait_until(lambda beats=beats: inbox.beats > beats)
            clock.advance(seconds=25)
            if rival_asks:
                stolen.extend(rival.claim(10))

    try:
        wait_until(lambda: "EvSLOW" in handled)
        # 75 s: the dead worker's 60 s lease runs out, so EvLOST is ours to take (and until
        # then it rightly goes to whichever worker asks first, so the rival waits).
        a_lease_passes_in_steps(3, rival_asks=False)
        wait_until(lambda: "EvLOST" in handled)
        # Two and a half more leases of slow work: the heartbeat keeps the row ours.
        a_lease_passes_in_steps(6, rival_asks=True)
        assert store.inbox_status("EvSLOW")["status"] == "claimed"
        finish.set()
        assert worker.wait_idle(5)
        wait_until(lambda: store.inbox_status("EvSLOW")["status"] == "done")
    finally:
        finish.set()
        worker.stop()
    assert stolen == [] and store.inbox_status("EvSLOW")["attempts"] == 1  # never re-claimed
    assert sorted(handled) == ["EvLOST", "EvSLOW"] and lost.event_id == "EvLOST"
    assert store.inbox_status("EvLOST")["status"] == "done"
    assert store.inbox_pending_count() == 0


def test_a_worker_whose_lease_ran_out_leaves_the_row_to_the_worker_that_took_it(sqlite_engine):
    """Its failure is neither recorded nor reported: the rival's attempt decides the outcome."""
    store = Store(sqlite_engine)
    store.inbox_put("EvSLOW", team_id="T1", kind="slow", payload={})
    rival = Inbox(store, lease_seconds=60)
    taken: list[InboxItem] = []
    reported: list[int] = []

    def handle(it: InboxItem) -> None:
        deadline = time.monotonic() + 5
        while not taken and time.monotonic() < deadline:  # stalls past its lease meanwhile
            taken.extend(rival.claim(10))
            time.sleep(0.02)
        raise ValueError("gave up late")

    slow = Inbox(store, lease_seconds=0.2)
    worker = InboxWorker(
        slow,
        handle,
        poll_interval=30,  # it does not come back for the row itself while it stalls
        heartbeat=60,
        on_failure=lambda it, e: reported.append(it.id),
    ).start()
    try:
        deadline = time.monotonic() + 5
        while not taken and time.monotonic() < deadline:
            time.sleep(0.01)
        assert worker.wait_idle(5)
    finally:
        worker.stop()
    assert [t.event_id for t in taken] == ["EvSLOW"] and reported == []
    status = store.inbox_status("EvSLOW")  # not marked failed by the worker that lost it
    assert (status["status"], status["error"]) == ("claimed", None)
    assert rival.done(taken[0].id) is True
    assert store.inbox_status("EvSLOW")["status"] == "done"


def test_only_claims_of_processes_known_dead_are_taken_back():
    import os
    import socket
    import subprocess
    import sys

    from bot.background.inbox.gate import dead_claimants, worker_id

    host = socket.gethostname()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = f"{host}:{gone.stdout.strip()}:abc123"
    predecessor = f"{host}:{os.getpid()}:old000"  # a restarted container has our pid again
    mine = worker_id()  # a live worker of this process
    neighbour = f"{host}:{os.getppid()}:abc123"  # another live process on this host
    elsewhere = f"other-host:{gone.stdout.strip()}:abc123"  # unknowable: left to its lease
    claimants = [dead, predecessor, mine, neighbour, elsewhere, "garbage"]
    assert dead_claimants(claimants) == [dead, predecessor]


def test_a_row_that_waits_to_retry_holds_back_the_rows_claimed_behind_it(db_engine):
    """Three 👎 on one run, claimed together; Slack fails the first one's question past the
    client's retries. The other two wait for it (their claim given back), so the questions are
    asked in the order the 👎 came, as the storm test found they were not."""
    store = Store(db_engine)
    store.inbox_retry_seconds = 0.05
    for n in (1, 2, 3):
        store.inbox_put(f"Ev{n}", team_id="T1", kind="reaction", payload={}, lane="thread:C1:1.0")
    ran: list[str] = []
    failed_once: list[str] = []

    def handle(it: InboxItem) -> None:
        if it.event_id == "Ev1" and not failed_once:
            failed_once.append(it.event_id)
            raise ConnectionError("Slack is down")
        ran.append(it.event_id)

    worker = InboxWorker(Inbox(store, lease_seconds=60), handle, poll_interval=0.01).start()
    try:
        deadline = time.monotonic() + 10
        while store.inbox_pending_count() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        worker.stop()
    assert failed_once == ["Ev1"] and ran == ["Ev1", "Ev2", "Ev3"]
    statuses = [store.inbox_status(f"Ev{n}") for n in (1, 2, 3)]
    assert [s["status"] for s in statuses] == ["done"] * 3
    assert [s["attempts"] for s in statuses] == [2, 1, 1]  # a claim given back is no attempt
