"""`/align export`: the export inline as a code block, or uploaded whole as a file.

A message cannot hold a long export whole: when `export_fits_inline` is False the app uploads
the JSON as a file (see `bot.background.processors.process_export`); `export_message` on such
content shows the beginning only and says plainly that it is incomplete."""

from __future__ import annotations

from bot.slack.views.blocks import Message, message, section
from bot.slack.views.text import MESSAGE_BLOCK_LIMIT, code_block, escape, fit_chunks, split_spans

INLINE_EXPORT_LIMIT = 12_000  # characters (escaped); above this, upload a file instead


def export_fits_inline(content: str) -> bool:
    escaped = code_block(escape(content))
    return len(escaped) <= INLINE_EXPORT_LIMIT and len(split_spans(escaped)) < MESSAGE_BLOCK_LIMIT


def export_filename(template_name: str) -> str:
    return f"{template_name}.json"


def export_upload_notice(template_name: str) -> Message:
    """The answer to `/align export` when the export goes up as a file (after the ack)."""
    name = escape(template_name)
    text = (
        f":package: The export of *{name}* is too long to show here whole: it is being "
        f"uploaded to this channel as `{escape(export_filename(template_name))}`."
    )
    return message(f"Uploading the export of {name}", [section(text)])


def export_file_comment(template_name: str, requested_by: str | None) -> str:
    """The comment posted with the uploaded file (plain text: the name is a validated slug)."""
    who = f" for <@{requested_by}>" if requested_by else ""
    return (
        f"Export of {escape(template_name)}{who}: the whole template, its principles and history."
    )


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
