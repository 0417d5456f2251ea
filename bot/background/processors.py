"""The slow halves of runs and proposals, run by the inbox worker after the ack.

Each gets its typed job (`bot.background.jobs`) and the attempt (what earlier attempts of the
row noted they did). A run or proposal first posts (or finds) its message, does the model work,
then updates that same message; failures are shown in the message and in its thread.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App

from alignment import ProposalFailed
from alignment.vocabulary import ProposalStatus, RunStatus
from bot.background.inbox import Attempt
from bot.background.inbox.worker import is_transient
from bot.background.jobs import (
    AnotherCandidateJob,
    DecideJob,
    EditProposalJob,
    ExportJob,
    FeedbackEchoJob,
    NoticeJob,
    ProposeJob,
    RunJob,
    VoteJob,
)
from bot.background.steps import post_once
from bot.services import USER_ERRORS, Actor, ServiceError, user_message
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
from bot.slack.webapi.poster import Posted, SlackPoster
from storage.records import Outcome, ProposalInfo

log = logging.getLogger(__name__)

REFUSED = {Outcome.NOT_ALLOWED, Outcome.SUPERSEDED, Outcome.CLOSED, Outcome.ALREADY_DECIDED}


def register(app: App, deps: Deps) -> None:
    deps.router.add(RunJob, partial(process_run, deps))
    deps.router.add(ProposeJob, partial(process_propose, deps))
    deps.router.add(DecideJob, partial(process_decision, deps))
    deps.router.add(EditProposalJob, partial(process_edit, deps))
    deps.router.add(VoteJob, partial(process_vote, deps))
    deps.router.add(AnotherCandidateJob, partial(process_another, deps))
    deps.router.add(NoticeJob, partial(process_notice, deps))
    deps.router.add(ExportJob, partial(process_export, deps))
    deps.router.add(FeedbackEchoJob, partial(process_echo, deps))


def process_run(deps: Deps, job: RunJob, attempt: Attempt) -> None:
    actor = job.actor
    run_id = job.run_id
    runs = deps.services.runs
    poster = deps.posters.for_team(actor.team_id)
    run = runs.get(run_id)
    if run.message_ts and run.channel_id:  # posted before a crash: update that message
        channel, ts = run.channel_id, run.message_ts
    else:
        channel = runs.channel_for(run, actor, job.post_channel)
        msg = run_message(runs.view(run_id))
        posted = post_once(
            attempt,
            "message",
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
        post_once(attempt, "failure", poster, channel, note, thread_ts=ts)


def process_propose(deps: Deps, job: ProposeJob, attempt: Attempt) -> None:
    """Idempotent across crashes: the "Drafting…" message and the proposal an earlier attempt
    made are remembered on the inbox row (`Attempt.note`) and reused, never made twice."""
    actor = job.actor
    name = job.name
    poster = deps.posters.for_team(actor.team_id)
    proposals = deps.services.proposals
    channel = proposals.template_channel(actor, name) or actor.channel_id
    if not channel:
        log.warning("no channel to post the proposal for %s in", name)
        return
    posted = _pending_message(attempt, poster, channel, name, actor)
    made = attempt.notes.get("proposal_id")
    if made is not None:  # created before a crash: finish showing it
        proposals.attach_message(int(made), posted.channel, posted.ts)
        refresh_proposal(deps, actor, made)
        return
    try:
        proposal = proposals.create(actor, name, created_by=job.created_by)
    except ProposalFailed as exc:
        _no_proposal(deps, actor, posted, no_proposal_message(name, exc.reason))
        return
    except USER_ERRORS as exc:
        _no_proposal(deps, actor, posted, no_proposal_message(name, user_message(exc)))
        return
    attempt.note(proposal_id=proposal.id)
    proposals.attach_message(proposal.id, posted.channel, posted.ts)
    refresh_proposal(deps, actor, proposal.id)
    _refresh_superseded(deps, actor, proposal)


def _no_proposal(deps: Deps, actor: Actor, posted: Posted, msg: Message) -> None:
    """Why there is no proposal is told to the person who asked, and the "Drafting…" note
    leaves the channel; an automatic attempt (nobody asked) says it in place of the note."""
    poster = deps.posters.for_team(actor.team_id)
    if not actor.user_id:
        poster.update(posted.channel, posted.ts, msg["text"], msg["blocks"])
        return
    poster.delete(posted.channel, posted.ts)
    poster.ephemeral(posted.channel, actor.user_id, msg["text"], msg["blocks"])


def _pending_message(
    attempt: Attempt, poster: SlackPoster, channel: str, name: str, actor: Actor
) -> Posted:
    """The request's one "Drafting…" message: the one an earlier attempt posted, else a new one
    (a crash between the post and noting it is recovered by finding it in the history)."""
    pending = proposal_pending_message(name, actor.user_id if actor.user_id else None)
    return post_once(attempt, "message", poster, channel, pending)


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


def process_decision(deps: Deps, job: DecideJob, attempt: Attempt) -> None:
    """The decision is recorded once: a retry (after Slack failed to show it) shows it rather
    than deciding again, which would be refused as already decided."""
    actor = job.actor
    pid = job.proposal_id
    proposals = deps.services.proposals

    def decide() -> dict[str, Any]:
        try:
            if job.decision == "approve":
                outcome = proposals.approve(actor, pid)
            else:
                outcome = proposals.reject(actor, pid, job.reason)
        except USER_ERRORS as exc:
            return {"refused": user_message(exc)}
        if outcome.outcome is Outcome.NOT_ALLOWED:
            return {"not_an_approver": True}
        if outcome.outcome in REFUSED:
            return {"refused": outcome.message}
        p, fb = outcome.proposal, outcome.feedback
        if fb is not None and p is not None and p.channel_id and p.message_ts:
            return {"echo": [fb.id, p.channel_id, p.message_ts, p.id]}  # a rejection's reason
        return {}

    decided: dict[str, Any] = attempt.once("decided", decide)
    if decided.get("not_an_approver"):
        approvers = proposals.view(pid).approvers
        _tell(deps, actor, job.reply_channel, message=not_an_approver_message(approvers))
    elif decided.get("refused"):
        _tell(deps, actor, job.reply_channel, decided["refused"])
    else:
        refresh_proposal(deps, actor, pid)
        if decided.get("echo"):
            feedback_id, channel_id, thread_ts, proposal_id = decided["echo"]
            echo_feedback(deps, actor, feedback_id, channel_id, thread_ts, proposal_id)


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
    job = FeedbackEchoJob(
        actor=actor,
        feedback_id=feedback_id,
        post_channel=channel_id,
        thread_ts=thread_ts,
        proposal_id=proposal_id,
    )
    deps.inbox.put(job, key=f"echo:{feedback_id}")


def process_echo(deps: Deps, job: FeedbackEchoJob, attempt: Attempt) -> None:
    feedback = deps.services.feedback
    fb = feedback.get(job.feedback_id)
    if fb is None or fb.message_ts:  # gone, or shown before a crash
        return
    if job.proposal_id is not None:
        msg = rejection_echo_message(fb.author, fb.text, str(job.proposal_id))
    else:
        msg = feedback_echo_message(fb.kind, fb.author, fb.text)
    poster = deps.posters.for_team(job.actor.team_id)
    # Posted once even if a crash comes between the post and noting where it is.
    posted = post_once(attempt, "echo", poster, job.post_channel, msg, thread_ts=job.thread_ts)
    feedback.attach_message(fb.id, posted.channel, posted.ts)


def process_edit(deps: Deps, job: EditProposalJob, attempt: Attempt) -> None:
    actor = job.actor
    proposals = deps.services.proposals

    def edit() -> dict[str, Any]:
        try:
            old = proposals.checked(actor, job.proposal_id)
            new = proposals.create_edited(actor, str(old.id), job.template)
        except USER_ERRORS as exc:
            return {"refused": user_message(exc)}
        channel = old.channel_id or actor.channel_id
        if channel is None:  # an edit comes from a proposal's message, which has a channel
            raise ServiceError(f"Proposal #{old.id} has no channel to post the edit in.")
        return {"old": old.id, "new": new.id, "channel": channel}

    edited: dict[str, Any] = attempt.once("edited", edit)
    if edited.get("refused"):
        _tell(deps, actor, job.reply_channel, edited["refused"])
        return
    poster = deps.posters.for_team(actor.team_id)
    new_id = int(edited["new"])
    placeholder = {"text": f"Proposal #{new_id}", "blocks": []}  # shown in full just below
    posted = post_once(attempt, "message", poster, edited["channel"], placeholder)
    proposals.attach_message(new_id, posted.channel, posted.ts)
    refresh_proposal(deps, actor, new_id)
    refresh_proposal(deps, actor, edited["old"])


def process_vote(deps: Deps, job: VoteJob, attempt: Attempt) -> None:
    """A vote between candidates (or an A/B choice), stored once and shown: on the proposal's
    message for a vote, to its author alone for an A/B choice (a preference, not a vote)."""
    actor = job.actor
    proposals = deps.services.proposals

    def vote() -> dict[str, Any]:
        try:
            outcome = proposals.vote(actor, job.proposal_id, job.candidate, job.pair)
        except USER_ERRORS as exc:
            return {"refused": user_message(exc)}
        return {"leader": outcome.leader, "cleared": outcome.approvals_cleared}

    voted: dict[str, Any] = attempt.once("voted", vote)
    if voted.get("refused"):
        _tell(deps, actor, job.reply_channel, voted["refused"])
        return
    if job.pair:
        a, _, b = job.pair.partition(":")
        msg = notice_message(
            f"Noted: of candidates {a} and {b}, you prefer {job.candidate}'s outputs. It teaches "
            "the judge and the next proposal; your vote is unchanged.",
            emoji=":scales:",
        )
        _tell(deps, actor, job.reply_channel, message=msg)
        return
    refresh_proposal(deps, actor, job.proposal_id)
    if voted.get("cleared"):
        _tell(
            deps,
            actor,
            job.reply_channel,
            f"Candidate {voted['leader']} now leads; the approvals given to the previous leader "
            "were withdrawn, since they were for another text",
        )


def process_another(deps: Deps, job: AnotherCandidateJob, attempt: Attempt) -> None:
    """The "Another candidate" button: one more candidate from the feedback as it stands, the
    proposal's thread included, added to its vote (the vote goes on; nothing starts over).
    Made once: a retry after a crash shows the candidate rather than asking the model again."""
    actor = job.actor
    proposals = deps.services.proposals

    def another() -> dict[str, Any]:
        try:
            p = proposals.get(job.proposal_id)
            thread: list[tuple[str, str]] = []
            if p.channel_id and p.message_ts:
                poster = deps.posters.for_team(actor.team_id)
                thread = poster.thread_texts(p.channel_id, p.message_ts)
            return {"number": proposals.another_candidate(actor, job.proposal_id, thread)}
        except ProposalFailed as exc:
            return {"refused": f"No other candidate: {exc.reason}"}
        except USER_ERRORS as exc:
            return {"refused": user_message(exc)}

    made: dict[str, Any] = attempt.once("candidate", another)
    if made.get("refused"):
        _tell(deps, actor, job.reply_channel, made["refused"])
        return
    refresh_proposal(deps, actor, job.proposal_id)


def process_notice(deps: Deps, job: NoticeJob, attempt: Attempt) -> None:
    """A short confirmation in the channel (for changes made from a modal)."""
    actor = job.actor
    if actor.channel_id:
        msg = notice_message(job.text, emoji=job.emoji)
        post_once(attempt, "notice", deps.posters.for_team(actor.team_id), actor.channel_id, msg)


def process_export(deps: Deps, job: ExportJob, attempt: Attempt) -> None:
    """An export too long for a message, uploaded whole as a JSON file where it was asked for."""
    if attempt.notes.get("uploaded"):  # uploaded before a crash
        return
    actor = job.actor
    name = job.name
    content = deps.services.transfer.export_text(actor, name)
    file_id = deps.posters.for_team(actor.team_id).upload(
        actor.channel_id or "",
        export_filename(name),
        content,
        title=f"Export of {name}",
        comment=export_file_comment(name, actor.user_id or None),
    )
    attempt.note(uploaded=file_id or True)


def _tell(
    deps: Deps,
    actor: Actor,
    reply_channel: str | None,
    text: str = "",
    *,
    message: dict[str, Any] | None = None,
) -> None:
    """A refusal or error, shown only to the person who asked."""
    channel = reply_channel or actor.channel_id
    if not channel:
        return
    msg = message or notice_message(sentence(text), emoji=":no_entry:")
    deps.posters.for_team(actor.team_id).ephemeral(
        channel, actor.user_id, msg["text"], msg["blocks"]
    )
