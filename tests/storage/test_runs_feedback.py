"""Runs and feedback: idempotent, retractable, ranked for the engine."""

from __future__ import annotations

import pytest

from alignment.feedback import FeedbackKind, Label
from alignment.usage import CallStats
from storage import AlreadyExists, InvalidInput, NotFound, RunStatus, Store


@pytest.fixture
def tmpl(store: Store):
    return store.create_template(
        "T1", "summary", "Summarise {{text}}", channel_id="C1", author="U1"
    )


def run_on(store: Store, tmpl, ts: str = "1.1", output: str = "an output"):
    run = store.record_run(tmpl.id, tmpl.active_version.id, {"text": "hello"}, requested_by="U1")
    store.complete_run(run.id, output, "offline", 12, 34, 56.0)
    return store.set_run_message(run.id, "C1", ts)


def test_run_lifecycle(store: Store, tmpl) -> None:
    run = store.record_run(tmpl.id, tmpl.active_version.id, {"text": "x"}, requested_by="U2")
    assert (run.status, run.version_number, run.output) == (RunStatus.PENDING, 1, None)
    done = store.complete_run(run.id, "out", "gemini/flash", 10, 20, 345.6)
    assert (done.status, done.output, done.model) == (RunStatus.DONE, "out", "gemini/flash")
    assert (done.input_tokens, done.output_tokens, done.latency_ms) == (10, 20, 345.6)
    store.set_run_message(run.id, "C1", "99.1")
    assert store.find_run_by_message("C1", "99.1").id == run.id
    assert store.find_run_by_message("C1", "99.2") is None
    other = store.record_run(tmpl.id, tmpl.active_version.id, {}, requested_by="U2")
    with pytest.raises(AlreadyExists):
        store.set_run_message(other.id, "C1", "99.1")
    failed = store.fail_run(other.id, "model timed out")
    assert (failed.status, failed.error) == (RunStatus.FAILED, "model timed out")
    assert store.get_run(other.id).error == "model timed out"
    with pytest.raises(NotFound):
        store.complete_run(999, "x", "m", 1, 1, 1.0)


def test_llm_calls_are_recorded(store: Store, tmpl) -> None:
    run = store.record_run(tmpl.id, tmpl.active_version.id, {}, requested_by="U2")
    store.complete_run(run.id, "out", "gemini/flash", 10, 20, 345.6)
    [call] = store.call_stats(run_id=run.id)
    assert (call.model, call.purpose, call.input_tokens, call.output_tokens) == (
        "gemini/flash",
        "run",
        10,
        20,
    )
    retried = [CallStats("openai/gemma", "run", 5, 6, 70.0, prompt_chars=99, attempts=3)]
    other = store.record_run(tmpl.id, tmpl.active_version.id, {}, requested_by="U2")
    store.complete_run(other.id, "out", "openai/gemma", 5, 6, 70.0, calls=retried)
    assert store.call_stats(run_id=other.id) == retried
    assert store.call_stats(run_id=999) == []


def test_record_run_checks_version_belongs_to_template(store: Store, tmpl) -> None:
    other = store.create_template("T1", "other", "x {{y}}", channel_id="C1", author="U1")
    with pytest.raises(NotFound):
        store.record_run(tmpl.id, other.active_version.id, {}, requested_by="U1")
    with pytest.raises(InvalidInput, match="mapping"):
        store.record_run(tmpl.id, tmpl.active_version.id, ["x"], requested_by="U1")  # type: ignore[arg-type]


def test_feedback_is_counted_once_per_source(store: Store, tmpl) -> None:
    run = run_on(store, tmpl)
    key = "reaction:C1:1.1:U2:-1"
    first, created = store.add_feedback(tmpl.id, run.id, "U2", "label", label="bad", source_key=key)
    again, created_again = store.add_feedback(
        tmpl.id, run.id, "U2", "label", label="bad", source_key=key
    )
    assert created and not created_again and again.id == first.id
    assert store.count_pending(tmpl.id) == 1


def test_retract_and_readd(store: Store, tmpl) -> None:
    run = run_on(store, tmpl)
    key = "reaction:C1:1.1:U2:+1"
    store.add_feedback(tmpl.id, run.id, "U2", "label", label="good", source_key=key)
    assert store.retract_feedback(key) is True
    assert store.retract_feedback(key) is False  # already retracted
    assert store.retract_feedback("reaction:unknown") is False
    assert store.pending_feedback(tmpl.id) == []
    fb, created = store.add_feedback(tmpl.id, run.id, "U2", "label", label="good", source_key=key)
    assert created and fb.retracted_at is None
    assert [f.id for f in store.pending_feedback(tmpl.id)] == [str(fb.id)]


@pytest.mark.parametrize(
    ("kind", "text", "label", "message"),
    [
        ("praise", "nice", None, "feedback kind must be one of"),
        ("label", "", None, "needs label"),
        ("label", "", "meh", "'good' or 'bad'"),
        ("critique", "  ", None, "critique feedback needs text"),
        ("rewrite", "x" * 20_001, None, "limit is 20,000"),
    ],
)
def test_bad_feedback_is_refused(store: Store, tmpl, kind, text, label, message) -> None:
    with pytest.raises(InvalidInput, match=message):
        store.add_feedback(tmpl.id, None, "U2", kind, text, label)
    assert store.count_pending(tmpl.id) == 0


