"""`Store`: the one object the bot's services call. Each method is its own transaction and
returns plain frozen records (see `storage.records`), never ORM objects or Slack types."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

from storage.arguments import typed_arguments
from storage.db import make_engine
from storage.repo.api import ApiRepo
from storage.repo.base import utcnow
from storage.repo.inbox import InboxRepo
from storage.repo.leases import LeasesRepo
from storage.repo.transfer import TransferRepo
from storage.repo.votes import VotesRepo
from storage.repo.webhooks import WebhooksRepo


@typed_arguments
class Store(TransferRepo, VotesRepo, ApiRepo, WebhooksRepo, InboxRepo, LeasesRepo):
    """Templates, versions, runs, feedback, principles, proposals, votes, the inbox and leases;
    API tokens, labels, runs logged by applications and webhooks."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(engine, clock=clock)

    @classmethod
    def from_url(cls, url: str | None = None, **engine_kwargs: object) -> Store:
        """`url`, else `DATABASE_URL`, else SQLite `alignbot.db` (WAL, foreign keys on)."""
        return cls(make_engine(url, **engine_kwargs))

    def check_schema(self) -> None:
        """Raise SchemaOutOfDate unless the database is at this code's latest migration."""
        from storage.migrate import check_schema

        check_schema(self.engine)

    def installation_store(self, client_id: str) -> SQLAlchemyInstallationStore:
        """slack-sdk's installation store on our engine (tables come from our migrations)."""
        return SQLAlchemyInstallationStore(client_id=client_id, engine=self.engine)

    def oauth_state_store(self, expiration_seconds: int = 600) -> SQLAlchemyOAuthStateStore:
        return SQLAlchemyOAuthStateStore(expiration_seconds=expiration_seconds, engine=self.engine)

    def close(self) -> None:
        self.engine.dispose()
