"""Modals and App Home: views.open/push/update/publish on top of `SimState`, plus trigger ids.

A trigger id is issued with every slash command and interaction and names the user it came
from, so `views.open(trigger_id=…)` knows whose screen the modal opens on. As in Slack, a
trigger works once; `trigger_ttl` (seconds, None = forever) can make it expire like Slack's 3 s.
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from bot.sandbox.slack_sim.blocks import validate_view, with_block_ids
from bot.sandbox.slack_sim.state import SimError, SimState


class Views:
    def __init__(self, state: SimState, trigger_ttl: float | None = None) -> None:
        self.state = state
        self.trigger_ttl = trigger_ttl
        self._triggers: dict[str, tuple[str, float]] = {}  # trigger id -> (user, issued at)

    # -- triggers -----------------------------------------------------------------------------
    def issue_trigger(self, user: str) -> str:
        with self.state.lock:
            trigger = f"{int(time.time())}.{self.state.new_id('')}.{secrets.token_hex(8)}"
            self._triggers[trigger] = (user, time.monotonic())
            return trigger

    def _use_trigger(self, trigger_id: str | None) -> str:
        if not trigger_id:
            raise SimError("invalid_arguments", detail="trigger_id is required")
        entry = self._triggers.pop(trigger_id, None)
        if entry is None:
            raise SimError("invalid_trigger_id")
        user, issued = entry
        if self.trigger_ttl is not None and time.monotonic() - issued > self.trigger_ttl:
            raise SimError("expired_trigger_id")
        return user

    # -- views --------------------------------------------------------------------------------
    def _new_view(self, view: dict[str, Any], user: str, root: str | None, prev: str | None):
        view_id = self.state.new_id("V")
        stored = copy.deepcopy(view)
        with_block_ids(stored.get("blocks"))
        stored.update(
            {
                "id": view_id,
                "team_id": self.state.team.id,
                "app_id": self.state.team.app_id,
                "bot_id": self.state.team.bot_id,
                "user_id": user,
                "state": {"values": {}},
                "hash": self._hash(view),
                "root_view_id": root or view_id,
                "previous_view_id": prev,
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "external_id": view.get("external_id", ""),
                "blocks": stored.get("blocks", []),
            }
        )
        self.state.views[view_id] = stored
        return stored

    def _hash(self, view: dict[str, Any]) -> str:
        return f"{int(time.time())}.{self.state.new_id('h')}"

    def open(self, trigger_id: str | None, view: dict[str, Any]) -> dict[str, Any]:
        validate_view(view, "modal")
        with self.state.lock:
            user = self._use_trigger(trigger_id)
            stored = self._new_view(view, user, None, None)
            self.state.modal_stacks[user] = [stored["id"]]
            self.state.touch()
            return copy.deepcopy(stored)

    def push(self, trigger_id: str | None, view: dict[str, Any]) -> dict[str, Any]:
        validate_view(view, "modal")
        with self.state.lock:
            user = self._use_trigger(trigger_id)
            stack = self.state.modal_stacks.setdefault(user, [])
            if len(stack) >= 3:
                raise SimError("push_limit_reached")
            root = stack[0] if stack else None
            stored = self._new_view(view, user, root, stack[-1] if stack else None)
            stack.append(stored["id"])
            self.state.touch()
            return copy.deepcopy(stored)

    def find(self, view_id: str | None = None, external_id: str | None = None) -> dict[str, Any]:
        with self.state.lock:
            if view_id and view_id in self.state.views:
                return self.state.views[view_id]
            if external_id:
                for v in self.state.views.values():
                    if v.get("external_id") == external_id:
                        return v
            raise SimError("not_found")

    def update(
        self,
        view: dict[str, Any],
        view_id: str | None = None,
        external_id: str | None = None,
        hash: str | None = None,
    ) -> dict[str, Any]:
        validate_view(view, view.get("type", "modal"))
        with self.state.lock:
            current = self.find(view_id, external_id)
            if hash and hash != current["hash"]:
                raise SimError("hash_conflict")
            keep = {k: current[k] for k in ("id", "team_id", "app_id", "bot_id", "user_id")}
            keep |= {k: current[k] for k in ("root_view_id", "previous_view_id", "state")}
            current.clear()
            current.update(copy.deepcopy(view))
            current.update(keep)
            current["hash"] = self._hash(view)
            with_block_ids(current.setdefault("blocks", []))
            current.setdefault("private_metadata", "")
            current.setdefault("callback_id", "")
            self.state.touch()
            return copy.deepcopy(current)

    def publish(self, user_id: str, view: dict[str, Any], hash: str | None = None):
        if view.get("type") != "home":
            raise SimError("invalid_arguments", detail="views.publish takes a view of type home")
        validate_view(view, "home")
        with self.state.lock:
            self.state.user(user_id)
            existing = self.state.home_views.get(user_id)
            if existing:
                if hash and hash != self.state.views[existing]["hash"]:
                    raise SimError("hash_conflict")
                return self.update(view, view_id=existing)
            stored = self._new_view(view, user_id, None, None)
            self.state.home_views[user_id] = stored["id"]
            self.state.touch()
            return copy.deepcopy(stored)

    # -- the user's side ----------------------------------------------------------------------
    def close(self, user: str, view_id: str | None = None, *, all_views: bool = False) -> None:
        with self.state.lock:
            stack = self.state.modal_stacks.get(user, [])
            if all_views or view_id is None:
                stack.clear()
            elif view_id in stack:
                del stack[stack.index(view_id) :]
            self.state.touch()

    def set_values(self, view_id: str, values: dict[str, Any]) -> dict[str, Any]:
        with self.state.lock:
            view = self.find(view_id)
            view["state"] = {"values": values}
            return copy.deepcopy(view)
