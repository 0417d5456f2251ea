"""A proposal's message as the views render it, built from what is stored: its diff, principle
changes with links to the feedback behind them, before/after samples, candidates and votes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alignment import Template, TemplateError
from alignment.evaluation import EvaluationRow
from alignment.textdiff import unified_diff
from alignment.vocabulary import Decision, MutationOp, ProposalStatus
from bot.services.context import Permalink, ServiceError
from bot.services.votes import close_pair
from bot.slack.views import models as vm
from storage import Store
from storage.records import ProposalInfo
from storage.repo.votes import candidates_of

EDITED_FROM = "edited_from"  # in an edited proposal's evaluation: the proposal it was edited from


def proposal_view(store: Store, p: ProposalInfo, permalink: Permalink | None) -> vm.ProposalView:
    """What the proposal's message shows, from what is stored (candidates and tally read once)."""
    info = store.get_template_by_id(p.template_id)
    found = candidates_of(p.evaluation)
    tally = store.tally(p.id) if len(found) > 1 else {}
    base = store.get_version(info.id, p.base_version_number)
    if base is None:  # versions are never deleted
        raise ServiceError(f"Version {p.base_version_number} of {info.name} is missing.")
    principles = {pr.id: pr for pr in store.all_principles(info.id)}
    new_version = None
    if p.result_version_id is not None:
        new_version = next(
            (v.number for v in store.list_versions(info.id) if v.id == p.result_version_id),
            None,
        )
    added, removed = placeholder_changes(base.text, p.text)
    decisions = store.decisions(p.id)
    rejection = next((d for d in decisions if d.decision is Decision.REJECT), None)
    status = p.status
    reason = rejection.reason if rejection else (p.status_reason or None)
    superseded_by = _newer(store, p, permalink) if status == "superseded" else None
    if superseded_by is not None and reason and "newer proposal" in reason:
        reason = None  # the link says it: "Superseded by proposal #8."
    return vm.ProposalView(
        proposal_id=str(p.id),
        template_name=info.name,
        base_version=p.base_version_number,
        diff=unified_diff(base.text, p.text, f"v{p.base_version_number}", "proposed"),
        rationale=p.rationale,
        principle_changes=tuple(
            vm.PrincipleChangeView(
                op=MutationOp(mu.op),
                text=mu.text or (principles.get(mu.principle_id or "") or _NoText).text,
                feedback=tuple(_links(store, mu.feedback_ids, permalink)),
                previous_text=(
                    principles[mu.principle_id].text if mu.principle_id in principles else None
                ),
                reason=mu.reason,
                conflicts_with=mu.conflicts_with,
                conflicting_text=(
                    principles[mu.conflicts_with].text if mu.conflicts_with in principles else None
                ),
            )
            for mu in p.mutations
        ),
        evaluation=_rows(_leader_evaluation(p, found)),
        judge_note=(p.evaluation or {}).get("judge_note"),
        evaluation_note=(p.evaluation or {}).get("error"),
        approvals=len(p.approvals),
        approvals_required=info.settings.approvals_required,
        approvers=tuple(info.settings.approvers),
        approved_by=tuple(p.approvals),
        status=status,
        new_version=new_version,
        decided_by=rejection.user_id if rejection else (p.approvals[-1] if new_version else None),
        reason=None if status in (ProposalStatus.PENDING, ProposalStatus.APPROVED) else reason,
        mode=p.workflow,
        created_by=p.created_by if p.created_by.startswith(("U", "W")) else None,
        edited_from=_edited_from(p.evaluation),
        superseded_by=superseded_by,
        placeholders_added=added,
        placeholders_removed=removed,
        candidates=_candidates(p, base.text, found, tally),
        close_pair=close_pair(found, tally) if len(found) > 1 else None,
        voters=len(store.votes_of(p.id)) if found else 0,
        candidate_calls=sum(c.purpose.split(":")[0] in ("rewrite", "direct") for c in p.calls)
        if found
        else 0,
    )


def _candidates(
    p: ProposalInfo, base: str, found: list[dict[str, Any]], tally: dict[int, int]
) -> tuple[vm.CandidateView, ...]:
    if len(found) < 2:
        return ()
    return tuple(
        vm.CandidateView(
            number=int(c["number"]),
            diff=unified_diff(base, c["text"], f"v{p.base_version_number}", "candidate"),
            rationale=c.get("rationale") or "",
            votes=tally.get(int(c["number"]), 0),
            leading=c["text"] == p.text,
            sample_after=(c.get("rows") or [{}])[0].get("after"),
        )
        for c in found
    )


def _newer(store: Store, p: ProposalInfo, permalink: Permalink | None) -> vm.FeedbackLink | None:
    """The proposal that replaced `p`: the next one made for the same template."""
    newer = [q for q in store.list_proposals(p.template_id) if q.id > p.id]
    if not newer:
        return None
    q = min(newer, key=lambda q: q.id)
    url = (
        permalink(q.channel_id, q.message_ts)
        if permalink and q.channel_id and q.message_ts
        else None
    )
    return vm.FeedbackLink(label=f"proposal #{q.id}", permalink=url)


def _links(
    store: Store, feedback_ids: Sequence[str], permalink: Permalink | None
) -> list[vm.FeedbackLink]:
    links = []
    for fid in feedback_ids:
        try:
            fb = store.get_feedback(int(fid))
        except ValueError:
            fb = None
        if fb is None:
            continue
        label = f"{fb.label or fb.kind} #{fb.id}"
        url = None
        if permalink and fb.channel_id and fb.message_ts:
            url = permalink(fb.channel_id, fb.message_ts)
        links.append(vm.FeedbackLink(label=label, permalink=url))
    return links


def _leader_evaluation(p: ProposalInfo, found: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The before/after to show: in a vote, the leading candidate's (the text approval takes)."""
    leader = next((c for c in found if c["text"] == p.text), None)
    if leader is None:
        return p.evaluation
    return {**(p.evaluation or {}), "rows": leader.get("rows") or []}


def _edited_from(evaluation: dict[str, Any] | None) -> str | None:
    value = (evaluation or {}).get(EDITED_FROM)
    return str(value) if value is not None else None


def placeholder_changes(before: str, after: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The placeholders `after` adds and drops compared with `before` (each in text order)."""
    try:
        old, new = Template(before).variables, Template(after).variables
    except TemplateError:
        return (), ()
    return tuple(v for v in new if v not in old), tuple(v for v in old if v not in new)


class _NoText:
    text = ""


def _rows(evaluation: dict | None) -> tuple[EvaluationRow, ...] | None:
    if not evaluation or not evaluation.get("rows"):
        return None
    return tuple(
        EvaluationRow(
            inputs=dict(r.get("inputs", {})),
            before=r.get("before", ""),
            after=r.get("after", ""),
            score_before=r.get("score_before"),
            score_after=r.get("score_after"),
        )
        for r in evaluation["rows"]
    )
