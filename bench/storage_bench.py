"""Storage benchmark: feedback writes and the engine's pending-feedback fetch, SQLite vs PostgreSQL.

    .venv/bin/python bench/storage_bench.py [--postgres URL] [--rows 100000]

PostgreSQL is used when --postgres, ALIGNBOT_BENCH_POSTGRES_URL or ALIGNBOT_TEST_POSTGRES_URL is
given; the bench works in its own schema and drops it. Prints figures; asserts nothing.

Measured:
- insert 10,000 feedback rows through `Store.add_feedback` (one transaction each, with an
  idempotency key: the path a Slack event takes), and as one bulk insert for comparison;
- fetch the pending feedback of a template holding 100,000 feedback rows, where the database
  also holds another template's 100,000 rows:
  (a) a long-lived template: 1,000 pending, 99,000 consumed or retracted;
  (b) a template whose 100,000 rows are all pending (worst case: agreement is ranked over all);
  each with and without the partial index `ix_feedback_pending`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, insert, text

from storage import Store
from storage import models as m
from storage.db import make_engine
from storage.migrate import upgrade

KINDS = ("critique", "label", "kudos", "rewrite")


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def feedback_rows(
    template_id: int,
    run_ids: list[int],
    n: int,
    *,
    pending_every: int = 1,
    proposal_id: int | None = None,
):
    """n rows; every `pending_every`-th is pending, the rest retracted (1/3) or consumed (2/3)."""
    now = datetime.now(UTC)
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        pending = i % pending_every == 0
        consumed = not pending and bool(i % 3)
        yield {
            "template_id": template_id,
            "run_id": run_ids[i % len(run_ids)],
            "author": f"U{i % 37}",
            "kind": kind,
            "text": "" if kind == "label" else f"feedback number {i % 500}",
            "label": ("good", "bad")[i % 2] if kind == "label" else None,
            "source_key": f"bench:{template_id}:{i}",
            "created_at": now - timedelta(seconds=n - i),
            "retracted_at": None if pending or i % 3 else now,
            "consumed_by_proposal_id": proposal_id if consumed else None,
            "consumed_at": now if consumed else None,
        }


def load(engine: Engine, store: Store, name: str, rows: int, pending_every: int) -> int:
    t = store.create_template("TB", name, "Summarise {{text}}", channel_id="C1", author="U1")
    with engine.begin() as conn:
        conn.execute(
            insert(m.Run),
            [
                {
                    "template_id": t.id,
                    "version_id": t.active_version.id,
                    "inputs": {"text": f"input {i}"},
                    "status": "done",
                    "requested_by": "U1",
                    "output": f"output {i}",
                    "created_at": datetime.now(UTC),
                }
                for i in range(1000)
            ],
        )
        run_ids = list(
            conn.execute(text(f"SELECT id FROM runs WHERE template_id = {t.id}")).scalars()
        )
    fb, _ = store.add_feedback(t.id, None, "U1", "critique", "seed")
    proposal = store.create_proposal(
        t.id, t.active_version.id, "x {{text}}", "", "principles", [], [str(fb.id)], None, [], "U1"
    )
    batch: list[dict] = []
    with engine.begin() as conn:
        for row in feedback_rows(
            t.id, run_ids, rows, pending_every=pending_every, proposal_id=proposal.id
        ):
            batch.append(row)
            if len(batch) == 5000:
                conn.execute(insert(m.Feedback), batch)
                batch = []
        if batch:
            conn.execute(insert(m.Feedback), batch)
        conn.execute(text("ANALYZE"))
    return t.id


def bench_backend(label: str, engine: Engine, rows: int) -> dict[str, str]:
    upgrade(engine)
    store = Store(engine)
    out: dict[str, str] = {}

    t = store.create_template("TB", "writes", "x {{y}}", channel_id="C1", author="U1")
    run = store.record_run(t.id, t.active_version.id, {"y": "1"}, requested_by="U1")
    start = time.perf_counter()
    for i in range(10_000):
        store.add_feedback(
            t.id, run.id, f"U{i % 50}", "critique", f"text {i}", source_key=f"ev-{uuid.uuid4()}"
        )
    out["insert 10,000 feedback, 1 tx each (add_feedback)"] = f"{time.perf_counter() - start:.2f} s"
    bulk = [
        dict(row, source_key=f"bulk:{i}")
        for i, row in enumerate(feedback_rows(t.id, [run.id], 10_000))
    ]
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(m.Feedback), bulk)
    out["insert 10,000 feedback, one bulk tx"] = f"{(time.perf_counter() - start) * 1000:.0f} ms"

    print(f"[{label}] loading 2 x {rows:,} feedback rows …", file=sys.stderr)
    load(engine, store, "noise", rows, pending_every=1)  # another template's rows
    old = load(engine, store, "old", rows, pending_every=max(rows // 1000, 1))
    full = load(engine, store, "full", rows, pending_every=1)
    n = f"{rows // 1000}k"
    out[f"(a) 1,000 of {n} pending: pending_feedback(limit=50)"] = (
        f"{timed(lambda: store.pending_feedback(old, limit=50)):.1f} ms"
    )
    out["(a) count_pending"] = f"{timed(lambda: store.count_pending(old)):.1f} ms"
    out["(a) pending_feedback() all 1,000"] = f"{timed(lambda: store.pending_feedback(old)):.1f} ms"
    out[f"(b) {n} pending: pending_feedback(limit=50)"] = (
        f"{timed(lambda: store.pending_feedback(full, limit=50), 3):.0f} ms"
    )
    out["(b) count_pending"] = f"{timed(lambda: store.count_pending(full)):.1f} ms"

    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_feedback_pending"))
    out["(a) limit=50 WITHOUT ix_feedback_pending"] = (
        f"{timed(lambda: store.pending_feedback(old, limit=50)):.1f} ms"
    )
    out["(a) count_pending WITHOUT ix_feedback_pending"] = (
        f"{timed(lambda: store.count_pending(old)):.1f} ms"
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE INDEX ix_feedback_pending ON feedback (template_id, id) "
                "WHERE retracted_at IS NULL AND consumed_by_proposal_id IS NULL"
            )
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("ALIGNBOT_BENCH_POSTGRES_URL")
        or os.environ.get("ALIGNBOT_TEST_POSTGRES_URL"),
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    results: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        results["SQLite (WAL)"] = bench_backend("sqlite", engine, args.rows)
        engine.dispose()
    if args.postgres:
        schema = f"alignbot_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            engine = make_engine(args.postgres, connect_args={"options": f"-csearch_path={schema}"})
            results["PostgreSQL"] = bench_backend("postgresql", engine, args.rows)
            engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    names = list(results)
    metrics = list(next(iter(results.values())))
    width = max(map(len, metrics)) + 2
    print(f"{'':{width}}" + "".join(f"{n:>16}" for n in names))
    for metric in metrics:
        print(f"{metric:{width}}" + "".join(f"{results[n][metric]:>16}" for n in names))
    print(
        "\nIndexes: ix_feedback_pending = feedback(template_id, id) WHERE retracted_at IS NULL AND"
        "\n  consumed_by_proposal_id IS NULL (partial: a template's pending rows, newest first),"
        "\n  pk_runs for the output join; uq_feedback_source_key makes add_feedback idempotent."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
