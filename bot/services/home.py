"""App Home: the workspace's templates, their active versions, and proposals waiting."""

from __future__ import annotations

from dataclasses import replace

from bot.services import convert
from bot.services.context import Actor, Permalink
from bot.services.templates import TemplateService
from bot.slack.views import models as vm
from storage import Store


class HomeService:
    def __init__(self, store: Store, templates: TemplateService) -> None:
        self.store = store
        self.templates = templates

    def home(self, actor: Actor, permalink: Permalink | None = None) -> vm.AppHomeView:
        templates = self.store.list_templates(actor.team_id)
        by_id = {t.id: t for t in templates}
        pending = []
        for p in self.store.pending_proposals(actor.team_id):
            t = by_id.get(p.template_id)
            if t is not None:
                summary = convert.proposal_summary(p, t.name, t.settings.approvals_required)
                if permalink and p.channel_id and p.message_ts:
                    summary = replace(summary, permalink=permalink(p.channel_id, p.message_ts))
                pending.append(summary)
        return vm.AppHomeView(
            templates=self.templates.list(actor),
            pending_proposals=tuple(pending),
            user_id=actor.user_id,
        )
