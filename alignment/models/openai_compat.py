"""Any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp serving Gemma) over httpx.

httpx has no retry policy for HTTP statuses, so this module has a small bounded one: at most
`max_retries` retries on 408/429/5xx, connection errors and timeouts, delays doubling from
`backoff` (a server's Retry-After is honoured up to 30 s).
"""

from __future__ import annotations

import time
from typing import Any

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
from alignment.models.credentials import OpenAIAccess
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


def _tagged(error: ModelError, attempts: int) -> ModelError:
    error.attempts = attempts  # type: ignore[attr-defined]  # read back by generate()
    return error


class OpenAICompatModel:
    def __init__(
        self,
        model: str,
        *,
        access: OpenAIAccess,
        timeout: float,
        max_retries: int,
        backoff: float,
    ) -> None:
        self.model = model
        self.name = f"openai/{model}"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.base_url = (access.base_url or DEFAULT_BASE_URL).rstrip("/")
        headers = {}
        if key := access.api_key:
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.Client(timeout=timeout, headers=headers)

    def _body(self, request: LLMRequest) -> dict[str, Any]:
        messages = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": request.prompt})
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": request.temperature,
        }
        if request.answers > 1:
            body["n"] = request.answers  # servers without `n` (llama.cpp) answer once
        if request.schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": request.schema.__name__,
                    "schema": request.schema.model_json_schema(),
                },
            }
        return body

    def _post(self, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        url = f"{self.base_url}/chat/completions"
        attempt = 0
        while True:
            attempt += 1
            delay = self.backoff * 2 ** (attempt - 1)
            try:
                response = self._http.post(url, json=body)
            except httpx.TimeoutException as exc:
                if attempt > self.max_retries:
                    raise _tagged(
                        ModelTimeout(
                            f"{self.name} did not answer within {self.timeout:g}s "
                            f"({attempt} attempt(s))"
                        ),
                        attempt,
                    ) from exc
            except httpx.HTTPError as exc:
                if attempt > self.max_retries:
                    raise _tagged(
                        ModelError(f"{self.name} could not be reached at {self.base_url}: {exc}"),
                        attempt,
                    ) from exc
            else:
                if response.status_code < 400:
                    try:
                        return response.json(), attempt
                    except ValueError as exc:
                        raise _tagged(
                            ModelOutputError(
                                f"{self.name} sent a response that is not JSON",
                                response.text[:500],
                            ),
                            attempt,
                        ) from exc
                if response.status_code not in RETRY_CODES or attempt > self.max_retries:
                    raise _tagged(
                        ModelError(
                            f"{self.name} answered HTTP {response.status_code} "
                            f"({_error_detail(response)}) after {attempt} attempt(s)"
                        ),
                        attempt,
                    )
                delay = max(delay, _retry_after(response) or 0.0)
            time.sleep(delay)

    def _stats(
        self, request: LLMRequest, started: float, attempts: int, tokens_in: int, tokens_out: int
    ) -> CallStats:
        return CallStats(
            model=self.name,
            purpose=request.purpose,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            latency_ms=(time.perf_counter() - started) * 1000,
            prompt_chars=len(request.system) + len(request.prompt),
            attempts=attempts,
        )

    def generate(self, request: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        prompt_text = request.system + request.prompt
        try:
            data, attempts = self._post(self._body(request))
        except ModelError as exc:  # no usable answer: the call is still counted, no tokens
            exc.stats = self._stats(request, started, getattr(exc, "attempts", 1), 0, 0)
            raise
        usage = (data.get("usage") if isinstance(data, dict) else None) or {}
        tokens_in = usage.get("prompt_tokens") or estimate_tokens(prompt_text)
        try:
            text = self._text(data)
        except ModelError as exc:  # blocked or empty: the call still cost its prompt
            exc.stats = self._stats(
                request, started, attempts, tokens_in, usage.get("completion_tokens") or 0
            )
            raise
        stats = self._stats(
            request,
            started,
            attempts,
            tokens_in,
            usage.get("completion_tokens") or estimate_tokens(text),
        )
        try:
            parsed = parse_output(self.name, request, text)
        except ModelOutputError as exc:
            exc.stats = stats
            raise
        alternatives = tuple(
            str(((c or {}).get("message") or {}).get("content") or "")
            for c in (data.get("choices") or [])[1:]
            if isinstance(c, dict) and c.get("finish_reason") != "content_filter"
        )
        return LLMResponse(
            text=text,
            parsed=parsed,
            stats=stats,
            alternatives=tuple(a for a in alternatives if a.strip()),
        )

    def _text(self, data: dict[str, Any]) -> str:
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
