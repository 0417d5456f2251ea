"""Templates and their history: create, list, show, principles, mode, settings, rollback."""

from __future__ import annotations

import dataclasses
import difflib

from alignment.template import Template
from alignment.textdiff import unified_diff
from bot.services import convert
from bot.services.announce import Announcer
from bot.services.context import Actor, ServiceError
from bot.slack import commands as c
from bot.slack.views import models as vm
from storage import Store
from storage.records import PrincipleRestore, TemplateInfo


def _did_you_mean(name: str, known: list[str]) -> str:
    """A close name first (a typo is the usual reason), else the names there are."""
    close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
    if close:
        return f" Did you mean `{close[0]}`?"
    if not known:
        return " There are none yet: create one with `/align new NAME TEMPLATE`."
    shown = ", ".join(f"`{k}`" for k in sorted(known)[:20])
    return f" Templates here: {shown}."


class TemplateService:
    def __init__(
        self,
        store: Store,
        default_target_model: str = "offline",
        announcer: Announcer | None = None,
    ) -> None:
        self.store = store
        self.default_target_model = default_target_model
        self.announcer = announcer  # webhooks of rollbacks

    def get(self, actor: Actor, name: str) -> TemplateInfo:
        info = self.store.get_template(actor.team_id, name)
        if info is None:
            known = [t.name for t in self.store.list_templates(actor.team_id)]
            raise ServiceError(f"There is no template named `{name}`.{_did_you_mean(name, known)}")
        return info

    def by_id(self, template_id: int) -> TemplateInfo:
        info = self.store.get_template_by_id(template_id)
        if info is None:
            raise ServiceError(f"There is no template #{template_id}.")
        return info

    def new(self, actor: Actor, cmd: c.NewTemplate) -> vm.TemplateDetail:
        Template(cmd.template)  # TemplateError names the bad placeholder and where it is
        info = self.store.create_template(
            actor.team_id,
            cmd.name,
            cmd.template,
            channel_id=cmd.channel_id or actor.channel_id,
            author=actor.user_id,
        )
        return self._detail(info, info.active_version.number)

    def list(self, actor: Actor) -> tuple[vm.TemplateSummary, ...]:
        return tuple(
            convert.summary(t, self.store, self.default_target_model)
            for t in self.store.list_templates(actor.team_id)
        )

    def show(self, actor: Actor, cmd: c.Show) -> vm.TemplateDetail:
        info = self.get(actor, cmd.name)
        return self._detail(info, cmd.version or info.active_version.number)

    def variables(self, actor: Actor, name: str) -> tuple[str, ...]:
        return Template(self.get(actor, name).active_version.text).variables

    def _detail(self, info: TemplateInfo, number: int) -> vm.TemplateDetail:
        version = self.store.get_version(info.id, number)
        if version is None:
            raise ServiceError(
                f"`{info.name}` has no version v{number}; the active one is "
                f"v{info.active_version.number}."
            )
        return vm.TemplateDetail(
            name=info.name,
            version=version.number,
            text=version.text,
            variables=Template(version.text).variables,
            settings=convert.settings_view(info, self.default_target_model),
            principles=self.principles(info),
            active_version=info.active_version.number,
            author=version.author,
            source=version.source,
            created_at=version.created_at,
            labels=self._labels_at(info.id).get(version.number, ()),
        )

    def _labels_at(self, template_id: int) -> dict[int, tuple[str, ...]]:
        """Version number -> the labels pointing at it."""
        out: dict[int, tuple[str, ...]] = {}
        for label, number in self.store.labels_of(template_id).items():
            out[number] = (*out.get(number, ()), label)
        return out

    def principles(self, info: TemplateInfo) -> tuple[vm.PrincipleRow, ...]:
        return tuple(convert.principle_row(p) for p in self.store.all_principles(info.id))

    def principles_of(self, actor: Actor, name: str) -> tuple[vm.PrincipleRow, ...]:
        return self.principles(self.get(actor, name))

    def add_principle(self, actor: Actor, cmd: c.AddPrinciple) -> vm.PrincipleRow:
        info = self.get(actor, cmd.name)
        return convert.principle_row(
            self.store.add_manual_principle(info.id, cmd.text, actor.user_id)
        )

    def set_mode(self, actor: Actor, cmd: c.SetMode) -> vm.TemplateSettingsView:
        info = self.store.set_workflow(self.get(actor, cmd.name).id, cmd.mode)
        return convert.settings_view(info, self.default_target_model)

    def settings(self, actor: Actor, cmd: c.Settings) -> vm.TemplateSettingsView:
        """Show or change the settings: the whole change is applied in one step, or none of it."""
        info = self.get(actor, cmd.name)
        if cmd.has_changes:
            info = self.store.update_settings(info.id, cmd.change)
        pending = self.store.count_pending(info.id)
        return convert.settings_view(info, self.default_target_model, pending_feedback=pending)

    def history(self, actor: Actor, name: str) -> tuple[vm.VersionRow, ...]:
        info = self.get(actor, name)
        active = info.active_version.number
        labels = self._labels_at(info.id)
        return tuple(
            dataclasses.replace(convert.version_row(v, active), labels=labels.get(v.number, ()))
            for v in self.store.list_versions(info.id)
        )

    def rejected_proposals(self, actor: Actor, name: str) -> tuple[vm.RejectedProposalRow, ...]:
        info = self.get(actor, name)
        rows = []
        for p in self.store.list_proposals(info.id):
            if str(p.status.value) != "rejected":
                continue
            rejection = next(
                (d for d in self.store.decisions(p.id) if d.decision == "reject"), None
            )
            rows.append(
                vm.RejectedProposalRow(
                    proposal_id=str(p.id),
                    base_version=p.base_version_number,
                    rejected_by=rejection.user_id if rejection else None,
                    reason=rejection.reason if rejection else "",
                    decided_at=p.decided_at,
                )
            )
        return tuple(rows)

    def diff(self, actor: Actor, cmd: c.Diff) -> str:
        return self.diff_versions(actor, cmd)[2]

    def diff_versions(self, actor: Actor, cmd: c.Diff) -> tuple[int, int, str]:
        """(from, to, unified diff); without versions, the two newest."""
        info = self.get(actor, cmd.name)
        a, b = cmd.from_version, cmd.to_version
        if a is None or b is None:
            b = info.active_version.number
            if b < 2:
                raise ServiceError(
                    f"`{info.name}` has only v1, so there is nothing to compare yet."
                )
            a = b - 1
        texts = []
        for number in (a, b):
            version = self.store.get_version(info.id, number)
            if version is None:
                raise ServiceError(f"`{info.name}` has no version v{number}.")
            texts.append(version.text)
        return a, b, unified_diff(texts[0], texts[1], f"v{a}", f"v{b}")

    def rollback_preview(self, actor: Actor, cmd: c.Rollback) -> vm.RollbackView:
        """What the rollback would do (text and principles), to confirm; changes nothing."""
        info = self.get(actor, cmd.name)
        restore = self.store.rollback_preview(info.id, cmd.version)
        return _rollback_view(info.name, cmd.version, info.active_version.number + 1, restore)

    def rollback_and_report(self, actor: Actor, cmd: c.Rollback) -> vm.RollbackView:
        """Version `cmd.version`'s text as a new version, and its principles back in force."""
        info = self.get(actor, cmd.name)
        version, restore = self.store.rollback_with_principles(info.id, cmd.version, actor.user_id)
        if self.announcer is not None:
            self.announcer.rolled_back(info, version, cmd.version)
        return _rollback_view(info.name, cmd.version, version.number, restore, done=True)

    def rollback(self, actor: Actor, cmd: c.Rollback) -> vm.VersionRow:
        view = self.rollback_and_report(actor, cmd)
        info = self.get(actor, cmd.name)
        version = info.active_version
        return convert.version_row(version, version.number, rolled_back_to=view.to_version)


def _rollback_view(
    name: str, to_version: int, new_version: int, restore: PrincipleRestore, *, done: bool = False
) -> vm.RollbackView:
    return vm.RollbackView(
        name=name,
        to_version=to_version,
        new_version=new_version,
        retired=restore.retired,
        restored=restore.restored,
        reworded=restore.reworded,
        done=done,
    )
