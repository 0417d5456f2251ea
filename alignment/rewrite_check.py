"""What a rewritten template must be before it is proposed: well-formed, with exactly the
current placeholders, no spilled JSON, the template's own task kept, and changed when a change
was asked for. The message of the first problem goes to the model's one repair."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from alignment import task_kept
from alignment.schemas import RewriteOutput
from alignment.template import Template, TemplateError

_ANSWER_KEYS = re.compile(r'"\s*,?\s*"?(?:rationale|template)"?\s*:')
_STRING_END = re.compile(r'",\s*(?:\n|$)')  # the JSON string's end, then the next key


def _leaked_json(old: str, new: str) -> str | None:
    """A small model's answer that spilled its own JSON (`", "rationale": …`, or line breaks
    written as `\\n`) into the template string: not a template."""
    spilled = _ANSWER_KEYS.search(new) or _STRING_END.search(new)
    if spilled and not (_ANSWER_KEYS.search(old) or _STRING_END.search(old)):
        return 'the new template contains the answer\'s JSON keys ("rationale": …) as text'
    if "\\n" in new and "\\n" not in old:
        return "the new template contains escaped line breaks (\\n) as text"
    return None


def _same_text(old: str, new: str) -> bool:
    return " ".join(old.split()) == " ".join(new.replace("\\n", " ").split())


def placeholders(template: Template) -> str:
    return ", ".join("{{" + v + "}}" for v in template.variables) or "(none)"


def checker(
    old: Template, asked: Sequence[str], must_change: bool
) -> Callable[[RewriteOutput], str | None]:
    def check(parsed: RewriteOutput) -> str | None:
        if not parsed.template.strip():
            return "the new template is empty"
        try:
            new = Template(parsed.template)
        except TemplateError as exc:
            return f"the new template has a syntax error: {exc}"
        dropped = [v for v in old.variables if v not in new.variables]
        invented = [v for v in new.variables if v not in old.variables]
        if dropped or invented:
            parts = []
            if dropped:
                parts.append("dropped " + ", ".join("{{" + v + "}}" for v in dropped))
            if invented:
                parts.append("invented " + ", ".join("{{" + v + "}}" for v in invented))
            return (
                f"the new template {' and '.join(parts)}; it must use exactly these "
                f"placeholders: {placeholders(old)}"
            )
        leaked = _leaked_json(old.text, new.text)
        if leaked:
            return leaked
        lost = task_kept.problem(old.text, new.text, asked)
        if lost:
            return lost
        if must_change and _same_text(old.text, new.text):
            return "the new template is the current one unchanged; work the requests into it"
        return None

    return check
