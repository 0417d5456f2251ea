"""Webhooks: signed JSON announcements of a workspace's changes, sent from the inbox.

Signed like Slack signs its requests: HMAC-SHA256 of `v0:{timestamp}:{body}` with the webhook's
secret, sent as `X-Alignbot-Signature: v0=<hex>` with `X-Alignbot-Request-Timestamp`. Only
http(s) URLs; addresses that resolve to loopback, link-local or private networks are refused
(when added and again when sent) unless the workspace allows them.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.services.context import Actor, ServiceError
from bot.tls import tls_context
from storage.api_records import DeliveryInfo, NewWebhook, WebhookEvent, WebhookInfo
from storage.repo.inbox import RowJob
from storage.repo.webhooks import ALLOW_PRIVATE

log = logging.getLogger(__name__)

SEND_TIMEOUT = httpx.Timeout(5.0, connect=3.0)
Resolver = Callable[[str, int], list[str]]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


class DeliveryFailed(ConnectionError):
    """The receiver did not take it (5xx, 429, network): the inbox retries with backoff."""


class WebhookService:
    def __init__(
        self,
        store: Any,
        *,
        resolver: Resolver = resolve,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.resolver = resolver
        self.notify = notify  # wakes the inbox worker when deliveries were queued

    # -- managing webhooks (from Slack) --------------------------------------------------------

    def add(self, actor: Actor, url: str, events: Sequence[str]) -> NewWebhook:
        self.check_url(actor.team_id, url)
        secret = "whsec_" + secrets.token_urlsafe(24)
        return self.store.add_webhook(
            actor.team_id, url, list(events), secret=secret, created_by=actor.user_id
        )

    def webhooks(self, actor: Actor) -> list[WebhookInfo]:
        return self.store.list_webhooks(actor.team_id)

    def remove(self, actor: Actor, webhook: str) -> WebhookInfo:
        for hook in self.store.list_webhooks(actor.team_id):
            if webhook in (str(hook.id), f"#{hook.id}", hook.url):
                return self.store.remove_webhook(actor.team_id, hook.id)
        raise ServiceError(
            f"There is no webhook `{webhook}` here; `/align webhook list` shows them."
        )

    def log(self, actor: Actor, limit: int = 20) -> list[DeliveryInfo]:
        return self.store.webhook_log(actor.team_id, limit)

    def allow_private(self, actor: Actor, allowed: bool) -> None:
        self.store.set_workspace_setting(actor.team_id, ALLOW_PRIVATE, allowed)

    def private_allowed(self, team_id: str) -> bool:
        return bool(self.store.workspace_settings(team_id).get(ALLOW_PRIVATE))

    def check_url(self, team_id: str, url: str) -> None:
        """Raise ServiceError unless `url` is http(s) to a public address (or private ones are
        allowed in this workspace)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ServiceError(f"`{url}` is not an http(s) URL.")
        if parts.username or parts.password:
            raise ServiceError("Put no user name or password in a webhook URL.")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise ServiceError(f"`{url}` has an invalid port.") from None
        try:
            addresses = self.resolver(parts.hostname, port)
        except (OSError, UnicodeError):
            raise ServiceError(f"I cannot resolve `{parts.hostname}`.") from None
        private = [a for a in addresses if is_private(a)]
        if private and not self.private_allowed(team_id):
            raise ServiceError(
                f"`{parts.hostname}` is a private, loopback or link-local address "
                f"({', '.join(private)}); allow such addresses for this workspace with "
                "`/align webhook allow-private on`."
            )

    # -- announcing changes ------------------------------------------------------------------

    def announce(self, team_id: str, event: WebhookEvent, data: dict[str, Any]) -> None:
        """Queue deliveries of a change that has committed. Never raises: a webhook problem
        must not undo or fail the change the team just made."""
        body = {
            "event": event.value,
            "team_id": team_id,
            "at": datetime.now(UTC).isoformat(),
            "data": data,
        }
        try:
            ids = self.store.enqueue_webhook_event(team_id, event, body, job=_delivery_row(team_id))
        except Exception:
            log.exception("could not queue the %s webhooks of %s", event.value, team_id)
            return
        if ids and self.notify is not None:
            self.notify()

    # -- sending (the inbox worker) ------------------------------------------------------------

    def deliver(self, delivery_id: int, *, max_attempts: int) -> DeliveryInfo | None:
        """One attempt. Raises DeliveryFailed when worth retrying (the inbox backs off)."""
        d = self.store.get_delivery(delivery_id)
        if d is None or str(d.status) in ("delivered", "failed"):
            return d  # the webhook was removed, or a retry of a finished delivery
        final = d.attempts + 1 >= max_attempts
        try:
            self.check_url(self._team_of(d), d.url)
        except ServiceError as exc:
            return self.store.record_delivery(
                d.id, status_code=None, error=exc.message, delivered=False, final=True
            )
        body = json.dumps(d.payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "alignbot-webhooks",
            "X-Alignbot-Event": d.event.value,
            "X-Alignbot-Delivery": str(d.id),
            "X-Alignbot-Request-Timestamp": timestamp,
            "X-Alignbot-Signature": sign(d.secret, timestamp, body),
        }
        try:
            with httpx.Client(
                timeout=SEND_TIMEOUT, follow_redirects=False, verify=tls_context()
            ) as client:
                response = client.post(d.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self.store.record_delivery(
                d.id,
                status_code=None,
                error=str(exc) or type(exc).__name__,
                delivered=False,
                final=final,
            )
            raise DeliveryFailed(f"webhook {d.url}: {exc}") from None
        code = response.status_code
        if 200 <= code < 300:
            return self.store.record_delivery(
                d.id, status_code=code, error=None, delivered=True, final=final
            )
        retry = code >= 500 or code == 429
        done = self.store.record_delivery(
            d.id,
            status_code=code,
            error=response.text[:500] or f"HTTP {code}",
            delivered=False,
            final=final or not retry,
        )
        if retry and not final:
            raise DeliveryFailed(f"webhook {d.url} answered {code}")
        return done

    @staticmethod
    def _team_of(d: DeliveryInfo) -> str:
        return str(d.payload.get("team_id", ""))


def _delivery_row(team_id: str) -> RowJob:
    """The typed job for the inbox row (imported here: the jobs module imports the services)."""
    from bot.background.jobs import WebhookJob, app_actor, dump_job

    def row(delivery_id: int) -> tuple[str, dict[str, Any], str | None]:
        job = WebhookJob(actor=app_actor(team_id), delivery_id=delivery_id)
        return job.kind, dump_job(job), job.lane

    return row
