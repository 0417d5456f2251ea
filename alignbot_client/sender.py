"""A bounded queue and one background thread that sends logged runs and feedback in batches.

The caller's side (`put`) never blocks and never raises: when the queue is full the item is
dropped, counted and logged. The thread retries 429/5xx/network failures with exponential
backoff, gives up after `max_retries` (counted as dropped), and drains the queue at exit."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger("alignbot_client")


@dataclass
class Stats:
    queued: int = 0
    sent: int = 0
    dropped_full: int = 0  # the queue was full when the caller logged
    dropped_failed: int = 0  # retries ran out, or the server refused the item
    retries: int = 0
    errors: list[str] = field(default_factory=list)  # the last few, newest last


@dataclass(frozen=True)
class Item:
    kind: str  # "run" | "feedback"
    body: dict[str, Any]
    run_key: str | None = None  # feedback on a run logged through this client (its key)


class Sender:
    def __init__(
        self,
        http: Callable[[], httpx.Client],
        *,
        queue_size: int = 10_000,
        batch_size: int = 100,
        flush_interval: float = 1.0,
        max_retries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self._http = http
        self._queue: queue.Queue[Item] = queue.Queue(maxsize=queue_size)
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.stats = Stats()
        self._run_ids: dict[str, int] = {}  # idempotency key -> run id, for feedback
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._busy = 0
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    # -- the caller's thread -------------------------------------------------------------------

    def put(self, item: Item) -> bool:
        if self._thread is None:
            self._start()
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.stats.dropped_full += 1
            n = self.stats.dropped_full
            if n == 1 or n % 1000 == 0:
                log.warning("alignbot: queue full, %d item(s) dropped so far", n)
            return False
        self.stats.queued += 1
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is sent or given up on."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.05))
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Flush (bounded by `timeout`), then stop the thread."""
        if self._thread is None:
            return
        self.flush(timeout)
        self._stop.set()
        self._thread.join(timeout=1.0)

    # -- the background thread -----------------------------------------------------------------

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="alignbot-sender", daemon=True
                )
                self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._queue.get(timeout=self.flush_interval)
            except queue.Empty:
                continue
            batch = [first]
            while len(batch) < self.batch_size:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._send(batch)
            except Exception as exc:  # never let the thread die
                self._give_up(batch, f"unexpected: {exc!r}")
            finally:
                for _ in batch:
                    self._queue.task_done()
                with self._idle:
                    self._idle.notify_all()

    def _send(self, batch: list[Item]) -> None:
        runs = [i for i in batch if i.kind == "run"]
        if runs:
            self._post_runs(runs)
        for item in batch:
            if item.kind == "feedback":
                self._post_feedback(item)

    def _post_runs(self, runs: list[Item]) -> None:
        response = self._with_retries("POST", "/runs", {"runs": [r.body for r in runs]})
        if response is None:
            self._give_up(runs, "the server was unreachable")
            return
        if response.status_code == 422 and len(runs) > 1:
            for run in runs:  # one bad item refuses the batch: save the good ones
                self._post_runs([run])
            return
        if response.is_success:
            for run, out in zip(runs, response.json().get("runs", []), strict=False):
                key = run.body.get("idempotency_key")
                if key:
                    self._run_ids[key] = int(out["id"])
            self.stats.sent += len(runs)
            return
        self._give_up(runs, f"HTTP {response.status_code}: {response.text[:200]}")

    def _post_feedback(self, item: Item) -> None:
        run_id = item.body.get("run_id") or self._run_ids.get(item.run_key or "")
        if not run_id:
            self._give_up([item], "feedback on a run that was never sent")
            return
        body = {k: v for k, v in item.body.items() if k != "run_id" and v is not None}
        response = self._with_retries("POST", f"/runs/{run_id}/feedback", body)
        if response is not None and response.is_success:
            self.stats.sent += 1
        else:
            code = response.status_code if response is not None else "unreachable"
            self._give_up([item], f"feedback: {code}")

    def _with_retries(self, method: str, path: str, body: dict[str, Any]) -> httpx.Response | None:
        """The answer, or None when retries ran out on network errors."""
        delay = self.backoff
        for attempt in range(self.max_retries + 1):
            response: httpx.Response | None = None
            try:
                response = self._http().request(method, path, json=body)
            except httpx.HTTPError as exc:
                self._note(f"{method} {path}: {exc!r}")
            if response is not None and response.status_code != 429 and response.status_code < 500:
                return response
            if attempt == self.max_retries or self._stop.is_set():
                return response
            self.stats.retries += 1
            wait = delay
            if response is not None and response.headers.get("retry-after", "").isdigit():
                wait = max(wait, float(response.headers["retry-after"]))
            self._stop.wait(min(wait, self.max_backoff))
            delay = min(delay * 2, self.max_backoff)
        return None

    def _give_up(self, items: list[Item], why: str) -> None:
        self.stats.dropped_failed += len(items)
        self._note(why)
        log.warning("alignbot: %d item(s) not delivered: %s", len(items), why)

    def _note(self, error: str) -> None:
        self.stats.errors = [*self.stats.errors[-9:], error]
