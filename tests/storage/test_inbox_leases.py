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


def lane_put(store: Store, event_id: str, lane: str | None, kind: str = "reaction") -> None:
    assert store.inbox_put(event_id, team_id="T1", kind=kind, payload={}, lane=lane)


def test_a_lane_is_held_by_one_worker_until_its_older_rows_are_finished(timed: Store) -> None:
    lane_put(timed, "EvAdd", "thread:C1:1.1")
    lane_put(timed, "EvRemove", "thread:C1:1.1")
    lane_put(timed, "EvOther", "thread:C1:2.2")
    lane_put(timed, "EvFree", None)
    first = timed.inbox_claim("w1", limit=10)  # a lane's unbroken run comes in one claim
    assert [i.event_id for i in first] == ["EvAdd", "EvRemove", "EvOther", "EvFree"]
    assert first[0].lane == "thread:C1:1.1" and first[3].lane is None
    lane_put(timed, "EvLate", "thread:C1:1.1")
    assert timed.inbox_claim("w2", limit=10) == []  # EvLate waits for w1's rows of its lane
    add, remove = first[0], first[1]
    assert timed.inbox_failed(add.id, "slack 500", retry=True, worker_id="w1")
    assert timed.inbox_done(remove.id, worker_id="w1")
    assert timed.inbox_claim("w2", limit=10) == []  # waiting to retry is still unfinished
    later = Store(timed.engine, clock=lambda: timed.now() + timedelta(minutes=1))
    again = later.inbox_claim("w2", limit=10)
    assert [i.event_id for i in again] == ["EvAdd", "EvLate"]  # the retry first, then the rest


def test_a_claim_takes_rows_of_at_most_so_many_lanes(timed: Store) -> None:
    for event_id, lane in [("Ev1", "a"), ("Ev2", "b"), ("Ev3", "a"), ("Ev4", None), ("Ev5", "c")]:
        lane_put(timed, event_id, lane)
    assert [i.event_id for i in timed.inbox_claim("w1", limit=10, lanes=2)] == [
        "Ev1",
        "Ev2",
        "Ev3",
    ]
    assert [i.event_id for i in timed.inbox_claim("w2", limit=10, lanes=5)] == ["Ev4", "Ev5"]


def test_a_claim_of_some_kinds_still_respects_older_rows_of_other_kinds(timed: Store) -> None:
    lane_put(timed, "EvPropose", "template:T1:x", kind="propose")
    lane_put(timed, "EvDecide", "template:T1:x", kind="decide")
    lane_put(timed, "EvReaction", "thread:C1:1.1", kind="reaction")
    quick = timed.inbox_claim("w1", limit=10, except_kinds={"propose"})
    assert [i.event_id for i in quick] == ["EvReaction"]  # EvDecide waits behind EvPropose
    [model] = timed.inbox_claim("w1", limit=10, kinds={"propose"})
    assert model.event_id == "EvPropose"


def test_claims_of_dead_workers_are_released_at_once(timed: Store) -> None:
    lane_put(timed, "EvAdd", "thread:C1:1.1")
    lane_put(timed, "EvRemove", "thread:C1:1.1")
    lane_put(timed, "EvAlive", None)
    [add] = timed.inbox_claim("dead", limit=1)
    [alive] = timed.inbox_claim("alive", limit=10)
    assert alive.event_id == "EvAlive"
    assert timed.inbox_claimants() == ["alive", "dead"]
    assert timed.inbox_release(["dead"]) == 1 and timed.inbox_release([]) == 0
    again, remove = timed.inbox_claim("new", limit=10)  # long before the 300 s lease is over
    assert (again.id, again.attempts, remove.event_id) == (add.id, 2, "EvRemove")
    assert timed.inbox_done(add.id, worker_id="dead") is False  # the dead one's word is void
    assert timed.inbox_claimants() == ["alive", "new"]


@pytest.mark.postgres
def test_a_row_being_claimed_elsewhere_breaks_its_lanes_run(pg_store: Store) -> None:
    """PostgreSQL skips a row another transaction has locked (SKIP LOCKED): the rows behind it
    in its lane must not be taken either, or two workers would hold one lane."""
    from sqlalchemy import text

    lane_put(pg_store, "EvHead", "thread:C1:1.1")
    lane_put(pg_store, "EvNext", "thread:C1:1.1")
    lane_put(pg_store, "EvOther", "thread:C1:2.2")
    with pg_store.engine.connect() as rival:  # a worker in the middle of claiming EvHead
        rival.execute(text("SELECT id FROM inbox WHERE event_id = 'EvHead' FOR UPDATE"))
        assert [i.event_id for i in pg_store.inbox_claim("w1", limit=10)] == ["EvOther"]
        rival.rollback()
    assert [i.event_id for i in pg_store.inbox_claim("w1", limit=10)] == ["EvHead", "EvNext"]
