"""A reaction's emoji name -> a good/bad label, or None for reactions that are not feedback."""

from __future__ import annotations

from alignment.feedback import Label

GOOD = frozenset({"+1", "thumbsup", "white_check_mark", "heart"})
BAD = frozenset({"-1", "thumbsdown", "x"})


def reaction_label(name: str) -> Label | None:
    """`+1::skin-tone-2` counts as `+1`; names may come with colons (`:+1:`)."""
    base = name.strip().strip(":").split("::", 1)[0].lower()
    if base in GOOD:
        return Label.GOOD
    if base in BAD:
        return Label.BAD
    return None
