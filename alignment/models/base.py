"""The one small interface every model client implements, and the errors it raises.

Clients return text; parsing into the request's schema happens here, once, so that a malformed
answer is the same `ModelOutputError` whichever provider produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ValidationError

from alignment.usage import CallStats


class ModelError(Exception):
    """A model call failed. The message is meant for people (it is shown in Slack).

    `stats` records what the failed call cost (latency, attempts, tokens when the provider
    reported them), so that a failure is counted like a success; None when no call was made.
    """

    stats: CallStats | None = None


class ModelTimeout(ModelError):
    """The model did not answer in time, after the bounded retries."""


class ModelBlocked(ModelError):
    """The provider refused to answer (safety filter, content policy, refusal)."""


class ModelOutputError(ModelError):
    """The model answered, but not with what was asked (empty, not JSON, wrong shape)."""

    def __init__(self, message: str, text: str = "", stats: CallStats | None = None) -> None:
        super().__init__(message)
        self.text = text
        self.stats = stats


@dataclass(frozen=True)
class LLMRequest:
    system: str
    prompt: str
    schema: type[BaseModel] | None = None
    temperature: float = 0.2
    purpose: str = ""
    answers: int = 1  # how many answers to one prompt (Gemini candidate_count, OpenAI n)


@dataclass(frozen=True)
class LLMResponse:
    text: str
    parsed: BaseModel | None
    stats: CallStats
    # The texts of answers 2..n when the request asked for several and the provider gave them;
    # unparsed, so that one malformed extra answer does not spoil the first.
    alternatives: tuple[str, ...] = ()


@runtime_checkable
class ModelClient(Protocol):
    name: str

    def generate(self, request: LLMRequest) -> LLMResponse: ...


def parse_output(model: str, request: LLMRequest, text: str) -> BaseModel | None:
    """Validate `text` against the request's schema; a mismatch is a ModelOutputError."""
    if request.schema is None:
        return None
    if not text.strip():
        raise ModelOutputError(f"{model} returned an empty answer", text)
    try:
        return request.schema.model_validate_json(_strip_fence(text))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'answer'}: {err['msg']}"
            for err in exc.errors()[:3]
        )
        raise ModelOutputError(
            f"{model} returned output that does not match the expected JSON shape "
            f"({request.schema.__name__}): {problems}",
            text,
        ) from None


def _strip_fence(text: str) -> str:
    """Some OpenAI-compatible servers wrap JSON in a Markdown fence even in JSON mode."""
    stripped = text.strip()
    if stripped.startswith("```") and stripped.endswith("```"):
        stripped = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        stripped = stripped.rsplit("```", 1)[0]
    return stripped


def estimate_tokens(text: str) -> int:
    """A rough count (4 characters a token) for when a provider reports none."""
    return (len(text) + 3) // 4
