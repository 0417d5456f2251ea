"""Which feedback goes into a meta-prompt: bounded by a token budget, best first.

The library this replaces made one call per feedback item; here one call takes a batch whose size
is capped, so calls and prompt size per proposal stay flat however much feedback piles up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alignment.feedback import Feedback, aware
from alignment.feedback_groups import FeedbackGroup, group_feedback
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


@dataclass(frozen=True)
class Selection:
    """What goes into the prompt: one entry per group (its lead), and for each lead every item
    of its group, so a principle citing the lead is credited to all who asked for it."""

    sent: list[tuple[Feedback, dict[str, Any]]]
    groups: dict[str, tuple[str, ...]]

    def credited(self, cited: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(i for c in cited for i in self.groups.get(c, (c,))))

    @property
    def used_ids(self) -> list[str]:
        return list(self.credited([item.id for item, _ in self.sent]))


def select(feedback: Sequence[Feedback], budget_tokens: int) -> Selection:
    """Group what asks for the same thing, then the most asked-for and agreed-on groups, then
    the most recent, while the serialized entries fit the budget."""
    groups = group_feedback(feedback)
    ranked = sorted(
        groups,
        key=lambda g: (g.agreement, max(aware(m.created_at) for m in g.members)),
        reverse=True,
    )
    chosen: list[tuple[FeedbackGroup, dict[str, Any]]] = []
    used = 0
    for group in ranked:
        data = _group_entry(group)
        cost = estimate_tokens(json.dumps(data, ensure_ascii=False))
        if used + cost > budget_tokens:
            if chosen:
                continue
            # The single best item alone is over budget: send it shortened rather than nothing.
            data = _group_entry(group, text_limit=max(200, budget_tokens * 4 - 400))
            data.pop("output", None)
            cost = estimate_tokens(json.dumps(data, ensure_ascii=False))
        chosen.append((group, data))
        used += cost
    order = {id(g): n for n, g in enumerate(groups)}
    chosen.sort(key=lambda pair: order[id(pair[0])])  # shown in the order given
    return Selection(
        sent=[(g.lead, data) for g, data in chosen],
        groups={g.lead.id: g.ids for g, _ in chosen},
    )


def _group_entry(group: FeedbackGroup, text_limit: int = MAX_TEXT_CHARS) -> dict[str, Any]:
    data = entry(group.lead, text_limit)
    if group.count > 1:
        data["asked_by"] = group.count  # this many items say the same; `text` is the strongest
        data["agreed_by"] = group.agreement
    return data
