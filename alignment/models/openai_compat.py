"""Any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp serving Gemma) over httpx.

httpx has no retry policy for HTTP statuses, so this module has a small bounded one: at most
`max_retries` retries on 408/429/5xx, connection errors and timeouts, delays doubling from
`backoff` (a server's Retry-After is honoured up to 30 s).
"""

from __future__ import annotations

import os
import time

import httpx

from alignment.models.base import (
    LLMRequest,
    LLMResponse,
    ModelBlocked,
    ModelError,
    ModelOutputError,
    ModelTimeout,
    estimate_tokens,
    parse_output,
)
from alignment.usage import CallStats

RETRY_CODES = {408, 429, 500, 502, 503, 504}
DEFAULT_BASE_URL = "http://127.0.0.1:11434/v1"  # Ollama's OpenAI-compatible endpoint


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(30.0, max(0.0, float(response.headers.get("retry-after", ""))))
    except ValueError:
        return None


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
        error = body.get("error", body) if isinstance(body, dict) else body
        message = error.get("message") if isinstance(error, dict) else str(error)
    except ValueError:
        message = response.text
    return " ".join(str(message or response.reason_phrase).split())[:300]


class OpenAICompatModel:
    def __init__(self, model: str, *, timeout: float, max_retries: int, backoff: float) -> None:
        self.model = model
        self.name = f"openai/{model}"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.base_url = (os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        headers = {}
        if key := os.environ.get("OPENAI_API_KEY"):
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.Client(timeout=timeout, headers=headers)

    def _body(self, request: LLMRequest) -> dict:
        messages = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": request.prompt})
        body: dict = {
            "model": self.model,
            "messages": messages,
            "temperature": request.temperature,
        }
        if request.schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": request.schema.__name__,
                    "schema": request.schema.model_json_schema(),
                },
            }
        return body

    def _post(self, body: dict) -> tuple[dict, int]:
        url = f"{self.base_url}/chat/completions"
        attempt = 0
        while True:
            attempt += 1
            delay = self.backoff * 2 ** (attempt - 1)
            try:
                response = self._http.post(url, json=body)
            except httpx.TimeoutException as exc:
                if attempt > self.max_retries:
                    raise ModelTimeout(
                        f"{self.name} did not answer within {self.timeout:g}s "
                        f"({attempt} attempt(s))"
                    ) from exc
            except httpx.HTTPError as exc:
                if attempt > self.max_retries:
                    raise ModelError(
                        f"{self.name} could not be reached at {self.base_url}: {exc}"
                    ) from exc
            else:
                if response.status_code < 400:
                    try:
                        return response.json(), attempt
                    except ValueError as exc:
                        raise ModelOutputError(
                            f"{self.name} sent a response that is not JSON", response.text[:500]
                        ) from exc
                if response.status_code not in RETRY_CODES or attempt > self.max_retries:
                    raise ModelError(
                        f"{self.name} answered HTTP {response.status_code} "
                        f"({_error_detail(response)}) after {attempt} attempt(s)"
                    )
                delay = max(delay, _retry_after(response) or 0.0)
            time.sleep(delay)

    def generate(self, request: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        data, attempts = self._post(self._body(request))
        latency = (time.perf_counter() - started) * 1000
        text = self._text(data)
        usage = data.get("usage") or {}
        prompt_text = request.system + request.prompt
        stats = CallStats(
            model=self.name,
            purpose=request.purpose,
            input_tokens=usage.get("prompt_tokens") or estimate_tokens(prompt_text),
            output_tokens=usage.get("completion_tokens") or estimate_tokens(text),
            latency_ms=latency,
            prompt_chars=len(prompt_text),
            attempts=attempts,
        )
        try:
            parsed = parse_output(self.name, request, text)
        except ModelOutputError as exc:
            exc.stats = stats
            raise
        return LLMResponse(text=text, parsed=parsed, stats=stats)

    def _text(self, data: dict) -> str:
        choices = data.get("choices") if isinstance(data, dict) else None
        if not choices:
            raise ModelOutputError(f"{self.name} returned no choices")
        choice = choices[0] or {}
        message = choice.get("message") or {}
        if choice.get("finish_reason") == "content_filter":
            raise ModelBlocked(f"{self.name} withheld its answer (content filter)")
        if message.get("refusal"):
            raise ModelBlocked(f"{self.name} refused: {' '.join(str(message['refusal']).split())}")
        text = message.get("content") or ""
        if not text.strip():
            raise ModelOutputError(f"{self.name} returned an empty answer")
        return text

    def close(self) -> None:
        self._http.close()
