"""The three notebook scenarios end to end on a real llama.cpp server with SmolLM2-135M-Instruct.

Nothing is installed here: llama.cpp's server (`xllamacpp`) and the GGUF come from the project's
dependency files, which ./dev installs. The server runs in this process on 127.0.0.1 with a fixed
seed; the engine reaches it through the `openai/…` client, exactly as it would Ollama or vLLM.
A 135M model rarely writes a usable template: what must hold is what the engine guarantees
whatever the model does — a proposal, every placeholder kept, the task kept, only sent feedback
cited, at most three calls, every call bounded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from alignment import get_model, propose, task_kept
from alignment.examples import EXAMPLES
from alignment.files import load_feedback, load_template
from alignment.models import ModelCredentials, OpenAIAccess
from tests import local_http
from tests.alignment.test_proposer import Recording
from tests.resources import unavailable

pytestmark = pytest.mark.local_model
SEED = 7


@pytest.fixture(scope="module")
def llama() -> Iterator[object]:
    try:
        from bot.sandbox.local_model import LocalModelError, LocalServer

        server = LocalServer("smollm2", context_tokens=4096, seed=SEED).start()
    except (ImportError, LocalModelError) as exc:
        unavailable(
            "llama.cpp with SmolLM2", "ALIGNBOT_REQUIRE_LOCAL_MODEL", str(exc), "./dev installs it"
        )
    yield server
    server.close()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["grocery", "uses", "howto"])
def test_notebook_scenario_on_a_real_llamacpp_server(llama, name):
    access = ModelCredentials(openai=OpenAIAccess(base_url=llama.base_url))
    client = get_model(
        llama.model_name, credentials=access, timeout=120, max_retries=1, backoff=0.2
    )
    assert client.context_window() == 4096  # asked from the server, not configured
    model = Recording(client)
    example = EXAMPLES[name]
    template = load_template(example.template_path)
    feedback = load_feedback(example.feedback_path)
    started = time.perf_counter()

    result = propose(template, feedback, [], workflow=example.workflow, model=model, seed=SEED)

    seconds = time.perf_counter() - started
    new = result.template
    assert sorted(new.variables) == sorted(template.variables)  # every placeholder, no other
    assert task_kept.measure(template.text, new.text).ok
    assert new.text.strip() != template.text.strip()
    ids = {f.id for f in feedback}
    assert set(result.used_feedback_ids) <= ids
    for mutation in result.mutations:
        assert mutation.feedback_ids and set(mutation.feedback_ids) <= set(result.used_feedback_ids)
    # flat: distill (principles workflow) + rewrite + at most one repair
    assert (
        len(result.calls) == len(model.requests) <= (3 if example.workflow == "principles" else 2)
    )
    for request in model.requests:
        assert request.seed == SEED and request.max_tokens and request.json_schema is not None
        assert request.max_tokens < 4096 // 2
    if example.workflow == "principles":
        distill = model.requests[0].json_schema["properties"]["principles"]
        assert list(distill["properties"]) == [f.id for f in feedback if f.kind.value != "label"]
    if result.fallback:  # what the model could not do is said, and the principles still arrive
        assert "unusable" in result.rationale
        for principle in result.principles_after:
            assert principle.text.replace("{{", "{ {") in new.text
    print(f"{name}: {seconds:.1f}s, {len(result.calls)} calls, fallback={bool(result.fallback)}")


@pytest.mark.timeout(300)
def test_sandbox_local_model_starts_the_server_and_the_page_says_which_model(llama, tmp_path):
    """`alignbot sandbox --local-model`: llama.cpp is started by the sandbox itself; the seeded
    run's output comes from SmolLM2, and the page's info names the model."""
    from tests.e2e.test_sandbox_cli import bot_runs, start, stop, wait

    proc, url = start(tmp_path, "--local-model")
    try:
        info = local_http.get(f"{url}/sim/api/info", timeout=10).json()
        assert info["align_model"] == info["target_model"] == "openai/smollm2-135m-instruct"
        assert "SmolLM2-135M-Instruct" in info["model"]
        assert "llama.cpp's server at http://127.0.0.1:" in info["model_note"]
        [run] = wait(lambda: [r for r in bot_runs(url) if "offline" not in r["text"]], 240)
        assert "tldr" in run["text"]
        assert "model `openai/smollm2-135m-instruct`" in json.dumps(run["blocks"])
    finally:
        code, out = stop(proc)
    assert code == 0, out
