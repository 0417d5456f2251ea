"""A listener's exception: a wrong request is a 400 (Slack would only send it again), an outage
stays a 500 (so that Slack does send it again and nothing acknowledged is lost)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy.exc import OperationalError

from bot.sandbox.slack_sim.signing import signed_headers
from bot.slack.commands import CommandError
from bot.slack.listeners import errors
from storage.errors import InvalidInput

SECRET = "test-secret"


def dispatch(exc: Exception) -> int:
    def authorize(**_: object) -> AuthorizeResult:  # no Web API call: a known workspace
        return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-test",
                               bot_user_id="U0BOT", bot_id="B0BOT")  # fmt: skip

    app = App(signing_secret=SECRET, authorize=authorize)
    errors.register(app)

    @app.command("/align")
    def fail(ack):
        raise exc

    body = urlencode({"command": "/align", "text": "x", "team_id": "T1", "user_id": "U1",
                      "channel_id": "C1"})  # fmt: skip
    headers = signed_headers(SECRET, body.encode(), now=time.time())
    return app.dispatch(BoltRequest(body=body, headers=headers)).status


@pytest.mark.parametrize(
    "exc",
    [InvalidInput("event id is longer than 255 characters"), CommandError("no such subcommand")],
    ids=["storage refuses a value", "a command that does not parse"],
)
def test_a_wrong_request_is_a_400(exc):
    assert dispatch(exc) == 400


def test_a_database_outage_stays_a_500_so_that_slack_retries():
    assert dispatch(OperationalError("INSERT …", {}, Exception("server closed"))) == 500
