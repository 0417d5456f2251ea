"""Turn pending feedback (and principles) into one proposed template, in a bounded number of calls.

Principles workflow: one distill call (feedback -> principle mutations) and one rewrite call
(active principles -> template). Direct workflow: one rewrite call from the feedback. Each call may
get one repair. Nothing is applied here: the result describes the change; storage applies it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from alignment import prompts
from alignment.datablocks import data_block
from alignment.feedback import Feedback
from alignment.feedback_batch import select
from alignment.models.base import LLMRequest, ModelClient, ModelError
from alignment.principles import (
    MutationOp,
    Principle,
    PrincipleMutation,
    PrincipleStatus,
)
from alignment.schemas import DistillOutput, RewriteOutput
from alignment.structured import StructuredFailure, call_structured, call_structured_many
from alignment.template import Template, TemplateError
from alignment.textdiff import unified_diff
from alignment.usage import CallStats
from alignment.vocabulary import Workflow


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
    # Every candidate, the first being `template`; one unless more were asked for. Fewer than
    # asked when the model's answers repeated one another.
    candidates: list[Candidate] = field(default_factory=list)


def _principles_data(principles: Sequence[Principle]) -> list[dict[str, str]]:
    return [{"id": p.id, "text": p.text} for p in principles]


def _placeholders(template: Template) -> str:
    return ", ".join("{{" + v + "}}" for v in template.variables) or "(none)"


def _check_mutations(
    active: Sequence[Principle], sent_ids: set[str]
) -> Callable[[DistillOutput], str | None]:
    known = {p.id for p in active}

    def check(parsed: DistillOutput) -> str | None:
        problems: list[str] = []
        touched: set[str] = set()
        for n, m in enumerate(parsed.mutations, 1):
            where = f"change {n} ({m.op})"
            bad_ids = [i for i in m.feedback_ids if i not in sent_ids]
            if not m.feedback_ids:
                problems.append(f"{where} cites no feedback id")
            elif bad_ids:
                problems.append(f"{where} cites unknown feedback id(s) {', '.join(bad_ids)}")
            if m.op != "add":
                if m.principle_id not in known:
                    problems.append(f"{where} refers to unknown principle id {m.principle_id!r}")
                elif m.principle_id in touched:
                    problems.append(f"{where} changes principle {m.principle_id} a second time")
                touched.add(m.principle_id)
            if m.op != "retire" and not m.text.strip():
                problems.append(f"{where} has no principle text")
        return "; ".join(problems) or None

    return check


def _check_rewrite(old: Template) -> Callable[[RewriteOutput], str | None]:
    def check(parsed: RewriteOutput) -> str | None:
        if not parsed.template.strip():
            return "the new template is empty"
        try:
            new = Template(parsed.template)
        except TemplateError as exc:
            return f"the new template has a syntax error: {exc}"
        dropped = [v for v in old.variables if v not in new.variables]
        invented = [v for v in new.variables if v not in old.variables]
        if not dropped and not invented:
            return None
        parts = []
        if dropped:
            parts.append("dropped " + ", ".join("{{" + v + "}}" for v in dropped))
        if invented:
            parts.append("invented " + ", ".join("{{" + v + "}}" for v in invented))
        return (
            f"the new template {' and '.join(parts)}; it must use exactly these placeholders: "
            f"{_placeholders(old)}"
        )

    return check


def apply_mutations(
    active: Sequence[Principle], mutations: Sequence[PrincipleMutation]
) -> list[Principle]:
    """The active principle set after `mutations`; added principles get ids new-1, new-2, …"""
    result = {p.id: p for p in active if p.status is PrincipleStatus.ACTIVE}
    for n, m in enumerate(mutations, 1):
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


def _distill(
    template: Template,
    active: Sequence[Principle],
    sent: Sequence[tuple[Feedback, dict[str, Any]]],
    model: ModelClient,
    calls: list[CallStats],
) -> list[PrincipleMutation]:
    request = LLMRequest(
        system=prompts.text("distill_system"),
        prompt=prompts.render(
            "distill",
            template=data_block("template", template.text),
            principles=data_block("principles", _principles_data(active)),
            feedback=data_block("feedback", [data for _, data in sent]),
        ),
        schema=DistillOutput,
        temperature=0.2,
        purpose="distill",
    )
    sent_ids = {item.id for item, _ in sent}
    parsed = call_structured(model, request, _check_mutations(active, sent_ids), calls)
    mutations = []
    added = 0
    for m in parsed.mutations:
        op = MutationOp(m.op)
        extra = {}
        if op is MutationOp.ADD:
            added += 1
            extra = {"provisional_id": f"new-{added}"}
        mutations.append(
            PrincipleMutation(
                op=op,
                feedback_ids=tuple(dict.fromkeys(m.feedback_ids)),
                text=m.text.strip() or None,
                principle_id=None if op is MutationOp.ADD else m.principle_id,
                reason=m.reason,
                extra=extra,
            )
        )
    return mutations


def _rewrite(
    template: Template,
    prompt_name: str,
    data_name: str,
    data: object,
    model: ModelClient,
    calls: list[CallStats],
    count: int = 1,
    others: Sequence[str] = (),
) -> list[RewriteOutput]:
    """`count` distinct rewrites (one call for all where the provider can, else one each);
    `others` are candidates made earlier, which a new one must differ from."""
    prompt = prompts.render(
        prompt_name,
        template=data_block("template", template.text),
        placeholders=_placeholders(template),
        **{data_name: data_block(data_name, data)},
    )

    def variant(number: int, so_far: Sequence[str]) -> LLMRequest:
        return LLMRequest(
            system=prompts.text(f"{prompt_name}_system"),
            prompt=prompt
            + "\n\n"
            + prompts.render(
                "candidate_variant",
                number=str(number),
                others=data_block("other_candidates", list(so_far)),
            ),
            schema=RewriteOutput,
            temperature=0.8,  # a second candidate worth voting on needs some variety
            purpose=prompt_name,
        )

    check = _check_rewrite(template)
    if others:  # one more candidate, different from those the vote already has
        return [call_structured(model, variant(len(others) + 1, others), check, calls)]
    request = LLMRequest(
        system=prompts.text(f"{prompt_name}_system"),
        prompt=prompt,
        schema=RewriteOutput,
        temperature=0.2 if count == 1 else 0.8,
        purpose=prompt_name,
        answers=count,
    )
    if count == 1:
        return [call_structured(model, request, check, calls)]
    return call_structured_many(
        model,
        request,
        check,
        calls,
        lambda n, so_far: variant(n, [a.template for a in so_far]),
        key=lambda answer: answer.template.strip(),
    )


def propose(
    template: Template,
    feedback: Sequence[Feedback],
    principles: Sequence[Principle],
    *,
    workflow: Workflow | str,
    model: ModelClient,
    budget_tokens: int = 6000,
    candidates: int = 1,
    others: Sequence[str] = (),
) -> ProposalResult:
    """Propose a new template. Raises ProposalFailed with a reason; never returns half a result.

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
    selection = select(feedback, budget_tokens)
    sent = selection.sent
    calls: list[CallStats] = []
    mutations: list[PrincipleMutation] = []
    after = list(active)
    try:
        if workflow is Workflow.DIRECT:
            if not sent:
                raise ProposalFailed(
                    "nothing to propose: no pending feedback (the direct workflow rewrites the "
                    "template from feedback)"
                )
            rewrites = _rewrite(
                template, "direct", "feedback", [d for _, d in sent], model, calls, candidates,
                others,
            )  # fmt: skip
        else:
            if not sent and not active:
                raise ProposalFailed("nothing to propose: no pending feedback and no principles")
            if sent:
                mutations = [
                    replace(m, feedback_ids=selection.credited(m.feedback_ids))
                    for m in _distill(template, active, sent, model, calls)
                ]
                after = apply_mutations(active, mutations)
            if not after:
                raise ProposalFailed(
                    f"nothing to propose: the {len(sent)} feedback item(s) produced no principle "
                    "and no principle is active",
                    calls,
                )
            rewrites = _rewrite(
                template, "rewrite", "principles", _principles_data(after), model, calls,
                candidates, others,
            )  # fmt: skip
    except StructuredFailure as exc:
        reason = f"the alignment model's answer was unusable: {exc.reason}"
        raise ProposalFailed(reason, calls) from None
    except ModelError as exc:
        raise ProposalFailed(f"the alignment model failed: {exc}", calls) from exc
    made = [
        Candidate(
            Template(r.template), r.rationale.strip(), unified_diff(template.text, r.template)
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
            calls,
        )
    new = made[0].template
    return ProposalResult(
        template=new,
        rationale=made[0].rationale,
        candidates=made,
        mutations=mutations,
        principles_after=after,
        used_feedback_ids=selection.used_ids,
        calls=calls,
        diff=made[0].diff,
        workflow=workflow,
    )


__all__ = [
    "Candidate",
    "ProposalFailed",
    "ProposalResult",
    "Workflow",
    "apply_mutations",
    "propose",
]
