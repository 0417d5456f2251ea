"""Template listings and details: `/align list`, `show`, `settings`, `principles`."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block

from alignment.vocabulary import PrincipleOrigin, PrincipleStatus
from bot.slack.views.blocks import Message, context, divider, message, section, sections
from bot.slack.views.models import (
    PrincipleRow,
    TemplateDetail,
    TemplateSettingsView,
    TemplateSummary,
)
from bot.slack.views.text import (
    MESSAGE_BLOCK_LIMIT,
    channel_link,
    code_block,
    escape,
    inline_code,
    mention,
)

EMPTY_LIST = "No templates yet. Create one with `/align new NAME TEMPLATE` or just `/align new`."


def template_line(t: TemplateSummary) -> str:
    parts = [f"*{escape(t.name)}* v{t.active_version}", f"{escape(t.mode)} mode"]
    if t.channel_id:
        parts.append(channel_link(t.channel_id))
    if t.pending_feedback:
        s = "" if t.pending_feedback == 1 else "s"
        parts.append(f"{t.pending_feedback} pending feedback item{s}")
    if t.pending_proposal_id:
        parts.append(":memo: proposal awaiting approval")
    return " · ".join(parts)


def list_message(templates: Sequence[TemplateSummary]) -> Message:
    if not templates:
        return message(EMPTY_LIST, [section(EMPTY_LIST)])
    body = "\n".join("• " + template_line(t) for t in templates)
    blocks = [section(f"*Templates* ({len(templates)})"), *sections(body, MESSAGE_BLOCK_LIMIT - 1)]
    return message(f"{len(templates)} templates", blocks)


def settings_lines(s: TemplateSettingsView) -> str:
    approvers = ", ".join(mention(u) for u in s.approvers) if s.approvers else "any channel member"
    auto = f"after {s.auto_propose_after} feedback items" if s.auto_propose_after else "off"
    remind = f"after {s.remind_after_hours} h" if s.remind_after_hours else "off"
    lines = [
        f"• *mode*: {escape(s.mode)}",
        f"• *target_model*: {inline_code(escape(s.target_model))}",
        f"• *approvers*: {approvers}",
        f"• *approvals*: {s.approvals_required}",
        f"• *auto_propose_after*: {auto}",
        f"• *daily_digest*: {'on' if s.daily_digest else 'off'}",
        f"• *proposal_ttl_hours*: {s.proposal_ttl_hours} (unapproved proposals expire)",
        f"• *remind_after_hours*: {remind}",
        f"• *candidates*: {s.candidates}"
        + (" (the channel votes between them)" if s.candidates > 1 else ""),
    ]
    if s.channel_id:
        lines.append(f"• *channel*: {channel_link(s.channel_id)}")
    lines += [
        f"• *review_rate*: {_rate(s.review_rate)} of the runs apps log are posted for review",
        f"• *review_cap_per_hour*: {s.review_cap_per_hour}",
    ]
    return "\n".join(lines)


def _rate(rate: float) -> str:
    return "all" if rate >= 1 else "none" if rate <= 0 else f"{rate * 100:g}%"


def settings_message(
    template_name: str, settings: TemplateSettingsView, changed: Sequence[str] = ()
) -> Message:
    name = escape(template_name)
    title = f"*Settings of {name}*"
    if changed:
        title = f":white_check_mark: Updated {', '.join(escape(c) for c in changed)} of *{name}*"
    blocks: list[Block] = [section(title + "\n" + settings_lines(settings))]
    if "auto_propose_after" in changed:
        blocks.append(section(auto_propose_note(settings)))
    blocks.append(context("Change with `/align settings NAME key=value …`"))
    return message(f"Settings of {name}", blocks)


def auto_propose_note(s: TemplateSettingsView) -> str:
    """What a new `auto_propose_after` will do, so an automatic proposal never comes unexplained."""
    threshold, waiting = s.auto_propose_after, s.pending_feedback
    items = f"{waiting} feedback item{'' if waiting == 1 else 's'}"
    if not threshold:
        return "Automatic proposals are off: propose with `/align propose NAME`."
    if not s.channel_id:
        return (
            f"Nothing is proposed automatically while the template has no channel: set one "
            f"with `channel=#…`. ({items} waiting.)"
        )
    if waiting >= threshold:
        return (
            f":hourglass_flowing_sand: {items} already waiting, which reaches "
            f"`auto_propose_after={threshold}`: an automatic proposal starts within a few "
            "minutes (unless one is already waiting for approval)."
        )
    return (
        f"A proposal starts automatically once {threshold} feedback items are waiting "
        f"({items} so far)."
    )


def principle_lines(principles: Sequence[PrincipleRow]) -> str:
    lines = []
    for i, p in enumerate(principles, start=1):
        manual = p.origin == PrincipleOrigin.MANUAL
        origin = "written by hand" if manual else _from_feedback(p.feedback_count)
        retired = " ~retired~" if p.status == PrincipleStatus.RETIRED else ""
        lines.append(f"{i}. {escape(p.text)}{retired} _({origin})_")
    return "\n".join(lines)


def _from_feedback(count: int) -> str:
    return f"from {count} feedback item{'' if count == 1 else 's'}" if count else "distilled"


def principles_message(template_name: str, principles: Sequence[PrincipleRow]) -> Message:
    name = escape(template_name)
    active = [p for p in principles if p.status == PrincipleStatus.ACTIVE]
    if not active:
        text = (
            f"*{name}* has no principles yet. Feedback becomes principles when a proposal is "
            f"approved, or add one with `/align principle {name} TEXT`."
        )
        return message(f"{name} has no principles yet", [section(text)])
    blocks = [
        section(f"*Principles of {name}* ({len(active)})"),
        *sections(principle_lines(active), MESSAGE_BLOCK_LIMIT - 1),
    ]
    return message(f"{len(active)} principles of {name}", blocks)


def show_message(t: TemplateDetail) -> Message:
    name = escape(t.name)
    status = ""
    if t.active_version is not None and t.active_version != t.version:
        status = f" · _not active (v{t.active_version} is)_"
    by = f" · by {mention(t.author)}" if t.author else ""
    labels = " " + " ".join(f"`{escape(label)}`" for label in t.labels) if t.labels else ""
    head = f"*{name}* v{t.version}{labels}{status} · {escape(t.source)}{by}"
    variables = ", ".join(inline_code(escape("{{" + v + "}}")) for v in t.variables) or "none"
    active = [p for p in t.principles if p.status == PrincipleStatus.ACTIVE]
    tail: list[Block] = [
        divider(),
        section(f"*Variables*: {variables}\n*Settings*\n{settings_lines(t.settings)}"),
    ]
    if active:
        tail.extend(sections("*Principles*\n" + principle_lines(active), 8))
    room = MESSAGE_BLOCK_LIMIT - 1 - len(tail)
    blocks = [section(head), *sections(code_block(escape(t.text)), room), *tail]
    return message(f"{name} v{t.version}", blocks)
