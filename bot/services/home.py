"""App Home: the workspace's templates, their active versions, and proposals waiting."""

from __future__ import annotations

from typing import Any

from bot.services import convert
from bot.services.context import Actor
from bot.services.templates import TemplateService
from bot.views import models as vm


class HomeService:
    def __init__(self, store: Any, templates: TemplateService) -> None:
        self.store = store
        self.templates = templates

    def home(self, actor: Actor) -> vm.AppHomeView:
        templates = self.store.list_templates(actor.team_id)
        by_id = {t.id: t for t in templates}
        pending = []
        for p in self.store.pending_proposals(actor.team_id):
            t = by_id.get(p.template_id)
            if t is not None:
                pending.append(convert.proposal_summary(p, t.name, t.settings.approvals_required))
        return vm.AppHomeView(
            templates=self.templates.list(actor),
            pending_proposals=tuple(pending),
            user_id=actor.user_id,
        )
