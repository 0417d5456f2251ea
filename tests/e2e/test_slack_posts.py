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
    finished_run,
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
    from bot.background.jobs import RunJob
    from bot.services import Actor

    app.bot.inbox.put(
        RunJob(actor=Actor("T0SANDBOX", "U1", CHANNEL), run_id=stray.id), key=f"run:{stray.id}"
    )
    done = sim.wait_for(
        lambda: (r := store.get_run(stray.id)) and r.message_ts and r.status.value == "failed" and r
    )
    sim.wait_for(lambda: "failed" in message_at(sim, done.message_ts)["text"])
    assert "could not be filled in" in blocks_text(message_at(sim, done.message_ts))
    assert not _running(sim)


# --- item 8: feedback from the forms and a rejection's reason show in the channel -------------


def _linked(shown: str, kind: str) -> list[str]:
    import re

    return re.findall(rf"<(http[^|>]+)\|{kind} #\d+>", shown)


def test_form_feedback_and_rejection_reasons_appear_in_threads(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)

    sim.click_button("bob", CHANNEL, run.message_ts, "run_critique")
    modal = sim.wait_for(lambda: sim.open_views("bob"))[-1]
    sim.submit_view("bob", modal["id"], {"text_input": "Name the new date"})
    sim.click_button("carol", CHANNEL, run.message_ts, "run_rewrite")
    modal = sim.wait_for(lambda: sim.open_views("carol"))[-1]
    sim.submit_view("carol", modal["id"], {"text_input": "The launch is now on 12 May."})

    def echoed(text: str, user: str):
        return next(
            (
                m
                for m in sim.thread(CHANNEL, run.message_ts)[1:]
                if m.get("bot_id") and text in blocks_text(m) and f"<@{user}>" in blocks_text(m)
            ),
            None,
        )

    critique_echo = sim.wait_for(lambda: echoed("Name the new date", sim.user_id("bob")))
    rewrite_echo = sim.wait_for(lambda: echoed("12 May", sim.user_id("carol")))
    assert "Critique" in blocks_text(critique_echo)
    assert "rewrite" in blocks_text(rewrite_echo).lower()
    # The bot's own echo is not counted as a second piece of feedback.
    info = template(store, "summary")
    assert sorted(f.kind.value for f in store.pending_feedback(info.id)) == ["critique", "rewrite"]

    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    first = _proposal_message(sim, store, "summary")
    shown = blocks_text(message_at(sim, first.message_ts))
    urls = _linked(shown, "critique") + _linked(shown, "rewrite")
    assert any(critique_echo["ts"].replace(".", "") in u for u in urls), shown
    assert any(rewrite_echo["ts"].replace(".", "") in u for u in urls), shown

    sim.click_button("carol", CHANNEL, first.message_ts, "proposal_reject")
    modal = sim.wait_for(lambda: sim.open_views("carol"))[-1]
    sim.submit_view("carol", modal["id"], {"reason_input": "Too formal for this channel"})
    reason_echo = sim.wait_for(
        lambda: next(
            (
                m
                for m in sim.thread(CHANNEL, first.message_ts)[1:]
                if "Too formal for this channel" in blocks_text(m)
            ),
            None,
        )
    )
    assert f"<@{sim.user_id('carol')}>" in blocks_text(reason_echo)

    # The next proposal links the reason like any reply.
    again = sim.post_message("bob", CHANNEL, "Shorter please", thread_ts=run.message_ts)
    sim.wait_for(lambda: any(m["ts"] == again.ts and m.get("reactions")
                             for m in sim.thread(CHANNEL, run.message_ts)))  # fmt: skip
    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    second = _proposal_message(sim, store, "summary", after_id=first.id)
    shown = blocks_text(message_at(sim, second.message_ts))
    assert any(reason_echo["ts"].replace(".", "") in u for u in _linked(shown, "critique")), shown
    assert "critique #" not in shown.replace("|critique #", ""), shown  # no label without a link


# --- item 11: progress messages go away; refusals go to the person who caused them ----------


def test_propose_leaves_only_the_proposal_and_nothing_to_propose_is_private(
    sim, bot_server, sqlite_engine
):
    app = bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    before = len(bot_messages(sim))

    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    told = sim.wait_for(lambda: "No proposal for" in _ephemeral_text(sim, "alice") or None)
    assert told and "feedback" in _ephemeral_text(sim, "alice").lower()
    assert sim.wait_for(lambda: app.bot.store.inbox_pending_count() == 0)
    assert len(bot_messages(sim)) == before, [m["text"] for m in bot_messages(sim)[before:]]
    assert "Working on" not in _ephemeral_text(sim, "alice")

    proposal = _feedback_and_propose(sim, store, run)
    assert sim.wait_for(lambda: app.bot.store.inbox_pending_count() == 0)
    assert [m["ts"] for m in bot_messages(sim)[before:]] == [proposal.message_ts]
    assert "Drafting" not in blocks_text(message_at(sim, proposal.message_ts))
    assert "Working on" not in _ephemeral_text(sim, "alice")


