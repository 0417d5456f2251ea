"""inbox_note: what one attempt did is on the row for the next attempt (after a crash)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import NotFound, Store


def test_a_note_is_merged_into_the_payload_the_next_claim_sees(store: Store) -> None:
    assert store.inbox_put("command:t1", team_id="T1", kind="propose", payload={"name": "x"})
    [first] = store.inbox_claim("w1", 10, lease_seconds=60)
    store.inbox_note(first.id, {"posting_after": "1.5"})
    merged = store.inbox_note(first.id, {"message": {"channel": "C1", "ts": "2.2"}})
    assert merged == {
        "name": "x",
        "posting_after": "1.5",
        "message": {"channel": "C1", "ts": "2.2"},
    }
    later = Store(store.engine, clock=lambda: datetime.now(UTC) + timedelta(minutes=5))
    [again] = later.inbox_claim("w2", 10)  # the first worker's lease ran out: a crash
    assert again.id == first.id and again.payload == merged
    with pytest.raises(NotFound):
        store.inbox_note(first.id + 1000, {"x": 1})
