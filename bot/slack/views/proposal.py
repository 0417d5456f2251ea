"""The proposal message: what would change and why, evidence, and the approval buttons.

It is re-rendered after every decision; once the proposal is closed the buttons are gone and the
outcome (and the new version) is shown in their place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slack_sdk.models.blocks import Block

from alignment.evaluation import EvaluationRow
from alignment.vocabulary import MutationOp, ProposalStatus
from bot.slack.views import ids
from bot.slack.views.blocks import (
    Message,
    actions,
    button,
    confirm,
    context,
    divider,
    fields_section,
    message,
    section,
    sections,
)
from bot.slack.views.models import (
    CandidateView,
    ComparisonView,
    PrincipleChangeView,
    ProposalView,
)
from bot.slack.views.text import (
    MESSAGE_BLOCK_LIMIT,
    channel_link,
    code_block,
    escape,
    inline_code,
    link,
    mention,
    truncate,
)

DIFF_BLOCKS = 12
CHANGE_BLOCKS = 6
EVAL_ROWS = 5
_OPS = {
    MutationOp.ADD: ":heavy_plus_sign: Add",
    MutationOp.EDIT: ":pencil2: Edit",
    MutationOp.RETIRE: ":wastebasket: Retire",
}


def proposal_message(p: ProposalView) -> Message:
    name = escape(p.template_name)
    target = f"v{p.new_version}" if p.new_version else f"v{p.base_version + 1}"
    who = f" by {mention(p.created_by)}" if p.created_by else " (automatic)"
    head: list[Block] = [
        section(
            f":memo: *Proposal for {name}* · v{p.base_version} → {target}{who} · "
            f"{escape(p.mode)} workflow"
        )
    ]
    if p.edited_from:
        by = mention(p.created_by) if p.created_by else "A person"
        why = f"*Why*\n{by} edited the text of proposal #{escape(p.edited_from)} by hand."
        if p.rationale.strip():
            why += (
                f"\n_What #{escape(p.edited_from)} said about its own text, before the edit:_ "
                + escape(p.rationale.strip())
            )
        head.append(section(truncate(why, 2900)))
    elif p.rationale.strip():
        head.append(section("*Why*\n" + truncate(escape(p.rationale.strip()), 2900)))
    if warning := placeholder_warning(p.placeholders_added, p.placeholders_removed):
        head.append(section(warning))

    tail = _closing(p)
    if p.evaluation is not None:
        evidence = _evaluation(p.evaluation, p.judge_note)
    elif p.evaluation_note:  # the team should know the comparison failed, not wonder where it is
        note = truncate(escape(p.evaluation_note), 1500)
        evidence = [context(":warning: *Before / after not shown* — " + note)]
    else:
        evidence = []
    changes = _changes(p.principle_changes, p.edited_from)
    room = MESSAGE_BLOCK_LIMIT - len(head) - len(tail) - len(evidence) - len(changes) - 2
    if p.candidates:  # a vote: each candidate's diff and output stand in for the one diff
        diff = _candidates(p)[: max(1, room)]
    else:
        diff = _diff(p.diff, min(DIFF_BLOCKS, max(1, room)))

    blocks = [*head, divider(), *diff, *changes, *evidence, divider(), *tail]
    fallback = f"Proposal for {name}: v{p.base_version} → {target} ({_status_words(p)})"
    return message(fallback, blocks)


def placeholder_warning(added: Sequence[str], removed: Sequence[str]) -> str | None:
    """Placeholders are the template's interface: runs, Run again and apps pass values by name."""
    if not added and not removed:
        return None

    def names(vs: Sequence[str]) -> str:
        return ", ".join(inline_code("{{" + escape(v) + "}}") for v in vs)

    if len(added) == 1 and len(removed) == 1:
        change = f"renames {names(removed)} to {names(added)}"
    else:
        parts = []
        if added:
            parts.append(f"adds {names(added)}")
        if removed:
            parts.append(f"drops {names(removed)}")
        change = " and ".join(parts)
    return (
        f":warning: *Placeholders change:* this proposal {change}. Once approved, runs (Run "
        "again included) and applications must give values by the new names."
    )


def _diff(diff: str, max_blocks: int) -> list[Block]:
    if not diff.strip():
        return [section("*Template*\n_No change to the template text._")]
    return sections("*Template changes*\n" + code_block(escape(diff)), max_blocks)


