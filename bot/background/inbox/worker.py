"""Drains the event inbox after the ack: a dispatcher claims rows, thread pools run them.

Rows that concern the same thing (one run message's reactions and replies, one proposal's
decisions) share a *lane* and run one after another in arrival order (the store hands out only a
lane's head), so a reaction removed right after it was added is never processed first.
Different lanes run in parallel, and model work has threads of its own, so a slow or hung model
never holds up feedback.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from storage.records import InboxItem

log = logging.getLogger(__name__)


class InboxPort(Protocol):
    def recover(self) -> int: ...  # at start: take back the claims of dead processes
    def claim(
        self,
        limit: int,
        kinds: frozenset[str] | None = None,
        except_kinds: frozenset[str] | None = None,
        lanes: int | None = None,
    ) -> list[InboxItem]: ...
    def extend(self, item_ids: list[int]) -> None: ...
    def unclaim(self, item_ids: list[int]) -> None: ...  # claimed rows given back unstarted
    def done(self, item_id: int) -> bool: ...  # False: another worker holds the row now
    def failed(self, item_id: int, error: str, retry: bool = False) -> bool: ...


Handler = Callable[[InboxItem], None]
FailureReporter = Callable[[InboxItem, BaseException], None]


def default_lane(item: InboxItem) -> str:
    """The lane stored on the row; a row without one is a lane of its own."""
    return item.lane or f"item:{item.id}"


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt later: Slack or the network or the database hiccuped."""
    from slack_sdk.errors import SlackApiError
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        return status >= 500 or status == 429
    return isinstance(exc, OperationalError | ConnectionError | TimeoutError | OSError)


class _Share:
    """Threads for one kind of work; rows are claimed only while a thread is free for them, so
    work this worker has no room for stays claimable by other instances."""

    def __init__(self, name: str, threads: int) -> None:
        self.name = name
        self.threads = threads
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"inbox-{name}")
        self.in_flight = 0  # lanes running on its threads


