"""The page's side of the simulator: a JSON API under `/sim/api/` and the static page at `/`.

The page acts as a person: every action goes through the same harness methods the tests use,
so it reaches the app as signed HTTP requests, exactly as from Slack.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.sandbox.slack_sim.actions import ActionResult
from bot.sandbox.slack_sim.files import download_endpoint
from bot.sandbox.slack_sim.state import SimError

if TYPE_CHECKING:
    from bot.sandbox.slack_sim.server import SlackSim

STATIC = Path(__file__).parent / "static"

# action name -> (harness method, the JSON fields it takes, in order; optional ones end in "?")
ACTIONS: dict[str, tuple[str, list[str]]] = {
    "post_message": ("post_message", ["user", "channel", "text", "thread_ts?"]),
    "add_reaction": ("add_reaction", ["user", "channel", "ts", "name"]),
    "remove_reaction": ("remove_reaction", ["user", "channel", "ts", "name"]),
    "slash_command": ("slash_command", ["user", "channel", "command", "text?"]),
    "click_button": ("click_button", ["user", "channel", "ts", "action_id"]),
    "click_view_button": ("click_view_button", ["user", "view_id", "action_id"]),
    "submit_view": ("submit_view", ["user", "view_id", "values"]),
    "close_view": ("close_view", ["user", "view_id"]),
    "open_app_home": ("open_app_home", ["user"]),
}


PAGE_FILE_LIMIT = 2_000_000  # characters of a file picked on the page


def _error(status: int, error: str, detail: str = "") -> JSONResponse:
    return JSONResponse({"ok": False, "error": error, "detail": detail}, status_code=status)


LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _refusal(sim: SlackSim, request: Request) -> Response | None:
    """Other web sites must not drive the sandbox from a visitor's browser: the Host must be
    this server (no DNS rebinding) and writes must be JSON (a cross-site form or text/plain
    POST cannot set that without a CORS preflight, which is never granted)."""
    host = request.url.hostname or ""
    exposed = sim.host in ("0.0.0.0", "::")  # the person chose to serve every interface
    if not exposed and host not in LOOPBACK | {sim.host}:
        return _error(403, "forbidden_host", f"requests must be addressed to {sim.host}")
    ctype = request.headers.get("content-type", "").split(";")[0].strip()
    if request.method == "POST" and ctype != "application/json":
        return _error(415, "json_required", "send Content-Type: application/json")
    return None


def _guarded(sim: SlackSim, endpoint):
    async def wrapper(request: Request) -> Response:
        return _refusal(sim, request) or await endpoint(request)

    return wrapper


def page_routes(sim: SlackSim) -> list[Any]:
    async def state(request: Request) -> Response:
        try:
            since = int(request.query_params.get("since", "-1") or -1)
            wait = min(float(request.query_params.get("wait", "0") or 0), 25.0)
        except ValueError:
            return _error(400, "invalid_arguments", "since is a version number, wait seconds")
        # A page that last saw another server (a restart) gets the whole state at once: its
        # `since` counts the old server's changes.
        seen = request.query_params.get("instance")
        if seen and seen != sim.instance:
            since = -1
        # Long poll: answer as soon as something changed after `since` (or after `wait` s, or
        # when the server is stopping).
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while sim.state.version <= since and loop.time() < deadline and not sim.closing.is_set():
            await asyncio.sleep(0.1)
        head = {"ok": True, "instance": sim.instance, "version": sim.state.version}
        if sim.state.version <= since:
            return JSONResponse({**head, "changed": False})
        snap = sim.state.snapshot()
        return JSONResponse({**head, "changed": True, "info": sim.info, **snap})

    async def info(request: Request) -> Response:
        return JSONResponse({"ok": True, **sim.info})

    async def action(request: Request) -> Response:
        name = request.path_params["action"]
        if name not in ACTIONS:
            return _error(404, "unknown_action", f"no action {name!r}")
        try:
            data = json.loads(await request.body() or b"{}")
        except ValueError:
            return _error(400, "invalid_json", "the body must be a JSON object")
        if not isinstance(data, dict):
            return _error(400, "invalid_json", "the body must be a JSON object")
        method, fields = ACTIONS[name]
        args = []
        for f in fields:
            key = f.rstrip("?")
            if key not in data and not f.endswith("?"):
                return _error(400, "invalid_arguments", f"missing field: {key}")
            args.append(data.get(key))
        try:
            result: ActionResult = await run_in_threadpool(getattr(sim, method), *args)
        except SimError as e:
            return _error(400, e.error, str(e.extra.get("detail", "")))
        except RuntimeError as e:  # no app URL configured
            return _error(503, "no_app", str(e))
        return JSONResponse({"ok": True, **result.to_dict()})

    async def dismiss(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            sim.state.dismiss_ephemeral(sim.user_id(str(data.get("user", ""))), data.get("ts", ""))
        except (ValueError, AttributeError):
            return _error(400, "invalid_json", "send {user, ts}")
        except SimError as e:
            return _error(400, e.error)
        return JSONResponse({"ok": True})

    async def upload_file(request: Request) -> Response:
        """A file picked in a modal's file_input (text only: an export is JSON)."""
        try:
            data = json.loads(await request.body() or b"{}")
            user, name, content = str(data["user"]), str(data["name"]), str(data["content"])
        except (ValueError, KeyError, TypeError):
            return _error(400, "invalid_json", "send {user, name, content}")
        if len(content) > PAGE_FILE_LIMIT:
            return _error(413, "file_too_large", f"at most {PAGE_FILE_LIMIT:,} characters")
        try:
            return JSONResponse({"ok": True, "file": sim.upload_file(user, name, content)})
        except SimError as e:
            return _error(400, e.error)

    async def deliveries(request: Request) -> Response:
        return JSONResponse({"ok": True, "deliveries": [d.to_dict() for d in sim.deliveries]})

    async def reset(request: Request) -> Response:
        if sim.on_reset is None:
            return _error(501, "not_supported", "this simulator has no reset hook")
        await run_in_threadpool(sim.on_reset)
        return JSONResponse({"ok": True})

    async def permalink(request: Request) -> Response:
        p = request.path_params["p"].lstrip("p")
        ts = f"{p[:-6]}.{p[-6:]}" if len(p) > 6 else p
        thread = request.query_params.get("thread_ts", "")
        target = f"/#{request.path_params['channel']}/{thread or ts}/{ts}"
        return RedirectResponse(target)

    async def index(request: Request) -> Response:
        page = STATIC / "index.html"
        if not page.exists():
            return Response("the sandbox page is not built yet", media_type="text/plain")
        return FileResponse(page, headers={"Cache-Control": "no-store"})

    async def favicon(request: Request) -> Response:
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
            '<text y=".9em" font-size="90">🤖</text></svg>'
        )
        return Response(svg, media_type="image/svg+xml")

    def g(endpoint):
        return _guarded(sim, endpoint)

    routes: list[Any] = [
        Route("/favicon.ico", favicon),
        Route("/sim/api/state", g(state)),
        Route("/sim/api/info", g(info)),
        Route("/sim/api/deliveries", g(deliveries)),
        Route("/sim/api/dismiss_ephemeral", g(dismiss), methods=["POST"]),
        Route("/sim/api/reset", g(reset), methods=["POST"]),
        Route("/sim/api/upload_file", g(upload_file), methods=["POST"]),
        Route("/sim/api/{action}", g(action), methods=["POST"]),
        Route("/archives/{channel}/{p}", permalink),
        Route("/sim/files/{file_id}", g(download_endpoint(sim.state))),
        Route("/", g(index)),
    ]
    if STATIC.exists():
        routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
    return routes
