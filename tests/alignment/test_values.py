"""The values people type: one parser each, one limit each, whichever door they come through."""

from __future__ import annotations

import pytest

from alignment.models import ModelError, check_model_name
from alignment.settings import (
    SETTINGS,
    SettingsChange,
    TemplateSettings,
    setting,
)
from alignment.values import (
    InvalidValue,
    approvers,
    channel,
    model_name,
    template_name,
    version_number,
    workflow,
)
from alignment.vocabulary import Workflow


@pytest.mark.parametrize("name", ["recipe", "Recipe.v2", "a", "x" * 80, "my_recipe-2"])
def test_good_names(name):
    assert template_name(f" {name} ") == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "A template needs a name."),
        (".hidden", "`.hidden` is not a valid template name: use 1–80 letters, digits"),
        ("x" * 81, "is not a valid template name"),
        ("my recipe", "(e.g. `my-recipe`)"),
        (None, "A template needs a name."),
    ],
)
def test_bad_names(name, message):
    with pytest.raises(InvalidValue) as err:
        template_name(name)
    assert message in str(err.value)


def test_versions_models_modes_people_and_channels():
    assert version_number("v3") == version_number("3") == version_number(3) == 3
    with pytest.raises(InvalidValue, match="versions start at `v1`"):
        version_number("v0")
    assert model_name(" openai/gemma3:4b ") == "openai/gemma3:4b"
    assert check_model_name("offline") == "offline"
    with pytest.raises(ModelError, match="`claude` is not a known model provider"):
        check_model_name("claude/x")  # the engine's check is the same parser
    with pytest.raises(InvalidValue, match="limit is 200"):
        model_name("gemini/" + "x" * 200)
    assert workflow("Direct") is Workflow.DIRECT
    assert approvers("<@U1|ana>, <@U2> U0CAROL1 <@U1>") == ("U1", "U2", "U0CAROL1")
    assert approvers(["U1", "U2"]) == ("U1", "U2") and approvers("anyone") == ()
    assert channel("<#C0NEWS1|news>") == channel("C0NEWS1") == "C0NEWS1"
    with pytest.raises(InvalidValue, match="`#news` is not a channel"):
        channel("#news")


def test_every_setting_is_reachable_by_its_name_and_aliases():
    for s in SETTINGS:
        for key in (s.name, *s.aliases):
            assert setting(key.upper()) is s
    with pytest.raises(InvalidValue, match=r"Did you mean `approvers`\?"):
        setting("aprovers")
    assert set(SettingsChange.model_fields) == {s.field for s in SETTINGS}


def test_a_change_knows_what_it_changes_and_off_is_a_change():
    off = SettingsChange.parse({"remind_after_hours": "off"})
    assert off.remind_after_hours is None and off.changed == ("remind_after_hours",)
    assert off != SettingsChange() and not SettingsChange()
    assert TemplateSettings().changed_by(off).remind_after_hours is None
    kept = TemplateSettings(remind_after_hours=6).changed_by(
        SettingsChange.parse({"daily_digest": "on"})
    )
    assert (kept.remind_after_hours, kept.daily_digest) == (6, True)
