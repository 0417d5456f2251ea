"""The `/align` subcommands: usage line, what each does and an example. Help and errors use it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Usage:
    name: str
    usage: str
    summary: str
    example: str


SUBCOMMANDS: tuple[Usage, ...] = (
    Usage("help", "/align help [subcommand]", "List the subcommands.", "/align help run"),
    Usage(
        "new",
        "/align new NAME TEMPLATE",
        "Create a template in this channel; `{{var}}` marks a variable. Bare `new` opens a form.",
        "/align new recipe Suggest a dinner recipe using {{ingredients}}.",
    ),
    Usage("list", "/align list", "List the templates and their active versions.", "/align list"),
    Usage(
        "show",
        "/align show NAME [vN]",
        "Show a template's text, variables, settings and principles.",
        "/align show tldr v1",
    ),
    Usage(
        "run",
        "/align run NAME [var=value … | text]",
        "Run the template and post the output here. Bare `run NAME` opens a form.",
        '/align run tldr text="The offsite moves to Porto; dates stay the same."',
    ),
    Usage(
        "principles",
        "/align principles NAME",
        "List the template's principles and the feedback they came from.",
        "/align principles tldr",
    ),
    Usage(
        "principle",
        "/align principle NAME TEXT",
        "Add a principle by hand. Bare `principle NAME` opens a form.",
        "/align principle tldr Lead with the decision, then the details.",
    ),
    Usage(
        "propose",
        "/align propose NAME",
        "Turn the pending feedback into a proposed new version for the channel to approve.",
        "/align propose tldr",
    ),
    Usage(
        "mode",
        "/align mode NAME principles|direct",
        "Choose how proposals are made: through principles, or directly from feedback.",
        "/align mode tldr direct",
    ),
    Usage(
        "history",
        "/align history NAME",
        "List the template's versions, and the proposals rejected with their reasons.",
        "/align history tldr",
    ),
    Usage(
        "diff",
        "/align diff NAME [vA vB]",
        "Show what changed between two versions (without versions: the last two).",
        "/align diff tldr",
    ),
    Usage(
        "rollback",
        "/align rollback NAME vN",
        "Make an old version's text and principles active again (as a new version); asks first.",
        "/align rollback tldr v1",
    ),
    Usage(
        "settings",
        "/align settings NAME [key=value …]",
        "Show or change settings: mode=principles|direct, target_model=provider/model, "
        "approvers=@a,@b|any, approvals=N, auto_propose_after=N|off, daily_digest=on|off, "
        "proposal_ttl_hours=N, remind_after_hours=N|off, channel=#channel, "
        "candidates=1-4 (competing candidates the channel votes on).",
        "/align settings tldr approvers=@bob,@carol approvals=2 daily_digest=on",
    ),
    Usage(
        "export",
        "/align export NAME",
        "Export the template, its principles and history.",
        "/align export tldr",
    ),
)

BY_NAME: dict[str, Usage] = {u.name: u for u in SUBCOMMANDS}
