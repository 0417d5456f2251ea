import pytest

from bot.slack.commands import (
    ApproveProposal,
    CommandError,
    OpenCritiqueModal,
    OpenProposalEditModal,
    OpenRejectModal,
    OpenRewriteModal,
    RunAgain,
    parse_action,
)
from bot.slack.views.models import ProposalView, RunView
from bot.slack.views.proposal import proposal_message
from bot.slack.views.run import run_message


def clicks(msg):
    return [
        parse_action(e["action_id"], e["value"])
        for b in msg["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_every_button_the_views_render_parses_to_its_command():
    run = run_message(RunView("42", "recipe", 1, {}, "out"))
    assert clicks(run) == [OpenCritiqueModal("42"), OpenRewriteModal("42"), RunAgain("42")]
    proposal = proposal_message(ProposalView("7", "recipe", 1, "diff"))
    assert clicks(proposal) == [
        ApproveProposal("7"),
        OpenRejectModal("7"),
        OpenProposalEditModal("7"),
    ]


def test_unknown_or_empty_actions_are_refused():
    with pytest.raises(CommandError, match="not one alignbot knows"):
        parse_action("delete_everything", "1")
    with pytest.raises(CommandError, match="lost track"):
        parse_action("run_again", "")
    with pytest.raises(CommandError, match="lost track"):
        parse_action("proposal_approve", None)
