"""inbox_note: what one attempt did is on the row for the next attempt (after a crash), kept
apart from the stored job, which never changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import NotFound, Store


def test_notes_are_merged_and_the_next_claim_sees_them_beside_the_job(store: Store) -> None:
    assert store.inbox_put("command:t1", team_id="T1", kind="propose", payload={"name": "x"})
    [first] = store.inbox_claim("w1", 10, lease_seconds=60)
    assert first.notes == {}
    store.inbox_note(first.id, {"posting_after": "1.5"})
    merged = store.inbox_note(first.id, {"message": {"channel": "C1", "ts": "2.2"}})
    assert merged == {"posting_after": "1.5", "message": {"channel": "C1", "ts": "2.2"}}
    later = Store(store.engine, clock=lambda: datetime.now(UTC) + timedelta(minutes=5))
    [again] = later.inbox_claim("w2", 10)  # the first worker's lease ran out: a crash
    assert again.id == first.id and again.notes == merged
    assert again.payload == {"name": "x"}  # the job itself is as it was stored
    with pytest.raises(NotFound):
        store.inbox_note(first.id + 1000, {"x": 1})
