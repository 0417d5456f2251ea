"""Suggested critiques and kudos of a run's output: asked of the alignment model for one person,
adopted as that person's feedback only when they click one."""

from __future__ import annotations

import hashlib

from alignment.suggestions import SuggestionFailed, Suggestions, suggest_feedback
from alignment.vocabulary import FeedbackKind, RunStatus
from bot.services.context import Actor, ServiceError
from bot.services.feedback import FeedbackResult, FeedbackService
from bot.services.models import Models
from bot.services.runs import run_in_workspace
from storage import Store
from storage.records import RunInfo

ADOPTABLE = (FeedbackKind.CRITIQUE, FeedbackKind.KUDOS)


class SuggestionService:
    def __init__(self, store: Store, feedback: FeedbackService, models: Models) -> None:
        self.store = store
        self.feedback = feedback
        self.models = models

    def _run(self, actor: Actor, run_id: int | str) -> RunInfo:
        """A run of the asker's workspace (an id from another one is refused)."""
        return run_in_workspace(self.store, actor, run_id)

    def check(self, actor: Actor, run_id: int | str) -> RunInfo:
        """In the request, before anything is stored: a finished run of this workspace."""
        run = self._run(actor, run_id)
        if run.status is not RunStatus.DONE or not (run.output or "").strip():
            raise ServiceError(f"Run #{run.id} has no output to suggest feedback on.")
        return run

    def suggest(self, actor: Actor, run_id: int | str) -> Suggestions:
        """One call to the alignment model; its cost is recorded on the run either way."""
        run = self.check(actor, run_id)
        info = self.store.get_template_by_id(run.template_id)
        version = self.store.get_version(info.id, run.version_number)
        text = version.text if version is not None else info.active_version.text
        try:
            found = suggest_feedback(
                run.output or "",
                template=text,
                inputs={k: str(v) for k, v in run.inputs.items()},
                principles=self.store.active_principles(info.id),
                model=self.models.align(),
            )
        except SuggestionFailed as exc:
            self.store.record_calls(exc.calls, run_id=run.id)
            raise ServiceError(f"No suggestions for run #{run.id}: {exc.reason}.") from None
        self.store.record_calls(found.calls, run_id=run.id)
        return found

    def adopt(
        self, actor: Actor, run_id: int | str, kind: FeedbackKind, text: str
    ) -> FeedbackResult:
        """The clicked suggestion becomes the clicker's own feedback, once however often the
        button is clicked (the source key is the person, the run and the text)."""
        if kind not in ADOPTABLE:
            raise ServiceError("Only a suggested critique or kudos can be adopted.")
        run = self._run(actor, run_id)
        words = " ".join(text.split())
        digest = hashlib.sha256(words.casefold().encode()).hexdigest()[:32]
        key = f"suggestion:{run.id}:{actor.user_id}:{kind.value}:{digest}"
        return self.feedback.on_run(actor, str(run.id), kind, words, source_key=key)
