"""Button clicks (`block_actions`) -> typed commands. The value is a run id or a proposal id, or
for an Adopt button the suggestion it adopts."""

from __future__ import annotations

from alignment.suggestions import TEXT_LIMIT
from alignment.vocabulary import FeedbackKind
from bot.slack.commands import (
    AdoptSuggestion,
    AnotherCandidate,
    ApproveProposal,
    CancelRollback,
    ChoosePair,
    Command,
    CommandError,
    CompareCandidates,
    ConfirmRollback,
    OpenCritiqueModal,
    OpenProposalEditModal,
    OpenRejectModal,
    OpenRewriteModal,
    Rollback,
    RunAgain,
    SuggestCritiques,
    VoteCandidate,
)
from bot.slack.views import ids
from bot.slack.views.suggestions import SuggestionChoice

_ACTIONS: dict[str, type] = {
    ids.RUN_CRITIQUE: OpenCritiqueModal,
    ids.RUN_REWRITE: OpenRewriteModal,
    ids.RUN_AGAIN: RunAgain,
    ids.RUN_SUGGEST: SuggestCritiques,
    ids.PROPOSAL_APPROVE: ApproveProposal,
    ids.PROPOSAL_REJECT: OpenRejectModal,
    ids.PROPOSAL_EDIT: OpenProposalEditModal,
    ids.PROPOSAL_ANOTHER: AnotherCandidate,
    ids.ROLLBACK_CANCEL: CancelRollback,
}
VOTE_IDS = tuple(f"{ids.PROPOSAL_VOTE}:{n}" for n in range(1, 9))  # one id per candidate
ACTION_IDS = (
    *_ACTIONS,
    ids.ROLLBACK_CONFIRM,
    *VOTE_IDS,
    ids.PROPOSAL_COMPARE,
    ids.PAIR_A,
    ids.PAIR_B,
    *ids.SUGGESTION_ADOPT,
)
_ADOPTABLE = {FeedbackKind.CRITIQUE.value, FeedbackKind.KUDOS.value}
LOST = "This button lost track of what it was about; please try again."


def _numbers(value: str | None, count: int) -> tuple[str, list[int]]:
    """A proposal id and `count` candidate numbers from a button value "<id>:<n>:…"."""
    proposal, *rest = (value or "").strip().split(":")
    if not proposal or len(rest) != count or not all(r.isdigit() for r in rest):
        raise CommandError(LOST)
    return proposal, [int(r) for r in rest]


def parse_action(action_id: object, value: object) -> Command:
    """`value` is whatever the payload held: anything but a non-blank string is refused."""
    if action_id == ids.ROLLBACK_CONFIRM and isinstance(value, str) and value.strip():
        return _confirm_rollback(value)  # value: "NAME vN", as typed
    if action_id in ids.SUGGESTION_ADOPT:
        return _adopt(value if isinstance(value, str) else "")
    text = value if isinstance(value, str) else None
    if action_id in VOTE_IDS:  # value: "<proposal id>:<candidate number>"
        proposal, (number,) = _numbers(text, 1)
        return VoteCandidate(proposal, number)
    if action_id == ids.PROPOSAL_COMPARE:
        proposal, (a, b) = _numbers(text, 2)
        return CompareCandidates(proposal, a, b)
    if action_id in (ids.PAIR_A, ids.PAIR_B):
        proposal, (a, b, chosen) = _numbers(text, 3)
        return ChoosePair(proposal, a, b, chosen)
    cls = _ACTIONS.get(action_id) if isinstance(action_id, str) else None
    if cls is None:
        raise CommandError(f"This button (`{str(action_id)[:40]}`) is not one alignbot knows.")
    if not isinstance(value, str) or not value.strip():
        raise CommandError("This button lost track of what it was about; please try again.")
    return cls(value.strip())


def _adopt(value: str) -> AdoptSuggestion:
    choice = SuggestionChoice.decode(value)
    text = " ".join(choice.text.split()) if choice else ""
    if choice is None or choice.kind not in _ADOPTABLE or not text or len(text) > TEXT_LIMIT:
        raise CommandError("This suggestion cannot be adopted; ask for suggestions again.")
    return AdoptSuggestion(choice.run_id.strip(), FeedbackKind(choice.kind), text)


def _confirm_rollback(value: str) -> Command:
    from bot.slack.commands.slash import parse_command

    cmd = parse_command(f"rollback {value}")
    if not isinstance(cmd, Rollback):
        raise CommandError("This button lost track of what it was about; please try again.")
    return ConfirmRollback(cmd.name, cmd.version)
