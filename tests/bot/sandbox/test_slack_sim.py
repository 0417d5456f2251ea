"""The Slack simulator against the real slack-sdk WebClient and a real Bolt app over HTTP."""

from __future__ import annotations

import json
import threading
import time

import pytest
from slack_bolt import App
from slack_bolt.adapter.starlette import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from bot.sandbox.slack_sim import DeliveryOptions, SimError
from bot.server import BackgroundServer
from tests import local_http

BUTTONS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Run 1*"}},
    {
        "type": "actions",
        "block_id": "run_actions",
        "elements": [
            {
                "type": "button",
                "action_id": "run_again",
                "text": {"type": "plain_text", "text": "Run again"},
                "value": "run-42",
            },
            {
                "type": "button",
                "action_id": "mark_done",
                "text": {"type": "plain_text", "text": "Done"},
                "value": "run-42",
            },
        ],
    },
]
MODAL = {
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
}


@pytest.fixture
def client(sim):
    return WebClient(token=sim.bot_token, base_url=sim.api_url)


def api_error(call) -> dict:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value.response.data


# -- Web API --------------------------------------------------------------------------------
def test_auth_test_names_the_bot(client, sim):
    auth = client.auth_test()
    assert auth["user_id"] == sim.state.team.bot_user_id
    assert auth["bot_id"] == sim.state.team.bot_id


def test_messages_threads_and_history(client, sim):
    parent = client.chat_postMessage(channel="C0GENERAL", text="parent", blocks=BUTTONS)
    client.chat_postMessage(channel="C0GENERAL", text="reply 1", thread_ts=parent["ts"])
    client.chat_postMessage(channel="general", text="reply 2", thread_ts=parent["ts"])
    replies = client.conversations_replies(channel="C0GENERAL", ts=parent["ts"])["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply 1", "reply 2"]
    assert replies[0]["reply_count"] == 2 and replies[0]["thread_ts"] == parent["ts"]
    history = client.conversations_history(channel="C0GENERAL")["messages"]
    assert [m["text"] for m in history] == ["parent"]  # replies stay in the thread
    assert history[0]["blocks"][1]["elements"][0]["value"] == "run-42"
    link = client.chat_getPermalink(channel="C0GENERAL", message_ts=parent["ts"])["permalink"]
    assert link.endswith("/archives/C0GENERAL/p" + parent["ts"].replace(".", ""))


def test_ts_are_unique_and_increasing_under_concurrency(client, sim):
    tss: list[str] = []

    def post(n: int) -> None:
        for i in range(15):
            tss.append(client.chat_postMessage(channel="C0GENERAL", text=f"{n}-{i}")["ts"])

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(tss)) == 60
    stored = [m["ts"] for m in sim.messages("general")]
    assert stored == sorted(stored, key=float) and len(stored) == 60
    assert all(len(ts.split(".")[1]) == 6 for ts in stored)


def test_update_delete_and_reactions(client, sim):
    ts = client.chat_postMessage(channel="C0GENERAL", text="v1")["ts"]
    client.chat_update(channel="C0GENERAL", ts=ts, text="v2")
    client.reactions_add(channel="C0GENERAL", timestamp=ts, name="eyes")
    msg = client.reactions_get(channel="C0GENERAL", timestamp=ts)["message"]
    assert msg["text"] == "v2"
    assert msg["reactions"] == [{"name": "eyes", "users": ["U0ALIGNBOT"], "count": 1}]
    err = api_error(lambda: client.reactions_add(channel="C0GENERAL", timestamp=ts, name="eyes"))
    assert err["error"] == "already_reacted"
    client.reactions_remove(channel="C0GENERAL", timestamp=ts, name="eyes")
    err = api_error(lambda: client.reactions_remove(channel="C0GENERAL", timestamp=ts, name="eyes"))
    assert err["error"] == "no_reaction"
    client.chat_delete(channel="C0GENERAL", ts=ts)
    assert sim.messages("general") == []
    err = api_error(lambda: client.chat_update(channel="C0GENERAL", ts=ts, text="v3"))
    assert err["error"] == "message_not_found"


