"""Modals: the forms behind bare `/align new|run|principle`, the run buttons and the proposal
buttons. Each returns a view dict for `views_open(trigger_id=…, view=…)`; its callback_id and
private_metadata are what `bot.slack.commands.parse_view_submission` reads back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from alignment.values import NAME_MAX, NAME_RULE
from bot.slack.views import ids
from bot.slack.views.blocks import context, section
from bot.slack.views.metadata import ModalMeta
from bot.slack.views.text import escape, truncate

INPUT_LIMIT = 3000  # plain_text_input's maximum length
MAX_VARIABLES = 90  # a modal holds 100 blocks


def _modal(
    callback_id: str,
    title: str,
    blocks: Sequence[Block],
    meta: ModalMeta,
    submit: str | None = "Submit",
) -> dict[str, Any]:
    return View(
        type="modal",
        callback_id=callback_id,
        title=PlainTextObject(text=truncate(title, 24)),
        submit=PlainTextObject(text=submit) if submit else None,
        close=PlainTextObject(text="Cancel"),
        blocks=list(blocks),
        private_metadata=meta.encode(),
    ).to_dict()


def _text_input(
    block_id: str,
    action_id: str,
    label: str,
    *,
    multiline: bool = True,
    initial: str | None = None,
    placeholder: str | None = None,
    hint: str | None = None,
    max_length: int = INPUT_LIMIT,
    optional: bool = False,
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=PlainTextObject(text=truncate(label, 2000)),
        element=PlainTextInputElement(
            action_id=action_id,
            multiline=multiline,
            initial_value=initial if initial and len(initial) <= max_length else None,
            placeholder=PlainTextObject(text=truncate(placeholder, 150)) if placeholder else None,
            max_length=max_length,
        ),
        hint=PlainTextObject(text=truncate(hint, 2000)) if hint else None,
        optional=optional,
    )


def new_template_modal(channel_id: str | None = None, name: str | None = None) -> dict[str, Any]:
    blocks: list[Block] = [
        _text_input(
            ids.NAME_BLOCK,
            ids.NAME_INPUT,
            "Name",
            multiline=False,
            initial=name,
            placeholder="recipe-ideas",
            hint=NAME_RULE.replace("`", "").capitalize(),
            max_length=NAME_MAX,
        ),
        _text_input(
            ids.TEMPLATE_BLOCK,
            ids.TEMPLATE_INPUT,
            "Template",
            placeholder="Suggest a dinner recipe using {{ingredients}}.",
            hint="Write {{name}} where a variable goes; single braces are kept as text.",
        ),
        InputBlock(
            block_id=ids.CHANNEL_BLOCK,
            label=PlainTextObject(text="Channel where it runs and gets feedback"),
            element=ConversationSelectElement(
                action_id=ids.CHANNEL_INPUT,
                initial_conversation=channel_id,
                default_to_current_conversation=channel_id is None,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
    ]
    return _modal(
        ids.NEW_TEMPLATE_MODAL,
        "New template",
        blocks,
        ModalMeta(channel=channel_id),
        "Create",
    )


def run_modal(
    template_name: str, version: int, variables: Sequence[str], channel_id: str | None = None
) -> dict[str, Any]:
    blocks: list[Block] = [section(f"*{escape(template_name)}* v{version}")]
    for var in variables[:MAX_VARIABLES]:
        blocks.append(_text_input(ids.var_block_id(var), ids.VAR_INPUT, var))
    if not variables:
        blocks.append(context("This template has no variables: submit to run it."))
    if len(variables) > MAX_VARIABLES:
        blocks.append(context("Too many variables for a form: use `/align run NAME var=value …`"))
    meta = ModalMeta(template=template_name, channel=channel_id)
    return _modal(ids.RUN_MODAL, f"Run {template_name}", blocks, meta, "Run")


def principle_modal(template_name: str) -> dict[str, Any]:
    blocks = [
        section(f"A principle for *{escape(template_name)}*: it applies to every future proposal."),
        _text_input(
            ids.TEXT_BLOCK,
            ids.TEXT_INPUT,
            "Principle",
            placeholder="Keep recipes under 30 minutes of active cooking.",
        ),
    ]
    return _modal(
        ids.PRINCIPLE_MODAL,
        "Add a principle",
        blocks,
        ModalMeta(template=template_name),
        "Add",
    )


def _excerpt(output: str | None) -> list[Block]:
    if not output:
        return []
    return [context("Output: " + truncate(escape(" ".join(output.split())), 280))]


def critique_modal(run_id: str, output: str | None = None) -> dict[str, Any]:
    blocks = [
        *_excerpt(output),
        _text_input(
            ids.TEXT_BLOCK,
            ids.TEXT_INPUT,
            "What should change?",
            placeholder="Too long, and it ignored the budget.",
        ),
    ]
    return _modal(ids.CRITIQUE_MODAL, "Critique", blocks, ModalMeta(run=run_id), "Send")


def rewrite_modal(run_id: str, output: str | None = None) -> dict[str, Any]:
    prefill = output if output and len(output) <= INPUT_LIMIT else None
    hint = "Edit the output into what it should have been."
    if output and prefill is None:
        hint = "The output is too long to prefill; write the better version."
    blocks = [
        _text_input(ids.TEXT_BLOCK, ids.TEXT_INPUT, "A better output", initial=prefill, hint=hint)
    ]
    return _modal(ids.REWRITE_MODAL, "Suggest a rewrite", blocks, ModalMeta(run=run_id), "Send")


def reject_modal(proposal_id: str, template_name: str) -> dict[str, Any]:
    blocks = [
        section(
            f"Why reject this proposal for *{escape(template_name)}*? The reason becomes feedback "
            "for the next proposal."
        ),
        _text_input(
            ids.REASON_BLOCK,
            ids.REASON_INPUT,
            "Reason",
            placeholder="It dropped the part about portion sizes.",
        ),
    ]
    return _modal(
        ids.REJECT_MODAL,
        "Reject proposal",
        blocks,
        ModalMeta(proposal=proposal_id),
        "Reject",
    )


def split_for_inputs(text: str, limit: int = INPUT_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` characters that join back exactly, cut after a line
    break where there is one (a form field holds 3,000 characters)."""
    parts: list[str] = []
    pos = 0
    while len(text) - pos > limit:
        cut = text.rfind("\n", pos, pos + limit)
        cut = cut + 1 if cut > pos else pos + limit
        parts.append(text[pos:cut])
        pos = cut
    parts.append(text[pos:])
    return parts


