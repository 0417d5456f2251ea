"""`/align judge NAME` over real HTTP: the team's reactions are the labels; a quarter of the
labelled runs is held out, the judge is built from the rest, and its agreement is shown."""

from __future__ import annotations

from tests.e2e.helpers import CHANNEL, blocks_text, finished_run


def _judge_answers(sim, user: str = "bob"):
    return [e for e in sim.ephemerals(user) if "Judge for" in e.get("text", "")]


def test_judge_shows_rule_books_and_agreement_with_held_out_labels(sim, bot_server):
    app = bot_server()
    store = app.bot.store
    sim.slash_command("alice", CHANNEL, "/align", "new weather Forecast: {{text}}")
    days = [("sunny calm", "+1"), ("heavy rain storm", "-1")] * 4  # 8 runs, both labels
    for n, (text, emoji) in enumerate(days):
        sim.slash_command("alice", CHANNEL, "/align", f'run weather text="day {n} {text}"')
        run = sim.wait_for(
            lambda n=n: (
                (r := finished_run(sim, store, "weather")) and f"day {n} " in (r.output or "") and r
            )
        )
        sim.add_reaction("bob", CHANNEL, run.message_ts, emoji)
    info = store.get_template("T0SANDBOX", "weather")
    sim.wait_for(lambda: len(store.labelled_runs(info.id)) == 8)

    r = sim.slash_command("bob", CHANNEL, "/align", "judge weather")
    assert r.status == 200 and "from 8 labelled run(s)" in blocks_text(sim.ephemerals("bob")[-1])
    [answer] = sim.wait_for(lambda: _judge_answers(sim))
    text = blocks_text(answer)
    assert "Agreement with 2 held-out labelled run(s)* (built from the other 6)" in text
    assert "Rule book: good" in text and "Rule book: bad" in text
    assert "offline model" in text  # the rules say where they come from
    assert "3 model call(s): 2 to build, 1 to score" in text
    assert _judge_answers(sim, "alice") == []  # shown to the person who asked


def test_judge_without_enough_labels_says_what_is_missing(sim, bot_server):
    bot_server()
    sim.slash_command("alice", CHANNEL, "/align", "new weather Forecast: {{text}}")
    r = sim.slash_command("bob", CHANNEL, "/align", "judge weather")
    assert r.status == 200
    sim.wait_for(
        lambda: any("needs at least 2 labelled runs" in e["text"] for e in sim.ephemerals("bob"))
    )
    sim.slash_command("bob", CHANNEL, "/align", "judge nosuch")
    assert "nosuch" in blocks_text(sim.ephemerals("bob")[-1])
