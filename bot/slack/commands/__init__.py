"""Typed commands: what a user asked for, parsed from `/align` text, a modal or a button.

Listeners turn a Slack payload into one of these (see `parse_command`, `parse_view_submission`,
`parse_action`) and hand it to a service; nothing past the listener sees Slack's payload shapes.
Template names are validated here; existence of templates, runs and proposals is the service's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from alignment.settings import SettingsChange
from alignment.vocabulary import FeedbackKind, Workflow


class CommandError(ValueError):
    """Bad `/align` input. `str(err)` is a message fit to show the user as is."""

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage  # the usage line of the subcommand, when known

    def __str__(self) -> str:
        return self.message if not self.usage else f"{self.message}\nUsage: `{self.usage}`"


class ViewSubmissionError(ValueError):
    """Bad modal input: `errors` maps block_id -> message, as `ack(response_action="errors")`
    wants it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


# --- /align subcommands -------------------------------------------------------------------------


@dataclass(frozen=True)
class Help:
    topic: str | None = None  # a subcommand name, e.g. `/align help run`


@dataclass(frozen=True)
class NewTemplate:
    name: str
    template: str
    channel_id: str | None = None  # from the modal; the slash form uses the invoking channel


@dataclass(frozen=True)
class ListTemplates:
    pass


@dataclass(frozen=True)
class Show:
    name: str
    version: int | None = None  # None = the active version


@dataclass(frozen=True)
class Run:
    """`inputs` from var=value pairs; `text` when the rest was free text (for a one-variable
    template, or for the service to reject with the list of variables)."""

    name: str
    inputs: Mapping[str, str] = field(default_factory=dict)
    text: str | None = None
    channel_id: str | None = None  # from the run modal; the slash form uses the invoking channel


@dataclass(frozen=True)
class Principles:
    name: str


@dataclass(frozen=True)
class AddPrinciple:
    name: str
    text: str


@dataclass(frozen=True)
class Propose:
    name: str


@dataclass(frozen=True)
class SetMode:
    name: str
    mode: Workflow


@dataclass(frozen=True)
class History:
    name: str


@dataclass(frozen=True)
class Diff:
    """Two versions' texts compared; no versions: the last two."""

    name: str
    from_version: int | None = None
    to_version: int | None = None


@dataclass(frozen=True)
class Rollback:
    name: str
    version: int


@dataclass(frozen=True)
class Settings:
    """`/align settings NAME [key=value …]`: without a change, show the settings."""

    name: str
    change: SettingsChange = field(default_factory=SettingsChange)

    @property
    def changed(self) -> tuple[str, ...]:
        """The settings this command changes, by the names people know, in a fixed order."""
        return self.change.changed

    @property
    def has_changes(self) -> bool:
        return bool(self.changed)


@dataclass(frozen=True)
class Export:
    name: str


# --- bare forms: the app opens a modal ---------------------------------------------------------


@dataclass(frozen=True)
class OpenNewTemplateModal:
    name: str | None = None  # `/align new NAME` without text: the form opens with the name filled


@dataclass(frozen=True)
class OpenRunModal:
    name: str


@dataclass(frozen=True)
class OpenPrincipleModal:
    name: str


@dataclass(frozen=True)
class JudgeReport:
    """`/align judge NAME`: the rule book and its agreement with held-out labels."""

    name: str


@dataclass(frozen=True)
class OpenImportModal:
    """`/align import [NAME]`: a form with the export file to attach."""

    name: str | None = None


@dataclass(frozen=True)
class ImportTemplate:
    """The import form: the attached file (its Slack id), the name, and, when the name is
    taken, whether to add the file's text as the next version (`on_top`)."""

    file_id: str
    name: str | None = None
    on_top: bool = False
    channel_id: str | None = None


# --- buttons (block_actions) --------------------------------------------------------------------


@dataclass(frozen=True)
class OpenCritiqueModal:
    run_id: str


@dataclass(frozen=True)
class OpenRewriteModal:
    run_id: str


@dataclass(frozen=True)
class RunAgain:
    run_id: str


@dataclass(frozen=True)
class SuggestCritiques:
    """Ask the alignment model for critiques and kudos of a run, shown to the asker only."""

    run_id: str


