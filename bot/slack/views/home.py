"""The App Home tab: templates with their active versions, and proposals waiting for approval."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack.views.blocks import context, divider, header, section
from bot.slack.views.models import AppHomeView, ProposalSummary
from bot.slack.views.templates import template_line
from bot.slack.views.text import channel_link, escape, link

MAX_TEMPLATES = 40
MAX_PROPOSALS = 20


def app_home(home: AppHomeView) -> dict[str, Any]:
    """A `home` view for `views_publish(user_id=…, view=…)`."""
    blocks: list[Block] = [
        header("alignbot"),
        section(
            "Align a prompt template to your team's judgement: run it in a channel, react and "
            "reply, then approve the proposals. Type `/align help` anywhere to start."
        ),
        divider(),
        header(f"Templates ({len(home.templates)})"),
    ]
    if not home.templates:
        blocks.append(section("No templates yet: `/align new` creates one in the current channel."))
    for t in home.templates[:MAX_TEMPLATES]:
        blocks.append(section(template_line(t)))
    if len(home.templates) > MAX_TEMPLATES:
        blocks.append(context(f"and {len(home.templates) - MAX_TEMPLATES} more: `/align list`"))
    blocks += [divider(), header(f"Pending proposals ({len(home.pending_proposals)})")]
    if not home.pending_proposals:
        blocks.append(section("Nothing waiting for approval."))
    for p in home.pending_proposals[:MAX_PROPOSALS]:
        blocks.append(section(_proposal_line(p)))
    if len(home.pending_proposals) > MAX_PROPOSALS:
        blocks.append(context(f"and {len(home.pending_proposals) - MAX_PROPOSALS} more"))
    return View(type="home", blocks=blocks).to_dict()


def _proposal_line(p: ProposalSummary) -> str:
    parts = [
        f"*{escape(p.template_name)}* v{p.base_version} → v{p.base_version + 1}",
        f"{p.approvals} of {p.approvals_required} approvals",
    ]
    if p.channel_id:
        parts.append(channel_link(p.channel_id))
    if p.permalink:
        parts.append(link(p.permalink, "open the proposal"))
    return " · ".join(parts)
