"""The offline model: deterministic, honest, and on the same code path as a real model.

It reads the delimited data blocks of the engine's meta-prompts and answers in the requested JSON
schema, so the engine cannot tell it apart from a provider except by what it says: every message
it produces says that it comes from the offline model.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from alignment.datablocks import read_blocks
from alignment.models.base import (
    LLMRequest,
    LLMResponse,
    ModelOutputError,
    estimate_tokens,
    parse_output,
)
from alignment.models.offline_text import guidelines_of, principle_for, with_guidelines
from alignment.usage import CallStats

MARK = "offline model"


GIST_HEAD, GIST_TAIL = 300, 1200


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _gist(prompt: str) -> str:
    """The prompt, shortened in the middle only: its end (where a template's Guidelines are)
    is what alignment changes, so a before/after of the stand-in shows that change whole."""
    flat = " ".join(prompt.split())
    if len(flat) <= GIST_HEAD + GIST_TAIL:
        return flat
    return f"{flat[:GIST_HEAD]} … {flat[-GIST_TAIL:]}"


_NEGATIONS = {"not", "never", "avoid", "don't", "no", "without", "stop"}
_FILLER = {"do", "the", "a", "an", "in", "of", "to", "and", "or", "any", "include", "use", "be"}


def _polarity(text: str) -> tuple[bool, set[str]]:
    """Whether an instruction forbids, and its content words (without negation and filler)."""
    words = set(re.findall(r"[a-z0-9']+", text.casefold()))
    return bool(words & _NEGATIONS), words - _NEGATIONS - _FILLER


def _conflict(text: str, principles: list[dict[str, Any]]) -> str:
    """The id of a principle asking for the opposite of `text` (same content words, one of the
    two forbidding), else ''. Literal and deterministic, like the rest of the offline model."""
    negated, words = _polarity(text)
    for p in principles:
        other_negated, other = _polarity(p["text"])
        overlap = len(words & other) / len(words | other) if words and other else 0.0
        if negated != other_negated and overlap >= 0.6:
            return str(p["id"])
    return ""


def _distill(data: dict[str, Any], keys: list[str] | None = None) -> dict[str, Any]:
    """One principle per feedback id asked for (the schema's keys), in the feedback's words."""
    current = {p["text"].casefold(): p["id"] for p in data.get("principles", [])}
    items = {str(item["id"]): item for item in data.get("feedback", [])}
    if keys is None:
        keys = [k for k, item in items.items() if item.get("kind") != "label"]
    answer: dict[str, dict[str, Any]] = {}
    for key in keys:
        item = items.get(key, {})
        text = principle_for(item.get("kind", ""), item.get("text") or "", item.get("output"))
        existing = current.get(text.casefold()) if text else None
        answer[key] = {
            "op": "none" if not text else "edit" if existing else "add",
            "principle_id": existing or "",
            "text": text,
            "conflicts_with": ""
            if existing or not text
            else _conflict(text, data.get("principles", [])),
        }
    return {"principles": answer}


def _variant(data: dict[str, Any], items: list[str]) -> tuple[list[str], str]:
    """A further candidate for a vote (`other_candidates` given): the same guidelines in another
    order, the one deterministic variation that keeps every word of them."""
    others = data.get("other_candidates")
    if not others or len(items) < 2:
        return items, ""
    shift = len(others) % len(items)
    return items[shift:] + items[
        :shift
    ], f" Candidate {len(others) + 1}: the same items, reordered."


def _rewrite(data: dict[str, Any]) -> dict[str, Any]:
    texts = [
        " ".join((p["text"] if isinstance(p, dict) else str(p)).split())
        for p in data.get("principles", [])
    ]
    items, note = _variant(data, texts)
    return {
        "template": with_guidelines(data["template"], items),
        "rationale": f"{MARK} (no LLM was called): the template's Guidelines section now lists "
        f"the {_count(len(items), 'active principle')} word for word.{note}",
    }


def _direct(data: dict[str, Any]) -> dict[str, Any]:
    items = guidelines_of(data["template"])
    seen = {item.casefold() for item in items}
    added = 0
    for fb in data.get("feedback", []):
        text = principle_for(fb.get("kind", ""), fb.get("text") or "", fb.get("output"))
        if text and text.casefold() not in seen:
            items.append(text)
            seen.add(text.casefold())
            added += 1
    items, note = _variant(data, items)
    return {
        "template": with_guidelines(data["template"], items),
        "rationale": f"{MARK} (no LLM was called): added {_count(added, 'instruction')} taken "
        "from the "
        f"feedback's own words to the template's Guidelines section.{note}",
    }


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.casefold()) if len(w) > 2}


def _judge_rules(data: dict[str, Any]) -> dict[str, Any]:
    books: dict[str, list[str]] = {label: [] for label in data.get("labels", [])}
    for example in data.get("examples", []):
        rules = books.setdefault(example["label"], [])
        if len(rules) < 6:
            snippet = " ".join(str(example["output"]).split())[:100]
            rules.append(f'{MARK}: resembles the {example["label"]} example "{snippet}"')
    return {"rule_books": [{"label": k, "rules": v} for k, v in books.items()]}


def _judge_score(data: dict[str, Any]) -> dict[str, Any]:
    words = {
        book["label"]: _words(" ".join(book["rules"]).replace(MARK, ""))
        for book in data.get("rule_books", [])
    }
    for case in data.get("hard_cases", []):
        words.setdefault(case["label"], set()).update(_words(str(case["output"])))
    shared = words.get("good", set()) & words.get("bad", set())  # says nothing either way
    words = {label: found - shared for label, found in words.items()}
    scores = []
    for item in data.get("items", []):
        out = _words(str(item["output"]))
        good = len(out & words.get("good", set()))
        bad = len(out & words.get("bad", set()))
        score = 0.5 if good + bad == 0 else 0.5 + 0.5 * (good - bad) / (good + bad)
        scores.append(
            {
                "index": item["index"],
                "score": round(score, 3),
                "reason": f"{MARK}: {_count(good, 'word')} shared with good examples, {bad} with "
                "bad ones",
            }
        )
    return {"scores": scores}


def _suggest(data: dict[str, Any]) -> dict[str, Any]:
    """Three suggestions from what can be counted in the output, each saying where it is from."""
    output = str(data.get("output", ""))
    words = len(output.split())
    lines = [line for line in output.splitlines() if line.strip()]
    sentences = len(re.findall(r"[.!?](?:\s|$)", output))
    tag = f"({MARK}'s suggestion)"
    if words > 80:
        length = f"Make the output shorter: it has {words} words"
    elif words < 15:
        length = f"Give more detail: the output has only {words} words"
    else:
        length = f"Cut any sentence that repeats the request: the output has {words} words"
    if len(lines) <= 1 and sentences > 2:
        shape = "Use a bulleted list instead of one paragraph"
    else:
        shape = "Say the main point in the first line"
    opening = " ".join(output.split())[:60].replace('"', "'")
    return {
        "suggestions": [
            {"kind": "critique", "text": f"{length} {tag}"},
            {"kind": "critique", "text": f"{shape} {tag}"},
            {"kind": "kudos", "text": f'Keep the opening "{opening}" {tag}'},
        ]
    }


_TASKS = {
    "distill": _distill,
    "rewrite": _rewrite,
    "direct": _direct,
    "judge-rules": _judge_rules,
    "judge-score": _judge_score,
    "suggest": _suggest,
}


def _keys(request: LLMRequest) -> list[str] | None:
    """The feedback ids a distill request's schema asks one principle for."""
    schema = request.json_schema or {}
    inner = schema.get("properties", {}).get("principles", {}).get("properties")
    return list(inner) if isinstance(inner, dict) else None


class OfflineModel:
    name = "offline"

    def generate(self, request: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        if request.schema is None:
            text = f"[{MARK}: a stand-in, no model was run] Prompt: {_gist(request.prompt)}"
        else:
            task = _TASKS.get(request.purpose.removesuffix(":repair"))
            if task is None:
                raise ModelOutputError(
                    f"the {MARK} cannot answer a structured request for purpose "
                    f"{request.purpose!r}; use a real model for it"
                )
            data = read_blocks(request.prompt)
            answer = _distill(data, _keys(request)) if task is _distill else task(data)
            text = json.dumps(answer, ensure_ascii=False)
        parsed = parse_output(self.name, request, text)
        stats = CallStats(
            model=self.name,
            purpose=request.purpose,
            input_tokens=estimate_tokens(request.system + request.prompt),
            output_tokens=estimate_tokens(text),
            latency_ms=(time.perf_counter() - started) * 1000,
            prompt_chars=len(request.system) + len(request.prompt),
        )
        return LLMResponse(text=text, parsed=parsed, stats=stats)
