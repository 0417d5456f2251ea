"""A request body over the limit is refused with 413 before anything reads or parses it.

Pure ASGI middleware, used in front of Slack's events and of the HTTP API alike, each with its
own limit and error body: a declared Content-Length over the limit is refused before the app
runs; otherwise the body is read whole here (both apps read it whole anyway), counted as it
arrives, and handed to the app only when it fits. Refusing here rather than while the app
reads matters: FastAPI turns an error raised while it reads a body into a 400, not a 413.

The rest of a refused body, up to `DRAIN_BYTES`, is read and dropped before answering: a client
that sends its whole body before reading (most do) would otherwise see the connection reset
instead of the 413. Past that, the connection is simply closed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1_000_000  # Slack's own payloads stay far below this (a modal: tens of kB)
DRAIN_BYTES = 16_000_000

ErrorBody = Callable[[int], dict[str, Any]]  # the limit -> the JSON body of the 413


def slack_error(limit: int) -> dict[str, Any]:
    """In the shape of Slack's own Web API errors."""
    return {"ok": False, "error": f"the request body is over {limit:,} bytes"}


class BodyLimit:
    def __init__(
        self, app: ASGIApp, limit: int = MAX_BODY_BYTES, error: ErrorBody = slack_error
    ) -> None:
        self.app = app
        self.limit = limit
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await _drain(receive, 0 if declared > DRAIN_BYTES else declared)
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left mid-body: nobody to answer
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.limit:
                if message.get("more_body", False):
                    await _drain(receive, DRAIN_BYTES - received)
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(self.error(self.limit)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read here, as one message, then the connection's own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop the rest of the body, at most `budget` bytes of it."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
