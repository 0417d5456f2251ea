"""`Alignbot`: approved templates for your application, and its outputs back for review.

Nothing here can take the application down: `get_template` answers from its cache or the
fallback when the server is away (it raises only with neither), and `log_run`/`feedback` only
put an item on a bounded queue that a background thread sends."""

from __future__ import annotations

import atexit
import logging
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from alignbot_client.cache import Key, TemplateCache
from alignbot_client.sender import Item, Sender, Stats
from alignbot_client.template import Template

log = logging.getLogger("alignbot_client")
_open_clients: weakref.WeakSet[Alignbot] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    for client in list(_open_clients):
        client.close()


class TemplateUnavailable(RuntimeError):
    """The server could not be asked (or said no) and there is neither a cached copy nor a
    fallback to answer with."""


class Alignbot:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        cache_ttl: float = 60.0,
        timeout: float = 3.0,
        queue_size: int = 10_000,
        batch_size: int = 100,
        flush_interval: float = 1.0,
        max_retries: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = url.rstrip("/") + "/api/v1"
        self.cache_ttl = cache_ttl
        self._headers = {"Authorization": f"Bearer {token}", "User-Agent": "alignbot-client"}
        self._timeout = timeout
        self._local = threading.local()  # httpx clients are not shared across threads
        self._cache = TemplateCache(clock)
        self._sender = Sender(
            self._client,
            queue_size=queue_size,
            batch_size=batch_size,
            flush_interval=flush_interval,
            max_retries=max_retries,
        )
        _open_clients.add(self)  # flushed at exit (held weakly: a dropped client is not kept)

    # -- templates ------------------------------------------------------------------------------

    def get_template(
        self,
        name: str,
        label: str = "production",
        cache_ttl: float | None = None,
        fallback: str | Template | None = None,
        *,
        version: int | None = None,
    ) -> Template:
        """The template behind `label` (or `version`), at once from the cache when it has one.

        Past `cache_ttl` seconds the cached copy is still returned at once and refreshed in the
        background (If-None-Match). With no cached copy the server is asked; when it cannot
        answer, `fallback` (text or a Template) is returned; with neither, TemplateUnavailable.
        """
        key: Key = (name, None if version is not None else label, version)
        ttl = self.cache_ttl if cache_ttl is None else cache_ttl
        entry = self._cache.get(key)
        if entry is not None:
            if not self._cache.is_fresh(entry, ttl) and self._cache.start_refresh(key):
                threading.Thread(
                    target=self._refresh, args=(key,), name="alignbot-refresh", daemon=True
                ).start()
            return entry.template
        try:
            return self._fetch(key)
        except TemplateUnavailable as exc:
            if fallback is None:
                raise
            log.warning("alignbot: serving the fallback for %s: %s", name, exc)
            if isinstance(fallback, Template):
                return fallback
            return Template(name=name, text=fallback, version=0, source="fallback")

    def refresh(
        self, name: str, label: str = "production", *, version: int | None = None
    ) -> Template | None:
        """Revalidate now (one conditional request, blocking up to the timeout), e.g. when a
        `version.approved` webhook arrives. Never raises: on failure the cached copy (or None)."""
        key: Key = (name, None if version is not None else label, version)
        try:
            return self._fetch(key)
        except TemplateUnavailable as exc:
            log.info("alignbot: could not refresh %s: %s", name, exc)
            entry = self._cache.get(key)
            return entry.template if entry is not None else None

    def _refresh(self, key: Key) -> None:
        try:
            self._fetch(key)
        except TemplateUnavailable as exc:
            log.info("alignbot: keeping the cached %s: %s", key[0], exc)
        finally:
            self._cache.end_refresh(key)

    def _fetch(self, key: Key) -> Template:
        name, label, version = key
        params: dict[str, str | int] = {"version": version} if version else {"label": label or ""}
        entry = self._cache.get(key)
        headers = {"If-None-Match": entry.etag} if entry is not None and entry.etag else {}
        try:
            response = self._client().get(f"/templates/{name}", params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise TemplateUnavailable(f"the server did not answer: {exc!r}") from None
        if response.status_code == 304 and entry is not None:
            self._cache.touch(key)
            return entry.template
        if response.status_code != 200:
            raise TemplateUnavailable(f"HTTP {response.status_code}: {response.text[:200]}")
        template = Template.from_api(response.json())
        self._cache.put(key, template, response.headers.get("etag"))
        return template

    # -- runs and feedback (never block, never raise) --------------------------------------------

    def log_run(
        self,
        template: Template | str,
        output: str,
        *,
        inputs: Mapping[str, Any] | None = None,
        version: int | None = None,
        model: str | None = None,
        latency_ms: float | None = None,
        trace_id: str | None = None,
        end_user_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        """Queue one output for the server; returns its idempotency key (for `feedback`).
        A run of a fallback template (version 0) is not sent: the server never served it."""
        key = idempotency_key or uuid.uuid4().hex
        try:
            if isinstance(template, Template):
                name, number = template.name, version or template.version
            else:
                name, number = template, version or 0
            if number < 1:
                return key
            body: dict[str, Any] = {
                "template": name,
                "version": number,
                "inputs": dict(inputs or {}),
                "output": output,
                "idempotency_key": key,
            }
            for field, value in (
                ("model", model),
                ("latency_ms", latency_ms),
                ("trace_id", trace_id),
                ("end_user_id", end_user_id),
                ("metadata", dict(metadata) if metadata else None),
            ):
                if value is not None:
                    body[field] = value
            self._sender.put(Item("run", body))
        except Exception:  # a bug here must not reach the application
            log.exception("alignbot: could not queue a run")
        return key

    def feedback(
        self,
        run: str | int,
        *,
        rating: str | None = None,
        comment: str | None = None,
        end_user_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        """An end user's 👍 (`rating="up"`) / 👎 (`"down"`) and/or comment on a run: `run` is
        the key `log_run` returned, or a run id."""
        try:
            body = {
                "rating": rating,
                "comment": comment,
                "end_user_id": end_user_id,
                "idempotency_key": idempotency_key or uuid.uuid4().hex,
            }
            if isinstance(run, int):
                self._sender.put(Item("feedback", {**body, "run_id": run}))
            else:
                self._sender.put(Item("feedback", body, run_key=run))
        except Exception:
            log.exception("alignbot: could not queue feedback")

    @property
    def stats(self) -> Stats:
        return self._sender.stats

    def flush(self, timeout: float = 10.0) -> bool:
        return self._sender.flush(timeout)

    def close(self, timeout: float = 5.0) -> None:
        self._sender.close(timeout)

    def _client(self) -> httpx.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(
                base_url=self.base_url, headers=self._headers, timeout=self._timeout
            )
            self._local.client = client
        return client
