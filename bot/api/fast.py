"""The hot path of `GET /v1/templates/{name}`: an app's periodic revalidation.

When this process has both the token and the served document in its caches (bot.services.api,
CACHE_SECONDS), the answer (200, or 304 for a matching If-None-Match) is written here without
going through FastAPI's routing and validation. Anything else (an unknown token, a cache miss,
an odd query, a refusal) falls through to the FastAPI route, which does the full work and fills
the caches; so the answers are the same, only faster."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from bot.api.limits import RateLimiter
from bot.api.routes import matches
from bot.services.api import ApiService
from storage.api_records import Scope as TokenScope

_PATH = re.compile(r"/v1/templates/([^/]{1,80})\Z")
_LABEL = re.compile(r"[a-z][a-z0-9_-]{0,39}\Z")
_VERSION = re.compile(r"[1-9][0-9]{0,9}\Z")


class FastTemplates:
    def __init__(self, app: ASGIApp, api: ApiService, limiter: RateLimiter) -> None:
        self.app = app
        self.api = api
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not await self._serve(scope, send)
        ):
            await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, send: Send) -> bool:
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        m = _PATH.match(path)
        if m is None or "%" in m.group(1):
            return False
        label: str | None = None
        version: int | None = None
        query = scope.get("query_string", b"")
        if query:
            params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if len(params) != 1:
                return False
            key, value = params[0]
            if key == "label" and _LABEL.match(value):
                label = value
            elif key == "version" and _VERSION.match(value) and int(value) < 2**31:
                version = int(value)
            else:
                return False
        auth = if_none_match = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                auth = value.decode("latin-1")
            elif name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        if auth is None or auth[:7].lower() != "bearer ":
            return False
        token = self.api.cached_token(auth[7:].strip())
        if token is None or TokenScope.READ_TEMPLATES not in token.scopes:
            return False
        document = self.api.documents.get((token.team_id, m.group(1), label, version))
        if document is None or self.limiter.take(token.id) > 0:
            return False  # the FastAPI route answers (and counts the request once more: 429)
        body, tag = document
        headers = [(b"etag", tag.encode()), (b"cache-control", b"no-cache")]
        if matches(if_none_match, tag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return True
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True
