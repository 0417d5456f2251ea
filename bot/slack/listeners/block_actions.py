"""Buttons on run and proposal messages. Modals open inside the request (trigger ids expire in
3 s); approvals and "Run again" are stored in the inbox and done after the ack."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.background.jobs import AnotherCandidateJob, DecideJob, RunJob, SuggestJob, VoteJob
from bot.background.processors import echo_feedback
from bot.services import USER_ERRORS, Actor, user_message
from bot.slack import commands as c
from bot.slack.commands.actions import ACTION_IDS, parse_action
from bot.slack.listeners.common import actor_of, fail_fast
from bot.slack.listeners.deps import Deps
from bot.slack.views import modals
from bot.slack.views.notices import error_message
from bot.slack.views.proposal import comparison_message
from bot.slack.views.rollback import rollback_done_message
from bot.slack.views.suggestions import adopted_message

log = logging.getLogger(__name__)
# What a click refuses with a message to the person (anything else is a bug, logged).
_REFUSED: tuple[type[Exception], ...] = (c.CommandError, *USER_ERRORS)


def register(app: App, deps: Deps) -> None:
    for action_id in ACTION_IDS:
        app.action(action_id)(_handler(deps))


def _handler(deps: Deps):
    def on_action(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        respond: Respond,
        context: BoltContext,
    ) -> None:
        ack()  # block_actions acks carry nothing; what follows is quick or stored first
        actor = actor_of(context)
        client = fail_fast(client)
        try:
            cmd = parse_action(action.get("action_id", ""), action.get("value"))
            if isinstance(cmd, c.AdoptSuggestion):
                adopt(deps, actor, cmd, respond)
            elif isinstance(cmd, c.ConfirmRollback | c.CancelRollback):
                rollback(deps, actor, cmd, respond)
            else:
                handle(deps, actor, cmd, body, client)
        except _REFUSED as exc:
            _refuse(client, actor, body, user_message(exc))
        except SlackApiError as exc:  # e.g. a modal whose trigger expired
            _refuse(client, actor, body, f"Slack refused that ({exc.response.get('error')}).")

    return on_action


def handle(deps: Deps, actor: Actor, cmd: c.Command, body: dict[str, Any], client: WebClient):
    services = deps.services
    trigger = body.get("trigger_id")
    if isinstance(cmd, c.OpenCritiqueModal | c.OpenRewriteModal):
        view = services.runs.view_for(actor, cmd.run_id)
        make = (
            modals.critique_modal if isinstance(cmd, c.OpenCritiqueModal) else modals.rewrite_modal
        )
        client.views_open(trigger_id=trigger, view=make(view.run_id, view.output))
    elif isinstance(cmd, c.RunAgain):
        run = services.runs.again(actor, cmd.run_id)
        deps.inbox.put(RunJob(actor=actor, run_id=run.id), key=f"run:{run.id}")
    elif isinstance(cmd, c.SuggestCritiques):
        run = services.suggestions.check(actor, cmd.run_id)  # refused at once, not after a call
        deps.inbox.put(SuggestJob(actor=actor, run_id=run.id), key=_click_key(body, actor))
    elif isinstance(cmd, c.ApproveProposal):
        services.proposals.checked(actor, cmd.proposal_id)  # another workspace's: not found
        deps.inbox.put(
            DecideJob(actor=actor, proposal_id=cmd.proposal_id, decision="approve"),
            key=_click_key(body, actor),
        )
    elif isinstance(cmd, c.VoteCandidate):
        services.proposals.checked(actor, cmd.proposal_id)
        deps.inbox.put(
            VoteJob(actor=actor, proposal_id=cmd.proposal_id, candidate=cmd.candidate),
            key=_click_key(body, actor),
        )
    elif isinstance(cmd, c.CompareCandidates):  # quick: read from the store, shown privately
        services.proposals.checked(actor, cmd.proposal_id)
        msg = comparison_message(services.proposals.comparison(cmd.proposal_id, cmd.a, cmd.b))
        if actor.channel_id:
            client.chat_postEphemeral(channel=actor.channel_id, user=actor.user_id, **msg)
    elif isinstance(cmd, c.ChoosePair):
        services.proposals.checked(actor, cmd.proposal_id)
        job = VoteJob(
            actor=actor, proposal_id=cmd.proposal_id, candidate=cmd.chosen, pair=f"{cmd.a}:{cmd.b}"
        )
        deps.inbox.put(job, key=_click_key(body, actor))
    elif isinstance(cmd, c.AnotherCandidate):
        services.proposals.checked(actor, cmd.proposal_id)
        deps.inbox.put(
            AnotherCandidateJob(actor=actor, proposal_id=cmd.proposal_id),
            key=_click_key(body, actor),
        )
    elif isinstance(cmd, c.OpenRejectModal):
        p = services.proposals.view_for(actor, cmd.proposal_id)
        client.views_open(
            trigger_id=trigger, view=modals.reject_modal(p.proposal_id, p.template_name)
        )
    elif isinstance(cmd, c.OpenProposalEditModal):
        info = services.proposals.checked(actor, cmd.proposal_id)
        name = services.proposals.template_name(info)
        client.views_open(
            trigger_id=trigger, view=modals.proposal_edit_modal(str(info.id), name, info.text)
        )


def adopt(deps: Deps, actor: Actor, cmd: c.AdoptSuggestion, respond: Respond) -> None:
    """Stored at once and shown in the run's thread, like a modal's critique; the private list
    is replaced by the acknowledgement, so the same suggestion is not offered twice."""
    result = deps.services.suggestions.adopt(actor, cmd.run_id, cmd.kind, cmd.text)
    run, fid = result.run, result.feedback_id
    if result.created and fid is not None and run and run.channel_id and run.message_ts:
        echo_feedback(deps, actor, fid, run.channel_id, run.message_ts)
    msg = adopted_message(cmd.kind, cmd.text, counted=result.created)
    respond(replace_original=True, text=msg["text"], blocks=msg["blocks"])


def rollback(
    deps: Deps, actor: Actor, cmd: c.ConfirmRollback | c.CancelRollback, respond: Respond
) -> None:
    """The buttons under the rollback preview: the preview goes away either way; a confirmed
    rollback (one database transaction) is announced in the channel."""
    if isinstance(cmd, c.ConfirmRollback):
        done = deps.services.templates.rollback_and_report(actor, c.Rollback(cmd.name, cmd.version))
        respond(delete_original=True)
        if actor.channel_id:
            msg = rollback_done_message(done, actor.user_id or None)
            deps.posters.for_team(actor.team_id).post(actor.channel_id, msg["text"], msg["blocks"])
    else:
        respond(delete_original=True)


def _click_key(body: dict[str, Any], actor: Actor) -> str:
    """One inbox row per click: a retried delivery of the same click finds it stored."""
    trigger = body.get("trigger_id") or body.get("container", {}).get("message_ts")
    return f"action:{trigger}:{actor.user_id}"


def _refuse(client: WebClient, actor: Actor, body: dict[str, Any], text: str) -> None:
    """Only the person who clicked sees why nothing happened."""
    if actor.channel_id:
        msg = error_message(text)
        try:
            client.chat_postEphemeral(channel=actor.channel_id, user=actor.user_id, **msg)
        except SlackApiError:
            log.warning("could not tell %s: %s", actor.user_id, text)
