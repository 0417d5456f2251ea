"""`/align history` and `/align diff`: the stored versions of a template and what changed."""

from __future__ import annotations

from collections.abc import Sequence

from alignment.vocabulary import VersionSource
from bot.slack.views.blocks import Message, message, section, sections
from bot.slack.views.models import RejectedProposalRow, VersionRow
from bot.slack.views.text import (
    MESSAGE_BLOCK_LIMIT,
    code_block,
    escape,
    mention,
    plural,
    truncate,
)

SOURCE_LABELS = {
    VersionSource.MANUAL: "written",
    VersionSource.PROPOSAL: "approved proposal",
    VersionSource.ROLLBACK: "rollback",
    VersionSource.IMPORT: "imported",
}


def version_line(row: VersionRow) -> str:
    parts = [f"*v{row.version}*" + (" :large_green_circle: active" if row.active else "")]
    if row.labels:
        parts[0] += " " + " ".join(f"`{escape(label)}`" for label in row.labels)
    source = SOURCE_LABELS[VersionSource(row.source)]
    if row.source == VersionSource.ROLLBACK and row.rolled_back_to:
        source += f" to v{row.rolled_back_to}"
    parts.append(source + (f" by {mention(row.author)}" if row.author else ""))
    parts.append(row.created_at.strftime("%Y-%m-%d %H:%M UTC"))
    line = " · ".join(parts)
    if row.note.strip():
        line += "\n      " + truncate(escape(" ".join(row.note.split())), 300)
    return line


def rejected_line(row: RejectedProposalRow) -> str:
    parts = [f"*#{escape(row.proposal_id)}* on v{row.base_version}"]
    parts.append("rejected" + (f" by {mention(row.rejected_by)}" if row.rejected_by else ""))
    if row.decided_at is not None:
        parts.append(row.decided_at.strftime("%Y-%m-%d %H:%M UTC"))
    line = " · ".join(parts)
    reason = " ".join(row.reason.split())
    line += "\n      " + (f"“{truncate(escape(reason), 300)}”" if reason else "_no reason given_")
    return line


def history_message(
    template_name: str,
    versions: Sequence[VersionRow],
    rejected: Sequence[RejectedProposalRow] = (),
) -> Message:
    name = escape(template_name)
    rows = sorted(versions, key=lambda r: r.version, reverse=True)
    body = "\n".join(version_line(r) for r in rows) or "_No versions._"
    if rejected:
        newest = sorted(rejected, key=lambda r: int(r.proposal_id), reverse=True)
        body += f"\n\n*Rejected proposals* ({len(newest)}, newest first)\n" + "\n".join(
            rejected_line(r) for r in newest
        )
    title = f"*History of {name}* ({plural(len(rows), 'version')}, newest first)"
    blocks = [section(title), *sections(body, MESSAGE_BLOCK_LIMIT - 1)]
    return message(f"History of {name}", blocks)


def diff_message(template_name: str, from_version: int, to_version: int, diff: str) -> Message:
    """`diff` is a unified diff (see `alignment.textdiff.unified_diff`); empty means identical."""
    name = escape(template_name)
    title = f"*{name}*: v{from_version} → v{to_version}"
    if not diff.strip():
        text = f"{title}\n_The two versions have the same text._"
        return message(f"{name} v{from_version} and v{to_version} are identical", [section(text)])
    blocks = sections(f"{title}\n{code_block(escape(diff))}", MESSAGE_BLOCK_LIMIT)
    return message(f"Diff of {name} v{from_version} → v{to_version}", blocks)
