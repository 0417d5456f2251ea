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
change; storage applies it. The distill step is alignment/distill.py; what every call shares,
alignment/proposal_calls.py; here are the rewrite step and the proposal as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from alignment import bounds, prompts, rewrite_check
from alignment.datablocks import data_block
from alignment.distill import (
    apply_mutations,
    distill,
    distill_prompt,
    distill_schema,
    entry_schema,
    one_line,
)
from alignment.feedback import Feedback
from alignment.feedback_batch import Selection, select
from alignment.models.base import (
    JsonSchema,
    LLMRequest,
    ModelClient,
    ModelError,
    context_window_of,
)
from alignment.models.offline_text import guidelines_of, principle_for, with_guidelines
from alignment.principles import (
    Principle,
    PrincipleMutation,
    PrincipleStatus,
)
from alignment.proposal_calls import Calls, ProposalFailed
from alignment.schemas import RewriteOutput
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

RATIONALE_CHARS = 300
DEFAULT_SEED = 0


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


def _rewrite(
    template: Template,
    name: str,
    data: dict[str, Any],
    asked: Sequence[str],
    must_change: bool,
    run: Calls,
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


def _guidelines_instead(
    template: Template, lines: Sequence[str], failure: StructuredFailure, instead: str
) -> tuple[str, list[RewriteOutput]]:
    """When the rewrite was unusable: the current template with `lines` as its Guidelines
    section, what went wrong (the proposal's `fallback`) and the rationale saying so."""
    fallback = f"the alignment model's rewrite was unusable: {failure.reason}"
    text = with_guidelines(template.text, [one_line(line) for line in lines if line.strip()])
    return fallback, [RewriteOutput(template=text, rationale=f"{fallback}. Instead, {instead}.")]


def _direct_lines(template: Template, sent: Sequence[tuple[Feedback, dict[str, Any]]]) -> list[str]:
    items = guidelines_of(template.text)
    seen = {item.casefold() for item in items}
    for item, _ in sent:
        text = one_line(principle_for(item.kind.value, item.text, item.output))
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
    run = Calls(model, context_tokens or context_window_of(model), seed, [], Repairs(1))
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
                fallback, rewrites = _guidelines_instead(
                    template,
                    _direct_lines(template, sent),
                    exc,
                    "the feedback's own words were added to the template's Guidelines section "
                    "as instructions",
                )
        else:
            selection = _select(feedback, budget_tokens, run, template, active, workflow)
            sent = selection.sent
            if not sent and not active:
                raise ProposalFailed("nothing to propose: no pending feedback and no principles")
            if sent:
                collected = distill(template, active, sent, run)
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
                fallback, rewrites = _guidelines_instead(
                    template,
                    [p.text for p in after],
                    exc,
                    f"the template's Guidelines section now lists the {len(after)} active "
                    "principle(s) word for word",
                )
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
    run: Calls,
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
        base = distill_prompt(template, active, [])
        answer = bounds.max_tokens_for(distill_schema([], active))
        entry = entry_schema(active)
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
    "propose",
    "rewrite_schema",
]
