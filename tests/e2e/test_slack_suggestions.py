"""Suggested critiques over real HTTP: the button, the private list after the ack, and a click
that adopts one as the clicker's own feedback (nothing is stored without it)."""

from __future__ import annotations

from bot.slack.views import ids
from tests.e2e.helpers import CHANNEL, blocks_text, message_at, new_and_run


def _suggestion_lists(sim, user: str):
    return [e for e in sim.ephemerals(user) if ids.SUGGESTION_ADOPT[0] in blocks_text(e)]


def test_suggested_critiques_are_private_and_adopted_only_by_a_click(sim, bot_server):
    app = bot_server()
    store = app.bot.store
    run = new_and_run(sim, store, text="Milk. Eggs. Wine. Bread. More wine for the cook.")
    assert ids.RUN_SUGGEST in blocks_text(message_at(sim, run.message_ts))

    r = sim.click_button("bob", CHANNEL, run.message_ts, ids.RUN_SUGGEST)
    assert r.status == 200 and r.deliveries[0].elapsed_ms < 3000
    [offered] = sim.wait_for(lambda: _suggestion_lists(sim, "bob"))
    shown = blocks_text(offered)
    assert "offline model" in shown and "Only you see this" in shown
    assert _suggestion_lists(sim, "alice") == []  # private to the person who asked
    assert store.pending_feedback(run.template_id) == []  # nothing adopted yet
    assert [c.purpose for c in store.call_stats(run_id=run.id)][-1] == "suggest"

    sim.click_button("bob", CHANNEL, offered["ts"], ids.SUGGESTION_ADOPT[1])
    acks = sim.wait_for(
        lambda: [e for e in sim.ephemerals("bob") if "Adopted as your critique" in e["text"]]
    )
    assert "bulleted list" in acks[0]["text"]
    assert _suggestion_lists(sim, "bob") == []  # the list was replaced by the acknowledgement
    [adopted] = store.pending_feedback(run.template_id)
    assert (adopted.kind.value, adopted.author) == ("critique", "U0BOB")
    assert "bulleted list" in adopted.text
    # Shown in the run's thread like a form's critique, so a proposal can link to it.
    sim.wait_for(
        lambda: any("bulleted list" in blocks_text(m) for m in sim.thread(CHANNEL, run.message_ts))
    )

    # Asking again and adopting the same suggestion counts it once.
    sim.click_button("bob", CHANNEL, run.message_ts, ids.RUN_SUGGEST)
    [again] = sim.wait_for(lambda: _suggestion_lists(sim, "bob"))
    sim.click_button("bob", CHANNEL, again["ts"], ids.SUGGESTION_ADOPT[1])
    sim.wait_for(lambda: any("counted once" in e["text"] for e in sim.ephemerals("bob")))
    assert len(store.pending_feedback(run.template_id)) == 1

    # Kudos is adopted as kudos, by whoever clicks.
    sim.click_button("alice", CHANNEL, run.message_ts, ids.RUN_SUGGEST)
    [mine] = sim.wait_for(lambda: _suggestion_lists(sim, "alice"))
    sim.click_button("alice", CHANNEL, mine["ts"], ids.SUGGESTION_ADOPT[2])
    sim.wait_for(lambda: len(store.pending_feedback(run.template_id)) == 2)
    kinds = {(f.author, f.kind.value) for f in store.pending_feedback(run.template_id)}
    assert kinds == {("U0BOB", "critique"), ("U0ALICE", "kudos")}


def test_a_failed_run_offers_nothing_and_says_why(sim, bot_server):
    app = bot_server()
    run = new_and_run(sim, app.bot.store)
    app.bot.store.fail_run(run.id, "boom")
    sim.click_button("bob", CHANNEL, run.message_ts, ids.RUN_SUGGEST)
    sim.wait_for(lambda: any("no output" in e["text"] for e in sim.ephemerals("bob")))
    assert "suggest" not in [c.purpose for c in app.bot.store.call_stats(run_id=run.id)]
