import pytest

from alignment.feedback import FeedbackKind
from bot.slack.commands import classify_reply


@pytest.mark.parametrize(
    ("text", "kind", "body"),
    [
        (
            "Too long, and it ignored the budget.",
            "critique",
            "Too long, and it ignored the budget.",
        ),
        ("rewrite: Leek soup, 20 minutes.", "rewrite", "Leek soup, 20 minutes."),
        ("Rewrite :   Leek soup", "rewrite", "Leek soup"),
        ("*rewrite:* Leek soup", "rewrite", "Leek soup"),
        ("```\nLeek soup\nwith bread\n```", "rewrite", "Leek soup\nwith bread"),
        ("Better:\n```Leek soup```", "rewrite", "Leek soup"),
        ("rewrite: ```\nLeek soup\n```", "rewrite", "Leek soup"),
        ("principle: Never use alcohol.", "principle", "Never use alcohol."),
        ("PRINCIPLE:Never use alcohol.", "principle", "Never use alcohol."),
        ("kudos: Exactly the right length!", "kudos", "Exactly the right length!"),
        ("kudos:", "kudos", ""),
        ("critique: bland", "critique", "bland"),
        ("principle: keep ```code``` fenced", "principle", "keep ```code``` fenced"),
        ("I rewrote: nothing", "critique", "I rewrote: nothing"),
    ],
)
def test_classify(text, kind, body):
    assert classify_reply(text) == (FeedbackKind(kind), body)


def test_slack_escapes_and_mentions_come_back_as_typed():
    assert classify_reply("rewrite: fish &amp; chips &lt;3 <@U0ANA|ana>") == (
        FeedbackKind.REWRITE,
        "fish & chips <3 @ana",
    )
