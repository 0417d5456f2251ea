"""The rest of the Slack surface over real HTTP: modals, buttons, read-only subcommands, App Home
and mentions."""

from __future__ import annotations

from bot.sandbox.slack_sim import payloads
from storage import Store
from tests.e2e.helpers import (
    CHANNEL,
    blocks_text,
    finished_run,
    latest_proposal,
    message_at,
    new_and_run,
    template,
)


def _ephemeral_texts(sim, user):
    return [blocks_text(m) for m in sim.ephemerals(user)]


def test_modals_run_again_and_read_only_subcommands(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    sim.slash_command("alice", CHANNEL, "/align", "new")
    modal = sim.wait_for(lambda: sim.open_views("alice"))[-1]
    r = sim.submit_view("alice", modal["id"], {"name": "summary", "template": "Sum: {{text}}"})
    assert r.status == 200 and not r.view_errors
    assert template(store, "summary").channel_id == CHANNEL
    sim.wait_for(
        lambda: any("New template `summary` v1" in m["text"] for m in sim.messages(CHANNEL))
    )

    sim.slash_command("alice", CHANNEL, "/align", "run summary")
    run_modal = sim.wait_for(lambda: sim.open_views("alice"))[-1]
    assert run_modal["callback_id"] == "run_modal"
    sim.submit_view("alice", run_modal["id"], {"var:text": "The launch moved to May"})
    first = finished_run(sim, store, "summary")
    assert first.inputs == {"text": "The launch moved to May"}

    sim.click_button("bob", CHANNEL, first.message_ts, "run_again")
    again = sim.wait_for(
        lambda: (r := finished_run(sim, store, "summary")) and r.id != first.id and r
    )
    assert again.inputs == first.inputs and again.requested_by == "U0BOB"

    for text, expected in [
        ("help", "/align new"),
        ("list", "summary"),
        ("show summary", "Sum: {{text}}"),
        ("history summary", "v1"),
        ("principles summary", "summary"),
        ("export summary", "Sum: {{text}}"),
        ("show nosuch", "no template named"),
    ]:
        before = len(sim.ephemerals("carol"))
        assert sim.slash_command("carol", CHANNEL, "/align", text).status == 200
        shown = sim.wait_for(lambda b=before: _ephemeral_texts(sim, "carol")[b:])
        assert expected in shown[0], (text, shown[0][:300])
    assert not any(m.get("user") == "U0CAROL" for m in sim.messages(CHANNEL))


def test_edit_proposal_supersedes_it_with_the_persons_text(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store, text="The launch moved")
    sim.post_message("bob", CHANNEL, "Name the new date", thread_ts=run.message_ts)
    sim.wait_for(lambda: store.count_pending(template(store, "summary").id) == 1)
    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    first = sim.wait_for(
        lambda: (
            (p := latest_proposal(store, "summary"))
            and p.message_ts
            and "proposal_edit" in blocks_text(message_at(sim, p.message_ts))
            and p
        ),
        timeout=20,
    )
    sim.click_button("carol", CHANNEL, first.message_ts, "proposal_edit")
    modal = sim.wait_for(lambda: sim.open_views("carol"))[-1]
    edited = "Summarize in one sentence, with dates: {{text}}"
    sim.submit_view("carol", modal["id"], {"template": edited})
    second = sim.wait_for(
        lambda: (p := latest_proposal(store, "summary")) and p.id != first.id and p.message_ts and p
    )
    assert second.text == edited and second.created_by == "U0CAROL"
    sim.wait_for(lambda: "Superseded" in blocks_text(message_at(sim, first.message_ts)))
    sim.wait_for(lambda: "proposal_approve" in blocks_text(message_at(sim, second.message_ts)))
    sim.click_button("bob", CHANNEL, second.message_ts, "proposal_approve")
    sim.wait_for(lambda: template(store, "summary").active_version.text == edited)


def test_app_home_and_mentions(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    sim.slash_command("alice", CHANNEL, "/align", "new summary Summarize: {{text}}")
    sim.slash_command("alice", CHANNEL, "/align", "principle summary Always name dates")
    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    sim.wait_for(lambda: (p := latest_proposal(store, "summary")) and p.message_ts)

    sim.open_app_home("bob")
    home = sim.wait_for(lambda: sim.home_view("bob"))
    shown = blocks_text(home)
    assert "Templates (1)" in shown and "Pending proposals (1)" in shown
    assert "*summary* v1 · principles mode" in shown  # the template and its active version
    assert "v1 → v2" in shown and "open the proposal" in shown

    mention = sim.post_message("bob", CHANNEL, "<@U0ALIGNBOT> what can you do?")
    reply = sim.wait_for(lambda: sim.thread(CHANNEL, mention.ts)[1:])
    assert "/align" in blocks_text(reply[0])


def test_deleting_a_reply_withdraws_its_feedback(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store, text="hello")
    reply = sim.post_message("bob", CHANNEL, "Too long", thread_ts=run.message_ts)
    info = template(store, "summary")
    sim.wait_for(lambda: store.count_pending(info.id) == 1)
    _delete_reply(sim, "U0BOB", reply.ts, run.message_ts, "Too long")
    sim.wait_for(lambda: store.count_pending(info.id) == 0)


def test_editing_a_reply_changes_its_feedback_and_counts_it_once(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store, text="hello")
    reply = sim.post_message("bob", CHANNEL, "Too long", thread_ts=run.message_ts)
    info = template(store, "summary")
    sim.wait_for(lambda: store.count_pending(info.id) == 1)
    for _ in range(2):  # the edit delivered twice, under two event ids
        _edit_reply(sim, "U0BOB", reply.ts, run.message_ts, "Too long", "rewrite: `Hello.`")

    def edited():
        return [(f.kind.value, f.text) for f in store.pending_feedback(info.id)] == [
            ("rewrite", "`Hello.`")
        ]

    sim.wait_for(edited)
    sim.wait_for(lambda: "pencil2" in _reaction_names(sim.state.message(CHANNEL, reply.ts)))
    assert store.count_pending(info.id) == 1


def _reaction_names(message) -> list[str]:
    return [r["name"] for r in message.get("reactions", [])]


def _edit_reply(sim, user: str, ts: str, thread_ts: str, old: str, new: str) -> None:
    """A person edits their reply: Slack sends message_changed with the new and old message."""
    sim.state.update_message(CHANNEL, ts, {"text": new})
    message = {"type": "message", "user": user, "text": new, "ts": ts, "thread_ts": thread_ts,
               "edited": {"user": user, "ts": f"{float(ts) + 0.4:.6f}"}}  # fmt: skip
    previous = {"type": "message", "user": user, "text": old, "ts": ts, "thread_ts": thread_ts}
    event = {"type": "message", "subtype": "message_changed", "hidden": True, "channel": CHANNEL,
             "ts": f"{float(ts) + 0.4:.6f}", "message": message,
             "previous_message": previous}  # fmt: skip
    event_id, body = payloads.event_envelope(sim.state, event)
    sim.deliverer.send("event", "message", body, payloads.JSON, None, event_id)


def _delete_reply(sim, user: str, ts: str, thread_ts: str, text: str) -> None:
    """A person deletes their reply: Slack sends message_deleted with the previous message."""
    sim.state.delete_message(CHANNEL, ts)
    event = {
        "type": "message",
        "subtype": "message_deleted",
        "channel": CHANNEL,
        "ts": f"{float(ts) + 0.5:.6f}",
        "deleted_ts": ts,
        "hidden": True,
        "previous_message": {"type": "message", "user": user, "text": text, "ts": ts,
                             "thread_ts": thread_ts},
    }  # fmt: skip
    event_id, body = payloads.event_envelope(sim.state, event)
    sim.deliverer.send("event", "message", body, payloads.JSON, None, event_id)
