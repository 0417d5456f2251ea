"""How the offline model turns people's words into instructions, without any model.

Deterministic and literal: it rephrases the feedback's form and keeps every concrete word, so
"no alcohol in the recipe" becomes "Do not include alcohol in the recipe." (never a vaguer rule).
"""

from __future__ import annotations

import re

_IMPERATIVE = (
    "add", "always", "ask", "avoid", "be", "begin", "cite", "close", "cut", "describe", "do",
    "don't", "drop", "end", "explain", "focus", "follow", "give", "highlight", "include", "keep",
    "lead", "limit", "link", "list", "make", "mark", "mention", "name", "never", "note", "number",
    "offer", "only", "open", "prefer", "put", "quote", "remove", "repeat", "replace", "say",
    "shorten", "show", "skip", "sort", "spell", "split", "start", "state", "stay", "stick",
    "stop", "suggest", "summarize", "tell", "try", "use", "write",
)  # fmt: skip
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:please\s+)?no\s+(.+)$", re.I), "Do not include {0}"),
    (re.compile(r"^(?:it|they|this|the \w+)\s+(?:should not|shouldn't|must not)\s+(.+)$", re.I),
     "Do not {0}"),
    (re.compile(r"^(?:it|they|this|the \w+)\s+(?:should|must|needs? to)\s+(.+)$", re.I), "{0}"),
    (re.compile(r"^none of (?:them|these|those|the \w+) (?:is|are|was|were) (.+)$", re.I),
     "Make every one of them {0}"),
    (re.compile(r"^(?:it|they|this|these|the \w+)\s+(?:is|are)\s+too\s+(.+)$", re.I),
     "Do not make the output too {0}"),
    (re.compile(r"^too\s+(.+)$", re.I), "Do not make the output too {0}"),
    (re.compile(r"^(?:it|they|this|the \w+)\s+(?:is|are)\s+not\s+(.+)$", re.I),
     "Make the output {0}"),
    (re.compile(r"^(?:it|they|this|the \w+)\s+(?:is|are)\s+missing\s+(.+)$", re.I),
     "Include {0}"),
)  # fmt: skip


def _clean(text: str) -> str:
    return " ".join(text.split()).strip().rstrip(".!?;:").strip().replace("{{", "{ {")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def instruction(text: str) -> str:
    """An imperative instruction that keeps every concrete word of `text`."""
    cleaned = _clean(text)
    if not cleaned:
        return ""
    cleaned = (
        re.sub(r"^please\s+(?=\w)", "", cleaned, flags=re.I)
        if not cleaned.lower().startswith("please no")
        else cleaned
    )
    for pattern, form in _RULES:
        match = pattern.match(cleaned)
        if match:
            return _sentence(form.format(*match.groups()))
    if cleaned.split()[0].lower() in _IMPERATIVE:
        return _sentence(cleaned)
    return f'Address this feedback: "{cleaned}".'


def principle_for(kind: str, text: str, output: str | None = None) -> str:
    """The offline model's principle for one feedback item ('' when it carries no instruction)."""
    if kind == "principle":  # already a guideline: its author's own wording is kept
        cleaned = _clean(text)
        return _sentence(cleaned) if cleaned else ""
    if kind == "critique":
        return instruction(text)
    if kind == "kudos" and _clean(text):
        return f'Keep doing what this praise describes: "{_clean(text)}".'
    if kind == "rewrite" and _clean(text):
        example = _clean(text)
        if len(example) > 160:
            example = example[:157] + "..."
        return f'Write outputs like this corrected example: "{example}".'
    return ""


_GUIDELINES = re.compile(r"\n*^Guidelines:\n(?:^- .*(?:\n|\Z))*", re.M)


def guidelines_of(template_text: str) -> list[str]:
    match = _GUIDELINES.search(template_text)
    if not match:
        return []
    return [line[2:] for line in match.group(0).splitlines() if line.startswith("- ")]


def with_guidelines(template_text: str, items: list[str]) -> str:
    """The template with its "Guidelines" section listing exactly `items` (at the end)."""
    base = _GUIDELINES.sub("\n", template_text).rstrip()
    if not items:
        return base
    bullets = "\n".join(f"- {item}" for item in items)
    return f"{base}\n\nGuidelines:\n{bullets}"
