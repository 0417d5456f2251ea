"""Judge (rule books from labelled runs) and before/after evaluation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alignment import (
    Judge,
    JudgeError,
    Label,
    LabelledOutput,
    SampleRun,
    Template,
    build_judge,
    evaluate,
    pick_samples,
)
from alignment.datablocks import read_blocks
from alignment.judge import MAX_EXAMPLES
from tests.fakes.gemini_server import gemini_json

GOOD = "Produce: onions, carrots, mushrooms. Meat: chicken thighs. Dairy: butter."
BAD = "Wine and spirits: a bottle of red Burgundy and brandy for the sauce."
LABELLED = [
    LabelledOutput({"dish": "coq au vin"}, GOOD, Label.GOOD),
    LabelledOutput({"dish": "stew"}, BAD, Label.BAD),
]


def rules(**books):
    return gemini_json({"rule_books": [{"label": k, "rules": v} for k, v in books.items()]})


def scores(*values):
    return gemini_json(
        {"scores": [{"index": i, "score": s, "reason": "r"} for i, s in enumerate(values)]}
    )


def prompt_of(request) -> str:
    return request.body["contents"][0]["parts"][0]["text"]


def test_offline_judge_scores_like_the_labelled_examples(offline):
    judge = build_judge(LABELLED, offline)
    assert set(judge.rule_books) == {"good", "bad"}
    assert [c.purpose for c in judge.calls] == ["judge-rules", "judge-score"]
    assert judge.accuracy == 1.0 and judge.hard_cases == []
    good, bad = judge.score_many(
        [({}, "onions, carrots and chicken thighs"), ({}, "a bottle of brandy and red wine")]
    )
    assert 0 <= bad < good <= 1
    assert len(judge.calls) == 3  # one more call for both items


def test_build_is_two_calls_and_keeps_its_mistakes_as_hard_cases(gemini, gemini_model):
    gemini.enqueue(
        rules(good=["lists only food"], bad=["mentions alcohol"]),
        scores(0.2, 0.9),  # the blind check gets both labelled runs wrong
        scores(0.7),
    )
    judge = build_judge(LABELLED, gemini_model)
    assert len(gemini.requests) == 2
    assert judge.accuracy == 0.0
    assert [(c["label"], c["output"]) for c in judge.hard_cases] == [
        ("good", GOOD),
        ("bad", BAD),
    ]
    check = read_blocks(prompt_of(gemini.requests[1]))
    assert "label" not in check["items"][0]  # the check is blind
    assert judge.score({"dish": "soup"}, "carrots") == pytest.approx(0.7)
    later = read_blocks(prompt_of(gemini.requests[2]))
    assert [c["label"] for c in later["hard_cases"]] == ["good", "bad"]
    assert later["rule_books"] == [
        {"label": "good", "rules": ["lists only food"]},
        {"label": "bad", "rules": ["mentions alcohol"]},
    ]


def test_scores_are_clamped_and_must_cover_every_item(gemini, gemini_model):
    judge = Judge(gemini_model, {"good": ["x"], "bad": ["y"]})
    gemini.enqueue(scores(1.7, -0.2))
    assert judge.score_many([({}, "a"), ({}, "b")]) == [1.0, 0.0]
    gemini.enqueue(scores(0.5), scores(0.5))
    with pytest.raises(JudgeError, match=r"missing \[1\]"):
        judge.score_many([({}, "a"), ({}, "b")])


def test_a_missing_rule_book_is_repaired(gemini, gemini_model):
    gemini.enqueue(rules(good=["food only"]), rules(good=["food"], bad=["alcohol"]), scores(1, 0))
    judge = build_judge(LABELLED, gemini_model)
    assert judge.rule_books == {"good": ["food"], "bad": ["alcohol"]}
    assert "no rule book for label(s) bad" in prompt_of(gemini.requests[1])


def test_a_judge_needs_labelled_runs(offline):
    with pytest.raises(JudgeError, match=r"at least one 👍 and one 👎 run .*\(it has 0 👎, 0 👍\)"):
        build_judge([], offline)


def test_a_judge_with_one_kind_of_label_is_refused_and_makes_no_call(gemini, gemini_model):
    bad = [LabelledOutput({"dish": d}, BAD, Label.BAD) for d in ("stew", "ragout")]
    with pytest.raises(JudgeError) as refused:
        build_judge(bad, gemini_model)
    assert str(refused.value) == (
        "the judge needs at least one 👍 and one 👎 run to compare against (it has 2 👎, 0 👍)"
    )
    with pytest.raises(JudgeError, match=r"\(it has 0 👎, 1 👍\)"):
        build_judge(LABELLED[:1], gemini_model)
    assert gemini.requests == []  # refused before any model call


def test_one_good_and_one_bad_label_build_a_judge_that_tells_them_apart(offline):
    judge = build_judge([LABELLED[1], LABELLED[0]], offline)
    assert set(judge.rule_books) == {"good", "bad"}
    good, bad = judge.score_many([({}, GOOD), ({}, BAD)])
    assert good > bad


def test_many_bad_labels_still_show_the_newest_good_one(gemini, gemini_model):
    many = [LABELLED[0]] + [
        LabelledOutput({"dish": f"dish {i}"}, BAD, Label.BAD) for i in range(MAX_EXAMPLES + 5)
    ]
    gemini.enqueue(rules(good=["food"], bad=["alcohol"]), scores(*[0] * MAX_EXAMPLES))
    judge = build_judge(many, gemini_model)
    shown = read_blocks(prompt_of(gemini.requests[0]))["examples"]
    assert len(shown) == MAX_EXAMPLES
    assert [e["label"] for e in shown].count("good") == 1
    assert shown[-1]["inputs"] == {"dish": f"dish {MAX_EXAMPLES + 4}"}  # the newest bad one
    assert judge.accuracy == pytest.approx(1 - 1 / MAX_EXAMPLES)  # the good one scored 0


def test_pick_samples_prefers_critiqued_then_recent_distinct_inputs():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    runs = [
        SampleRun({"dish": "a"}, "o", critiqued=False, created_at=t0 + timedelta(hours=5)),
        SampleRun({"dish": "b"}, "o", critiqued=True, created_at=t0),
        SampleRun({"dish": "c"}, "o", critiqued=True, created_at=t0 + timedelta(hours=1)),
        SampleRun({"dish": "c"}, "o2", critiqued=True, created_at=t0 + timedelta(hours=2)),
        SampleRun({"dish": "d"}, "o", critiqued=False, created_at=t0 + timedelta(hours=1)),
    ]
    assert pick_samples(runs) == [{"dish": "c"}, {"dish": "b"}, {"dish": "a"}]
    assert pick_samples(runs, limit=1) == [{"dish": "c"}]
    assert pick_samples([]) == []
    naive = SampleRun({"dish": "n"}, "o", critiqued=True, created_at=datetime(2026, 2, 1))
    assert pick_samples([*runs, naive], limit=1) == [{"dish": "n"}]


def test_evaluate_runs_both_templates_and_scores_in_one_judge_call(offline):
    old = Template("Grocery list for {{dish}}.")
    new = Template("Grocery list for {{dish}}. No alcohol: no wine, no brandy.")
    judge = build_judge(LABELLED, offline)
    built = len(judge.calls)
    samples = [{"dish": "coq au vin"}, {"dish": "stew"}, {"other": "skipped"}]
    evaluation = evaluate(old, new, samples, offline, judge)
    assert [r.inputs for r in evaluation.rows] == [{"dish": "coq au vin"}, {"dish": "stew"}]
    row = evaluation.rows[0]
    assert "Grocery list for coq au vin." in row.before and "offline model" in row.before
    assert "No alcohol" in row.after and "No alcohol" not in row.before
    assert row.score_before is not None and row.score_after is not None
    purposes = [c.purpose for c in evaluation.calls]
    assert purposes == ["run"] * 4 + ["judge-score"]
    assert len(judge.calls) == built + 1
    assert evaluation.mean_before is not None and evaluation.mean_after is not None


def test_evaluate_without_judge_has_no_scores(offline):
    evaluation = evaluate(Template("A {{x}}"), Template("B {{x}}"), [{"x": "1"}], offline)
    [row] = evaluation.rows
    assert (row.score_before, row.score_after) == (None, None)
    assert evaluation.mean_after is None


def test_agreement_is_measured_on_labels_the_judge_never_saw(offline):
    from alignment.judge import JudgeError
    from alignment.judge_eval import hold_out, measure_agreement

    def lab(text: str, good: bool) -> LabelledOutput:
        return LabelledOutput({}, text, Label.GOOD if good else Label.BAD)

    labelled = [lab(f"sunny warm day {n}" if n % 2 else f"cold rain storm {n}", n % 2 == 1)
                for n in range(8)]  # fmt: skip
    build, held = hold_out(labelled)
    assert held == [labelled[3], labelled[7]] and len(build) == 6
    assert not set(map(id, build)) & set(map(id, held))
    result = measure_agreement(labelled, offline)
    assert result.trained_on == 6 and result.metrics.examples == 2
    assert (result.build_calls, result.eval_calls) == (2, 1)
    assert result.metrics.accuracy == 1.0  # both held-out runs share words only with their label
    with pytest.raises(JudgeError, match="at least 2 labelled runs"):
        measure_agreement(labelled[:1], offline)