def test_feedback_on_a_run_of_another_template_is_refused(store: Store, tmpl) -> None:
    other = store.create_template("T1", "other", "x {{y}}", channel_id="C1", author="U1")
    run = run_on(store, other)
    with pytest.raises(NotFound):
        store.add_feedback(tmpl.id, run.id, "U2", "critique", "bad")


def test_pending_feedback_ranks_agreement_then_recency(store: Store, tmpl) -> None:
    a, b = run_on(store, tmpl, "1.1", "output A"), run_on(store, tmpl, "1.2", "output B")
    lone, _ = store.add_feedback(tmpl.id, a.id, "U2", "critique", "too long")
    for user in ("U3", "U4", "U5"):  # three people gave run B the same thumbs-down
        store.add_feedback(
            tmpl.id, b.id, user, "label", label="bad", source_key=f"reaction:C1:1.2:{user}:-1"
        )
    newest, _ = store.add_feedback(tmpl.id, a.id, "U6", "kudos", "love the tone")
    pending = store.pending_feedback(tmpl.id)
    assert [f.agreement for f in pending] == [2, 2, 2, 0, 0]
    assert {f.author for f in pending[:3]} == {"U3", "U4", "U5"}
    assert [f.id for f in pending[3:]] == [str(newest.id), str(lone.id)]
    top = pending[0]
    assert top.kind is FeedbackKind.LABEL and top.label is Label.BAD
    assert (top.run_id, top.output, top.inputs) == (str(b.id), "output B", {"text": "hello"})
    assert [f.id for f in store.pending_feedback(tmpl.id, limit=4)] == [f.id for f in pending[:4]]
    assert store.count_pending(tmpl.id) == 5


def test_recent_runs_flag_critique(store: Store, tmpl) -> None:
    a, b, c = (run_on(store, tmpl, ts) for ts in ("1.1", "1.2", "1.3"))
    store.add_feedback(tmpl.id, a.id, "U2", "critique", "wrong")
    store.add_feedback(tmpl.id, b.id, "U2", "label", label="good")
    store.add_feedback(tmpl.id, c.id, "U2", "label", label="bad", source_key="k")
    store.retract_feedback("k")
    runs = store.recent_runs(tmpl.id, 10)
    assert [(r.id, r.critiqued) for r in runs] == [(c.id, False), (b.id, False), (a.id, True)]
    assert len(store.recent_runs(tmpl.id, 2)) == 2


def test_labelled_runs_are_the_teams_majority_label_per_run(store):
    t = store.create_template("T1", "lab", "Say {{x}}", channel_id="C1", author="U1")

    def run(output):
        r = store.record_run(t.id, t.active_version.id, {"x": output}, requested_by="U1")
        store.complete_run(r.id, output, "offline", 1, 1, 1.0)
        return r

    def label(r, user, value, key=None):
        store.add_feedback(t.id, r.id, user, "label", "", value, source_key=key)

    a, b, c, d = run("a"), run("b"), run("c"), run("d")
    label(a, "U1", "good"), label(a, "U2", "good"), label(a, "U3", "bad")
    label(b, "U1", "bad")
    label(c, "U1", "good"), label(c, "U2", "bad")  # a tie says nothing
    label(d, "U1", "good", key="k-d")
    store.retract_feedback("k-d")  # withdrawn
    assert store.labelled_runs(t.id) == [
        (a.id, Label.GOOD, {"x": "a"}, "a"),
        (b.id, Label.BAD, {"x": "b"}, "b"),
    ]


def test_a_run_is_critiqued_by_a_critique_a_rewrite_or_a_bad_label_until_retracted(
    store: Store, tmpl
) -> None:
    """The "critiqued" mark that runs carry (judges pick such runs first): kudos and a good
    label do not set it, a retracted critique no longer does, and many critiques are one mark."""
    quiet, praised, critiqued, labelled, withdrawn, rewritten = (
        run_on(store, tmpl, ts=f"2.{n}") for n in range(6)
    )
    store.add_feedback(tmpl.id, rewritten.id, "U2", "rewrite", "A shorter output.")
    store.add_feedback(tmpl.id, praised.id, "U2", "kudos", "clear")
    store.add_feedback(tmpl.id, praised.id, "U3", "label", label=Label.GOOD.value)
    for n in range(30):
        store.add_feedback(tmpl.id, critiqued.id, f"U{n}", "critique", f"too long {n}")
    store.add_feedback(tmpl.id, labelled.id, "U2", "label", label=Label.BAD.value)
    store.add_feedback(tmpl.id, withdrawn.id, "U2", "critique", "wrong", source_key="reply:C1:9.9")
    assert store.retract_feedback("reply:C1:9.9")
    marks = {r.id: r.critiqued for r in store.recent_runs(tmpl.id)}
    assert marks == {
        quiet.id: False,
        praised.id: False,
        critiqued.id: True,
        labelled.id: True,
        withdrawn.id: False,
        rewritten.id: True,
    }
    assert store.find_run_by_message("C1", "2.2").critiqued is True
    assert store.find_run_by_message("C1", "2.0").critiqued is False
