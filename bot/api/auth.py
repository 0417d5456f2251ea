"""Bearer tokens: who is calling (401 when nobody we know), and how often (429)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from bot.api.limits import RateLimiter
from bot.services.api import ApiService
from storage.api_records import ApiTokenInfo

bearer = HTTPBearer(auto_error=False, description="`/align token create NAME` makes one")
UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


Authenticate = Callable[..., Coroutine[Any, Any, ApiTokenInfo]]  # a FastAPI dependency


def authenticated(api: ApiService, limiter: RateLimiter) -> Authenticate:
    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> ApiTokenInfo:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(401, "send Authorization: Bearer <token>", headers=UNAUTHORIZED)
        secret = credentials.credentials
        token = api.cached_token(secret) or await run_in_threadpool(api.authenticate, secret)
        if token is None:
            raise HTTPException(401, "unknown or revoked token", headers=UNAUTHORIZED)
        wait = limiter.take(token.id)
        if wait > 0:
            raise HTTPException(
                429,
                f"too many requests for token {token.name!r}; retry later",
                headers={"Retry-After": RateLimiter.retry_after(wait)},
            )
        request.state.token = token
        return token

    return dependency
