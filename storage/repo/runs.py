"""Runs of a template version, and the LLM calls they (and proposals) cost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alignment.usage import CallStats
from alignment.vocabulary import FeedbackKind, Label, RunStatus
from storage import models as m
from storage.arguments import (
    ChannelId,
    JsonObject,
    Limit,
    MessageTs,
    Millis,
    ProposalId,
    RunId,
    RunModel,
    TeamId,
    TemplateId,
    TokenCount,
    UserId,
    VersionId,
)
from storage.errors import AlreadyExists, InvalidInput, NotFound
from storage.records import RunInfo
from storage.repo import convert
from storage.repo.base import StoreBase, in_team, version_numbers

MAX_INPUT_CHARS = 100_000
CRITICAL_KINDS = (FeedbackKind.CRITIQUE.value, FeedbackKind.REWRITE.value)


class RunsRepo(StoreBase):
    def record_run(
        self,
        template_id: TemplateId,
        version_id: VersionId,
        inputs: JsonObject,
        *,
        requested_by: UserId,
        status: str = "pending",
    ) -> RunInfo:
        if sum(len(str(v)) for v in inputs.values()) > MAX_INPUT_CHARS:
            raise InvalidInput(f"run inputs are longer than {MAX_INPUT_CHARS:,} characters")
        state = _status(status)
        with self._tx() as s:
            version = s.get(m.Version, version_id)
            if version is None or version.template_id != template_id:
                raise NotFound(f"template {template_id} has no version with id {version_id}")
            row = m.Run(
                template_id=template_id,
                version_id=version_id,
                inputs=dict(inputs),
                status=state.value,
                requested_by=requested_by,
                created_at=self.now(),
            )
            s.add(row)
            s.flush()
            return convert.run(row, version.number)

    def start_run(self, run_id: RunId) -> RunInfo:
        return self._update_run(run_id, status=RunStatus.RUNNING.value)

    def complete_run(
        self,
        run_id: RunId,
        output: str,
        model: RunModel,
        input_tokens: TokenCount,
        output_tokens: TokenCount,
        latency_ms: Millis,
        *,
        calls: list[CallStats] | None = None,
    ) -> RunInfo:
        """The output is in. Also records the call (or the given calls) in `llm_calls`."""
        info = self._update_run(
            run_id,
            status=RunStatus.DONE.value,
            output=output,
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_ms=latency_ms,
            completed_at=self.now(),
            error=None,
        )
        self.record_calls(
            calls or [CallStats(model, "run", input_tokens, output_tokens, latency_ms)],
            run_id=run_id,
        )
        return info

    def fail_run(
        self, run_id: RunId, error: str, *, calls: list[CallStats] | None = None
    ) -> RunInfo:
        """The run failed; `calls` are what the failed attempt still cost (a timeout's latency)."""
        with self._tx() as s:
            row = s.get(m.Run, run_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no run with id {run_id}")
            row.status, row.error, row.completed_at = RunStatus.FAILED.value, error, self.now()
            self._add_calls(s, list(calls or []), run_id=run_id)
            s.flush()
            return self._run_infos(s, [row])[0]

    def set_run_message(self, run_id: RunId, channel_id: ChannelId, ts: MessageTs) -> RunInfo:
        try:
            return self._update_run(run_id, channel_id=channel_id, message_ts=ts)
        except IntegrityError:
            raise AlreadyExists(f"message {channel_id}/{ts} already belongs to a run") from None

    def get_run(self, run_id: RunId, *, team_id: TeamId | None = None) -> RunInfo | None:
        """With `team_id`, a run of another workspace is None, as if it did not exist."""
        with self._tx(write=False) as s:
            stmt = select(m.Run).where(m.Run.id == run_id)
            row = s.scalars(in_team(stmt, m.Run.template_id, team_id)).one_or_none()
            return None if row is None else self._run_infos(s, [row])[0]

    def find_run_by_message(
        self, channel_id: ChannelId, ts: MessageTs, *, team_id: TeamId | None = None
    ) -> RunInfo | None:
        """With `team_id`, only a run of that workspace (Slack Connect shares channel ids)."""
        with self._tx(write=False) as s:
            stmt = select(m.Run).where(m.Run.channel_id == channel_id, m.Run.message_ts == ts)
            row = s.scalars(in_team(stmt, m.Run.template_id, team_id)).one_or_none()
            return None if row is None else self._run_infos(s, [row])[0]

    def recent_runs(self, template_id: TemplateId, limit: Limit = 20) -> list[RunInfo]:
        """Newest first; `critiqued` marks runs that drew critique, a rewrite or a bad label."""
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.Run)
                .where(m.Run.template_id == template_id)
                .order_by(m.Run.id.desc())
                .limit(limit)
            ).all()
            return self._run_infos(s, list(rows))

    def record_calls(
        self,
        calls: list[CallStats],
        *,
        run_id: RunId | None = None,
        proposal_id: ProposalId | None = None,
    ) -> None:
        if not calls:
            return
        with self._tx() as s:
            self._add_calls(s, calls, run_id=run_id, proposal_id=proposal_id)

    def call_stats(
        self, *, run_id: RunId | None = None, proposal_id: ProposalId | None = None
    ) -> list[CallStats]:
        """The recorded LLM calls of a run or a proposal, in order."""
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.LLMCall)
                .where(m.LLMCall.run_id == run_id, m.LLMCall.proposal_id == proposal_id)
                .order_by(m.LLMCall.id)
            ).all()
            return [convert.call(r) for r in rows]

    def _add_calls(
        self,
        s: Session,
        calls: list[CallStats],
        *,
        run_id: int | None = None,
        proposal_id: int | None = None,
    ) -> None:
        now = self.now()
        for c in calls:
            s.add(
                m.LLMCall(
                    run_id=run_id,
                    proposal_id=proposal_id,
                    model=c.model,
                    purpose=c.purpose,
                    input_tokens=c.input_tokens,
                    output_tokens=c.output_tokens,
                    latency_ms=c.latency_ms,
                    prompt_chars=c.prompt_chars,
                    attempts=c.attempts,
                    created_at=now,
                )
            )

    def _update_run(self, run_id: int, **values: Any) -> RunInfo:
        with self._tx() as s:
            row = s.get(m.Run, run_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no run with id {run_id}")
            for key, value in values.items():
                setattr(row, key, value)
            s.flush()
            return self._run_infos(s, [row])[0]

    def _run_infos(self, s: Session, rows: list[m.Run]) -> list[RunInfo]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        numbers = version_numbers(s, {r.version_id for r in rows})
        fb = m.Feedback
        # EXISTS per run, not a row per critique: a run that drew 30,000 replies took 30 ms to
        # look up at every reply, found by the ack benchmark's worker.
        critical = set(
            s.scalars(
                select(m.Run.id).where(
                    m.Run.id.in_(ids),
                    exists().where(
                        fb.run_id == m.Run.id,
                        fb.retracted_at.is_(None),
                        (fb.kind.in_(CRITICAL_KINDS)) | (fb.label == Label.BAD.value),
                    ),
                )
            ).all()
        )
        return [convert.run(r, numbers[r.version_id], critiqued=r.id in critical) for r in rows]


def _status(value: str) -> RunStatus:
    try:
        return RunStatus(value)
    except ValueError:
        raise InvalidInput(
            f"run status must be one of {', '.join(s.value for s in RunStatus)}, not {value!r}"
        ) from None
