"""The sandbox's channel survives a restart (bot/sandbox/slack_sim/persist.py)."""

from __future__ import annotations

from bot.sandbox.slack_sim import persist
from bot.sandbox.slack_sim.state import SimState


def _state_with_a_message() -> SimState:
    state = SimState()
    state.add_channel("C0GENERAL", "general")
    state.add_message("C0GENERAL", user=state.team.bot_user_id, text="seeded run", bot=True)
    return state


def test_what_was_posted_before_autosave_started_is_saved_at_stop(tmp_path):
    """The bot starts, and may post, before the autosave does: that message is kept too."""
    state = _state_with_a_message()
    path = tmp_path / "sb.slack.db"
    persist.Autosave(state, path, interval=60).start().stop()

    loaded = SimState()
    assert persist.load_file(loaded, path)
    assert [m["text"] for m in loaded.history("C0GENERAL")] == ["seeded run"]


def test_a_change_after_the_last_save_is_saved_at_stop(tmp_path):
    state = _state_with_a_message()
    path = tmp_path / "sb.slack.db"
    autosave = persist.Autosave(state, path, interval=60).start()
    autosave.flush()
    state.add_message("C0GENERAL", user="U0ALICE", text="a reply")
    autosave.stop()

    loaded = SimState()
    assert persist.load_file(loaded, path)
    newest_first = [m["text"] for m in loaded.history("C0GENERAL")]
    assert newest_first == ["a reply", "seeded run"]
