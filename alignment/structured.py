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
    alternatives: list[str] | None = None,
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
    if alternatives is not None:
        alternatives.extend(response.alternatives)
    assert response.parsed is not None  # a schema was requested
    # parsed is an instance of request.schema, the model class the caller's check is for
    parsed = cast(Output, response.parsed)
    return parsed, check(parsed), response.text


def call_structured(
    model: ModelClient,
    request: LLMRequest,
    check: Callable[[Output], str | None],
    calls: list[CallStats],
    alternatives: list[str] | None = None,
) -> Output:
    """Return the parsed answer that passes `check`, appending every call's stats to `calls`.

    `check` returns None when the answer is usable, else a sentence naming the problem.
    Raises StructuredFailure after the repair also fails; ModelError passes through.
    The first call's further answers (a request for several) are added to `alternatives`.
    """
    parsed, problem, previous = _attempt(model, request, check, calls, alternatives)
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


def call_structured_many(
    model: ModelClient,
    request: LLMRequest,
    check: Callable[[Output], str | None],
    calls: list[CallStats],
    again: Callable[[int, list[Output]], LLMRequest],
    key: Callable[[Output], str] = lambda answer: answer.model_dump_json(),
) -> list[Output]:
    """Up to `request.answers` distinct usable answers: one call asking for all of them (Gemini's
    candidate_count, OpenAI's n), then one call each, built by `again(n, so_far)`, for those the
    provider did not give (the offline model and llama.cpp answer once per call).

    The first answer gets the usual repair; an extra answer that is malformed, fails `check` or
    repeats an earlier one is dropped and asked for again by its own call (bounded).
    """
    schema = request.schema
    assert schema is not None
    extra: list[str] = []
    answers = [call_structured(model, request, check, calls, extra)]
    for text in extra:
        try:
            parsed = cast(Output, schema.model_validate_json(text.strip()))
        except ValueError:
            continue
        if check(parsed) is None:
            answers = _distinct([*answers, parsed], key)
    answers = answers[: request.answers]
    for _ in range(request.answers):  # bounded: at most one call per missing answer
        if len(answers) >= request.answers:
            break
        single = again(len(answers) + 1, answers)
        answers = _distinct([*answers, call_structured(model, single, check, calls)], key)
    return answers


def _distinct(answers: list[Output], key: Callable[[Output], str]) -> list[Output]:
    seen: set[str] = set()
    kept = []
    for answer in answers:
        if key(answer) not in seen:
            seen.add(key(answer))
            kept.append(answer)
    return kept
