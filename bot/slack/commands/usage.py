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
        "candidates=1-4 (competing candidates the channel votes on), "
        "review_rate=all|none|10%, review_cap_per_hour=N (runs logged by apps).",
        "/align settings tldr approvers=@bob,@carol approvals=2 daily_digest=on",
    ),
    Usage(
        "export",
        "/align export NAME",
        "Export the template, its principles and history.",
        "/align export tldr",
    ),
    Usage(
        "label",
        "/align label NAME vN LABEL",
        "Point a label (staging, canary, …) at a version; apps fetch templates by label. "
        "`production` always follows the approved version.",
        "/align label tldr v3 staging",
    ),
    Usage(
        "token",
        "/align token create NAME [scopes] | list | revoke NAME",
        "API tokens for your applications (shown once, only to you). Scopes: templates:read, "
        "runs:write, labels:write (default: templates:read runs:write).",
        "/align token create checkout-app templates:read runs:write",
    ),
    Usage(
        "webhook",
        "/align webhook add URL [events] | list | remove ID | log | allow-private on|off",
        "Signed webhooks on version.approved, version.rolled_back, label.moved, "
        "proposal.created, proposal.decided (default: all).",
        "/align webhook add https://ci.example.com/hooks/alignbot version.approved",
    ),
    Usage(
        "judge",
        "/align judge NAME",
        "Show the judge the team's 👍/👎 make (its rule book) and how often it agrees with the "
        "labels it was not built from.",
        "/align judge tldr",
    ),
    Usage(
        "import",
        "/align import [NAME]",
        "Import a template from an export file (attach it in the form); a name this workspace "
        "already has asks for a new name or a version on top.",
        "/align import tldr",
    ),
)

BY_NAME: dict[str, Usage] = {u.name: u for u in SUBCOMMANDS}
