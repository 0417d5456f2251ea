import pytest

from alignment.feedback import Label
from bot.slack.commands import reaction_label


@pytest.mark.parametrize(
    "name",
    [
        "+1",
        "thumbsup",
        "white_check_mark",
        "heart",
        "+1::skin-tone-2",
        "thumbsup::skin-tone-6",
        ":+1:",
    ],
)
def test_good(name):
    assert reaction_label(name) is Label.GOOD


@pytest.mark.parametrize("name", ["-1", "thumbsdown", "x", "-1::skin-tone-4"])
def test_bad(name):
    assert reaction_label(name) is Label.BAD


@pytest.mark.parametrize("name", ["eyes", "tada", "heart_eyes", "x-ray", "", "+10"])
def test_other_reactions_are_not_feedback(name):
    assert reaction_label(name) is None
