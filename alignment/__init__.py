"""The alignment engine: templates, feedback, principles, proposals, evaluation, model clients.

Pure Python: no Slack, no database. `bot/` and `storage/` build on these types.
"""

from alignment import task_kept
from alignment.distill import apply_mutations
from alignment.evaluation import Evaluation, EvaluationRow, SampleRun, evaluate, pick_samples
from alignment.feedback import Feedback
from alignment.files import InputFileError, load_feedback, load_principles, load_template
from alignment.judge import Judge, JudgeError, LabelledOutput, build_judge
from alignment.models import (
    LLMRequest,
    LLMResponse,
    ModelBlocked,
    ModelClient,
    ModelError,
    ModelOutputError,
    ModelTimeout,
    get_model,
)
from alignment.principles import Principle, PrincipleMutation
from alignment.proposer import ProposalFailed, ProposalResult, propose
from alignment.runner import RunResult, inputs_from_text, run_template
from alignment.template import MissingVariableError, Template, TemplateError
from alignment.usage import CallStats
from alignment.values import InvalidValue
from alignment.vocabulary import (
    Decision,
    FeedbackKind,
    Label,
    MutationOp,
    PrincipleOrigin,
    PrincipleStatus,
    ProposalStatus,
    RunStatus,
    VersionSource,
    Workflow,
)

__all__ = [
    "CallStats",
    "Decision",
    "Evaluation",
    "EvaluationRow",
    "Feedback",
    "FeedbackKind",
    "InputFileError",
    "InvalidValue",
    "Judge",
    "JudgeError",
    "LLMRequest",
    "LLMResponse",
    "Label",
    "LabelledOutput",
    "MissingVariableError",
    "ModelBlocked",
    "ModelClient",
    "ModelError",
    "ModelOutputError",
    "ModelTimeout",
    "MutationOp",
    "Principle",
    "PrincipleMutation",
    "PrincipleOrigin",
    "PrincipleStatus",
    "ProposalFailed",
    "ProposalResult",
    "ProposalStatus",
    "RunResult",
    "RunStatus",
    "SampleRun",
    "Template",
    "TemplateError",
    "VersionSource",
    "Workflow",
    "apply_mutations",
    "build_judge",
    "evaluate",
    "get_model",
    "inputs_from_text",
    "load_feedback",
    "load_principles",
    "load_template",
    "pick_samples",
    "propose",
    "run_template",
    "task_kept",
]
