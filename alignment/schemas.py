"""The JSON shapes the engine parses models' answers into.

What each provider is sent is tighter and built per request (alignment/bounds.py: ids as enums,
bounded lengths); these classes only parse, and the engine's checks decide what is usable.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class PrincipleOut(BaseModel):
    """The principle one feedback item asks for (`none`: it asks for nothing new)."""

    op: Literal["add", "edit", "retire", "none"] = "add"
    principle_id: str = Field(default="", description="the principle to edit or retire")
    text: str = Field(default="", description="one short imperative sentence")
    conflicts_with: str = Field(
        default="",
        description="for add/edit: the id of an active principle the new text contradicts "
        "(both cannot be followed at once); '' when there is none",
    )


class DistillOutput(BaseModel):
    """One entry per feedback id sent (a small model follows this more reliably than a free
    list of mutations that must cite ids)."""

    principles: dict[str, PrincipleOut]


class RewriteOutput(BaseModel):
    template: str = Field(description="the full new template text, keeping every {{placeholder}}")
    rationale: str = Field(description="a short explanation of what changed and why")


class LabelRules(BaseModel):
    label: str
    rules: list[str]


class JudgeRulesOutput(BaseModel):
    rule_books: list[LabelRules]


class ItemScore(BaseModel):
    index: int
    score: float = Field(description="0 = clearly bad, 1 = clearly good")
    reason: str


class JudgeScoresOutput(BaseModel):
    scores: list[ItemScore]
