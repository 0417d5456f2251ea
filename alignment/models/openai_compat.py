"""Any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp serving Gemma) over httpx.

httpx has no retry policy for HTTP statuses, so this module has a small bounded one: at most
`max_retries` retries on 408/429/5xx, connection errors and timeouts, delays doubling from
`backoff` (a server's Retry-After is honoured up to 30 s). What will not go away is not retried:
a 4xx (a rejected schema, an unknown model, a prompt over the context size) or a 500 that names a
grammar, schema or format the server cannot apply (llama.cpp answers so). A rejected bounded
schema is tried once more without its bounds; then the failure is final.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from typing import Any

import httpx

from alignment.bounds import has_bounds, simplified
from alignment.models.base import (
    JsonSchema,
    LLMRequest,
    LLMResponse,
    ModelBlocked,
    ModelContextOverflow,
    ModelError,
    ModelOutputError,
    ModelRejected,
    ModelSchemaRejected,
    ModelTimeout,
    estimate_tokens,
    parse_output,
)
from alignment.models.credentials import OpenAIAccess
from alignment.usage import CallStats

RETRY_CODES = {408, 429, 500, 502, 503, 504}
DEFAULT_BASE_URL = "http://127.0.0.1:11434/v1"  # Ollama's OpenAI-compatible endpoint
# A 500 whose message names one of these is the request's fault, not the server's load.
_PERMANENT_500 = re.compile(
    r"grammar|json[ _-]?schema|response_format|peg-native|expected .*format|parse .*schema", re.I
)
_CONTEXT = re.compile(r"context|too (long|many tokens)|maximum .*tokens|exceed", re.I)


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


def _error_type(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("type") or "") if isinstance(error, dict) else ""


def _rejection(name: str, response: httpx.Response, attempt: int) -> ModelError | None:
    """The final error for a response that retrying cannot fix; None if it may be transient."""
    code, detail = response.status_code, _error_detail(response)
    said = f"{name} answered HTTP {code} ({detail}) after {attempt} attempt(s)"
    if code == 400 and (
        _error_type(response) == "exceed_context_size_error" or _CONTEXT.search(detail)
    ):
        return ModelContextOverflow(f"{said}: the prompt does not fit the model's context window")
    schema_problem = _PERMANENT_500.search(detail) is not None
    if 400 <= code < 500 and code not in RETRY_CODES:
        return ModelSchemaRejected(said) if schema_problem else ModelRejected(said)
    if code == 500 and schema_problem:
        return ModelSchemaRejected(f"{said}: the server cannot apply the requested JSON schema")
    return None


def _context_from_models(data: Any, model: str) -> int | None:
    """n_ctx (llama.cpp) or max_model_len (vLLM) of `model` in a /v1/models listing."""
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return None
    chosen = [e for e in entries if isinstance(e, dict) and e.get("id") == model]
    if not chosen and len(entries) == 1 and isinstance(entries[0], dict):
        chosen = [entries[0]]  # llama.cpp serves one model under its file name, whatever asked
    for entry in chosen:
        found = entry.get("meta")
        meta: dict[str, Any] = found if isinstance(found, dict) else {}
        for value in (meta.get("n_ctx"), entry.get("max_model_len"), entry.get("context_length")):
            if isinstance(value, int) and value > 0:
                return value
    return None


def _context_from_props(data: Any) -> int | None:
    """n_ctx in llama.cpp's /props (per slot, under default_generation_settings)."""
    if not isinstance(data, dict):
        return None
    settings = data.get("default_generation_settings")
    for value in (settings.get("n_ctx") if isinstance(settings, dict) else None, data.get("n_ctx")):
        if isinstance(value, int) and value > 0:
            return value
    return None


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
        self.context_tokens = access.context_tokens  # used when the server does not say
        self._context: int | None = None
        self._context_asked = False
        self.base_url = (access.base_url or DEFAULT_BASE_URL).rstrip("/")
        headers = {}
        if key := access.api_key:
            headers["Authorization"] = f"Bearer {key}"
        self._http = httpx.Client(timeout=timeout, headers=headers)

    def context_window(self) -> int | None:
        """The context size the server reports (llama.cpp: /v1/models or /props; vLLM:
        /v1/models), else the configured one; asked once per client."""
        if not self._context_asked:
            self._context_asked = True
            self._context = self._ask_context()
        return self._context or self.context_tokens

    def _ask_context(self) -> int | None:
        root = self.base_url.removesuffix("/v1")
        readers: list[tuple[str, Callable[[Any], int | None]]] = [
            (f"{self.base_url}/models", functools.partial(_context_from_models, model=self.model)),
            (f"{root}/props", _context_from_props),
        ]
        for url, read in readers:
            try:
                response = self._http.get(url, timeout=min(self.timeout, 5.0))
                found = read(response.json()) if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                found = None
            if found:
                return found
        return None

    def _body(self, request: LLMRequest, schema: JsonSchema | None) -> dict[str, Any]:
        messages = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": request.prompt})
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": request.temperature,
        }
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.seed is not None:
            body["seed"] = request.seed
        if request.answers > 1:
            body["n"] = request.answers  # servers without `n` (llama.cpp) answer once
        if schema is not None:
            name = request.schema.__name__ if request.schema is not None else "answer"
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema},
            }
        return body

    def _send(self, request: LLMRequest) -> tuple[dict[str, Any], int]:
        """Post the request; a rejected bounded schema is tried once without its bounds."""
        schema = request.wire_schema()
        try:
            return self._post(self._body(request, schema))
        except ModelSchemaRejected as exc:
            if schema is None or not has_bounds(schema):
                raise
            first = getattr(exc, "attempts", 1)
        try:
            data, attempts = self._post(self._body(request, simplified(schema)))
        except ModelError as exc:
            raise _tagged(exc, first + getattr(exc, "attempts", 1)) from None
        return data, first + attempts

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
                rejected = _rejection(self.name, response, attempt)
                if rejected is not None:
                    raise _tagged(rejected, attempt)
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
            data, attempts = self._send(request)
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
        if choice.get("finish_reason") == "length":
            raise ModelOutputError(
                f"{self.name} stopped at its token limit before finishing the answer", text
            )
        if not text.strip():
            raise ModelOutputError(f"{self.name} returned an empty answer")
        return text

    def close(self) -> None:
        self._http.close()
