"""Side effects done once per stored job, however many attempts it takes (crashes, outages).

A processor records each side effect on its inbox row as it happens (`Attempt.note`); a retry
finds what an earlier attempt did and does only the steps that did not happen. A post whose
answer was lost (the process died, or the connection broke after Slack took it) is found again
in the channel or thread by the time noted just before posting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.background.inbox import Attempt
from bot.slack.webapi.poster import Posted, SlackPoster


def post_once(
    attempt: Attempt,
    step: str,
    poster: SlackPoster,
    channel: str,
    msg: dict[str, Any],
    *,
    thread_ts: str | None = None,
    taken: Callable[[str], bool] | None = None,
) -> Posted:
    """Post `msg` (in the thread of `thread_ts`) unless an attempt of this row already did;
    the message, new or found, is noted under `step`. `taken(ts)` says a found message of the
    same text belongs to something else."""
    noted = attempt.notes.get(step)
    if noted:
        return Posted(channel=noted["channel"], ts=noted["ts"])
    since = attempt.notes.get(f"{step}_after")
    found = (
        poster.find_own(channel, since, msg["text"], taken, thread_ts=thread_ts) if since else None
    )
    if found is None:
        attempt.note(**{f"{step}_after": f"{time.time() - 1:.6f}"})
        found = poster.post(channel, msg["text"], msg["blocks"], thread_ts=thread_ts)
    attempt.note(**{step: {"channel": found.channel, "ts": found.ts}})
    return found
