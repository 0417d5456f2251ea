"""The one message a run posts: what ran, on what, what came out, and the feedback buttons.

The same view renders all three states, so the service posts it pending and updates it in place.
Inputs are abbreviated (they are the person's own text, and stored in full); the output is split
over as many sections as the message allows.
"""

from __future__ import annotations

from collections.abc import Mapping

from slack_sdk.models.blocks import Block

from alignment.vocabulary import RunStatus
from bot.slack.views import ids
from bot.slack.views.blocks import (
    Message,
    actions,
    button,
    context,
    divider,
    message,
    section,
    sections,
)
from bot.slack.views.models import RunView
from bot.slack.views.text import (
    MESSAGE_BLOCK_LIMIT,
    SECTION_TEXT_LIMIT,
    escape,
    inline_code,
    mention,
    truncate,
)

INPUT_VALUE_LIMIT = 500  # characters of each input shown on the message


def run_message(run: RunView) -> Message:
    title = f":robot_face: *{escape(run.template_name)}* · v{run.version}"
    if run.origin:
        title += " · :satellite_antenna: from production"
    elif run.requested_by:
        title += f" · run by {mention(run.requested_by)}"
    blocks: list[Block] = [section(title)]
    if run.origin:
        blocks.append(context(escape(run.origin)))
    if run.inputs:
        blocks.append(section(_inputs(run.inputs)))
    blocks.append(divider())

    tail: list[Block] = [context(*_details(run))]
    if run.status == RunStatus.DONE:
        tail.append(
            actions(
                button("Critique", ids.RUN_CRITIQUE, run.run_id),
                button("Suggest rewrite", ids.RUN_REWRITE, run.run_id),
                button("Suggest critiques", ids.RUN_SUGGEST, run.run_id),
                button("Run again", ids.RUN_AGAIN, run.run_id),
                block_id=f"run:{run.run_id}"[:255],
            )
        )
    elif run.status == RunStatus.FAILED:
        tail.append(actions(button("Run again", ids.RUN_AGAIN, run.run_id)))

    body: list[Block]
    if run.status == RunStatus.PENDING:
        body = [section("_Running…_ :hourglass_flowing_sand:")]
        fallback = f"{escape(run.template_name)} v{run.version}: running…"
    elif run.status == RunStatus.FAILED:
        error = escape(run.error or "unknown error")
        body = [section(truncate(f":warning: *The run failed:* {error}", SECTION_TEXT_LIMIT))]
        fallback = f"{escape(run.template_name)} v{run.version} failed: {error}"
    else:
        output = escape(run.output or "")
        room = MESSAGE_BLOCK_LIMIT - len(blocks) - len(tail)
        body = sections(output, room) or [section("_(the model returned no text)_")]
        fallback = f"{escape(run.template_name)} v{run.version}: {truncate(output, 300)}"
    return message(fallback, [*blocks, *body, *tail])


def _inputs(inputs: Mapping[str, str]) -> str:
    """Every input on one section: values abbreviated evenly; if even that is too much, the
    inputs that do not fit are counted instead of shown."""
    budget = SECTION_TEXT_LIMIT - 100
    overhead = sum(len(escape(k)) + 10 for k in inputs)
    per_value = max(20, min(INPUT_VALUE_LIMIT, (budget - overhead) // len(inputs)))
    lines: list[str] = []
    used = len("*Inputs*")
    for i, (key, value) in enumerate(inputs.items()):
        shown = escape(value)
        if "\n" in shown:
            shown = "\n>" + shown.replace("\n", "\n>")
        line = f"• *{escape(key)}*: {truncate(shown, per_value)}"
        if used + len(line) + 1 > budget:
            lines.append(f"_… and {len(inputs) - i} more inputs_")
            break
        lines.append(line)
        used += len(line) + 1
    return "*Inputs*\n" + "\n".join(lines)


def _details(run: RunView) -> list[str]:
    parts = []
    if run.model:
        parts.append(f"model {inline_code(escape(run.model))}")
    if run.latency_ms is not None and run.status == RunStatus.DONE:
        parts.append(f"{run.latency_ms / 1000:.1f} s")
    parts.append(f"run {inline_code(escape(run.run_id))}")
    return [" · ".join(parts)]
