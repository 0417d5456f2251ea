"""Button clicks (`block_actions`) -> typed commands. The value is a run id or a proposal id."""

from __future__ import annotations

from bot.slack.commands import (
    ApproveProposal,
    CancelRollback,
    Command,
    CommandError,
    ConfirmRollback,
    OpenCritiqueModal,
    OpenProposalEditModal,
    OpenRejectModal,
    OpenRewriteModal,
    Rollback,
    RunAgain,
)
from bot.slack.views import ids

_ACTIONS: dict[str, type] = {
    ids.RUN_CRITIQUE: OpenCritiqueModal,
    ids.RUN_REWRITE: OpenRewriteModal,
    ids.RUN_AGAIN: RunAgain,
    ids.PROPOSAL_APPROVE: ApproveProposal,
    ids.PROPOSAL_REJECT: OpenRejectModal,
    ids.PROPOSAL_EDIT: OpenProposalEditModal,
    ids.ROLLBACK_CANCEL: CancelRollback,
}
ACTION_IDS = (*_ACTIONS, ids.ROLLBACK_CONFIRM)


def parse_action(action_id: object, value: object) -> Command:
    """`value` is whatever the payload held: anything but a non-blank string is refused."""
    if action_id == ids.ROLLBACK_CONFIRM and isinstance(value, str) and value.strip():
        return _confirm_rollback(value)  # value: "NAME vN", as typed
    cls = _ACTIONS.get(action_id) if isinstance(action_id, str) else None
    if cls is None:
        raise CommandError(f"This button (`{str(action_id)[:40]}`) is not one alignbot knows.")
    if not isinstance(value, str) or not value.strip():
        raise CommandError("This button lost track of what it was about; please try again.")
    return cls(value.strip())


def _confirm_rollback(value: str) -> Command:
    from bot.slack.commands.slash import parse_command

    cmd = parse_command(f"rollback {value}")
    if not isinstance(cmd, Rollback):
        raise CommandError("This button lost track of what it was about; please try again.")
    return ConfirmRollback(cmd.name, cmd.version)
