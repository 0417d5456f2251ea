"""`/align judge NAME`: the judge the team's labels make, and how often it agrees with labels
it was not built from."""

from __future__ import annotations

from alignment.judge import JudgeError, LabelledOutput
from alignment.judge_eval import Agreement, measure_agreement
from alignment.models.base import ModelError
from bot.services.context import Actor, ServiceError
from bot.services.models import Models
from bot.services.templates import TemplateService
from storage import Store


class JudgeService:
    def __init__(self, store: Store, templates: TemplateService, models: Models) -> None:
        self.store = store
        self.templates = templates
        self.models = models

    def check(self, actor: Actor, name: str) -> int:
        """In the request: the template exists here; returns how many runs are labelled."""
        info = self.templates.get(actor, name)
        return len(self.store.labelled_runs(info.id))

    def agreement(self, actor: Actor, name: str) -> Agreement:
        info = self.templates.get(actor, name)
        labelled = [
            LabelledOutput(inputs, output, label)
            for _, label, inputs, output in self.store.labelled_runs(info.id)
        ]
        try:
            return measure_agreement(labelled, self.models.align())
        except JudgeError as exc:
            raise ServiceError(f"No judge for `{info.name}` yet: {exc}.") from None
        except ModelError as exc:
            raise ServiceError(f"The judge for `{info.name}` could not be built: {exc}") from exc
