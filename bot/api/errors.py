"""Errors as the API answers them: one JSON shape, `{"error": …, "fields": […]}`.

Bad input is 4xx naming the field; only a failure of our own (the database down) is 503."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.services.api import Forbidden
from bot.services.context import ServiceError
from storage.errors import AlreadyExists, InvalidInput, NotFound

log = logging.getLogger(__name__)
_TAGS = {"run", "batch", "body", "query", "path", "header"}


def field_name(loc: Sequence[Any]) -> str:
    """('body', 'batch', 'runs', 3, 'output') -> 'runs[3].output'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS and not out:
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "body"


def error(
    status: int,
    message: str,
    fields: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = {"error": message, "fields": fields or []}
    return JSONResponse(body, status, headers=dict(headers) if headers else None)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        fields: list[str] = []
        for e in exc.errors():
            name = field_name(e.get("loc", ()))
            if name not in fields:
                fields.append(name)
            problems.append(f"{name}: {e.get('msg', 'invalid')}")
        return error(422, "; ".join(problems[:10]) or "invalid request", fields)

    @app.exception_handler(StarletteHTTPException)
    async def http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, exc: NotFound) -> JSONResponse:
        return error(404, str(exc), _fields_of(str(exc)))

    @app.exception_handler(InvalidInput)
    async def invalid_input(_: Request, exc: InvalidInput) -> JSONResponse:
        return error(422, str(exc), _fields_of(str(exc)))

    @app.exception_handler(AlreadyExists)
    async def conflict(_: Request, exc: AlreadyExists) -> JSONResponse:
        return error(409, str(exc), _fields_of(str(exc)))

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return error(403, exc.message)

    @app.exception_handler(ServiceError)
    async def refused(_: Request, exc: ServiceError) -> JSONResponse:
        return error(422, exc.message)

    @app.exception_handler(SQLAlchemyError)
    async def database(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        log.warning("API request failed on the database: %s", exc)
        return error(503, "the database is unavailable; try again", headers={"Retry-After": "5"})


def _fields_of(message: str) -> list[str]:
    """Storage names the field of a batch item first: 'runs[1].version: …'."""
    head = message.split(":", 1)[0]
    return [head] if head.startswith("runs[") and " " not in head else []
