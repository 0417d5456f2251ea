"""The simulator's Socket Mode, driven by slack-sdk's own (builtin) SocketModeClient."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.cli.serve import close_socket_mode
from bot.sandbox.slack_sim import DeliveryOptions, SlackSim


def _client(sim: SlackSim, on_request) -> SocketModeClient:
    client = SocketModeClient(
        app_token=sim.app_token,
        web_client=WebClient(base_url=sim.api_url),
        auto_reconnect_enabled=False,
    )
    client.socket_mode_request_listeners.append(on_request)
    return client


@pytest.fixture
def received(sim: SlackSim) -> Iterator[tuple[list[SocketModeRequest], SocketModeClient]]:
    """A connected client that records each request and acks it (a slash command with text)."""
    got: list[SocketModeRequest] = []

    def on_request(client: SocketModeClient, req: SocketModeRequest) -> None:
        got.append(req)
        payload = {"text": "pong"} if req.type == "slash_commands" else None
        client.send_socket_mode_response(SocketModeResponse(req.envelope_id, payload=payload))

    client = _client(sim, on_request)
    client.connect()
    sim.socket.wait_connected()
    yield got, client
    close_socket_mode(client)


def test_connections_open_needs_the_app_level_token(sim):
    with pytest.raises(SlackApiError) as err:
        WebClient(token=sim.bot_token, base_url=sim.api_url).apps_connections_open(
            app_token=sim.bot_token
        )
    assert err.value.response["error"] == "not_allowed_token_type"
    url = WebClient(base_url=sim.api_url).apps_connections_open(app_token=sim.app_token)["url"]
    assert url.startswith(f"ws://127.0.0.1:{sim.port}/link/?ticket=")
    with pytest.raises(SlackApiError) as err:  # and the app token is for nothing else
        WebClient(token=sim.app_token, base_url=sim.api_url).chat_postMessage(
            channel="C0GENERAL", text="hi"
        )
    assert err.value.response["error"] == "not_allowed_token_type"


def test_an_event_goes_over_the_socket_and_is_acked(sim, received):
    got, _ = received
    r = sim.post_message("alice", "general", "hello over the socket")
    assert r.status == 200 and r.deliveries[0].transport == "socket"
    assert r.deliveries[0].error is None
    (req,) = got
    assert req.type == "events_api"
    assert req.envelope_id == r.deliveries[0].envelope_id
    assert req.payload["event"]["text"] == "hello over the socket"
    assert req.payload["event_id"] == r.event_id
    assert req.accepts_response_payload is False
    assert req.retry_attempt == 0 and req.retry_reason == ""


def test_a_retried_event_carries_its_attempt(sim, received):
    got, _ = received
    ts = sim.post_message("alice", "general", "rate me").ts
    r = sim.add_reaction("bob", "general", ts, "+1", options=DeliveryOptions(retries=1))
    assert [d.status for d in r.deliveries] == [200, 200]
    first, retry = got[-2:]
    assert first.payload["event_id"] == retry.payload["event_id"] == r.event_id
    assert (first.retry_attempt, retry.retry_attempt) == (0, 1)
    assert retry.retry_reason == "http_timeout"
    assert first.envelope_id != retry.envelope_id


def test_a_slash_command_ack_payload_is_shown_as_an_ephemeral(sim, received):
    got, _ = received
    r = sim.slash_command("alice", "general", "/align", "help")
    assert r.status == 200
    req = got[-1]
    assert req.type == "slash_commands" and req.accepts_response_payload is True
    assert req.payload["command"] == "/align" and req.payload["text"] == "help"
    assert [e["text"] for e in sim.ephemerals("alice")] == ["pong"]


def test_an_unacked_envelope_times_out_like_slack(sim):
    sim.socket.ack_timeout = 0.5
    seen = threading.Event()
    client = _client(sim, lambda client, req: seen.set())  # never acks
    client.connect()
    try:
        sim.socket.wait_connected()
        r = sim.slash_command("alice", "general", "/align", "help")
        assert seen.wait(10)  # the client got it (its listener runs in the client's own thread)
        assert r.status == 0 and r.deliveries[0].error == "timeout"
        texts = [e["text"] for e in sim.ephemerals("alice")]
        assert texts == ['/align failed with the error "operation_timeout"']
    finally:
        close_socket_mode(client)


def test_without_a_socket_client_deliveries_go_over_http(sim, received):
    _, client = received
    close_socket_mode(client)
    sim.wait_for(lambda: not sim.socket.connected)
    r = sim.post_message("alice", "general", "nobody listens")
    assert r.deliveries[0].transport == "http"
    assert "no app URL" in r.deliveries[0].error


def test_a_view_submission_ack_can_refuse_the_form(sim):
    def on_request(client: SocketModeClient, req: SocketModeRequest) -> None:
        errors = {"response_action": "errors", "errors": {"name": "That name is taken"}}
        payload = errors if req.payload.get("type") == "view_submission" else None
        client.send_socket_mode_response(SocketModeResponse(req.envelope_id, payload=payload))

    client = _client(sim, on_request)
    client.connect()
    try:
        sim.socket.wait_connected()
        web = WebClient(token=sim.bot_token, base_url=sim.api_url)
        view = web.views_open(
            trigger_id=sim.views.issue_trigger("U0ALICE"),
            view={
                "type": "modal",
                "callback_id": "new_template",
                "title": {"type": "plain_text", "text": "New template"},
                "submit": {"type": "plain_text", "text": "Create"},
                "blocks": [
                    {
                        "type": "input",
                        "block_id": "name",
                        "label": {"type": "plain_text", "text": "Name"},
                        "element": {"type": "plain_text_input", "action_id": "name_input"},
                    }
                ],
            },
        )["view"]
        r = sim.submit_view("alice", view["id"], {"name_input": "summary"})
        assert r.deliveries[0].transport == "socket"
        assert r.view_errors == {"name": "That name is taken"}
        assert [v["id"] for v in sim.open_views("alice")] == [view["id"]]  # still open
    finally:
        close_socket_mode(client)
