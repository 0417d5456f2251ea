"""The API's limits: request bodies (413), requests per token (429 with Retry-After)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class ApiLimits:
    max_body_bytes: int = 1_000_000
    max_batch: int = 100  # runs per POST /runs
    requests_per_minute: int = 1200  # per token, sustained
    burst: int = 200  # per token, at once


class RateLimiter:
    """A token bucket per API token, in this process (each instance limits on its own)."""

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # token id -> (level, at)
        self._lock = threading.Lock()

    def take(self, key: int) -> float:
        """0 when allowed; otherwise the seconds until the next request would be."""
        now = self.clock()
        with self._lock:
            level, at = self._buckets.get(key, (self.burst, now))
            level = min(self.burst, level + (now - at) * self.rate)
            if level >= 1.0:
                self._buckets[key] = (level - 1.0, now)
                return 0.0
            self._buckets[key] = (level, now)
            return (1.0 - level) / self.rate

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))


class BufferedBodyLimit:
    """Refuse a request body over `limit` bytes with 413 before the app reads it: by its
    Content-Length when given, else by counting what arrives.

    It reads the whole body before FastAPI runs, unlike the server-wide bot.body_limit (which
    counts as the app reads): FastAPI turns an error raised while it reads a body into a 400,
    so a chunked body over the limit would get 400, not 413."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = (
            b'{"error":"the request body is larger than the limit of '
            + f'{self.limit:,} bytes"'.encode()
            + b"}"
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
