"""The whole loop, as a team would do it, over real HTTP: template, run, reactions, thread
feedback, proposal, approval, rejection with a reason, rollback."""

from __future__ import annotations

import json
import re

from storage import Store
from tests.e2e.helpers import (
    CHANNEL,
    blocks_text,
    finished_run,
    latest_proposal,
    message_at,
    template,
)


def test_full_loop(sim, bot_server, db_engine):
    app = bot_server(store=Store(db_engine))
    store = Store(db_engine)

    r = sim.slash_command(
        "alice", CHANNEL, "/align", "new summary Summarize for the team: {{text}}"
    )
    assert r.status == 200
    assert template(store, "summary").active_version.number == 1

    r = sim.slash_command("alice", CHANNEL, "/align", 'run summary text="The launch moved to May"')
    assert r.status == 200
    run = finished_run(sim, store, "summary")
    assert run.status.value == "done"
    run_msg = message_at(sim, run.message_ts)
    assert "summary" in blocks_text(run_msg) and "run_again" in blocks_text(run_msg)

    # Reactions: a good label, and a bad one that makes the bot ask in the thread.
    sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsup")
    sim.add_reaction("carol", CHANNEL, run.message_ts, "thumbsdown")
    sim.wait_for(lambda: len(sim.thread(CHANNEL, run.message_ts)) >= 2)
    question = sim.thread(CHANNEL, run.message_ts)[1]
    assert question.get("bot_id") and "change" in blocks_text(question).lower()

    # Thread feedback, each acknowledged with a reaction on the reply (not a new message).
    critique = sim.post_message(
        "alice", CHANNEL, "Too vague: name the new date", thread_ts=run.message_ts
    )
    rewrite = sim.post_message(
        "carol", CHANNEL, "rewrite: The launch is now in May.", thread_ts=run.message_ts
    )
    for reply in (critique, rewrite):
        sim.wait_for(
            lambda reply=reply: any(
                m["ts"] == reply.ts and m.get("reactions")
                for m in sim.thread(CHANNEL, run.message_ts)
            )
        )
    info = template(store, "summary")
    pending = store.pending_feedback(info.id)
    assert sorted(f.kind.value for f in pending) == ["critique", "label", "label", "rewrite"]
    assert len(sim.thread(CHANNEL, run.message_ts)) == 4  # run, question, two replies: no acks

    # Propose, then approve: version 2 is active and the proposal message says so.
    r = sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    assert r.status == 200
    proposal = sim.wait_for(
        lambda: (p := latest_proposal(store, "summary")) and p.message_ts and p,
        timeout=20,
    )
    sim.wait_for(lambda: "proposal_approve" in blocks_text(message_at(sim, proposal.message_ts)))
    # Principle changes link to the feedback messages they came from (the replies' permalinks).
    shown = blocks_text(message_at(sim, proposal.message_ts))
    linked = re.findall(r"<(http[^|>]+)\|(?:critique|rewrite) #\d+>", shown)
    assert linked and any(critique.ts.replace(".", "") in url for url in linked), shown
    sim.click_button("bob", CHANNEL, proposal.message_ts, "proposal_approve")
    sim.wait_for(lambda: template(store, "summary").active_version.number == 2)
    sim.wait_for(lambda: "*Approved*" in blocks_text(message_at(sim, proposal.message_ts)))
    approved_msg = message_at(sim, proposal.message_ts)
    assert "proposal_approve" not in json.dumps(approved_msg["blocks"])
    assert "v2 of summary is active" in blocks_text(approved_msg)
    v2 = template(store, "summary").active_version
    assert v2.text == proposal.text

    # A second proposal, rejected with a reason: the reason becomes pending feedback.
    sim.slash_command("alice", CHANNEL, "/align", 'run summary text="Budget review on Friday"')
    run2 = sim.wait_for(
        lambda: (r2 := finished_run(sim, store, "summary")) and r2.id != run.id and r2
    )
    sim.post_message("bob", CHANNEL, "Mention who must attend", thread_ts=run2.message_ts)
    sim.wait_for(lambda: store.count_pending(info.id) >= 1)
    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    second = sim.wait_for(
        lambda: (
            (p := latest_proposal(store, "summary")) and p.id != proposal.id and p.message_ts and p
        ),
        timeout=20,
    )
    sim.wait_for(lambda: "proposal_reject" in blocks_text(message_at(sim, second.message_ts)))
    sim.click_button("carol", CHANNEL, second.message_ts, "proposal_reject")
    modal = sim.wait_for(lambda: sim.open_views("carol"))[-1]
    sim.submit_view("carol", modal["id"], {"reason_input": "Too formal for this channel"})
    sim.wait_for(lambda: store.get_proposal(second.id).status.value == "rejected")
    texts = [f.text for f in store.pending_feedback(info.id)]
    assert "Too formal for this channel" in texts
    sim.wait_for(lambda: "*Rejected*" in blocks_text(message_at(sim, second.message_ts)))
    assert template(store, "summary").active_version.number == 2

    # Rollback: version 3 has version 1's text.
    r = sim.slash_command("alice", CHANNEL, "/align", "rollback summary v1")
    assert r.status == 200
    preview = next(e for e in sim.ephemerals("alice") if "rollback_confirm" in blocks_text(e))
    sim.click_button("alice", CHANNEL, preview["ts"], "rollback_confirm")
    sim.wait_for(lambda: template(store, "summary").active_version.number == 3)
    info = template(store, "summary")
    assert info.active_version.number == 3
    assert info.active_version.text == store.get_version(info.id, 1).text
    # The rejection's row is marked done only after its message update (seen above): wait for it.
    assert sim.wait_for(lambda: app.bot.store.inbox_pending_count() == 0)
