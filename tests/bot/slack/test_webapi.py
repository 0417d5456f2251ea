"""Posting: paced per channel, long messages continued in the thread, benign reaction errors
ignored, rate limits and server errors retried by slack-sdk's handlers."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.slack.webapi import ChannelPacer, SlackPoster, make_web_client

CHANNEL = "C0GENERAL"


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_posts_to_one_channel_are_spaced_and_other_channels_do_not_wait():
    t = FakeTime()
    pacer = ChannelPacer(1.0, clock=t.clock, sleep=t.sleep)
    assert [pacer.wait("C1") for _ in range(3)] == [0, 1.0, 1.0]
    assert pacer.wait("C2") == 0
    t.now += 5
    assert pacer.wait("C1") == 0


@pytest.fixture
def poster(sim):
    # 5xx retries back off 10 ms here (slack-sdk's default is 0.5 s doubling, plus jitter);
    # a 429 still waits its Retry-After.
    backoff = FixedValueRetryIntervalCalculator(0.01)
    client = make_web_client(sim.bot_token, sim.api_url, backoff=backoff)
    return SlackPoster(client, ChannelPacer(0))


def test_more_than_fifty_blocks_continue_in_the_thread(poster, sim):
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"part {i}"}} for i in range(120)
    ]
    posted = poster.post(CHANNEL, "long", blocks)
    thread = sim.thread(CHANNEL, posted.ts)
    assert [len(m["blocks"]) for m in thread] == [50, 50, 20]


def test_reacting_twice_or_unreacting_nothing_is_not_an_error(poster, sim):
    posted = poster.post(CHANNEL, "hello")
    poster.react(CHANNEL, posted.ts, "memo")
    poster.react(CHANNEL, posted.ts, "memo")
    poster.unreact(CHANNEL, posted.ts, "tada")
    [msg] = [m for m in sim.messages(CHANNEL) if m["ts"] == posted.ts]
    assert [(r["name"], r["count"]) for r in msg["reactions"]] == [("memo", 1)]
    with pytest.raises(SlackApiError):
        poster.react("CNOSUCH", posted.ts, "memo")


def test_rate_limits_and_server_errors_are_retried(poster, sim):
    sim.fail_next("chat.postMessage", status=429, retry_after=1, times=1)
    sim.fail_next("chat.update", status=503, times=2)
    started = time.monotonic()
    posted = poster.post(CHANNEL, "after the wait")
    assert time.monotonic() - started >= 1.0
    poster.update(CHANNEL, posted.ts, "updated")
    statuses = [(c["method"], c["status"]) for c in sim.api_calls if c["method"] != "auth.test"]
    assert statuses == [
        ("chat.postMessage", 429),
        ("chat.postMessage", 200),
        ("chat.update", 503),
        ("chat.update", 503),
        ("chat.update", 200),
    ]


def test_the_configured_backoff_is_what_every_client_waits(sim):
    """ALIGNBOT_SLACK_BACKOFF reaches the clients the worker posts with, for one workspace and
    per installation alike; unset, slack-sdk's own backoff is kept."""
    from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
    from slack_sdk.http_retry.handler import default_interval_calculator

    from bot.slack.webapi import ClientProvider, backoff_from

    def pauses(client) -> list[float]:
        [handler] = [h for h in client.retry_handlers if isinstance(h, ServerErrorRetryHandler)]
        return [handler.interval_calculator.calculate_sleep_duration(n) for n in range(3)]

    provider = ClientProvider(sim.api_url, sim.bot_token, backoff=backoff_from(0.05))
    for first, pause in zip([0.05, 0.1, 0.2], pauses(provider.for_team("T1")), strict=True):
        assert first <= pause <= 2 * first
    default = ClientProvider(sim.api_url, sim.bot_token).for_team("T1")
    [handler] = [h for h in default.retry_handlers if isinstance(h, ServerErrorRetryHandler)]
    assert handler.interval_calculator is default_interval_calculator
