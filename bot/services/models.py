"""Which model clients the services use: names from configuration, clients built once."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from alignment.models import ModelClient, get_model


@dataclass
class Models:
    align_model: str = "offline"
    target_model: str = "offline"  # default for templates that do not set their own
    timeout: float = 60.0
    max_retries: int = 2
    _clients: dict[str, ModelClient] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, name: str) -> ModelClient:
        with self._lock:
            if name not in self._clients:
                self._clients[name] = get_model(
                    name, timeout=self.timeout, max_retries=self.max_retries
                )
            return self._clients[name]

    def target(self, name: str | None) -> tuple[str, ModelClient]:
        chosen = name or self.target_model
        return chosen, self.client(chosen)

    def align(self) -> ModelClient:
        return self.client(self.align_model)