def _changes(changes: Sequence[PrincipleChangeView], edited_from: str | None = None) -> list[Block]:
    if not changes:
        return []
    lines = ["*Principle changes*"]
    if edited_from:
        lines[0] += (
            f" _(proposed with #{escape(edited_from)}, before the edit; approving applies them)_"
        )
    for change in changes:
        line = f"{_OPS.get(change.op, escape(change.op))}: {escape(change.text)}"
        if change.previous_text and change.op == MutationOp.EDIT:
            line += f"\n      _was:_ {escape(change.previous_text)}"
        if change.conflicts_with:
            other = escape(change.conflicting_text or "(no longer active)")
            line += (
                f"\n      :warning: *Conflict* with principle {escape(change.conflicts_with)}: "
                f"{other}\n      _Held back: not in the proposed template, not applied on "
                "approval; its feedback stays pending. To settle it, reject with which of the two "
                "should hold (the reason is feedback for the next proposal)._"
            )
        if change.feedback:
            sources = ", ".join(link(f.permalink, f.label) for f in change.feedback[:10])
            more = len(change.feedback) - 10
            line += f"\n      _from:_ {sources}" + (f" and {more} more" if more > 0 else "")
        lines.append("• " + truncate(line, 1500))
    conflicts = sum(1 for c in changes if c.conflicts_with)
    if conflicts:
        lines.insert(1, f":warning: *{conflicts} conflict(s) for the team to settle* (below)")
    return sections("\n".join(lines), CHANGE_BLOCKS)


def _evaluation(rows: Sequence[EvaluationRow], judge_note: str | None = None) -> list[Block]:
    if not rows:
        return [section("_No recent inputs to compare on yet._")]
    if not judge_note and _judge_cannot_tell(rows):
        judge_note = (
            "it gave before and after the same score on every sample, so it cannot tell them "
            "apart yet. Label more runs with :+1: or :-1: to train it."
        )
        note = ":scales: *The judge could not tell the outputs apart*: " + judge_note
    elif judge_note:
        note = ":scales: *Judge: not scored* — " + truncate(escape(judge_note), 1500)
    if judge_note:  # say why there is no score rather than show meaningless ones
        blocks: list[Block] = [section("*Before / after* on recent inputs"), context(note)]
    else:
        blocks = [section(_score_summary(rows))]
    for i, row in enumerate(rows[:EVAL_ROWS], start=1):
        before, after = changed_parts(row.before, row.after)
        blocks.append(
            fields_section(
                f"*Sample {i}* · {_inputs_line(row.inputs)}",
                [
                    f"*Before*{_score(row.score_before, judge_note)}\n"
                    f"{truncate(escape(before), 1800)}",
                    f"*After*{_score(row.score_after, judge_note)}\n"
                    f"{truncate(escape(after), 1800)}",
                ],
            )
        )
    if len(rows) > EVAL_ROWS:
        blocks.append(context(f"and {len(rows) - EVAL_ROWS} more samples not shown"))
    return blocks


SHARED_KEEP = 60  # characters of a long shared beginning kept before the part that changed


def changed_parts(before: str, after: str) -> tuple[str, str]:
    """Both outputs from a little before where they first differ: a long beginning they share
    (a stand-in echoing the prompt, a fixed preamble) would push the change out of view."""
    shared = 0
    for a, b in zip(before, after, strict=False):
        if a != b:
            break
        shared += 1
    if shared <= 2 * SHARED_KEEP or shared == len(before) == len(after):
        return before, after
    start = before.rfind(" ", 0, shared - SHARED_KEEP) + 1 or shared - SHARED_KEEP
    return "…" + before[start:], "…" + after[start:]


def _judge_cannot_tell(rows: Sequence[EvaluationRow]) -> bool:
    pairs = [(r.score_before, r.score_after) for r in rows]
    scored = [(b, a) for b, a in pairs if b is not None and a is not None]
    return bool(scored) and all(abs(b - a) < 0.005 for b, a in scored)


