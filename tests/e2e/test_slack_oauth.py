"""Multi-workspace mode: the bot token comes from the installation stored in our database."""

from __future__ import annotations

from slack_sdk.oauth.installation_store import Installation

from storage import Store
from tests.e2e.helpers import CHANNEL, TEAM, finished_run


def test_installed_workspace_is_served_with_its_own_bot_token(sim, bot_server, sqlite_engine):
    store = Store(sqlite_engine)
    store.installation_store("111.222").save(
        Installation(
            app_id="A0ALIGNBOT",
            team_id=TEAM,
            bot_token=sim.bot_token,
            bot_id="B0ALIGNBOT",
            bot_user_id="U0ALIGNBOT",
            bot_scopes=["chat:write", "commands"],
            user_id="U0ALICE",
        )
    )
    app = bot_server(SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="s")
    assert app.bot.bolt.oauth_flow is not None
    r = sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    assert r.status == 200 and "summary v1" in r.body
    sim.slash_command("alice", CHANNEL, "/align", 'run summary text="hello"')
    run = finished_run(sim, store, "summary")
    assert run.status.value == "done"
    # Replies in the run's thread: a person's is feedback; the bot's own user (known from the
    # installation through Bolt's context, with no second auth.test) is not.
    sim.post_message("alignbot", CHANNEL, "Noted, thanks", thread_ts=run.message_ts)
    sim.post_message("bob", CHANNEL, "Name the date", thread_ts=run.message_ts)
    sim.wait_for(lambda: store.count_pending(run.template_id) >= 1)
    app.bot.worker.wait_idle()
    [feedback] = store.pending_feedback(run.template_id)
    assert (feedback.author, feedback.text) == ("U0BOB", "Name the date")


def test_a_workspace_without_installation_is_refused(sim, bot_server, sqlite_engine):
    bot_server(SLACK_BOT_TOKEN="", SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="s")
    r = sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    assert Store(sqlite_engine).get_template(TEAM, "summary") is None
    assert (r.status, r.body) == (200, "")  # Bolt acks and does nothing for unknown teams
