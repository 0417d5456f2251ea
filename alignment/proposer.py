"""Turn pending feedback (and principles) into one proposed template, in a bounded number of calls.

Principles workflow: one distill call (feedback -> one principle per feedback item) and one
rewrite call (active principles -> template). Direct workflow: one rewrite call from the feedback.
A proposal has one repair call for all its calls, so it makes at most three. Each request's JSON
schema is built from what was sent (alignment/bounds.py) and its prompt fits the model's context
window. Where a small model's answer still fails the engine's checks, the step falls back to what
the offline model does, deterministically and saying so: a principle the model could not phrase
is the feedback's own words as an instruction, and a rewrite that lost a placeholder or the
template's task (alignment/task_kept.py) becomes the current template with a Guidelines section
listing the active principles (direct workflow: the feedback's instructions), so that what the
team asked for always reaches the template. Nothing is applied here: the result describes the
change; storage applies it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from alignment import bounds, prompts, rewrite_check, task_kept
from alignment.datablocks import data_block
from alignment.feedback import Feedback, FeedbackKind
from alignment.feedback_batch import Selection, select
from alignment.models.base import (
    JsonSchema,
    LLMRequest,
    ModelClient,
    ModelError,
    context_window_of,
    estimate_tokens_high,
)
from alignment.models.offline_text import guidelines_of, principle_for, with_guidelines
from alignment.principles import (
    CONFLICTS_WITH,
    MutationOp,
    Principle,
    PrincipleMutation,
    PrincipleStatus,
)
from alignment.schemas import DistillOutput, PrincipleOut, RewriteOutput
from alignment.structured import (
    Repairs,
    StructuredFailure,
    call_structured,
    call_structured_many,
)
from alignment.template import Template
from alignment.textdiff import unified_diff
from alignment.usage import CallStats
from alignment.vocabulary import Workflow

PRINCIPLE_CHARS = 160  # one short imperative sentence
RATIONALE_CHARS = 300
MARGIN_TOKENS = 64  # chat-template tokens and rounding, on top of the estimates
DEFAULT_SEED = 0


class ProposalFailed(Exception):
    """No proposal could be made; `reason` is written for the team (shown in Slack)."""

    def __init__(self, reason: str, calls: Sequence[CallStats] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.calls = list(calls)


@dataclass(frozen=True)
class Candidate:
    """One competing template of a proposal (the first is the proposal's own text)."""

    template: Template
    rationale: str
    diff: str


@dataclass
class ProposalResult:
    template: Template
    rationale: str
    mutations: list[PrincipleMutation]
    principles_after: list[Principle]
    used_feedback_ids: list[str]
    calls: list[CallStats]
    diff: str
    workflow: Workflow = Workflow.PRINCIPLES
    fallback: str | None = None  # why the template was built without the model, if it was
    # Every candidate, the first being `template`; one unless more were asked for. Fewer than
    # asked when the model's answers repeated one another.
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def conflicts(self) -> list[PrincipleMutation]:
        """Mutations that contradict an active principle: shown, held back, for the team."""
        return [m for m in self.mutations if m.conflicts_with]

    repairs: int = 0  # repair calls spent (at most one per proposal)


def _principles_data(principles: Sequence[Principle]) -> list[dict[str, str]]:
    return [{"id": p.id, "text": p.text} for p in principles]


def _one_line(text: str) -> str:
    """A principle as one guideline line: no line breaks, no placeholder syntax."""
    return " ".join(text.split()).replace("{{", "{ {").replace("}}", "} }")


# --- schemas, built per request -------------------------------------------------------------------


def _entry_schema(active: Sequence[Principle]) -> JsonSchema:
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
    entry = _entry_schema(active)
    return bounds.obj({"principles": bounds.obj({item.id: entry for item in keyed})})


def rewrite_schema(template_chars: int) -> JsonSchema:
    return bounds.obj(
        {
            "template": bounds.string(template_chars),
            "rationale": bounds.string(RATIONALE_CHARS),
        }
    )


def template_room(template: Template, requests: int) -> int:
    """How long a rewrite may be: the template, a quarter more, and a sentence or two for each
    principle or feedback item it must work in. A small model that loops is stopped there."""
    return min(16000, len(template.text) * 5 // 4 + 120 * max(1, requests) + 200)


# --- one proposal's calls -------------------------------------------------------------------------


@dataclass
class _Calls:
    """What every call of one proposal shares: the model, its context window, the seed, the one
    repair, and the record of what was spent."""

    model: ModelClient
    window: int | None
    seed: int | None
    calls: list[CallStats]
    repairs: Repairs

    def room(self, text: str) -> int | None:
        """Tokens left for the answer after `text`, or None when the window is unknown."""
        if self.window is None:
            return None
        return self.window - estimate_tokens_high(text) - MARGIN_TOKENS

    def too_long(self, what: str, text: str, answer_tokens: int) -> ProposalFailed:
        return ProposalFailed(
            f"{what} (about {estimate_tokens_high(text) + answer_tokens} tokens with the answer) "
            f"does not fit {self.model.name}'s context window of {self.window} tokens; use a "
            "model with a larger context or a shorter template",
            self.calls,
        )

    def request(
        self,
        name: str,
        prompt: str,
        parse: type[Any],
        schema: JsonSchema,
        *,
        temperature: float = 0.2,
        answers: int = 1,
    ) -> LLMRequest:
        """A bounded request for `name` that fits the context window (else ProposalFailed)."""
        system = prompts.text(f"{name}_system")
        max_tokens = bounds.max_tokens_for(schema)
        room = self.room(system + prompt)
        if room is not None and room < max_tokens:
            raise self.too_long(f"the {name} prompt", system + prompt, max_tokens)
        return LLMRequest(
            system=system,
            prompt=prompt,
            schema=parse,
            temperature=temperature,
            purpose=name,
            json_schema=schema,
            max_tokens=max_tokens,
            seed=self.seed,
            answers=answers,
        )

    def ask(
        self,
        name: str,
        prompt: str,
        parse: type[Any],
        schema: JsonSchema,
        check: Callable[[Any], str | None],
    ) -> Any:
        request = self.request(name, prompt, parse, schema)
        return call_structured(self.model, request, check, self.calls, repairs=self.repairs)


# --- distill: one principle per feedback item -----------------------------------------------------


def _distill_prompt(template: Template, active: Sequence[Principle], entries: list[Any]) -> str:
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
    text = _one_line(principle_for(item.kind.value, item.text, item.output))
    return text, (
        f"the alignment model's principle was unusable ({why}); this is the feedback's own "
        "words as an instruction"
    )


class _Mutations:
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
) -> _Mutations:
    collected = _Mutations(active)
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
            text = _one_line(entry.text)
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


def _distill(
    template: Template,
    active: Sequence[Principle],
    sent: Sequence[tuple[Feedback, dict[str, Any]]],
    run: _Calls,
) -> _Mutations:
    keyed = [item for item, _ in sent if item.kind is not FeedbackKind.LABEL]
    if not keyed:  # labels only weigh other feedback: nothing to turn into a principle
        return _Mutations(active)
    prompt = _distill_prompt(template, active, [data for _, data in sent])
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


_WORDS = re.compile(r"[\w']+")


def _rewrite(
    template: Template,
    name: str,
    data: dict[str, Any],
    asked: Sequence[str],
    must_change: bool,
    run: _Calls,
    requests: int,
    count: int = 1,
    others: Sequence[str] = (),
) -> list[RewriteOutput]:
    """`count` distinct rewrites (one call for all where the provider can, else one each);
    `others` are candidates made earlier, which a new one must differ from. `requests`: how
    many principles or feedback items the rewrite must work in."""
    prompt = prompts.render(
        name,
        template=data_block("template", template.text),
        placeholders=rewrite_check.placeholders(template),
        **{key: data_block(key, value) for key, value in data.items()},
    )
    chars = template_room(template, requests)
    room = run.room(prompts.text(f"{name}_system") + prompt)
    if room is not None:  # fit the answer into what the context leaves
        fits = int((room - bounds.max_tokens_for(rewrite_schema(1))) * bounds.CHARS_PER_TOKEN / 1.1)
        chars = min(chars, fits)
        if chars < len(template.text) + 40:
            need = bounds.max_tokens_for(rewrite_schema(len(template.text)))
            raise run.too_long(f"the {name} prompt", prompt, need)
    check = rewrite_check.checker(template, asked, must_change)
    schema = rewrite_schema(chars)

    def variant(number: int, so_far: Sequence[str]) -> LLMRequest:
        extra = prompts.render(
            "candidate_variant",
            number=str(number),
            others=data_block("other_candidates", list(so_far)),
        )
        # a second candidate worth voting on needs some variety
        return run.request(name, f"{prompt}\n\n{extra}", RewriteOutput, schema, temperature=0.8)

    if others:  # one more candidate, different from those the vote already has
        one = variant(len(others) + 1, others)
        return [call_structured(run.model, one, check, run.calls, repairs=run.repairs)]
    if count == 1:
        return [run.ask(name, prompt, RewriteOutput, schema, check)]
    many = run.request(name, prompt, RewriteOutput, schema, temperature=0.8, answers=count)
    return call_structured_many(
        run.model,
        many,
        check,
        run.calls,
        lambda n, so_far: variant(n, [a.template for a in so_far]),
        key=lambda answer: answer.template.strip(),
    )


def _fallback_text(template: Template, lines: Sequence[str]) -> str:
    return with_guidelines(template.text, [_one_line(line) for line in lines if line.strip()])


def _direct_lines(template: Template, sent: Sequence[tuple[Feedback, dict[str, Any]]]) -> list[str]:
    items = guidelines_of(template.text)
    seen = {item.casefold() for item in items}
    for item, _ in sent:
        text = _one_line(principle_for(item.kind.value, item.text, item.output))
        if text and text.casefold() not in seen:
            items.append(text)
            seen.add(text.casefold())
    return items


def propose(
    template: Template,
    feedback: Sequence[Feedback],
    principles: Sequence[Principle],
    *,
    workflow: Workflow | str,
    model: ModelClient,
    budget_tokens: int = 6000,
    seed: int | None = DEFAULT_SEED,
    context_tokens: int | None = None,
    candidates: int = 1,
    others: Sequence[str] = (),
) -> ProposalResult:
    """Propose a new template. Raises ProposalFailed with a reason; never returns half a result.

    `budget_tokens` caps the feedback sent; the model's context window (`context_tokens`, else
    what its client reports) caps it further. `seed` is sent with every call (None: none).
    With `candidates` above 1 the result carries up to that many competing templates for the
    team to vote on; with `others` (the templates a vote already has) it carries one more,
    different from them."""
    if not 1 <= candidates <= 4:
        raise ValueError(f"candidates must be 1 to 4, not {candidates}")
    try:
        workflow = Workflow(workflow)
    except ValueError:
        raise ValueError(f"workflow must be 'principles' or 'direct', not {workflow!r}") from None
    if budget_tokens < 1:
        raise ValueError(f"budget_tokens must be positive, not {budget_tokens}")
    active = [p for p in principles if p.status is PrincipleStatus.ACTIVE]
    run = _Calls(model, context_tokens or context_window_of(model), seed, [], Repairs(1))
    mutations: list[PrincipleMutation] = []
    after = list(active)
    fallback: str | None = None
    notes: list[str] = []
    try:
        if workflow is Workflow.DIRECT:
            selection = _select(feedback, budget_tokens, run, template, active, workflow)
            sent = selection.sent
            if not sent:
                raise ProposalFailed(
                    "nothing to propose: no pending feedback (the direct workflow rewrites the "
                    "template from feedback)"
                )
            asked = [item.text for item, _ in sent]
            try:
                rewrites = _rewrite(
                    template,
                    "direct",
                    {"feedback": [d for _, d in sent]},
                    asked,
                    True,
                    run,
                    len(sent),
                    candidates,
                    others,
                )
            except StructuredFailure as exc:
                fallback = f"the alignment model's rewrite was unusable: {exc.reason}"
                rewrites = [
                    RewriteOutput(
                        template=_fallback_text(template, _direct_lines(template, sent)),
                        rationale=f"{fallback}. Instead, the feedback's own words were added to "
                        "the template's Guidelines section as instructions.",
                    )
                ]
        else:
            selection = _select(feedback, budget_tokens, run, template, active, workflow)
            sent = selection.sent
            if not sent and not active:
                raise ProposalFailed("nothing to propose: no pending feedback and no principles")
            if sent:
                collected = _distill(template, active, sent, run)
                # a principle for a group's lead is credited to everyone in the group
                mutations = [
                    replace(m, feedback_ids=selection.credited(m.feedback_ids))
                    for m in collected.result()
                ]
                after = apply_mutations(active, mutations)
                if collected.own_words:
                    notes.append(
                        f"{collected.own_words} principle(s) are the feedback's own words: the "
                        "alignment model's were unusable."
                    )
            if not after:
                raise ProposalFailed(
                    f"nothing to propose: the {len(sent)} feedback item(s) produced no principle "
                    "and no principle is active",
                    run.calls,
                )
            asked = [p.text for p in after]
            try:
                rewrites = _rewrite(
                    template,
                    "rewrite",
                    # texts only: a small model copies ids such as new-1 into the template
                    {"principles": [p.text for p in after]},
                    asked + [item.text for item, _ in sent],
                    bool(mutations),
                    run,
                    len(after),
                    candidates,
                    others,
                )
            except StructuredFailure as exc:
                fallback = f"the alignment model's rewrite was unusable: {exc.reason}"
                rewrites = [
                    RewriteOutput(
                        template=_fallback_text(template, [p.text for p in after]),
                        rationale=f"{fallback}. Instead, the template's Guidelines section now "
                        f"lists the {len(after)} active principle(s) word for word.",
                    )
                ]
    except ModelError as exc:
        raise ProposalFailed(f"the alignment model failed: {exc}", run.calls) from exc
    made = [
        Candidate(
            Template(r.template),
            " ".join([r.rationale.strip()[: RATIONALE_CHARS * 2], *notes]).strip(),
            unified_diff(template.text, r.template),
        )
        for r in rewrites
        if r.template.strip() != template.text.strip()
        and r.template.strip() not in {o.strip() for o in others}
    ]
    if not made:
        raise ProposalFailed(
            "the rewrite made no change: the template already follows the feedback and "
            "principles, as far as the alignment model can tell"
            if not others
            else "the alignment model's new candidate repeated one the vote already has",
            run.calls,
        )
    return ProposalResult(
        template=made[0].template,
        rationale=made[0].rationale,
        candidates=made,
        mutations=mutations,
        principles_after=after,
        used_feedback_ids=selection.used_ids,
        calls=run.calls,
        diff=made[0].diff,
        workflow=workflow,
        fallback=fallback,
        repairs=run.repairs.used,
    )


def _select(
    feedback: Sequence[Feedback],
    budget_tokens: int,
    run: _Calls,
    template: Template,
    active: Sequence[Principle],
    workflow: Workflow,
) -> Selection:
    """The feedback to send: within `budget_tokens` and what the context window leaves."""
    if workflow is Workflow.DIRECT:
        name = "direct"
        base = prompts.render(
            "direct",
            template=data_block("template", template.text),
            placeholders=rewrite_check.placeholders(template),
            feedback=data_block("feedback", []),
        )
        answer = bounds.max_tokens_for(rewrite_schema(template_room(template, len(feedback))))
        # (all the feedback counted: the room is only smaller once some is left out)
        per_item = 0
    else:
        name = "distill"
        base = _distill_prompt(template, active, [])
        answer = bounds.max_tokens_for(distill_schema([], active))
        entry = _entry_schema(active)
        per_item = bounds.max_tokens_for(entry) - 20  # its key and entry in the answer
    room = run.room(prompts.text(f"{name}_system") + base)
    if room is None:  # no window to fit: the budget alone bounds what is sent
        return select(feedback, budget_tokens)
    if room is not None:
        if room - answer < 1:
            raise run.too_long(f"the {name} prompt", base, answer)
        # select() counts 4 characters a token, the room 3: scale so the chosen items fit
        budget_tokens = min(budget_tokens, (room - answer) * 3 // 4)
    return select(feedback, budget_tokens, per_item_tokens=per_item)


__all__ = [
    "Candidate",
    "ProposalFailed",
    "ProposalResult",
    "Workflow",
    "apply_mutations",
    "distill_schema",
    "propose",
    "rewrite_schema",
]