def _score_summary(rows: Sequence[EvaluationRow]) -> str:
    pairs = [
        (r.score_before, r.score_after)
        for r in rows
        if r.score_before is not None and r.score_after is not None
    ]
    if not pairs:
        return (
            "*Before / after* on recent inputs · _no judge scores yet: label runs with "
            ":+1: or :-1: to train the judge_"
        )
    before = sum(b for b, _ in pairs) / len(pairs)
    after = sum(a for _, a in pairs) / len(pairs)
    return (
        f"*Before / after* on recent inputs · judge score {before:.2f} → *{after:.2f}* "
        f"(mean of {len(pairs)}; the judge advises, people decide)"
    )


def _score(score: float | None, judge_note: str | None = None) -> str:
    return "" if score is None or judge_note else f" · score {score:.2f}"


def _inputs_line(inputs: Mapping[str, str]) -> str:
    if not inputs:
        return "_no inputs_"
    parts = [f"{escape(k)}={truncate(escape(' '.join(v.split())), 120)}" for k, v in inputs.items()]
    return truncate(", ".join(parts), 400)


def _candidates(p: ProposalView) -> list[Block]:
    voters = f"{p.voters} voter" + ("" if p.voters == 1 else "s")
    calls = f"{p.candidate_calls} model call" + ("" if p.candidate_calls == 1 else "s")
    blocks: list[Block] = [
        section(
            f"🗳️ *{len(p.candidates)} candidates* (made in {calls}) · {voters} · one vote "
            "each, change it any time · the leader goes on to approval (before/after below: "
            "the leader's)"
        )
    ]
    for c in p.candidates:
        blocks.extend(_candidate(c))
    return blocks


def _candidate(c: CandidateView) -> list[Block]:
    votes = f"{c.votes} vote" + ("" if c.votes == 1 else "s")
    lead = " · 🏆 leading" if c.leading else ""
    text = f"*Candidate {c.number}* · {votes}{lead}"
    if c.rationale.strip():
        text += "\n" + truncate(escape(c.rationale.strip()), 600)
    text += "\n" + code_block(truncate(c.diff or "(no change)", 1500))
    if c.sample_after is not None:
        text += "\n_Output on the first sample:_ " + truncate(escape(c.sample_after), 500)
    return [section(truncate(text, 2900))]


def _approvals(p: ProposalView) -> str:
    count = f"{p.approvals} of {p.approvals_required} approval" + (
        "" if p.approvals_required == 1 else "s"
    )
    who = ", ".join(mention(u) for u in p.approvers) if p.approvers else "any channel member"
    text = f"*{count}* · may approve: {who}"
    if p.approved_by:
        text += " · approved by " + ", ".join(mention(u) for u in p.approved_by)
    return text


def _closing(p: ProposalView) -> list[Block]:
    status = [context(_approvals(p))]
    if p.status == ProposalStatus.PENDING:
        target = f"v{p.base_version + 1}"
        return [
            *status,
            actions(
                button(
                    "Approve",
                    ids.PROPOSAL_APPROVE,
                    p.proposal_id,
                    style="primary",
                    confirm=confirm(
                        "Approve this proposal?",
                        f"With enough approvals it becomes {target} of {escape(p.template_name)}."
                        + (
                            " Its placeholders change: runs must use the new names."
                            if p.placeholders_added or p.placeholders_removed
                            else ""
                        ),
                        "Approve",
                    ),
                ),
                button("Reject", ids.PROPOSAL_REJECT, p.proposal_id, style="danger"),
                button("Edit", ids.PROPOSAL_EDIT, p.proposal_id),
                button("Another candidate", ids.PROPOSAL_ANOTHER, p.proposal_id),
                block_id=f"proposal:{p.proposal_id}"[:255],
            ),
            *_vote_buttons(p),
        ]
    return [*status, section(_outcome(p))]


def _vote_buttons(p: ProposalView) -> list[Block]:
    if not p.candidates:
        return []
    return [
        actions(
            *(
                button(
                    f"Vote {c.number}",
                    f"{ids.PROPOSAL_VOTE}:{c.number}",
                    f"{p.proposal_id}:{c.number}",
                    style="primary" if c.leading else None,
                )
                for c in p.candidates[:8]
            ),
            *(
                [
                    button(
                        f"Compare {p.close_pair[0]} and {p.close_pair[1]} (A/B)",
                        ids.PROPOSAL_COMPARE,
                        f"{p.proposal_id}:{p.close_pair[0]}:{p.close_pair[1]}",
                    )
                ]
                if p.close_pair
                else []
            ),
            block_id=f"vote:{p.proposal_id}"[:255],
        )
    ]


