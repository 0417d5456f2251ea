"""Schemas built per request bound everything, and max_tokens follows from the bounds."""

from __future__ import annotations

import json

import pytest

from alignment import bounds
from alignment.distill import distill_schema
from alignment.judge import rules_schema, scores_schema
from alignment.models.gemini import gemini_schema
from alignment.proposer import rewrite_schema


def test_an_unbounded_string_or_list_cannot_be_sent():
    with pytest.raises(ValueError, match="without maxLength"):
        bounds.max_tokens_for(bounds.obj({"t": {"type": "string"}}))
    with pytest.raises(ValueError, match="without maxItems"):
        bounds.max_tokens_for({"type": "array", "items": bounds.string(5)})


def test_any_answer_within_the_bounds_fits_its_max_tokens():
    schema = bounds.obj({"a": bounds.array(bounds.string(100), 3), "b": bounds.enum(["x", "yy"])})
    longest = json.dumps({"a": ["line\n" * 20] * 3, "b": "yy"})  # a newline in every five
    assert len(longest) <= bounds.max_chars(schema)
    # even at one token per 2.5 characters, the longest answer is not cut
    assert bounds.max_tokens_for(schema) >= len(longest) / 2.5


def test_simplified_drops_bounds_and_keeps_the_shape_and_the_enums():
    schema = rewrite_schema(300)
    plain = bounds.simplified(schema)
    assert bounds.has_bounds(schema) and not bounds.has_bounds(plain)
    assert plain["required"] == ["template", "rationale"]
    assert bounds.simplified(scores_schema(2))["properties"]["scores"]["items"]["properties"][
        "index"
    ] == {"type": "integer", "enum": [0, 1]}


def test_judge_schemas_enumerate_the_labels_and_indexes_sent():
    rules = rules_schema(["bad", "good"])
    book = rules["properties"]["rule_books"]
    assert book["minItems"] == book["maxItems"] == 2
    assert book["items"]["properties"]["label"]["enum"] == ["bad", "good"]
    scores = scores_schema(3)["properties"]["scores"]
    assert scores["maxItems"] == 3 and scores["items"]["properties"]["index"]["enum"] == [0, 1, 2]


def test_gemini_gets_the_same_bounds_in_its_schema_subset():
    class F:
        def __init__(self, id_: str) -> None:
            self.id = id_

    schema = gemini_schema(distill_schema([F("7"), F("9")], []))  # type: ignore[list-item]
    keyed = schema.properties["principles"]
    assert keyed.required == ["7", "9"] and keyed.property_ordering == ["7", "9"]
    entry = keyed.properties["7"]
    assert entry.properties["op"].enum == ["add", "none"]
    assert entry.properties["text"].max_length == 160
    scores = gemini_schema(scores_schema(2)).properties["scores"].items.properties["index"]
    assert (scores.minimum, scores.maximum) == (0, 1)  # Gemini's enums are strings only
