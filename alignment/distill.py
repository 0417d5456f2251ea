"""The distill step of a proposal: one principle per feedback item sent, in one call.

The answer's schema has one entry per feedback id (its key); a principle the model could not
phrase usably becomes the feedback's own words as an instruction, and says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from alignment import bounds, prompts, task_kept
from alignment.datablocks import data_block
from alignment.feedback import Feedback, FeedbackKind
from alignment.models.base import (
    JsonSchema,
)
from alignment.models.offline_text import principle_for
from alignment.principles import (
    CONFLICTS_WITH,
    MutationOp,
    Principle,
    PrincipleMutation,
    PrincipleStatus,
)
from alignment.proposal_calls import Calls
from alignment.schemas import DistillOutput, PrincipleOut
from alignment.structured import (
    StructuredFailure,
)
from alignment.template import Template

PRINCIPLE_CHARS = 160  # one short imperative sentence
_WORDS = re.compile(r"[\w']+")


def _principles_data(principles: Sequence[Principle]) -> list[dict[str, str]]:
    return [{"id": p.id, "text": p.text} for p in principles]


def one_line(text: str) -> str:
    """A principle as one guideline line: no line breaks, no placeholder syntax."""
    return " ".join(text.split()).replace("{{", "{ {").replace("}}", "} }")


# --- schemas, built per request -------------------------------------------------------------------


def entry_schema(active: Sequence[Principle]) -> JsonSchema:
    if not active:
        return bounds.obj(
            {"op": bounds.enum(["add", "none"]), "text": bounds.string(PRINCIPLE_CHARS)}
        )
    return bounds.obj(
        {
            "op": bounds.enum(["add", "edit", "retire", "none"]),
            "principle_id": bounds.ids_enum(["", *(p.id for p in active)]),
            "text": bounds.string(PRINCIPLE_CHARS),
            "conflicts_with": bounds.ids_enum(["", *(p.id for p in active)]),
        }
    )


def distill_schema(keyed: Sequence[Feedback], active: Sequence[Principle]) -> JsonSchema:
    """One entry per feedback id sent (its key), principle ids an enum of the active ones."""
    entry = entry_schema(active)
    return bounds.obj({"principles": bounds.obj({item.id: entry for item in keyed})})


# --- distill: one principle per feedback item -----------------------------------------------------


def distill_prompt(template: Template, active: Sequence[Principle], entries: list[Any]) -> str:
    return prompts.render(
        "distill",
        template=data_block("template", template.text),
        principles=data_block("principles", _principles_data(active)),
        feedback=data_block("feedback", entries),
        ids=", ".join(str(e["id"]) for e in entries if e.get("kind") != FeedbackKind.LABEL.value)
        or "(none)",
    )


def _copies(text: str, source: str | None, run: int = 6) -> bool:
    """Whether `text` repeats `run` consecutive words of `source` (a copy, not a principle)."""
    if not source:
        return False
    words = [w.casefold() for w in _WORDS.findall(text)]
    seen = " " + " ".join(w.casefold() for w in _WORDS.findall(source)) + " "
    return any(f" {' '.join(words[i : i + run])} " in seen for i in range(len(words) - run + 1))


def _principle_problem(text: str, item: Feedback) -> str | None:
    """Why a principle the model wrote for `item` is unusable, or None."""
    if not text:
        return "it is empty"
    if "{{" in text or "}}" in text:
        return "it contains placeholder syntax"
    if len(text.split()) < 3:
        return "it is not a sentence"
    if _copies(text, item.output):
        return "it copies the output instead of saying what to do"
    if _copies(text, prompts.text("distill_system"), run=3) and not _copies(text, item.text, 3):
        return "it copies the instructions' example instead of this feedback"
    if item.kind is FeedbackKind.REWRITE and _copies(text, item.text):
        return "it copies the corrected output instead of saying what it does differently"
    asked = task_kept.content_words(item.text)
    if (
        item.kind is not FeedbackKind.REWRITE
        and asked
        and not asked & task_kept.content_words(text)
    ):
        return "it keeps none of the feedback's own words"
    return None


def _own_words(item: Feedback, why: str) -> tuple[str, str]:
    text = one_line(principle_for(item.kind.value, item.text, item.output))
    return text, (
        f"the alignment model's principle was unusable ({why}); this is the feedback's own "
        "words as an instruction"
    )


class Mutations:
    """Collects mutations, merging those that land on the same principle."""

    def __init__(self, active: Sequence[Principle]) -> None:
        self.by_id = {p.id: p for p in active}
        self.by_text = {p.text.casefold(): p.id for p in active}
        self.items: dict[tuple[str, str], PrincipleMutation] = {}
        self.own_words = 0

    def add(
        self, op: MutationOp, item_id: str, text: str, pid: str, reason: str, conflict: str = ""
    ) -> None:
        if op is MutationOp.ADD and text.casefold() in self.by_text:
            op, pid = MutationOp.EDIT, self.by_text[text.casefold()]  # already a principle
        key = (op.value, pid if op is not MutationOp.ADD else text.casefold())
        if key in self.items:
            old = self.items[key]
            ids = tuple(dict.fromkeys((*old.feedback_ids, item_id)))
            self.items[key] = replace(old, feedback_ids=ids)
            return
        said = conflict in self.by_id and op is not MutationOp.RETIRE and conflict != pid
        self.items[key] = PrincipleMutation(
            op=op,
            feedback_ids=(item_id,),
            text=text if op is not MutationOp.RETIRE else None,
            principle_id=None if op is MutationOp.ADD else pid,
            reason=reason,
            extra={CONFLICTS_WITH: conflict} if said else {},
        )

    def result(self) -> list[PrincipleMutation]:
        out: list[PrincipleMutation] = []
        added = 0
        for m in self.items.values():
            if m.op is MutationOp.ADD:
                added += 1
                extra = {**m.extra, "provisional_id": f"new-{added}"}
                m = PrincipleMutation(m.op, m.feedback_ids, m.text, None, m.reason, extra)
            out.append(m)
        return out


def _mutations_from(
    parsed: DistillOutput | None,
    keyed: Sequence[Feedback],
    active: Sequence[Principle],
    failure: str | None,
    model_name: str,
) -> Mutations:
    collected = Mutations(active)
    for item in keyed:
        entry: PrincipleOut | None = parsed.principles.get(item.id) if parsed else None
        if entry is None:
            text, reason = _own_words(item, failure or "it gave no principle for this feedback")
        elif entry.op == "none":
            continue
        elif entry.op == "retire":
            if entry.principle_id in collected.by_id:
                collected.add(
                    MutationOp.RETIRE, item.id, "", entry.principle_id, f"retired by {item.id}"
                )
            continue
        else:
            problem = _principle_problem(" ".join(entry.text.split()), item)
            text = one_line(entry.text)
            if problem is None:
                reason = f"from the {item.kind.value} {item.id}, phrased by the {model_name} model"
            else:
                text, reason = _own_words(item, problem)
        if not text:
            continue
        if reason.startswith("the alignment model's principle was unusable"):
            collected.own_words += 1
        editing = entry is not None and entry.op == "edit" and entry.principle_id in collected.by_id
        conflict = entry.conflicts_with if entry is not None else ""
        if editing and entry is not None:
            collected.add(MutationOp.EDIT, item.id, text, entry.principle_id, reason, conflict)
        else:
            collected.add(MutationOp.ADD, item.id, text, "", reason, conflict)
    return collected


def distill(
    template: Template,
    active: Sequence[Principle],
    sent: Sequence[tuple[Feedback, dict[str, Any]]],
    run: Calls,
) -> Mutations:
    keyed = [item for item, _ in sent if item.kind is not FeedbackKind.LABEL]
    if not keyed:  # labels only weigh other feedback: nothing to turn into a principle
        return Mutations(active)
    prompt = distill_prompt(template, active, [data for _, data in sent])
    try:
        parsed: DistillOutput = run.ask(
            "distill", prompt, DistillOutput, distill_schema(keyed, active), lambda _: None
        )
    except StructuredFailure as exc:
        failure = f"its answer was unusable: {exc.reason}"
        return _mutations_from(None, keyed, active, failure, run.model.name)
    return _mutations_from(parsed, keyed, active, None, run.model.name)


def apply_mutations(
    active: Sequence[Principle], mutations: Sequence[PrincipleMutation]
) -> list[Principle]:
    """The active principle set after `mutations`; added principles get ids new-1, new-2, …

    A mutation that conflicts with an active principle is held back: the team settles the
    conflict (retires one of the two) before the new text is followed."""
    result = {p.id: p for p in active if p.status is PrincipleStatus.ACTIVE}
    for n, m in enumerate(mutations, 1):
        if m.conflicts_with and m.conflicts_with in result:
            continue
        if m.op is MutationOp.ADD:
            new_id = m.extra.get("provisional_id") or f"new-{n}"
            result[new_id] = Principle(new_id, m.text or "", feedback_ids=m.feedback_ids)
        elif m.op is MutationOp.EDIT and m.principle_id in result:
            old = result[m.principle_id]
            ids = tuple(dict.fromkeys(old.feedback_ids + m.feedback_ids))
            result[old.id] = Principle(old.id, m.text or old.text, old.status, old.origin, ids)
        elif m.op is MutationOp.RETIRE:
            result.pop(m.principle_id or "", None)
    return list(result.values())


# --- rewrite: one call, checked, else the Guidelines section --------------------------------------
