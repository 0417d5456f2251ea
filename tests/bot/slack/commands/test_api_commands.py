"""`/align token|label|webhook …` parsed into typed commands; bad input is named with usage."""

from __future__ import annotations

import pytest

from bot.slack.commands import CommandError, parse_command
from bot.slack.commands import api_commands as a

SCOPES = ("templates:read", "runs:write")
HOOK = "https://x.example/h"
EVENTS = ("label.moved", "version.approved")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("token create ci", a.TokenCreate("ci")),
        ("token create ci templates:read, runs:write", a.TokenCreate("ci", SCOPES)),
        ("token list", a.TokenList()),
        ("token revoke ci", a.TokenRevoke("ci")),
        ("label recipe v3 staging", a.SetLabel("recipe", 3, "staging")),
        ("label recipe v3 Canary", a.SetLabel("recipe", 3, "canary")),
        (f"webhook add <{HOOK}|x.example/h>", a.WebhookAdd(HOOK)),
        (f"webhook add {HOOK} label.moved version.approved", a.WebhookAdd(HOOK, EVENTS)),
        ("webhook list", a.WebhookList()),
        ("webhook log", a.WebhookLog()),
        ("webhook remove 3", a.WebhookRemove("3")),
        ("webhook allow-private off", a.WebhookAllowPrivate(False)),
    ],
)  # fmt: skip
def test_parses(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("token", "Which token command?"),
        ("token create", "Which token command?"),
        ("token create has/slash", "is not a token name"),
        ("token revoke a b", "takes one name"),
        ("label recipe v3", "needs a template, a version and a label"),
        ("label recipe x3 staging", "is not a version"),
        ("label recipe v3 st@ging", "is not a label"),
        ("webhook", "Which webhook command?"),
        ("webhook allow-private maybe", "must be `on` or `off`"),
    ],
)
def test_bad_input_is_named_with_the_usage(text: str, message: str) -> None:
    with pytest.raises(CommandError) as err:
        parse_command(text)
    assert message in str(err.value)
