import pytest

from bot.slack.commands import (
    AnotherCandidate,
    ApproveProposal,
    ChoosePair,
    CommandError,
    CompareCandidates,
    OpenCritiqueModal,
    OpenProposalEditModal,
    OpenRejectModal,
    OpenRewriteModal,
    RunAgain,
    SuggestCritiques,
    VoteCandidate,
    parse_action,
)
from bot.slack.views.models import CandidateView, ComparisonView, ProposalView, RunView
from bot.slack.views.proposal import comparison_message, proposal_message
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
        AnotherCandidate("7"),  # every proposal: a single one becomes a vote
    ]


def test_vote_compare_and_ab_buttons_parse_to_their_commands():
    cands = tuple(CandidateView(n, f"diff {n}", sample_after=f"out {n}") for n in (1, 2, 3))
    view = ProposalView("7", "recipe", 1, "diff", candidates=cands, close_pair=(1, 3))
    assert clicks(proposal_message(view))[4:] == [
        VoteCandidate("7", 1),
        VoteCandidate("7", 2),
        VoteCandidate("7", 3),
        CompareCandidates("7", 1, 3),
    ]
    rows = (({"x": "a"}, "out 1", "out 3"),)
    ab = comparison_message(ComparisonView("7", "recipe", 1, 3, rows))
    assert clicks(ab) == [ChoosePair("7", 1, 3, 1), ChoosePair("7", 1, 3, 3)]


@pytest.mark.parametrize(
    ("action_id", "value"),
    [("proposal_vote:2", "7"), ("proposal_vote:2", "7:x"), ("proposal_compare", "7:1"),
     ("proposal_pair:A", "7:1:2"), ("proposal_vote:2", ":2")],
)  # fmt: skip
def test_vote_buttons_that_lost_their_value_are_refused(action_id, value):
    with pytest.raises(CommandError, match="lost track"):
        parse_action(action_id, value)


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
