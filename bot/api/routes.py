"""The /api/v1 endpoints. Each is a thin edge: parse (pydantic), call ApiService, answer.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time,
including the `Token` alias local to `build_router`."""

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from alignment.template import Template
from alignment.values import TemplateName
from bot.api import schemas as s
from bot.api.auth import Authenticate
from bot.api.errors import error
from bot.services.api import ApiService, require
from storage.api_records import ApiRunResult, ApiTokenInfo, NewApiRun, ResolvedTemplate, Scope

LabelName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
TemplatePath = Annotated[TemplateName, Path(description="the template's name")]
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": s.ErrorOut, "description": what}
    for code, what in {
        401: "missing, unknown or revoked token",
        403: "the token lacks the scope",
        404: "no such template (also another workspace's) or run",
        413: "body over the limit",
        422: "malformed: `fields` names what is wrong",
        429: "too many requests for this token; see Retry-After",
    }.items()
}


def etag_of(body: bytes) -> str:
    """Strong: the same bytes, the same tag (labels and text are in the body)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def template_body(r: ResolvedTemplate) -> bytes:
    return (
        s.TemplateOut(
            name=r.template.name,
            version=r.version.number,
            text=r.version.text,
            variables=list(Template(r.version.text).variables),
            labels=list(r.labels),
            updated_at=r.updated_at,
        )
        .model_dump_json()
        .encode()
    )


def _document(
    api: ApiService, token: ApiTokenInfo, name: str, label: str | None, version: int | None
) -> tuple[bytes, str]:
    body = template_body(api.template(token, name, label=label, version=version))
    return body, etag_of(body)


def run_out(r: ApiRunResult) -> s.RunOut:
    return s.RunOut(
        id=r.run.id,
        template=r.template_name,
        version=r.run.version_number,
        created=r.created,
        review=r.review.value,  # a Review value is one of the Literal's
        trace_id=r.trace_id,
    )


def build_router(api: ApiService, auth: Authenticate, max_batch: int) -> APIRouter:
    router = APIRouter(prefix="/v1", responses=dict(ERRORS))
    Token = Annotated[ApiTokenInfo, Depends(auth)]

    @router.get(
        "/templates/{name}",
        response_model=s.TemplateOut,
        responses={304: {"description": "If-None-Match matched: unchanged"}},
        summary="The version behind a label (default production), or a version number",
    )
    async def get_template(
        request: Request,
        token: Token,
        name: TemplatePath,
        label: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9_-]{0,39}$")] = None,
        version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    ) -> Response:
        if label is not None and version is not None:
            return error(422, "give ?label or ?version, not both", ["label", "version"])
        require(token, Scope.READ_TEMPLATES)
        key = (token.team_id, name, label, version)
        document = api.documents.get(key)
        if document is None:  # build it once per CACHE_SECONDS, off the event loop
            document = await run_in_threadpool(_document, api, token, name, label, version)
            api.documents.put(key, document)
        body, tag = document
        headers = {"ETag": tag, "Cache-Control": "no-cache"}
        if matches(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    @router.get("/templates", response_model=s.TemplateList, summary="Names and their labels")
    def list_templates(token: Token) -> s.TemplateList:
        return s.TemplateList(
            templates=[
                s.TemplateSummary(name=t.name, labels=t.labels) for t in api.templates(token)
            ]
        )

    @router.put(
        "/templates/{name}/labels/{label}",
        response_model=s.LabelOut,
        summary="Move a label other than production (production: 403, the channel decides)",
    )
    def put_label(
        token: Token, name: TemplatePath, label: LabelName, body: s.LabelIn
    ) -> s.LabelOut:
        move = api.move_label(token, name, label, body.version)
        return s.LabelOut(
            template=name,
            label=move.label,
            version=move.version.number,
            previous_version=move.previous_number,
        )

    @router.post(
        "/runs",
        response_model=s.RunOut | s.RunBatchOut,
        status_code=201,
        summary='Log one output, or a batch as {"runs": [...]}',
    )
    def post_runs(token: Token, body: Annotated[s.RunsBody, Body()]) -> JSONResponse:
        batch = isinstance(body, s.RunBatchIn)
        items = body.runs if isinstance(body, s.RunBatchIn) else [body]
        if len(items) > max_batch:
            return error(422, f"runs: at most {max_batch} runs per request", ["runs"])
        results = api.log_runs(token, [_new_run(i) for i in items])
        status = 201 if any(r.created for r in results) else 200
        if batch:
            out = s.RunBatchOut(runs=[run_out(r) for r in results])
            return JSONResponse(out.model_dump(mode="json"), status)
        return JSONResponse(run_out(results[0]).model_dump(mode="json"), status)

    @router.post(
        "/runs/{run_id}/feedback",
        response_model=s.FeedbackOut,
        status_code=201,
        summary="End users' rating (up/down) and comment on a logged run",
    )
    def post_feedback(
        token: Token,
        run_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
        body: s.FeedbackIn,
    ) -> JSONResponse:
        items, created = api.feedback(
            token,
            run_id,
            rating=body.rating,
            comment=body.comment,
            end_user_id=body.end_user_id,
            idempotency_key=body.idempotency_key,
        )
        out = s.FeedbackOut(
            run_id=run_id,
            created=created,
            feedback=[s.FeedbackItemOut(id=f.id, kind=f.kind, label=f.label) for f in items],
        )
        return JSONResponse(out.model_dump(mode="json"), 201 if created else 200)

    return router


def _new_run(item: s.RunIn) -> NewApiRun:
    return NewApiRun(
        template=item.template,
        version=item.version,
        inputs=dict(item.inputs),
        output=item.output,
        model=item.model,
        latency_ms=item.latency_ms,
        trace_id=item.trace_id,
        end_user_id=item.end_user_id,
        metadata=item.metadata,
        idempotency_key=item.idempotency_key,
    )
