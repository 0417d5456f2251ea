"""The engine's meta-prompts, kept as readable text files next to the code that uses them."""

from __future__ import annotations

from functools import cache
from importlib import resources

from alignment.template import Template


@cache
def text(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.txt").read_text(encoding="utf-8").strip()


def render(name: str, **values: str) -> str:
    return Template(text(name)).render(values)
