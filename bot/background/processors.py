"""The slow halves of runs and proposals, run by the inbox worker after the ack.

Each stored payload is the small dict our own listeners wrote (`common.stored`), never a Slack
payload. A run or proposal first posts (or finds) its message, does the model work, then updates
that same message; failures are shown in the message and in its thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial

from slack_bolt import App

from alignment import ProposalFailed
from alignment.vocabulary import ProposalStatus, RunStatus
from bot.background.inbox.worker import is_transient
from bot.services import USER_ERRORS, Actor, ServiceError, user_message
from bot.slack.listeners.common import actor_from_payload, stored
from bot.slack.listeners.deps import Deps
from bot.slack.views.blocks import Message
from bot.slack.views.export import export_file_comment, export_filename
from bot.slack.views.notices import (
    error_message,
    feedback_echo_message,
    not_an_approver_message,
    notice_message,
    rejection_echo_message,
)
from bot.slack.views.proposal import (
    no_proposal_message,
    proposal_message,
    proposal_pending_message,
)
from bot.slack.views.run import run_message
from bot.slack.views.text import sentence
from bot.slack.webapi.poster import Posted
from storage.records import InboxItem, Outcome, ProposalInfo

log = logging.getLogger(__name__)

RUN, PROPOSE, DECIDE, EDIT, NOTICE = "run", "propose", "decide", "edit_proposal", "notice"
EXPORT = "export"
ECHO = "feedback_echo"
REFUSED = {Outcome.NOT_ALLOWED, Outcome.SUPERSEDED, Outcome.CLOSED, Outcome.ALREADY_DECIDED}


def register(app: App, deps: Deps) -> None:
    deps.router.add(RUN, partial(process_run, deps))
    deps.router.add(PROPOSE, partial(process_propose, deps), lane=_template_lane)
    deps.router.add(DECIDE, partial(process_decision, deps), lane=_proposal_lane)
    deps.router.add(EDIT, partial(process_edit, deps), lane=_proposal_lane)
    deps.router.add(NOTICE, partial(process_notice, deps))
    deps.router.add(EXPORT, partial(process_export, deps))
    deps.router.add(ECHO, partial(process_echo, deps))


def _template_lane(item: InboxItem) -> str:
    return f"template:{item.payload.get('team_id')}:{item.payload.get('name')}"


def _proposal_lane(item: InboxItem) -> str:
    return f"proposal:{item.payload.get('proposal_id')}"


def process_run(deps: Deps, item: InboxItem) -> None:
    actor = actor_from_payload(item.payload)
    run_id = int(item.payload["run_id"])
    runs = deps.services.runs
    poster = deps.posters.for_team(actor.team_id)
    run = runs.get(run_id)
    if run.message_ts and run.channel_id:  # posted before a crash: update that message
        channel, ts = run.channel_id, run.message_ts
    else:
        channel = runs.channel_for(run, actor, item.payload.get("post_channel"))
        msg = run_message(runs.view(run_id))
        posted = _post_once(
            deps,
            item,
            poster,
            channel,
            msg,
            taken=lambda ts: runs.is_run_message(channel, ts),
        )
        channel, ts = posted.channel, posted.ts
        runs.attach_message(run_id, channel, ts)
    try:
        done = runs.execute(run_id)
    except Exception as exc:  # the message must not stay on "Running…" whatever went wrong
        if is_transient(exc):
            raise  # worth another attempt: the worker retries the row
        log.exception("run %s failed", run_id)
        done = runs.fail(run_id, f"something went wrong on our side ({type(exc).__name__})")
    msg = run_message(done)
    poster.update(channel, ts, msg["text"], msg["blocks"])
    if done.status is RunStatus.FAILED:
        note = error_message(f"Run #{done.run_id} failed: {done.error}")
        poster.post(channel, note["text"], note["blocks"], thread_ts=ts)


def process_propose(deps: Deps, item: InboxItem) -> None:
    """Idempotent across crashes: the "Drafting…" message and the proposal an earlier attempt
    made are remembered on the inbox row (`Inbox.note`) and reused, never made twice."""
    actor = actor_from_payload(item.payload)
    name = item.payload["name"]
    poster = deps.posters.for_team(actor.team_id)
    proposals = deps.services.proposals
    channel = proposals.template_channel(actor, name) or actor.channel_id
    if not channel:
        log.warning("no channel to post the proposal for %s in", name)
        return
    posted = _pending_message(deps, item, poster, channel, name, actor)
    made = item.payload.get("proposal_id")
    if made is not None:  # created before a crash: finish showing it
        proposals.attach_message(int(made), posted.channel, posted.ts)
        refresh_proposal(deps, actor, made)
        return
    try:
        proposal = proposals.create(actor, name, created_by=item.payload.get("created_by"))
    except ProposalFailed as exc:
        _no_proposal(deps, actor, item, posted, no_proposal_message(name, exc.reason))
        return
    except USER_ERRORS as exc:
        _no_proposal(deps, actor, item, posted, no_proposal_message(name, user_message(exc)))
        return
    deps.inbox.note(item.id, proposal_id=proposal.id)
    proposals.attach_message(proposal.id, posted.channel, posted.ts)
    refresh_proposal(deps, actor, proposal.id)
    _refresh_superseded(deps, actor, proposal)


def _no_proposal(deps: Deps, actor: Actor, item: InboxItem, posted: Posted, msg: Message) -> None:
    """Why there is no proposal is told to the person who asked, and the "Drafting…" note
    leaves the channel; an automatic attempt (nobody asked) says it in place of the note."""
    poster = deps.posters.for_team(actor.team_id)
    if not actor.user_id:
        poster.update(posted.channel, posted.ts, msg["text"], msg["blocks"])
        return
    poster.delete(posted.channel, posted.ts)
    poster.ephemeral(posted.channel, actor.user_id, msg["text"], msg["blocks"])


def _pending_message(
    deps: Deps, item: InboxItem, poster, channel: str, name: str, actor: Actor
) -> Posted:
    """The request's one "Drafting…" message: the one an earlier attempt posted, else a new one.

    The time is noted before posting, so even a crash between the post and noting its ts is
    recovered by finding our message in the channel's history."""
    noted = item.payload.get("message")
    if noted:
        return Posted(channel=noted["channel"], ts=noted["ts"])
    pending = proposal_pending_message(name, actor.user_id if actor.user_id else None)
    posted = _post_once(deps, item, poster, channel, pending)
    deps.inbox.note(item.id, message={"channel": posted.channel, "ts": posted.ts})
    return posted


