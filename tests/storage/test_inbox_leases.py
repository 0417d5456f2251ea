"""The event inbox, scheduler leases, and the libraries' tables on our engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.oauth.installation_store import Installation

from storage import InvalidInput, NotFound, Store


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(store: Store, clock: Clock) -> Store:
    return Store(store.engine, clock=clock)


def put(store: Store, event_id: str, **kw) -> bool:
    return store.inbox_put(
        event_id, team_id="T1", kind="reaction_added", payload={"e": event_id}, **kw
    )


def test_put_is_insert_if_new(timed: Store) -> None:
    assert put(timed, "Ev1") is True
    assert put(timed, "Ev1") is False  # Slack's retry of the same event
    assert put(timed, "Ev2", channel_id="C1", ts="1.1") is True
    assert put(timed, "Ev3", channel_id="C1", ts="1.1") is False  # same message, new event id
    assert put(timed, "Ev4", channel_id="C1", ts="1.2") is True
    assert timed.inbox_pending_count() == 3
    with pytest.raises(InvalidInput, match="both channel_id and ts"):
        put(timed, "Ev5", channel_id="C1")
    with pytest.raises(InvalidInput, match="event id"):
        put(timed, "")


def test_claim_done_and_oldest_first(timed: Store) -> None:
    for i in range(5):
        put(timed, f"Ev{i}")
    first = timed.inbox_claim("w1", limit=3)
    assert [i.event_id for i in first] == ["Ev0", "Ev1", "Ev2"]
    assert first[0].payload == {"e": "Ev0"} and first[0].attempts == 1
    second = timed.inbox_claim("w2", limit=10)
    assert [i.event_id for i in second] == ["Ev3", "Ev4"]  # claimed rows are not handed out twice
    assert timed.inbox_claim("w3") == []
    for item in first:
        assert timed.inbox_done(item.id, worker_id="w1") is True
    for item in second:
        assert timed.inbox_done(item.id, worker_id="w2") is True
    assert timed.inbox_pending_count() == 0
    assert timed.inbox_status("Ev0")["status"] == "done"
    with pytest.raises(NotFound):
        timed.inbox_done(999, worker_id="w1")


def test_crashed_worker_rows_come_back_after_the_lease(timed: Store, clock: Clock) -> None:
    put(timed, "Ev1")
    [item] = timed.inbox_claim("dies", lease_seconds=60)
    clock.advance(59)
    assert timed.inbox_claim("w2") == []
    clock.advance(2)
    [again] = timed.inbox_claim("w2")
    assert (again.id, again.attempts) == (item.id, 2)
    assert timed.inbox_done(again.id, worker_id="w2") is True
    assert timed.inbox_pending_count() == 0


def test_heartbeat_keeps_a_slow_claim(timed: Store, clock: Clock) -> None:
    put(timed, "Ev1")
    put(timed, "Ev2")
    [a, b] = timed.inbox_claim("slow", lease_seconds=60)
    clock.advance(50)
    assert timed.inbox_extend([a.id, b.id, 999], "slow", lease_seconds=60) == [a.id, b.id]
    clock.advance(50)  # 100 s after the claim, 50 s after the heartbeat
    assert timed.inbox_claim("rival") == []
    clock.advance(11)
    taken = timed.inbox_claim("rival")
    assert [i.id for i in taken] == [a.id, b.id]
    assert timed.inbox_extend([a.id], "slow", 60) == []  # lost to the rival: not taken back
    assert timed.inbox_extend([], "slow", 60) == []


def test_failed_rows_retry_with_backoff_then_give_up(timed: Store, clock: Clock) -> None:
    put(timed, "Ev1")
    put(timed, "Ev2")
    [a, b] = timed.inbox_claim("w")
    assert timed.inbox_failed(b.id, "bad payload", retry=False, worker_id="w") is True
    assert timed.inbox_status("Ev2") == {"status": "failed", "attempts": 1, "error": "bad payload"}
    for attempt in range(1, timed.inbox_max_attempts + 1):
        assert timed.inbox_failed(a.id, f"slack 500 #{attempt}", retry=True, worker_id="w")
        if attempt == timed.inbox_max_attempts:
            break
        assert timed.inbox_claim("w") == []  # backing off
        clock.advance(timed.inbox_retry_seconds * 2 ** (attempt - 1))
        [a] = timed.inbox_claim("w")
        assert a.attempts == attempt + 1
    assert timed.inbox_status("Ev1") == {
        "status": "failed",
        "attempts": 5,
        "error": "slack 500 #5",
    }
    assert timed.inbox_pending_count() == 0


def test_only_the_worker_holding_a_row_can_finish_it(timed: Store, clock: Clock) -> None:
    put(timed, "Ev1")
    put(timed, "Ev2")
    [a, b] = timed.inbox_claim("slow", lease_seconds=60)
    clock.advance(61)  # the slow worker's lease ran out; a rival takes both rows over
    assert [i.id for i in timed.inbox_claim("rival")] == [a.id, b.id]
    assert timed.inbox_done(a.id, worker_id="slow") is False
    assert timed.inbox_failed(b.id, "boom", retry=False, worker_id="slow") is False
    assert timed.inbox_status("Ev1") == {"status": "claimed", "attempts": 2, "error": None}
    assert timed.inbox_status("Ev2") == {"status": "claimed", "attempts": 2, "error": None}
    assert timed.inbox_done(a.id, worker_id="rival") is True
    assert timed.inbox_failed(b.id, "slack 500", retry=True, worker_id="rival") is True
    assert timed.inbox_status("Ev1")["status"] == "done"
    assert timed.inbox_status("Ev2") == {"status": "pending", "attempts": 2, "error": "slack 500"}
    assert timed.inbox_done(a.id, worker_id="rival") is False  # done already: not twice
    assert timed.inbox_done(b.id, worker_id="rival") is False  # waiting to retry: unclaimed
    put(timed, "Ev3")
    [c] = timed.inbox_claim("late", lease_seconds=60)
    clock.advance(120)  # lapsed, but nobody took it: the work its holder did still counts
    assert timed.inbox_done(c.id, worker_id="late") is True
    with pytest.raises(NotFound):
        timed.inbox_failed(999, "x", retry=False, worker_id="late")


def test_leases_give_a_job_to_one_holder(timed: Store, clock: Clock) -> None:
    assert timed.try_acquire_lease("digest", "a", 60) is True
    assert timed.try_acquire_lease("digest", "b", 60) is False
    assert timed.try_acquire_lease("digest", "a", 60) is True  # renewal by the holder
    assert timed.try_acquire_lease("expire", "b", 60) is True  # other job, other lease
    clock.advance(61)
    assert timed.try_acquire_lease("digest", "b", 60) is True  # a's lease ran out
    assert timed.try_acquire_lease("digest", "a", 60) is False
    assert timed.release_lease("digest", "a") is False
    assert timed.release_lease("digest", "b") is True
    assert timed.try_acquire_lease("digest", "a", 60) is True


def test_slack_installation_and_oauth_state_stores(store: Store) -> None:
    installs = store.installation_store("client-1")
    installs.save(
        Installation(
            app_id="A1",
            team_id="T1",
            user_id="U1",
            bot_token="xoxb-1",
            bot_id="B1",
            bot_user_id="UB1",
            bot_scopes=["chat:write"],
        )
    )
    bot = installs.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-1"
    assert store.installation_store("client-2").find_bot(enterprise_id=None, team_id="T1") is None
    states = store.oauth_state_store(expiration_seconds=60)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
