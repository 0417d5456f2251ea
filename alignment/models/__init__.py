"""Model clients behind one small interface: `offline`, `gemini/<model>`, `openai/<model>`."""

from __future__ import annotations

from alignment.models.base import (
    LLMRequest,
    LLMResponse,
    ModelBlocked,
    ModelClient,
    ModelError,
    ModelOutputError,
    ModelTimeout,
)
from alignment.models.credentials import GeminiAccess, ModelCredentials, OpenAIAccess
from alignment.models.offline import OfflineModel
from alignment.values import InvalidValue, model_name

__all__ = [
    "GeminiAccess",
    "LLMRequest",
    "LLMResponse",
    "ModelBlocked",
    "ModelClient",
    "ModelCredentials",
    "ModelError",
    "ModelOutputError",
    "ModelTimeout",
    "OfflineModel",
    "OpenAIAccess",
    "check_model_name",
    "get_model",
]


def check_model_name(name: str) -> str:
    """`name` stripped, if it names a model (`alignment.values.ModelName`: 'offline',
    'gemini/<model>' or 'openai/<model>'). Checks the form only: no client, no credentials."""
    try:
        return model_name(name)
    except InvalidValue as exc:
        raise ModelError(str(exc)) from None


def get_model(
    name: str,
    *,
    credentials: ModelCredentials | None = None,
    timeout: float = 60,
    max_retries: int = 3,
    backoff: float = 1.0,
) -> ModelClient:
    """A client for `name`, connecting with `credentials` (none needed for `offline`).
    `backoff` is the first retry delay in seconds; delays double per retry and there are at
    most `max_retries`."""
    name = check_model_name(name)
    if timeout <= 0 or max_retries < 0 or backoff < 0:
        raise ModelError("model timeout must be positive and retries/backoff not negative")
    if name == "offline":
        return OfflineModel()
    credentials = credentials or ModelCredentials()
    provider, _, model = name.partition("/")
    if provider == "gemini":
        from alignment.models.gemini import GeminiModel

        return GeminiModel(
            model,
            access=credentials.gemini,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
        )
    from alignment.models.openai_compat import OpenAICompatModel

    return OpenAICompatModel(
        model, access=credentials.openai, timeout=timeout, max_retries=max_retries, backoff=backoff
    )