def _post_once(
    deps: Deps,
    item: InboxItem,
    poster,
    channel: str,
    msg: dict,
    taken: Callable[[str], bool] | None = None,
    thread_ts: str | None = None,
) -> Posted:
    """Post `msg`, unless an earlier attempt of this row already did and crashed before it could
    record the message: the time noted before posting finds that message in the history."""
    since = item.payload.get("posting_after")
    found = poster.find_own(channel, since, msg["text"], taken, thread_ts) if since else None
    if found is not None:
        return found
    deps.inbox.note(item.id, posting_after=f"{time.time() - 1:.6f}")
    return poster.post(channel, msg["text"], msg["blocks"], thread_ts=thread_ts)


def refresh_proposal(deps: Deps, actor: Actor, proposal_id: int | str) -> None:
    """Re-render the proposal's one message from the stored state."""
    proposals = deps.services.proposals
    p = proposals.get(proposal_id)
    if not (p.channel_id and p.message_ts):
        return
    poster = deps.posters.for_team(actor.team_id)
    msg = proposal_message(proposals.view(p.id, poster.permalink))
    poster.update(p.channel_id, p.message_ts, msg["text"], msg["blocks"])


def _refresh_superseded(deps: Deps, actor: Actor, newest: ProposalInfo) -> None:
    """The proposals this one just superseded show it on their own messages."""
    for p in deps.services.proposals.of_template(newest.template_id):
        just_now = p.decided_at is not None and p.decided_at >= newest.created_at
        if p.id != newest.id and p.status is ProposalStatus.SUPERSEDED and just_now:
            try:
                refresh_proposal(deps, actor, p.id)
            except Exception:  # an old message may be gone; the new proposal matters more
                log.info("could not refresh superseded proposal %s", p.id, exc_info=True)


def process_decision(deps: Deps, item: InboxItem) -> None:
    actor = actor_from_payload(item.payload)
    pid = item.payload["proposal_id"]
    proposals = deps.services.proposals
    try:
        if item.payload["decision"] == "approve":
            outcome = proposals.approve(actor, pid)
        else:
            outcome = proposals.reject(actor, pid, item.payload.get("reason") or "")
    except USER_ERRORS as exc:
        _tell(deps, actor, item, user_message(exc))
        return
    if outcome.outcome is Outcome.NOT_ALLOWED:
        approvers = proposals.view(pid).approvers
        _tell(deps, actor, item, message=not_an_approver_message(approvers))
        return
    if outcome.outcome in REFUSED:
        _tell(deps, actor, item, outcome.message)
        return
    refresh_proposal(deps, actor, pid)
    p = outcome.proposal
    if outcome.feedback is not None and p is not None and p.channel_id and p.message_ts:
        echo_feedback(deps, actor, outcome.feedback.id, p.channel_id, p.message_ts, p.id)