def proposal_edit_modal(proposal_id: str, template_name: str, template_text: str) -> dict[str, Any]:
    """Any length: a template longer than one field is split over several, joined as they are,
    with one empty field more to grow into."""
    name = escape(template_name)
    meta = ModalMeta(proposal=proposal_id)
    parts = split_for_inputs(template_text)
    blocks: list[Block] = [section(f"Edit the proposed template for *{name}*.")]
    if len(parts) > 1:
        blocks.append(
            context(
                f"It is {len(template_text):,} characters, more than one field holds "
                f"({INPUT_LIMIT:,}), so it is split over {len(parts)} fields. They are joined "
                "exactly as they are: a line break at the end of a field stays."
            )
        )
    for i, part in enumerate([*parts, ""] if len(parts) > 1 else parts, start=1):
        last = i > len(parts)
        blocks.append(
            _text_input(
                ids.template_part_block_id(i),
                ids.TEMPLATE_INPUT if i == 1 else f"{ids.TEMPLATE_INPUT}:{i}",
                "Template" if len(parts) == 1 else ("More (optional)" if last else f"Part {i}"),
                initial=part or None,
                optional=i > 1,
            )
        )
    return _modal(ids.PROPOSAL_EDIT_MODAL, "Edit proposal", blocks, meta, "Save")


def import_modal(channel_id: str | None = None, name: str | None = None) -> dict[str, Any]:
    """`/align import`: the export file (from `/align export` or `alignbot export`), and the
    name to import it under when not the one in the file."""
    blocks = [
        InputBlock(
            block_id=ids.FILE_BLOCK,
            label=PlainTextObject(text="Export file (.json)"),
            element=FileInputElement(action_id=ids.FILE_INPUT, filetypes=["json"], max_files=1),
        ),
        _text_input(
            ids.NAME_BLOCK,
            ids.NAME_INPUT,
            "Name (optional)",
            multiline=False,
            initial=name,
            hint=f"Leave empty to use the name in the file. {NAME_RULE}",
            max_length=NAME_MAX,
            optional=True,
        ),
    ]
    return _modal(
        ids.IMPORT_MODAL, "Import a template", blocks, ModalMeta(channel=channel_id), "Import"
    )


def import_name_modal(taken: str, file_id: str, channel_id: str | None) -> dict[str, Any]:
    """The name is taken: a new name, or the file's active text as the next version on top."""
    on_top = Option(
        value=ids.IMPORT_ON_TOP,
        text=PlainTextObject(text=truncate(f"Add it as the next version of {taken}", 75)),
    )
    rename = Option(value=ids.IMPORT_RENAME, text=PlainTextObject(text="Import under a new name"))
    blocks = [
        section(
            f"This workspace already has a template named *{escape(taken)}*. Import the file "
            "as its next version, or as a new template under another name."
        ),
        InputBlock(
            block_id=ids.IMPORT_AS_BLOCK,
            label=PlainTextObject(text="Import as"),
            element=RadioButtonsElement(
                action_id=ids.IMPORT_AS_INPUT, options=[on_top, rename], initial_option=rename
            ),
        ),
        _text_input(
            ids.NAME_BLOCK,
            ids.NAME_INPUT,
            "New name",
            multiline=False,
            hint=NAME_RULE,
            max_length=NAME_MAX,
            optional=True,
        ),
    ]
    meta = ModalMeta(channel=channel_id, file=file_id, template=taken)
    return _modal(ids.IMPORT_NAME_MODAL, "Name already taken", blocks, meta, "Import")
