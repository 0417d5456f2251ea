"""`/align …`: quick subcommands answer in the ack; runs and proposals go through the inbox.

Reads and small writes (a new template, a setting, a rollback) are one database transaction, done
before the ack, so the answer is the result. Runs are validated and recorded before the ack, and
the model work happens after it, from the inbox; bare forms open a modal.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.background.jobs import ExportJob, JudgeJob, ProposeJob, RunJob
from bot.services import USER_ERRORS, Actor, Services, user_message
from bot.slack import commands as c
from bot.slack.commands.api_commands import API_COMMANDS, ApiCommand
from bot.slack.commands.slash import parse_command
from bot.slack.listeners.api_commands import answer_api
from bot.slack.listeners.common import actor_of, fail_fast
from bot.slack.listeners.deps import Deps
from bot.slack.views import modals
from bot.slack.views.export import export_fits_inline, export_message, export_upload_notice
from bot.slack.views.help import help_message
from bot.slack.views.history import diff_message, history_message
from bot.slack.views.notices import error_message, notice_message
from bot.slack.views.proposal import drafting_elsewhere_message
from bot.slack.views.rollback import rollback_preview_message
from bot.slack.views.templates import (
    list_message,
    principles_message,
    settings_message,
    show_message,
)

Message = dict[str, Any]


def register(app: App, deps: Deps) -> None:
    @app.command("/align")
    def on_align(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor = actor_of(context)
        try:
            cmd = parse_command(body.get("text") or "")
        except c.CommandError as exc:
            ack(**error_message(str(exc)))
            return
        try:
            reply = handle(deps, actor, cmd, body, fail_fast(client))
        except USER_ERRORS as exc:
            ack(**error_message(user_message(exc)))
            return
        if reply is None:
            ack()
        else:
            ack(**reply)


def handle(
    deps: Deps, actor: Actor, cmd: c.Command | ApiCommand, body: dict[str, Any], client: WebClient
) -> Message | None:
    """What to answer in the ack (None: nothing, the work shows up in the channel)."""
    services: Services = deps.services
    if isinstance(cmd, c.Run):
        run = services.runs.start(actor, cmd)
        deps.inbox.put(
            RunJob(actor=actor, run_id=run.id, post_channel=cmd_channel(cmd, actor)),
            key=f"run:{run.id}",
        )
        return None
    if isinstance(cmd, c.Propose):
        home = services.templates.get(actor, cmd.name).channel_id  # unknown: refused at once
        deps.inbox.put(
            ProposeJob(actor=actor, name=cmd.name),
            key=f"command:{body.get('trigger_id') or body.get('response_url')}",
        )
        if home and home != actor.channel_id:  # the "Drafting…" note is not where they are
            return drafting_elsewhere_message(cmd.name, home)
        return None  # the channel shows "Drafting…" at once; the proposal replaces it
    if isinstance(cmd, c.JudgeReport):
        labelled = services.judge.check(actor, cmd.name)  # an unknown name is refused at once
        deps.inbox.put(
            JudgeJob(actor=actor, name=cmd.name),
            key=f"command:{body.get('trigger_id') or body.get('response_url')}",
        )
        return notice_message(
            f"Building the judge for `{cmd.name}` from {labelled} labelled run(s)…",
            emoji=":hourglass:",
        )
    if isinstance(cmd, c.Export):
        content = services.transfer.export_text(actor, cmd.name)
        if export_fits_inline(content):
            return export_message(cmd.name, content)
        deps.inbox.put(  # a file upload is several Web API calls: after the ack
            ExportJob(actor=actor, name=cmd.name),
            key=f"command:{body.get('trigger_id') or body.get('response_url')}",
        )
        return export_upload_notice(cmd.name)
    view = modal_for(services, actor, cmd)
    if view is not None:
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            error = exc.response.get("error", "unknown error")
            return error_message(f"I could not open the form (Slack said `{error}`); try again.")
        return None
    return answer(services, actor, cmd)


def cmd_channel(cmd: c.Run, actor: Actor) -> str | None:
    return getattr(cmd, "channel_id", None) or actor.channel_id


def modal_for(
    services: Services, actor: Actor, cmd: c.Command | ApiCommand
) -> dict[str, Any] | None:
    if isinstance(cmd, c.OpenNewTemplateModal):
        return modals.new_template_modal(channel_id=actor.channel_id)
    if isinstance(cmd, c.OpenRunModal):
        info = services.templates.get(actor, cmd.name)
        variables = services.templates.variables(actor, cmd.name)
        return modals.run_modal(
            info.name, info.active_version.number, variables, channel_id=actor.channel_id
        )
    if isinstance(cmd, c.OpenImportModal):
        return modals.import_modal(channel_id=actor.channel_id, name=cmd.name)
    if isinstance(cmd, c.OpenPrincipleModal):
        services.templates.get(actor, cmd.name)
        return modals.principle_modal(cmd.name)
    return None


def answer(services: Services, actor: Actor, cmd: c.Command | ApiCommand) -> Message:
    t = services.templates
    if isinstance(cmd, c.Help):
        return help_message(cmd.topic)
    if isinstance(cmd, c.NewTemplate):
        detail = t.new(actor, cmd)
        return _public(show_message(detail))
    if isinstance(cmd, c.ListTemplates):
        return list_message(t.list(actor))
    if isinstance(cmd, c.Show):
        return show_message(t.show(actor, cmd))
    if isinstance(cmd, c.Principles):
        return principles_message(cmd.name, t.principles_of(actor, cmd.name))
    if isinstance(cmd, c.AddPrinciple):
        row = t.add_principle(actor, cmd)
        return _public(notice_message(f"New principle for `{cmd.name}`: {row.text}"))
    if isinstance(cmd, c.SetMode):
        return _public(settings_message(cmd.name, t.set_mode(actor, cmd), changed=("mode",)))
    if isinstance(cmd, c.History):
        rejected = t.rejected_proposals(actor, cmd.name)
        return history_message(cmd.name, t.history(actor, cmd.name), rejected)
    if isinstance(cmd, c.Diff):
        return diff_message(cmd.name, *t.diff_versions(actor, cmd))
    if isinstance(cmd, c.Rollback):  # asks first: it changes the text and the principles
        return rollback_preview_message(t.rollback_preview(actor, cmd))
    if isinstance(cmd, API_COMMANDS):
        return answer_api(services, actor, cmd)
    if isinstance(cmd, c.Settings):
        changed = cmd.changed
        view = t.settings(actor, cmd)
        message = settings_message(cmd.name, view, changed=changed)
        return _public(message) if changed else message
    return error_message("That command is not available here.")


def _public(message: Message) -> Message:
    """Changes the team should see are answered in the channel, not just to the person."""
    return {**message, "response_type": "in_channel"}
