"""The model client of the commands that use the engine without Slack (propose, judge)."""

from __future__ import annotations

from alignment.models import ModelClient, get_model
from bot.config import load_model_settings


def configured_model(name: str | None) -> ModelClient:
    """`name`, else ALIGNBOT_ALIGN_MODEL, with the credentials of the environment and `.env`.
    Raises ConfigError (a variable is wrong) or ModelError (the model cannot be used)."""
    settings = load_model_settings()
    return get_model(
        name or settings.align_model,
        credentials=settings.credentials,
        timeout=settings.model_timeout,
        backoff=settings.llm_backoff,
    )
