"""A template's whole history as one JSON document: out of a workspace, and into one.

An import under a name the workspace already has is never silent: the caller chooses another
name or asks for the imported text to become the next version of the existing template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.services.context import Actor, ServiceError
from bot.services.templates import TemplateService


@dataclass(frozen=True)
class Imported:
    name: str
    version: int  # the version now active
    on_top: bool  # True: a new version of an existing template; False: a new template


class NameTaken(ServiceError):
    """The workspace has a template of that name already; the message says how to go on."""


class TransferService:
    def __init__(self, store: Any, templates: TemplateService) -> None:
        self.store = store
        self.templates = templates

    def export(self, actor: Actor, name: str) -> dict[str, Any]:
        return self.store.export_template(self.templates.get(actor, name).id)

    def export_text(self, actor: Actor, name: str) -> str:
        return json.dumps(self.export(actor, name), indent=2, default=str)

    def import_document(
        self, actor: Actor, data: Any, *, name: str | None = None, on_top: bool = False
    ) -> Imported:
        if not isinstance(data, dict) or not isinstance(data.get("template"), dict):
            raise ServiceError("That is not an alignbot template export (no `template` in it).")
        wanted = name or str(data["template"].get("name") or "")
        existing = self.store.get_template(actor.team_id, wanted) if wanted else None
        if existing is not None and on_top:
            version = self.store.import_on_top(existing.id, data, author=actor.user_id)
            return Imported(existing.name, version.number, on_top=True)
        if existing is not None:
            raise NameTaken(
                f"This workspace already has a template named `{wanted}`. Import it under "
                "another name, or add its active version as the next version of "
                f"`{wanted}`."
            )
        info = self.store.import_template(
            actor.team_id, data, name=name, channel_id=actor.channel_id
        )
        return Imported(info.name, info.active_version.number, on_top=False)
