"""The page's door to the demo application: its state (GET /sim/demo) and its toggle (POST)."""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.sandbox.demo_app import DemoApp

NOTE = (
    "A stand-in for your own application: it uses the Python client (alignbot_client) with a "
    "real API token over the real HTTP API. While on, it fetches the production version of "
    "the template every few seconds, runs the model and logs the output; logged outputs are "
    "posted here for review like any run."
)


def demo_routes(current: Callable[[], DemoApp | None]) -> list[Route]:
    def state() -> dict[str, object]:
        demo = current()
        if demo is None:
            return {"available": False, "note": NOTE}
        return {"available": True, "note": NOTE, **demo.describe()}

    async def get(_: Request) -> Response:
        return JSONResponse(await run_in_threadpool(state))

    async def post(request: Request) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, 400)
        enabled = body.get("enabled") if isinstance(body, dict) else None
        if not isinstance(enabled, bool):
            return JSONResponse({"error": 'send {"enabled": true|false}'}, 400)
        demo = current()
        if demo is None:
            return JSONResponse({"error": "the demo application is not running"}, 409)
        demo.set_enabled(enabled)
        return JSONResponse(await run_in_threadpool(state))

    return [Route("/sim/demo", get, methods=["GET"]), Route("/sim/demo", post, methods=["POST"])]
