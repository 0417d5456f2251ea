import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alignment.evaluation import EvaluationRow
from alignment.textdiff import unified_diff
from bot.slack.views.models import (
    CandidateView,
    FeedbackLink,
    PrincipleChangeView,
    ProposalView,
)
from bot.slack.views.proposal import proposal_message, proposal_pending_message
from tests.bot.slack.views.limits import all_text, check_message, mentions

OLD = "Suggest a dinner recipe using {{ingredients}}."
NEW = "Suggest a dinner recipe using {{ingredients}}.\n\nGuidelines:\n- No alcohol."


def proposal(**kw):
    base = dict(
        proposal_id="7",
        template_name="recipe",
        base_version=2,
        diff=unified_diff(OLD, NEW, "v2", "proposed"),
        rationale="Two people asked for alcohol-free recipes.",
        principle_changes=(
            PrincipleChangeView(
                "add",
                "Never use alcohol in recipes.",
                (
                    FeedbackLink("critique by ana", "https://t.slack.com/archives/C1/p1000"),
                    FeedbackLink("👎 by bo", None),
                ),
            ),
            PrincipleChangeView("retire", "Use wine for depth.", ()),
        ),
        evaluation=(
            EvaluationRow(
                {"ingredients": "leeks"}, "Leek risotto with wine", "Leek risotto", 0.3, 0.9
            ),
            EvaluationRow({"ingredients": "eggs"}, "Eggnog", "Omelette", 0.2, 0.7),
        ),
        approvals=1,
        approvals_required=2,
        approvers=("U0ANA", "U0BO"),
        approved_by=("U0ANA",),
        created_by="U0ANA",
    )
    return ProposalView(**{**base, **kw})


def buttons(msg):
    return [
        (e["action_id"], e["value"])
        for b in msg["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_pending_proposal_shows_diff_changes_evidence_count_and_buttons():
    msg = proposal_message(proposal())
    check_message(msg)
    text = all_text(msg)
    assert "v2 → v3" in text
    assert "```\n--- v2\n+++ proposed" in text and "+- No alcohol." in text
    assert "Never use alcohol in recipes." in text
    assert "<https://t.slack.com/archives/C1/p1000|critique by ana>" in text
    assert "👎 by bo" in text  # a feedback item without a permalink is named, unlinked
    assert "Retire: Use wine for depth." in text
    assert "Leek risotto with wine" in text and "score 0.30" in text and "score 0.90" in text
    assert "judge score 0.25 → *0.80*" in text
    assert "*1 of 2 approvals*" in text
    assert buttons(msg) == [
        ("proposal_approve", "7"),
        ("proposal_reject", "7"),
        ("proposal_edit", "7"),
        ("proposal_another", "7"),
    ]
    assert "1 of 2 approvals" in msg["text"]


def test_approved_proposal_shows_outcome_and_new_version_without_buttons():
    msg = proposal_message(
        proposal(
            status="approved",
            approvals=2,
            new_version=3,
            decided_by="U0BO",
            approved_by=("U0ANA", "U0BO"),
        )
    )
    check_message(msg)
    assert buttons(msg) == []
    text = all_text(msg)
    assert "*Approved* by <@U0ANA>, <@U0BO>. v3 of recipe is active." in text  # every approver
    assert "*2 of 2 approvals*" in text
    assert "v3 active" in msg["text"]


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("rejected", "*Rejected* by <@U0BO>: too strict"),
        ("superseded", "*Superseded* by a newer proposal"),
        ("expired", "*Expired*"),
        ("failed", "*Failed*: too strict"),
    ],
)
def test_closed_proposals_have_no_buttons_and_say_why(status, words):
    msg = proposal_message(proposal(status=status, decided_by="U0BO", reason="too strict"))
    check_message(msg)
    assert buttons(msg) == []
    assert words in all_text(msg)


def test_no_judge_yet_and_no_samples():
    msg = proposal_message(
        proposal(evaluation=(EvaluationRow({"x": "1"}, "a", "b"),), principle_changes=())
    )
    assert "no judge scores yet" in all_text(msg)
    empty = proposal_message(proposal(evaluation=()))
    assert "No recent inputs" in all_text(empty)
    unchanged = proposal_message(proposal(diff=""))
    assert "No change to the template text" in all_text(unchanged)


NOTE = "the judge needs at least one 👍 and one 👎 run to compare against (it has 2 👎, 0 👍)"


