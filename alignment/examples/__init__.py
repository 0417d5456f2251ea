"""Bundled examples: the three scenarios of model-alignment's Gemma notebook, as files.

Each folder holds `template.txt` and `feedback.jsonl` in the formats the CLI reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Example:
    name: str
    workflow: str
    description: str

    @property
    def folder(self) -> Path:
        return Path(str(resources.files(__package__).joinpath(self.name)))

    @property
    def template_path(self) -> Path:
        return self.folder / "template.txt"

    @property
    def feedback_path(self) -> Path:
        return self.folder / "feedback.jsonl"


EXAMPLES = {
    e.name: e
    for e in (
        Example("grocery", "principles", "a grocery list that should not contain alcohol"),
        Example("uses", "principles", "three uses for an item, which should be creative"),
        Example("howto", "direct", "step-by-step instructions whose steps should be short"),
    )
}
