import re

import pytest

from alignment.settings import MAX_AUTO_PROPOSE, SETTINGS, SettingsChange, TemplateSettings
from alignment.values import InvalidValue
from bot.slack.commands import (
    AddPrinciple,
    CommandError,
    Diff,
    Export,
    Help,
    History,
    ListTemplates,
    NewTemplate,
    OpenNewTemplateModal,
    OpenPrincipleModal,
    OpenRunModal,
    Principles,
    Propose,
    Rollback,
    Run,
    SetMode,
    Settings,
    Show,
    parse_command,
)
from bot.slack.commands.usage import BY_NAME
from storage import InvalidInput


def change(**values: object) -> SettingsChange:
    return SettingsChange.parse(values)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("", Help()),
        ("help", Help()),
        ("HELP run", Help("run")),
        ("list", ListTemplates()),
        ("ls", ListTemplates()),
        ("new", OpenNewTemplateModal()),
        ("new recipe", OpenNewTemplateModal("recipe")),
        ("new recipe Cook {{x}}", NewTemplate("recipe", "Cook {{x}}")),
        ("show recipe", Show("recipe")),
        ("show recipe v2", Show("recipe", 2)),
        ("show recipe 2", Show("recipe", 2)),
        ("run recipe", OpenRunModal("recipe")),
        ("principles recipe", Principles("recipe")),
        ("principle recipe", OpenPrincipleModal("recipe")),
        ("principle recipe No alcohol.", AddPrinciple("recipe", "No alcohol.")),
        ("propose recipe", Propose("recipe")),
        ("mode recipe direct", SetMode("recipe", "direct")),
        ("mode recipe Principles", SetMode("recipe", "principles")),
        ("history recipe", History("recipe")),
        ("diff recipe v1 v3", Diff("recipe", 1, 3)),
        ("diff recipe v3 v1", Diff("recipe", 3, 1)),
        ("rollback recipe v1", Rollback("recipe", 1)),
        ("settings recipe", Settings("recipe")),
        ("export recipe", Export("recipe")),
        ("  run   my_tpl-2   ", OpenRunModal("my_tpl-2")),
    ],
)
def test_each_subcommand(text, command):
    assert parse_command(text) == command


def test_new_keeps_multiline_template_and_turns_slack_escapes_back():
    cmd = parse_command("new recipe Line one {{a}}\n\nLine &lt;two&gt; &amp; {b}")
    assert cmd == NewTemplate("recipe", "Line one {{a}}\n\nLine <two> & {b}")


def test_new_strips_a_code_fence_around_the_template():
    assert parse_command("new recipe ```\nCook {{x}}\n```") == NewTemplate("recipe", "Cook {{x}}")


def test_run_with_var_value_pairs_and_quotes():
    cmd = parse_command('run recipe ingredients="leeks, eggs" diet=vegan note=\'a "b"\'')
    assert cmd == Run("recipe", {"ingredients": "leeks, eggs", "diet": "vegan", "note": 'a "b"'})


def test_run_quoted_value_may_span_lines_and_escape_quotes():
    cmd = parse_command('run recipe text="line 1\nline \\"2\\"" n=1')
    assert cmd == Run("recipe", {"text": 'line 1\nline "2"', "n": "1"})


def test_run_accepts_smart_quotes():
    assert parse_command("run recipe x=“a b”") == Run("recipe", {"x": "a b"})


def test_run_free_text_keeps_lines():
    cmd = parse_command("run summarize First line.\nSecond, with = sign &amp; more")
    assert cmd == Run("summarize", text="First line.\nSecond, with = sign & more")


def test_run_text_mentions_become_plain_names():
    cmd = parse_command(
        "run greet Say hi to <@U0ANA|ana> in <#C0GEN|general> at <https://x.io|x.io>"
    )
    assert cmd == Run("greet", text="Say hi to @ana in #general at x.io")


