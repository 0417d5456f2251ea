"""Short replies: errors (ephemeral), confirmations, and the bot's question after a 👎."""

from __future__ import annotations

from collections.abc import Sequence

from bot.slack.views.blocks import Message, message, section
from bot.slack.views.text import SECTION_TEXT_LIMIT, escape, mention, sentence, truncate


def error_message(text: str) -> Message:
    """An error for one person (`respond`/`chat_postEphemeral`). `text` is raw; it is escaped.
    Backticks in `text` still format as code, so messages can name commands."""
    body = truncate(escape(sentence(text)), SECTION_TEXT_LIMIT - 20)
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


_ECHO = {
    "critique": (":memo:", "Critique"),
    "rewrite": (":pencil2:", "Suggested rewrite"),
    "principle": (":bookmark:", "Suggested principle"),
    "kudos": (":raised_hands:", "Kudos"),
}


def feedback_echo_message(kind: str, author: str, text: str) -> Message:
    """A form's feedback, shown in the run's thread like a reply would be (it is linked from
    the proposals that use it). `text` is raw; it is escaped."""
    emoji, what = _ECHO.get(kind, (":memo:", "Feedback"))
    body = escape(text)
    head = f"{emoji} *{what}* from {mention(author)} (sent with the form)"
    quoted = truncate(">" + body.replace("\n", "\n>"), SECTION_TEXT_LIMIT - len(head) - 2)
    fallback = f"{what} from {mention(author)}: {truncate(body, 200)}"
    return message(fallback, [section(f"{head}\n{quoted}")])


def rejection_echo_message(author: str, reason: str, proposal_id: str) -> Message:
    """A rejection's reason in the proposal's thread: it is feedback for the next proposal."""
    body = escape(reason)
    head = (
        f":x: {mention(author)} rejected proposal #{escape(proposal_id)}; the reason is kept as "
        "feedback for the next proposal:"
    )
    quoted = truncate(">" + body.replace("\n", "\n>"), SECTION_TEXT_LIMIT - len(head) - 2)
    fallback = f"Rejected by {mention(author)}: {truncate(body, 200)}"
    return message(fallback, [section(f"{head}\n{quoted}")])


# What each kind of stored work was, in the words of the person who asked for it.
_WORK = {
    "thread_reply": "your reply",
    "thread_reply_edited": "your edited reply",
    "thread_reply_deleted": "your deleted reply",
    "reaction_added": "your reaction",
    "reaction_removed": "your removed reaction",
    "app_mention": "your mention",
    "app_home_opened": "the Home tab",
    "run": "the run",
    "propose": "the proposal",
    "decide": "your decision on the proposal",
    "edit_proposal": "your edit of the proposal",
    "export": "the export",
    "feedback_echo": "your feedback",
    "notice": "the confirmation",
}


def failure_message(kind: str, detail: str | None = None) -> Message:
    """Background work that failed for good, told to the person it was for. `detail` is a
    user-facing reason when there is one; internal errors are not shown (they are logged)."""
    what = _WORK.get(kind, "your request")
    text = f"Sorry, I could not finish {what}."
    if detail:
        reason = detail.strip().rstrip(".")
        text += f" {reason[:1].upper()}{reason[1:]}."
    else:
        text += " Something went wrong on my side; please try again in a moment."
    return error_message(text)


def reply_refused_message(reason: str) -> Message:
    """Told to the author of a thread reply that could not count as feedback."""
    why = reason.strip().rstrip(".")
    return error_message(
        f"Your reply was not kept as feedback: {why}. Shorten it, or split it over several replies."
    )


def not_feedback_hint(on_proposal: bool) -> Message:
    """For a reply in the thread of a bot message that is not a run."""
    if on_proposal:
        text = (
            "Replies on a proposal are not read as feedback, except by *Another candidate*: "
            "the candidate it asks for hears this thread. To turn it down with a reason, "
            "click *Reject*; to change its text, click *Edit*. Feedback on outputs goes in the "
            "thread of a run."
        )
    else:
        text = (
            "Replies here are not read as feedback: I learn from replies in the thread of a "
            "run. Start one with `/align run NAME …`, then reply under its output (a critique, "
            "`rewrite:` with a better output, or `principle:` with a rule)."
        )
    return message(text, [section(f":information_source: {text}")])
