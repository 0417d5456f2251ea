"""The application object: a Bolt app, its listeners, the inbox worker and the Web API clients.

`create_app` wires the parts; `AlignBot.start()` starts the worker (which first picks up rows a
crashed process left behind), `AlignBot.asgi()` is what uvicorn serves in HTTP mode.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.api import ApiLimits, build_api
from bot.background import api_jobs, private_answers, processors
from bot.background.inbox import Inbox, InboxWorker, Router
from bot.background.jobs import Work, kinds_of, parse_job
from bot.config import Config
from bot.server import build_asgi
from bot.services import USER_ERRORS, Models, Services, build_services, user_message
from bot.slack.listeners import Deps, register_all
from bot.slack.views.notices import failure_message
from bot.slack.webapi import (
    ChannelPacer,
    ClientProvider,
    PosterProvider,
    backoff_from,
    make_web_client,
)
from storage import Store
from storage.records import InboxItem

log = logging.getLogger(__name__)
# Named here: without a name Bolt derives one from inspect.stack(), which reads the source of
# every frame of the caller (about 0.1 s under a test runner, at every app start).
APP_NAME = "alignbot"


@dataclass
class AlignBot:
    bolt: App
    store: Store
    services: Services
    inbox: Inbox
    router: Router
    worker: InboxWorker
    posters: PosterProvider
    config: Config
    deps: Deps
    _started: bool = field(default=False, repr=False)

    def start(self) -> AlignBot:
        if not self._started:
            self.worker.start()
            self._started = True
        return self

    def stop(self, wait: bool = True) -> None:
        if self._started:
            self.worker.stop(wait=wait)
            self._started = False

    def asgi(self):
        c = self.config
        limits = ApiLimits(
            c.api_max_body_bytes, c.api_max_batch, c.api_rate_per_minute, c.api_burst
        )
        api = build_api(self.services.api, limits)
        return build_asgi(self.bolt, health=self.health, api=api)

    def health(self) -> dict[str, Any]:
        try:
            pending = self.store.inbox_pending_count()
        except Exception as exc:  # the database is unreachable
            return {"ok": False, "error": str(exc)}
        return {"ok": True, "inbox_pending": pending}


def create_app(
    config: Config,
    store: Store,
    *,
    models: Models | None = None,
    worker_threads: int | None = None,
    poll_interval: float = 1.0,
    inbox_lease_seconds: float = 60.0,
    token_verification: bool = True,
) -> AlignBot:
    """Single workspace with SLACK_BOT_TOKEN; OAuth (installations in the database) with
    SLACK_CLIENT_ID/SECRET. The Web API base URL is SLACK_API_URL when set."""
    base_url = config.slack_api_url
    models = models or Models(
        align_model=config.align_model,
        target_model=config.target_model,
        timeout=config.model_timeout,
        backoff=config.llm_backoff,
        credentials=config.credentials,
    )
    services = build_services(store, models, feedback_budget=config.feedback_budget)
    backoff = backoff_from(config.slack_backoff)  # for every client, the worker's too
    client = make_web_client(config.slack_bot_token, base_url, backoff=backoff)
    installation_store = None
    if config.slack_client_id is not None and not config.slack_bot_token:  # OAuth
        installation_store = store.installation_store(config.slack_client_id)
        bolt = App(
            name=APP_NAME,
            signing_secret=config.slack_signing_secret,
            client=client,
            process_before_response=True,
            installation_store=installation_store,
            oauth_settings=OAuthSettings(
                client_id=config.slack_client_id,
                client_secret=config.slack_client_secret,
                scopes=list(config.slack_scopes),
                redirect_uri=config.slack_redirect_uri,
                installation_store=installation_store,
                state_store=store.oauth_state_store(),
            ),
        )
    else:
        with _without_env("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_BOT_TOKEN"):
            bolt = App(  # the token comes with `client`; Bolt warns when it is given twice
                name=APP_NAME,
                signing_secret=config.slack_signing_secret,
                client=client,
                process_before_response=True,  # listeners only store and ack: no work after it
                token_verification_enabled=token_verification,
            )
    clients = ClientProvider(
        base_url=base_url,
        token=config.slack_bot_token,
        installation_store=installation_store,
        backoff=backoff,
    )
    posters = PosterProvider(clients, ChannelPacer(config.post_interval))
    inbox = Inbox(store, lease_seconds=inbox_lease_seconds)
    router = Router(inbox)
    deps = Deps(services, inbox, router, posters)
    processors.register(bolt, deps)
    api_jobs.register(deps, max_attempts=store.inbox_max_attempts)
    private_answers.register(router, deps)
    register_all(bolt, deps)
    worker = InboxWorker(
        inbox,
        router,
        threads=worker_threads or max(config.inbox_workers, 2),
        model_kinds=kinds_of(Work.MODEL),
        model_threads=worker_threads or max(config.inbox_workers, 1),
        poll_interval=poll_interval,
        on_failure=_reporter(posters),
        heartbeat=inbox_lease_seconds / 4,
    )
    inbox.on_new(worker.notify)
    services.api.notify = services.webhooks.notify = worker.notify  # rows written by the store
    return AlignBot(bolt, store, services, inbox, router, worker, posters, config, deps)


@contextmanager
def _without_env(*names: str) -> Iterator[None]:
    """Bolt reads these from the environment by itself (switching to OAuth when the client id
    and secret are there, even empty); our validated config decides instead."""
    saved = {n: os.environ.pop(n) for n in names if n in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _reporter(posters: PosterProvider):
    """Failures are told to the person whose request it was (in the thread it concerns);
    only when nobody is known, in the thread for everyone."""

    def report(item: InboxItem, exc: BaseException) -> None:
        try:
            job = parse_job(item.payload)
        except ValueError:  # not a job (pydantic's ValidationError): nowhere to tell it
            log.warning("inbox item %s holds no job; not reported", item.id)
            return
        where = job.report_to()
        if not where.channel_id:
            return
        detail = user_message(exc) if isinstance(exc, USER_ERRORS) else None
        msg = failure_message(job.what, detail)
        poster = posters.for_team(item.team_id)
        if where.user_id:
            poster.ephemeral(
                where.channel_id, where.user_id, msg["text"], msg["blocks"], where.thread_ts
            )
        elif where.thread_ts:
            poster.post(where.channel_id, msg["text"], msg["blocks"], thread_ts=where.thread_ts)

    return report