def test_a_judge_note_says_why_there_is_no_score_and_keeps_the_outputs():
    rows = (
        EvaluationRow({"ingredients": "leeks"}, "Leek risotto with wine", "Leek risotto"),
        EvaluationRow({"ingredients": "eggs"}, "Eggnog <b>", "Omelette"),
    )
    msg = proposal_message(proposal(evaluation=rows, judge_note=NOTE + " <@U0EVE>"))
    check_message(msg)
    assert "<@U0EVE>" not in mentions(msg)  # the note is escaped like any other text
    notes = [
        e["text"]
        for b in msg["blocks"]
        if b["type"] == "context"
        for e in b["elements"]
        if "not scored" in e["text"]
    ]
    assert notes == [f":scales: *Judge: not scored* — {NOTE} &lt;@U0EVE&gt;"]
    text = all_text(msg)
    assert "Leek risotto with wine" in text and "Omelette" in text and "Eggnog &lt;b&gt;" in text
    assert "judge score" not in text and "score 0." not in text
    assert "no judge scores yet" not in text  # the specific reason replaces the generic hint


def test_a_judge_note_hides_scores_even_if_rows_carry_some():
    msg = proposal_message(proposal(judge_note=NOTE))
    text = all_text(msg)
    assert "Judge: not scored" in text and "Leek risotto with wine" in text
    assert "judge score" not in text and "score 0.30" not in text


def test_any_member_may_approve_by_default():
    msg = proposal_message(
        proposal(approvers=(), approved_by=(), approvals=0, approvals_required=1)
    )
    assert "*0 of 1 approval* · may approve: any channel member" in all_text(msg)


def test_model_text_everywhere_is_escaped():
    evil = "<!channel> <@U999> & <!here>"
    msg = proposal_message(
        proposal(
            diff=unified_diff("a", evil, "v2", "proposed"),
            rationale=evil,
            principle_changes=(
                PrincipleChangeView("edit", evil, (FeedbackLink(evil, None),), evil),
            ),
            evaluation=(EvaluationRow({"k": evil}, evil, evil, 0.1, 0.2),),
            status="rejected",
            reason=evil,
            decided_by="U0BO",
        )
    )
    check_message(msg)
    assert set(mentions(msg)) <= {"<@U0ANA>", "<@U0BO>"}
    assert "&lt;!channel&gt;" in all_text(msg)


def test_huge_proposal_stays_within_limits():
    old = "\n".join(f"line {i} " + "a" * 80 for i in range(3000))
    new = "\n".join(f"line {i} " + "b" * 80 for i in range(3000))
    changes = tuple(
        PrincipleChangeView(
            "add", "p" * 2000, tuple(FeedbackLink(f"f{j}", None) for j in range(30))
        )
        for _ in range(40)
    )
    rows = tuple(
        EvaluationRow({"x": "y" * 5000}, "b" * 9000, "a" * 9000, 0.5, 0.5) for _ in range(9)
    )
    msg = proposal_message(
        proposal(
            diff=unified_diff(old, new, "v2", "proposed"),
            rationale="r" * 10_000,
            principle_changes=changes,
            evaluation=rows,
        )
    )
    check_message(msg)
    assert "more characters not shown" in all_text(msg)
    assert "and 4 more samples not shown" in all_text(msg)
    assert [b[0] for b in buttons(msg)] == [
        "proposal_approve",
        "proposal_reject",
        "proposal_edit",
        "proposal_another",
    ]


def test_a_huge_vote_stays_within_limits_and_keeps_its_buttons():
    cands = tuple(
        CandidateView(n, "+" + "x" * 5000, rationale="<@U1> " * 500, votes=n,
                      leading=n == 8, sample_after="<!channel> " * 300)
        for n in range(1, 9)
    )  # fmt: skip
    msg = proposal_message(
        proposal(
            diff="+" + "y" * 20_000,
            principle_changes=tuple(
                PrincipleChangeView("add", "p" * 2000, (FeedbackLink("f", None),))
                for _ in range(40)
            ),
            evaluation=tuple(
                EvaluationRow({"k": "v" * 500}, "a" * 3000, "b" * 3000) for _ in range(9)
            ),
            candidates=cands,
            voters=36,
            candidate_calls=1,
            close_pair=(7, 8),
        )
    )
    check_message(msg)
    text = all_text(msg)
    assert "8 candidates* (made in 1 model call)" in text and "36 voters" in text
    assert "<!channel>" not in text and "<@U1>" not in text
    assert [b[0] for b in buttons(msg)][-9:] == [
        *(f"proposal_vote:{n}" for n in range(1, 9)),
        "proposal_compare",
    ]


def test_pending_message():
    msg = proposal_pending_message("recipe", "U0ANA")
    check_message(msg)
    assert "Drafting a proposal for *recipe*" in all_text(msg)


TEXT = st.lists(
    st.one_of(st.text(max_size=300), st.sampled_from(["<!here>", "<@U1>", "&", "```", "\n"])),
    max_size=30,
).map("".join)


