"""The HTTP side of the Web API: `{base}/api/<method>`, as slack-sdk's WebClient calls it.

Accepts query strings, form-encoded and JSON bodies (slack-sdk uses all three), checks the
Bearer token (or a `token` argument) like Slack, applies injected faults, and answers with
Slack's JSON shape and status codes.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.sandbox.slack_sim.api_methods import METHODS, ApiContext
from bot.sandbox.slack_sim.faults import Faults
from bot.sandbox.slack_sim.state import SimError

log = logging.getLogger(__name__)


class WebApi:
    def __init__(
        self,
        ctx: ApiContext,
        tokens: set[str],
        faults: Faults,
        methods: dict | None = None,
        app_tokens: set[str] | None = None,
        app_methods: frozenset[str] = frozenset({"apps.connections.open"}),
    ) -> None:
        self.ctx = ctx
        self.app_tokens = app_tokens or set()  # app-level `xapp-` tokens: only for app_methods
        self.app_methods = app_methods
        self.methods = methods if methods is not None else METHODS
        self.tokens = tokens
        self.faults = faults
        self.calls: list[dict[str, Any]] = []  # (method, args, ok/error) of every call, in order
        self._lock = threading.Lock()

    async def endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        args = dict(request.query_params)
        try:
            args |= await self._body(request)
        except ValueError:
            return JSONResponse({"ok": False, "error": "invalid_json"})
        token = _bearer(request) or args.pop("token", None)
        handler = self.methods.get(method)
        if handler is None:
            return self._answer(method, args, {"ok": False, "error": "unknown_method"})
        fault = self.faults.take(method)
        if fault is not None:
            return self._fault(method, args, fault)
        if not token:
            return self._answer(method, args, {"ok": False, "error": "not_authed"})
        if token not in self.tokens and token not in self.app_tokens:
            return self._answer(method, args, {"ok": False, "error": "invalid_auth"})
        if (token in self.app_tokens) != (method in self.app_methods):
            return self._answer(method, args, {"ok": False, "error": "not_allowed_token_type"})
        try:
            result = await run_in_threadpool(handler, self.ctx, args)
            body = {"ok": True, **result}
        except SimError as e:
            body = {"ok": False, "error": e.error, **e.extra}
        return self._answer(method, args, body)

    async def _body(self, request: Request) -> dict[str, Any]:
        ctype = request.headers.get("content-type", "")
        if request.method != "POST":
            return {}
        if ctype.startswith("application/json"):
            raw = await request.body()
            data = json.loads(raw) if raw.strip() else {}
            if not isinstance(data, dict):
                raise ValueError("JSON body must be an object")
            return data
        # Parsed here rather than with request.form(), which needs python-multipart.
        form = (await request.body()).decode("utf-8", "replace")
        return dict(parse_qsl(form, keep_blank_values=True))

    def _fault(self, method: str, args: dict[str, Any], fault) -> JSONResponse:
        if fault.status == 429:
            wait = 1 if fault.retry_after is None else fault.retry_after  # 0: "at once"
            headers = {"Retry-After": str(wait)}
            body = {"ok": False, "error": fault.error or "ratelimited"}
            return self._answer(method, args, body, status=429, headers=headers)
        if fault.status >= 500:
            body = {"ok": False, "error": fault.error or "internal_error"}
            return self._answer(method, args, body, status=fault.status)
        return self._answer(method, args, {"ok": False, "error": fault.error or "fatal_error"})

    def _answer(self, method, args, body, status: int = 200, headers=None) -> JSONResponse:
        with self._lock:
            self.calls.append(
                {
                    "method": method,
                    "args": args,
                    "ok": body.get("ok"),
                    "error": body.get("error"),
                    "status": status,
                }
            )
        if not body.get("ok"):
            log.info("sim web api %s -> %s %s", method, status, body.get("error"))
        return JSONResponse(body, status_code=status, headers=headers)


def _bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None