def test_slack_errors(client, sim):
    assert api_error(lambda: client.chat_postMessage(channel="CNOPE", text="x"))["error"] == (
        "channel_not_found"
    )
    assert api_error(lambda: client.users_info(user="UNOPE"))["error"] == "user_not_found"
    bad = WebClient(token="xoxb-wrong", base_url=sim.api_url)
    assert api_error(bad.auth_test)["error"] == "invalid_auth"
    raw = local_http.post(sim.api_url + "auth.test")
    assert raw.json() == {"ok": False, "error": "not_authed"}
    sim.post_message("alice", "general", "a person's message")
    ts = sim.messages("general")[0]["ts"]
    err = api_error(lambda: client.chat_update(channel="C0GENERAL", ts=ts, text="hijack"))
    assert err["error"] == "cant_update_message"
    assert sim.messages("general")[0]["text"] == "a person's message"


def test_oversize_blocks_are_refused_and_nothing_is_posted(client, sim):
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    err = api_error(
        lambda: client.chat_postMessage(channel="C0GENERAL", text="x", blocks=long_section)
    )
    assert err["error"] == "invalid_blocks" and "3000" in err["errors"][0]
    many = [{"type": "divider"}] * 51
    err = api_error(lambda: client.chat_postMessage(channel="C0GENERAL", text="x", blocks=many))
    assert err["error"] == "invalid_blocks"
    with pytest.warns(UserWarning):  # slack-sdk warns too: text is the accessible fallback
        assert api_error(lambda: client.chat_postMessage(channel="C0GENERAL"))["error"] == "no_text"
    assert sim.messages("general") == []


def test_form_encoded_body_with_blocks_as_a_json_string(sim):
    resp = local_http.post(
        sim.api_url + "chat.postMessage",
        data={"channel": "general", "text": "form", "blocks": json.dumps(BUTTONS)},
        headers={"Authorization": f"Bearer {sim.bot_token}"},
    )
    assert resp.json()["ok"] is True
    assert sim.messages("general")[0]["blocks"][0]["text"]["text"] == "*Run 1*"


def test_rate_limit_is_retried_after_retry_after(sim):
    client = WebClient(token=sim.bot_token, base_url=sim.api_url)
    sim.fail_next("chat.postMessage", status=429, retry_after=1)
    assert api_error(lambda: client.chat_postMessage(channel="C0GENERAL", text="x"))["error"] == (
        "ratelimited"
    )
    sim.fail_next("chat.postMessage", status=429, retry_after=1)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    start = time.monotonic()
    client.chat_postMessage(channel="C0GENERAL", text="after the wait")
    assert time.monotonic() - start >= 1.0
    assert [m["text"] for m in sim.messages("general")] == ["after the wait"]


def test_server_errors_are_retried(sim):
    client = WebClient(token=sim.bot_token, base_url=sim.api_url)
    quick = FixedValueRetryIntervalCalculator(0.01)  # the sim's faults, not the backoff, tested
    client.retry_handlers.append(
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick)
    )
    sim.fail_next("chat.postMessage", status=503, times=2)
    client.chat_postMessage(channel="C0GENERAL", text="third time")
    statuses = [c["status"] for c in sim.api_calls if c["method"] == "chat.postMessage"]
    assert statuses == [503, 503, 200]


def test_views_need_a_trigger_and_respect_hashes(client, sim):
    assert api_error(lambda: client.views_open(trigger_id="bogus", view=MODAL))["error"] == (
        "invalid_trigger_id"
    )
    trigger = sim.views.issue_trigger("U0ALICE")
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert [v["id"] for v in sim.open_views("alice")] == [view["id"]]
    assert api_error(lambda: client.views_open(trigger_id=trigger, view=MODAL))["error"] == (
        "invalid_trigger_id"  # a trigger works once
    )
    client.views_update(
        view_id=view["id"], view=MODAL | {"private_metadata": "x"}, hash=view["hash"]
    )
    err = api_error(lambda: client.views_update(view_id=view["id"], view=MODAL, hash=view["hash"]))
    assert err["error"] == "hash_conflict"
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    client.views_publish(user_id="U0BOB", view=home)
    assert sim.home_view("bob")["blocks"][0]["text"]["text"] == "hi"


