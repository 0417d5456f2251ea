"""The HTTP API for applications, mounted at /api on the same server as /slack/events.

FastAPI rather than bare Starlette: it runs on the Starlette we already serve, and gives the
OpenAPI document (/api/docs, /api/openapi.json), pydantic request validation whose errors name
the field (our 422s), and bearer-token dependencies, all without hand-written glue.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp

from bot.api import errors
from bot.api.auth import authenticated
from bot.api.fast import FastTemplates
from bot.api.limits import ApiLimits, RateLimiter
from bot.api.routes import build_router
from bot.body_limit import BodyLimit
from bot.services.api import ApiService


def build_api(api: ApiService, limits: ApiLimits | None = None) -> ASGIApp:
    """The ASGI app that bot.server mounts at /api."""
    limits = limits or ApiLimits()
    app = FastAPI(
        title="alignbot API",
        version="1",
        summary="Serve approved templates to applications; log their outputs for review.",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    errors.install(app)
    limiter = RateLimiter(limits.requests_per_minute, limits.burst)
    app.include_router(build_router(api, authenticated(api, limiter), limits.max_batch))
    limited = BodyLimit(app, limits.max_body_bytes, error=_body_error)
    return FastTemplates(limited, api, limiter)


def _body_error(limit: int) -> dict[str, str]:
    """In the shape of the API's other errors."""
    return {"error": f"the request body is larger than the limit of {limit:,} bytes"}


__all__ = ["ApiLimits", "build_api"]
