"""`/align export`: the export inline as a code block, or a note about the uploaded file.

A message cannot hold a long export whole: callers should upload when `export_fits_inline` is
False; if they do not, the message shows the beginning and says plainly that it is incomplete."""

from __future__ import annotations

from bot.views.blocks import Message, message, section
from bot.views.text import MESSAGE_BLOCK_LIMIT, code_block, escape, fit_chunks, split_spans

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
    chunks, omitted = fit_chunks(code_block(escape(content)), MESSAGE_BLOCK_LIMIT - 1)
    title = f":package: Export of *{name}*"
    if omitted:
        title += (
            f"\n:warning: The export is {len(content):,} characters, more than a message holds: "
            "only the beginning is shown, so do not use this copy to restore the template."
        )
    return message(f"Export of {name}", [section(title), *(section(c) for c in chunks)])
