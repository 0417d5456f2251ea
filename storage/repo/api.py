"""The API for applications: version labels and runs logged by apps (tokens: repo/tokens.py).

`production` is never stored: it is the active version, moved only by approval and rollback.
A batch of logged runs is one transaction: every item is checked before anything is written,
so a bad item refuses the whole batch (no partial write).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alignment.feedback import FeedbackKind
from alignment.settings import TemplateSettings
from alignment.vocabulary import RunStatus
from storage import models as m
from storage.api_records import (
    PRODUCTION,
    ApiRunResult,
    LabelMove,
    NewApiRun,
    ResolvedTemplate,
    Review,
    TemplateLabels,
)
from storage.arguments import RunId, SourceKey, TeamId, TemplateId, UserId, VersionNo
from storage.errors import AlreadyExists, InvalidInput, NotFound
from storage.records import FeedbackInfo
from storage.repo import convert
from storage.repo.feedback import FeedbackRepo, check_feedback
from storage.repo.inbox import InboxRepo, RowJob
from storage.repo.runs import MAX_INPUT_CHARS, RunsRepo
from storage.repo.templates import TemplatesRepo
from storage.repo.tokens import TokensRepo

LABEL_RE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MAX_OUTPUT_CHARS = 100_000


def check_label(label: str) -> str:
    if not isinstance(label, str) or not LABEL_RE.match(label):
        raise InvalidInput(
            f"label {label!r} is not valid: use 1-40 lower-case letters, digits, '-' or '_', "
            "starting with a letter"
        )
    return label


class ApiRepo(TokensRepo, TemplatesRepo, RunsRepo, FeedbackRepo, InboxRepo):
    # -- labels --------------------------------------------------------------------------------

    def set_label(
        self, template_id: TemplateId, number: VersionNo, label: str, *, set_by: UserId
    ) -> LabelMove:
        check_label(label)
        if label == PRODUCTION:
            raise InvalidInput(
                "`production` follows the active version: it moves when the channel approves "
                "a proposal or rolls back, never by hand"
            )
        with self._tx() as s:
            self._template_row(s, template_id, lock=True)
            version = self._version_row(s, template_id, number)
            row = s.scalars(
                select(m.VersionLabel).where(
                    m.VersionLabel.template_id == template_id, m.VersionLabel.label == label
                )
            ).one_or_none()
            previous: int | None = None
            if row is None:
                s.add(
                    m.VersionLabel(
                        template_id=template_id,
                        label=label,
                        version_id=version.id,
                        set_by=set_by,
                        updated_at=self.now(),
                    )
                )
            else:
                was = s.get(m.Version, row.version_id)  # never None: the FK cascades
                previous = was.number if was is not None else None
                row.version_id, row.set_by, row.updated_at = version.id, set_by, self.now()
            s.flush()
            return LabelMove(template_id, label, self._version_infos(s, [version])[0], previous)

    def labels_of(self, template_id: TemplateId) -> dict[str, int]:
        """label -> version number, `production` first."""
        with self._tx(write=False) as s:
            template = self._template_row(s, template_id)
            return self._labels(s, [template])[template.id]

    def template_labels(self, team_id: TeamId) -> list[TemplateLabels]:
        with self._tx(write=False) as s:
            rows = list(
                s.scalars(
                    select(m.Template)
                    .where(m.Template.team_id == team_id)
                    .order_by(m.Template.name)
                ).all()
            )
            labels = self._labels(s, rows)
            return [TemplateLabels(r.name, labels[r.id]) for r in rows]

    def resolve_version(
        self,
        team_id: TeamId,
        name: str,
        *,
        label: str | None = None,
        number: VersionNo | None = None,
    ) -> ResolvedTemplate:
        """The version behind `label` (default production) or `number`, in this workspace only:
        another workspace's template is NotFound, exactly like a missing one."""
        with self._tx(write=False) as s:
            row = s.scalars(
                select(m.Template).where(m.Template.team_id == team_id, m.Template.name == name)
            ).one_or_none()
            if row is None:
                raise NotFound(f"no template named {name!r}")
            labels = self._labels(s, [row])[row.id]
            if number is None:
                wanted = label or PRODUCTION
                if wanted not in labels:
                    raise NotFound(f"template {name!r} has no label {wanted!r}")
                number = labels[wanted]
            version = self._version_row(s, row.id, number)
            vinfo = self._version_infos(s, [version])[0]
            active = (
                vinfo
                if number == row.active_version_number
                else self._version_infos(
                    s, [self._version_row(s, row.id, row.active_version_number)]
                )[0]
            )
            at = tuple(lb for lb, n in labels.items() if n == number)
            return ResolvedTemplate(convert.template(row, active), vinfo, at, version.created_at)

    @staticmethod
    def _labels(s: Session, rows: list[m.Template]) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {r.id: {PRODUCTION: r.active_version_number} for r in rows}
        if not rows:
            return out
        stmt = (
            select(m.VersionLabel.template_id, m.VersionLabel.label, m.Version.number)
            .join(m.Version, m.Version.id == m.VersionLabel.version_id)
            .where(m.VersionLabel.template_id.in_(list(out)))
            .order_by(m.VersionLabel.label)
        )
        for template_id, label, number in s.execute(stmt).all():
            out[template_id][label] = number
        return out

    # -- runs logged by applications -----------------------------------------------------------

    def log_api_runs(
        self,
        team_id: TeamId,
        token_name: str,
        items: Sequence[NewApiRun],
        *,
        draw: Callable[[], float],
        post_job: RowJob | None = None,
    ) -> list[ApiRunResult]:
        """Store a batch, all or nothing. A repeated idempotency key returns the run it made.

        Each new run is drawn for review by the template's `review_rate` and counted against
        its `review_cap_per_hour`; runs to post get an inbox row (`post_job`) in the same
        transaction, so an acknowledged run is never lost on its way to the channel."""
        for i, item in enumerate(items):
            _check_item(i, item)
        try:
            return self._log_api_runs(team_id, token_name, items, draw, post_job)
        except IntegrityError:
            # A concurrent request stored one of these keys first: now they are all seen.
            return self._log_api_runs(team_id, token_name, items, draw, post_job)

    def _log_api_runs(
        self,
        team_id: str,
        token_name: str,
        items: Sequence[NewApiRun],
        draw: Callable[[], float],
        post_job: RowJob | None,
    ) -> list[ApiRunResult]:
        with self._tx() as s:
            templates = self._templates_by_name(s, team_id, {i.template for i in items})
            keys = [i.idempotency_key for i in items if i.idempotency_key]
            seen = self._api_runs_by_key(s, team_id, keys)
            versions: dict[tuple[int, int], m.Version] = {}
            for index, item in enumerate(items):
                row = templates.get(item.template)
                if row is None:
                    raise NotFound(f"runs[{index}].template: no template named {item.template!r}")
                key = (row.id, item.version)
                if key not in versions:
                    try:
                        versions[key] = self._version_row(s, row.id, item.version)
                    except NotFound:
                        raise NotFound(
                            f"runs[{index}].version: {item.template!r} has no version "
                            f"v{item.version}"
                        ) from None
            posted_hour: dict[int, int] = {}
            rows: list[tuple[m.Run, m.ApiRun, bool]] = []  # in item order; bool: created
            new: list[tuple[m.Run, m.ApiRun]] = []
            for index, item in enumerate(items):
                old = seen.get(item.idempotency_key) if item.idempotency_key else None
                if old is not None:
                    run_row, api_row = old
                    if api_row.template_id != templates[item.template].id:
                        raise AlreadyExists(
                            f"runs[{index}].idempotency_key: {item.idempotency_key!r} was used "
                            "for a run of another template"
                        )
                    rows.append((run_row, api_row, False))
                    continue
                template = templates[item.template]
                version = versions[(template.id, item.version)]
                now = self.now()
                run_row = m.Run(
                    template_id=template.id,
                    version_id=version.id,
                    inputs=dict(item.inputs),
                    status=RunStatus.DONE.value,
                    requested_by=f"api:{token_name}",
                    output=item.output,
                    model=item.model,
                    latency_ms=item.latency_ms,
                    created_at=now,
                    completed_at=now,
                )
                api_row = m.ApiRun(
                    team_id=team_id,
                    template_id=template.id,
                    token_name=token_name,
                    idempotency_key=item.idempotency_key,
                    trace_id=item.trace_id,
                    end_user_id=item.end_user_id,
                    meta=dict(item.metadata or {}),
                    review=self._review(s, template, draw, posted_hour).value,
                    created_at=now,
                )
                if item.idempotency_key:
                    seen[item.idempotency_key] = (run_row, api_row)
                rows.append((run_row, api_row, True))
                new.append((run_row, api_row))
            s.add_all([run_row for run_row, _ in new])
            s.flush()  # one round for the ids of every new run
            for run_row, api_row in new:
                api_row.run_id = run_row.id
            s.add_all([api_row for _, api_row in new])
            s.flush()
            if post_job is not None:
                for run_row, api_row in new:
                    if api_row.review == Review.POST.value:
                        kind, payload, lane = post_job(run_row.id)
                        event_id = f"api-run:{run_row.id}"
                        self._inbox_put(s, event_id, team_id, kind, payload, lane=lane)
            names = {t.id: t.name for t in templates.values()}
            return self._api_results(s, rows, names)

    def api_run(self, team_id: TeamId, run_id: RunId) -> ApiRunResult | None:
        """A run logged by an app of this workspace (None for any other run)."""
        with self._tx(write=False) as s:
            api_row = s.get(m.ApiRun, run_id)
            if api_row is None or api_row.team_id != team_id:
                return None
            run_row = s.get(m.Run, run_id)
            assert run_row is not None
            return self._api_result(s, run_row, api_row, created=False)

    def add_app_feedback(
        self,
        team_id: TeamId,
        run_id: RunId,
        *,
        author: UserId,
        label: str | None,
        comment: str | None,
        source_key: SourceKey | None,
    ) -> tuple[list[FeedbackInfo], bool]:
        """End users' rating (a label) and comment (a critique) of a run an app logged, stored
        together or not at all. `source_key` makes a retry a no-op (created False)."""
        items: list[tuple[str, str, str | None]] = []
        if label is not None:
            check_feedback(FeedbackKind.LABEL.value, "", label)
            items.append((FeedbackKind.LABEL.value, "", label))
        if comment is not None and comment.strip():
            check_feedback(FeedbackKind.CRITIQUE.value, comment, None)
            items.append((FeedbackKind.CRITIQUE.value, comment, None))
        if not items:
            raise InvalidInput("feedback needs a rating, a comment, or both")
        with self._tx() as s:
            api_row = s.get(m.ApiRun, run_id)
            if api_row is None or api_row.team_id != team_id:
                raise NotFound(f"no run {run_id} was logged by this workspace's applications")
            keys = [f"{source_key}:{kind}" if source_key else None for kind, _, _ in items]
            if source_key:
                known = s.scalars(select(m.Feedback).where(m.Feedback.source_key.in_(keys))).all()
                if known:
                    return [convert.feedback(r) for r in known], False
            rows = [
                m.Feedback(
                    template_id=api_row.template_id,
                    run_id=run_id,
                    author=author,
                    kind=kind,
                    text=text,
                    label=lb,
                    source_key=key,
                    created_at=self.now(),
                )
                for (kind, text, lb), key in zip(items, keys, strict=True)
            ]
            s.add_all(rows)
            s.flush()
            return [convert.feedback(r) for r in rows], True

    def api_run_origin(self, run_id: RunId) -> ApiRunResult | None:
        """Where a run came from, when an application logged it (for its Slack message)."""
        with self._tx(write=False) as s:
            api_row = s.get(m.ApiRun, run_id)
            run_row = s.get(m.Run, run_id)
            if api_row is None or run_row is None:
                return None
            return self._api_result(s, run_row, api_row, created=False)

    def _review(
        self,
        s: Session,
        template: m.Template,
        draw: Callable[[], float],
        posted_hour: dict[int, int],
    ) -> Review:
        settings = TemplateSettings.from_json(template.settings)
        if settings.review_rate <= 0:
            return Review.OFF
        if settings.review_rate < 1 and draw() >= settings.review_rate:
            return Review.SAMPLED_OUT
        if template.id not in posted_hour:
            since = self.now() - timedelta(hours=1)
            posted_hour[template.id] = (
                s.scalar(
                    select(func.count())
                    .select_from(m.ApiRun)
                    .where(
                        m.ApiRun.template_id == template.id,
                        m.ApiRun.review == Review.POST.value,
                        m.ApiRun.created_at >= since,
                    )
                )
                or 0
            )
        if posted_hour[template.id] >= settings.review_cap_per_hour:
            return Review.CAPPED
        posted_hour[template.id] += 1
        return Review.POST

    @staticmethod
    def _templates_by_name(s: Session, team_id: str, names: set[str]) -> dict[str, m.Template]:
        rows = s.scalars(
            select(m.Template)
            .where(m.Template.team_id == team_id, m.Template.name.in_(sorted(names)))
            .order_by(m.Template.id)
            .with_for_update()  # the hourly cap is counted under this lock
        ).all()
        return {r.name: r for r in rows}

    @staticmethod
    def _api_runs_by_key(
        s: Session, team_id: str, keys: list[str]
    ) -> dict[str, tuple[m.Run, m.ApiRun]]:
        if not keys:
            return {}
        stmt = (
            select(m.Run, m.ApiRun)
            .join(m.ApiRun, m.ApiRun.run_id == m.Run.id)
            .where(m.ApiRun.team_id == team_id, m.ApiRun.idempotency_key.in_(sorted(set(keys))))
        )
        found = s.execute(stmt).all()
        return {api.idempotency_key: (run, api) for run, api in found if api.idempotency_key}

    def _api_result(
        self, s: Session, run_row: m.Run, api_row: m.ApiRun, *, created: bool
    ) -> ApiRunResult:
        template = s.get(m.Template, run_row.template_id)
        assert template is not None
        return self._api_results(s, [(run_row, api_row, created)], {template.id: template.name})[0]

    def _api_results(
        self, s: Session, rows: list[tuple[m.Run, m.ApiRun, bool]], names: dict[int, str]
    ) -> list[ApiRunResult]:
        infos = self._run_infos(s, [run_row for run_row, _, _ in rows])  # one query for all
        return [
            ApiRunResult(
                run=info,
                template_name=names[run_row.template_id],
                review=Review(api_row.review),
                created=created,
                trace_id=api_row.trace_id,
                end_user_id=api_row.end_user_id,
                token_name=api_row.token_name,
            )
            for info, (run_row, api_row, created) in zip(infos, rows, strict=True)
        ]


def _check_item(index: int, item: NewApiRun) -> None:
    """Sizes the database would refuse with a driver error, refused first with the field."""
    where = f"runs[{index}]"
    if not isinstance(item.inputs, dict):
        raise InvalidInput(f"{where}.inputs must be an object of variable names to values")
    if sum(len(str(v)) for v in item.inputs.values()) > MAX_INPUT_CHARS:
        raise InvalidInput(f"{where}.inputs are longer than {MAX_INPUT_CHARS:,} characters")
    if len(item.output) > MAX_OUTPUT_CHARS:
        raise InvalidInput(f"{where}.output is longer than {MAX_OUTPUT_CHARS:,} characters")
