"""`/align judge NAME`: the rule book per label, and its agreement with held-out labels."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from alignment.judge_eval import Agreement
from bot.slack.views.blocks import Message, context, message, section
from bot.slack.views.text import MESSAGE_BLOCK_LIMIT, escape, truncate

_EMOJI = {"good": ":+1:", "bad": ":-1:"}
RULES_SHOWN = 10  # per label


def judge_message(name: str, result: Agreement) -> Message:
    m = result.metrics
    title = f":scales: *Judge for {escape(name)}*"
    agreement = (
        f"*Agreement with {m.examples} held-out labelled run(s)* (built from the other "
        f"{result.trained_on}): accuracy *{m.accuracy:.0%}* · precision {m.precision:.0%} · "
        f"recall {m.recall:.0%} · F1 {m.f1:.2f} (👍 is the positive class)"
    )
    blocks: list[Block] = [section(title), section(agreement)]
    for label, rules in sorted(result.judge.rule_books.items()):
        shown = [f"• {truncate(escape(r), 280)}" for r in rules[:RULES_SHOWN]]
        if len(rules) > RULES_SHOWN:
            shown.append(f"_… and {len(rules) - RULES_SHOWN} more_")
        head = f"{_EMOJI.get(label, '')} *Rule book: {escape(label)}*".strip()
        blocks.append(section("\n".join([head, *shown]) if shown else f"{head}\n_(no rules)_"))
        if len(blocks) >= MESSAGE_BLOCK_LIMIT - 1:
            break
    blocks.append(
        context(
            f"{result.calls} model call(s): {result.build_calls} to build, "
            f"{result.eval_calls} to score the held-out runs. Every 4th labelled run is held "
            "out. The judge never approves anything by itself."
        )
    )
    fallback = f"Judge for {escape(name)}: {m.accuracy:.0%} agreement on {m.examples} run(s)"
    return message(fallback, blocks)
