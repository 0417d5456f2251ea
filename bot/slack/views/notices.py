"""Short replies: errors (ephemeral), confirmations, and the bot's question after a 👎."""

from __future__ import annotations

from collections.abc import Sequence

from bot.slack.views.blocks import Message, message, section
from bot.slack.views.text import SECTION_TEXT_LIMIT, escape, mention, truncate


def error_message(text: str) -> Message:
    """An error for one person (`respond`/`chat_postEphemeral`). `text` is raw; it is escaped.
    Backticks in `text` still format as code, so messages can name commands."""
    body = truncate(escape(text), SECTION_TEXT_LIMIT - 20)
    return message(body, [section(f":warning: {body}")])


def notice_message(text: str, emoji: str = ":white_check_mark:") -> Message:
    """A confirmation like "Principle added to recipe". `text` is raw; it is escaped."""
    body = truncate(escape(text), SECTION_TEXT_LIMIT - 40)
    return message(body, [section(f"{emoji} {body}")])


def not_an_approver_message(approvers: Sequence[str]) -> Message:
    """Told only to the person whose approval was refused; names who may approve."""
    who = ", ".join(mention(u) for u in approvers) or "the template's approvers"
    body = f"You are not one of the approvers of this template ({who}): nothing was counted."
    return message(body, [section(f":no_entry: {body}")])


def bad_label_question(user_id: str | None) -> Message:
    """Asked in the thread of a run someone gave 👎 to: the label alone says little."""
    who = mention(user_id) if user_id else "Thanks"
    text = (
        f"{who}, what should change? Reply in this thread: a critique, `rewrite:` with a better "
        "output, or `principle:` with a rule to follow."
    )
    return message(text, [section(text)])