def comparison_message(c: ComparisonView) -> Message:
    """Two close candidates' outputs side by side, as A and B, for one person to choose."""
    blocks: list[Block] = [
        section(
            f":scales: *A/B for proposal #{escape(c.proposal_id)}* ({escape(c.template_name)}): "
            "two close candidates, the same inputs. Which output is better?"
        )
    ]
    for inputs, out_a, out_b in c.rows[:EVAL_ROWS]:
        blocks.append(
            fields_section(
                _inputs_line(inputs),
                ["*A*\n" + truncate(escape(out_a), 900), "*B*\n" + truncate(escape(out_b), 900)],
            )
        )
    value = f"{c.proposal_id}:{c.a}:{c.b}"
    blocks.append(
        actions(
            button("A is better", ids.PAIR_A, f"{value}:{c.a}"),
            button("B is better", ids.PAIR_B, f"{value}:{c.b}"),
            block_id=f"pair:{value}"[:255],
        )
    )
    return message(f"A/B for proposal #{c.proposal_id}", blocks)


def _outcome(p: ProposalView) -> str:
    reason = f": {truncate(escape(p.reason), 2000)}" if p.reason else ""
    if p.status == ProposalStatus.APPROVED:
        approvers = p.approved_by or ((p.decided_by,) if p.decided_by else ())
        by = f" by {', '.join(mention(u) for u in approvers)}" if approvers else ""
        version = f"v{p.new_version}" if p.new_version else "the new version"
        return (
            f":white_check_mark: *Approved*{by}. {version} of {escape(p.template_name)} is active."
        )
    if p.status == ProposalStatus.REJECTED:
        by = f" by {mention(p.decided_by)}" if p.decided_by else ""
        return f":x: *Rejected*{by}{reason}"
    if p.status == ProposalStatus.SUPERSEDED:
        if p.superseded_by is not None:
            newer = link(p.superseded_by.permalink, escape(p.superseded_by.label))
            return f":fast_forward: *Superseded* by {newer}{reason or '.'}"
        return f":fast_forward: *Superseded* by a newer proposal{reason or '.'}"
    if p.status == ProposalStatus.EXPIRED:
        return f":hourglass: *Expired* without enough approvals{reason or '.'}"
    return f":warning: *Failed*{reason or '.'}"


def _status_words(p: ProposalView) -> str:
    if p.status == ProposalStatus.PENDING:
        return f"{p.approvals} of {p.approvals_required} approvals"
    if p.status == ProposalStatus.APPROVED and p.new_version:
        return f"approved, v{p.new_version} active"
    return p.status


def proposal_pending_message(template_name: str, requested_by: str | None = None) -> Message:
    """Posted at once on `/align propose`; replaced by `proposal_message` when the draft is done."""
    name = escape(template_name)
    who = f" for {mention(requested_by)}" if requested_by else ""
    return message(
        f"Drafting a proposal for {name}…",
        [section(f":memo: Drafting a proposal for *{name}*{who}… :hourglass_flowing_sand:")],
    )


def no_proposal_message(template_name: str, reason: str) -> Message:
    """Why `/align propose` made nothing, for the person who asked (`reason` is raw)."""
    name = escape(template_name)
    why = escape(reason.strip().rstrip("."))
    why = why[:1].upper() + why[1:]
    text = f"No proposal for *{name}*. {why}."
    if reason.lower().startswith("nothing to propose"):
        text += (
            " Give feedback on a run first (react with :+1: or :-1:, reply in its thread, or use "
            f"its Critique button), or add a principle with `/align principle {name} …`."
        )
    return message(f"No proposal for {name}: {why}", [section(f":information_source: {text}")])


def drafting_elsewhere_message(template_name: str, channel_id: str) -> Message:
    """`/align propose` typed outside the template's channel: where the proposal will be."""
    text = (
        f":memo: Drafting a proposal for *{escape(template_name)}* in {channel_link(channel_id)}, "
        "the template's channel; it will show up there."
    )
    return message(f"Drafting a proposal for {escape(template_name)}", [section(text)])
