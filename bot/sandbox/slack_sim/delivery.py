"""Sends signed requests to the app's Request URL and logs every delivery with its answer."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from bot.sandbox.slack_sim.signing import signed_headers
from bot.tls import tls_context

if TYPE_CHECKING:
    from bot.sandbox.slack_sim.socket_mode import SocketModeServer


@dataclass(frozen=True)
class DeliveryOptions:
    """How to deliver: `retries` extra deliveries carrying `X-Slack-Retry-Num` 1..n (the same
    body, as Slack re-sends an unacknowledged event), and deliberate signing faults."""

    retries: int = 0
    retry_reason: str = "http_timeout"
    forge_signature: bool = False
    stale_timestamp: bool = False


@dataclass
class Delivery:
    kind: str  # event | command | interactive
    label: str  # event type, command name or payload type
    status: int  # HTTP status; 0 when there was no answer (timeout, connection refused)
    body: str
    elapsed_ms: float
    retry_num: int | None = None
    forged: bool = False
    stale: bool = False
    error: str | None = None  # "timeout" or the connection error
    event_id: str | None = None
    at: float = field(default_factory=time.time)
    headers: dict[str, str] = field(default_factory=dict)
    transport: str = "http"  # "socket" when sent over a Socket Mode connection
    envelope_id: str | None = None  # Socket Mode only

    def json(self) -> Any:
        """The answer's body parsed as JSON (None when empty or not JSON)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Deliverer:
    def __init__(self, signing_secret: str, timeout: float = 3.0) -> None:
        self.signing_secret = signing_secret
        self.app_url: str | None = None
        self.timeout = timeout
        self.log: list[Delivery] = []
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=timeout, verify=tls_context())
        self.socket: SocketModeServer | None = None  # while a client is connected, used instead

    def send(
        self,
        kind: str,
        label: str,
        body: bytes,
        content_type: str,
        options: DeliveryOptions | None = None,
        event_id: str | None = None,
    ) -> list[Delivery]:
        opts = options or DeliveryOptions()
        results = []
        for attempt in range(opts.retries + 1):
            if self.socket is not None and self.socket.connected:  # no signature in Socket Mode
                delivery = self.socket.deliver(
                    kind, label, body, content_type, retry_num=attempt or None,
                    retry_reason=opts.retry_reason, event_id=event_id,
                )  # fmt: skip
                with self._lock:
                    self.log.append(delivery)
                results.append(delivery)
                continue
            headers = {"Content-Type": content_type, "User-Agent": "Slackbot 1.0 (sim)"}
            headers |= signed_headers(
                self.signing_secret,
                body,
                forge_signature=opts.forge_signature,
                stale_timestamp=opts.stale_timestamp,
            )
            retry_num = attempt or None
            if retry_num:
                headers["X-Slack-Retry-Num"] = str(retry_num)
                headers["X-Slack-Retry-Reason"] = opts.retry_reason
            results.append(self._post(kind, label, body, headers, opts, retry_num, event_id))
        return results

    def _post(self, kind, label, body, headers, opts, retry_num, event_id) -> Delivery:
        start = time.perf_counter()
        status, text, error, resp_headers = 0, "", None, {}
        try:
            if not self.app_url:  # logged as undelivered, like an app with no Request URL
                raise httpx.InvalidURL("no app URL: call sim.set_app_url(url) first")
            resp = self._client.post(self.app_url, content=body, headers=headers)
            status, text, resp_headers = resp.status_code, resp.text, dict(resp.headers)
        except httpx.TimeoutException:
            error = "timeout"
        except (httpx.HTTPError, httpx.InvalidURL) as e:
            error = f"{type(e).__name__}: {e}"
        delivery = Delivery(
            kind=kind,
            label=label,
            status=status,
            body=text,
            elapsed_ms=(time.perf_counter() - start) * 1000,
            retry_num=retry_num,
            forged=opts.forge_signature,
            stale=opts.stale_timestamp,
            error=error,
            event_id=event_id,
            headers=resp_headers,
        )
        with self._lock:
            self.log.append(delivery)
        return delivery

    def close(self) -> None:
        self._client.close()
