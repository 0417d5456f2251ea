"""`response_url`s: where an app answers a slash command or an interaction later, and how the
immediate HTTP answer to a slash command is shown.

As in Slack: `response_type: in_channel` posts to the channel, anything else is an ephemeral
message to the user; `replace_original` / `delete_original` act on the message the
interaction came from.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.sandbox.slack_sim.blocks import validate_message
from bot.sandbox.slack_sim.state import SimError, SimState


@dataclass
class ResponseTarget:
    user: str
    channel: str
    message_ts: str | None = None  # the message an interaction came from
    ephemeral: bool = False  # that message is the user's ephemeral message
    thread_ts: str | None = None
    uses: int = 0


class ResponseUrls:
    MAX_USES = 5  # Slack allows five responses per response_url

    def __init__(self, state: SimState, base_url: Callable[[], str]) -> None:
        self.state = state
        self.base_url = base_url
        self._targets: dict[str, ResponseTarget] = {}
        self._lock = threading.Lock()

    def issue(self, target: ResponseTarget) -> str:
        token = secrets.token_urlsafe(12)
        with self._lock:
            self._targets[token] = target
        return f"{self.base_url()}/sim/response/{token}"

    async def endpoint(self, request: Request) -> JSONResponse:
        token = request.path_params["token"]
        with self._lock:
            target = self._targets.get(token)
            if target is not None:
                target.uses += 1
        if target is None:
            return JSONResponse({"ok": False, "error": "expired_url"}, status_code=404)
        if target.uses > self.MAX_USES:
            return JSONResponse({"ok": False, "error": "used_url"}, status_code=404)
        try:
            body = json.loads(await request.body() or b"{}")
            self.apply(target, body)
        except ValueError:
            return JSONResponse({"ok": False, "error": "invalid_payload"}, status_code=400)
        except SimError as e:
            return JSONResponse({"ok": False, "error": e.error, **e.extra}, status_code=400)
        return JSONResponse({"ok": True})

    def apply(self, target: ResponseTarget, body: Any) -> None:
        """Shows a response (from a response_url or a slash command's HTTP answer)."""
        if isinstance(body, str):
            body = {"text": body}
        if not isinstance(body, dict):
            raise ValueError("response must be a JSON object")
        st = self.state
        if body.get("delete_original"):
            self._delete(target)
            return
        text, blocks = body.get("text", ""), body.get("blocks")
        validate_message(text, blocks)
        if body.get("replace_original") and target.message_ts:
            if target.ephemeral:
                st.dismiss_ephemeral(target.user, target.message_ts)
            else:
                fields = {"text": text, "blocks": blocks}
                st.update_message(target.channel, target.message_ts, fields)
                return
        if body.get("response_type") == "in_channel":
            st.add_message(
                target.channel,
                user=st.team.bot_user_id,
                text=text,
                blocks=blocks,
                thread_ts=body.get("thread_ts") or target.thread_ts,
                bot=True,
            )
        else:
            st.add_ephemeral(
                target.user,
                target.channel,
                text=text,
                blocks=blocks,
                thread_ts=target.thread_ts,
                source="response_url",
            )

    def _delete(self, target: ResponseTarget) -> None:
        if not target.message_ts:
            return
        if target.ephemeral:
            self.state.dismiss_ephemeral(target.user, target.message_ts)
        else:
            self.state.delete_message(target.channel, target.message_ts)
