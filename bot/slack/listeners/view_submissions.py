"""Modal submissions: validated in the request (errors show next to the field), then either done
at once (a new template, a principle, a critique) or stored in the inbox (runs, decisions)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from alignment import FeedbackKind, TemplateError
from bot.background.jobs import DecideJob, EditProposalJob, NoticeJob, RunJob
from bot.background.processors import echo_feedback
from bot.services import USER_ERRORS, Actor, user_message
from bot.services.transfer import NameTaken
from bot.slack import commands as c
from bot.slack.commands.modals import parse_view_submission, read_metadata
from bot.slack.listeners.common import actor_of, fail_fast
from bot.slack.listeners.deps import Deps
from bot.slack.views import ids, modals
from bot.slack.views.text import sentence
from bot.slack.webapi.files import FileUnreadable, fetch_text
from storage.errors import AlreadyExists

# What a form refuses with a message in place (anything else is a bug, logged).
_REFUSED: tuple[type[Exception], ...] = (c.CommandError, TemplateError, *USER_ERRORS)

CALLBACKS = (
    ids.NEW_TEMPLATE_MODAL,
    ids.RUN_MODAL,
    ids.PRINCIPLE_MODAL,
    ids.CRITIQUE_MODAL,
    ids.REWRITE_MODAL,
    ids.REJECT_MODAL,
    ids.PROPOSAL_EDIT_MODAL,
    ids.IMPORT_MODAL,
    ids.IMPORT_NAME_MODAL,
)
# Which input an error belongs next to, per modal.
ERROR_BLOCK = {
    ids.NEW_TEMPLATE_MODAL: ids.TEMPLATE_BLOCK,
    ids.RUN_MODAL: ids.TEXT_BLOCK,
    ids.PRINCIPLE_MODAL: ids.TEXT_BLOCK,
    ids.CRITIQUE_MODAL: ids.TEXT_BLOCK,
    ids.REWRITE_MODAL: ids.TEXT_BLOCK,
    ids.REJECT_MODAL: ids.REASON_BLOCK,
    ids.PROPOSAL_EDIT_MODAL: ids.TEMPLATE_BLOCK,
    ids.IMPORT_MODAL: ids.FILE_BLOCK,
    ids.IMPORT_NAME_MODAL: ids.NAME_BLOCK,
}


def register(app: App, deps: Deps) -> None:
    for callback_id in CALLBACKS:
        app.view(callback_id)(_handler(deps))


def _submitter(context: BoltContext, view: dict[str, Any]) -> Actor:
    """A modal has no channel of its own: the one it was opened from is in its metadata."""
    try:
        channel = read_metadata(view.get("private_metadata")).channel
    except c.CommandError:  # damaged: the parser says so next to the field
        channel = None
    return actor_of(context, channel)


def _handler(deps: Deps):
    def on_submit(ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        callback = view.get("callback_id", "")
        actor = _submitter(context, view)
        try:
            cmd = parse_view_submission(
                callback, view.get("private_metadata"), view.get("state", {}).get("values", {})
            )
            if isinstance(cmd, c.ImportTemplate):
                next_view = import_file(deps, actor, cmd, view, fail_fast(client))
                if next_view is not None:
                    ack(response_action="update", view=next_view)
                    return
            else:
                handle(deps, actor, cmd, view)
        except c.ViewSubmissionError as exc:
            ack(response_action="errors", errors=exc.errors)
            return
        except AlreadyExists as exc:
            ack(response_action="errors", errors={ids.NAME_BLOCK: sentence(user_message(exc))})
            return
        except _REFUSED as exc:
            block = _first_input(view) or ERROR_BLOCK.get(callback, ids.TEXT_BLOCK)
            ack(response_action="errors", errors={block: sentence(user_message(exc))})
            return
        ack()

    return on_submit


def _first_input(view: dict[str, Any]) -> str | None:
    """Errors must name an input block of this view, or Slack rejects the whole answer."""
    inputs = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    callback = view.get("callback_id", "")
    preferred = ERROR_BLOCK.get(callback)
    if preferred in inputs:
        return preferred
    return inputs[0] if inputs else None


def handle(deps: Deps, actor: Actor, cmd: c.Command, view: dict[str, Any]) -> None:
    services = deps.services
    key = f"view:{view.get('id')}"
    if isinstance(cmd, c.NewTemplate):
        detail = services.templates.new(actor, cmd)
        where = replace(actor, channel_id=detail.settings.channel_id)
        variables = ", ".join(f"{{{{{v}}}}}" for v in detail.variables) or "none"
        _notice(deps, where, key, f"New template `{detail.name}` v1 (variables: {variables}).")
    elif isinstance(cmd, c.Run):
        run = services.runs.start(actor, cmd)
        deps.inbox.put(
            RunJob(actor=actor, run_id=run.id, post_channel=cmd.channel_id or actor.channel_id),
            key=f"run:{run.id}",
        )
    elif isinstance(cmd, c.AddPrinciple):
        row = services.templates.add_principle(actor, cmd)
        channel = services.templates.get(actor, cmd.name).channel_id
        where = replace(actor, channel_id=channel)
        _notice(deps, where, key, f"New principle for `{cmd.name}`: {row.text}")
    elif isinstance(cmd, c.Critique | c.SuggestRewrite):
        kind = FeedbackKind.CRITIQUE if isinstance(cmd, c.Critique) else FeedbackKind.REWRITE
        result = services.feedback.on_run(actor, cmd.run_id, kind, cmd.text, source_key=key)
        run = result.run
        if result.feedback_id is not None and run is not None and run.channel_id and run.message_ts:
            echo_feedback(deps, actor, result.feedback_id, run.channel_id, run.message_ts)
    elif isinstance(cmd, c.RejectProposal):
        p = services.proposals.checked(actor, cmd.proposal_id)
        deps.inbox.put(
            DecideJob(
                actor=actor,
                proposal_id=cmd.proposal_id,
                decision="reject",
                reason=cmd.reason,
                reply_channel=p.channel_id,
            ),
            key=key,
        )
    elif isinstance(cmd, c.EditProposal):
        p = services.proposals.check_edit(actor, cmd.proposal_id, cmd.template)
        deps.inbox.put(
            EditProposalJob(
                actor=actor,
                proposal_id=cmd.proposal_id,
                template=cmd.template,
                reply_channel=p.channel_id,
            ),
            key=key,
        )


def import_file(
    deps: Deps, actor: Actor, cmd: c.ImportTemplate, view: dict[str, Any], client: WebClient
) -> dict[str, Any] | None:
    """Read the attached export and import it (quick: one file, one transaction). A name the
    workspace has already answers with the next form: a new name, or a version on top."""
    block = ids.FILE_BLOCK if view.get("callback_id") == ids.IMPORT_MODAL else ids.NAME_BLOCK
    try:
        filename, text = fetch_text(client, cmd.file_id)
    except FileUnreadable as exc:
        raise c.ViewSubmissionError({block: exc.message}) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise c.ViewSubmissionError(
            {block: f"`{filename}` is not JSON ({exc}): is it an alignbot export?"}
        ) from None
    where = replace(actor, channel_id=cmd.channel_id or actor.channel_id)
    try:
        done = deps.services.transfer.import_document(where, data, name=cmd.name, on_top=cmd.on_top)
    except NameTaken:
        taken = cmd.name or str(data["template"].get("name") or "")
        return modals.import_name_modal(taken, cmd.file_id, where.channel_id)
    except USER_ERRORS as exc:
        raise c.ViewSubmissionError({block: sentence(user_message(exc))}) from None
    how = "as its next version" if done.on_top else "as a new template"
    _notice(
        deps,
        where,
        f"view:{view.get('id')}",
        f"Imported `{filename}` {how}: `{done.name}` v{done.version} is active.",
    )
    return None


def _notice(deps: Deps, actor: Actor, key: str, text: str) -> None:
    if actor.channel_id:
        deps.inbox.put(NoticeJob(actor=actor, text=text), key=f"{key}:notice")
