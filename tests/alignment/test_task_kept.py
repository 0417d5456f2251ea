"""A rewrite must keep the template's task: the measure on degenerate and on good answers, and
what the engine does with an answer that fails it (one repair, then the Guidelines section)."""

from __future__ import annotations

import json

import pytest

from alignment import LLMRequest, LLMResponse, Principle, propose, task_kept
from alignment.models.base import ModelOutputError, parse_output
from alignment.usage import CallStats

GROCERY = (
    "You are a helpful cooking assistant. Write a grocery list for a dinner party where the main\n"
    "dish is {{dish}}. Group the items by store section and give quantities for {{guests}} guests."
)


@pytest.mark.parametrize(
    "answer",
    [
        "{{dish}} {{guests}}",  # the placeholders alone (what SmolLM2 answered 13 times in 14)
        "{{dish}}, {{guests}}",
        "Grocery list: {{dish}} for {{guests}}",  # a fragment
        "Do not include alcohol. {{dish}} {{guests}}",  # the principle alone
        "",
    ],
)
def test_degenerate_answers_do_not_keep_the_task(answer):
    measured = task_kept.measure(GROCERY, answer, ["Do not include alcohol in the recipe."])
    assert not measured.ok and measured.share < task_kept.MIN_KEPT
    assert task_kept.problem(GROCERY, answer) is not None


@pytest.mark.parametrize(
    "answer",
    [
        GROCERY + "\nDo not include alcohol in the recipe.",  # an instruction added: 100%
        "Write a grocery list for a dinner party whose main dish is {{dish}}, grouped by store "
        "section, with quantities for {{guests}} guests. Leave out alcohol.",  # preamble dropped
    ],
)
def test_rewrites_that_keep_the_task_pass(answer):
    assert task_kept.measure(GROCERY, answer).ok


def test_words_the_principles_name_may_go():
    old = "Suggest a wine pairing with tasting notes and the vintage for {{dish}}."
    new = "Suggest a side dish for {{dish}}."
    assert not task_kept.measure(old, new).ok
    asked = ["Do not suggest a wine pairing, tasting notes or a vintage."]
    assert task_kept.measure(old, new, asked).ok


def test_a_template_that_is_only_placeholders_has_no_task_to_lose():
    assert task_kept.measure("{{message}}", "Reply kindly to {{message}}").share == 1.0


