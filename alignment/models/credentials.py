"""Where the model clients connect and with which keys: plain values handed to their
constructors.

The engine reads no environment variables: the application (or a Python caller) decides where
credentials come from and passes them in, so what the configuration checked is what the client
uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GeminiAccess:
    """Gemini API key, or Vertex AI (project and location); `base_url` for a proxy or a local
    test server."""

    api_key: str | None = None
    base_url: str | None = None
    vertexai: bool = False
    project: str | None = None
    location: str | None = None


@dataclass(frozen=True)
class OpenAIAccess:
    """Any OpenAI-compatible server (Ollama, vLLM, llama.cpp); `base_url` None means Ollama's
    local default."""

    base_url: str | None = None
    api_key: str | None = None


@dataclass(frozen=True)
class ModelCredentials:
    gemini: GeminiAccess = field(default_factory=GeminiAccess)
    openai: OpenAIAccess = field(default_factory=OpenAIAccess)