@settings(max_examples=100, deadline=None)
@given(TEXT, TEXT, TEXT, st.sampled_from(["pending", "approved", "rejected", "failed"]))
def test_any_proposal_renders_within_limits_and_mentions_no_one(old, new, words, status):
    msg = proposal_message(
        proposal(
            diff=unified_diff(old * 10, new * 10, "v2", "proposed"),
            rationale=words,
            principle_changes=(PrincipleChangeView("add", words or "x", (FeedbackLink(words),)),),
            evaluation=(EvaluationRow({"in": words}, old, new, 0.1, 0.2),),
            status=status,
            reason=words,
            approvers=(),
            approved_by=(),
            created_by=None,
            decided_by=None,
        )
    )
    check_message(msg)
    assert mentions(msg) == []


def test_a_failed_evaluation_is_said_not_silently_dropped():
    msg = proposal_message(
        proposal(evaluation=None, evaluation_note="evaluation failed: the model timed out <!here>")
    )
    check_message(msg)
    text = all_text(msg)
    assert "Before / after not shown" in text and "the model timed out" in text
    assert "<!here>" not in text and "&lt;!here&gt;" in text
    quiet = proposal_message(proposal(evaluation=None))
    assert "Before / after" not in all_text(quiet)


def test_a_conflict_is_shown_with_both_principles_and_what_happens_to_it():
    msg = proposal_message(
        proposal(
            principle_changes=(
                PrincipleChangeView(
                    "add",
                    "Never use <wine>.",
                    conflicts_with="7",
                    conflicting_text="Use wine for depth.",
                ),
            )
        )
    )
    check_message(msg)
    text = all_text(msg)
    assert "1 conflict(s) for the team to settle" in text
    assert "Conflict* with principle 7: Use wine for depth." in text
    assert "Never use &lt;wine&gt;." in text
    assert "not applied on approval" in text and "feedback stays pending" in text
    assert "conflict" not in all_text(proposal()).lower()  # none, nothing said


def test_background_failures_are_worded_for_people_not_jobs():
    from bot.slack.views.notices import failure_message

    internal = failure_message("thread_reply")["text"]
    assert "your reply" in internal and "thread_reply" not in internal
    told = failure_message("decide", "proposal #3 was superseded; nothing changed")["text"]
    assert told.startswith("Sorry, I could not finish your decision on the proposal.")
    assert "Proposal #3 was superseded; nothing changed." in told


def test_a_judge_that_cannot_tell_outputs_apart_says_so_instead_of_equal_scores():
    rows = (
        EvaluationRow({"ingredients": "leeks"}, "Leek risotto with wine", "Leek risotto", 0.0, 0.0),
        EvaluationRow({"ingredients": "eggs"}, "Eggnog", "Omelette", 0.5, 0.5),
    )
    text = all_text(proposal_message(proposal(evaluation=rows)))
    assert "could not tell the outputs apart" in text
    assert "0.00 → " not in text and "score 0.50" not in text
    assert "Leek risotto with wine" in text and "Omelette" in text


def test_before_and_after_start_near_where_they_differ():
    shared = "[offline model: a stand-in] Prompt: " + "Summarize this long input " * 20
    rows = (EvaluationRow({"x": "1"}, shared + "end.", shared + "end. Guidelines: - Be brief."),)
    msg = proposal_message(proposal(evaluation=rows))
    check_message(msg)
    [sample] = [b for b in msg["blocks"] if "fields" in b and "Sample 1" in b["text"]["text"]]
    before, after = (f["text"] for f in sample["fields"])
    assert after.endswith("end. Guidelines: - Be brief.") and "…" in after
    assert len(after) < len(shared) and before.endswith("end.")


def test_a_placeholder_change_is_warned_before_approval():
    renamed = proposal(placeholders_added=("body",), placeholders_removed=("text",))
    text = all_text(proposal_message(renamed))
    assert "Placeholders change" in text and "renames `{{text}}` to `{{body}}`" in text
    both = proposal(placeholders_added=("a", "b"), placeholders_removed=("c",))
    text = all_text(proposal_message(both))
    assert "adds `{{a}}`, `{{b}}` and drops `{{c}}`" in text
    assert "Placeholders change" not in all_text(proposal_message(proposal()))


def test_an_edited_proposal_names_its_editor_and_the_proposal_it_came_from():
    msg = proposal_message(proposal(edited_from="6", created_by="U0BO"))
    check_message(msg)
    text = all_text(msg)
    assert "<@U0BO> edited the text of proposal #6 by hand" in text
    assert "said about its own text, before the edit" in text
    assert "proposed with #6, before the edit" in text
    assert "&lt;@" not in text


def test_a_superseded_proposal_links_the_newer_one_once():
    newer = FeedbackLink("proposal #8", "https://t.slack.com/archives/C1/p2000")
    text = all_text(proposal_message(proposal(status="superseded", superseded_by=newer)))
    assert "*Superseded* by <https://t.slack.com/archives/C1/p2000|proposal #8>." in text
    assert text.count("newer proposal") == 0
