"""Competing candidates and the channel's vote: what the vote teaches the next proposal and the
judge (every vote is a preference: the chosen template over the others)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alignment.feedback import Feedback
from alignment.judge import LabelledOutput
from alignment.vocabulary import FeedbackKind, Label
from storage.records import PreferenceRecord

VOTE_ID = "vote-"  # ids of feedback made from votes; never stored as feedback ids
MAX_VOTE_FEEDBACK = 10
CLOSE = 0.05  # mean judge scores this near are "close": an A/B comparison is offered


def preference_feedback(prefs: Sequence[PreferenceRecord]) -> list[Feedback]:
    """The most recent votes, as kudos for what the chosen candidate added that others lacked."""
    out: list[Feedback] = []
    for n, p in enumerate(prefs):
        if len(out) >= MAX_VOTE_FEEDBACK:
            break
        chosen = set(_lines(p.chosen_text))
        others = set().union(*(_lines(t) for t in p.other_texts)) if p.other_texts else set()
        kept = [line for line in _lines(p.chosen_text) if line in chosen - others]
        if not kept:
            continue
        out.append(
            Feedback(
                id=f"{VOTE_ID}{p.proposal_id}-{n}",
                kind=FeedbackKind.KUDOS,
                author=p.user_id,
                text="In a vote between candidates, this was chosen over the others: "
                + " / ".join(kept[:5])[:600],
            )
        )
    return out


def preference_labels(prefs: Sequence[PreferenceRecord]) -> list[LabelledOutput]:
    """The outputs of chosen candidates are good examples, those of the others bad ones."""
    out: list[LabelledOutput] = []
    for p in prefs:
        for row in p.chosen_rows:
            if row.get("after"):
                out.append(LabelledOutput(row.get("inputs") or {}, row["after"], Label.GOOD))
        for rows in p.other_rows:
            for row in rows:
                if row.get("after"):
                    out.append(LabelledOutput(row.get("inputs") or {}, row["after"], Label.BAD))
    return out


def close_pair(
    candidates: Sequence[dict[str, Any]], tally: dict[int, int]
) -> tuple[int, int] | None:
    """The two leading candidates, when they are close enough that comparing their outputs side
    by side helps: votes within one of each other and, where the judge scored both, mean scores
    within CLOSE. None when there is nothing to compare (no outputs, or the same outputs)."""
    ranked = sorted(candidates, key=lambda c: (-tally.get(int(c["number"]), 0), int(c["number"])))
    if len(ranked) < 2:
        return None
    a, b = ranked[0], ranked[1]
    if abs(tally.get(int(a["number"]), 0) - tally.get(int(b["number"]), 0)) > 1:
        return None
    outs_a, outs_b = _afters(a), _afters(b)
    if not outs_a or not outs_b or outs_a == outs_b:
        return None
    sa, sb = _mean_score(a), _mean_score(b)
    if sa is not None and sb is not None and abs(sa - sb) > CLOSE:
        return None
    first, second = sorted((int(a["number"]), int(b["number"])))
    return first, second


def _afters(candidate: dict[str, Any]) -> list[str]:
    return [str(r.get("after")) for r in candidate.get("rows") or [] if r.get("after")]


def _mean_score(candidate: dict[str, Any]) -> float | None:
    scores = [
        r["score_after"] for r in candidate.get("rows") or [] if r.get("score_after") is not None
    ]
    return sum(scores) / len(scores) if scores else None


def stored_ids(ids: Sequence[str]) -> list[str]:
    """Feedback ids without those made from votes (which are not feedback rows)."""
    return [i for i in ids if not i.startswith(VOTE_ID)]


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]
