"""Model clients behind one small interface: `offline`, `gemini/<model>`, `openai/<model>`."""

from __future__ import annotations

import os

from alignment.models.base import (
    LLMRequest,
    LLMResponse,
    ModelBlocked,
    ModelClient,
    ModelContextOverflow,
    ModelError,
    ModelOutputError,
    ModelRejected,
    ModelSchemaRejected,
    ModelTimeout,
    context_window_of,
)
from alignment.models.offline import OfflineModel

__all__ = [
    "LLMRequest",
    "LLMResponse",
    "ModelBlocked",
    "ModelClient",
    "ModelContextOverflow",
    "ModelError",
    "ModelOutputError",
    "ModelRejected",
    "ModelSchemaRejected",
    "ModelTimeout",
    "OfflineModel",
    "check_model_name",
    "context_window_of",
    "get_model",
]


PROVIDERS = ("gemini", "openai")


def check_model_name(name: str) -> str:
    """`name` stripped, if it names a model: 'offline', 'gemini/<model>' or 'openai/<model>'.

    Checks the form only (no client, no credentials), so a setting can be refused when typed.
    """
    name = (name or "").strip() if isinstance(name, str) else ""
    if name == "offline":
        return name
    provider, _, model = name.partition("/")
    if not model.strip():
        raise ModelError(
            f"unknown model {name!r}: use 'offline', 'gemini/<model>' or 'openai/<model>'"
        )
    if provider not in PROVIDERS:
        raise ModelError(
            f"unknown model provider {provider!r} in {name!r}: use 'offline', 'gemini/<model>' "
            "or 'openai/<model>'"
        )
    return name


def get_model(
    name: str,
    *,
    timeout: float = 60,
    max_retries: int = 3,
    backoff: float | None = None,
    context_tokens: int | None = None,
) -> ModelClient:
    """A client for `name`. `backoff` is the first retry delay in seconds (default 1, or
    `ALIGNBOT_LLM_BACKOFF`); delays double per retry and there are at most `max_retries`.
    `context_tokens` (default `ALIGNBOT_CONTEXT_TOKENS`) is the model's context window for an
    OpenAI-compatible server that does not report its own."""
    name = check_model_name(name)
    if backoff is None:
        backoff = float(os.environ.get("ALIGNBOT_LLM_BACKOFF", "1.0"))
    if context_tokens is None and os.environ.get("ALIGNBOT_CONTEXT_TOKENS"):
        context_tokens = int(os.environ["ALIGNBOT_CONTEXT_TOKENS"])
    if timeout <= 0 or max_retries < 0 or backoff < 0:
        raise ModelError("model timeout must be positive and retries/backoff not negative")
    if name == "offline":
        return OfflineModel()
    provider, _, model = name.partition("/")
    if provider == "gemini":
        from alignment.models.gemini import GeminiModel

        return GeminiModel(model, timeout=timeout, max_retries=max_retries, backoff=backoff)
    from alignment.models.openai_compat import OpenAICompatModel

    return OpenAICompatModel(
        model,
        timeout=timeout,
        max_retries=max_retries,
        backoff=backoff,
        context_tokens=context_tokens,
    )
