"""The JSON shapes the engine asks models for (sent as each provider's structured-output schema).

Kept flat and free of optional fields so every provider's schema dialect accepts them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class MutationOut(BaseModel):
    op: Literal["add", "edit", "retire"]
    principle_id: str = Field(description="the id of the principle to edit or retire; '' for add")
    text: str = Field(description="the principle's full new text; '' for retire")
    feedback_ids: list[str] = Field(description="ids of the feedback items this change comes from")
    reason: str = Field(description="one sentence: why this change")
    conflicts_with: str = Field(
        default="",
        description="for add/edit: the id of an active principle the new text contradicts "
        "(both cannot be followed at once); '' when there is none",
    )


class DistillOutput(BaseModel):
    mutations: list[MutationOut]


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
