"""Which feedback goes into a meta-prompt: bounded by a token budget, best first.

The library this replaces made one call per feedback item; here one call takes a batch whose size
is capped, so calls and prompt size per proposal stay flat however much feedback piles up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from alignment.feedback import Feedback
from alignment.models.base import estimate_tokens

MAX_TEXT_CHARS = 1500
MAX_OUTPUT_CHARS = 1200


def _cut(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 15] + " …[truncated]"


def entry(item: Feedback, text_limit: int = MAX_TEXT_CHARS) -> dict[str, Any]:
    """The item as the model sees it: no author (not needed to judge the content)."""
    data: dict[str, Any] = {"id": item.id, "kind": item.kind.value}
    if item.text:
        data["text"] = _cut(item.text, text_limit)
    if item.label is not None:
        data["label"] = item.label.value
    if item.output:
        data["output"] = _cut(item.output, MAX_OUTPUT_CHARS)
    if item.agreement:
        data["agreed_by"] = item.agreement
    return data


def aware(moment: datetime) -> datetime:
    """Naive datetimes (SQLite hands them back) are taken as UTC, so they sort with aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def select(
    feedback: Sequence[Feedback], budget_tokens: int
) -> list[tuple[Feedback, dict[str, Any]]]:
    """Most agreed-on, then most recent first, while the serialized entries fit the budget."""
    ranked = sorted(feedback, key=lambda f: (f.agreement, aware(f.created_at)), reverse=True)
    chosen: list[tuple[Feedback, dict[str, Any]]] = []
    used = 0
    for item in ranked:
        data = entry(item)
        cost = estimate_tokens(json.dumps(data, ensure_ascii=False))
        if used + cost > budget_tokens:
            if chosen:
                continue
            # The single best item alone is over budget: send it shortened rather than nothing.
            data = entry(item, text_limit=max(200, budget_tokens * 4 - 400))
            data.pop("output", None)
            cost = estimate_tokens(json.dumps(data, ensure_ascii=False))
        chosen.append((item, data))
        used += cost
    order = {id(item): n for n, item in enumerate(feedback)}
    return sorted(chosen, key=lambda pair: order[id(pair[0])])  # shown in the order given