def test_a_too_long_reply_is_told_to_its_author_only(sim, bot_server, sqlite_engine):
    app = bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    sim.post_message("bob", CHANNEL, "Too long " * 2300, thread_ts=run.message_ts)
    told = sim.wait_for(lambda: "not kept as feedback" in _ephemeral_text(sim, "bob") or None)
    assert told
    said = _ephemeral_text(sim, "bob")
    assert "20,000" in said and "thread_reply" not in said, said
    assert sim.wait_for(lambda: app.bot.store.inbox_pending_count() == 0)
    assert [m for m in sim.thread(CHANNEL, run.message_ts) if m.get("bot_id")][1:] == []
    assert store.count_pending(template(store, "summary").id) == 0


# --- item 10: an edit keeps its evidence, says what it is, and keeps the form on errors --------


def test_an_edited_proposal_is_evaluated_again_and_says_it_was_edited(
    sim, bot_server, sqlite_engine
):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    first = _feedback_and_propose(sim, store, run)
    assert "Before / after" in blocks_text(message_at(sim, first.message_ts))

    # An invalid edit keeps the form open with the error next to the text.
    modal, result = _edit(sim, "alice", first, "Summarize: {{text")
    assert "template" in result.view_errors, result.view_errors
    assert modal["id"] in [v["id"] for v in sim.open_views("alice")]
    assert latest_proposal(store, "summary").id == first.id

    result = sim.submit_view(
        "alice", modal["id"], {"template_input": "Summarize in one line: {{text}}"}
    )
    assert not result.view_errors
    edited = _proposal_message(sim, store, "summary", after_id=first.id)
    shown = blocks_text(message_at(sim, edited.message_ts))
    alice = sim.user_id("alice")
    assert f"<@{alice}> edited the text of proposal #{first.id}" in shown, shown
    assert "&lt;@" not in shown
    assert "Before / after" in shown and "Sample 1" in shown, shown
    assert f"proposed with #{first.id}, before the edit" in shown
    assert store.get_proposal(edited.id).evaluation["rows"]


