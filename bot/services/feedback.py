"""Feedback from people: reactions (labels), thread replies and the Critique/Rewrite modals.

Every item is stored once per source (a reaction by a person on a message, a reply's ts), so a
redelivered event never counts twice, and a removed reaction retracts exactly what it added.
"""

from __future__ import annotations

from dataclasses import dataclass

from alignment.feedback import FeedbackKind, Label
from bot.services.context import Actor
from bot.services.runs import run_in_workspace
from storage import Store
from storage.records import FeedbackInfo, RunInfo


@dataclass(frozen=True)
class FeedbackResult:
    """What happened; `run` is None when the message was not a run (nothing was stored)."""

    run: RunInfo | None
    created: bool = False
    retracted: bool = False
    kind: FeedbackKind | None = None
    label: Label | None = None
    feedback_id: int | None = None

    @property
    def ask_what_should_change(self) -> bool:
        return self.created and self.label is Label.BAD


class FeedbackService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def reaction(
        self, actor: Actor, message_ts: str, emoji: str, label: Label | None, *, added: bool
    ) -> FeedbackResult:
        run = self._run_at(actor, message_ts)
        if run is None or label is None:
            return FeedbackResult(run=None)
        base = emoji.strip(":").split("::", 1)[0]
        key = f"reaction:{actor.channel_id}:{message_ts}:{actor.user_id}:{base}"
        if not added:
            retracted = self.store.retract_feedback(key, team_id=actor.team_id)
            return FeedbackResult(
                run=run, retracted=retracted, kind=FeedbackKind.LABEL, label=label
            )
        _, created = self.store.add_feedback(
            run.template_id,
            run.id,
            actor.user_id,
            FeedbackKind.LABEL.value,
            "",
            label.value,
            source_key=key,
            channel_id=actor.channel_id,
            ts=message_ts,
        )
        return FeedbackResult(run=run, created=created, kind=FeedbackKind.LABEL, label=label)

    def reply(
        self, actor: Actor, thread_ts: str, reply_ts: str, kind: FeedbackKind, text: str
    ) -> FeedbackResult:
        """A reply in a run's thread; replies elsewhere are not feedback."""
        run = self._run_at(actor, thread_ts)
        if run is None:
            return FeedbackResult(run=None)
        if not text.strip():
            if kind is not FeedbackKind.KUDOS:
                return FeedbackResult(run=run)  # e.g. a bare `rewrite:`: nothing to learn from
            text = "kudos"
        _, created = self.store.add_feedback(
            run.template_id,
            run.id,
            actor.user_id,
            kind.value,
            text,
            source_key=f"reply:{actor.channel_id}:{reply_ts}",
            channel_id=actor.channel_id,
            ts=reply_ts,
        )
        return FeedbackResult(run=run, created=created, kind=kind)

    def edit_reply(
        self, actor: Actor, thread_ts: str, reply_ts: str, kind: FeedbackKind, text: str
    ) -> FeedbackResult:
        """An edited reply: the same feedback item gets the new text and kind (never a second
        item). Edited down to nothing to learn from (a bare `rewrite:`), it no longer counts;
        edited back, it counts again. A proposal that already used it keeps what it used."""
        run = self._run_at(actor, thread_ts)
        if run is None:
            return FeedbackResult(run=None)
        key = f"reply:{actor.channel_id}:{reply_ts}"
        if not text.strip():
            if kind is not FeedbackKind.KUDOS:
                retracted = self.store.retract_feedback(key, team_id=actor.team_id)
                return FeedbackResult(run=run, retracted=retracted)
            text = "kudos"
        edited = self.store.edit_feedback(key, text, kind=kind.value)
        if edited is not None and edited.retracted_at is None:
            return FeedbackResult(run=run, kind=kind)
        # Never stored (the original had nothing to learn from) or withdrawn by an earlier edit.
        result = self.reply(actor, thread_ts, reply_ts, kind, text)
        if edited is not None:
            self.store.edit_feedback(key, text, kind=kind.value)
        return result

    def _run_at(self, actor: Actor, ts: str) -> RunInfo | None:
        """The run posted at `ts` in the actor's channel (feedback only comes from one), of the
        actor's workspace (Slack Connect channels share their ids)."""
        if not actor.channel_id:
            return None
        return self.store.find_run_by_message(actor.channel_id, ts, team_id=actor.team_id)

    def withdraw_reply(self, actor: Actor, reply_ts: str) -> bool:
        """A deleted reply no longer counts (unless a proposal already used it)."""
        key = f"reply:{actor.channel_id}:{reply_ts}"
        return self.store.retract_feedback(key, team_id=actor.team_id)

    def on_run(
        self, actor: Actor, run_id: str, kind: FeedbackKind, text: str, source_key: str | None
    ) -> FeedbackResult:
        """From the Critique / Suggest rewrite modals: a run of the asker's workspace only."""
        run = run_in_workspace(self.store, actor, run_id)
        row, created = self.store.add_feedback(
            run.template_id, run.id, actor.user_id, kind.value, text, source_key=source_key
        )
        return FeedbackResult(run=run, created=created, kind=kind, feedback_id=row.id)

    def get(self, feedback_id: int) -> FeedbackInfo | None:
        return self.store.get_feedback(feedback_id)

    def run_of(self, feedback: FeedbackInfo) -> RunInfo | None:
        return self.store.get_run(feedback.run_id) if feedback.run_id is not None else None

    def attach_message(self, feedback_id: int, channel_id: str, ts: str) -> None:
        """The message that shows this feedback in the channel (what proposals link to)."""
        self.store.set_feedback_message(feedback_id, channel_id, ts)
