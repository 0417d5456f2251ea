"""Saves the simulated workspace (as JSON, in a small SQLite file) and loads it back, so a
restarted sandbox shows the channel as it was: the bot's database refers to those messages by
their ts, and their buttons and reactions keep working."""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

from bot.sandbox.slack_sim.state import Channel, SimState, User

FORMAT = 1


def dump(state: SimState) -> dict[str, Any]:
    with state.lock:
        return json.loads(
            json.dumps(
                {
                    "format": FORMAT,
                    "next_id": state.next_id,
                    "users": [vars(u) for u in state.users.values()],
                    "channels": [vars(c) for c in state.channels.values()],
                    "messages": state.messages,
                    "ephemerals": state.ephemerals,
                    "views": state.views,
                    "home_views": state.home_views,
                    "files": state.files,
                    "file_data": state.file_data,
                }
            )
        )


def load(state: SimState, data: dict[str, Any]) -> None:
    """Replaces the state's content with `data` (open modals are not restored: their triggers
    and the person's screen are gone)."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown sandbox state format {data.get('format')!r}")
    with state.lock:
        state.next_id = max(state.next_id, int(data["next_id"]))
        state.users = {u["id"]: User(**u) for u in data["users"]}
        state.channels = {c["id"]: Channel(**c) for c in data["channels"]}
        state.messages = {cid: dict(msgs) for cid, msgs in data["messages"].items()}
        for cid in state.channels:
            state.messages.setdefault(cid, {})
        state.ephemerals = data.get("ephemerals", {})
        state.views = data.get("views", {})
        state.home_views = data.get("home_views", {})
        state.files = data.get("files", {})
        state.file_data = data.get("file_data", {})
        state.modal_stacks = {}
        for msgs in state.messages.values():
            for ts in msgs:
                state.clock.advance_to(ts)
        state.touch()


def save(state: SimState, path: Path) -> None:
    """One row in a small SQLite file: written in a transaction, so a crash mid-write leaves
    the previous snapshot."""
    data = json.dumps(dump(state))
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY, data TEXT)")
        db.execute("INSERT OR REPLACE INTO snapshot (id, data) VALUES (1, ?)", (data,))


def load_file(state: SimState, path: Path) -> bool:
    """Loads a snapshot written by `save`; False when there is none."""
    if not path.exists():
        return False
    with closing(sqlite3.connect(path)) as db:
        try:
            row = db.execute("SELECT data FROM snapshot WHERE id = 1").fetchone()
        except sqlite3.OperationalError:
            return False
    if row is None:
        return False
    load(state, json.loads(row[0]))
    return True


class Autosave:
    """Saves every `interval` seconds when something changed, and once more on stop.

    Nothing is taken to be on disk until this has saved it: the bot starts before this does and
    may already have posted (the seeded run, on a fast machine), and a snapshot skipped then was
    a restarted sandbox showing an empty channel."""

    def __init__(self, state: SimState, path: Path, interval: float = 2.0) -> None:
        self.state, self.path, self.interval = state, path, interval
        self._saved_version: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim-autosave", daemon=True)

    def start(self) -> Autosave:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def flush(self) -> None:
        version = self.state.version
        if version != self._saved_version:
            save(self.state, self.path)
            self._saved_version = version

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.flush()