# -- a real Bolt app over HTTP -----------------------------------------------------------------
@pytest.fixture
def bolt(sim):
    """A tiny Bolt app behind Starlette on its own port, wired to the simulator."""
    app = App(
        name="sim-test",  # a name: else Bolt reads the caller's whole stack to make one
        signing_secret=sim.signing_secret,
        client=WebClient(token=sim.bot_token, base_url=sim.api_url),
    )
    seen: dict[str, list] = {"messages": [], "retries": [], "reactions": [], "submitted": []}

    @app.middleware
    def record_retries(req, resp, next):
        seen["retries"].append(req.headers.get("x-slack-retry-num", [None])[0])
        return next()

    @app.event("message")
    def on_message(event, say):
        seen["messages"].append(event)
        if not event.get("bot_id"):
            say(text=f"echo: {event['text']}", thread_ts=event.get("thread_ts") or event["ts"])

    @app.event("reaction_added")
    def on_reaction(event):
        seen["reactions"].append(event["reaction"])

    @app.command("/align")
    def on_align(ack, command, respond, client):
        if command["text"] == "new":
            ack()
            client.views_open(trigger_id=command["trigger_id"], view=MODAL)
        else:
            ack(text=f"you said {command['text']}")
            respond(text="later, privately")

    @app.action("run_again")
    def on_run_again(ack, body, respond):
        ack()
        respond(text=f"running {body['actions'][0]['value']}", response_type="in_channel")

    @app.action("mark_done")
    def on_done(ack, respond):
        ack()
        respond(text="marked done", replace_original=True)

    @app.event("app_home_opened")
    def on_home(event, client):
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Your templates*"}}]
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": blocks})

    @app.view("new_template")
    def on_submit(ack, view):
        name = view["state"]["values"]["name"]["name_input"]["value"]
        if " " in name:
            ack(response_action="errors", errors={"name": "no spaces, please"})
        else:
            seen["submitted"].append(name)
            ack()

    handler = SlackRequestHandler(app)

    async def endpoint(req: Request):
        return await handler.handle(req)

    server = BackgroundServer(
        Starlette(routes=[Route("/slack/events", endpoint, methods=["POST"])])
    )
    server.start()
    sim.set_app_url(server.url + "/slack/events")
    yield seen
    server.stop()


def bot_replies(sim, ts):
    return [m["text"] for m in sim.thread("general", ts)[1:] if m.get("bot_id")]


def test_bolt_receives_a_signed_message_event_and_answers_in_the_thread(sim, bolt):
    result = sim.post_message("alice", "general", "hello bot")
    assert result.status == 200 and result.elapsed_ms > 0
    assert sim.wait_for(lambda: bot_replies(sim, result.ts)) == ["echo: hello bot"]
    event = bolt["messages"][0]
    assert event["user"] == "U0ALICE" and event["channel"] == "C0GENERAL"
    assert sim.deliveries[0].event_id == result.event_id


def assert_only_barrier_arrives(sim, bolt) -> None:
    """What was sent before reached no listener: a person's message sent after it arrives, and
    it is the only one that did (a condition to wait for, not a sleep)."""
    sim.post_message("carol", "general", "barrier")
    sim.wait_for(lambda: bolt["messages"])
    assert [m["text"] for m in bolt["messages"]] == ["barrier"]


def test_forged_and_stale_signatures_are_refused(sim, bolt):
    forged = sim.post_message("bob", "general", "x", options=DeliveryOptions(forge_signature=True))
    stale = sim.post_message("bob", "general", "y", options=DeliveryOptions(stale_timestamp=True))
    assert (forged.status, stale.status) == (401, 401)
    assert_only_barrier_arrives(sim, bolt)


