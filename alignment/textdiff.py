"""The one unified diff of two template texts, for the engine's proposals and the bot's views."""

from __future__ import annotations

import difflib


def unified_diff(
    old: str,
    new: str,
    old_label: str = "template (current)",
    new_label: str = "template (proposed)",
) -> str:
    """A unified diff by line, without a trailing newline; "" when the lines are equal.

    Lines are compared without their line ends, so a last line that lacks its newline is still
    the same line once another follows it: only what changed is shown."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, lineterm=""
    )
    return "\n".join(lines)