def test_settings_all_keys():
    cmd = parse_command(
        "settings recipe approvers=<@U0ANA|ana>, <@U0BO|bo> approvals=2 "
        "auto_propose_after=10 target_model=openai/gemma3:4b"
    )
    assert cmd == Settings(
        "recipe",
        change(
            approvers=("U0ANA", "U0BO"),
            approvals_required=2,
            auto_propose_after=10,
            target_model="openai/gemma3:4b",
        ),
    )
    assert cmd.changed == ("target_model", "approvers", "approvals", "auto_propose_after")
    assert cmd.has_changes
    assert not Settings("recipe").has_changes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<@U0ANA>", ("U0ANA",)),
        ("<@U0ANA|ana>,<@U0ANA|ana>", ("U0ANA",)),
        ("@U0ANA12,U0BO1234", ("U0ANA12", "U0BO1234")),
        ("any", ()),
    ],
)
def test_settings_approvers_forms(value, expected):
    assert parse_command(f"settings recipe approvers={value}").change.approvers == expected


def test_settings_schedule_keys_and_their_aliases():
    cmd = parse_command(
        "settings recipe daily_digest=on proposal_ttl_hours=48 remind_after_hours=6"
    )
    assert cmd == Settings(
        "recipe", change(daily_digest=True, proposal_ttl_hours=48, remind_after_hours=6)
    )
    assert cmd.changed == ("daily_digest", "proposal_ttl_hours", "remind_after_hours")
    short = parse_command("settings recipe digest=off ttl_hours=2160 remind_after=off")
    assert short == Settings(
        "recipe", change(daily_digest=False, proposal_ttl_hours=2160, remind_after_hours=None)
    )
    assert short.has_changes  # daily_digest=off is a change, not "unchanged"


def test_settings_auto_propose_off_and_model_offline():
    cmd = parse_command("settings recipe auto_propose_after=off target_model=offline")
    assert cmd == Settings("recipe", change(auto_propose_after=None, target_model="offline"))
    assert cmd != Settings("recipe", change(target_model="offline"))  # off is a change


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rnu recipe", "Unknown subcommand `rnu`. Did you mean `run`?"),
        ("pr0pose recipe", "Did you mean `propose`?"),
        ("frobnicate", "Unknown subcommand `frobnicate`. Try `/align help`."),
        ("help nope", "Unknown subcommand `nope`"),
        ("show", "`show` needs a template name."),
        ("run", "`run` needs a template name."),
        ("new -Recipe text", "`-Recipe` is not a valid template name"),
        ("new my;recipe text", "(e.g. `my-recipe`)"),
        ("show " + "a" * 81, "is not a valid template name: use 1–80 letters, digits"),
        ("show recipe v0", "versions start at `v1`"),
        ("show recipe vx", "`vx` is not a version"),
        ("show recipe v2 v3", "Unexpected `v3`"),
        ("rollback recipe", "`rollback` needs a version like `v2`."),
        ("rollback recipe v-1", "`v-1` is not a version"),
        ("diff recipe v1", "`diff` needs two versions"),
        ("diff recipe v2 v2", "the same version"),
        ("mode recipe", "Which mode?"),
        ("mode recipe fast", "`fast` is not a mode: choose `principles` or `direct`."),
        ("history recipe extra", "Unexpected `extra` after the template name."),
        ("list all", "Unexpected `all`"),
        ("run recipe topic=cats and dogs", "`and` is not `key=value`; quote values"),
        ('run recipe topic="cats', "opening quote but no closing quote"),
        ("run recipe a=1 a=2", "`a` is given twice."),
        ("run recipe a=", "`a` has no value"),
        ('run recipe a="x"b', "space after the closing quote"),
        ("settings recipe approvals", "`approvals` is not `key=value`"),
        ("settings recipe aprovers=any", "Unknown setting `aprovers`. Did you mean `approvers`?"),
        ("settings recipe color=red", "Unknown setting `color`."),
        ("settings recipe approvals=0", "`approvals` must be a whole number of at least 1"),
        ("settings recipe approvals=two", "not `two`"),
        ("settings recipe auto_propose_after=soon", "or `off`"),
        ("settings recipe approvers=@ana", "`@ana` in `approvers` is not a person"),
        ("settings recipe approvers=<!channel>", "`<!channel>` in `approvers` is not a person"),
        ("settings recipe target_model=gpt4", "`gpt4` is not a model name"),
        ("settings recipe target_model=claude/x", "`claude` is not a known model provider"),
        ("settings recipe approvers=<@U0ANA> approvals=2", "needs at least 2 approvers"),
        ("settings recipe approvals=1 approvals=2", "`approvals` is given twice."),
        ("settings recipe approvals=51", "`approvals=51` is too large (at most 50)"),
        ("settings recipe daily_digest=maybe", "`daily_digest` must be `on` or `off`, not `maybe`"),
        ("settings recipe daily_digest=", "`daily_digest` has no value."),
        ("settings recipe dayly_digest=on", "Did you mean `daily_digest`?"),
        ("settings recipe proposal_ttl_hours=0", "`proposal_ttl_hours` must be a whole number"),
        ("settings recipe proposal_ttl_hours=off", "not `off`"),
        ("settings recipe proposal_ttl_hours=2161", "too large (at most 2,160)"),
        ("settings recipe remind_after_hours=soon", "at least 1 or `off`, not `soon`"),
        ("settings recipe remind_after_hours=721", "too large (at most 720)"),
        ("settings recipe digest=on daily_digest=off", "`daily_digest` is given twice."),
    ],
)
def test_bad_input_gets_a_specific_message(text, message):
    with pytest.raises(CommandError) as err:
        parse_command(text)
    assert message in str(err.value)


