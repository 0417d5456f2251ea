"""Feedback that asks for the same thing, grouped before the budget, with no model call.

When a hundred people say "no alcohol" in a hundred ways, the model needs to hear it once, with
the count, and every one of those hundred items must still be credited when a principle comes
of it. Grouping is lexical and costs no model call: the text is normalised (case, punctuation,
stop words, a crude stem) into a set of content words, each weighted by how rare it is across the
pending feedback (IDF). Items of one kind join when they share their rarest word and their
polarity. Rare words carry the concrete content ("alcohol", "peanuts", "9" in "ingredient 9"),
frequent ones the phrasing ("include", "remove"), so varied wordings of one request meet while
requests about different things stay apart; negation is a token of its own, so "no alcohol" and
"more alcohol" never join. It errs towards not joining: with little feedback, IDF is noisy and
a few wordings stay apart, which costs budget but never merges two requests.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from alignment.feedback import Feedback, FeedbackKind, aware

GROUPED_KINDS = frozenset({FeedbackKind.CRITIQUE, FeedbackKind.PRINCIPLE, FeedbackKind.KUDOS})
NOT = "~not"

_NEGATION_WORDS = (
    "no not never without avoid don't dont doesn't isnt isn't shouldn't can't cannot cant won't "
    "wont stop remove drop exclude skip omit leave less fewer nothing none"
)
_STOP_WORDS = (
    "a an the and or but of to in on at for with by from as is are was were be been being "
    "it its this that these those there here please pls kindly can could would should will "
    "shall may might must do does did done i we you they he she me us our your their my "
    "mine them so very really just also too any some all every each more most much many "
    "make makes made use using used keep have has had get got put want wants need needs "
    "like what which who when where why how than then into out up down over about again "
    "always only still even output answer response text list thing things one ones "
    # the phrasing of a request, not its content: verbs of asking and fillers
    "add adds include includes show shows give gives see put puts let try write say says said "
    "think feel hope wish ask asked prefer mention mentioned help helps lot lots bit "
    "honestly hmm hey hi thanks thank ok okay yes yeah well actually maybe team guys folks"
)
_NEGATIONS = frozenset(_NEGATION_WORDS.split(" "))
_STOP = frozenset(_STOP_WORDS.split(" "))
_WORD = re.compile(r"[a-z0-9']+")


def _stem(word: str) -> str:
    """Plural and common endings off, so "peanut" and "peanuts", "dish" and "dishes" meet."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> frozenset[str]:
    """Content words of a text (stemmed), plus NOT when the text negates."""
    words = _WORD.findall(text.casefold().replace("’", "'"))
    found = {NOT} if any(w in _NEGATIONS for w in words) else set()
    found.update(
        _stem(w)
        for w in words
        # contractions other than negations ("i'd", "it's") are phrasing, not content
        if w not in _STOP and w not in _NEGATIONS and "'" not in w and (len(w) > 1 or w.isdigit())
    )
    return frozenset(found)


@dataclass(frozen=True)
class FeedbackGroup:
    """Items asking for the same thing. `lead` is the strongest wording (most agreed-on, then
    the newest); `members` includes it, in the order given."""

    lead: Feedback
    members: tuple[Feedback, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.members)

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def agreement(self) -> int:
        return sum(m.agreement for m in self.members) + len(self.members) - 1


class _Open:
    def __init__(self, key: frozenset[str], item: Feedback) -> None:
        self.key = key
        self.items = [item]


def group_feedback(feedback: Sequence[Feedback]) -> list[FeedbackGroup]:
    """Groups in the order of their first member; items of other kinds stay alone."""
    keyed = [(f, tokens(f.text)) for f in feedback]
    # Rarity over distinct wordings, not items: a request many people repeat word for word must
    # not make its own content word look common.
    distinct = {k for f, k in keyed if f.kind in GROUPED_KINDS and k - {NOT}}
    df = Counter(word for key in distinct for word in key)
    n = max(len(distinct), 1)

    def weight(word: str) -> float:
        return math.log((n + 1) / (df[word] + 0.5))

    def rarest(key: frozenset[str]) -> str:
        return max(key - {NOT}, key=lambda w: (weight(w), w))

    order: list[_Open] = []
    by_topic: dict[tuple[FeedbackKind, bool, str], _Open] = {}
    for item, key in keyed:
        if item.kind not in GROUPED_KINDS or not key - {NOT}:
            order.append(_Open(key, item))
            continue
        topic = (item.kind, NOT in key, rarest(key))
        found = by_topic.get(topic)
        if found is None:
            found = by_topic[topic] = _Open(key, item)
            order.append(found)
        else:
            found.items.append(item)
    groups = []
    for g in order:
        lead = max(g.items, key=lambda f: (f.agreement, aware(f.created_at)))
        groups.append(FeedbackGroup(lead, tuple(g.items)))
    return groups
