"""Gemini through google-genai: API key or Vertex AI, structured output, bounded retries.

Retries are google-genai's own (`HttpRetryOptions`: exponential backoff on 408/429/5xx and on
connection errors and timeouts, a fixed number of attempts); this module only maps outcomes to
the engine's errors and records what each call cost.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import httpx
from google import genai
from google.auth.exceptions import GoogleAuthError
from google.genai import errors as genai_errors
from google.genai import types

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
from alignment.models.credentials import GeminiAccess
from alignment.usage import CallStats

try:  # google-genai may send through httpx2 (its fork of httpx) instead of httpx
    import httpx2

    _TIMEOUTS: tuple[type[Exception], ...] = (httpx.TimeoutException, httpx2.TimeoutException)
    _HTTP_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, httpx2.HTTPError)
except ImportError:  # pragma: no cover - depends on the installed google-genai
    _TIMEOUTS = (httpx.TimeoutException,)
    _HTTP_ERRORS = (httpx.HTTPError,)

RETRY_CODES = [408, 429, 500, 502, 503, 504]
_BLOCKING_FINISH = {
    "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE",
    "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT",
}  # fmt: skip


_SCHEMA_WORDS = re.compile(r"schema|response_schema|responseSchema|enum|property", re.I)
_CONTEXT_WORDS = re.compile(r"token count|exceeds the maximum number of tokens|too long", re.I)
# JSON Schema keywords and the Schema fields (Gemini's OpenAPI subset) they become; the rest
# (additionalProperties, pattern) are left out: the engine checks what they would have.
_GEMINI_FIELDS = {
    "description": "description",
    "enum": "enum",
    "maxItems": "max_items",
    "minItems": "min_items",
    "maxLength": "max_length",
    "minLength": "min_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "required": "required",
}


def gemini_schema(schema: JsonSchema, defs: JsonSchema | None = None) -> types.Schema:
    """A JSON schema (built by alignment/bounds.py, or a pydantic model's, whose `$ref`s are
    resolved here) as Gemini's `response_schema`: types, enums, bounds, required properties in
    order (`property_ordering`, which Gemini follows)."""
    defs = defs if defs is not None else schema.get("$defs", {})
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.rsplit("/", 1)[-1] in defs:
        schema = {
            **defs[ref.rsplit("/", 1)[-1]],
            **{k: v for k, v in schema.items() if k != "$ref"},
        }
    fields: dict[str, Any] = {}
    kind = schema.get("type")
    if isinstance(kind, str):
        fields["type"] = types.Type(kind.upper())
    for key, name in _GEMINI_FIELDS.items():
        if key in schema:
            value = schema[key]
            fields[name] = [str(v) for v in value] if key == "enum" else value
    if kind == "integer" and "enum" in schema:  # Gemini's enums are strings only
        fields.pop("enum")
        fields["minimum"], fields["maximum"] = min(schema["enum"]), max(schema["enum"])
    if isinstance(schema.get("items"), dict):
        fields["items"] = gemini_schema(schema["items"], defs)
    if isinstance(schema.get("properties"), dict):
        fields["properties"] = {k: gemini_schema(v, defs) for k, v in schema["properties"].items()}
        fields["property_ordering"] = list(schema["properties"])
    return types.Schema(**fields)


def _enum_name(value: object) -> str:
    return str(getattr(value, "value", value) or "")


class GeminiModel:
    def __init__(
        self,
        model: str,
        *,
        access: GeminiAccess,
        timeout: float,
        max_retries: int,
        backoff: float,
    ) -> None:
        self.model = model
        self.name = f"gemini/{model}"
        self.timeout = timeout
        self._attempts = threading.local()
        http_options = types.HttpOptions(
            base_url=access.base_url or None,
            timeout=max(1, int(timeout * 1000)),
            retry_options=types.HttpRetryOptions(
                attempts=max_retries + 1,
                initial_delay=backoff,
                max_delay=max(backoff * 8, backoff),
                exp_base=2.0,
                jitter=min(1.0, backoff),
                http_status_codes=RETRY_CODES,
            ),
            client_args={"event_hooks": {"request": [self._count_attempt]}},
        )
        if access.vertexai:
            project, location = access.project, access.location
            if not project or not location:
                raise ModelError(
                    f"{self.name}: Vertex AI needs GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION"
                )
            self._client = genai.Client(
                vertexai=True, project=project, location=location, http_options=http_options
            )
        else:
            key = access.api_key
            if not key:
                raise ModelError(
                    f"{self.name}: no Gemini credentials. Set GEMINI_API_KEY (or GOOGLE_API_KEY),"
                    " or GOOGLE_GENAI_USE_VERTEXAI=true with GOOGLE_CLOUD_PROJECT and "
                    "GOOGLE_CLOUD_LOCATION, or use the offline model"
                )
            # vertexai=False: the library would otherwise consult GOOGLE_GENAI_USE_VERTEXAI itself
            self._client = genai.Client(vertexai=False, api_key=key, http_options=http_options)

    def _count_attempt(self, _request: object) -> None:
        self._attempts.n = getattr(self._attempts, "n", 0) + 1

    def _config(
        self, request: LLMRequest, schema: JsonSchema | None
    ) -> types.GenerateContentConfig:
        config = types.GenerateContentConfig(
            system_instruction=request.system or None,
            temperature=request.temperature,
            max_output_tokens=request.max_tokens,
            seed=request.seed,
        )
        if schema is not None:
            config.response_mime_type = "application/json"
            config.response_schema = gemini_schema(schema)
        if request.answers > 1:
            config.candidate_count = request.answers
        return config

    def _call(self, request: LLMRequest, schema: JsonSchema | None) -> Any:
        try:
            return self._client.models.generate_content(
                model=self.model, contents=request.prompt, config=self._config(request, schema)
            )
        except genai_errors.APIError as exc:
            detail = exc.message or exc.status or "no details"
            said = (
                f"{self.name} answered HTTP {exc.code} ({detail}) after "
                f"{self._attempts.n} attempt(s)"
            )
            code = exc.code or 0
            if code == 400 and _CONTEXT_WORDS.search(detail):
                raise ModelContextOverflow(
                    f"{said}: the prompt does not fit the model's context window"
                ) from exc
            if 400 <= code < 500 and code not in RETRY_CODES:
                if _SCHEMA_WORDS.search(detail):
                    raise ModelSchemaRejected(said) from exc
                raise ModelRejected(said) from exc
            raise ModelError(said) from exc

    def _generate(self, request: LLMRequest) -> Any:
        """Call; a rejected bounded schema is tried once without its bounds."""
        schema = request.wire_schema()
        try:
            return self._call(request, schema)
        except ModelSchemaRejected:
            if schema is None or not has_bounds(schema):
                raise
        return self._call(request, simplified(schema))

    def _stats(
        self, request: LLMRequest, started: float, input_tokens: int, output_tokens: int
    ) -> CallStats:
        return CallStats(
            model=self.name,
            purpose=request.purpose,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_ms=(time.perf_counter() - started) * 1000,
            prompt_chars=len(request.system) + len(request.prompt),
            attempts=max(1, self._attempts.n),
        )

    def generate(self, request: LLMRequest) -> LLMResponse:
        self._attempts.n = 0
        started = time.perf_counter()
        error: ModelError
        try:
            response = self._generate(request)
        except ModelError as exc:
            exc.stats = self._stats(request, started, 0, 0)  # no answer, no tokens billed
            raise
        except _TIMEOUTS as exc:
            error = ModelTimeout(
                f"{self.name} did not answer within {self.timeout:g}s "
                f"({self._attempts.n} attempt(s))"
            )
            error.stats = self._stats(request, started, 0, 0)
            raise error from exc
        except _HTTP_ERRORS as exc:
            error = ModelError(f"{self.name} could not be reached: {exc}")
            error.stats = self._stats(request, started, 0, 0)
            raise error from exc
        except GoogleAuthError as exc:  # Vertex AI without usable Application Default Credentials
            error = ModelError(
                f"{self.name}: Vertex AI credentials are missing or unusable "
                f"({type(exc).__name__}). Run `gcloud auth application-default login`, "
                "set GOOGLE_APPLICATION_CREDENTIALS, or use GEMINI_API_KEY instead"
            )
            error.stats = self._stats(request, started, 0, 0)
            raise error from exc
        usage = response.usage_metadata
        input_tokens = (usage and usage.prompt_token_count) or estimate_tokens(
            request.system + request.prompt
        )
        try:
            text = self._text(response)
        except ModelError as exc:  # blocked or empty: the call still cost its prompt
            exc.stats = self._stats(
                request, started, input_tokens, (usage and usage.candidates_token_count) or 0
            )
            raise
        stats = self._stats(
            request,
            started,
            input_tokens,
            (usage and usage.candidates_token_count) or estimate_tokens(text),
        )
        try:
            parsed = parse_output(self.name, request, text)
        except ModelOutputError as exc:
            exc.stats = stats
            raise
        return LLMResponse(
            text=text, parsed=parsed, stats=stats, alternatives=self._alternatives(response)
        )

    @staticmethod
    def _alternatives(response: types.GenerateContentResponse) -> tuple[str, ...]:
        """The texts of the candidates after the first (several asked for with candidate_count)."""
        texts = []
        for candidate in (response.candidates or [])[1:]:
            if _enum_name(candidate.finish_reason) in _BLOCKING_FINISH:
                continue
            parts = candidate.content.parts if candidate.content and candidate.content.parts else []
            text = "".join(p.text for p in parts if p.text and not p.thought)
            if text.strip():
                texts.append(text)
        return tuple(texts)

    def _text(self, response: types.GenerateContentResponse) -> str:
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason:
            reason = _enum_name(feedback.block_reason)
            raise ModelBlocked(
                f"{self.name} refused the request (blocked: {reason}"
                + (f", {feedback.block_reason_message}" if feedback.block_reason_message else "")
                + ")"
            )
        if not response.candidates:
            raise ModelOutputError(f"{self.name} returned no candidate answer")
        candidate = response.candidates[0]
        finish = _enum_name(candidate.finish_reason)
        if finish in _BLOCKING_FINISH:
            raise ModelBlocked(f"{self.name} stopped its answer for {finish.lower()} reasons")
        parts = candidate.content.parts if candidate.content and candidate.content.parts else []
        text = "".join(p.text for p in parts if p.text and not p.thought)
        if finish == "MAX_TOKENS":
            raise ModelOutputError(
                f"{self.name} stopped at its token limit before finishing the answer", text
            )
        if not text.strip():
            more = f" (finish reason {finish})" if finish else ""
            raise ModelOutputError(f"{self.name} returned an empty answer{more}")
        return text