class Scripted:
    """Answers each structured request from a list, and keeps the requests."""

    name = "openai/scripted"

    def __init__(self, *answers: dict) -> None:
        self.answers = list(answers)
        self.requests: list[LLMRequest] = []

    def generate(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        text = json.dumps(self.answers.pop(0))
        stats = CallStats(self.name, request.purpose, 10, 5, 1.0)
        try:
            return LLMResponse(text, parse_output(self.name, request, text), stats)
        except ModelOutputError as exc:
            exc.stats = stats
            raise


def _two_principles(second: dict) -> dict:
    """The grocery distill answer: no alcohol for fb-1, `second` for fb-2."""
    alcohol = {"op": "add", "text": "Do not include alcohol in the list."}
    return {"principles": {"fb-1": alcohol, "fb-2": second}}


def test_placeholder_only_rewrite_is_repaired_once_then_the_principles_reach_the_template(grocery):
    degenerate = {"template": "{{dish}} {{guests}}", "rationale": "r"}
    grouped = {"op": "add", "text": "Group items by store section."}
    model = Scripted(_two_principles(grouped), degenerate, degenerate)
    result = propose(grocery.template, grocery.feedback, [], workflow="principles", model=model)
    assert [r.purpose for r in model.requests] == ["distill", "rewrite", "rewrite:repair"]
    assert "dropped the current template's task" in model.requests[2].prompt
    assert result.fallback is not None and "keeps 0 of its" in result.fallback
    assert result.template.text.startswith(grocery.template.text)
    assert "- Do not include alcohol in the list." in result.template.text
    assert result.template.variables == ("dish", "guests") and result.repairs == 1


def test_one_repair_per_proposal_a_second_problem_goes_straight_to_the_fallback(grocery):
    """A malformed distill spends the proposal's one repair; the rewrite then gets none. A
    principle text the engine cannot use costs no repair: the feedback's own words replace it."""
    model = Scripted(
        {"principles": ["not", "keyed"]},  # not the shape asked for: repaired
        {"principles": {"fb-1": {"op": "add", "text": "{{dish}}"}}},  # unusable text, fb-2 none
        {"template": "{{dish}} {{guests}}", "rationale": "r"},
    )
    result = propose(grocery.template, grocery.feedback, [], workflow="principles", model=model)
    assert [r.purpose for r in model.requests] == ["distill", "distill:repair", "rewrite"]
    assert result.fallback is not None and "no repair attempt left" in result.fallback
    alcohol = next(m for m in result.mutations if "fb-1" in m.feedback_ids)
    assert alcohol.text == "Do not include alcohol in the recipe."  # the feedback's own words
    assert "placeholder syntax" in alcohol.reason
    assert "- Do not include alcohol in the recipe." in result.template.text


def test_a_principle_that_copies_the_output_is_replaced_by_the_feedbacks_words(grocery):
    copied = "Produce: 2 onions, 4 carrots, 300 g mushrooms Meat: 2 kg chicken thighs"
    model = Scripted(
        {"principles": {"fb-1": {"op": "add", "text": "Do not include alcohol in the recipe."},
                        "fb-2": {"op": "add", "text": copied}}},
        {"template": grocery.template.text + " No alcohol; group by section.", "rationale": "r"},
    )  # fmt: skip
    result = propose(grocery.template, grocery.feedback, [], workflow="principles", model=model)
    kudos = next(m for m in result.mutations if m.feedback_ids == ("fb-2",))
    assert "grouping by store section makes shopping fast" in kudos.text
    assert "copies the output" in kudos.reason
    assert result.fallback is None


def test_an_unchanged_template_is_not_a_rewrite_when_principles_changed(grocery):
    same = {"template": grocery.template.text, "rationale": "already fine"}
    model = Scripted(_two_principles({"op": "none", "text": ""}), same, same)
    result = propose(grocery.template, grocery.feedback, [], workflow="principles", model=model)
    assert "unchanged" in json.dumps(model.requests[2].prompt)
    assert result.template.text.endswith("Guidelines:\n- Do not include alcohol in the list.")


def test_manual_principles_with_braces_cannot_invent_a_placeholder_in_the_fallback(grocery):
    manual = [Principle("p1", "Always mention {{season}} produce.")]
    model = Scripted(
        {"template": "{{dish}} {{guests}}", "rationale": "r"}, {"template": "x", "rationale": "r"}
    )
    result = propose(grocery.template, [], manual, workflow="principles", model=model)
    assert result.template.variables == ("dish", "guests")
    assert "- Always mention { {season} } produce." in result.template.text


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        # what Gemma 3 270M answered: the template, then its own JSON spilled into the string
        (GROCERY.replace("\n", "\\n") + ' ",\n"rationale": ', "JSON keys"),
        (GROCERY + '","rationale": "No alcohol."', "JSON keys"),
        (GROCERY + ' No alcohol.",\n  ', "JSON keys"),
        (GROCERY.replace("\n", "\\n") + " No alcohol.", "escaped line breaks"),
    ],
)
def test_a_rewrite_that_spills_its_json_is_not_a_template(grocery, answer, problem):
    model = Scripted(
        _two_principles({"op": "none", "text": ""}),
        {"template": answer, "rationale": "r"},
        {"template": answer, "rationale": "r"},
    )
    result = propose(grocery.template, grocery.feedback, [], workflow="principles", model=model)
    assert result.fallback is not None and problem in result.fallback
    assert result.template.text.endswith("Guidelines:\n- Do not include alcohol in the list.")


def test_a_principle_copied_from_the_instructions_example_is_not_used(uses):
    """A base model copies "Specify dietary restrictions" from the prompt's own example."""
    model = Scripted(
        {"principles": {"fb-1": {"op": "add", "text": "Make every one of them creative."},
                        "fb-2": {"op": "add", "text": "Specify dietary restrictions"}}},
        {"template": uses.template.text + " Make every use creative.", "rationale": "r"},
    )  # fmt: skip
    result = propose(uses.template, uses.feedback, [], workflow="principles", model=model)
    texts = [p.text for p in result.principles_after]
    assert "Specify dietary restrictions" not in texts
    assert any("plant stand" in t for t in texts)  # the person's corrected output, kept


def test_a_rewrite_stuck_in_a_loop_spends_no_repair_and_the_principles_still_arrive(grocery):
    """SmolLM2 on the grocery rewrite writes `{{{{…` to its token limit, and did so again when
    asked to repair (12 s here for nothing): a loop goes straight to the Guidelines section."""
    grouped = {"op": "add", "text": "Group items by store section."}
    looping = {"template": "Write a grocery list. {{" + "{" * 300, "rationale": "r"}
    model = Scripted(_two_principles(grouped), looping)
    result = propose(grocery.template, grocery.feedback, [], workflow="principles", model=model)
    assert [r.purpose for r in model.requests] == ["distill", "rewrite"]
    assert result.repairs == 0 and "repeats '{' over and over" in result.fallback
    assert "- Do not include alcohol in the list." in result.template.text
    assert result.template.variables == ("dish", "guests")


@pytest.mark.parametrize(
    ("answer", "prompt", "unit"),
    [
        ("{{" + "{" * 80, "", "{"),
        ("Steps:\n" + "1. Do it. " * 12, "", "1. Do it. "),
        ("a rule\n" + "-" * 70 + "\nthen text", "keep the " + "-" * 70 + " rule", None),
        ("short runs are fine: ---- ==== ...." * 3, "", None),
    ],
)
def test_what_counts_as_a_loop(answer, prompt, unit):
    from alignment.structured import looped

    found = looped(answer, prompt)
    assert found == unit
