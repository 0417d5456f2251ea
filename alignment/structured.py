"""One structured model call with at most one repair: the engine's only way to ask for JSON.

A malformed answer, or one that fails the caller's check (e.g. a dropped placeholder), gets one
second call naming the problem, if the caller's `Repairs` allow one (a proposal has one repair
for all its calls, so its call count stays flat); a second failure is final. An answer stuck in a
loop (SmolLM2 writing `{{{{…` to its token limit) gets no repair: the model cannot do this step, a
second try loops again at the same cost (12 s here), and the caller's fallback is the answer.
The library this replaces retried forever and parsed free text by tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar, cast

from pydantic import BaseModel

from alignment import prompts
from alignment.datablocks import data_block
from alignment.models.base import LLMRequest, ModelClient, ModelError, ModelOutputError
from alignment.usage import CallStats

Output = TypeVar("Output", bound=BaseModel)
PREVIOUS_CHARS = 1500  # of the unusable answer, quoted back in the repair (it costs context)
LOOP_CHARS = 60  # a unit of 1-32 characters said 5 times in a row over this many is a loop
_REPEATED = re.compile(r"(.{1,32}?)\1{4,}", re.DOTALL)


def looped(answer: str, prompt: str) -> str | None:
    """The unit an answer is stuck repeating, if any, unless the prompt itself holds that run
    (a template may well have a long `-----` rule)."""
    for match in _REPEATED.finditer(answer):
        run = match.group(0)
        if len(run) >= LOOP_CHARS and run[:LOOP_CHARS] not in prompt:
            return match.group(1)
    return None


class StructuredFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Repairs:
    """How many repair calls are left to spend (shared by the calls of one use case)."""

    left: int = 1
    used: int = 0

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        self.used += 1
        return True


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
    repairs: Repairs | None = None,
) -> Output:
    """Return the parsed answer that passes `check`, appending every call's stats to `calls`.

    `check` returns None when the answer is usable, else a sentence naming the problem.
    Raises StructuredFailure when the answer (after the repair, if one was left) is unusable;
    ModelError passes through. The first call's further answers (a request for several) are
    added to `alternatives`.
    """
    repairs = repairs if repairs is not None else Repairs()
    parsed, problem, previous = _attempt(model, request, check, calls, alternatives)
    if problem is None and parsed is not None:
        return parsed
    unit = looped(previous, request.system + request.prompt)
    if unit is not None:
        raise StructuredFailure(
            f"{problem} (the answer repeats {unit!r} over and over, a loop a repair would repeat: "
            "none was spent)"
        )
    if not repairs.take():
        raise StructuredFailure(f"{problem} (no repair attempt left)")
    repair = replace(
        request,
        prompt=prompts.render(
            "repair",
            original_prompt=request.prompt,
            # the problem may quote the model's own output (e.g. an unknown id): data, too
            problem=data_block("problem", problem),
            previous=data_block("previous_answer", previous[:PREVIOUS_CHARS]),
        ),
        purpose=f"{request.purpose}:repair",
        answers=1,
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
