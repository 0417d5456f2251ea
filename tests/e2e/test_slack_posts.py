"""What the bot posts, as a new user meets it (issue 11, items 8-15), over real HTTP against the
Slack simulator: every piece of feedback leaves a trace, nothing stays "Running…", edits are
re-evaluated, progress messages go away, errors go to the person who caused them."""

from __future__ import annotations

from typing import Any

from bot.sandbox.slack_sim import SlackSim
from storage import Store
from tests.e2e.helpers import (
    CHANNEL,
    blocks_text,
    bot_messages,
    latest_proposal,
    message_at,
    new_and_run,
    template,
)


def _proposal_message(sim: SlackSim, store: Store, name: str, after_id: int = 0):
    """Wait for a proposal newer than `after_id` whose message shows its buttons."""
    proposal = sim.wait_for(
        lambda: (p := latest_proposal(store, name)) and p.id > after_id and p.message_ts and p,
        timeout=20,
    )
    sim.wait_for(lambda: "proposal_approve" in blocks_text(message_at(sim, proposal.message_ts)))
    return proposal


def _feedback_and_propose(sim: SlackSim, store: Store, run, name: str = "summary"):
    reply = sim.post_message("bob", CHANNEL, "Too vague: name the date", thread_ts=run.message_ts)
    sim.wait_for(
        lambda: any(
            m["ts"] == reply.ts and m.get("reactions") for m in sim.thread(CHANNEL, run.message_ts)
        )
    )
    sim.slash_command("alice", CHANNEL, "/align", f"propose {name}")
    return _proposal_message(sim, store, name)


def _edit(sim: SlackSim, user: str, proposal, text: str) -> tuple[dict[str, Any], Any]:
    sim.click_button(user, CHANNEL, proposal.message_ts, "proposal_edit")
    modal = sim.wait_for(lambda: sim.open_views(user))[-1]
    return modal, sim.submit_view(user, modal["id"], {"template_input": text})


def _ephemeral_text(sim: SlackSim, user: str) -> str:
    return "\n".join(blocks_text(e) for e in sim.ephemerals(user))


def _running(sim: SlackSim) -> list[dict[str, Any]]:
    return [m for m in bot_messages(sim) if "running…" in m.get("text", "").lower()]


# --- item 9: nothing stays "Running…"; placeholder changes are shown before approval ---------


def test_renamed_placeholder_is_warned_and_run_again_never_hangs(sim, bot_server, sqlite_engine):
    app = bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    first = _feedback_and_propose(sim, store, run)

    _edit(sim, "alice", first, "Summarize for the team: {{body}}")
    edited = _proposal_message(sim, store, "summary", after_id=first.id)
    shown = blocks_text(message_at(sim, edited.message_ts))
    assert "Placeholders change" in shown and "renames" in shown, shown
    assert "{{text}}" in shown and "{{body}}" in shown

    sim.click_button("bob", CHANNEL, edited.message_ts, "proposal_approve")
    sim.wait_for(lambda: template(store, "summary").active_version.number == 2)

    sim.click_button("carol", CHANNEL, run.message_ts, "run_again")
    told = sim.wait_for(lambda: "cannot run again" in _ephemeral_text(sim, "carol") or None)
    assert told
    said = _ephemeral_text(sim, "carol")
    assert "{{body}}" in said and "/align run summary body=" in said, said
    assert sim.wait_for(lambda: app.bot.store.inbox_pending_count() == 0)
    assert not _running(sim), _running(sim)


def test_a_run_that_cannot_be_filled_in_shows_it_failed(sim, bot_server, sqlite_engine):
    """Whatever goes wrong, the run's message ends as failed (here: its inputs do not fit)."""
    app = bot_server()
    store = Store(sqlite_engine)
    new_and_run(sim, store)
    info = template(store, "summary")
    stray = store.record_run(info.id, info.active_version.id, {"other": "x"}, requested_by="U1")
    from bot.background.processors import RUN

    app.bot.inbox.put(
        key=f"run:{stray.id}",
        kind=RUN,
        payload={"team_id": "T0SANDBOX", "user_id": "U1", "channel_id": CHANNEL,
                 "run_id": stray.id},
        team_id="T0SANDBOX",
    )  # fmt: skip
    done = sim.wait_for(
        lambda: (r := store.get_run(stray.id)) and r.message_ts and r.status.value == "failed" and r
    )
    sim.wait_for(lambda: "failed" in message_at(sim, done.message_ts)["text"])
    assert "could not be filled in" in blocks_text(message_at(sim, done.message_ts))
    assert not _running(sim)
