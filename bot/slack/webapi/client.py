"""WebClients that retry on rate limits (Retry-After), 5xx and dropped connections.

The worker posts outside of any Bolt request, so it needs a client of its own: with one
workspace that is the app's token; with OAuth it is the bot token of the installation that sent
the event, looked up in the installation store.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import default_interval_calculator
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.jitter import Jitter
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store import InstallationStore

DEFAULT_BASE_URL = "https://slack.com/api/"


class _ProportionalJitter(Jitter):
    """Up to as much again at random (slack-sdk's own jitter adds up to a whole second, which
    would swamp a short backoff)."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random())


def backoff_from(first: float | None) -> RetryIntervalCalculator:
    """Exponential backoff with jitter whose first pause is `first` seconds (plus up to as much
    again), doubling; None is slack-sdk's own default (0.5 s plus up to 1 s)."""
    if first is None:
        return default_interval_calculator
    return BackoffRetryIntervalCalculator(backoff_factor=first, jitter=_ProportionalJitter())


class _RateLimitHandler(RateLimitErrorRetryHandler):
    """slack-sdk's 429 handler, waiting what `Retry-After` says plus up to as much again at random
    (at most a second more); slack-sdk's adds a whole random second even to `Retry-After: 0`."""

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            if error is not None:
                raise error
            return
        raw = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
        try:
            wait = float(raw[0] if isinstance(raw, list) else raw) if raw is not None else 1.0
        except ValueError:
            wait = 1.0
        state.next_attempt_requested = True
        time.sleep(wait + random.random() * min(1.0, wait))
        state.increment_current_attempt()


def retry_handlers(max_retries: int = 3, backoff: RetryIntervalCalculator | None = None) -> list:
    """Slack-sdk's own handlers: 429 waits Retry-After; 5xx and connection errors back off
    (slack-sdk's exponential backoff with jitter unless `backoff` says otherwise)."""
    pause = backoff if backoff is not None else default_interval_calculator
    return [
        _RateLimitHandler(max_retry_count=max_retries),
        ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=pause),
        ConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=pause),
    ]


def make_web_client(
    token: str | None = None,
    base_url: str | None = None,
    *,
    max_retries: int = 3,
    timeout: int = 30,
    backoff: RetryIntervalCalculator | None = None,
) -> WebClient:
    url = base_url or DEFAULT_BASE_URL
    if not url.endswith("/"):
        url += "/"
    handlers = retry_handlers(max_retries, backoff)
    return WebClient(token=token, base_url=url, timeout=timeout, retry_handlers=handlers)


@dataclass
class ClientProvider:
    """Hands out a WebClient for a workspace (team), with the same base URL and retry handlers."""

    base_url: str | None = None
    token: str | None = None  # single-workspace bot token
    installation_store: InstallationStore | None = None
    max_retries: int = 3
    backoff: RetryIntervalCalculator | None = None  # slack-sdk's default unless set

    def __post_init__(self) -> None:
        self._single = self._client(self.token)
        self._by_team: dict[tuple[str | None, str | None], WebClient] = {}

    def for_team(self, team_id: str | None = None, enterprise_id: str | None = None) -> WebClient:
        if self.token or self.installation_store is None:
            return self._single
        key = (enterprise_id, team_id)
        client = self._by_team.get(key)
        if client is None:
            bot = self.installation_store.find_bot(enterprise_id=enterprise_id, team_id=team_id)
            if bot is None:
                raise LookupError(f"no installation for team {team_id!r}")
            client = self._client(bot.bot_token)
            self._by_team[key] = client
        return client

    def _client(self, token: str | None) -> WebClient:
        return make_web_client(
            token, self.base_url, max_retries=self.max_retries, backoff=self.backoff
        )
