"""What the team's changes tell the outside world: one webhook event per committed change.

Called by the services after the store has committed the change; `WebhookService.announce`
only queues deliveries (the inbox sends them), so nothing here delays the Slack answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.services.webhooks import WebhookService
from storage.api_records import PRODUCTION, LabelMove, WebhookEvent
from storage.records import DecisionOutcome, Outcome, ProposalInfo, TemplateInfo, VersionInfo


def _version(v: VersionInfo) -> dict[str, Any]:
    return {
        "number": v.number,
        "text": v.text,
        "author": v.author,
        "source": v.source.value,
        "created_at": v.created_at.isoformat(),
    }


class Announcer:
    def __init__(self, webhooks: WebhookService) -> None:
        self.webhooks = webhooks
        self.listeners: list[Callable[[], None]] = []  # e.g. the API's cache of served templates

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()

    def proposal_created(self, template: TemplateInfo, p: ProposalInfo) -> None:
        self._changed()
        self.webhooks.announce(
            template.team_id,
            WebhookEvent.PROPOSAL_CREATED,
            {
                "template": template.name,
                "proposal": {
                    "id": p.id,
                    "base_version": p.base_version_number,
                    "text": p.text,
                    "rationale": p.rationale,
                    "created_by": p.created_by,
                },
            },
        )

    def decided(self, template: TemplateInfo, outcome: DecisionOutcome) -> None:
        if outcome.outcome not in (Outcome.APPROVED, Outcome.REJECTED) or outcome.proposal is None:
            return  # a counted approval or a refusal changes nothing outside
        self._changed()
        p = outcome.proposal
        self.webhooks.announce(
            template.team_id,
            WebhookEvent.PROPOSAL_DECIDED,
            {"template": template.name, "proposal": {"id": p.id}, "decision": outcome.outcome},
        )
        if outcome.outcome is Outcome.APPROVED and outcome.version is not None:
            self.webhooks.announce(
                template.team_id,
                WebhookEvent.VERSION_APPROVED,
                {
                    "template": template.name,
                    "label": PRODUCTION,
                    "version": _version(outcome.version),
                    "proposal": {"id": p.id},
                },
            )

    def rolled_back(self, template: TemplateInfo, version: VersionInfo, to_number: int) -> None:
        self._changed()
        self.webhooks.announce(
            template.team_id,
            WebhookEvent.VERSION_ROLLED_BACK,
            {
                "template": template.name,
                "label": PRODUCTION,
                "version": _version(version),
                "copied_from": to_number,
            },
        )

    def label_moved(self, template: TemplateInfo, move: LabelMove) -> None:
        self._changed()
        self.webhooks.announce(
            template.team_id,
            WebhookEvent.LABEL_MOVED,
            {
                "template": template.name,
                "label": move.label,
                "version": _version(move.version),
                "previous_version": move.previous_number,
            },
        )
