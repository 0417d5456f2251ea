"""The private list of suggested critiques and kudos, and what adopting one looks like.

Shown only to the person who asked (an ephemeral message); each suggestion has its own button,
whose value carries the suggestion itself, so a click needs nothing stored in between.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from alignment.suggestions import Suggestion
from alignment.vocabulary import FeedbackKind
from bot.slack.views import ids
from bot.slack.views.blocks import Message, button, context, message, section
from bot.slack.views.text import escape, inline_code, truncate

KIND_EMOJI = {FeedbackKind.CRITIQUE: ":memo:", FeedbackKind.KUDOS: ":raised_hands:"}


@dataclass(frozen=True)
class SuggestionChoice:
    """What an Adopt button's value carries."""

    run_id: str
    kind: str
    text: str

    def encode(self) -> str:
        return json.dumps({"run": self.run_id, "kind": self.kind, "text": self.text})

    @classmethod
    def decode(cls, value: str) -> SuggestionChoice | None:
        try:
            data = json.loads(value)
            return cls(str(data["run"]), str(data["kind"]), str(data["text"]))
        except (ValueError, TypeError, KeyError):
            return None


def suggestions_message(run_id: str, template_name: str, items: Sequence[Suggestion]) -> Message:
    where = f"run {inline_code(escape(run_id))} of *{escape(template_name)}*"
    blocks: list[Block] = [
        section(
            f":bulb: Suggested feedback on {where}. Only you see this; "
            "adopt one to make it your own feedback."
        )
    ]
    for n, (item, action_id) in enumerate(zip(items, ids.SUGGESTION_ADOPT, strict=False), 1):
        choice = SuggestionChoice(run_id, item.kind.value, item.text)
        label = f"Adopt {item.kind.value}"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"{KIND_EMOJI.get(item.kind, ':memo:')} *{n}.* {escape(item.text)}"
                ),
                accessory=button(label, action_id, choice.encode()),
                block_id=f"suggestion:{n}",
            )
        )
    blocks.append(context("Nothing is recorded unless you click a button."))
    fallback = f"{len(items)} suggested critique(s) or kudos for run {escape(run_id)}"
    return message(fallback, blocks)


def adopted_message(kind: FeedbackKind, text: str, *, counted: bool) -> Message:
    """Replaces the list once one is adopted (a second click of the same one counts nothing)."""
    emoji = KIND_EMOJI.get(kind, ":memo:")
    body = truncate(escape(text), 2500)
    head = (
        f"Adopted as your {kind.value}" if counted else f"Already your {kind.value} (counted once)"
    )
    return message(f"{head}: {body}", [section(f"{emoji} {head}: {body}")])
