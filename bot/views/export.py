"""`/align export`: the export inline as a code block when it is short, else a note about the file
the service uploaded (a message cannot hold a long export without truncating it)."""

from __future__ import annotations

from bot.views.blocks import Message, message, section, sections
from bot.views.text import MESSAGE_BLOCK_LIMIT, code_block, escape, split_spans

INLINE_EXPORT_LIMIT = 12_000  # characters (escaped); above this, upload a file instead


def export_fits_inline(content: str) -> bool:
    escaped = code_block(escape(content))
    return len(escaped) <= INLINE_EXPORT_LIMIT and len(split_spans(escaped)) < MESSAGE_BLOCK_LIMIT


def export_message(
    template_name: str, content: str, uploaded_filename: str | None = None
) -> Message:
    name = escape(template_name)
    if uploaded_filename:
        text = f":package: Exported *{name}* as `{escape(uploaded_filename)}` (the file above)."
        return message(f"Exported {name}", [section(text)])
    if not export_fits_inline(content):
        raise ValueError("export too long to show inline; upload it and pass uploaded_filename")
    body = sections(code_block(escape(content)), MESSAGE_BLOCK_LIMIT - 1)
    return message(f"Export of {name}", [section(f":package: Export of *{name}*"), *body])
