import pytest

from bot.slack.commands import (
    ApproveProposal,
    CommandError,
    OpenCritiqueModal,
    OpenProposalEditModal,
    OpenRejectModal,
    OpenRewriteModal,
    RunAgain,
    SuggestCritiques,
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
    assert clicks(run) == [
        OpenCritiqueModal("42"),
        OpenRewriteModal("42"),
        SuggestCritiques("42"),
        RunAgain("42"),
    ]
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


def test_each_rendered_suggestion_adopts_itself_and_a_tampered_one_is_refused():
    from alignment.suggestions import TEXT_LIMIT, Suggestion
    from alignment.vocabulary import FeedbackKind
    from bot.slack.commands import AdoptSuggestion
    from bot.slack.views.suggestions import SuggestionChoice, suggestions_message

    items = [
        Suggestion(FeedbackKind.CRITIQUE, "Too long: <b>cut</b> it"),
        Suggestion(FeedbackKind.KUDOS, "Clear steps"),
    ]
    msg = suggestions_message("42", "recipe", items)
    adopted = [
        parse_action(b["accessory"]["action_id"], b["accessory"]["value"])
        for b in msg["blocks"]
        if "accessory" in b
    ]
    assert adopted == [
        AdoptSuggestion("42", FeedbackKind.CRITIQUE, "Too long: <b>cut</b> it"),
        AdoptSuggestion("42", FeedbackKind.KUDOS, "Clear steps"),
    ]
    assert "&lt;b&gt;" in str(msg["blocks"])  # shown escaped, adopted as written
    for bad in (
        SuggestionChoice("42", "label", "bad").encode(),
        SuggestionChoice("42", "critique", " ").encode(),
        SuggestionChoice("42", "critique", "x" * (TEXT_LIMIT + 1)).encode(),
        "not json",
    ):
        with pytest.raises(CommandError, match="cannot be adopted"):
            parse_action("suggestion_adopt_1", bad)
