"""Feedback on runs: idempotent on its source, retractable, pending until a proposal uses it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from alignment.feedback import Feedback, FeedbackKind, Label
from storage import models as m
from storage.arguments import (
    ChannelId,
    FeedbackId,
    Limit,
    MessageTs,
    RunId,
    SourceKey,
    TeamId,
    TemplateId,
    UserId,
)
from storage.errors import InvalidInput, NotFound
from storage.records import FeedbackInfo
from storage.repo import convert
from storage.repo.base import StoreBase, changed, team_templates

MAX_FEEDBACK_CHARS = 20_000


def check_feedback(kind: str, text: str, label: str | None) -> tuple[FeedbackKind, Label | None]:
    try:
        fkind = FeedbackKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in FeedbackKind)
        raise InvalidInput(f"feedback kind must be one of {kinds}, not {kind!r}") from None
    flabel = None
    if label is not None:
        try:
            flabel = Label(label)
        except ValueError:
            raise InvalidInput(f"label must be 'good' or 'bad', not {label!r}") from None
    if fkind is FeedbackKind.LABEL and flabel is None:
        raise InvalidInput("a label feedback needs label 'good' or 'bad'")
    if fkind is not FeedbackKind.LABEL and not (text or "").strip():
        raise InvalidInput(f"{fkind.value} feedback needs text")
    if len(text or "") > MAX_FEEDBACK_CHARS:
        raise InvalidInput(
            f"feedback is {len(text):,} characters; the limit is {MAX_FEEDBACK_CHARS:,}"
        )
    return fkind, flabel


class FeedbackRepo(StoreBase):
    def add_feedback(
        self,
        template_id: TemplateId,
        run_id: RunId | None,
        author: UserId,
        kind: str,
        text: str = "",
        label: str | None = None,
        *,
        source_key: SourceKey | None = None,
        channel_id: ChannelId | None = None,
        ts: MessageTs | None = None,
    ) -> tuple[FeedbackInfo, bool]:
        """Store feedback once per `source_key`; `created` is False when it was already there.

        Re-adding a retracted item with the same key (a reaction removed then added again)
        revives it and counts as created.
        """
        fkind, flabel = check_feedback(kind, text, label)
        with self._tx() as s:
            if run_id is not None:
                run = s.get(m.Run, run_id)
                if run is None or run.template_id != template_id:
                    raise NotFound(f"template {template_id} has no run with id {run_id}")
            elif s.get(m.Template, template_id) is None:
                raise NotFound(f"no template with id {template_id}")
            values = dict(
                template_id=template_id,
                run_id=run_id,
                author=author,
                kind=fkind.value,
                text=text or "",
                label=flabel.value if flabel else None,
                source_key=source_key,
                channel_id=channel_id,
                message_ts=ts,
                created_at=self.now(),
            )
            if source_key is None:
                row = m.Feedback(**values)
                s.add(row)
                s.flush()
                return convert.feedback(row), True
            # One statement that inserts unless the key is known, returning the new row.
            stmt = (
                self._insert(m.Feedback)
                .values(**values)
                # both dialects' Insert have it (see _insert); the generic type does not
                .on_conflict_do_nothing()  # type: ignore[attr-defined]
                .returning(*m.Feedback.__table__.c)
            )
            new = s.connection().execute(stmt).mappings().first()
            if new is not None:
                return convert.feedback(m.Feedback(**new)), True
            row = s.scalars(select(m.Feedback).where(m.Feedback.source_key == source_key)).one()
            if row.retracted_at is not None and row.consumed_by_proposal_id is None:
                row.retracted_at = None
                row.created_at = self.now()
                s.flush()
                return convert.feedback(row), True
            return convert.feedback(row), False

    def retract_feedback(self, source_key: SourceKey, *, team_id: TeamId | None = None) -> bool:
        """Mark the feedback with this key retracted; False if unknown or already retracted
        (or, with `team_id`, another workspace's)."""
        with self._tx() as s:
            stmt = update(m.Feedback).where(
                m.Feedback.source_key == source_key, m.Feedback.retracted_at.is_(None)
            )
            if team_id is not None:
                stmt = stmt.where(m.Feedback.template_id.in_(team_templates(team_id)))
            return changed(s.execute(stmt.values(retracted_at=self.now()))) == 1

    def edit_feedback(
        self, source_key: SourceKey, text: str, *, kind: str | None = None
    ) -> FeedbackInfo | None:
        """New text (and kind) for the feedback with this key, e.g. an edited thread reply.

        The same row is changed, so an edit never counts twice. None when the key is unknown.
        Feedback a proposal already consumed keeps the text that proposal used; retracted
        feedback stays retracted. Bad text raises InvalidInput and changes nothing.
        """
        with self._tx() as s:
            row = s.scalars(
                select(m.Feedback).where(m.Feedback.source_key == source_key).with_for_update()
            ).one_or_none()
            if row is None:
                return None
            fkind, _ = check_feedback(kind or row.kind, text, row.label)
            if row.consumed_by_proposal_id is None and row.retracted_at is None:
                row.kind = fkind.value
                row.text = text or ""
                s.flush()
            return convert.feedback(row)

    def set_feedback_message(
        self, feedback_id: FeedbackId, channel_id: ChannelId, ts: MessageTs
    ) -> FeedbackInfo:
        """Where the feedback shows in Slack (e.g. the bot's echo of a form's critique in the
        run's thread), so a proposal can link to it like to any reply."""
        with self._tx() as s:
            row = s.get(m.Feedback, feedback_id, with_for_update=True)
            if row is None:
                raise NotFound(f"no feedback with id {feedback_id}")
            row.channel_id, row.message_ts = channel_id, ts
            s.flush()
            return convert.feedback(row)

    def get_feedback(self, feedback_id: FeedbackId) -> FeedbackInfo | None:
        with self._tx(write=False) as s:
            row = s.get(m.Feedback, feedback_id)
            return None if row is None else convert.feedback(row)

    def count_pending(self, template_id: TemplateId) -> int:
        with self._tx(write=False) as s:
            count = s.scalar(
                select(func.count()).select_from(m.Feedback).where(*_pending(template_id))
            )
            return count or 0

    def pending_feedback(
        self, template_id: TemplateId, limit: Limit | None = None
    ) -> list[Feedback]:
        """Not retracted, not consumed; most agreed first, then most recent.

        `agreement` counts the other pending items on the same run with the same kind, label
        and text (e.g. several people's identical reaction).
        """
        if limit is not None and limit < 1:
            raise InvalidInput("limit must be at least 1")
        with self._tx(write=False) as s:
            return self._pending(s, template_id, limit)

    def _pending(self, s: Session, template_id: int, limit: int | None) -> list[Feedback]:
        fb = m.Feedback
        agreement = func.count().over(
            partition_by=(func.coalesce(fb.run_id, -fb.id), fb.kind, fb.label, fb.text)
        )
        # One pass over the template's pending rows (ix_feedback_pending), ranked in place;
        # only the rows kept are joined to their run.
        ranked = (
            select(
                fb.id, fb.kind, fb.author, fb.text, fb.label, fb.run_id, fb.created_at,
                agreement.label("agreement"),
            )
            .where(*_pending(template_id))
            .subquery("ranked")
        )  # fmt: skip
        stmt = (
            select(ranked, m.Run.output, m.Run.inputs)
            .outerjoin(m.Run, m.Run.id == ranked.c.run_id)
            .order_by(ranked.c.agreement.desc(), ranked.c.id.desc())
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        return [
            Feedback(
                id=str(row.id),
                kind=FeedbackKind(row.kind),
                author=row.author,
                text=row.text or "",
                label=Label(row.label) if row.label else None,
                run_id=str(row.run_id) if row.run_id is not None else None,
                output=row.output,
                inputs=dict(row.inputs or {}),
                agreement=int(row.agreement) - 1,
                created_at=row.created_at,
            )
            for row in s.execute(stmt).all()
        ]

    def labelled_runs(
        self, template_id: TemplateId, limit: Limit = 1000
    ) -> list[tuple[int, Label, dict[str, str], str]]:
        """The team's label of each run that has one: (run id, label, inputs, output), oldest
        run first. Every label counts, consumed by a proposal or not (it judges the output,
        not a template change); a run the team labelled both ways as often is left out."""
        fb = m.Feedback
        with self._tx(write=False) as s:
            counts = s.execute(
                select(fb.run_id, fb.label, func.count())
                .where(
                    fb.template_id == template_id,
                    fb.kind == FeedbackKind.LABEL.value,
                    fb.retracted_at.is_(None),
                    fb.run_id.is_not(None),
                )
                .group_by(fb.run_id, fb.label)
            ).all()
            votes: dict[int, dict[Label, int]] = {}
            for run_id, label, count in counts:
                if run_id is not None and label is not None:  # both filtered in the query
                    votes.setdefault(run_id, {})[Label(label)] = int(count)
            decided = {
                run_id: Label.GOOD if v.get(Label.GOOD, 0) > v.get(Label.BAD, 0) else Label.BAD
                for run_id, v in votes.items()
                if v.get(Label.GOOD, 0) != v.get(Label.BAD, 0)
            }
            chosen = sorted(decided)[-limit:]
            runs = s.scalars(
                select(m.Run).where(m.Run.id.in_(chosen), m.Run.output.is_not(None))
            ).all()
            by_id = {r.id: r for r in runs}
        out: list[tuple[int, Label, dict[str, str], str]] = []
        for run_id in chosen:
            if run_id in by_id:
                run = by_id[run_id]
                inputs = {str(k): str(v) for k, v in (run.inputs or {}).items()}
                out.append((run_id, decided[run_id], inputs, run.output or ""))
        return out


def _pending(template_id: int) -> tuple[ColumnElement[bool], ...]:
    fb = m.Feedback
    return (
        fb.template_id == template_id,
        fb.retracted_at.is_(None),
        fb.consumed_by_proposal_id.is_(None),
    )
