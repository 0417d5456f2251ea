"""What every call of one proposal shares (the model, its context window, the seed, the one
repair, the record of what was spent), and the failure a proposal ends with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from alignment import bounds, prompts
from alignment.models.base import (
    JsonSchema,
    LLMRequest,
    ModelClient,
    estimate_tokens_high,
)
from alignment.structured import (
    Repairs,
    call_structured,
)
from alignment.usage import CallStats

MARGIN_TOKENS = 64  # chat-template tokens and rounding, on top of the estimates


class ProposalFailed(Exception):
    """No proposal could be made; `reason` is written for the team (shown in Slack)."""

    def __init__(self, reason: str, calls: Sequence[CallStats] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.calls = list(calls)


@dataclass
class Calls:
    """What every call of one proposal shares: the model, its context window, the seed, the one
    repair, and the record of what was spent."""

    model: ModelClient
    window: int | None
    seed: int | None
    calls: list[CallStats]
    repairs: Repairs

    def room(self, text: str) -> int | None:
        """Tokens left for the answer after `text`, or None when the window is unknown."""
        if self.window is None:
            return None
        return self.window - estimate_tokens_high(text) - MARGIN_TOKENS

    def too_long(self, what: str, text: str, answer_tokens: int) -> ProposalFailed:
        return ProposalFailed(
            f"{what} (about {estimate_tokens_high(text) + answer_tokens} tokens with the answer) "
            f"does not fit {self.model.name}'s context window of {self.window} tokens; use a "
            "model with a larger context or a shorter template",
            self.calls,
        )

    def request(
        self,
        name: str,
        prompt: str,
        parse: type[Any],
        schema: JsonSchema,
        *,
        temperature: float = 0.2,
        answers: int = 1,
    ) -> LLMRequest:
        """A bounded request for `name` that fits the context window (else ProposalFailed)."""
        system = prompts.text(f"{name}_system")
        max_tokens = bounds.max_tokens_for(schema)
        room = self.room(system + prompt)
        if room is not None and room < max_tokens:
            raise self.too_long(f"the {name} prompt", system + prompt, max_tokens)
        return LLMRequest(
            system=system,
            prompt=prompt,
            schema=parse,
            temperature=temperature,
            purpose=name,
            json_schema=schema,
            max_tokens=max_tokens,
            seed=self.seed,
            answers=answers,
        )

    def ask(
        self,
        name: str,
        prompt: str,
        parse: type[Any],
        schema: JsonSchema,
        check: Callable[[Any], str | None],
    ) -> Any:
        request = self.request(name, prompt, parse, schema)
        return call_structured(self.model, request, check, self.calls, repairs=self.repairs)
