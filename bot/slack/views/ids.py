"""Identifiers shared by the views that render interactive parts and the code that handles them.

Button action_ids carry a run id or proposal id as their value; modals carry the object they are
about in private_metadata. Block ids name modal inputs so that errors can point at a field.
"""

from __future__ import annotations

# Buttons on a run message (value = run id)
RUN_CRITIQUE = "run_critique"
RUN_REWRITE = "run_rewrite"
RUN_AGAIN = "run_again"
RUN_SUGGEST = "run_suggest"  # "Suggest critiques"

# Buttons on the private list of suggestions, one each (value = the suggestion, as JSON)
SUGGESTION_ADOPT = ("suggestion_adopt_1", "suggestion_adopt_2", "suggestion_adopt_3")

# Buttons on a proposal message (value = proposal id)
PROPOSAL_APPROVE = "proposal_approve"
PROPOSAL_REJECT = "proposal_reject"
PROPOSAL_EDIT = "proposal_edit"
PROPOSAL_VOTE = "proposal_vote"  # value = "<proposal id>:<candidate number>"
PROPOSAL_ANOTHER = "proposal_another"  # "Another candidate" (value = proposal id)
PROPOSAL_COMPARE = "proposal_compare"  # A/B of two close candidates (value = "<id>:<a>:<b>")
PAIR_A, PAIR_B = "proposal_pair:A", "proposal_pair:B"  # value = "<id>:<a>:<b>:<chosen>"

# Buttons under `/align rollback NAME vN`'s preview (value = "NAME vN")
ROLLBACK_CONFIRM = "rollback_confirm"
ROLLBACK_CANCEL = "rollback_cancel"

# Modal callback ids
NEW_TEMPLATE_MODAL = "new_template_modal"
RUN_MODAL = "run_modal"  # private_metadata = template name
PRINCIPLE_MODAL = "principle_modal"  # private_metadata = template name
CRITIQUE_MODAL = "critique_modal"  # private_metadata = run id
REWRITE_MODAL = "rewrite_modal"  # private_metadata = run id
REJECT_MODAL = "reject_modal"  # private_metadata = proposal id
PROPOSAL_EDIT_MODAL = "proposal_edit_modal"  # private_metadata = proposal id
IMPORT_MODAL = "import_modal"  # private_metadata = {channel}
IMPORT_NAME_MODAL = "import_name_modal"  # private_metadata = {channel, file, taken}

# Input blocks (block_id) and their elements (action_id) inside modals
NAME_BLOCK, NAME_INPUT = "name", "name_input"
TEMPLATE_BLOCK, TEMPLATE_INPUT = "template", "template_input"
# A template longer than one input continues in "template:2", "template:3", … (joined as is).
TEMPLATE_PART_PREFIX = "template:"
CHANNEL_BLOCK, CHANNEL_INPUT = "channel", "channel_input"
TEXT_BLOCK, TEXT_INPUT = "text", "text_input"  # run modal free text; critique; rewrite; principle
REASON_BLOCK, REASON_INPUT = "reason", "reason_input"
FILE_BLOCK, FILE_INPUT = "file", "file_input"  # import: the export file
IMPORT_AS_BLOCK, IMPORT_AS_INPUT = "import_as", "import_as_input"  # rename | on_top
IMPORT_ON_TOP, IMPORT_RENAME = "on_top", "rename"
VAR_BLOCK_PREFIX = "var:"  # run modal: one input block per variable, block_id = "var:<name>"
VAR_INPUT = "var_input"


def var_block_id(variable: str) -> str:
    return VAR_BLOCK_PREFIX + variable


def template_part_block_id(part: int) -> str:
    """The input holding part `part` (1-based) of a template split over several inputs."""
    return TEMPLATE_BLOCK if part == 1 else f"{TEMPLATE_PART_PREFIX}{part}"
