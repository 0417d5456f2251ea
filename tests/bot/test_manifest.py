"""manifest.yml validates against Slack's own manifest schema and declares what the app uses."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.config import DEFAULT_SCOPES

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "data" / "manifest.schema.1.0.0.json").read_text())


@pytest.fixture
def manifest():
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_is_valid_against_slacks_schema(manifest):
    jsonschema.validate(manifest, SCHEMA)


def test_the_schema_check_would_catch_a_broken_manifest(manifest):
    manifest["features"]["slash_commands"][0]["command"] = "align"  # no leading slash
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(manifest, SCHEMA)
    del manifest["display_information"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(manifest, SCHEMA)


def test_declares_the_align_command(manifest):
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/align"
    assert command["should_escape"] is True  # mentions arrive as <@U…|name> for approvers=
    assert "help" in command["usage_hint"]


def test_declares_the_scopes_the_app_calls_for(manifest):
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {
        "chat:write",  # run and proposal messages, ephemeral errors
        "commands",  # /align
        "reactions:read",  # reaction_added/removed
        "reactions:write",  # acknowledging feedback with a reaction
        "channels:history",  # thread replies in public channels
        "groups:history",  # ... and in private ones
        "app_mentions:read",
        "users:read",
        "files:write",  # long exports
        "files:read",  # /align import reads the attached file (files.info, url_private)
    }
    assert needed <= scopes
    assert tuple(sorted(scopes)) == DEFAULT_SCOPES  # OAuth install asks for the same scopes


def test_declares_the_events_the_listeners_handle(manifest):
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert events == {
        "message.channels",
        "message.groups",
        "reaction_added",
        "reaction_removed",
        "app_mention",
        "app_home_opened",
    }


def test_interactivity_home_tab_and_socket_mode(manifest):
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "alignbot"


def test_schema_copy_is_slacks_with_its_licence():
    data = Path(__file__).parent / "data"
    assert "MIT License" in (data / "LICENSE-manifest-schema").read_text()
    shared = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"
    if shared.exists():  # in the development workspace: the copy is byte-identical
        assert json.loads(shared.read_text()) == SCHEMA
