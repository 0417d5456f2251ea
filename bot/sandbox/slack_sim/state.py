"""In-memory workspace state of the simulated Slack: one team, its users, channels and messages.

Every read returns a deep copy, so callers (tests, the page, the Web API) never share mutable
structures with the state; every write holds one lock, so the Web API (called by the app from
its worker threads) and the harness (called from tests or the page) can run at the same time.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from typing import Any


class SimError(Exception):
    """A Slack-style error code (`channel_not_found`, …), answered as `{"ok": false}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class User:
    id: str
    name: str
    real_name: str
    is_bot: bool = False

    def to_api(self, team_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": "UTC",
            "tz_offset": 0,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "team": team_id,
            },
        }


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    members: list[str] = field(default_factory=list)
    created: int = field(default_factory=lambda: int(time.time()))

    def to_api(self, viewer: str | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_general": self.name == "general",
            "is_member": viewer in self.members if viewer else False,
            "created": self.created,
            "num_members": len(self.members),
        }


@dataclass
class Team:
    id: str = "T0SANDBOX"
    name: str = "Sandbox"
    domain: str = "sandbox"
    app_id: str = "A0ALIGNBOT"
    bot_id: str = "B0ALIGNBOT"
    bot_user_id: str = "U0ALIGNBOT"
    bot_name: str = "alignbot"


class TsClock:
    """Slack message timestamps: `"<seconds>.<6 digits>"`, strictly increasing."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()

    def advance_to(self, ts: str) -> None:
        """Never issue a timestamp at or before `ts` (after loading saved messages)."""
        with self._lock:
            seconds, _, micros = ts.partition(".")
            self._last = max(self._last, int(seconds) * 1_000_000 + int(micros or 0))

    def next(self) -> str:
        with self._lock:
            self._last = max(int(time.time() * 1_000_000), self._last + 1)
            return f"{self._last // 1_000_000}.{self._last % 1_000_000:06d}"


class SimState:
    """Team, users, channels, messages (with threads and reactions), ephemerals and views."""

    def __init__(self, team: Team | None = None) -> None:
        self.lock = threading.RLock()
        self.team = team or Team()
        self.clock = TsClock()
        self.next_id = 1
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        # channel id -> ts -> message dict (Slack's shape, incl. "reactions" and thread fields)
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.ephemerals: dict[str, list[dict[str, Any]]] = {}  # user id -> messages
        self.views: dict[str, dict[str, Any]] = {}  # view id -> view
        self.modal_stacks: dict[str, list[str]] = {}  # user id -> open modal view ids
        self.home_views: dict[str, str] = {}  # user id -> published App Home view id
        self.files: dict[str, dict[str, Any]] = {}  # file id -> metadata (slack_sim/files.py)
        self.file_data: dict[str, str] = {}  # file id -> content
        self.version = 0  # bumped on every change, so pollers can tell when to redraw
        self.add_user(self.team.bot_user_id, self.team.bot_name, "alignbot", is_bot=True)

    # -- ids and change tracking ------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        with self.lock:
            self.next_id += 1
            return f"{prefix}{self.next_id - 1:08d}"

    def touch(self) -> None:
        self.version += 1

    # -- users and channels -----------------------------------------------------------------
    def add_user(self, user_id: str, name: str, real_name: str = "", *, is_bot: bool = False):
        with self.lock:
            self.users[user_id] = User(user_id, name, real_name or name.title(), is_bot)
            for ch in self.channels.values():
                if user_id not in ch.members:
                    ch.members.append(user_id)
            self.touch()
            return self.users[user_id]

    def user(self, user_id: str) -> User:
        with self.lock:
            if user_id not in self.users:
                raise SimError("user_not_found")
            return self.users[user_id]

    def add_channel(
        self, channel_id: str, name: str, *, is_private: bool = False, bot_member: bool = True
    ) -> Channel:
        with self.lock:
            members = [u for u in self.users if bot_member or u != self.team.bot_user_id]
            ch = Channel(channel_id, name, is_private, members)
            self.channels[channel_id] = ch
            self.messages.setdefault(channel_id, {})
            self.touch()
            return ch

    def channel(self, channel: str) -> Channel:
        """Find a channel by id, by name or by `#name`."""
        with self.lock:
            if channel in self.channels:
                return self.channels[channel]
            for ch in self.channels.values():
                if ch.name == channel.lstrip("#"):
                    return ch
            raise SimError("channel_not_found")

    def join(self, channel: str, user_id: str) -> Channel:
        with self.lock:
            ch = self.channel(channel)
            if user_id not in ch.members:
                ch.members.append(user_id)
                self.touch()
            return ch

    # -- messages -----------------------------------------------------------------------------
    def add_message(
        self,
        channel: str,
        *,
        user: str,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        bot: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            ch = self.channel(channel)
            msgs = self.messages[ch.id]
            parent = None
            if thread_ts:
                parent = msgs.get(thread_ts)
                if parent is None:
                    raise SimError("thread_not_found")
                if parent.get("thread_ts") and parent["thread_ts"] != parent["ts"]:
                    parent = msgs[parent["thread_ts"]]  # a reply to a reply joins the thread
                thread_ts = parent["ts"]
            ts = self.clock.next()
            msg: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": ts}
            msg["team"] = self.team.id
            if blocks:
                msg["blocks"] = blocks
            if bot:
                msg["bot_id"] = self.team.bot_id
                msg["app_id"] = self.team.app_id
                msg["bot_profile"] = {
                    "id": self.team.bot_id,
                    "app_id": self.team.app_id,
                    "name": self.team.bot_name,
                    "team_id": self.team.id,
                }
            if extra:
                msg.update(extra)
            if parent is not None:
                msg["thread_ts"] = parent["ts"]
                msg["parent_user_id"] = parent.get("user")
                parent["thread_ts"] = parent["ts"]
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["reply_users"] = sorted({*parent.get("reply_users", []), user})
                parent["reply_users_count"] = len(parent["reply_users"])
                parent["latest_reply"] = ts
            msgs[ts] = msg
            self.touch()
            return copy.deepcopy(msg)

    def _message(self, channel: str, ts: str) -> dict[str, Any]:
        ch = self.channel(channel)
        msg = self.messages[ch.id].get(ts)
        if msg is None:
            raise SimError("message_not_found")
        return msg

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        with self.lock:
            return copy.deepcopy(self._message(channel, ts))

    def update_message(self, channel: str, ts: str, fields: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            msg = self._message(channel, ts)
            msg.update(fields)
            if "blocks" in fields and not fields["blocks"]:
                msg.pop("blocks", None)
            msg["edited"] = {"user": msg.get("user"), "ts": self.clock.next()}
            self.touch()
            return copy.deepcopy(msg)

    def delete_message(self, channel: str, ts: str) -> None:
        with self.lock:
            msg = self._message(channel, ts)
            ch = self.channel(channel)
            del self.messages[ch.id][ts]
            parent_ts = msg.get("thread_ts")
            if parent_ts and parent_ts != ts and parent_ts in self.messages[ch.id]:
                parent = self.messages[ch.id][parent_ts]
                parent["reply_count"] = max(0, parent.get("reply_count", 1) - 1)
            self.touch()

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Top-level messages, newest first (as conversations.history returns them)."""
        with self.lock:
            ch = self.channel(channel)
            top = [
                m
                for m in self.messages[ch.id].values()
                if not m.get("thread_ts") or m["thread_ts"] == m["ts"]
            ]
            return copy.deepcopy(sorted(top, key=lambda m: m["ts"], reverse=True))

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """The parent followed by its replies, oldest first (as conversations.replies)."""
        with self.lock:
            ch = self.channel(channel)
            parent = self.messages[ch.id].get(ts)
            if parent is None:
                raise SimError("thread_not_found")
            root = parent.get("thread_ts") or ts
            msgs = [
                m
                for m in self.messages[ch.id].values()
                if m["ts"] == root or m.get("thread_ts") == root
            ]
            return copy.deepcopy(sorted(msgs, key=lambda m: m["ts"]))

    # -- reactions ----------------------------------------------------------------------------
    def add_reaction(self, channel: str, ts: str, name: str, user: str) -> dict[str, Any]:
        with self.lock:
            msg = self._message(channel, ts)
            reactions = msg.setdefault("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None:
                entry = {"name": name, "users": [], "count": 0}
                reactions.append(entry)
            if user in entry["users"]:
                raise SimError("already_reacted")
            entry["users"].append(user)
            entry["count"] = len(entry["users"])
            self.touch()
            return copy.deepcopy(msg)

    def remove_reaction(self, channel: str, ts: str, name: str, user: str) -> dict[str, Any]:
        with self.lock:
            msg = self._message(channel, ts)
            reactions = msg.get("reactions", [])
            entry = next((r for r in reactions if r["name"] == name), None)
            if entry is None or user not in entry["users"]:
                raise SimError("no_reaction")
            entry["users"].remove(user)
            entry["count"] = len(entry["users"])
            if not entry["users"]:
                reactions.remove(entry)
            if not reactions:
                msg.pop("reactions", None)
            self.touch()
            return copy.deepcopy(msg)

    # -- ephemerals ---------------------------------------------------------------------------
    def add_ephemeral(
        self,
        user: str,
        channel: str,
        *,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        source: str = "chat.postEphemeral",
    ) -> dict[str, Any]:
        with self.lock:
            ch = self.channel(channel)
            msg: dict[str, Any] = {
                "type": "message",
                "subtype": "ephemeral",
                "channel": ch.id,
                "user": self.team.bot_user_id,
                "bot_id": self.team.bot_id,
                "text": text,
                "ts": self.clock.next(),
                "source": source,
            }
            if blocks:
                msg["blocks"] = blocks
            if thread_ts:
                msg["thread_ts"] = thread_ts
            self.ephemerals.setdefault(user, []).append(msg)
            self.touch()
            return copy.deepcopy(msg)

    def ephemerals_for(self, user: str) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self.ephemerals.get(user, []))

    def dismiss_ephemeral(self, user: str, ts: str) -> None:
        with self.lock:
            self.ephemerals[user] = [m for m in self.ephemerals.get(user, []) if m["ts"] != ts]
            self.touch()

    def clear(self) -> None:
        """Forgets every message, ephemeral and view; keeps the team, people and channels."""
        with self.lock:
            for msgs in self.messages.values():
                msgs.clear()
            self.ephemerals.clear()
            self.views.clear()
            self.modal_stacks.clear()
            self.home_views.clear()
            self.files.clear()
            self.file_data.clear()
            self.touch()

    # -- snapshot -----------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Everything, JSON-ready: what the page draws and what tests inspect."""
        with self.lock:
            return copy.deepcopy(
                {
                    "version": self.version,
                    "team": vars(self.team),
                    "users": [vars(u) for u in self.users.values()],
                    "channels": [
                        {**c.to_api(), "members": list(c.members)} for c in self.channels.values()
                    ],
                    "messages": {
                        cid: sorted(m.values(), key=lambda x: x["ts"])
                        for cid, m in self.messages.items()
                    },
                    "ephemerals": self.ephemerals,
                    "views": self.views,
                    "modal_stacks": self.modal_stacks,
                    "home_views": self.home_views,
                }
            )