class InboxWorker:
    """`threads` for quick work; with `model_kinds`, rows of those kinds (model runs, proposals)
    get `model_threads` of their own: quick work (feedback, labels, questions) never waits
    behind model work, however long the model hangs."""

    def __init__(
        self,
        inbox: InboxPort,
        handle: Handler,
        *,
        threads: int = 4,
        model_kinds: frozenset[str] = frozenset(),
        model_threads: int = 2,
        poll_interval: float = 1.0,
        batch: int = 50,
        lane_of: Callable[[InboxItem], str] = default_lane,
        on_failure: FailureReporter | None = None,
        transient: Callable[[BaseException], bool] = is_transient,
        heartbeat: float = 15.0,
    ) -> None:
        self.transient = transient
        self.heartbeat = heartbeat
        self._last_beat = time.monotonic()
        self._running: set[int] = set()  # claimed here and not finished
        self.inbox = inbox
        self.handle = handle
        self.poll_interval = poll_interval
        self.batch = batch
        self.lane_of = lane_of
        self.on_failure = on_failure
        self.model_kinds = model_kinds
        self._quick = _Share("quick", threads)
        self._model = _Share("model", model_threads) if model_kinds else None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._lanes: dict[str, deque[InboxItem]] = {}
        self._in_flight = 0
        self._news = 0  # rows stored or finished since the dispatcher last looked
        self._quiet = True  # the last look found nothing to claim
        self._idle = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> InboxWorker:
        """Rows a crashed predecessor held are taken back first, so they run now and, being the
        heads of their lanes, before anything newer in those lanes."""
        try:
            self.inbox.recover()
        except Exception:  # the database is briefly unavailable: the leases still run out
            log.exception("taking back the claims of dead processes failed")
        self._thread = threading.Thread(target=self._dispatch_loop, name="inbox-dispatch")
        self._thread.daemon = True
        self._thread.start()
        return self

    def notify(self) -> None:
        """Called after a new row is stored, so it is picked up without waiting for the poll."""
        with self._lock:
            self._news += 1
            self._quiet = False
        self._wake.set()

    def stop(self, wait: bool = True) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        for share in self._shares():
            share.pool.shutdown(wait=wait, cancel_futures=not wait)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True once nothing is running here and the dispatcher found nothing more to claim
        since the last row was stored or finished (tests and graceful shutdown)."""
        with self._idle:
            return self._idle.wait_for(
                lambda: self._in_flight == 0 and (self._quiet or self._thread is None),
                timeout=timeout,
            )

    # --- internals ---------------------------------------------------------------------------

    def _shares(self) -> list[_Share]:
        return [self._quick] + ([self._model] if self._model is not None else [])

    def _dispatch_loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()  # a notify from here on wakes the wait below
            self._beat()
            with self._lock:
                news = self._news
            full, claimed = False, 0
            for share in self._shares():
                got, more = self._claim_for(share)
                claimed += got
                full |= more
            with self._lock:
                if not claimed and news == self._news:
                    self._quiet = True
                    self._idle.notify_all()
            if not full:
                self._wake.wait(self.poll_interval)

    def _claim_for(self, share: _Share) -> tuple[int, bool]:
        """Claim rows of as many lanes as `share` has free threads: (how many rows, whether it
        got as many as it asked for, so that more may be waiting)."""
        with self._lock:
            free = share.threads - share.in_flight  # threads, one per lane
        if free <= 0:
            return 0, False
        if self._model is None:
            kinds, except_kinds = None, None
        elif share is self._model:
            kinds, except_kinds = self.model_kinds, None
        else:
            kinds, except_kinds = None, self.model_kinds
        try:
            items = self.inbox.claim(self.batch, kinds=kinds, except_kinds=except_kinds, lanes=free)
        except Exception:  # the database is briefly unavailable: try again at the next poll
            log.exception("claiming from the inbox failed")
            return 1, False  # not quiet: unknown
        # The whole claim is queued before any lane starts: a row that failed at once must find
        # the rows claimed behind it in its queue, to give them back (see `_run_lane`).
        with self._lock:
            fresh = [item for item in items if item.id not in self._running]  # ours, running
            self._running.update(item.id for item in fresh)
            started = [lane for item in fresh if (lane := self._queue(item, share)) is not None]
        for lane in started:
            share.pool.submit(self._run_lane, lane, share)
        return len(items), len(items) >= self.batch

    def _beat(self) -> None:
        """Extend the claims on rows still running, so no other worker takes them over."""
        if time.monotonic() - self._last_beat < self.heartbeat:
            return
        self._last_beat = time.monotonic()
        with self._lock:
            running = sorted(self._running)
        if running:
            try:
                self.inbox.extend(running)
            except Exception:
                log.exception("extending the inbox claims failed")

    def _queue(self, item: InboxItem, share: _Share) -> str | None:
        """Adds the row to its lane's queue (the lock held); returns the lane when it is new
        and needs a thread."""
        lane = self.lane_of(item)
        self._in_flight += 1
        queue = self._lanes.get(lane)
        if queue is not None:  # the lane is already running: it will take this one next
            queue.append(item)
            return None
        self._lanes[lane] = deque([item])
        share.in_flight += 1  # a thread of the share is the lane's while it has rows
        return lane

    def _run_lane(self, lane: str, share: _Share) -> None:
        while True:
            with self._lock:
                queue = self._lanes[lane]
                if not queue:
                    del self._lanes[lane]
                    share.in_flight -= 1
                    self._news += 1  # the lane's next row may be claimable now
                    self._quiet = False
                    break
                item = queue[0]
            retrying = self._run_one(item)
            with self._lock:
                queue.popleft()
                self._running.discard(item.id)
                self._in_flight -= 1
                # The row waits to retry: the lane's later rows wait behind it, in the database
                # (running them now would put them before it; their claim is given back).
                behind = list(queue) if retrying else []
                if behind:
                    queue.clear()
                    self._in_flight -= len(behind)
                    self._running.difference_update(i.id for i in behind)
                if self._in_flight == 0:
                    self._idle.notify_all()
            if behind:
                try:
                    self.inbox.unclaim([i.id for i in behind])
                except Exception:  # their lease runs out instead, and they come back then
                    log.exception("giving back the inbox rows behind item %s failed", item.id)
        self._wake.set()  # a thread is free, and the lane's next row is claimable now

    def _run_one(self, item: InboxItem) -> bool:
        """Runs the row; True when it failed and waits to retry."""
        try:
            self.handle(item)
        except Exception as exc:
            log.warning("inbox item %s (%s) failed: %s", item.id, item.kind, exc)
            return self._record_failure(item, exc)
        try:
            if not self.inbox.done(item.id):
                log.warning("inbox item %s was taken over by another worker", item.id)
        except Exception:
            log.exception("marking inbox item %s done failed", item.id)
        return False

    def _record_failure(self, item: InboxItem, exc: BaseException) -> bool:
        """Records the failure; True when the row will be retried (it still heads its lane)."""
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        retry = self.transient(exc)
        try:
            held = self.inbox.failed(item.id, detail[:2000], retry)
        except Exception:
            held = True  # unknown: report it rather than lose it
            log.exception("recording the failure of inbox item %s failed", item.id)
        if not held:  # another worker took the row over after our lease ran out: theirs now
            log.warning("inbox item %s failed here but another worker holds it now", item.id)
            return True
        if self.on_failure is not None and not retry:
            try:
                self.on_failure(item, exc)
            except Exception:
                log.exception("reporting the failure of inbox item %s failed", item.id)
        return retry
