"""Running a template on the target model, and filling it from free text."""

from __future__ import annotations

import pytest

from alignment import MissingVariableError, Template, TemplateError, inputs_from_text, run_template


def test_free_text_fills_a_single_variable_template():
    t = Template("Give three uses for the following item: {{item}}")
    assert inputs_from_text(t, "a brick") == {"item": "a brick"}


def test_free_text_is_refused_for_several_or_no_variables():
    with pytest.raises(TemplateError, match=r"2 variables \(dish, guests\): give each"):
        inputs_from_text(Template("{{dish}} for {{guests}}"), "soup")
    with pytest.raises(TemplateError, match="no variables"):
        inputs_from_text(Template("Tell a joke."), "about cats")
    assert inputs_from_text(Template("Tell a joke."), "  ") == {}


def test_a_run_with_a_missing_variable_calls_no_model():
    class Refuses:
        name = "refuses"

        def generate(self, request):
            raise AssertionError("the model must not be called")

    with pytest.raises(MissingVariableError, match="guests"):
        run_template(Template("{{dish}} for {{guests}}"), {"dish": "soup"}, Refuses())


def test_a_run_sends_the_rendered_prompt(gemini, gemini_model):
    from tests.fakes.gemini_server import gemini_text

    gemini.enqueue(gemini_text("1. A doorstop", prompt_tokens=12, output_tokens=4))
    result = run_template(Template('Uses for {{item}} as JSON {"uses": []}'), {"item": "a brick"},
                          gemini_model)  # fmt: skip
    assert result.output == "1. A doorstop"
    assert (result.stats.purpose, result.stats.input_tokens, result.stats.output_tokens) == (
        "run",
        12,
        4,
    )
    body = gemini.requests[0].body
    assert body["contents"][0]["parts"][0]["text"] == 'Uses for a brick as JSON {"uses": []}'
    assert "systemInstruction" not in body
    assert "responseSchema" not in body.get("generationConfig", {})
