"""`/align help`: every subcommand with an example, or one subcommand in detail."""

from __future__ import annotations

from bot.slack.commands.usage import BY_NAME, SUBCOMMANDS, Usage
from bot.slack.views.blocks import Message, context, message, section, sections
from bot.slack.views.text import MESSAGE_BLOCK_LIMIT, escape


def _entry(u: Usage) -> str:
    return f"*`{escape(u.usage)}`*\n{escape(u.summary)}\n_e.g._ `{escape(u.example)}`"


def help_message(topic: str | None = None) -> Message:
    if topic and topic in BY_NAME:
        return message(escape(BY_NAME[topic].usage), [section(_entry(BY_NAME[topic]))])
    body = "\n\n".join(_entry(u) for u in SUBCOMMANDS)
    intro = section(
        "*alignbot* aligns a prompt template to your team's judgement. Run it, react with "
        ":+1: / :-1:, reply in the thread (`rewrite:` a better output, `principle:` a rule, "
        "`kudos:` praise, anything else is a critique), then `propose` and approve."
    )
    footer = context("Bare `new`, `run NAME` and `principle NAME` open a form.")
    blocks = [intro, *sections(body, MESSAGE_BLOCK_LIMIT - 2), footer]
    return message("alignbot commands: " + ", ".join(u.name for u in SUBCOMMANDS), blocks)
