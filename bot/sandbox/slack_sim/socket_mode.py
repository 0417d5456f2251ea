"""Socket Mode: Slack sends events, slash commands and interactions over a WebSocket the app opens,
instead of POSTing them to a Request URL.

As in Slack: the app calls `apps.connections.open` with its app-level token (`xapp-…`) and gets a
one-time `url`; on connect the server says `{"type": "hello", …}`; each delivery is an envelope
`{"envelope_id", "type": "events_api" | "slash_commands" | "interactive", "payload",
"accepts_response_payload"}` (events also carry `retry_attempt`/`retry_reason`) that the app must
acknowledge with `{"envelope_id", "payload"?}` within 3 s. The ack's payload is what the HTTP
answer's body would be, so the sim shows it the same way (ephemeral text, view errors, …).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.sandbox.slack_sim.delivery import Delivery
from bot.sandbox.slack_sim.payloads import JSON
from bot.sandbox.slack_sim.state import SimError

ENVELOPE_TYPES = {"event": "events_api", "command": "slash_commands", "interactive": "interactive"}
# Slack lets the ack carry a response only where an HTTP answer would be shown.
RESPONSE_PAYLOAD_LABELS = {"view_submission", "block_suggestion"}


@dataclass(eq=False)
class _Connection:
    ws: WebSocket
    loop: asyncio.AbstractEventLoop
    pending: set[str] = field(default_factory=set)


class SocketModeServer:
    """The WebSocket side of the sim. `deliver` is called from any thread but the server's."""

    def __init__(self, app_id: str, base_url: Callable[[], str], ack_timeout: float = 3.0) -> None:
        self.app_id = app_id
        self.base_url = base_url
        self.ack_timeout = ack_timeout
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []
        self._acks: dict[str, Future] = {}
        self._lock = threading.Lock()

    # -- the Web API method ---------------------------------------------------------------------
    def connections_open(self, ctx: Any, args: dict[str, Any]) -> dict[str, Any]:
        """`apps.connections.open`: a single-use WebSocket URL (the token was checked by WebApi)."""
        ticket = secrets.token_hex(16)
        with self._lock:
            self._tickets.add(ticket)
        ws_base = "ws" + self.base_url().removeprefix("http")
        return {"url": f"{ws_base}/link/?ticket={ticket}&app_id={self.app_id}"}

    @property
    def connected(self) -> bool:
        with self._lock:
            return bool(self._connections)

    def wait_connected(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.connected:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no Socket Mode client connected within {timeout}s")
            time.sleep(0.01)

    # -- the WebSocket endpoint -----------------------------------------------------------------
    async def endpoint(self, ws: WebSocket) -> None:
        ticket = ws.query_params.get("ticket", "")
        with self._lock:
            valid = ticket in self._tickets
            self._tickets.discard(ticket)
        if not valid:  # closing before accept refuses the handshake (HTTP 403)
            await ws.close(code=1008)
            return
        await ws.accept()
        conn = _Connection(ws, asyncio.get_running_loop())
        with self._lock:
            self._connections.append(conn)
            count = len(self._connections)
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {"host": "slack-sim", "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.app_id},
        }
        try:
            await ws.send_text(json.dumps(hello))
            while True:
                self._on_message(await ws.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            with self._lock:
                self._connections.remove(conn)
                lost = [self._acks.pop(eid, None) for eid in conn.pending]
            for fut in lost:
                if fut is not None and not fut.done():
                    fut.set_exception(ConnectionError("the Socket Mode connection closed"))

    def _on_message(self, text: str) -> None:
        try:
            msg = json.loads(text)
        except ValueError:
            return  # Slack ignores what is not an ack
        if not isinstance(msg, dict):
            return
        with self._lock:
            fut = self._acks.pop(str(msg.get("envelope_id")), None)
        if fut is not None and not fut.done():
            fut.set_result(msg.get("payload"))

    # -- delivery -------------------------------------------------------------------------------
    def deliver(
        self,
        kind: str,
        label: str,
        body: bytes,
        content_type: str,
        *,
        retry_num: int | None = None,
        retry_reason: str = "",
        event_id: str | None = None,
    ) -> Delivery:
        """Sends one envelope to the newest connection and waits for its ack. The Delivery reads
        like an HTTP one: status 200 and the ack's payload as the body, or status 0 + error."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": ENVELOPE_TYPES[kind],
            "payload": _payload(kind, body, content_type),
            "accepts_response_payload": kind == "command" or label in RESPONSE_PAYLOAD_LABELS,
        }
        if kind == "event":
            envelope["retry_attempt"] = retry_num or 0
            envelope["retry_reason"] = retry_reason if retry_num else ""
        start = time.perf_counter()
        status, text, error = 0, "", None
        fut: Future = Future()
        with self._lock:
            if not self._connections:
                raise SimError("not_connected", detail="no Socket Mode client is connected")
            conn = self._connections[-1]
            conn.pending.add(envelope_id)
            self._acks[envelope_id] = fut
        try:
            _on_other_loop(conn.loop)
            sent = asyncio.run_coroutine_threadsafe(
                conn.ws.send_text(json.dumps(envelope)), conn.loop
            )
            sent.result(timeout=self.ack_timeout)
            payload = fut.result(timeout=max(self.ack_timeout - (time.perf_counter() - start), 0))
            status, text = 200, json.dumps(payload) if payload else ""
        except FutureTimeout:
            error = "timeout"
        except Exception as e:  # the connection went away mid-delivery
            error = f"{type(e).__name__}: {e}"
        finally:
            with self._lock:
                self._acks.pop(envelope_id, None)
                conn.pending.discard(envelope_id)
        return Delivery(
            kind=kind,
            label=label,
            status=status,
            body=text,
            elapsed_ms=(time.perf_counter() - start) * 1000,
            retry_num=retry_num,
            error=error,
            event_id=event_id,
            transport="socket",
            envelope_id=envelope_id,
        )


def _payload(kind: str, body: bytes, content_type: str) -> dict[str, Any]:
    """The HTTP body as Socket Mode carries it: the event envelope, the slash command's fields,
    or the interaction's `payload` JSON."""
    if content_type == JSON:
        return json.loads(body)
    fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
    return json.loads(fields["payload"]) if kind == "interactive" else fields


def _on_other_loop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return
    if running is loop:
        raise RuntimeError("deliver() would block the sim's own event loop: call it from a thread")
