"""Prompt templates with `{{name}}` placeholders.

Double braces mark placeholders so that single braces and JSON in a prompt stay literal text
(the library this replaces used `str.format` and broke on any literal brace).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class TemplateError(ValueError):
    """The template text is not valid, or cannot be used the way it was asked to."""


class MissingVariableError(TemplateError):
    def __init__(self, names: tuple[str, ...] | list[str]) -> None:
        self.names = tuple(names)
        listed = ", ".join(self.names)
        noun = "variable" if len(self.names) == 1 else "variables"
        super().__init__(f"missing value for template {noun}: {listed}")


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"line {line}, column {col}"


def _scan(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, name) for every placeholder; raise TemplateError on bad syntax."""
    found: list[tuple[int, int, str]] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            return found
        # `{{{x}}}`: the first brace is literal, the placeholder starts one later.
        while text.startswith("{{{", start):
            start += 1
        match = _PLACEHOLDER.match(text, start)
        if match is None:
            raise TemplateError(
                f"unclosed '{{{{' at {_where(text, start)}: a placeholder looks like {{{{name}}}}"
            )
        name = match.group(1)
        if not name:
            raise TemplateError(f"empty placeholder '{{{{}}}}' at {_where(text, start)}")
        if not _NAME.match(name):
            raise TemplateError(
                f"invalid placeholder name {name!r} at {_where(text, start)}: use letters, "
                "digits and _, not starting with a digit"
            )
        found.append((start, match.end(), name))
        pos = match.end()


@dataclass(frozen=True)
class Template:
    text: str
    variables: tuple[str, ...] = field(init=False, compare=False)
    _spans: tuple[tuple[int, int, str], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TemplateError("template text must be a string")
        spans = _scan(self.text)
        names = tuple(dict.fromkeys(name for _, _, name in spans))
        object.__setattr__(self, "_spans", tuple(spans))
        object.__setattr__(self, "variables", names)

    @classmethod
    def parse(cls, text: str) -> Template:
        return cls(text)

    @classmethod
    def from_format_string(cls, text: str) -> Template:
        """Import a Python `str.format` template (`{name}`, `{{` and `}}` escapes)."""
        parts: list[str] = []
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise TemplateError(f"not a valid {{name}} format string: {exc}") from exc
        run = ""  # literal text since the last placeholder: `{{{{` arrives in several pieces
        for literal, name, spec, conversion in parsed:
            run += literal
            if "{{" in run:
                raise TemplateError(
                    "the format string contains a literal '{{' that would read as a placeholder"
                )
            parts.append(literal)
            if name is None:
                continue
            run = ""
            if spec or conversion:
                raise TemplateError(
                    f"format spec or conversion on {{{name}}} is not supported: use plain {{name}}"
                )
            if not _NAME.match(name):
                raise TemplateError(
                    f"placeholder {{{name}}} is not a named variable: positional or attribute "
                    "placeholders cannot be imported"
                )
            parts.append("{{" + name + "}}")
        return cls("".join(parts))

    def render(self, values: Mapping[str, object]) -> str:
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise MissingVariableError(missing)
        out: list[str] = []
        pos = 0
        for start, end, name in self._spans:
            out.append(self.text[pos:start])
            out.append(str(values[name]))
            pos = end
        out.append(self.text[pos:])
        return "".join(out)

    def __str__(self) -> str:
        return self.text
