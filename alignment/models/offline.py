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


def _distill(data: dict[str, Any]) -> dict[str, Any]:
    current = {p["text"].casefold(): p["id"] for p in data.get("principles", [])}
    mutations: dict[str, dict[str, Any]] = {}
    for item in data.get("feedback", []):
        text = principle_for(item.get("kind", ""), item.get("text") or "", item.get("output"))
        if not text:
            continue
        key = text.casefold()
        if key in mutations:
            mutations[key]["feedback_ids"].append(item["id"])
            continue
        existing = current.get(key)
        mutations[key] = {
            "op": "edit" if existing else "add",
            "principle_id": existing or "",
            "text": text,
            "feedback_ids": [item["id"]],
            "reason": f"{MARK}: the {item.get('kind')} feedback's own words, as an instruction"
            + (" (already a principle; adds this feedback to its sources)" if existing else ""),
        }
    return {"mutations": list(mutations.values())}


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
    items, note = _variant(data, [" ".join(p["text"].split()) for p in data.get("principles", [])])
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


_TASKS = {
    "distill": _distill,
    "rewrite": _rewrite,
    "direct": _direct,
    "judge-rules": _judge_rules,
    "judge-score": _judge_score,
}


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
            text = json.dumps(task(read_blocks(request.prompt)), ensure_ascii=False)
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
