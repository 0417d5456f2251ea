"""A reply in a run's thread -> (feedback kind, text).

`rewrite:` or a code block is a corrected output, `principle:` a suggested guideline, `kudos:`
praise; anything else is a critique. The text comes as Slack sends it and is returned as typed.
"""

from __future__ import annotations

import re

from alignment.feedback import FeedbackKind
from bot.slack.commands.values import plain_text

_PREFIX = re.compile(
    r"\A\s*[*_]{0,2}(rewrite|principle|kudos|critique)[*_]{0,2}\s*:\s*[*_]{0,2}",
    re.IGNORECASE,
)
_FENCED = re.compile(r"```[ \t]*\n?(.*?)\n?```", re.DOTALL)


def classify_reply(text: str) -> tuple[FeedbackKind, str]:
    """The kind and the feedback text (prefix and fences removed). The text may be empty, e.g.
    for a bare `kudos:`; callers decide whether that is worth storing."""
    plain = plain_text(text)
    m = _PREFIX.match(plain)
    kind = FeedbackKind(m.group(1).lower()) if m else None
    body = plain[m.end() :] if m else plain
    blocks = _FENCED.findall(body)
    if kind in (None, FeedbackKind.REWRITE) and blocks:
        return FeedbackKind.REWRITE, "\n\n".join(b.strip("\n") for b in blocks).strip()
    return kind or FeedbackKind.CRITIQUE, body.strip()
