"""Webhooks of a workspace and their deliveries.

An event makes one delivery row per subscribed webhook and one inbox row per delivery in the
same transaction; the inbox worker then sends it, retrying with backoff (see InboxRepo)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import models as m
from storage.api_records import (
    DeliveryInfo,
    DeliveryStatus,
    NewWebhook,
    WebhookEvent,
    WebhookInfo,
)
from storage.arguments import (
    DeliveryId,
    JsonObject,
    Limit,
    TeamId,
    UserId,
    WebhookId,
)
from storage.errors import AlreadyExists, InvalidInput, NotFound
from storage.repo.inbox import InboxRepo, RowJob

MAX_URL_CHARS = 2000
MAX_WEBHOOKS = 20  # per workspace
ALLOW_PRIVATE = "webhook_allow_private"


def check_events(events: Sequence[str]) -> tuple[WebhookEvent, ...]:
    if not events:
        return tuple(WebhookEvent)
    out: list[WebhookEvent] = []
    for raw in events:
        try:
            event = WebhookEvent(raw)
        except ValueError:
            known = ", ".join(e.value for e in WebhookEvent)
            raise InvalidInput(f"unknown webhook event {raw!r}; events: {known}") from None
        if event not in out:
            out.append(event)
    return tuple(out)


class WebhooksRepo(InboxRepo):
    def add_webhook(
        self,
        team_id: TeamId,
        url: str,
        events: Sequence[str],
        *,
        secret: str,
        created_by: UserId,
    ) -> NewWebhook:
        if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
            raise InvalidInput(f"a webhook URL must be 1-{MAX_URL_CHARS:,} characters")
        checked = check_events(events)
        with self._tx() as s:
            count = len(s.scalars(select(m.Webhook.id).where(m.Webhook.team_id == team_id)).all())
            if count >= MAX_WEBHOOKS:
                raise InvalidInput(f"a workspace has at most {MAX_WEBHOOKS} webhooks")
            values = dict(
                team_id=team_id,
                url=url,
                events=[e.value for e in checked],
                secret=secret,
                created_by=created_by,
                created_at=self.now(),
            )
            if not self._insert_if_new(s, m.Webhook, values):
                raise AlreadyExists(f"{url} already has a webhook in this workspace")
            row = s.scalars(
                select(m.Webhook).where(m.Webhook.team_id == team_id, m.Webhook.url == url)
            ).one()
            return NewWebhook(_webhook(row), secret)

    def list_webhooks(self, team_id: TeamId) -> list[WebhookInfo]:
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.Webhook).where(m.Webhook.team_id == team_id).order_by(m.Webhook.id)
            ).all()
            return [_webhook(r) for r in rows]

    def remove_webhook(self, team_id: TeamId, webhook_id: WebhookId) -> WebhookInfo:
        with self._tx() as s:
            row = s.get(m.Webhook, webhook_id)
            if row is None or row.team_id != team_id:
                raise NotFound(f"there is no webhook #{webhook_id} in this workspace")
            info = _webhook(row)
            s.delete(row)
            return info

    def enqueue_webhook_event(
        self, team_id: TeamId, event: WebhookEvent, payload: JsonObject, *, job: RowJob
    ) -> list[int]:
        """Deliveries of `event` to every webhook of the workspace that wants it."""
        with self._tx() as s:
            hooks = s.scalars(
                select(m.Webhook).where(m.Webhook.team_id == team_id).order_by(m.Webhook.id)
            ).all()
            ids: list[int] = []
            for hook in hooks:
                if event.value not in hook.events:
                    continue
                row = m.WebhookDelivery(
                    webhook_id=hook.id,
                    event=event.value,
                    payload=payload,
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    created_at=self.now(),
                )
                s.add(row)
                s.flush()
                kind, body, lane = job(row.id)
                self._inbox_put(s, f"webhook:{row.id}", team_id, kind, body, lane=lane)
                ids.append(row.id)
            return ids

    def get_delivery(self, delivery_id: DeliveryId) -> DeliveryInfo | None:
        with self._tx(write=False) as s:
            row = s.get(m.WebhookDelivery, delivery_id)
            return None if row is None else self._deliveries(s, [row])[0]

    def record_delivery(
        self,
        delivery_id: DeliveryId,
        *,
        status_code: int | None,
        error: str | None,
        delivered: bool,
        final: bool,
    ) -> DeliveryInfo:
        with self._tx() as s:
            row = s.get(m.WebhookDelivery, delivery_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no webhook delivery #{delivery_id}")
            row.attempts += 1
            row.last_status, row.last_error = status_code, (error or None) and error[:2000]
            if delivered:
                row.status, row.delivered_at = DeliveryStatus.DELIVERED.value, self.now()
            else:
                row.status = (DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING).value
            s.flush()
            return self._deliveries(s, [row])[0]

    def webhook_log(self, team_id: TeamId, limit: Limit = 20) -> list[DeliveryInfo]:
        """The workspace's recent deliveries, newest first."""
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.WebhookDelivery)
                .join(m.Webhook, m.Webhook.id == m.WebhookDelivery.webhook_id)
                .where(m.Webhook.team_id == team_id)
                .order_by(m.WebhookDelivery.id.desc())
                .limit(limit)
            ).all()
            return self._deliveries(s, list(rows))

    # -- workspace settings --------------------------------------------------------------------

    def workspace_settings(self, team_id: TeamId) -> dict[str, Any]:
        with self._tx(write=False) as s:
            row = s.get(m.WorkspaceSettings, team_id)
            return dict(row.settings) if row is not None else {}

    def set_workspace_setting(self, team_id: TeamId, key: str, value: Any) -> dict[str, Any]:
        if key not in (ALLOW_PRIVATE,):
            raise InvalidInput(f"unknown workspace setting {key!r}")
        with self._tx() as s:
            row = s.get(m.WorkspaceSettings, team_id, with_for_update=True)
            if row is None:
                row = m.WorkspaceSettings(team_id=team_id, settings={}, updated_at=self.now())
                s.add(row)
            row.settings = {**row.settings, key: value}
            row.updated_at = self.now()
            return dict(row.settings)

    @staticmethod
    def _deliveries(s: Session, rows: list[m.WebhookDelivery]) -> list[DeliveryInfo]:
        hooks = {
            h.id: h
            for h in s.scalars(
                select(m.Webhook).where(m.Webhook.id.in_({r.webhook_id for r in rows}))
            ).all()
        }
        return [
            DeliveryInfo(
                id=r.id,
                webhook_id=r.webhook_id,
                url=hooks[r.webhook_id].url,
                secret=hooks[r.webhook_id].secret,
                event=WebhookEvent(r.event),
                payload=dict(r.payload),
                status=DeliveryStatus(r.status),
                attempts=r.attempts,
                last_status=r.last_status,
                last_error=r.last_error,
                created_at=r.created_at,
                delivered_at=r.delivered_at,
            )
            for r in rows
        ]


def _webhook(row: m.Webhook) -> WebhookInfo:
    return WebhookInfo(
        id=row.id,
        team_id=row.team_id,
        url=row.url,
        events=tuple(WebhookEvent(e) for e in row.events),
        created_by=row.created_by,
        created_at=row.created_at,
    )
