"""A demo of the team's own application, inside the sandbox: a thread that uses the Python
client (`alignbot_client`) with a real API token over the real HTTP API, the way a team's app
would. While the page's toggle is on it fetches `production` of the example template, renders
it, runs the target model and logs the output every few seconds; the output is posted in the
channel for review. After an approval its next output uses the new version.

Before each output it revalidates its cached copy (`refresh`, one conditional request; a real
app might do that on a `version.approved` webhook, or accept up to `cache_ttl` of staleness), so
an approval shows in the very next output.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from alignbot_client import Alignbot, TemplateUnavailable
from alignment.models.base import LLMRequest, ModelClient

log = logging.getLogger(__name__)

DEMO_INPUTS = (
    "The cafeteria closes at 2 pm on Friday for the floor polish; the coffee machine on 3 "
    "stays on. Lunch vouchers are valid at the bakery across the street instead.",
    "From Monday the build server moves to the new rack. Expect 20 minutes of downtime at "
    "7 am; queued builds resume on their own. Ping Sam if anything stays red.",
    "The customer call with Northwind is moved to Thursday 10:00 because their CFO is "
    "travelling. The agenda stays the same; Priya sends the updated deck tomorrow.",
)


@dataclass
class DemoOutput:
    version: int
    output: str
    at: float
    run_key: str


class DemoApp:
    def __init__(
        self,
        api_url: str,
        token: str,
        model: Callable[[], tuple[str, ModelClient]],
        *,
        template: str = "tldr",
        interval: float = 5.0,
    ) -> None:
        self.template = template
        self.interval = interval
        self.model = model  # (name, client) of the target model, as the bot runs it
        self.client = Alignbot(api_url, token, cache_ttl=1.0, flush_interval=0.2)
        self.enabled = False
        self.last: DemoOutput | None = None
        self.status = "off"
        self.count = 0
        self._inputs = itertools.cycle(DEMO_INPUTS)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sandbox-demo-app", daemon=True)

    def start(self) -> DemoApp:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)
        self.client.close(timeout=2)

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.status = "on" if on else "off"
        self._wake.set()

    def describe(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "template": self.template,
            "interval": self.interval,
            "status": self.status,
            "outputs": self.count,
            "last": asdict(self.last) if self.last else None,
            "dropped": self.client.stats.dropped_full + self.client.stats.dropped_failed,
        }

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self.enabled:
                self.tick()
                self._wake.wait(self.interval)
            else:
                self._wake.wait()
            self._wake.clear()

    def tick(self) -> DemoOutput | None:
        """One output: fetch production, render, run the model, log it (never raises)."""
        self.client.refresh(self.template)
        try:
            prompt = self.client.get_template(self.template)
        except TemplateUnavailable as exc:
            self.status = f"waiting: {exc}"
            return None
        text = next(self._inputs)
        try:
            rendered = prompt.render(**{v: text for v in prompt.variables})
            name, model = self.model()
            started = time.perf_counter()
            answer = model.generate(LLMRequest(system="", prompt=rendered, purpose="run"))
            latency = (time.perf_counter() - started) * 1000
        except Exception as exc:  # the demo shows the failure rather than dying
            self.status = f"the model failed: {exc}"
            log.info("sandbox demo app: %s", exc)
            return None
        self.count += 1
        key = self.client.log_run(
            prompt,
            answer.text,
            inputs={v: text for v in prompt.variables},
            model=name,
            latency_ms=latency,
            trace_id=f"demo-{self.count}",
            end_user_id="demo-user",
            metadata={"app": "sandbox demo"},
        )
        self.last = DemoOutput(prompt.version, answer.text, time.time(), key)
        self.status = f"on: v{prompt.version} of {self.template}"
        return self.last
