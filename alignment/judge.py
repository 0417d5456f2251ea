"""A judge built from the team's labelled runs: a rule book per label, refined from its mistakes.

The library's classifier made hundreds of sequential calls; this one builds its rule books in one
call, checks them blind against the labelled runs in one batched scoring call, and keeps the runs
it misjudged as worked cases for every later scoring. It only scores; it never approves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from alignment import prompts
from alignment.datablocks import data_block
from alignment.feedback import Label
from alignment.models.base import LLMRequest, ModelClient
from alignment.schemas import JudgeRulesOutput, JudgeScoresOutput
from alignment.structured import StructuredFailure, call_structured
from alignment.usage import CallStats

MAX_EXAMPLES = 40
MAX_CHARS = 800


class JudgeError(ValueError):
    """The judge cannot be built or could not score; the message says why."""


@dataclass(frozen=True)
class LabelledOutput:
    inputs: Mapping[str, str]
    output: str
    label: Label


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 15] + " …[truncated]"


def _item(index: int, inputs: Mapping[str, str], output: str) -> dict[str, Any]:
    shown = {k: _cut(str(v)) for k, v in inputs.items()}
    return {"index": index, "inputs": shown, "output": _cut(output)}


@dataclass
class Judge:
    model: ModelClient
    rule_books: dict[str, list[str]]
    hard_cases: list[dict[str, Any]] = field(default_factory=list)
    calls: list[CallStats] = field(default_factory=list)  # every call made, building included
    accuracy: float | None = None  # share of labelled runs the rule books judged right, blind

    def score(self, inputs: Mapping[str, str], output: str) -> float:
        return self.score_many([(inputs, output)])[0]

    def score_many(self, items: Sequence[tuple[Mapping[str, str], str]]) -> list[float]:
        """Scores in [0, 1] for all items, in one call (plus at most one repair)."""
        if not items:
            return []
        request = LLMRequest(
            system=prompts.text("judge_score_system"),
            prompt=prompts.render(
                "judge_score",
                rule_books=data_block(
                    "rule_books", [{"label": k, "rules": v} for k, v in self.rule_books.items()]
                ),
                hard_cases=data_block("hard_cases", self.hard_cases),
                items=data_block("items", [_item(i, x, o) for i, (x, o) in enumerate(items)]),
            ),
            schema=JudgeScoresOutput,
            temperature=0.0,
            purpose="judge-score",
        )
        wanted = set(range(len(items)))

        def check(parsed: JudgeScoresOutput) -> str | None:
            got = {s.index for s in parsed.scores}
            if got != wanted:
                missing = sorted(wanted - got)
                extra = sorted(got - wanted)
                return (
                    f"scores must cover item indexes 0..{len(items) - 1} exactly once"
                    + (f"; missing {missing}" if missing else "")
                    + (f"; unknown {extra}" if extra else "")
                )
            return None

        try:
            parsed = call_structured(self.model, request, check, self.calls)
        except StructuredFailure as exc:
            raise JudgeError(f"the judge could not score: {exc.reason}") from None
        by_index = {s.index: min(1.0, max(0.0, s.score)) for s in parsed.scores}
        return [by_index[i] for i in range(len(items))]


def _require_both_labels(labelled: Sequence[LabelledOutput]) -> None:
    """A judge that has seen one kind of label only scores everything alike: refuse to build it."""
    good = sum(1 for e in labelled if e.label is Label.GOOD)
    bad = len(labelled) - good
    if not good or not bad:
        raise JudgeError(
            "the judge needs at least one 👍 and one 👎 run to compare against "
            f"(it has {bad} 👎, {good} 👍)"
        )


def _pick_examples(labelled: Sequence[LabelledOutput]) -> list[LabelledOutput]:
    """The newest MAX_EXAMPLES, keeping the newest of each label so both are always shown."""
    if len(labelled) <= MAX_EXAMPLES:
        return list(labelled)
    keep = set(range(len(labelled) - MAX_EXAMPLES, len(labelled)))
    for label in Label:
        if not any(labelled[i].label is label for i in keep):
            newest = max(i for i, e in enumerate(labelled) if e.label is label)
            keep.discard(min(i for i in keep if labelled[i].label is not label))
            keep.add(newest)
    return [labelled[i] for i in sorted(keep)]


def build_judge(labelled: Sequence[LabelledOutput], model: ModelClient) -> Judge:
    """One call for the rule books, one blind scoring call to find their mistakes.

    Needs both a good and a bad labelled run: with one kind only every output would score alike."""
    _require_both_labels(labelled)
    examples = _pick_examples(labelled)
    labels = sorted({e.label.value for e in examples})
    shown = [
        {**_item(i, e.inputs, e.output), "label": e.label.value} for i, e in enumerate(examples)
    ]
    request = LLMRequest(
        system=prompts.text("judge_rules_system"),
        prompt=prompts.render(
            "judge_rules",
            labels=", ".join(labels),
            examples=data_block("examples", shown),
        ),
        schema=JudgeRulesOutput,
        temperature=0.0,
        purpose="judge-rules",
    )

    def check(parsed: JudgeRulesOutput) -> str | None:
        missing = [label for label in labels if label not in {b.label for b in parsed.rule_books}]
        if missing:
            return f"no rule book for label(s) {', '.join(missing)}"
        return None

    calls: list[CallStats] = []
    try:
        parsed = call_structured(model, request, check, calls)
    except StructuredFailure as exc:
        raise JudgeError(f"the judge's rule books could not be built: {exc.reason}") from None
    judge = Judge(
        model=model,
        rule_books={b.label: list(b.rules) for b in parsed.rule_books if b.label in labels},
        calls=calls,
    )
    scores = judge.score_many([(e.inputs, e.output) for e in examples])
    wrong = [
        e for e, s in zip(examples, scores, strict=True) if (s >= 0.5) != (e.label is Label.GOOD)
    ]
    judge.accuracy = 1 - len(wrong) / len(examples)
    judge.hard_cases = [
        {"inputs": dict(e.inputs), "output": _cut(e.output), "label": e.label.value} for e in wrong
    ]
    return judge