def test_usage_is_attached_where_it_helps():
    with pytest.raises(CommandError) as err:
        parse_command("mode recipe")
    assert err.value.usage == "/align mode NAME principles|direct"
    assert str(err.value).endswith("Usage: `/align mode NAME principles|direct`")


def test_oversize_text_is_refused():
    with pytest.raises(CommandError, match="too long"):
        parse_command("run recipe " + "x" * 50_000)


def test_every_help_example_parses_and_uses_the_sandboxs_template():
    """A new user in the sandbox can paste any example: it names the seeded template."""
    from bot.sandbox.runner import SEED_COMMANDS
    from bot.slack.commands.usage import SUBCOMMANDS

    seeded = parse_command(SEED_COMMANDS[0].removeprefix("/align ")).name
    for usage in SUBCOMMANDS:
        # Slack sends a picked @mention as <@U…|name>.
        typed = re.sub(r"@(\w+)", lambda m: f"<@U0{m[1].upper()}|{m[1]}>", usage.example)
        cmd = parse_command(typed.removeprefix("/align "))
        name = getattr(cmd, "name", None)
        if usage.name == "new":
            assert name != seeded  # a new template: a name not taken yet
        elif name is not None:
            assert name == seeded, usage.example


def test_diff_without_versions_compares_the_last_two():
    assert parse_command("diff recipe") == Diff("recipe", None, None)


def test_the_slash_parser_and_storage_share_one_name_rule(store) -> None:
    """`Recipe.v2` is a name storage keeps, so `/align show Recipe.v2` must find it."""
    t = store.create_template("T1", "Recipe.v2", "Hi {{x}}", channel_id=None, author="U1")
    assert parse_command("show Recipe.v2") == Show("Recipe.v2")
    assert store.get_template("T1", parse_command("show Recipe.v2").name) == t
    for bad in ("-dash", "x" * 81, "semi;colon"):
        with pytest.raises(InvalidInput) as stored:
            store.create_template("T1", bad, "text", channel_id=None, author="U1")
        with pytest.raises(CommandError) as typed:
            parse_command(f"new {bad} Hi {{{{x}}}}")
        assert str(stored.value) == str(typed.value)
    assert store.list_templates("T1") == [t]


def test_one_limit_per_setting_for_the_slash_parser_and_storage():
    """auto_propose_after was limited to 1,000 by the slash parser and 10,000 by storage."""
    top = str(MAX_AUTO_PROPOSE)
    assert parse_command(f"settings t auto_propose_after={top}").change.auto_propose_after == (
        MAX_AUTO_PROPOSE
    )
    stored = TemplateSettings().changed_by(SettingsChange.parse({"auto_propose_after": top}))
    assert stored.auto_propose_after == MAX_AUTO_PROPOSE
    over = str(MAX_AUTO_PROPOSE + 1)
    with pytest.raises(CommandError) as typed:
        parse_command(f"settings t auto_propose_after={over}")
    with pytest.raises(InvalidValue) as direct:
        TemplateSettings.from_json({"auto_propose_after": MAX_AUTO_PROPOSE + 1})
    assert (
        str(typed.value)
        == str(direct.value)
        == (f"`auto_propose_after={over}` is too large (at most {MAX_AUTO_PROPOSE:,}).")
    )


def test_the_settings_help_names_every_setting_as_it_is_typed():
    text = BY_NAME["settings"].summary
    assert [s.name for s in SETTINGS if f"{s.name}=" not in text] == []
