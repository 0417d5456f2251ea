"""What people do in Slack, turned into the signed requests Slack would send to the app.

Each action changes the workspace first (the message exists before its event arrives, as in
Slack) and then delivers the event, command or interaction, returning the app's answers.
Users may be named by id (`U0ALICE`) or by name (`alice`); channels by id, name or `#name`.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.slack_sim import payloads
from bot.sandbox.slack_sim.delivery import Deliverer, Delivery, DeliveryOptions
from bot.sandbox.slack_sim.inputs import find_action, state_values
from bot.sandbox.slack_sim.payloads import FORM
from bot.sandbox.slack_sim.responses import ResponseTarget, ResponseUrls
from bot.sandbox.slack_sim.state import SimError, SimState
from bot.sandbox.slack_sim.views import Views


@dataclass
class ActionResult:
    """The app's answer(s): `deliveries[0]` is the first delivery (retries follow it)."""

    deliveries: list[Delivery] = field(default_factory=list)
    ts: str | None = None  # the message the action created (post_message)
    event_id: str | None = None
    trigger_id: str | None = None
    view_errors: dict[str, str] | None = None  # view_submission answered response_action=errors

    @property
    def status(self) -> int:
        return self.deliveries[0].status if self.deliveries else 0

    @property
    def body(self) -> str:
        return self.deliveries[0].body if self.deliveries else ""

    @property
    def elapsed_ms(self) -> float:
        return self.deliveries[0].elapsed_ms if self.deliveries else 0.0

    def json(self) -> Any:
        return self.deliveries[0].json() if self.deliveries else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "body": self.body,
            "elapsed_ms": round(self.elapsed_ms, 2),
            "ts": self.ts,
            "event_id": self.event_id,
            "view_errors": self.view_errors,
            "deliveries": [d.to_dict() for d in self.deliveries],
        }


