"""Two workspaces installed over OAuth, each its own simulated Slack: a person in one cannot reach
the other's runs and proposals by sending its ids in button values, modal private_metadata or
event fields. A foreign id is "not found" to them, changes nothing and is logged.

Both simulators sit behind one Web API address (as Slack does: the bot token says which
workspace a call is for), so the bot serves both with its one `SLACK_API_URL`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Installation
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.slack_sim import SlackSim
from bot.sandbox.slack_sim import payloads as sim_payloads
from bot.sandbox.slack_sim.inputs import state_values
from bot.sandbox.slack_sim.state import Team
from bot.server import BackgroundServer
from bot.slack.views import ids, modals
from storage import Store
from tests.e2e.helpers import CHANNEL, TEAM, db_snapshot

CLIENT_ID = "111.222"
BRAVO, BRAVO_CHANNEL = "T0BRAVO", "C0BRAVO"
SECRET_INPUT = "bravo-only launch date is 12 May"


def front(sims: list[SlackSim]) -> Starlette:
    """`/api/<method>` handed to the simulator whose bot token the call carries."""
    by_token = {s.bot_token: s for s in sims}

    async def endpoint(request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        sim = by_token.get(auth.removeprefix("Bearer ").strip())
        if sim is None:
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        return await sim.web_api.endpoint(request)

    return Starlette(routes=[Route("/api/{method}", endpoint, methods=["GET", "POST"])])


def install(store: Store, sim: SlackSim) -> None:
    team = sim.state.team
    store.installation_store(CLIENT_ID).save(
        Installation(
            app_id=team.app_id,
            team_id=team.id,
            bot_token=sim.bot_token,
            bot_id=team.bot_id,
            bot_user_id=team.bot_user_id,
            bot_scopes=["chat:write", "commands"],
            user_id="U0INSTALLER",
        )
    )


@dataclass
class Bravo:
    """Workspace 2's run and pending proposal, which workspace 1 must not reach."""

    sim: SlackSim
    run_id: int
    run_ts: str
    reply_ts: str
    proposal_id: int


@pytest.fixture
def bravo_sim() -> Iterator[SlackSim]:
    team = Team(id=BRAVO, name="Bravo", domain="bravo", bot_id="B0BRAVOBOT",
                bot_user_id="U0BRAVOBOT")  # fmt: skip
    with SlackSim(
        team=team,
        bot_token="xoxb-sim-bravo",
        users=[("U0ZOE", "zoe", "Zoe")],
        channels=[(BRAVO_CHANNEL, "bravo-general")],
    ) as s:
        yield s


@pytest.fixture
def two_workspaces(sim, bravo_sim, bot_server, sqlite_engine) -> Iterator[Bravo]:
    store = Store(sqlite_engine)
    install(store, sim)
    install(store, bravo_sim)
    api = BackgroundServer(front([sim, bravo_sim])).start()
    try:
        bot = bot_server(
            SLACK_BOT_TOKEN="",
            SLACK_CLIENT_ID=CLIENT_ID,
            SLACK_CLIENT_SECRET="s",
            SLACK_API_URL=f"{api.url}/api/",
        )
        bravo_sim.set_app_url(f"{bot.url}/slack/events")
        yield bravo_data(bravo_sim, store)
    finally:
        api.stop()


def bravo_data(bravo: SlackSim, store: Store) -> Bravo:
    bravo.slash_command("zoe", BRAVO_CHANNEL, "/align", "new secret Summarize: {{text}}")
    bravo.slash_command("zoe", BRAVO_CHANNEL, "/align", f'run secret text="{SECRET_INPUT}"')
    info = bravo.wait_for(lambda: store.get_template(BRAVO, "secret"))

    def posted_run():
        runs = store.recent_runs(info.id, limit=1)
        done = runs and runs[0].message_ts and str(runs[0].status.value) == "done"
        return runs[0] if done else None

    run = bravo.wait_for(posted_run, timeout=15)
    reply = bravo.post_message(
        "zoe", BRAVO_CHANNEL, "Name the date first.", thread_ts=run.message_ts
    )
    bravo.wait_for(lambda: store.count_pending(info.id) == 1)
    bravo.slash_command("zoe", BRAVO_CHANNEL, "/align", "propose secret")

    def pending_proposal():
        ps = [p for p in store.list_proposals(info.id) if str(p.status.value) == "pending"]
        return ps[0] if ps and ps[0].message_ts else None

    proposal = bravo.wait_for(pending_proposal, timeout=20)
    bravo.wait_for(lambda: store.inbox_pending_count() == 0)  # the worker is done with it all
    assert reply.ts is not None and run.message_ts is not None
    return Bravo(bravo, run.id, run.message_ts, reply.ts, proposal.id)


def alice_message(sim: SlackSim) -> dict[str, Any]:
    """A message in workspace 1 for alice's forged clicks to come from."""
    ts = sim.post_message("alice", CHANNEL, "just a message").ts
    return next(m for m in sim.messages(CHANNEL) if m["ts"] == ts)


def click(sim: SlackSim, message: dict[str, Any], action_id: str, value: str) -> int:
    body = sim_payloads.block_actions(
        sim.state,
        user="U0ALICE",
        action={"action_id": action_id, "type": "button", "value": value},
        trigger_id=sim.views.issue_trigger("U0ALICE"),
        response_url=None,
        channel=CHANNEL,
        message=message,
    )
    return sim.deliverer.send("interactive", "block_actions", body, sim_payloads.FORM)[0].status


