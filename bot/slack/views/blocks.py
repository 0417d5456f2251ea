"""Small builders on top of slack-sdk's Block Kit models, shared by the view modules.

A message is returned as `{"text": fallback, "blocks": [...]}` (dicts, validated by slack-sdk's
`to_dict`), ready for `chat_postMessage(channel=…, **message)`, `chat_update`, `respond` or
`chat_postEphemeral`. The fallback text is escaped too: Slack parses it for mentions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.slack.views.text import (
    BUTTON_TEXT_LIMIT,
    FALLBACK_TEXT_LIMIT,
    HEADER_TEXT_LIMIT,
    MESSAGE_BLOCK_LIMIT,
    SECTION_TEXT_LIMIT,
    fit_chunks,
    truncate,
)

Message = dict[str, Any]


def message(fallback: str, blocks: Sequence[Block]) -> Message:
    """`fallback` must already be escaped."""
    if len(blocks) > MESSAGE_BLOCK_LIMIT:
        raise ValueError(f"{len(blocks)} blocks: a message holds at most {MESSAGE_BLOCK_LIMIT}")
    return {
        "text": truncate(fallback, FALLBACK_TEXT_LIMIT) or " ",
        "blocks": [b.to_dict() for b in blocks],
    }


def section(mrkdwn: str, block_id: str | None = None) -> SectionBlock:
    """A section of already-escaped mrkdwn, truncated to the limit if a caller misjudged."""
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(mrkdwn, SECTION_TEXT_LIMIT) or " "),
        block_id=block_id,
    )


def sections(mrkdwn: str, max_blocks: int) -> list[Block]:
    """Already-escaped mrkdwn split over at most `max_blocks` sections."""
    if not mrkdwn.strip():
        return []
    chunks, _ = fit_chunks(mrkdwn, max(1, max_blocks))
    return [section(c) for c in chunks if c.strip()]


def fields_section(title: str, fields: Sequence[str]) -> SectionBlock:
    """A section with up to 10 two-column fields (each already escaped, <= 2000 characters)."""
    return SectionBlock(
        text=MarkdownTextObject(text=truncate(title, SECTION_TEXT_LIMIT)),
        fields=[MarkdownTextObject(text=truncate(f, 2000) or " ") for f in fields[:10]],
    )


def header(text: str) -> HeaderBlock:
    """A header: plain text (never parsed for mentions), at most 150 characters."""
    return HeaderBlock(text=PlainTextObject(text=truncate(text, HEADER_TEXT_LIMIT), emoji=True))


def context(*mrkdwn: str) -> ContextBlock:
    parts = [m for m in mrkdwn if m][:10]
    return ContextBlock(
        elements=[MarkdownTextObject(text=truncate(m, SECTION_TEXT_LIMIT)) for m in parts]
    )


def divider() -> DividerBlock:
    return DividerBlock()


def button(
    label: str,
    action_id: str,
    value: str,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    if len(value) > 2000:
        raise ValueError("a button value holds at most 2000 characters")
    return ButtonElement(
        text=PlainTextObject(text=truncate(label, BUTTON_TEXT_LIMIT), emoji=True),
        action_id=action_id,
        value=value,
        style=style,
        confirm=confirm,
    )


def actions(*buttons: ButtonElement, block_id: str | None = None) -> ActionsBlock:
    return ActionsBlock(elements=list(buttons), block_id=block_id)


def confirm(title: str, text: str, yes: str, no: str = "Cancel") -> ConfirmObject:
    """A confirmation dialog; `text` is already-escaped mrkdwn."""
    return ConfirmObject(
        title=PlainTextObject(text=truncate(title, 100)),
        text=MarkdownTextObject(text=truncate(text, 300)),
        confirm=PlainTextObject(text=truncate(yes, 30)),
        deny=PlainTextObject(text=truncate(no, 30)),
    )
