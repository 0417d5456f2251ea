"""Who may approve, stale proposals, racing approvals, and text that must not ping anyone."""

from __future__ import annotations

import threading

from bot.sandbox.slack_sim import payloads
from bot.sandbox.slack_sim.actions import _find_action
from bot.sandbox.slack_sim.payloads import FORM
from storage import Store
from tests.e2e.helpers import (
    CHANNEL,
    blocks_text,
    finished_run,
    latest_proposal,
    message_at,
    template,
)
from tests.fakes.gemini_server import gemini_text


def _proposal(sim, store, name="summary", after=None):
    sim.slash_command("alice", CHANNEL, "/align", f"propose {name}")
    return sim.wait_for(
        lambda: (
            (p := latest_proposal(store, name))
            and p.message_ts
            and (after is None or p.id != after.id)
            and "proposal_approve" in blocks_text(message_at(sim, p.message_ts))
            and p
        ),
        timeout=20,
    )


def _with_feedback(sim, store, text="Name the new date"):
    info = template(store, "summary")
    before = store.recent_runs(info.id, limit=1)
    known = before[0].id if before else 0
    count = store.count_pending(info.id)
    sim.slash_command("alice", CHANNEL, "/align", 'run summary text="The launch moved to May"')
    run = sim.wait_for(lambda: (r := finished_run(sim, store, "summary")) and r.id != known and r)
    sim.post_message("bob", CHANNEL, text, thread_ts=run.message_ts)
    sim.wait_for(lambda: store.count_pending(info.id) > count)
    return run


def _stale_click(sim, user: str, message: dict, action_id: str) -> None:
    """A click on a button as a person's client still showed it (before the message changed)."""
    uid = sim.user_id(user)
    action = _find_action(message["blocks"], action_id)
    body = payloads.block_actions(
        sim.state,
        user=uid,
        action=action,
        trigger_id=sim.views.issue_trigger(uid),
        response_url=None,
        channel=CHANNEL,
        message=message,
    )
    sim.deliverer.send("interactive", "block_actions", body, FORM, None)


def _refusals(sim, user):
    return [blocks_text(m) for m in sim.ephemerals(user) if ":no_entry:" in blocks_text(m)]


def test_not_allowed_and_superseded_approvals_are_refused_privately(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    sim.slash_command("alice", CHANNEL, "/align", "settings summary approvers=<@U0BOB>")
    _with_feedback(sim, store)
    first = _proposal(sim, store)

    sim.click_button("carol", CHANNEL, first.message_ts, "proposal_approve")
    refusal = sim.wait_for(lambda: _refusals(sim, "carol"))
    assert "not one of the approvers" in refusal[0] and "<@U0BOB>" in refusal[0]
    assert not _refusals(sim, "bob") and not _refusals(sim, "alice")
    assert template(store, "summary").active_version.number == 1

    as_shown = message_at(sim, first.message_ts)
    _with_feedback(sim, store, "Shorter, please")
    second = _proposal(sim, store, after=first)
    sim.wait_for(lambda: "Superseded" in blocks_text(message_at(sim, first.message_ts)))
    _stale_click(sim, "bob", as_shown, "proposal_approve")
    refusal = sim.wait_for(lambda: _refusals(sim, "bob"))
    assert "superseded" in refusal[0].lower()
    assert template(store, "summary").active_version.number == 1

    sim.click_button("bob", CHANNEL, second.message_ts, "proposal_approve")
    sim.wait_for(lambda: template(store, "summary").active_version.number == 2)
    assert template(store, "summary").active_version.text == second.text
    # The refusals were for those two people only: nothing about them in the channel or threads.
    public = [m for top in sim.messages(CHANNEL) for m in sim.thread(CHANNEL, top["ts"])]
    assert not [m for m in public if ":no_entry:" in blocks_text(m) or "refused" in m["text"]]


def test_two_approvals_racing_make_one_version(sim, bot_server, db_engine):
    bot_server(store=Store(db_engine))
    helper = bot_server(
        store=Store(db_engine)
    )  # a second instance on the same database: both workers drain the inbox
    store = Store(db_engine)
    sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    _with_feedback(sim, store)
    proposal = _proposal(sim, store)

    clicks = [
        threading.Thread(
            target=sim.click_button, args=(user, CHANNEL, proposal.message_ts, "proposal_approve")
        )
        for user in ("bob", "carol")
    ]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()
    sim.wait_for(lambda: "*Approved*" in blocks_text(message_at(sim, proposal.message_ts)))
    sim.wait_for(lambda: store.inbox_pending_count() == 0)
    helper.bot.worker.wait_idle()
    info = template(store, "summary")
    assert [v.number for v in store.list_versions(info.id)] == [1, 2]
    assert store.get_proposal(proposal.id).status.value == "approved"


def test_model_output_cannot_mention_channel_or_people(sim, bot_server, sqlite_engine, gemini):
    gemini.respond_with(
        lambda request: gemini_text("Hey <!channel>, <!here> and <@U123>: done & <b>")
    )
    bot_server(**gemini.env)
    store = Store(sqlite_engine)
    sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    sim.slash_command(
        "alice", CHANNEL, "/align", "settings summary target_model=gemini/gemini-2.5-flash"
    )
    sim.slash_command(
        "alice", CHANNEL, "/align", 'run summary text="ping <!here> and <@U0BOB|bob>"'
    )
    run = finished_run(sim, store, "summary")
    assert run.output == "Hey <!channel>, <!here> and <@U123>: done & <b>"
    posted = message_at(sim, run.message_ts)
    shown = blocks_text(posted) + posted.get("text", "")
    for markup in ("<!channel>", "<!here>", "<@U123>", "<@U0BOB"):
        assert markup not in shown, markup
    assert "&lt;!channel&gt;" in shown and "&lt;!here&gt;" in shown
    assert "&lt;@U123&gt;" in shown and "&amp;" in shown
    assert "@here" in shown and "@bob" in shown  # the input, shown as typed, pinging no one


def test_two_approvals_needed_the_message_counts_them(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    sim.slash_command("alice", CHANNEL, "/align", "settings summary approvals=2")
    _with_feedback(sim, store)
    proposal = _proposal(sim, store)
    assert "0 of 2 approvals" in blocks_text(message_at(sim, proposal.message_ts))

    sim.click_button("bob", CHANNEL, proposal.message_ts, "proposal_approve")
    sim.wait_for(lambda: "1 of 2 approvals" in blocks_text(message_at(sim, proposal.message_ts)))
    sim.click_button("bob", CHANNEL, proposal.message_ts, "proposal_approve")  # again
    refusal = sim.wait_for(lambda: _refusals(sim, "bob"))
    assert "already" in refusal[0].lower()
    assert template(store, "summary").active_version.number == 1

    sim.click_button("carol", CHANNEL, proposal.message_ts, "proposal_approve")
    sim.wait_for(lambda: "*Approved*" in blocks_text(message_at(sim, proposal.message_ts)))
    assert template(store, "summary").active_version.number == 2
    approved = [m for m in sim.messages(CHANNEL) if "*Approved*" in blocks_text(m)]
    assert [m["ts"] for m in approved] == [proposal.message_ts]  # one message, updated
