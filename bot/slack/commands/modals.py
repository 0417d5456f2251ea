"""Modal submissions (`view_submission`) -> the same typed commands as the slash forms.

Errors come back as `ViewSubmissionError.errors`, keyed by the input's block_id, which is what
`ack(response_action="errors", errors=...)` shows next to each field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.slack.commands import (
    AddPrinciple,
    Command,
    CommandError,
    Critique,
    EditProposal,
    ImportTemplate,
    NewTemplate,
    RejectProposal,
    Run,
    SuggestRewrite,
    ViewSubmissionError,
)
from bot.slack.commands import values as v
from bot.slack.views import ids
from bot.slack.views.metadata import DamagedMetadata, ModalMeta

MAX_FIELD = 3000  # plain_text_input's own maximum


def parse_view_submission(
    callback_id: str, private_metadata: object, state_values: Mapping[str, Any]
) -> Command:
    """`state_values` is `view["state"]["values"]`: {block_id: {action_id: {type, value, …}}}."""
    meta = read_metadata(private_metadata)
    fields = _Fields(state_values)
    if callback_id == ids.NEW_TEMPLATE_MODAL:
        name = fields.name(ids.NAME_BLOCK)
        template = fields.text(ids.TEMPLATE_BLOCK, "the template text")
        channel = fields.conversation(ids.CHANNEL_BLOCK) or meta.channel
        fields.raise_errors()
        return NewTemplate(name=name, template=template, channel_id=channel)
    if callback_id == ids.RUN_MODAL:
        name = _required(meta.template)
        variables = {
            block_id[len(ids.VAR_BLOCK_PREFIX) :]: block_id
            for block_id in state_values
            if block_id.startswith(ids.VAR_BLOCK_PREFIX)
        }
        inputs = {var: fields.text(block, f"`{var}`") for var, block in variables.items()}
        text = fields.text(ids.TEXT_BLOCK, "the input") if ids.TEXT_BLOCK in state_values else None
        fields.raise_errors()
        return Run(name, inputs=inputs, text=text, channel_id=meta.channel)
    if callback_id == ids.PRINCIPLE_MODAL:
        name = _required(meta.template)
        text = fields.text(ids.TEXT_BLOCK, "the principle")
        fields.raise_errors()
        return AddPrinciple(name, text)
    if callback_id in (ids.CRITIQUE_MODAL, ids.REWRITE_MODAL):
        run_id = _required(meta.run)
        what = "what should change" if callback_id == ids.CRITIQUE_MODAL else "the better output"
        text = fields.text(ids.TEXT_BLOCK, what)
        fields.raise_errors()
        cls = Critique if callback_id == ids.CRITIQUE_MODAL else SuggestRewrite
        return cls(run_id, text)
    if callback_id == ids.REJECT_MODAL:
        proposal_id = _required(meta.proposal)
        reason = fields.text(ids.REASON_BLOCK, "a reason")
        fields.raise_errors()
        return RejectProposal(proposal_id, reason)
    if callback_id == ids.PROPOSAL_EDIT_MODAL:
        proposal_id = _required(meta.proposal)
        template = fields.joined(ids.TEMPLATE_BLOCK, ids.TEMPLATE_PART_PREFIX, "the template text")
        fields.raise_errors()
        return EditProposal(proposal_id, template)
    if callback_id == ids.IMPORT_MODAL:
        file_id = fields.file(ids.FILE_BLOCK)
        as_name = fields.optional_name(ids.NAME_BLOCK)
        fields.raise_errors()
        return ImportTemplate(file_id, name=as_name, channel_id=meta.channel)
    if callback_id == ids.IMPORT_NAME_MODAL:
        file_id = _required(meta.file)
        on_top = fields.choice(ids.IMPORT_AS_BLOCK) == ids.IMPORT_ON_TOP
        as_name = fields.optional_name(ids.NAME_BLOCK)
        if on_top:
            as_name = _required(meta.template)  # the name that was taken
        elif as_name is None and ids.NAME_BLOCK not in fields.errors:
            fields.errors[ids.NAME_BLOCK] = "Please give the new name (or add it on top)."
        fields.raise_errors()
        return ImportTemplate(file_id, as_name, on_top=on_top, channel_id=meta.channel)
    raise CommandError(f"This form (`{callback_id[:40]}`) is not one alignbot knows.")


def read_metadata(raw: object) -> ModalMeta:
    try:
        return ModalMeta.decode(raw)
    except DamagedMetadata as err:
        raise CommandError("This form's data is damaged; please open it again.") from err


def _required(value: str | None) -> str:
    if not value:
        raise CommandError("This form lost track of what it was about; please open it again.")
    return value


class _Fields:
    """Reads inputs and collects one error per block, so every problem shows at once."""

    def __init__(self, state_values: Mapping[str, Any]) -> None:
        self.state = state_values
        self.errors: dict[str, str] = {}

    def _element(self, block_id: str) -> Mapping[str, Any] | None:
        block = self.state.get(block_id)
        if not isinstance(block, Mapping) or not block:
            return None
        element = next(iter(block.values()))
        return element if isinstance(element, Mapping) else None

    def text(self, block_id: str, what: str) -> str:
        element = self._element(block_id)
        value = element.get("value") if element else None
        if not isinstance(value, str) or not value.strip():
            self.errors[block_id] = f"Please write {what}."
            return ""
        if len(value) > MAX_FIELD:
            self.errors[block_id] = f"That is {len(value):,} characters; at most {MAX_FIELD:,}."
            return ""
        return value.strip()

    def joined(self, first: str, prefix: str, what: str) -> str:
        """One text split over inputs `first`, `prefix`2, `prefix`3, …, joined exactly."""
        numbered = sorted(
            (int(b[len(prefix) :]), b)
            for b in self.state
            if b.startswith(prefix) and b[len(prefix) :].isdigit()
        )
        pieces = []
        for block_id in [first, *(b for _, b in numbered)]:
            element = self._element(block_id)
            value = element.get("value") if element else None
            if isinstance(value, str):
                if len(value) > MAX_FIELD:
                    self.errors[block_id] = (
                        f"That is {len(value):,} characters; at most {MAX_FIELD:,}."
                    )
                pieces.append(value)
        text = "".join(pieces).strip()
        if not text:
            self.errors[first] = f"Please write {what}."
        return text

    def name(self, block_id: str) -> str:
        element = self._element(block_id)
        value = element.get("value") if element else None
        try:
            return v.template_name(value if isinstance(value, str) else None, subcommand="new")
        except CommandError as err:
            self.errors[block_id] = "Please give the template a name." if not value else err.message
            return ""

    def optional_name(self, block_id: str) -> str | None:
        element = self._element(block_id)
        value = element.get("value") if element else None
        if not isinstance(value, str) or not value.strip():
            return None
        return self.name(block_id) or None

    def file(self, block_id: str) -> str:
        """The id of the one file attached to a file_input."""
        element = self._element(block_id)
        files = element.get("files") if element else None
        first = files[0] if isinstance(files, list) and files else None
        file_id = first.get("id") if isinstance(first, Mapping) else None
        if not isinstance(file_id, str) or not file_id:
            self.errors[block_id] = "Please attach the export file (.json)."
            return ""
        return file_id

    def choice(self, block_id: str) -> str | None:
        element = self._element(block_id)
        option = element.get("selected_option") if element else None
        value = option.get("value") if isinstance(option, Mapping) else None
        return value if isinstance(value, str) else None

    def conversation(self, block_id: str) -> str | None:
        element = self._element(block_id)
        if not element:
            return None
        for key in ("selected_conversation", "selected_channel"):
            value = element.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    def raise_errors(self) -> None:
        if self.errors:
            raise ViewSubmissionError(self.errors)
