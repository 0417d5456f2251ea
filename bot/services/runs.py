"""Runs: validated and recorded at once, executed later by the worker (the model may be slow)."""

from __future__ import annotations

from alignment import ModelError, Template, TemplateError, inputs_from_text, run_template
from alignment.vocabulary import RunStatus
from bot.services import convert
from bot.services.context import Actor, ServiceError, not_in_workspace
from bot.services.models import Models
from bot.services.templates import TemplateService
from bot.slack import commands as c
from bot.slack.views import models as vm
from storage import Store
from storage.api_records import ApiRunResult
from storage.records import RunInfo


def origin_text(origin: ApiRunResult | None) -> str | None:
    """Where a run logged by an application came from, in words for its Slack message."""
    if origin is None:
        return None
    parts = [f"Logged by an application (token {origin.token_name})"]
    if origin.trace_id:
        parts.append(f"trace {origin.trace_id}")
    if origin.end_user_id:
        parts.append(f"end user {origin.end_user_id}")
    return " · ".join(parts)


class RunService:
    def __init__(self, store: Store, templates: TemplateService, models: Models) -> None:
        self.store = store
        self.templates = templates
        self.models = models

    def start(self, actor: Actor, cmd: c.Run) -> RunInfo:
        """Check the inputs and record a pending run; a bad input changes nothing."""
        info = self.templates.get(actor, cmd.name)
        template = Template(info.active_version.text)
        inputs = dict(cmd.inputs)
        if cmd.text is not None and cmd.text.strip():
            if inputs:
                raise ServiceError(
                    "Give the inputs either as name=value pairs or as text, not both."
                )
            inputs = inputs_from_text(template, cmd.text)
        unknown = sorted(set(inputs) - set(template.variables))
        if unknown:
            known = ", ".join(template.variables) or "none"
            raise ServiceError(
                f"`{info.name}` has no variable {', '.join(unknown)} (its variables: {known})."
            )
        template.render(inputs)  # MissingVariableError names what is missing
        return self.store.record_run(
            info.id, info.active_version.id, inputs, requested_by=actor.user_id
        )

    def again(self, actor: Actor, run_id: str) -> RunInfo:
        """The same inputs on the template's active version (a run of this workspace only)."""
        old = self.checked(actor, run_id)
        info = self.store.get_template_by_id(old.template_id)
        needs = Template(info.active_version.text).variables
        if missing := [v for v in needs if v not in old.inputs]:
            number = info.active_version.number
            raise ServiceError(_inputs_do_not_fit(info.name, number, old, missing))
        return self.store.record_run(
            info.id, info.active_version.id, dict(old.inputs), requested_by=actor.user_id
        )

    def channel_for(self, run: RunInfo, actor: Actor, requested: str | None = None) -> str:
        info = self.store.get_template_by_id(run.template_id)
        channel = requested or actor.channel_id or info.channel_id
        if not channel:
            raise ServiceError("I don't know which channel to post this run in.")
        return channel

    def execute(self, run_id: int) -> vm.RunView:
        """Run the model; a failure (timeout included) is recorded on the run, not raised."""
        run = self._run(run_id)
        info = self.store.get_template_by_id(run.template_id)
        if run.status in (RunStatus.DONE, RunStatus.FAILED):
            return convert.run_view(run, info.name)  # processed before a crash: do not redo
        self.store.start_run(run.id)
        version = self.store.get_version(info.id, run.version_number)
        if version is None:  # versions are never deleted: a run's version is always there
            raise ServiceError(f"Version {run.version_number} of {info.name} is missing.")
        try:
            name, model = self.models.target(info.target_model)
            result = run_template(Template(version.text), run.inputs, model)
        except ModelError as exc:
            spent = [exc.stats] if exc.stats is not None else []  # a timeout costs time too
            done = self.store.fail_run(run.id, f"the target model failed: {exc}", calls=spent)
            return convert.run_view(done, info.name)
        except TemplateError as exc:  # e.g. inputs that no longer fit the version
            done = self.store.fail_run(run.id, f"the template could not be filled in: {exc}")
            return convert.run_view(done, info.name)
        stats = result.stats
        done = self.store.complete_run(
            run.id,
            result.output,
            stats.model or name,
            stats.input_tokens,
            stats.output_tokens,
            stats.latency_ms,
        )
        return convert.run_view(done, info.name)

    def fail(self, run_id: int, reason: str) -> vm.RunView:
        """Mark a run failed (whatever went wrong), so its message never stays on "Running…"."""
        run = self._run(run_id)
        info = self.store.get_template_by_id(run.template_id)
        if str(run.status.value) in ("done", "failed"):
            return convert.run_view(run, info.name)
        return convert.run_view(self.store.fail_run(run.id, reason), info.name)

    def attach_message(self, run_id: int, channel_id: str, ts: str) -> None:
        self.store.set_run_message(run_id, channel_id, ts)

    def get(self, run_id: int | str) -> RunInfo:
        return self._run(run_id)

    def is_run_message(self, channel_id: str, ts: str) -> bool:
        """Whether the message at `ts` is a run's (replies there are feedback)."""
        return self.store.find_run_by_message(channel_id, ts) is not None

    def view(self, run_id: int | str) -> vm.RunView:
        """For the worker, whose rows carry ids already checked; a request uses `view_for`."""
        run = self._run(run_id)
        name = self.store.get_template_by_id(run.template_id).name
        return convert.run_view(run, name, origin_text(self.store.api_run_origin(run.id)))

    def view_for(self, actor: Actor, run_id: int | str) -> vm.RunView:
        run = self.checked(actor, run_id)
        return convert.run_view(run, self.store.get_template_by_id(run.template_id).name)

    def checked(self, actor: Actor, run_id: int | str) -> RunInfo:
        return run_in_workspace(self.store, actor, run_id)

    def _run(self, run_id: int | str) -> RunInfo:
        number = run_number(run_id)
        run = self.store.get_run(number)
        if run is None:
            raise ServiceError(f"There is no run #{number}.")
        return run


def _inputs_do_not_fit(name: str, version: int, old: RunInfo, missing: list[str]) -> str:
    had = ", ".join(f"`{k}`" for k in old.inputs) or "no inputs"
    needs = ", ".join(f"{{{{{v}}}}}" for v in missing)
    example = " ".join(f"{v}=…" for v in missing)
    return (
        f"Run #{old.id} cannot run again: v{version} of `{name}` needs {needs}, and that run "
        f"had {had}. Start a new run with `/align run {name} {example}`."
    )


def run_in_workspace(store: Store, actor: Actor, run_id: int | str) -> RunInfo:
    """The run with an id taken from a payload, if it is of the asker's workspace."""
    number = run_number(run_id)
    run = store.get_run(number, team_id=actor.team_id)
    if run is None:
        foreign = store.get_run(number) is not None
        raise not_in_workspace(actor, "run", number, foreign=foreign)
    return run


def run_number(run_id: int | str) -> int:
    try:
        return int(str(run_id).strip())
    except ValueError:
        raise ServiceError(f"`{str(run_id)[:40]}` is not a run id.") from None
