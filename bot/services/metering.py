"""Every model call a use case makes, failed ones included, so each can be recorded.

The engine reports the calls of what succeeded; a call that failed (a timeout, an unusable
answer) or a step that raised half-way (an evaluation whose third sample timed out) would
otherwise be lost. Wrapping the clients a use case hands the engine sees all of them.
"""

from __future__ import annotations

from alignment.models import ModelClient
from alignment.models.base import LLMRequest, LLMResponse, ModelError, context_window_of
from alignment.usage import CallStats


class MeteredModel:
    """A ModelClient that appends the stats of each call it forwards to a shared list."""

    def __init__(self, model: ModelClient, calls: list[CallStats]) -> None:
        self.model = model
        self.calls = calls
        self.name = getattr(model, "name", "")

    def generate(self, request: LLMRequest) -> LLMResponse:
        try:
            response = self.model.generate(request)
        except ModelError as exc:
            if exc.stats is not None:  # None: no call was made (e.g. bad configuration)
                self.calls.append(exc.stats)
            raise
        self.calls.append(response.stats)
        return response

    def context_window(self) -> int | None:
        """The wrapped client's, so that the engine fits its prompts to the real model."""
        return context_window_of(self.model)


__all__ = ["MeteredModel"]