def submit(sim: SlackSim, view: dict[str, Any], text: str) -> dict[str, Any]:
    values = {b["block_id"]: text for b in view["blocks"] if b.get("type") == "input"}
    submitted = {**view, "id": "V0FORGED", "type": "modal", "team_id": TEAM,
                 "state": {"values": state_values(view, values)}}  # fmt: skip
    body = sim_payloads.view_submission(
        sim.state, user="U0ALICE", view=submitted, trigger_id=sim.views.issue_trigger("U0ALICE")
    )
    delivery = sim.deliverer.send("interactive", "view_submission", body, sim_payloads.FORM)[0]
    assert delivery.status == 200
    return json.loads(delivery.body)


def seen_by_workspace_1(sim: SlackSim) -> str:
    """Everything alice could read: the channel, her ephemerals and modals, the API calls."""
    return json.dumps(
        [sim.messages(CHANNEL), sim.ephemerals("alice"), sim.open_views("alice")],
        ensure_ascii=False,
    )


def test_buttons_with_another_workspaces_ids_are_not_found_and_change_nothing(
    sim, two_workspaces, sqlite_engine, caplog
):
    bravo = two_workspaces
    caplog.set_level(logging.WARNING, logger="bot.security")
    message = alice_message(sim)
    before = db_snapshot(sqlite_engine)
    bravo_before = bravo.sim.state_snapshot()
    buttons = [
        (ids.RUN_CRITIQUE, bravo.run_id, "run"),
        (ids.RUN_REWRITE, bravo.run_id, "run"),
        (ids.RUN_AGAIN, bravo.run_id, "run"),
        (ids.PROPOSAL_APPROVE, bravo.proposal_id, "proposal"),
        (ids.PROPOSAL_REJECT, bravo.proposal_id, "proposal"),
        (ids.PROPOSAL_EDIT, bravo.proposal_id, "proposal"),
    ]
    for n, (action_id, foreign_id, what) in enumerate(buttons, start=1):
        assert click(sim, message, action_id, str(foreign_id)) == 200
        notes = sim.wait_for(
            lambda n=n: len(sim.ephemerals("alice")) >= n and sim.ephemerals("alice")
        )
        assert f"There is no {what} #{foreign_id}." in notes[-1]["text"], action_id
    assert sim.open_views("alice") == []  # no modal with workspace 2's output or template
    assert SECRET_INPUT not in seen_by_workspace_1(sim)
    assert db_snapshot(sqlite_engine) == before
    after = bravo.sim.state_snapshot()
    assert after["messages"] == bravo_before["messages"]
    refused = [r for r in caplog.records if "another workspace" in r.getMessage()]
    assert len(refused) == len(buttons)


def test_modals_with_another_workspaces_ids_are_refused_in_the_modal_and_change_nothing(
    sim, two_workspaces, sqlite_engine, caplog
):
    bravo = two_workspaces
    caplog.set_level(logging.WARNING, logger="bot.security")
    before = db_snapshot(sqlite_engine)
    run, proposal = str(bravo.run_id), str(bravo.proposal_id)
    forged = [
        (modals.critique_modal(run), f"There is no run #{run}."),
        (modals.rewrite_modal(run), f"There is no run #{run}."),
        (modals.reject_modal(proposal, "secret"), f"There is no proposal #{proposal}."),
        (modals.proposal_edit_modal(proposal, "secret", "Hi {{text}}"),
         f"There is no proposal #{proposal}."),
    ]  # fmt: skip
    for view, expected in forged:
        answer = submit(sim, view, "Hi {{text}}")
        assert answer["response_action"] == "errors"
        assert expected in json.dumps(answer["errors"]), view["callback_id"]
    assert db_snapshot(sqlite_engine) == before
    assert SECRET_INPUT not in seen_by_workspace_1(sim)
    assert len([r for r in caplog.records if "another workspace" in r.getMessage()]) == 4


def test_events_naming_another_workspaces_messages_change_nothing(
    sim, two_workspaces, sqlite_engine
):
    """Reactions, replies and deletions are matched to runs in the sender's workspace only
    (Slack Connect channels even share their ids across workspaces)."""
    bravo = two_workspaces
    before = db_snapshot(sqlite_engine)
    bravo_before = bravo.sim.state_snapshot()
    events = [
        {"type": "reaction_added", "user": "U0ALICE", "reaction": "-1",
         "item": {"type": "message", "channel": BRAVO_CHANNEL, "ts": bravo.run_ts}},
        {"type": "message", "user": "U0ALICE", "channel": BRAVO_CHANNEL, "text": "rewrite: pwned",
         "ts": "1700000000.000200", "thread_ts": bravo.run_ts},
        {"type": "message", "subtype": "message_deleted", "channel": BRAVO_CHANNEL,
         "ts": "1700000000.000300", "deleted_ts": bravo.reply_ts,
         "previous_message": {"user": "U0ZOE", "text": "Name the date first.",
                              "ts": bravo.reply_ts, "thread_ts": bravo.run_ts}},
    ]  # fmt: skip
    for event in events:
        _, body = sim_payloads.event_envelope(sim.state, event)
        delivery = sim.deliverer.send("event", event["type"], body, sim_payloads.JSON)[0]
        assert delivery.status == 200
    store = Store(sqlite_engine)
    sim.wait_for(lambda: store.inbox_pending_count() == 0)
    after = db_snapshot(sqlite_engine)  # the events were stored, then found nothing to act on
    assert {k: v for k, v in after.items() if k != "inbox"} == {
        k: v for k, v in before.items() if k != "inbox"
    }
    assert bravo.sim.state_snapshot()["messages"] == bravo_before["messages"]
    assert not [m for m in sim.messages(CHANNEL) if m.get("bot_id")]