class UserActions:
    state: SimState
    views: Views
    deliverer: Deliverer
    responses: ResponseUrls

    # -- helpers ------------------------------------------------------------------------------
    def user_id(self, ref: str) -> str:
        with self.state.lock:
            if ref in self.state.users:
                return ref
            for u in self.state.users.values():
                if u.name == ref.lstrip("@"):
                    return u.id
        raise SimError("user_not_found")

    def _event(self, event: dict[str, Any], opts: DeliveryOptions | None) -> list[Delivery]:
        event_id, body = payloads.event_envelope(self.state, event)
        return self.deliverer.send("event", event["type"], body, payloads.JSON, opts, event_id)

    def _channel_type(self, channel: str) -> str:
        return "group" if self.state.channel(channel).is_private else "channel"

    # -- messages -----------------------------------------------------------------------------
    def post_message(
        self,
        user: str,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        options: DeliveryOptions | None = None,
    ) -> ActionResult:
        """A person posts `text` (in a thread when `thread_ts`); the app gets a `message`
        event, plus `app_mention` when the text mentions the bot."""
        uid, ch = self.user_id(user), self.state.channel(channel)
        client_msg_id = str(uuid.uuid4())
        msg = self.state.add_message(
            ch.id, user=uid, text=text, thread_ts=thread_ts, extra={"client_msg_id": client_msg_id}
        )
        event = {
            "type": "message",
            "channel": ch.id,
            "user": uid,
            "text": text,
            "ts": msg["ts"],
            "team": self.state.team.id,
            "client_msg_id": client_msg_id,
            "channel_type": self._channel_type(ch.id),
            "event_ts": msg["ts"],
        }
        if msg.get("thread_ts"):
            event["thread_ts"] = msg["thread_ts"]
            event["parent_user_id"] = msg.get("parent_user_id")
        deliveries = self._event(dict(event), options)
        result = ActionResult(deliveries, ts=msg["ts"], event_id=deliveries[0].event_id)
        if f"<@{self.state.team.bot_user_id}>" in text:
            mention = {k: v for k, v in event.items() if k not in ("channel_type",)}
            result.deliveries += self._event(mention | {"type": "app_mention"}, options)
        return result

    def bot_message_event(self, channel: str, msg: dict[str, Any]) -> list[Delivery]:
        """The `message` event Slack sends for a message the bot itself posted (with bot_id)."""
        event = {
            "type": "message",
            "channel": channel,
            "user": msg["user"],
            "bot_id": msg["bot_id"],
            "app_id": msg.get("app_id"),
            "bot_profile": msg.get("bot_profile"),
            "text": msg.get("text", ""),
            "ts": msg["ts"],
            "team": self.state.team.id,
            "channel_type": self._channel_type(channel),
            "event_ts": msg["ts"],
        }
        if msg.get("blocks"):
            event["blocks"] = msg["blocks"]
        if msg.get("thread_ts"):
            event["thread_ts"] = msg["thread_ts"]
        return self._event(event, None)

    # -- reactions ----------------------------------------------------------------------------
    def _reaction(self, kind, user, channel, ts, name, options) -> ActionResult:
        uid, ch = self.user_id(user), self.state.channel(channel)
        name = name.strip(":")
        if kind == "reaction_added":
            msg = self.state.add_reaction(ch.id, ts, name, uid)
        else:
            msg = self.state.remove_reaction(ch.id, ts, name, uid)
        event = {
            "type": kind,
            "user": uid,
            "reaction": name,
            "item_user": msg.get("user"),
            "item": {"type": "message", "channel": ch.id, "ts": ts},
            "event_ts": f"{time.time():.6f}",
        }
        deliveries = self._event(event, options)
        return ActionResult(deliveries, event_id=deliveries[0].event_id)

    def add_reaction(self, user, channel, ts, name, options=None) -> ActionResult:
        return self._reaction("reaction_added", user, channel, ts, name, options)

    def remove_reaction(self, user, channel, ts, name, options=None) -> ActionResult:
        return self._reaction("reaction_removed", user, channel, ts, name, options)

    # -- slash commands -----------------------------------------------------------------------
    def slash_command(
        self,
        user: str,
        channel: str,
        command: str,
        text: str = "",
        options: DeliveryOptions | None = None,
    ) -> ActionResult:
        """`/command text` typed in `channel`. An immediate answer with a body is shown as Slack
        shows it (ephemeral unless `response_type: in_channel`); a failed answer becomes Slack's
        "failed with the error" ephemeral."""
        uid, ch = self.user_id(user), self.state.channel(channel)
        trigger = self.views.issue_trigger(uid)
        target = ResponseTarget(user=uid, channel=ch.id)
        body = payloads.slash_command(
            self.state,
            user=uid,
            channel=ch.id,
            command=command,
            text=text,
            response_url=self.responses.issue(target),
            trigger_id=trigger,
        )
        deliveries = self.deliverer.send("command", command, body, payloads.FORM, options)
        first = deliveries[0]
        if first.status == 200 and first.body.strip():
            answer = first.json()
            self.responses.apply(target, answer if answer is not None else first.body)
        elif first.status != 200:
            reason = "operation_timeout" if first.error == "timeout" else "dispatch_failed"
            self.state.add_ephemeral(
                uid, ch.id, text=f'{command} failed with the error "{reason}"', source="slack"
            )
        return ActionResult(deliveries, trigger_id=trigger)

    # -- buttons ------------------------------------------------------------------------------
    def _find_message(self, uid: str, channel: str, ts: str) -> tuple[dict[str, Any], bool]:
        try:
            return self.state.message(channel, ts), False
        except SimError:
            for eph in self.state.ephemerals_for(uid):
                if eph["ts"] == ts:
                    return eph, True
            raise

    def click_button(
        self,
        user: str,
        channel: str,
        ts: str,
        action_id: str,
        options: DeliveryOptions | None = None,
    ) -> ActionResult:
        """Clicks the button `action_id` on a message (or on the user's ephemeral message)."""
        uid, ch = self.user_id(user), self.state.channel(channel)
        msg, ephemeral = self._find_message(uid, ch.id, ts)
        action = find_action(msg.get("blocks", []), action_id)
        trigger = self.views.issue_trigger(uid)
        target = ResponseTarget(
            uid, ch.id, message_ts=ts, ephemeral=ephemeral, thread_ts=msg.get("thread_ts")
        )
        body = payloads.block_actions(
            self.state,
            user=uid,
            action=action,
            trigger_id=trigger,
            response_url=self.responses.issue(target),
            channel=ch.id,
            message=msg,
        )
        deliveries = self.deliverer.send("interactive", "block_actions", body, FORM, options)
        return ActionResult(deliveries, trigger_id=trigger)

    def click_view_button(
        self, user: str, view_id: str, action_id: str, options: DeliveryOptions | None = None
    ) -> ActionResult:
        """Clicks a button in a modal or on the App Home tab."""
        uid = self.user_id(user)
        view = dict(self.views.find(view_id))
        action = find_action(view.get("blocks", []), action_id)
        trigger = self.views.issue_trigger(uid)
        body = payloads.block_actions(
            self.state, user=uid, action=action, trigger_id=trigger, response_url=None, view=view
        )
        deliveries = self.deliverer.send("interactive", "block_actions", body, FORM, options)
        return ActionResult(deliveries, trigger_id=trigger)

    # -- modals and App Home -------------------------------------------------------------------
    def submit_view(
        self,
        user: str,
        view_id: str,
        values: dict[str, Any],
        options: DeliveryOptions | None = None,
    ) -> ActionResult:
        """Submits a modal. `values` maps an input's action_id (or block_id) to its value: a
        string for text inputs and selects (the option's value), a list for checkboxes."""
        uid = self.user_id(user)
        view = self.views.find(view_id)
        if view.get("type") != "modal" or view_id not in self.state.modal_stacks.get(uid, []):
            raise SimError("view_not_open", detail=f"view {view_id} is not open for {user}")
        view = self.views.set_values(view_id, state_values(view, values))
        trigger = self.views.issue_trigger(uid)
        body = payloads.view_submission(self.state, user=uid, view=view, trigger_id=trigger)
        deliveries = self.deliverer.send(
            "interactive", "view_submission", body, payloads.FORM, options
        )
        result = ActionResult(deliveries, trigger_id=trigger)
        first = deliveries[0]
        if first.status != 200:
            return result  # Slack keeps the modal open and shows a connection error
        answer = (first.json() if first.body.strip() else None) or {}
        action = answer.get("response_action")
        if action == "errors":
            result.view_errors = answer.get("errors", {})
        elif action == "update":
            self.views.update(answer["view"], view_id=view_id)
        elif action == "push":
            self.views.push(self.views.issue_trigger(uid), answer["view"])
        elif action == "clear":
            self.views.close(uid, all_views=True)
        else:
            self.views.close(uid, view_id)
        return result

    def close_view(self, user: str, view_id: str) -> ActionResult:
        """The user closes a modal (Cancel / ×); `view_closed` is sent if the view asked."""
        uid = self.user_id(user)
        view = dict(self.views.find(view_id))
        self.views.close(uid, view_id)
        if not view.get("notify_on_close"):
            return ActionResult()
        body = payloads.view_closed(self.state, user=uid, view=view)
        return ActionResult(self.deliverer.send("interactive", "view_closed", body, payloads.FORM))

    def open_app_home(self, user: str, options: DeliveryOptions | None = None) -> ActionResult:
        uid = self.user_id(user)
        home_id = self.state.home_views.get(uid)
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": uid,
            "channel": f"D{uid[1:]}",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        if home_id:
            event["view"] = dict(self.views.find(home_id))
        deliveries = self._event(event, options)
        return ActionResult(deliveries, event_id=deliveries[0].event_id)


# The old private name, still imported by tests/e2e/test_slack_approvals.py: use find_action.
_find_action = find_action


def as_json(result: ActionResult) -> str:
    return json.dumps(result.to_dict())
