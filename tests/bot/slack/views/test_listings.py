from datetime import UTC, datetime

from alignment.textdiff import unified_diff
from bot.slack.commands.slash import _PARSERS as PARSERS
from bot.slack.commands.usage import SUBCOMMANDS
from bot.slack.views.export import export_fits_inline, export_message
from bot.slack.views.help import help_message
from bot.slack.views.history import diff_message, history_message
from bot.slack.views.home import app_home
from bot.slack.views.models import (
    AppHomeView,
    PrincipleRow,
    ProposalSummary,
    TemplateDetail,
    TemplateSettingsView,
    TemplateSummary,
    VersionRow,
)
from bot.slack.views.notices import bad_label_question, error_message, notice_message
from bot.slack.views.templates import (
    list_message,
    principles_message,
    settings_message,
    show_message,
)
from tests.bot.slack.views.limits import all_text, check_message, check_view, mentions

SETTINGS = TemplateSettingsView(
    mode="direct",
    target_model="gemini/gemini-2.5-flash",
    approvers=("U0ANA", "U0BO"),
    approvals_required=2,
    auto_propose_after=5,
    channel_id="C0GEN",
)
T0 = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_help_lists_every_subcommand_with_an_example():
    design = {
        "help",
        "new",
        "list",
        "show",
        "run",
        "principles",
        "principle",
        "propose",
        "mode",
        "history",
        "diff",
        "rollback",
        "settings",
        "export",
        "label",
        "token",
        "webhook",
        "judge",
        "import",
    }  # DESIGN §6; fmt: skip
    assert {u.name for u in SUBCOMMANDS} == design == set(PARSERS)
    msg = help_message()
    check_message(msg)
    text = all_text(msg)
    for u in SUBCOMMANDS:
        assert u.usage in text and u.example in text
    one = help_message("run")
    check_message(one)
    assert "/align run NAME" in all_text(one) and "/align list" not in all_text(one)


def test_list_shows_templates_or_how_to_create_one():
    empty = list_message([])
    check_message(empty)
    assert "/align new" in all_text(empty)
    msg = list_message(
        [TemplateSummary("recipe", 3, "principles", "C0GEN", 4, "7"), TemplateSummary("haiku", 1)]
    )
    check_message(msg)
    text = all_text(msg)
    assert "*recipe* v3 · principles mode · <#C0GEN> · 4 pending feedback items" in text
    assert "proposal awaiting approval" in text and "*haiku* v1" in text
    many = list_message([TemplateSummary(f"t{i}", i + 1, channel_id="C0GEN") for i in range(2000)])
    check_message(many)


def test_show_has_text_variables_settings_and_principles():
    detail = TemplateDetail(
        name="recipe",
        version=2,
        text="Suggest a recipe with {{ingredients}} & <b>{{diet}}</b>.",
        variables=("ingredients", "diet"),
        settings=SETTINGS,
        principles=(
            PrincipleRow("1", "No alcohol.", feedback_count=2),
            PrincipleRow("2", "Short.", origin="manual"),
            PrincipleRow("3", "Old rule.", status="retired"),
        ),
        active_version=3,
        author="U0ANA",
    )
    msg = show_message(detail)
    check_message(msg)
    text = all_text(msg)
    assert (
        "```\nSuggest a recipe with {{ingredients}} &amp; &lt;b&gt;{{diet}}&lt;/b&gt;.\n```" in text
    )
    assert "not active (v3 is)" in text
    assert "`{{ingredients}}`, `{{diet}}`" in text
    assert "*target_model*: `gemini/gemini-2.5-flash`" in text
    assert "*approvers*: <@U0ANA>, <@U0BO>" in text and "*approvals*: 2" in text
    assert "after 5 feedback items" in text
    assert "1. No alcohol. _(from 2 feedback items)_" in text
    assert "Short. _(written by hand)_" in text and "Old rule." not in text
    huge = show_message(TemplateDetail("big", 1, "t " * 100_000, (), TemplateSettingsView()))
    check_message(huge)
    assert "more characters not shown" in all_text(huge)


def test_settings_message_and_defaults():
    msg = settings_message("recipe", TemplateSettingsView(), changed=("approvals",))
    check_message(msg)
    text = all_text(msg)
    assert "Updated approvals of *recipe*" in text
    assert "any channel member" in text and "*auto_propose_after*: off" in text
    assert "*daily_digest*: off" in text and "*proposal_ttl_hours*: 72" in text
    assert "*remind_after_hours*: after 24 h" in text
    changed = settings_message(
        "recipe",
        TemplateSettingsView(daily_digest=True, proposal_ttl_hours=12, remind_after_hours=None),
    )
    text = all_text(changed)
    assert "*daily_digest*: on" in text and "*proposal_ttl_hours*: 12" in text
    assert "*remind_after_hours*: off" in text
    assert sorted(mentions(settings_message("recipe", SETTINGS))) == [
        "<#C0GEN>",
        "<@U0ANA>",
        "<@U0BO>",
    ]


