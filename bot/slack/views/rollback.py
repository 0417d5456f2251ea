"""`/align rollback NAME vN`: a preview to confirm (text and principles), then the notice."""

from __future__ import annotations

from bot.slack.views import ids
from bot.slack.views.blocks import Message, actions, button, context, message, section
from bot.slack.views.models import RollbackView
from bot.slack.views.text import escape, mention, plural, truncate

LISTED = 10  # principles named per kind of change; the rest are counted


def _names(texts: tuple[str, ...]) -> str:
    shown = ", ".join(f"“{truncate(escape(t), 200)}”" for t in texts[:LISTED])
    more = len(texts) - LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def principle_lines(r: RollbackView) -> list[str]:
    """What happens to the principles, one line per kind of change (none: says so)."""
    lines = []
    if r.retired:
        lines.append(
            f"retire {plural(len(r.retired), 'principle')} added after v{r.to_version}: "
            + _names(r.retired)
        )
    if r.restored:
        lines.append(
            f"restore {plural(len(r.restored), 'principle')} retired since: " + _names(r.restored)
        )
    if r.reworded:
        then = tuple(old for _, old in r.reworded)
        lines.append(
            f"give {plural(len(r.reworded), 'principle')} back the v{r.to_version} wording: "
            + _names(then)
        )
    return lines


def rollback_preview_message(r: RollbackView) -> Message:
    """Shown only to the person who typed the command, with the buttons that do or cancel it."""
    name = escape(r.name)
    lines = principle_lines(r)
    principles = (
        "It will also " + "; ".join(lines) + "."
        if lines
        else f"The principles stay as they are (they are the same as under v{r.to_version})."
    )
    text = (
        f":rewind: *Roll back {name} to v{r.to_version}?* This makes v{r.new_version} with the "
        f"text of v{r.to_version}. {principles}"
    )
    value = f"{r.name} v{r.to_version}"
    return message(
        f"Roll back {name} to v{r.to_version}?",
        [
            section(truncate(text, 2900)),
            actions(
                button("Roll back", ids.ROLLBACK_CONFIRM, value, style="danger"),
                button("Cancel", ids.ROLLBACK_CANCEL, value),
            ),
            context("Nothing changes until you click Roll back. History keeps every version."),
        ],
    )


def rollback_done_message(r: RollbackView, user_id: str | None) -> Message:
    """Posted in the channel when the rollback is done: who did it and what changed."""
    name = escape(r.name)
    who = f" by {mention(user_id)}" if user_id else ""
    text = (
        f":rewind: *{name}* rolled back{who}: v{r.new_version} is now active, with the text of "
        f"v{r.to_version}."
    )
    lines = principle_lines(r)
    if lines:
        done = [ln.replace("retire ", "retired ", 1).replace("restore ", "restored ", 1)
                .replace("give ", "gave ", 1) for ln in lines]  # fmt: skip
        text += f"\nPrinciples are back to v{r.to_version}'s: " + "; ".join(done) + "."
    return message(f"{name} rolled back to v{r.to_version}", [section(truncate(text, 2900))])
