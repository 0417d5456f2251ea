"""The one small interface every model client implements, and the errors it raises.

Clients return text; parsing into the request's schema happens here, once, so that a malformed
answer is the same `ModelOutputError` whichever provider produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

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


class ModelRejected(ModelError):
    """The server refused the request itself (a schema or grammar it cannot apply, a 4xx, a
    prompt longer than its context): the same request would fail again, so it is not retried."""


class ModelSchemaRejected(ModelRejected):
    """The server cannot apply the requested JSON schema (or the grammar made from it)."""


class ModelContextOverflow(ModelRejected):
    """The prompt plus the answer do not fit the model's context window."""


class ModelOutputError(ModelError):
    """The model answered, but not with what was asked (empty, not JSON, wrong shape)."""

    def __init__(self, message: str, text: str = "", stats: CallStats | None = None) -> None:
        super().__init__(message)
        self.text = text
        self.stats = stats


JsonSchema = dict[str, Any]


@dataclass(frozen=True)
class LLMRequest:
    """One call. `schema` parses the answer; `json_schema` is what the provider is sent to
    constrain it (built per request with enums and bounds, see alignment/bounds.py; when None,
    `schema`'s own JSON schema). `max_tokens` caps the answer; `seed` makes it repeatable where
    the server takes one."""

    system: str
    prompt: str
    schema: type[BaseModel] | None = None
    temperature: float = 0.2
    purpose: str = ""
    answers: int = 1  # how many answers to one prompt (Gemini candidate_count, OpenAI n)
    json_schema: JsonSchema | None = None
    max_tokens: int | None = None
    seed: int | None = None

    def wire_schema(self) -> JsonSchema | None:
        if self.json_schema is not None:
            return self.json_schema
        return self.schema.model_json_schema() if self.schema is not None else None


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


@runtime_checkable
class KnowsContextWindow(Protocol):
    """A client that can say how many tokens its model holds (prompt and answer together)."""

    def context_window(self) -> int | None: ...


def context_window_of(model: object) -> int | None:
    """The model's context window in tokens, when its client knows it; else None."""
    if isinstance(model, KnowsContextWindow):
        return model.context_window()
    return None


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


def estimate_tokens_high(text: str) -> int:
    """A count on the high side (3 characters a token: JSON and small models' vocabularies), for
    fitting a prompt into a context window, where guessing low overflows it."""
    return (len(text) + 2) // 3
