"""A local server speaking Gemini's `generateContent` REST API, for the real google-genai client.

with FakeGeminiServer() as gemini:
    model = get_model("gemini/x", credentials=gemini.credentials)   # or config: **gemini.env
    gemini.enqueue(gemini_json({"template": "...", "rationale": "..."}), 429, HANG)
    ... gemini.requests[0].body["systemInstruction"] ...
"""

from __future__ import annotations

import json
import re
from typing import Any

from alignment.models import GeminiAccess, ModelCredentials
from tests.fakes._llm_http import HANG, FakeLLMServer, Raw, RecordedRequest, Status

__all__ = [
    "HANG",
    "FakeGeminiServer",
    "Raw",
    "RecordedRequest",
    "Status",
    "gemini_blocked_prompt",
    "gemini_candidates",
    "gemini_json",
    "gemini_safety_stop",
    "gemini_text",
]

_ROUTE = re.compile(r"^/v1(beta)?/models/[^/:]+:generateContent$")
_STATUS = {
    400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}  # fmt: skip


def gemini_text(
    text: str, *, finish_reason: str = "STOP", prompt_tokens: int = 42, output_tokens: int = 7
) -> dict:
    return {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": finish_reason,
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
        },
        "modelVersion": "fake-gemini",
    }


def gemini_json(value: Any, **kwargs: Any) -> dict:
    return gemini_text(json.dumps(value), **kwargs)


def gemini_candidates(*values: Any, prompt_tokens: int = 42, output_tokens: int = 7) -> dict:
    """One answer with several candidates (what a request with candidateCount gets), as JSON."""
    body = gemini_text("", prompt_tokens=prompt_tokens, output_tokens=output_tokens)
    body["candidates"] = [
        {
            "content": {"role": "model", "parts": [{"text": json.dumps(v)}]},
            "finishReason": "STOP",
            "index": n,
        }
        for n, v in enumerate(values)
    ]
    return body


def gemini_blocked_prompt(reason: str = "SAFETY") -> dict:
    return {"promptFeedback": {"blockReason": reason}, "usageMetadata": {"promptTokenCount": 9}}


def gemini_safety_stop() -> dict:
    return {
        "candidates": [{"finishReason": "SAFETY", "index": 0, "safetyRatings": []}],
        "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 0},
    }


class FakeGeminiServer(FakeLLMServer):
    API_KEY = "test-key"

    @property
    def credentials(self) -> ModelCredentials:
        return ModelCredentials(gemini=GeminiAccess(api_key=self.API_KEY, base_url=self.url))

    @property
    def env(self) -> dict[str, str]:
        """The variables that point alignbot's configuration at this server."""
        return {"GEMINI_API_KEY": self.API_KEY, "GEMINI_BASE_URL": self.url}

    def route_ok(self, path: str) -> bool:
        return bool(_ROUTE.match(path))

    def error_body(self, code: int, message: str) -> dict:
        status = _STATUS.get(code, "UNKNOWN")
        return {"error": {"code": code, "message": message or status.lower(), "status": status}}

    def model_of(self, request: RecordedRequest) -> str:
        return request.path.split("/models/")[1].split(":")[0]
