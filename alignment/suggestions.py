"""Suggested critiques and kudos of one output (the library's `generate_critiques` /
`generate_kudos`), in one structured call.

The suggestions are offered to a person, never stored as feedback by themselves: a person adopts
one with a click, and only then is it that person's own feedback.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from alignment import prompts
from alignment.datablocks import data_block
from alignment.models.base import LLMRequest, ModelClient, ModelError
from alignment.principles import Principle
from alignment.usage import CallStats
from alignment.vocabulary import FeedbackKind

MAX_SUGGESTIONS = 3
TEXT_LIMIT = 200  # characters: a short critique fits on a button's row and in a button value
OUTPUT_LIMIT = 6000  # characters of the output sent (the start and the end of a long one)
PURPOSE = "suggest"


class SuggestionOut(BaseModel):
    kind: Literal["critique", "kudos"]
    text: str = Field(max_length=TEXT_LIMIT, description="one short sentence")


class SuggestionsOutput(BaseModel):
    """Bounded: at most three items, each a kind from two and a short text."""

    suggestions: list[SuggestionOut] = Field(max_length=MAX_SUGGESTIONS)


@dataclass(frozen=True)
class Suggestion:
    kind: FeedbackKind  # CRITIQUE or KUDOS
    text: str


@dataclass
class Suggestions:
    items: list[Suggestion]
    calls: list[CallStats] = field(default_factory=list)


class SuggestionFailed(Exception):
    """No suggestion could be made; `reason` is written for the person who asked."""

    def __init__(self, reason: str, calls: Sequence[CallStats] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.calls = list(calls)


def _clipped(output: str) -> str:
    if len(output) <= OUTPUT_LIMIT:
        return output
    half = OUTPUT_LIMIT // 2
    return f"{output[:half]}\n[… {len(output) - 2 * half} characters left out …]\n{output[-half:]}"


def _usable(parsed: SuggestionsOutput) -> list[Suggestion]:
    """Non-empty, distinct suggestions, at most MAX_SUGGESTIONS."""
    seen: set[str] = set()
    items: list[Suggestion] = []
    for s in parsed.suggestions:
        text = " ".join(s.text.split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            items.append(Suggestion(FeedbackKind(s.kind), text))
    return items[:MAX_SUGGESTIONS]


def suggest_feedback(
    output: str,
    *,
    template: str,
    inputs: Mapping[str, str],
    principles: Sequence[Principle] = (),
    model: ModelClient,
) -> Suggestions:
    """Up to three critiques or kudos of `output`, in one call (no repair: asking again is a
    click away). Raises SuggestionFailed with a reason; the call is counted either way."""
    if not output.strip():
        raise SuggestionFailed("the output is empty: there is nothing to critique")
    request = LLMRequest(
        system=prompts.text("suggest_system"),
        prompt=prompts.render(
            "suggest",
            template=data_block("template", template),
            inputs=data_block("inputs", dict(inputs)),
            principles=data_block("principles", [p.text for p in principles]),
            output=data_block("output", _clipped(output)),
        ),
        schema=SuggestionsOutput,
        temperature=0.4,
        purpose=PURPOSE,
    )
    try:
        response = model.generate(request)
    except ModelError as exc:
        spent = [exc.stats] if exc.stats is not None else []
        raise SuggestionFailed(f"the alignment model failed: {exc}", spent) from exc
    calls = [response.stats]
    assert isinstance(response.parsed, SuggestionsOutput)  # the schema asked for
    items = _usable(response.parsed)
    if not items:
        raise SuggestionFailed("the alignment model suggested nothing for this output", calls)
    return Suggestions(items, calls)


__all__ = [
    "MAX_SUGGESTIONS",
    "TEXT_LIMIT",
    "Suggestion",
    "SuggestionFailed",
    "Suggestions",
    "suggest_feedback",
]
