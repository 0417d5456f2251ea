"""Did a rewrite keep the template's task? A measure that a degenerate answer cannot pass.

Small models often answer a rewrite with the placeholders alone (`{{topic}}`) or a fragment; that
keeps every placeholder, so a placeholder check passes it. The measure here:

    kept = |K| / (|K| + |D|)
    K = content words of the old template found in the new one
    D = content words of the old template missing from the new one, less those the principles
        or feedback name

Content words are alphabetic words of three or more letters that are not stop words, taken
from the text outside `{{placeholders}}`, compared case-insensitively and as distinct words. A
dropped word that the principles or feedback themselves name is not counted against a rewrite,
since they may ask to change exactly that ("do not mention wine"). A rewrite must keep at least
`MIN_KEPT` of them: two in five, so that a concise rewrite that drops a preamble such as "You are
a helpful assistant." still passes, while the placeholders alone, or a fragment, do not. Adding
text never lowers the measure: a rewrite that applies principles by adding instructions keeps
100%. A template with no content words outside its placeholders has no task to lose, and passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MIN_KEPT = 0.4

_PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}")
_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset(
    """
    the and for are but not you your yours with this that these those from into onto than then
    them they their there here what which who whom whose when where why how all any each every
    some such can could should would will shall may might must has have had having was were
    been being its it's our ours out off over under also just only very more most less least
    own same other about above below after before again once both few nor too via per use using
    """.split()  # noqa: SIM905  # one word list, easier to read than a literal
)


def content_words(text: str) -> set[str]:
    """The distinct content words of `text` outside its placeholders, case-folded."""
    bare = _PLACEHOLDER.sub(" ", text)
    return {w for w in (m.casefold() for m in _WORD.findall(bare)) if w not in _STOP}


@dataclass(frozen=True)
class TaskKept:
    kept: frozenset[str]
    dropped: frozenset[str]

    @property
    def share(self) -> float:
        total = len(self.kept) + len(self.dropped)
        return 1.0 if total == 0 else len(self.kept) / total

    @property
    def ok(self) -> bool:
        return self.share >= MIN_KEPT


def measure(old: str, new: str, asked: Iterable[str] = ()) -> TaskKept:
    """How much of `old`'s task `new` keeps; `asked` are the principle/feedback texts."""
    excused: set[str] = set().union(*(content_words(t) for t in asked))
    words, present = content_words(old), content_words(new)
    return TaskKept(frozenset(words & present), frozenset(words - present - excused))


def problem(old: str, new: str, asked: Iterable[str] = ()) -> str | None:
    """A sentence for the repair prompt and the team when `new` lost `old`'s task, else None."""
    result = measure(old, new, asked)
    if result.ok:
        return None
    total = len(result.kept) + len(result.dropped)
    missing = ", ".join(sorted(result.dropped)[:12])
    return (
        f"the new template dropped the current template's task: it keeps {len(result.kept)} of "
        f"its {total} content words ({result.share:.0%}, at least {MIN_KEPT:.0%} needed); "
        f"missing: {missing}. Keep the current text and add to it"
    )


__all__ = ["MIN_KEPT", "TaskKept", "content_words", "measure", "problem"]
