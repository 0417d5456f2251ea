"""Read templates, feedback (JSON lines) and principles from files, with errors that say where.

Used by the CLI and by anyone driving the engine without Slack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from alignment.feedback import Feedback, FeedbackKind, Label
from alignment.judge import LabelledOutput
from alignment.principles import Principle, PrincipleOrigin, PrincipleStatus
from alignment.template import Template, TemplateError

FEEDBACK_FIELDS = {
    "id", "kind", "author", "text", "label", "run_id", "output", "inputs", "agreement",
    "created_at",
}  # fmt: skip


class InputFileError(ValueError):
    """A file given to the engine is missing or malformed; the message names file and line."""


def _read(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, not a file") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror})") from None


def load_template(path: str | Path, *, format_string: bool = False) -> Template:
    """The file's text without its final newline (editors add one; it is not part of a prompt).

    `format_string`: the file uses Python `str.format` placeholders (`{name}`, as the
    model-alignment library does); they are imported as `{{name}}`.
    """
    text = _read(path).rstrip("\n")
    if not text.strip():
        raise InputFileError(f"{path}: the template file is empty")
    try:
        return Template.from_format_string(text) if format_string else Template(text)
    except TemplateError as exc:
        raise InputFileError(f"{path}: {exc}") from None


E = TypeVar("E", bound=StrEnum)


def _enum(cls: type[E], value: str, what: str, where: str) -> E:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise InputFileError(f"{where}: unknown {what} {value!r} (use one of: {allowed})") from None


def feedback_from_dict(data: dict[str, Any], where: str, default_id: str) -> Feedback:
    unknown = sorted(set(data) - FEEDBACK_FIELDS)
    if unknown:
        raise InputFileError(f"{where}: unknown field(s) {', '.join(unknown)}")
    if "kind" not in data:
        raise InputFileError(f"{where}: missing field 'kind'")
    created = data.get("created_at")
    try:
        created_at = datetime.fromisoformat(created) if created else datetime.now(UTC)
    except (TypeError, ValueError):
        raise InputFileError(f"{where}: created_at {created!r} is not an ISO date") from None
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    inputs = data.get("inputs") or {}
    if not isinstance(inputs, dict):
        raise InputFileError(f"{where}: inputs must be an object of name: value")
    try:
        return Feedback(
            id=str(data.get("id") or default_id),
            kind=_enum(FeedbackKind, data["kind"], "kind", where),
            author=str(data.get("author") or "unknown"),
            text=str(data.get("text") or ""),
            label=_enum(Label, data["label"], "label", where) if data.get("label") else None,
            run_id=str(data["run_id"]) if data.get("run_id") is not None else None,
            output=str(data["output"]) if data.get("output") is not None else None,
            inputs={str(k): str(v) for k, v in inputs.items()},
            agreement=int(data.get("agreement") or 0),
            created_at=created_at,
        )
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InputFileError):
            raise
        raise InputFileError(f"{where}: {exc}") from None


def _json_lines(path: str | Path) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """(line number, "FILE, line N", object) for each JSON object a line; blank lines and lines
    starting with # are skipped."""
    for number, line in enumerate(_read(path).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}, line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise InputFileError(f"{where}: expected a JSON object per line")
        yield number, where, data


def load_feedback(path: str | Path) -> list[Feedback]:
    """One JSON object per line (blank lines and lines starting with # are skipped)."""
    items: list[Feedback] = []
    seen: set[str] = set()
    for number, where, data in _json_lines(path):
        item = feedback_from_dict(data, where, default_id=f"line-{number}")
        if item.id in seen:
            raise InputFileError(f"{where}: duplicate feedback id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    return items


def load_principles(path: str | Path) -> list[Principle]:
    """One principle per line: plain text (manual, active), or a JSON object with id and text."""
    principles: list[Principle] = []
    for number, line in enumerate(_read(path).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path}, line {number}"
        if not line.lstrip().startswith("{"):
            principles.append(Principle(f"p{number}", line.strip(), origin=PrincipleOrigin.MANUAL))
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFileError(f"{where}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict) or not str(data.get("text") or "").strip():
            raise InputFileError(f"{where}: a principle needs a non-empty 'text'")
        principles.append(
            Principle(
                id=str(data.get("id") or f"p{number}"),
                text=str(data["text"]).strip(),
                status=_enum(PrincipleStatus, data.get("status", "active"), "status", where),
                origin=_enum(PrincipleOrigin, data.get("origin", "manual"), "origin", where),
                feedback_ids=tuple(str(i) for i in data.get("feedback_ids") or ()),
            )
        )
    return principles


LABELLED_FIELDS = {"output", "label", "template", "inputs", "id"}


def load_labelled(path: str | Path) -> list[LabelledOutput]:
    """Labelled outputs for the judge, one JSON object a line: `output` and `label` (good/bad)
    are required; `inputs` (name: value) and `template` are optional. With a template, the prompt
    it renders from the inputs is shown to the judge as the input `prompt`."""
    items: list[LabelledOutput] = []
    for _, where, data in _json_lines(path):
        unknown = sorted(set(data) - LABELLED_FIELDS)
        if unknown:
            raise InputFileError(f"{where}: unknown field(s) {', '.join(unknown)}")
        for required in ("output", "label"):
            if not isinstance(data.get(required), str) or not data[required].strip():
                raise InputFileError(f"{where}: missing field {required!r} (a non-empty string)")
        inputs = data.get("inputs") or {}
        if not isinstance(inputs, dict):
            raise InputFileError(f"{where}: inputs must be an object of name: value")
        shown = {str(k): str(v) for k, v in inputs.items()}
        if data.get("template") is not None:
            try:
                shown["prompt"] = Template(str(data["template"])).render(shown)
            except TemplateError as exc:
                raise InputFileError(f"{where}: {exc}") from None
        label = _enum(Label, data["label"].strip().lower(), "label", where)
        items.append(LabelledOutput(inputs=shown, output=data["output"], label=label))
    if not items:
        raise InputFileError(f"{path}: no labelled outputs in the file")
    return items