def test_principles_message():
    msg = principles_message("recipe", [PrincipleRow("1", "Use <!here> & stuff")])
    check_message(msg)
    assert "1. Use &lt;!here&gt; &amp; stuff" in all_text(msg)
    assert mentions(msg) == []
    none = principles_message("recipe", [PrincipleRow("1", "x", status="retired")])
    assert "no principles yet" in all_text(none)


def test_history_lists_versions_newest_first():
    rows = [
        VersionRow(1, "manual", T0, "U0ANA"),
        VersionRow(2, "proposal", T0, "U0BO", proposal_id="7", note="No alcohol\nplease"),
        VersionRow(3, "rollback", T0, "U0ANA", active=True, rolled_back_to=1),
    ]
    msg = history_message("recipe", rows)
    check_message(msg)
    text = all_text(msg)
    assert text.index("*v3*") < text.index("*v2*") < text.index("*v1*")
    assert (
        "*v3* :large_green_circle: active · rollback to v1 by <@U0ANA> · 2026-11-24 09:30 UTC"
        in text
    )
    assert "approved proposal by <@U0BO>" in text and "No alcohol please" in text
    long = history_message("recipe", [VersionRow(i, "manual", T0, "U0ANA") for i in range(1, 3000)])
    check_message(long)


def test_diff_message():
    diff = unified_diff("a\n<b>\n", "a\nc\n", "v1", "v3")
    msg = diff_message("recipe", 1, 3, diff)
    check_message(msg)
    assert "*recipe*: v1 → v3\n```\n--- v1\n+++ v3" in all_text(msg)
    assert "-&lt;b&gt;" in all_text(msg)
    same = diff_message("recipe", 1, 3, "")
    assert "same text" in all_text(same)


def test_export_inline_or_as_uploaded_file():
    content = "name: recipe\ntemplate: |\n  Cook {{x}} <!channel>\n"
    msg = export_message("recipe", content)
    check_message(msg)
    assert "```\nname: recipe" in all_text(msg) and mentions(msg) == []
    assert not export_fits_inline("x" * 50_000)
    big = "x " * 100_000
    cut = export_message("recipe", big)
    check_message(cut)
    assert "200,000 characters, more than a message holds" in all_text(cut)
    assert "more characters not shown" in all_text(cut)
    uploaded = export_message("recipe", big, uploaded_filename="recipe.yaml")
    check_message(uploaded)
    assert "`recipe.yaml`" in all_text(uploaded)


def test_app_home_lists_templates_and_pending_proposals():
    home = AppHomeView(
        templates=(TemplateSummary("recipe", 3, channel_id="C0GEN"),),
        pending_proposals=(
            ProposalSummary(
                "7", "recipe", 3, 1, 2, "C0GEN", "https://t.slack.com/archives/C0GEN/p1"
            ),
        ),
    )
    view = app_home(home)
    check_view(view)
    assert view["type"] == "home"
    text = all_text(view)
    assert "*recipe* v3 · principles mode · <#C0GEN>" in text  # the template, active version
    assert "*recipe* v3 → v4 · 1 of 2 approvals · <#C0GEN>" in text
    assert "<https://t.slack.com/archives/C0GEN/p1|open the proposal>" in text
    empty = app_home(AppHomeView())
    check_view(empty)
    assert "No templates yet" in all_text(empty) and "Nothing waiting" in all_text(empty)
    many = app_home(
        AppHomeView(
            tuple(TemplateSummary(f"t{i}", 1) for i in range(300)),
            tuple(ProposalSummary(str(i), f"t{i}", 1) for i in range(300)),
        )
    )
    check_view(many)
    assert "and 260 more" in all_text(many)


def test_error_and_notice_messages_are_escaped():
    msg = error_message("Unknown template `x<!channel>`")
    check_message(msg)
    assert msg["text"] == "Unknown template `x&lt;!channel&gt;`"
    assert mentions(msg) == []
    assert ":warning:" in all_text(msg)
    ok = notice_message("Principle added to recipe & co")
    check_message(ok)
    assert "&amp; co" in all_text(ok)
    check_message(error_message("e" * 10_000))


def test_bad_label_question_asks_the_person():
    msg = bad_label_question("U0ANA")
    check_message(msg)
    assert all_text(msg).startswith("<@U0ANA>, what should change?")
