"""Run a template on the target model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from alignment.models.base import LLMRequest, ModelClient
from alignment.template import Template, TemplateError
from alignment.usage import CallStats


@dataclass(frozen=True)
class RunResult:
    output: str
    stats: CallStats


def run_template(
    template: Template, inputs: Mapping[str, str], model: ModelClient, *, temperature: float = 0.7
) -> RunResult:
    """Render and run; raises MissingVariableError before any call, ModelError from the model."""
    prompt = template.render(inputs)
    response = model.generate(
        LLMRequest(system="", prompt=prompt, temperature=temperature, purpose="run")
    )
    return RunResult(output=response.text, stats=response.stats)


def inputs_from_text(template: Template, text: str) -> dict[str, str]:
    """Free text fills a single-variable template; anything else needs name=value pairs."""
    names = template.variables
    if len(names) == 1:
        return {names[0]: text}
    if not names:
        if text.strip():
            raise TemplateError("this template has no variables, so it takes no input text")
        return {}
    listed = ", ".join(names)
    raise TemplateError(
        f"this template has {len(names)} variables ({listed}): give each as name=value"
    )
