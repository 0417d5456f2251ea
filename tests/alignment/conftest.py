"""Fixtures for the engine: the notebook's three scenarios, and Gemini/OpenAI fakes on 127.0.0.1
driven by the real clients (tiny timeouts and backoffs keep the suite fast)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from alignment import Feedback, Template, get_model
from alignment.examples import EXAMPLES
from alignment.files import load_feedback, load_template
from alignment.models import ModelClient
from tests.fakes.gemini_server import FakeGeminiServer
from tests.fakes.openai_server import FakeOpenAIServer

TIMEOUT = 0.4  # seconds: a HANG answer makes the client give up after this
BACKOFF = 0.01


@dataclass(frozen=True)
class Scenario:
    name: str
    template: Template
    feedback: list[Feedback]
    workflow: str


def _scenario(name: str) -> Scenario:
    example = EXAMPLES[name]
    return Scenario(
        name,
        load_template(example.template_path),
        load_feedback(example.feedback_path),
        example.workflow,
    )


@pytest.fixture
def grocery() -> Scenario:
    """Notebook scenario 1: a grocery list; the critique 'no alcohol in the recipe'."""
    return _scenario("grocery")


@pytest.fixture
def uses() -> Scenario:
    """Notebook scenario 2: 'Give three uses for the following item: {{item}}'; not creative."""
    return _scenario("uses")


@pytest.fixture
def howto() -> Scenario:
    """Notebook scenario 3: a step-by-step how-to; direct feedback 'make each step short'."""
    return _scenario("howto")


@pytest.fixture
def offline() -> ModelClient:
    return get_model("offline")


@pytest.fixture
def gemini_model(gemini: FakeGeminiServer) -> ModelClient:
    return get_model(
        "gemini/gemini-2.5-flash",
        credentials=gemini.credentials,
        timeout=TIMEOUT,
        max_retries=2,
        backoff=BACKOFF,
    )


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def openai_model(openai_server: FakeOpenAIServer) -> ModelClient:
    return get_model(
        "openai/gemma3:4b",
        credentials=openai_server.credentials,
        timeout=TIMEOUT,
        max_retries=2,
        backoff=BACKOFF,
    )
