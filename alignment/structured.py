"""One structured model call with at most one repair: the engine's only way to ask for JSON.

A malformed answer, or one that fails the caller's check (e.g. a dropped placeholder), gets one
second call naming the problem; a second failure is final. The library this replaces retried
forever and parsed free text by tags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from pydantic import BaseModel

from alignment import prompts
from alignment.datablocks import data_block
from alignment.models.base import LLMRequest, ModelClient, ModelError, ModelOutputError
from alignment.usage import CallStats

Output = TypeVar("Output", bound=BaseModel)


class StructuredFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _attempt(
    model: ModelClient,
    request: LLMRequest,
    check: Callable[[Output], str | None],
    calls: list[CallStats],
) -> tuple[Output | None, str | None, str]:
    try:
        response = model.generate(request)
    except ModelError as exc:
        if exc.stats is not None:
            calls.append(exc.stats)  # a failed call is counted too
        if isinstance(exc, ModelOutputError):
            return None, str(exc), exc.text
        raise
    calls.append(response.stats)
    assert response.parsed is not None  # a schema was requested
    # parsed is an instance of request.schema, the model class the caller's check is for
    parsed = cast(Output, response.parsed)
    return parsed, check(parsed), response.text


def call_structured(
    model: ModelClient,
    request: LLMRequest,
    check: Callable[[Output], str | None],
    calls: list[CallStats],
) -> Output:
    """Return the parsed answer that passes `check`, appending every call's stats to `calls`.

    `check` returns None when the answer is usable, else a sentence naming the problem.
    Raises StructuredFailure after the repair also fails; ModelError passes through.
    """
    parsed, problem, previous = _attempt(model, request, check, calls)
    if problem is None and parsed is not None:
        return parsed
    repair = LLMRequest(
        system=request.system,
        prompt=prompts.render(
            "repair",
            original_prompt=request.prompt,
            # the problem may quote the model's own output (e.g. an unknown id): data, too
            problem=data_block("problem", problem),
            previous=data_block("previous_answer", previous[:4000]),
        ),
        schema=request.schema,
        temperature=request.temperature,
        purpose=f"{request.purpose}:repair",
    )
    parsed, second, _ = _attempt(model, repair, check, calls)
    if second is None and parsed is not None:
        return parsed
    raise StructuredFailure(f"{second} (after one repair attempt; first problem: {problem})")