def test_a_proposal_longer_than_one_field_can_be_edited(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    long = " ".join(f"Rule {i}: keep the summary factual." for i in range(120))
    sim.slash_command("alice", CHANNEL, "/align", f"new summary {long}\n\nSummarize: {{{{text}}}}")
    sim.slash_command("alice", CHANNEL, "/align", 'run summary text="The launch moved to May"')
    run = finished_run(sim, store, "summary")
    first = _feedback_and_propose(sim, store, run)
    assert len(first.text) > 3000

    sim.click_button("alice", CHANNEL, first.message_ts, "proposal_edit")
    modal = sim.wait_for(lambda: sim.open_views("alice"))[-1]
    inputs = [b for b in modal["blocks"] if b["type"] == "input"]
    assert len(inputs) >= 3 and "/align new" not in blocks_text(modal)
    last_part = inputs[-2]["element"]["initial_value"]
    sim.submit_view(
        "alice", modal["id"], {inputs[-2]["block_id"]: last_part + "\nSign off with 'Thanks'."}
    )
    edited = _proposal_message(sim, store, "summary", after_id=first.id)
    assert edited.text == (first.text + "\nSign off with 'Thanks'.").strip()


# --- item 15: the offline model's alignment is legible ----------------------------------------

SEED_INPUT = (
    "The Q3 offsite moves from Lisbon to Porto because the Lisbon venue double-booked us. Dates "
    "stay the same (Oct 14-16). Flights booked to Lisbon can be changed for free until Friday; "
    "after that, talk to Dana."
)


def test_offline_alignment_shows_its_principle_and_the_changed_part(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    sim.slash_command(
        "alice", CHANNEL, "/align",
        "new tldr Summarize the following for a busy teammate in two sentences: {{text}}",
    )  # fmt: skip
    sim.slash_command("alice", CHANNEL, "/align", f'run tldr text="{SEED_INPUT}"')
    run = finished_run(sim, store, "tldr")
    sim.add_reaction("bob", CHANNEL, run.message_ts, "thumbsup")
    reply = sim.post_message(
        "bob",
        CHANNEL,
        "principle: Lead with what changed, then what to do",
        thread_ts=run.message_ts,
    )
    sim.wait_for(lambda: any(m["ts"] == reply.ts and m.get("reactions")
                             for m in sim.thread(CHANNEL, run.message_ts)))  # fmt: skip
    sim.slash_command("alice", CHANNEL, "/align", "propose tldr")
    proposal = _proposal_message(sim, store, "tldr")
    msg = message_at(sim, proposal.message_ts)
    shown = blocks_text(msg)
    assert "Lead with what changed, then what to do." in proposal.text
    assert "Address this feedback" not in shown
    [sample] = [b for b in msg["blocks"] if "Sample 1" in (b.get("text") or {}).get("text", "")]
    after = sample["fields"][1]["text"]
    assert "Guidelines: - Lead with what changed, then what to do." in after, after
    assert "0.00 → " not in shown and "0.50 → *0.50*" not in shown


# --- item 13: a rollback restores the principles of the version it returns to ---------------


def test_rollback_asks_first_and_restores_that_versions_principles(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store, name="tldr")
    info = template(store, "tldr")
    sim.slash_command("alice", CHANNEL, "/align", "principle tldr Keep it under 50 words")
    reply = sim.post_message(
        "bob", CHANNEL, "principle: Lead with the decision", thread_ts=run.message_ts
    )
    sim.wait_for(lambda: store.count_pending(info.id) == 1 or None)
    assert reply.status == 200
    sim.slash_command("alice", CHANNEL, "/align", "propose tldr")
    proposal = _proposal_message(sim, store, "tldr")
    sim.click_button("bob", CHANNEL, proposal.message_ts, "proposal_approve")
    sim.wait_for(lambda: template(store, "tldr").active_version.number == 2)
    active = sorted(p.text for p in store.active_principles(info.id))
    assert active == ["Keep it under 50 words", "Lead with the decision."]

    sim.slash_command("alice", CHANNEL, "/align", "rollback tldr v1")
    preview = sim.wait_for(
        lambda: next((e for e in sim.ephemerals("alice") if "Roll back" in blocks_text(e)), None)
    )
    shown = blocks_text(preview)
    assert "retire 1 principle added after v1" in shown and "Lead with the decision." in shown
    assert "Keep it under 50 words" not in shown  # it was in force under v1: it stays
    assert template(store, "tldr").active_version.number == 2  # nothing yet

    sim.click_button("alice", CHANNEL, preview["ts"], "rollback_confirm")
    sim.wait_for(lambda: template(store, "tldr").active_version.number == 3)
    rolled = template(store, "tldr")
    assert rolled.active_version.text == store.get_version(info.id, 1).text
    assert [p.text for p in store.active_principles(info.id)] == ["Keep it under 50 words"]
    note = sim.wait_for(
        lambda: next((m for m in bot_messages(sim) if "rolled back" in blocks_text(m)), None)
    )
    assert "retired 1 principle" in blocks_text(note) and f"<@{sim.user_id('alice')}>" in (
        blocks_text(note)
    )
    assert not [e for e in sim.ephemerals("alice") if "rollback_confirm" in blocks_text(e)]
    history = store.principle_history(info.id)
    assert any(h.op == "retire" and "rollback to v1" in h.reason for h in history)

    # The next proposal no longer brings v2's principle back.
    sim.slash_command("alice", CHANNEL, "/align", "propose tldr")
    again = _proposal_message(sim, store, "tldr", after_id=proposal.id)
    assert "Lead with the decision" not in again.text and "Keep it under 50 words" in again.text


def test_rollback_cancel_changes_nothing(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    new_and_run(sim, store)
    info = template(store, "summary")
    store.add_version(info.id, "Summarize briefly: {{text}}", author="U0ALICE")
    sim.slash_command("alice", CHANNEL, "/align", "rollback summary v1")
    preview = sim.wait_for(
        lambda: next((e for e in sim.ephemerals("alice") if "Roll back" in blocks_text(e)), None)
    )
    assert "principles stay as they are" in blocks_text(preview)
    sim.click_button("alice", CHANNEL, preview["ts"], "rollback_cancel")
    sim.wait_for(lambda: not [e for e in sim.ephemerals("alice") if "Roll back" in blocks_text(e)])
    assert template(store, "summary").active_version.number == 2


# --- item 14: the smaller things ----------------------------------------------------------------


def _answer(sim: SlackSim, user: str, text: str) -> str:
    """What `/align text` answers `user` (privately)."""
    before = len(sim.ephemerals(user))
    sim.slash_command(user, CHANNEL, "/align", text)
    return "\n".join(blocks_text(e) for e in sim.ephemerals(user)[before:])


def test_replies_under_a_template_or_proposal_message_get_a_hint(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    created = next(
        m for m in bot_messages(sim) if "summary" in blocks_text(m) and m["ts"] != run.message_ts
    )
    sim.post_message("bob", CHANNEL, "This looks great", thread_ts=created["ts"])
    hint = sim.wait_for(lambda: "not read as feedback" in _ephemeral_text(sim, "bob") or None)
    assert hint and "/align run" in _ephemeral_text(sim, "bob")

    proposal = _feedback_and_propose(sim, store, run)
    sim.post_message("carol", CHANNEL, "I don't like it", thread_ts=proposal.message_ts)
    sim.wait_for(lambda: "Replies on a proposal" in _ephemeral_text(sim, "carol") or None)
    assert "Reject" in _ephemeral_text(sim, "carol")
    assert "Another candidate" in _ephemeral_text(sim, "carol")
    info = template(store, "summary")
    assert [f.text for f in store.pending_feedback(info.id)] == ["Too vague: name the date"]


def test_history_diff_approvers_superseded_and_did_you_mean(sim, bot_server, sqlite_engine):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    assert "Did you mean `summary`?" in _answer(sim, "alice", "show sumary")
    assert "nothing to compare" in _answer(sim, "alice", "diff summary")

    first = _feedback_and_propose(sim, store, run)
    sim.click_button("carol", CHANNEL, first.message_ts, "proposal_reject")
    modal = sim.wait_for(lambda: sim.open_views("carol"))[-1]
    sim.submit_view("carol", modal["id"], {"reason_input": "Too formal for this channel"})
    sim.wait_for(lambda: store.get_proposal(first.id).status.value == "rejected")
    history = _answer(sim, "alice", "history summary")
    assert "Rejected proposals" in history and "Too formal for this channel" in history
    assert f"#{first.id}" in history and f"<@{sim.user_id('carol')}>" in history

    # Two approvals needed: "Approved by" names both approvers.
    sim.slash_command("alice", CHANNEL, "/align", "settings summary approvals=2")
    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    second = _proposal_message(sim, store, "summary", after_id=first.id)
    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    third = _proposal_message(sim, store, "summary", after_id=second.id)
    superseded = sim.wait_for(
        lambda: "Superseded" in (t := blocks_text(message_at(sim, second.message_ts))) and t
    )
    assert f"|proposal #{third.id}>" in superseded and superseded.count("newer proposal") == 0
    sim.click_button("bob", CHANNEL, third.message_ts, "proposal_approve")
    sim.click_button("carol", CHANNEL, third.message_ts, "proposal_approve")
    sim.wait_for(lambda: template(store, "summary").active_version.number == 2)
    approved = sim.wait_for(
        lambda: "*Approved*" in (t := blocks_text(message_at(sim, third.message_ts))) and t
    )
    bob, carol = sim.user_id("bob"), sim.user_id("carol")
    assert f"*Approved* by <@{bob}>, <@{carol}>." in approved, approved

    diff = _answer(sim, "alice", "diff summary")
    assert "v1 → v2" in diff and "Guidelines" in diff


def test_an_echo_retried_after_a_crash_is_posted_once(sim, bot_server, sqlite_engine):
    """A crash between posting the echo and noting where it is: the retry finds the post."""
    import time

    from bot.background.jobs import FeedbackEchoJob
    from bot.services import Actor
    from bot.slack.views.notices import feedback_echo_message

    app = bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    app.bot.stop()  # the echo below is taken by a first attempt that crashes
    alice = sim.user_id("alice")
    fb, _ = store.add_feedback(
        run.template_id, run.id, alice, "critique", "Name the date", source_key="view:V1"
    )
    app.bot.inbox.put(
        FeedbackEchoJob(actor=Actor("T0SANDBOX", alice, CHANNEL), feedback_id=fb.id,
                        post_channel=CHANNEL, thread_ts=run.message_ts),
        key=f"echo:{fb.id}",
    )  # fmt: skip
    [first] = store.inbox_claim("first-attempt", 10)
    store.inbox_note(first.id, {"echo_after": f"{time.time() - 1:.6f}"})  # noted, then posted:
    msg = feedback_echo_message("critique", alice, "Name the date")
    app.bot.posters.for_team("T0SANDBOX").post(
        CHANNEL, msg["text"], msg["blocks"], thread_ts=run.message_ts
    )  # …and the first attempt died before noting where the post is
    assert store.inbox_release(["first-attempt"]) == 1
    bot_server()  # the restart does the echo
    shown = sim.wait_for(lambda: store.get_feedback(fb.id).message_ts)
    echoes = [m for m in sim.thread(CHANNEL, run.message_ts) if "Name the date" in blocks_text(m)]
    assert [m["ts"] for m in echoes] == [shown]
