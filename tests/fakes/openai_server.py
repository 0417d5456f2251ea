"""A local server speaking the OpenAI-compatible `/v1/chat/completions` API (as Ollama, vLLM
and llama.cpp do)."""

from __future__ import annotations

import json
from typing import Any

from alignment.models import ModelCredentials, OpenAIAccess
from tests.fakes._llm_http import HANG, FakeLLMServer, Raw, RecordedRequest, Status

__all__ = [
    "HANG",
    "FakeOpenAIServer",
    "Raw",
    "RecordedRequest",
    "Status",
    "openai_json",
    "openai_text",
]


def openai_text(
    text: str | None,
    *,
    finish_reason: str = "stop",
    refusal: str | None = None,
    prompt_tokens: int = 31,
    completion_tokens: int = 5,
) -> dict:
    message: dict = {"role": "assistant", "content": text}
    if refusal is not None:
        message["refusal"] = refusal
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "model": "fake",
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def openai_json(value: Any, **kwargs: Any) -> dict:
    return openai_text(json.dumps(value), **kwargs)


class FakeOpenAIServer(FakeLLMServer):
    """Serves `{url}/v1/chat/completions`; point OPENAI_BASE_URL at `.base_url`."""

    @property
    def credentials(self) -> ModelCredentials:
        return ModelCredentials(openai=OpenAIAccess(base_url=self.base_url))

    def route_ok(self, path: str) -> bool:
        return path == "/v1/chat/completions"

    def error_body(self, code: int, message: str) -> dict:
        return {"error": {"message": message or f"fake error {code}", "type": "server_error"}}

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"