def test_retried_delivery_carries_retry_headers(sim, bolt):
    result = sim.add_reaction("carol", "general", sim.post_message("bob", "general", "m").ts, "+1",
                              options=DeliveryOptions(retries=2))  # fmt: skip
    assert [d.retry_num for d in result.deliveries] == [None, 1, 2]
    assert all(d.status == 200 for d in result.deliveries)
    assert {d.event_id for d in result.deliveries} == {result.event_id}
    assert bolt["retries"][-3:] == [None, "1", "2"]
    # Bolt itself does not deduplicate: all three reach the listener (the app's inbox must).
    assert sim.wait_for(lambda: bolt["reactions"] == ["+1", "+1", "+1"])  # listeners run after ack
    msg = sim.messages("general")[0]
    assert msg["reactions"] == [{"name": "+1", "users": ["U0CAROL"], "count": 1}]
    with pytest.raises(SimError, match="already_reacted"):
        sim.add_reaction("carol", "general", msg["ts"], "+1")


def test_slash_command_ack_and_response_url_become_ephemerals(sim, bolt):
    result = sim.slash_command("alice", "general", "/align", "hello")
    assert result.status == 200

    def texts():
        return sorted(m["text"] for m in sim.ephemerals("alice"))

    # The ack's text and the response_url post race, in Slack as here: order is not promised.
    assert sim.wait_for(lambda: len(texts()) == 2)
    assert texts() == ["later, privately", "you said hello"]
    assert sim.ephemerals("bob") == [] and sim.messages("general") == []


def test_button_click_and_modal_submission(sim, bolt, client):
    ts = client.chat_postMessage(channel="C0GENERAL", text="run", blocks=BUTTONS)["ts"]
    assert sim.click_button("bob", "general", ts, "run_again").status == 200
    posted = sim.wait_for(lambda: [m["text"] for m in sim.messages("general")][1:])
    assert posted == ["running run-42"]
    with pytest.raises(SimError, match="action_not_found"):
        sim.click_button("bob", "general", ts, "no_such_button")

    sim.slash_command("alice", "general", "/align", "new")
    view = sim.wait_for(lambda: sim.open_views("alice"))[0]
    refused = sim.submit_view("alice", view["id"], {"name_input": "two words"})
    assert refused.view_errors == {"name": "no spaces, please"}
    assert sim.open_views("alice")  # stays open to fix the error
    assert sim.submit_view("alice", view["id"], {"name_input": "summary"}).status == 200
    assert sim.open_views("alice") == [] and bolt["submitted"] == ["summary"]


def test_app_gets_a_failed_delivery_logged_when_nobody_listens(sim):
    sim.set_app_url("http://127.0.0.1:9/slack/events")
    result = sim.slash_command("alice", "general", "/align", "help")
    assert result.status == 0 and result.deliveries[0].error
    assert sim.ephemerals("alice")[0]["text"] == '/align failed with the error "dispatch_failed"'


def test_page_api_acts_as_a_person(sim, bolt):
    resp = local_http.post(
        sim.url + "/sim/api/post_message",
        json={"user": "alice", "channel": "general", "text": "via the page"},
        timeout=10,
    )
    assert resp.json()["status"] == 200
    ts = resp.json()["ts"]
    assert sim.wait_for(lambda: bot_replies(sim, ts)) == ["echo: via the page"]
    missing = local_http.post(sim.url + "/sim/api/add_reaction", json={"user": "alice"})
    assert missing.status_code == 400 and missing.json()["detail"] == "missing field: channel"
    state = local_http.get(sim.url + "/sim/api/state").json()
    assert state["messages"]["C0GENERAL"][0]["text"] == "via the page"


