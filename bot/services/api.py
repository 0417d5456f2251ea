"""The API for applications, as use cases: tokens and labels (managed from Slack), templates
served by label, runs and end users' feedback logged by apps.

`production` never moves through the API: it is the version the channel approved. Moving it
from an app is refused (403) with a pointer to the channel; other labels may move with the
`labels:write` scope. Refusing keeps one road to production, the channel's approval, rather than
creating proposals nobody asked the engine for.

Tokens and served templates are cached in this process for CACHE_SECONDS, so a busy app's GETs
cost no database work. Changes made through this process (approval, rollback, labels, revoking)
clear the caches at once; another instance sees them within CACHE_SECONDS.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from bot.services.announce import Announcer
from bot.services.context import Actor, ServiceError
from bot.services.ttl_cache import TtlCache
from storage.api_records import (
    PRODUCTION,
    ApiRunResult,
    ApiTokenInfo,
    LabelMove,
    NewApiRun,
    NewToken,
    ResolvedTemplate,
    Scope,
    TemplateLabels,
)
from storage.errors import NotFound
from storage.records import FeedbackInfo, RunInfo, TemplateInfo
from storage.repo.inbox import RowJob

DEFAULT_SCOPES = (Scope.READ_TEMPLATES.value, Scope.WRITE_RUNS.value)
SCOPE_ALIASES = {
    "read": Scope.READ_TEMPLATES.value,
    "templates": Scope.READ_TEMPLATES.value,
    "write": Scope.WRITE_RUNS.value,
    "runs": Scope.WRITE_RUNS.value,
    "feedback": Scope.WRITE_RUNS.value,
    "labels": Scope.WRITE_LABELS.value,
}


CACHE_SECONDS = 1.0
DocumentKey = tuple[str, str, str | None, int | None]  # team, name, label, version


class Forbidden(ServiceError):
    """The token is valid but may not do this (a missing scope, or moving production)."""


class ApiService:
    def __init__(
        self,
        store: Any,
        announcer: Announcer | None = None,
        *,
        draw: Callable[[], float] = random.random,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.announcer = announcer
        self.draw = draw  # the sample-rate draw, in [0, 1)
        self.notify = notify  # wakes the inbox worker when runs were queued for posting
        self.tokens: TtlCache[str, ApiTokenInfo] = TtlCache(CACHE_SECONDS)
        # HTTP bodies of served templates and their ETags (built by bot.api.routes)
        self.documents: TtlCache[DocumentKey, tuple[bytes, str]] = TtlCache(CACHE_SECONDS)

    # -- from Slack ------------------------------------------------------------------------------

    def create_token(self, actor: Actor, name: str, scopes: Sequence[str]) -> NewToken:
        wanted = [SCOPE_ALIASES.get(s.lower(), s) for s in scopes] or list(DEFAULT_SCOPES)
        return self.store.create_token(actor.team_id, name, wanted, created_by=actor.user_id)

    def list_tokens(self, actor: Actor) -> list[ApiTokenInfo]:
        return self.store.list_tokens(actor.team_id)

    def revoke_token(self, actor: Actor, name: str) -> ApiTokenInfo:
        revoked = self.store.revoke_token(actor.team_id, name)
        self.tokens.clear()
        return revoked

    def invalidate(self) -> None:
        """A template, version or label changed: served copies are rebuilt on the next GET."""
        self.documents.clear()

    def set_label(self, actor: Actor, template: str, number: int, label: str) -> LabelMove:
        info = self.store.get_template(actor.team_id, template)
        if info is None:
            raise ServiceError(f"There is no template named `{template}`.")
        move = self.store.set_label(info.id, number, label, set_by=actor.user_id)
        self.invalidate()
        if self.announcer is not None:
            self.announcer.label_moved(info, move)
        return move

    def review_target(self, run_id: int) -> tuple[RunInfo, TemplateInfo] | None:
        """A logged run to post for review, with its template (None: the run is gone)."""
        run = self.store.get_run(run_id)
        if run is None:
            return None
        return run, self.store.get_template_by_id(run.template_id)

    def labels_of(self, template_id: int) -> dict[str, int]:
        return self.store.labels_of(template_id)

    # -- from applications (bot.api) ---------------------------------------------------------

    def cached_token(self, secret: str) -> ApiTokenInfo | None:
        """The token, if this process checked it within CACHE_SECONDS (no database work)."""
        return self.tokens.get(secret)

    def authenticate(self, secret: str) -> ApiTokenInfo | None:
        token = self.store.authenticate(secret)
        if token is not None:  # unknown secrets are not cached: a new token works at once
            self.tokens.put(secret, token)
        return token

    def template(
        self,
        token: ApiTokenInfo,
        name: str,
        *,
        label: str | None = None,
        version: int | None = None,
    ) -> ResolvedTemplate:
        require(token, Scope.READ_TEMPLATES)
        return self.store.resolve_version(token.team_id, name, label=label, number=version)

    def templates(self, token: ApiTokenInfo) -> list[TemplateLabels]:
        require(token, Scope.READ_TEMPLATES)
        return self.store.template_labels(token.team_id)

    def log_runs(self, token: ApiTokenInfo, items: Sequence[NewApiRun]) -> list[ApiRunResult]:
        require(token, Scope.WRITE_RUNS)
        results = self.store.log_api_runs(
            token.team_id,
            token.name,
            list(items),
            draw=self.draw,
            post_job=_api_run_row(token.team_id),
        )
        if self.notify is not None and any(r.created and r.review == "post" for r in results):
            self.notify()
        return results

    def run(self, token: ApiTokenInfo, run_id: int) -> ApiRunResult:
        require(token, Scope.WRITE_RUNS)
        found = self.store.api_run(token.team_id, run_id)
        if found is None:
            raise NotFound(f"no run {run_id}")
        return found

    def feedback(
        self,
        token: ApiTokenInfo,
        run_id: int,
        *,
        rating: str | None,
        comment: str | None,
        end_user_id: str | None,
        idempotency_key: str | None,
    ) -> tuple[list[FeedbackInfo], bool]:
        """A 👍/👎 becomes a good/bad label, a comment a critique; the author says it came from
        the application (`app:<token>:<end user>`)."""
        require(token, Scope.WRITE_RUNS)
        label = {"up": "good", "down": "bad", None: None}[rating]
        author = f"app:{token.name}:{end_user_id or 'anonymous'}"[:64]
        key = (
            f"api-feedback:{token.team_id}:{run_id}:{idempotency_key}" if idempotency_key else None
        )
        return self.store.add_app_feedback(
            token.team_id, run_id, author=author, label=label, comment=comment, source_key=key
        )

    def move_label(self, token: ApiTokenInfo, name: str, label: str, version: int) -> LabelMove:
        """Labels other than production; production is refused (see the module doc)."""
        if label == PRODUCTION:
            raise Forbidden(
                "production follows the version the channel approved; an application cannot "
                "move it. Set another label (e.g. staging) and propose the change in the channel."
            )
        require(token, Scope.WRITE_LABELS)
        info = self.store.get_template(token.team_id, name)
        if info is None:
            raise NotFound(f"no template named {name!r}")
        move = self.store.set_label(info.id, version, label, set_by=f"api:{token.name}"[:64])
        self.invalidate()
        if self.announcer is not None:
            self.announcer.label_moved(info, move)
        return move


def require(token: ApiTokenInfo, scope: Scope) -> None:
    if scope not in token.scopes:
        raise Forbidden(f"this token lacks the `{scope.value}` scope")


def _api_run_row(team_id: str) -> RowJob:
    """The typed job for the inbox row (imported here: the jobs module imports the services)."""
    from bot.background.jobs import ApiRunJob, app_actor, dump_job

    def row(run_id: int) -> tuple[str, dict[str, Any], str | None]:
        job = ApiRunJob(actor=app_actor(team_id), run_id=run_id)
        return job.kind, dump_job(job), job.lane

    return row