def echo_feedback(
    deps: Deps,
    actor: Actor,
    feedback_id: int,
    channel_id: str,
    thread_ts: str,
    proposal_id: int | None = None,
) -> None:
    """Show feedback that came from a form (not a reply) in the thread it is about: a critique
    or rewrite in the run's thread, a rejection's reason in the proposal's. Posted after the
    ack; a proposal that uses the feedback links to that message."""
    deps.inbox.put(
        key=f"echo:{feedback_id}",
        kind=ECHO,
        payload=stored(
            actor,
            feedback_id=feedback_id,
            post_channel=channel_id,
            thread_ts=thread_ts,
            proposal_id=proposal_id,
        ),
        team_id=actor.team_id,
    )


def process_echo(deps: Deps, item: InboxItem) -> None:
    actor = actor_from_payload(item.payload)
    feedback = deps.services.feedback
    fb = feedback.get(int(item.payload["feedback_id"]))
    if fb is None or fb.message_ts:  # gone, or shown before a crash
        return
    proposal_id = item.payload.get("proposal_id")
    if proposal_id is not None:
        msg = rejection_echo_message(fb.author, fb.text, str(proposal_id))
    else:
        msg = feedback_echo_message(fb.kind, fb.author, fb.text)
    poster = deps.posters.for_team(actor.team_id)
    channel, thread_ts = item.payload["post_channel"], item.payload["thread_ts"]
    # Posted once even if a crash comes between the post and noting where it is.
    posted = _post_once(deps, item, poster, channel, msg, thread_ts=thread_ts)
    feedback.attach_message(fb.id, posted.channel, posted.ts)


def process_edit(deps: Deps, item: InboxItem) -> None:
    actor = actor_from_payload(item.payload)
    proposals = deps.services.proposals
    try:
        old = proposals.checked(actor, item.payload["proposal_id"])
        new = proposals.create_edited(actor, str(old.id), item.payload["template"])
    except USER_ERRORS as exc:
        _tell(deps, actor, item, user_message(exc))
        return
    poster = deps.posters.for_team(actor.team_id)
    channel = old.channel_id or actor.channel_id
    if channel is None:  # an edit comes from a proposal's message, which has a channel
        raise ServiceError(f"Proposal #{old.id} has no channel to post the edit in.")
    posted = poster.post(channel, f"Proposal #{new.id}", [])
    proposals.attach_message(new.id, posted.channel, posted.ts)
    refresh_proposal(deps, actor, new.id)
    refresh_proposal(deps, actor, old.id)


def process_notice(deps: Deps, item: InboxItem) -> None:
    """A short confirmation in the channel (for changes made from a modal)."""
    actor = actor_from_payload(item.payload)
    if actor.channel_id:
        msg = notice_message(item.payload["text"], emoji=item.payload.get("emoji", ":memo:"))
        deps.posters.for_team(actor.team_id).post(actor.channel_id, msg["text"], msg["blocks"])


def process_export(deps: Deps, item: InboxItem) -> None:
    """An export too long for a message, uploaded whole as a JSON file where it was asked for."""
    if item.payload.get("uploaded"):  # uploaded before a crash
        return
    actor = actor_from_payload(item.payload)
    name = item.payload["name"]
    content = deps.services.transfer.export_text(actor, name)
    file_id = deps.posters.for_team(actor.team_id).upload(
        actor.channel_id or "",
        export_filename(name),
        content,
        title=f"Export of {name}",
        comment=export_file_comment(name, actor.user_id or None),
    )
    deps.inbox.note(item.id, uploaded=file_id or True)


def _tell(
    deps: Deps, actor: Actor, item: InboxItem, text: str = "", *, message: dict | None = None
) -> None:
    """A refusal or error, shown only to the person who asked."""
    channel = item.payload.get("reply_channel") or actor.channel_id
    if not channel:
        return
    msg = message or notice_message(sentence(text), emoji=":no_entry:")
    deps.posters.for_team(actor.team_id).ephemeral(
        channel, actor.user_id, msg["text"], msg["blocks"]
    )
