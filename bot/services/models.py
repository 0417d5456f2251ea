"""Which model clients the services use: names from configuration, clients built once."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from alignment.models import ModelClient, ModelCredentials, get_model


@dataclass
class Models:
    align_model: str = "offline"
    target_model: str = "offline"  # default for templates that do not set their own
    timeout: float = 60.0
    max_retries: int = 2
    backoff: float = 1.0  # seconds before the first retry
    credentials: ModelCredentials = field(default_factory=ModelCredentials, repr=False)
    _clients: dict[str, ModelClient] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, name: str) -> ModelClient:
        with self._lock:
            if name not in self._clients:
                self._clients[name] = get_model(
                    name,
                    credentials=self.credentials,
                    timeout=self.timeout,
                    max_retries=self.max_retries,
                    backoff=self.backoff,
                )
            return self._clients[name]

    def target(self, name: str | None) -> tuple[str, ModelClient]:
        chosen = name or self.target_model
        return chosen, self.client(chosen)

    def align(self) -> ModelClient:
        return self.client(self.align_model)
