"""Use cases joining storage and the engine. No Slack payloads here: typed commands in, view
models and storage records out."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.announce import Announcer
from bot.services.api import ApiService
from bot.services.context import USER_ERRORS, Actor, ServiceError, user_message
from bot.services.feedback import FeedbackResult, FeedbackService
from bot.services.home import HomeService
from bot.services.judge import JudgeService
from bot.services.models import Models
from bot.services.proposals import ProposalService
from bot.services.runs import RunService
from bot.services.schedule import ScheduleService
from bot.services.suggestions import SuggestionService
from bot.services.templates import TemplateService
from bot.services.transfer import TransferService
from bot.services.webhooks import WebhookService
from storage import Store


@dataclass
class Services:
    """The only door from the edges (Slack listeners, processors, jobs, the CLI) to the store."""

    models: Models
    templates: TemplateService
    runs: RunService
    feedback: FeedbackService
    proposals: ProposalService
    home: HomeService
    api: ApiService
    webhooks: WebhookService
    schedule: ScheduleService
    transfer: TransferService
    suggestions: SuggestionService
    judge: JudgeService


def build_services(
    store: Store, models: Models | None = None, *, feedback_budget: int = 50
) -> Services:
    models = models or Models()
    webhooks = WebhookService(store)
    announcer = Announcer(webhooks)
    templates = TemplateService(store, models.target_model, announcer)
    api = ApiService(store, announcer)
    announcer.listeners.append(api.invalidate)
    feedback = FeedbackService(store)
    return Services(
        models=models,
        templates=templates,
        runs=RunService(store, templates, models),
        feedback=feedback,
        proposals=ProposalService(store, templates, models, feedback_budget, announcer),
        home=HomeService(store, templates),
        api=api,
        webhooks=webhooks,
        schedule=ScheduleService(store),
        transfer=TransferService(store, templates),
        suggestions=SuggestionService(store, feedback, models),
        judge=JudgeService(store, templates, models),
    )


__all__ = [
    "USER_ERRORS",
    "Actor",
    "FeedbackResult",
    "Models",
    "ServiceError",
    "Services",
    "build_services",
    "user_message",
]
