"""JSON schemas built per request, bounding everything they can, and the answer size they allow.

A small model that loops inside a JSON string or array runs until its token limit and the JSON is
cut. So every schema the engine sends is closed: ids are enums of the ids actually sent, every
string has a `maxLength`, every list a `maxItems`, every object lists its properties and allows no
others. From those bounds `max_tokens_for` computes a `max_tokens` that a complete answer fits
(with up to one character in five escaped, as newlines and quotes are), and that stops a runaway
answer early.

No `pattern` is sent. Tested against llama.cpp's server (xllamacpp 2026.10.11549): it applies a
pattern to the raw JSON text of a string, not to the decoded string, so `.` and negated classes
admit `"` and `\\` and break the JSON; `["]` makes it answer HTTP 500 after generating; an
unanchored pattern, `\\w` or a lookahead is dropped silently ("accepting any string"); and a
pattern replaces the string's `maxLength`, so the answer is no longer bounded. Other servers read
patterns on the decoded string, as JSON Schema says. What a pattern would check (e.g. that a
template keeps its placeholders) is checked by the engine after parsing instead.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from alignment.models.base import JsonSchema

# Worst case for the bound (not the average): short words, JSON punctuation and whitespace.
CHARS_PER_TOKEN = 2.5
_SLACK_TOKENS = 24  # whitespace the server's JSON grammar allows between tokens, end of turn


def string(max_length: int, *, description: str = "") -> JsonSchema:
    if max_length < 1:
        raise ValueError(f"max_length must be positive, not {max_length}")
    schema: JsonSchema = {"type": "string", "maxLength": max_length}
    if description:
        schema["description"] = description
    return schema


def enum(values: Iterable[str], *, description: str = "") -> JsonSchema:
    choices = list(dict.fromkeys(values))
    if not choices:
        raise ValueError("an enum needs at least one value")
    schema: JsonSchema = {"type": "string", "enum": choices}
    if description:
        schema["description"] = description
    return schema


def integer_enum(values: Iterable[int]) -> JsonSchema:
    choices = list(dict.fromkeys(values))
    if not choices:
        raise ValueError("an enum needs at least one value")
    return {"type": "integer", "enum": choices}


def number(minimum: float, maximum: float) -> JsonSchema:
    return {"type": "number", "minimum": minimum, "maximum": maximum}


def array(items: JsonSchema, max_items: int, *, min_items: int = 0) -> JsonSchema:
    if max_items < max(1, min_items):
        raise ValueError(f"max_items must be at least 1 and min_items, not {max_items}")
    schema: JsonSchema = {"type": "array", "items": items, "maxItems": max_items}
    if min_items:
        schema["minItems"] = min_items
    return schema


def obj(properties: Mapping[str, JsonSchema]) -> JsonSchema:
    """A closed object: every property required, in this order, and no others."""
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties),
        "additionalProperties": False,
    }


def max_chars(schema: JsonSchema) -> int:
    """The longest compact JSON text `schema` allows. Raises ValueError for an unbounded part."""
    kind = schema.get("type")
    if "enum" in schema:
        return max(len(json.dumps(v)) for v in schema["enum"])
    if kind == "string":
        if "maxLength" not in schema:
            raise ValueError("a string without maxLength is unbounded")
        # an escaped character (\n, \") takes two: room for one in five
        return 2 + math.ceil(int(schema["maxLength"]) * 1.25)
    if kind in ("integer", "number"):
        return 24
    if kind == "boolean":
        return 5
    if kind == "array":
        if "maxItems" not in schema:
            raise ValueError("an array without maxItems is unbounded")
        n = int(schema["maxItems"])
        return 2 + n * (max_chars(schema["items"]) + 1)
    if kind == "object":
        props: Mapping[str, JsonSchema] = schema.get("properties", {})
        return 2 + sum(len(json.dumps(k)) + 2 + max_chars(v) for k, v in props.items())
    raise ValueError(f"cannot bound a schema of type {kind!r}")


def max_tokens_for(schema: JsonSchema) -> int:
    """A `max_tokens` that any answer within the schema's bounds fits."""
    return math.ceil(max_chars(schema) / CHARS_PER_TOKEN) + _SLACK_TOKENS


_LENGTH_KEYS = ("maxLength", "minLength", "maxItems", "minItems", "pattern")


def simplified(schema: JsonSchema) -> JsonSchema:
    """The same shape without length bounds or patterns: what to try once when a server rejects
    the bounded schema (its grammar engine may not support them)."""
    out: JsonSchema = {k: v for k, v in schema.items() if k not in _LENGTH_KEYS}
    if isinstance(out.get("items"), dict):
        out["items"] = simplified(out["items"])
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: simplified(v) for k, v in out["properties"].items()}
    return out


def has_bounds(schema: JsonSchema) -> bool:
    """Whether `simplified` would change anything."""
    if any(k in schema for k in _LENGTH_KEYS):
        return True
    items = schema.get("items")
    if isinstance(items, dict) and has_bounds(items):
        return True
    props: Mapping[str, Any] = schema.get("properties") or {}
    return any(isinstance(v, dict) and has_bounds(v) for v in props.values())


def ids_enum(ids: Sequence[str], *, description: str = "") -> JsonSchema:
    """An enum of the given ids (strings), for ids the answer must choose from."""
    return enum([str(i) for i in ids], description=description)


__all__ = [
    "CHARS_PER_TOKEN",
    "array",
    "enum",
    "has_bounds",
    "ids_enum",
    "integer_enum",
    "max_chars",
    "max_tokens_for",
    "number",
    "obj",
    "simplified",
    "string",
]
