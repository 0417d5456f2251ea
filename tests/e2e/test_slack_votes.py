"""Competing candidates over real HTTP: the channel votes with buttons (one vote each, changeable),
asks for another candidate that hears the proposal's thread, and approves the winner."""

from __future__ import annotations

from storage import Store
from tests.e2e.helpers import CHANNEL, blocks_text, message_at, new_and_run, template

CRITIQUES = ["Keep it under 50 words", "Mention the new date", "Name who decided"]


def _vote_message(sim, store, candidates: int):
    def shown():
        info = template(store, "summary")
        found = [p for p in store.list_proposals(info.id) if p.message_ts]
        if not found:
            return None
        p = max(found, key=lambda p: p.id)
        text = blocks_text(message_at(sim, p.message_ts))
        return p if f"{candidates} candidates" in text and "proposal_approve" in text else None

    return sim.wait_for(shown, timeout=30)


def _tally_shown(sim, ts, *expected: str):
    return sim.wait_for(lambda: all(e in blocks_text(message_at(sim, ts)) for e in expected))


def test_the_channel_votes_asks_for_another_candidate_and_approves_the_winner(
    sim, bot_server, sqlite_engine
):
    bot_server()
    store = Store(sqlite_engine)
    run = new_and_run(sim, store)
    sim.slash_command("alice", CHANNEL, "/align", "settings summary candidates=3")
    assert sim.wait_for(lambda: template(store, "summary").settings.candidates == 3)
    info = template(store, "summary")
    for n, text in enumerate(CRITIQUES):
        sim.post_message("bob", CHANNEL, text, thread_ts=run.message_ts)
        sim.wait_for(lambda n=n: store.count_pending(info.id) == n + 1)

    sim.slash_command("alice", CHANNEL, "/align", "propose summary")
    p = _vote_message(sim, store, 3)
    shown = blocks_text(message_at(sim, p.message_ts))
    for n in (1, 2, 3):
        assert f"Candidate {n}" in shown and f"proposal_vote:{n}" in shown
    assert shown.count("Output on the first sample") == 3  # before/after on the same input
    texts = [c["text"] for c in p.evaluation["candidates"]]
    assert len(set(texts)) == 3 and all(CRITIQUES[1].lower() in t.lower() for t in texts)
    rewrites = [c for c in store.call_stats(proposal_id=p.id) if c.purpose == "rewrite"]
    assert len(rewrites) == 3  # the offline model answers once per call: one call each
    assert "(made in 3 model calls)" in shown

    sim.click_button("alice", CHANNEL, p.message_ts, "proposal_vote:2")
    sim.click_button("bob", CHANNEL, p.message_ts, "proposal_vote:3")
    sim.click_button("carol", CHANNEL, p.message_ts, "proposal_vote:3")
    _tally_shown(sim, p.message_ts, "3 voters")
    assert store.tally(p.id) == {1: 0, 2: 1, 3: 2}

    # 2 and 3 are one vote apart: an A/B of their outputs is offered; alice's choice is a
    # preference between the two, not a vote.
    _tally_shown(sim, p.message_ts, "Compare 2 and 3 (A/B)")
    sim.click_button("alice", CHANNEL, p.message_ts, "proposal_compare")
    ab = sim.wait_for(
        lambda: next((e for e in sim.ephemerals("alice") if "A/B for" in e["text"]), None)
    )
    assert "*A*" in blocks_text(ab) and "*B*" in blocks_text(ab)
    sim.click_button("alice", CHANNEL, ab["ts"], "proposal_pair:B")
    sim.wait_for(lambda: any(x.pair == "2:3" for x in store.preferences(info.id)))
    pair = next(x for x in store.preferences(info.id) if x.pair == "2:3")
    assert pair.chosen_text == texts[2] and pair.other_texts == (texts[1],)
    assert store.tally(p.id) == {1: 0, 2: 1, 3: 2}
    sim.click_button("alice", CHANNEL, p.message_ts, "proposal_vote:3")  # changes her mind
    sim.wait_for(lambda: store.tally(p.id) == {1: 0, 2: 0, 3: 3})
    _tally_shown(sim, p.message_ts, "3 votes")
    assert store.get_proposal(p.id).text == texts[2]

    # What is said in the proposal's thread reaches the next candidate; the vote goes on.
    sim.post_message("carol", CHANNEL, "End with a one-line takeaway", thread_ts=p.message_ts)
    sim.wait_for(lambda: len(sim.thread(CHANNEL, p.message_ts)) > 1)
    sim.click_button("carol", CHANNEL, p.message_ts, "proposal_another")
    sim.wait_for(lambda: "Candidate 4" in blocks_text(message_at(sim, p.message_ts)), timeout=30)
    fourth = store.get_proposal(p.id).evaluation["candidates"][3]
    assert "takeaway" in fourth["text"].lower() and fourth["text"] not in texts
    assert store.tally(p.id) == {1: 0, 2: 0, 3: 3, 4: 0}  # votes kept, nothing started over
    assert len(store.list_proposals(info.id)) == 1
    assert "4 candidates* (made in 4 model calls)" in blocks_text(message_at(sim, p.message_ts))

    sim.click_button("bob", CHANNEL, p.message_ts, "proposal_approve")
    sim.wait_for(lambda: template(store, "summary").active_version.number == 2)
    assert template(store, "summary").active_version.text == texts[2]
    prefs = [x for x in store.preferences(info.id) if not x.pair]
    assert {x.user_id for x in prefs} == {sim.user_id(u) for u in ("alice", "bob", "carol")}
    assert all(x.chosen_text == texts[2] and len(x.other_texts) == 2 for x in prefs)
