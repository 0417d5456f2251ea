"""The Python client against the real API over real HTTP: every cache case users report in
peers (an old version served long after a change; an exception while the server is down
despite a fallback), and logging that never blocks or raises."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from alignbot_client import Alignbot, TemplateUnavailable
from storage import Store
from tests.e2e.api_helpers import ApiHarness, start
from tests.e2e.helpers import TEAM


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def served(sim, bot_server, sqlite_engine):
    return start(sim, bot_server, Store(sqlite_engine))


def _client(api: ApiHarness, clock: Clock | None = None, **kw: object) -> Alignbot:
    return Alignbot(api.url, api.token, cache_ttl=60, clock=clock or Clock(), **kw)  # type: ignore[arg-type]  # test knobs


def _new_version(api: ApiHarness, text: str) -> None:
    info = api.store.get_template(TEAM, "greet")
    api.store.add_version(info.id, text, author="U1")


def test_stale_is_served_at_once_then_refreshed(served: ApiHarness) -> None:
    clock = Clock()
    bot = _client(served, clock)
    first = bot.get_template("greet")
    assert first.version == 1 and first.render(who="Ann") == "Say hello to Ann."
    _new_version(served, "Greet {{who}} warmly.")
    assert bot.get_template("greet").version == 1  # fresh for 60 s: no request at all
    clock.now += 61
    assert bot.get_template("greet").version == 1  # stale, served at once ...

    def refreshed():  # ... and refreshed behind it (the server caches for a second, too)
        clock.now += 61
        return (t := bot.get_template("greet")).version == 2 and t

    newer = served.sim.wait_for(refreshed)
    assert newer.text == "Greet {{who}} warmly." and newer.labels == ("production",)
    bot.close()


def test_an_unchanged_template_is_revalidated_not_refetched(served: ApiHarness) -> None:
    clock = Clock()
    bot = _client(served, clock)
    bot.get_template("greet")
    entry = bot._cache.get(("greet", "production", None))
    assert entry is not None and entry.etag
    clock.now += 61
    bot.get_template("greet")  # starts the background revalidation
    served.sim.wait_for(lambda: bot._cache.get(("greet", "production", None)).fetched_at == 1061)
    assert bot._cache.get(("greet", "production", None)).etag == entry.etag
    bot.close()


def test_server_down_serves_the_cache_then_the_fallback_then_raises(served: ApiHarness) -> None:
    clock = Clock()
    bot = _client(served, clock)
    assert bot.get_template("greet").version == 1
    served_url = served.url
    _stop_server(served)
    clock.now += 3600
    cached = bot.get_template("greet")  # an hour stale, the server gone: still the copy
    assert cached.version == 1
    served.sim.wait_for(lambda: not bot._cache._refreshing)  # the refresh failed, quietly
    assert bot.get_template("greet").version == 1

    fresh = Alignbot(served_url, served.token, clock=clock, timeout=1)
    fallback = fresh.get_template("greet", fallback="Hi {{who}}")
    assert fallback.source == "fallback" and fallback.render(who="Bo") == "Hi Bo"
    with pytest.raises(TemplateUnavailable):
        fresh.get_template("greet")
    fresh.close()
    bot.close()


def test_unknown_template_gets_the_fallback(served: ApiHarness) -> None:
    bot = _client(served)
    assert bot.get_template("nope", fallback="x {{y}}").version == 0
    with pytest.raises(TemplateUnavailable, match="404"):
        bot.get_template("nope")
    bot.close()


def test_logged_runs_and_feedback_arrive_in_batches(served: ApiHarness) -> None:
    served.align("settings greet review_rate=none")
    bot = _client(served, flush_interval=0.05)
    prompt = bot.get_template("greet")
    keys = [
        bot.log_run(prompt, f"Hello {i}", inputs={"who": str(i)}, trace_id=f"t{i}")
        for i in range(25)
    ]
    bot.feedback(keys[0], rating="down", comment="Too short", end_user_id="u1")
    assert bot.flush(timeout=10)
    info = served.store.get_template(TEAM, "greet")
    runs = served.store.recent_runs(info.id, limit=100)
    assert len(runs) == 25 and bot.stats.sent == 26 and bot.stats.dropped_failed == 0
    pending = served.store.pending_feedback(info.id)
    assert sorted(f.kind.value for f in pending) == ["critique", "label"]
    bot.log_run(prompt, "again", idempotency_key=keys[1])  # a retry of the same run
    bot.flush()
    assert len(served.store.recent_runs(info.id, limit=100)) == 25
    bot.close()


def test_a_dead_server_costs_the_caller_nothing(served: ApiHarness) -> None:
    bot = _client(served, queue_size=5, max_retries=1, flush_interval=0.01)
    prompt = bot.get_template("greet")
    _stop_server(served)
    started = time.perf_counter()
    for i in range(50):
        bot.log_run(prompt, f"out {i}")
        bot.feedback(i + 1, rating="up")
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5  # 100 calls, none waiting on the network
    assert bot.stats.dropped_full > 0  # the queue is bounded: the rest were dropped, counted
    closer = threading.Thread(target=bot.close, kwargs={"timeout": 2})
    closer.start()
    closer.join(5)
    assert not closer.is_alive()  # exit is not held up by a dead server


def _stop_server(api: ApiHarness) -> None:
    api.stop_server()


def test_runs_still_queued_are_sent_when_the_application_exits(served: ApiHarness) -> None:
    served.align("settings greet review_rate=none")
    script = (
        "import sys\n"
        "from alignbot_client import Alignbot\n"
        "bot = Alignbot(sys.argv[1], sys.argv[2], flush_interval=30)\n"  # no send before exit
        "prompt = bot.get_template('greet')\n"
        "for i in range(7):\n"
        "    bot.log_run(prompt, f'bye {i}', inputs={'who': str(i)})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, served.url, served.token], timeout=60, check=True
    )
    assert done.returncode == 0
    info = served.store.get_template(TEAM, "greet")
    outputs = sorted(r.output for r in served.store.recent_runs(info.id, limit=20))
    assert outputs == [f"bye {i}" for i in range(7)]
