"""Typed background jobs: what the inbox worker is asked to do after the ack, one model per kind.

The Slack edge parses a payload once into one of these (a reaction, a thread reply, a button, a
modal, a command); the scheduler builds them with the same constructors. Each job knows its
*lane* (rows of one lane run one at a time, in the order they were stored, across instances) and
its kind of *work* (quick work never waits for model work). Stored on the inbox row as JSON
(`model_dump`) and read back with `parse_job`; nothing after the edge sees a Slack payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from alignment.feedback import FeedbackKind, Label
from bot.services import Actor

# A Slack message timestamp ("1700000000.000100"): the id of a message within its channel.
Ts = Annotated[str, StringConstraints(pattern=r"^\d{1,16}\.\d{1,16}$")]


class Work(StrEnum):
    """Kinds of work with separate capacity in the worker."""

    QUICK = "quick"  # feedback, labels, questions, decisions, notices: the database and Slack
    MODEL = "model"  # model runs and proposals: may take a model timeout, or several


@dataclass(frozen=True)
class ReportTarget:
    """Where a failure to do a job is told: in the thread, else to the person who asked."""

    channel_id: str | None
    thread_ts: str | None
    user_id: str | None


class JobBase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    work: ClassVar[Work] = Work.QUICK
    kind: str  # each job narrows it to its own Literal: the discriminator
    actor: Actor  # who asked, in which workspace and channel

    @property
    def lane(self) -> str | None:
        """Jobs about the same thing share a lane; None: a lane of its own."""
        return None

    def report_to(self) -> ReportTarget:
        return ReportTarget(self.actor.channel_id, None, self.actor.user_id)

    @property
    def what(self) -> str:
        """Which work this is, for the words a failure is told in (views.notices)."""
        return self.kind


# --- what people do on run messages and in their threads (Slack events) -----------------------


class ThreadJob(JobBase):
    """About one run message: its reactions, replies, edits and deletions share the thread's
    lane, and a failure is told in the thread."""

    @property
    def thread(self) -> str:
        raise NotImplementedError

    @property
    def lane(self) -> str:
        return f"thread:{self.actor.channel_id}:{self.thread}"

    def report_to(self) -> ReportTarget:
        return ReportTarget(self.actor.channel_id, self.thread, self.actor.user_id)


class ReactionJob(ThreadJob):
    """A feedback emoji added to or removed from a message (a run's, if any)."""

    kind: Literal["reaction"] = "reaction"
    message_ts: Ts
    emoji: str
    label: Label
    added: bool

    @property
    def thread(self) -> str:
        return self.message_ts

    @property
    def what(self) -> str:
        return "reaction_added" if self.added else "reaction_removed"


class ThreadReplyJob(ThreadJob):
    """A reply in a thread, classified; `edited` when it is the new text of an earlier reply."""

    kind: Literal["thread_reply"] = "thread_reply"
    thread_ts: Ts
    reply_ts: Ts
    feedback: FeedbackKind
    text: str
    edited: bool = False
    under_our_message: bool = False  # the thread's first message is the bot's (not a run?)

    @property
    def thread(self) -> str:
        return self.thread_ts

    @property
    def what(self) -> str:
        return "thread_reply_edited" if self.edited else "thread_reply"


class ReplyDeletedJob(ThreadJob):
    kind: Literal["thread_reply_deleted"] = "thread_reply_deleted"
    thread_ts: Ts
    reply_ts: Ts

    @property
    def thread(self) -> str:
        return self.thread_ts


class MentionJob(JobBase):
    """@alignbot somewhere: answered with help in the mention's thread."""

    kind: Literal["app_mention"] = "app_mention"
    ts: Ts
    thread_ts: Ts | None = None

    def report_to(self) -> ReportTarget:
        return ReportTarget(self.actor.channel_id, self.thread_ts or self.ts, self.actor.user_id)


class HomeOpenedJob(JobBase):
    """A person opened the App Home tab: publish it."""

    kind: Literal["app_home_opened"] = "app_home_opened"

    @property
    def lane(self) -> str:
        return f"home:{self.actor.team_id}:{self.actor.user_id}"

    def report_to(self) -> ReportTarget:
        return ReportTarget(None, None, None)  # nowhere to tell it but the log


# --- what people ask for with commands, buttons and modals ------------------------------------


class RunJob(JobBase):
    """Run a recorded run's template on the model and post/update its message."""

    work: ClassVar[Work] = Work.MODEL
    kind: Literal["run"] = "run"
    run_id: int
    post_channel: str | None = None


class ProposeJob(JobBase):
    """Draft, evaluate and post a proposal for a template (asked for, or by the scheduler)."""

    work: ClassVar[Work] = Work.MODEL
    kind: Literal["propose"] = "propose"
    name: str
    created_by: str | None = None

    @property
    def lane(self) -> str:
        return f"template:{self.actor.team_id}:{self.name}"


class ProposalJob(JobBase):
    """About one proposal: its decisions, edits, votes and candidates share its lane."""

    proposal_id: str
    reply_channel: str | None = None  # where a refusal is shown (the proposal's channel)

    @property
    def lane(self) -> str:
        return f"proposal:{self.proposal_id}"


class DecideJob(ProposalJob):
    """An approval (button) or a rejection with its reason (modal)."""

    kind: Literal["decide"] = "decide"
    decision: Literal["approve", "reject"]
    reason: str = ""


class EditProposalJob(ProposalJob):
    """A person's edit of a proposed template: a new proposal superseding the old one."""

    kind: Literal["edit_proposal"] = "edit_proposal"
    template: str


class VoteJob(ProposalJob):
    """A vote between a proposal's candidates (`pair` empty), or an A/B choice between two
    (`pair` "a:b"): stored as a preference, the proposal's message updated."""

    kind: Literal["vote"] = "vote"
    candidate: int
    pair: str = ""


class AnotherCandidateJob(ProposalJob):
    """ "Another candidate": one more candidate for the proposal's vote (a model call)."""

    work: ClassVar[Work] = Work.MODEL
    kind: Literal["another_candidate"] = "another_candidate"


class FeedbackEchoJob(JobBase):
    """Feedback given in a form, shown in the thread it is about (a run's, a proposal's)."""

    kind: Literal["feedback_echo"] = "feedback_echo"
    feedback_id: int
    post_channel: str
    thread_ts: Ts
    proposal_id: int | None = None

    def report_to(self) -> ReportTarget:
        return ReportTarget(self.post_channel, self.thread_ts, self.actor.user_id)


class NoticeJob(JobBase):
    """A short confirmation in the channel (for changes made from a modal)."""

    kind: Literal["notice"] = "notice"
    text: str
    emoji: str = ":memo:"


class ExportJob(JobBase):
    """An export too long for a message: uploaded whole as a file."""

    kind: Literal["export"] = "export"
    name: str


# --- what applications cause through the HTTP API -----------------------------------------------


class ApiRunJob(JobBase):
    """Post a run an application logged to its template's channel, for review like any run.
    Written by the store in the transaction that stores the run."""

    kind: Literal["api_run"] = "api_run"
    run_id: int

    def report_to(self) -> ReportTarget:
        return ReportTarget(None, None, None)  # no person asked: the log says it


class WebhookJob(JobBase):
    """Send one webhook delivery. Slow I/O to someone else's server, so it takes the model
    work's capacity: a slow receiver never delays feedback."""

    work: ClassVar[Work] = Work.MODEL
    kind: Literal["webhook"] = "webhook"
    delivery_id: int

    @property
    def lane(self) -> str:
        return f"webhook:{self.delivery_id}"

    def report_to(self) -> ReportTarget:
        return ReportTarget(None, None, None)


def app_actor(team_id: str) -> Actor:
    """Who asks when an application or a change (not a person) causes the work."""
    return Actor(team_id, "app")


class SuggestJob(JobBase):
    """ "Suggest critiques" on a run: one alignment-model call, answered to the asker only."""

    work: ClassVar[Work] = Work.MODEL
    kind: Literal["suggest"] = "suggest"
    run_id: int


class JudgeJob(JobBase):
    """`/align judge NAME`: build the judge and measure it on held-out labels, for the asker."""

    work: ClassVar[Work] = Work.MODEL
    kind: Literal["judge"] = "judge"
    name: str


Job = Annotated[
    ReactionJob
    | ThreadReplyJob
    | ReplyDeletedJob
    | MentionJob
    | HomeOpenedJob
    | RunJob
    | ProposeJob
    | DecideJob
    | EditProposalJob
    | VoteJob
    | AnotherCandidateJob
    | FeedbackEchoJob
    | NoticeJob
    | ExportJob
    | ApiRunJob
    | WebhookJob
    | SuggestJob
    | JudgeJob,
    Field(discriminator="kind"),
]
JOB_TYPES: tuple[type[JobBase], ...] = (
    ReactionJob,
    ThreadReplyJob,
    ReplyDeletedJob,
    MentionJob,
    HomeOpenedJob,
    RunJob,
    ProposeJob,
    DecideJob,
    EditProposalJob,
    VoteJob,
    AnotherCandidateJob,
    FeedbackEchoJob,
    NoticeJob,
    ExportJob,
    ApiRunJob,
    WebhookJob,
    SuggestJob,
    JudgeJob,
)
_ADAPTER: TypeAdapter[Job] = TypeAdapter(Job)


def kind_of(job_type: type[JobBase]) -> str:
    return str(job_type.model_fields["kind"].default)


def kinds_of(work: Work) -> frozenset[str]:
    """The stored kinds of one kind of work (the worker claims them with separate capacity)."""
    return frozenset(kind_of(t) for t in JOB_TYPES if t.work is work)


def parse_job(payload: dict[str, Any]) -> Job:
    """A stored job back from its row (pydantic.ValidationError if it is not one)."""
    return _ADAPTER.validate_python(payload)


def dump_job(job: JobBase) -> dict[str, Any]:
    return job.model_dump(mode="json")