def test_response_url_replaces_the_original_message(sim, bolt, client):
    ts = client.chat_postMessage(channel="C0GENERAL", text="run", blocks=BUTTONS)["ts"]
    sim.click_button("alice", "general", ts, "mark_done")
    sim.wait_for(lambda: sim.messages("general")[0]["text"] == "marked done")
    assert "blocks" not in sim.messages("general")[0]  # replaced wholesale, buttons gone


def test_app_home_opened_lets_the_app_publish_a_home_tab(sim, bolt):
    assert sim.home_view("carol") is None
    assert sim.open_app_home("carol").status == 200
    home = sim.wait_for(lambda: sim.home_view("carol"))
    assert home["blocks"][0]["text"]["text"] == "*Your templates*"
    assert sim.home_view("alice") is None  # per person


def test_bot_messages_come_back_with_bot_id_only_when_asked(bolt, sim, client):
    client.chat_postMessage(channel="C0GENERAL", text="quiet")
    assert [d.label for d in sim.deliveries] == []  # the default: not delivered
    sim.deliver_bot_messages = True
    client.chat_postMessage(channel="C0GENERAL", text="echoed")
    delivery = sim.wait_for(lambda: [d for d in sim.deliveries if d.label == "message"])[0]
    assert delivery.status == 200
    assert_only_barrier_arrives(sim, bolt)  # Bolt ignores the app's own messages by their bot_id


def test_submit_view_values_by_block_id_when_action_ids_repeat(sim, client):
    def var(name):
        return {
            "type": "input",
            "block_id": f"var:{name}",
            "label": {"type": "plain_text", "text": name},
            "element": {"type": "plain_text_input", "action_id": "var_input"},
        }

    modal = MODAL | {"callback_id": "run", "blocks": [var("a"), var("b")]}
    view = client.views_open(trigger_id=sim.views.issue_trigger("U0BOB"), view=modal)["view"]
    with pytest.raises(SimError, match="required_field_missing"):
        sim.submit_view("bob", view["id"], {"var:a": "1"})
    sim.submit_view("bob", view["id"], {"var:a": "1", "var:b": "2"})
    values = sim.views.find(view["id"])["state"]["values"]
    assert values["var:a"]["var_input"]["value"] == "1"
    assert values["var:b"]["var_input"]["value"] == "2"


def test_clear_keeps_people_and_channels(sim, client):
    client.chat_postMessage(channel="C0GENERAL", text="x")
    before = sim.state.version
    sim.state.clear()
    assert sim.messages("general") == [] and sim.state.version > before
    assert sim.user_id("alice") == "U0ALICE" and client.conversations_info(channel="general")["ok"]


def test_page_api_refuses_other_sites(sim):
    """A web page elsewhere cannot drive the sandbox through the visitor's browser."""
    body = '{"user": "alice", "channel": "general", "text": "from evil.example"}'
    url = sim.url + "/sim/api/post_message"
    plain = local_http.post(url, content=body, headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    evil = {"Content-Type": "application/json", "Host": "evil.example"}
    rebound = local_http.post(url, content=body, headers=evil)
    assert rebound.status_code == 403
    assert (
        local_http.get(sim.url + "/sim/api/state", headers={"Host": "evil.example"}).status_code
        == 403
    )
    assert sim.messages("general") == []


def test_files_upload_v2_shares_a_file_served_back_as_text(sim, client):
    content = '{"template": "<script>alert(1)</script>"}'
    resp = client.files_upload_v2(
        channel="C0GENERAL", filename="export.json", content=content, title="Export",
        initial_comment="Here it is",
    )  # fmt: skip
    msg = sim.messages("general")[0]
    assert msg["text"] == "Here it is" and msg["files"][0]["id"] == resp["file"]["id"]
    served = local_http.get(msg["files"][0]["url_private"])
    assert served.text == content
    assert served.headers["content-type"].startswith("text/plain")
    err = api_error(lambda: client.files_completeUploadExternal(files=[{"id": "FNOPE"}]))
    assert err["error"] == "file_not_found"
