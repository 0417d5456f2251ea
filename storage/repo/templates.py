"""Templates and their immutable, numbered versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alignment.settings import SettingsChange, TemplateSettings
from alignment.template import Template, TemplateError
from alignment.values import ModelName, TemplateName, WorkflowName, model_name
from alignment.vocabulary import VersionSource, Workflow
from storage import models as m
from storage.arguments import ChannelId, TeamId, TemplateId, UserId, VersionNo
from storage.errors import AlreadyExists, InvalidInput, NotFound
from storage.records import TemplateInfo, VersionInfo
from storage.repo import convert
from storage.repo.base import StoreBase, require_text

MAX_TEMPLATE_CHARS = 50_000


def check_template_text(text: str, what: str = "the template text") -> str:
    """Non-empty, within the size limit, and valid `{{name}}` syntax (alignment's Template)."""
    require_text(text, what, limit=MAX_TEMPLATE_CHARS)
    try:
        Template(text)
    except TemplateError as exc:
        raise InvalidInput(f"{what} is not a valid template: {exc}") from None
    return text


def check_target_model(model: str | None) -> str | None:
    """None or empty (use the default), else a model name (alignment.values.ModelName)."""
    if model is None or (isinstance(model, str) and not model.strip()):
        return None
    return model_name(model)


class TemplatesRepo(StoreBase):
    # -- templates -----------------------------------------------------------------------------

    def create_template(
        self,
        team_id: TeamId,
        name: TemplateName,
        text: str,
        *,
        channel_id: ChannelId | None,
        author: UserId,
        workflow: WorkflowName = Workflow.PRINCIPLES,
        target_model: ModelName | None = None,
        settings: TemplateSettings | None = None,
    ) -> TemplateInfo:
        """A new template with version 1 (source manual). Names are unique per team."""
        check_template_text(text)
        now = self.now()
        with self._tx() as s:
            values = dict(
                team_id=team_id,
                name=name,
                channel_id=channel_id,
                workflow=workflow.value,
                target_model=target_model or None,
                settings=(settings or TemplateSettings()).to_json(),
                active_version_number=1,
                created_by=author,
                created_at=now,
                updated_at=now,
            )
            if not self._insert_if_new(s, m.Template, values):
                raise AlreadyExists(
                    f"a template named {name!r} already exists in this workspace; "
                    "pick another name or update it with a new version"
                )
            row = s.scalars(
                select(m.Template).where(m.Template.team_id == team_id, m.Template.name == name)
            ).one()
            s.add(
                m.Version(
                    template_id=row.id,
                    number=1,
                    text=text,
                    author=author,
                    source=VersionSource.MANUAL.value,
                    note="created",
                    created_at=now,
                )
            )
            s.flush()
            return self._template_info(s, row)

    def get_template(self, team_id: TeamId, name: str) -> TemplateInfo | None:
        with self._tx(write=False) as s:
            row = s.scalars(
                select(m.Template).where(m.Template.team_id == team_id, m.Template.name == name)
            ).one_or_none()
            return None if row is None else self._template_info(s, row)

    def get_template_by_id(self, template_id: TemplateId) -> TemplateInfo:
        with self._tx(write=False) as s:
            return self._template_info(s, self._template_row(s, template_id))

    def list_templates(self, team_id: TeamId) -> list[TemplateInfo]:
        with self._tx(write=False) as s:
            rows = s.scalars(
                select(m.Template).where(m.Template.team_id == team_id).order_by(m.Template.name)
            ).all()
            return [self._template_info(s, r) for r in rows]

    def all_templates(self) -> list[TemplateInfo]:
        """Every workspace's templates: the scheduler serves all of them."""
        with self._tx(write=False) as s:
            rows = s.scalars(select(m.Template).order_by(m.Template.id)).all()
            return [self._template_info(s, r) for r in rows]

    def update_settings(self, template_id: TemplateId, change: SettingsChange) -> TemplateInfo:
        """Apply a parsed change in one transaction: the template's mode, model and channel and
        its settings. Settings that cannot work together (more approvals than approvers) raise
        InvalidInput and change nothing."""
        with self._tx() as s:
            row = self._template_row(s, template_id, lock=True)
            settings = TemplateSettings.from_json(row.settings).changed_by(change)
            given = change.model_fields_set
            if "workflow" in given and change.workflow is not None:
                row.workflow = change.workflow.value
            if "target_model" in given:
                row.target_model = change.target_model
            if "channel_id" in given:
                row.channel_id = change.channel_id
            row.settings = settings.to_json()
            row.updated_at = self.now()
            s.flush()
            return self._template_info(s, row)

    def set_workflow(self, template_id: TemplateId, mode: WorkflowName) -> TemplateInfo:
        return self._set_field(template_id, workflow=mode.value)

    def set_target_model(self, template_id: TemplateId, model: ModelName | None) -> TemplateInfo:
        return self._set_field(template_id, target_model=model)

    def _set_field(self, template_id: int, **values: Any) -> TemplateInfo:
        with self._tx() as s:
            row = self._template_row(s, template_id, lock=True)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = self.now()
            s.flush()
            return self._template_info(s, row)

    # -- versions ------------------------------------------------------------------------------

    def get_version(self, template_id: TemplateId, number: VersionNo) -> VersionInfo | None:
        with self._tx(write=False) as s:
            row = s.scalars(
                select(m.Version).where(
                    m.Version.template_id == template_id, m.Version.number == number
                )
            ).one_or_none()
            return None if row is None else self._version_infos(s, [row])[0]

    def list_versions(self, template_id: TemplateId) -> list[VersionInfo]:
        with self._tx(write=False) as s:
            self._template_row(s, template_id)
            rows = s.scalars(
                select(m.Version)
                .where(m.Version.template_id == template_id)
                .order_by(m.Version.number)
            ).all()
            return self._version_infos(s, list(rows))

    def add_version(
        self, template_id: TemplateId, text: str, *, author: UserId, note: str = ""
    ) -> VersionInfo:
        """A manual edit: the new text becomes the next, active version."""
        check_template_text(text)
        with self._tx() as s:
            row = self._append_version(s, template_id, text, author, VersionSource.MANUAL, note)
            return self._version_infos(s, [row])[0]

    def rollback(self, template_id: TemplateId, number: VersionNo, author: UserId) -> VersionInfo:
        """A new version copying version `number` (history is never rewritten)."""
        with self._tx() as s:
            old = self._version_row(s, template_id, number)
            template = self._template_row(s, template_id)
            if number == template.active_version_number:
                raise InvalidInput(f"v{number} is already the active version")
            row = self._append_version(
                s, template_id, old.text, author, VersionSource.ROLLBACK, f"rollback to v{number}"
            )
            return self._version_infos(s, [row])[0]

    # -- helpers -------------------------------------------------------------------------------

    def _append_version(
        self,
        s: Session,
        template_id: int,
        text: str,
        author: str,
        source: VersionSource,
        note: str = "",
        *,
        expected_number: int | None = None,
    ) -> m.Version:
        """Take the next number atomically; with `expected_number`, only if it is still active.

        Raises NotFound for a missing template; returns the new row. The compare-and-set form
        raises _StaleBase so a caller can report a superseded proposal.
        """
        stmt = update(m.Template).where(m.Template.id == template_id)
        if expected_number is not None:
            stmt = stmt.where(m.Template.active_version_number == expected_number)
        stmt = stmt.values(
            active_version_number=m.Template.active_version_number + 1, updated_at=self.now()
        ).returning(m.Template.active_version_number)
        number = s.execute(stmt).scalar()
        if number is None:
            if expected_number is not None and s.get(m.Template, template_id) is not None:
                raise StaleBase(template_id)
            raise NotFound(f"no template with id {template_id}")
        row = m.Version(
            template_id=template_id,
            number=number,
            text=text,
            author=author,
            source=source.value,
            note=note,
            created_at=self.now(),
        )
        s.add(row)
        s.flush()
        return row

    def _version_infos(self, s: Session, rows: list[m.Version]) -> list[VersionInfo]:
        ids = [r.id for r in rows]
        by_version = dict(
            s.execute(
                select(m.Proposal.result_version_id, m.Proposal.id).where(
                    m.Proposal.result_version_id.in_(ids)
                )
            ).all()
        )
        return [convert.version(r, by_version.get(r.id)) for r in rows]

    def _template_info(self, s: Session, row: m.Template) -> TemplateInfo:
        active = self._version_row(s, row.id, row.active_version_number)
        return convert.template(row, self._version_infos(s, [active])[0])


class StaleBase(Exception):
    """Internal: the compare-and-set lost, the base version is no longer active."""
