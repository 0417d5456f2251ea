"""What every LLM call cost: recorded per call so runs and proposals can report it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CallStats:
    model: str
    purpose: str  # e.g. "principles", "rewrite", "repair", "direct", "run", "judge"
    input_tokens: int
    output_tokens: int
    latency_ms: float
    prompt_chars: int = 0
    attempts: int = 1
