"""The API's request and response bodies (pydantic): what OpenAPI documents and 422 names."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from alignment.values import TemplateName

ShortText = Annotated[str, Field(min_length=1, max_length=255)]
InputValue = str | int | float | bool | None


def _nul_in(value: object, where: str) -> str | None:
    """Where a NUL character hides in `value` (PostgreSQL text cannot hold one)."""
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            found = _nul_in(k, f"{where} key") or _nul_in(v, f"{where}.{k}")
            if found:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _nul_in(v, f"{where}[{i}]")
            if found:
                return found
    return None


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is a 422 naming it

    @model_validator(mode="after")
    def _no_nul(self) -> Self:
        for name in type(self).model_fields:
            found = _nul_in(getattr(self, name), name)
            if found:
                raise ValueError(f"{found} contains a NUL character")
        return self


class TemplateOut(BaseModel):
    name: str
    version: int
    text: str
    variables: list[str]
    labels: list[str] = Field(description="the labels pointing at this version")
    updated_at: datetime = Field(description="when this version was made")


class TemplateSummary(BaseModel):
    name: str
    labels: dict[str, int] = Field(description="label -> version number")


class TemplateList(BaseModel):
    templates: list[TemplateSummary]


class RunIn(_In):
    template: TemplateName
    version: int = Field(strict=True, ge=1, le=2**31 - 1, description="the version number used")
    inputs: dict[str, InputValue] = Field(default_factory=dict)
    output: str = Field(max_length=100_000)
    model: str | None = Field(default=None, max_length=200)
    latency_ms: float | None = Field(default=None, ge=0, le=86_400_000)
    trace_id: ShortText | None = None
    end_user_id: ShortText | None = None
    metadata: dict[str, Any] | None = Field(default=None, description="kept as given")
    idempotency_key: ShortText | None = Field(
        default=None, description="a repeat with the same key returns the same run"
    )


class RunBatchIn(_In):
    runs: list[RunIn] = Field(min_length=1)


RunsBody = Annotated[
    Annotated[RunIn, Tag("run")] | Annotated[RunBatchIn, Tag("batch")],
    Discriminator(lambda v: "batch" if isinstance(v, dict) and "runs" in v else "run"),
]


class RunOut(BaseModel):
    id: int
    template: str
    version: int
    created: bool = Field(description="false: the idempotency key was seen; nothing was written")
    review: Literal["post", "sampled_out", "capped", "off"] = Field(
        description="posted to the channel for review, or why not"
    )
    trace_id: str | None = None


class RunBatchOut(BaseModel):
    runs: list[RunOut]


class FeedbackIn(_In):
    rating: Literal["up", "down"] | None = None
    comment: str | None = Field(default=None, max_length=20_000)
    end_user_id: ShortText | None = None
    idempotency_key: ShortText | None = None


class FeedbackItemOut(BaseModel):
    id: int
    kind: str
    label: str | None


class FeedbackOut(BaseModel):
    run_id: int
    created: bool
    feedback: list[FeedbackItemOut]


class LabelIn(_In):
    version: int = Field(strict=True, ge=1, le=2**31 - 1)


class LabelOut(BaseModel):
    template: str
    label: str
    version: int
    previous_version: int | None


class ErrorOut(BaseModel):
    error: str
    fields: list[str] = Field(default_factory=list, description="the fields at fault, if any")