@dataclass(frozen=True)
class AdoptSuggestion:
    """One click on a suggestion: it becomes the clicker's own feedback of that kind."""

    run_id: str
    kind: FeedbackKind
    text: str


@dataclass(frozen=True)
class ApproveProposal:
    proposal_id: str


@dataclass(frozen=True)
class OpenRejectModal:
    proposal_id: str


@dataclass(frozen=True)
class VoteCandidate:
    """A "Vote N" button: this person's choice among a proposal's candidates."""

    proposal_id: str
    candidate: int


@dataclass(frozen=True)
class CompareCandidates:
    """The A/B button: show this person two close candidates' outputs on the same input."""

    proposal_id: str
    a: int
    b: int


@dataclass(frozen=True)
class ChoosePair:
    """ "A is better" / "B is better" in an A/B comparison: a preference between two."""

    proposal_id: str
    a: int
    b: int
    chosen: int


@dataclass(frozen=True)
class AnotherCandidate:
    """The "Another candidate" button: one more candidate for the proposal's vote."""

    proposal_id: str


@dataclass(frozen=True)
class OpenProposalEditModal:
    proposal_id: str


@dataclass(frozen=True)
class ConfirmRollback:
    """The "Roll back" button under `/align rollback NAME vN`'s preview: do it."""

    name: str
    version: int


@dataclass(frozen=True)
class CancelRollback:
    """The preview's "Cancel" button: nothing changes."""

    value: str


# --- modal submissions that are not one of the above -------------------------------------------


@dataclass(frozen=True)
class Critique:
    run_id: str
    text: str


@dataclass(frozen=True)
class SuggestRewrite:
    run_id: str
    text: str


@dataclass(frozen=True)
class RejectProposal:
    proposal_id: str
    reason: str


@dataclass(frozen=True)
class EditProposal:
    """A person's edit of a proposed template: becomes the proposal text (or a new proposal)."""

    proposal_id: str
    template: str


Command = (
    Help
    | NewTemplate
    | ListTemplates
    | Show
    | Run
    | Principles
    | AddPrinciple
    | Propose
    | SetMode
    | History
    | Diff
    | Rollback
    | Settings
    | Export
    | JudgeReport
    | OpenImportModal
    | ImportTemplate
    | OpenNewTemplateModal
    | OpenRunModal
    | OpenPrincipleModal
    | OpenCritiqueModal
    | OpenRewriteModal
    | RunAgain
    | SuggestCritiques
    | AdoptSuggestion
    | ApproveProposal
    | OpenRejectModal
    | OpenProposalEditModal
    | VoteCandidate
    | AnotherCandidate
    | CompareCandidates
    | ChoosePair
    | ConfirmRollback
    | CancelRollback
    | Critique
    | SuggestRewrite
    | RejectProposal
    | EditProposal
)

# The parsers live in submodules (they import the classes above); re-exported for convenience.
from bot.slack.commands.actions import parse_action  # noqa: E402
from bot.slack.commands.modals import parse_view_submission  # noqa: E402
from bot.slack.commands.reactions import reaction_label  # noqa: E402
from bot.slack.commands.slash import parse_command  # noqa: E402
from bot.slack.commands.thread_reply import classify_reply  # noqa: E402

__all__ = [
    "AddPrinciple",
    "AdoptSuggestion",
    "AnotherCandidate",
    "ApproveProposal",
    "CancelRollback",
    "ChoosePair",
    "Command",
    "CommandError",
    "CompareCandidates",
    "ConfirmRollback",
    "Critique",
    "Diff",
    "EditProposal",
    "Export",
    "Help",
    "History",
    "ImportTemplate",
    "JudgeReport",
    "ListTemplates",
    "NewTemplate",
    "OpenCritiqueModal",
    "OpenImportModal",
    "OpenNewTemplateModal",
    "OpenPrincipleModal",
    "OpenProposalEditModal",
    "OpenRejectModal",
    "OpenRewriteModal",
    "OpenRunModal",
    "Principles",
    "Propose",
    "RejectProposal",
    "Rollback",
    "Run",
    "RunAgain",
    "SetMode",
    "Settings",
    "Show",
    "SuggestCritiques",
    "SuggestRewrite",
    "ViewSubmissionError",
    "VoteCandidate",
    "classify_reply",
    "parse_action",
    "parse_command",
    "parse_view_submission",
    "reaction_label",
]
