"""`alignbot serve` as a real process that can be killed (SIGKILL) and started again, and Slack's
side of delivery: an event is sent until it is acknowledged (HTTP 200), each resend carrying
`X-Slack-Retry-Num`, as Slack does while an app is down or answers with an error.

The suite is sized for CI by default; ALIGNBOT_FAULTS_FULL=1 runs it at full size by hand
(`ALIGNBOT_FAULTS_FULL=1 ./dev test tests/faults -q`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from bot.sandbox.slack_sim import SlackSim
from bot.sandbox.slack_sim.payloads import event_envelope
from bot.sandbox.slack_sim.signing import signed_headers
from tests import local_http

FULL = os.environ.get("ALIGNBOT_FAULTS_FULL", "").lower() in ("1", "true", "yes")
ROOT = Path(__file__).resolve().parents[2]


def sized(ci: int, full: int) -> int:
    return full if FULL else ci


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServeProcess:
    """One `alignbot serve` at a time on `database_url`; `kill()` is a crash, `start()` the
    restart (a new port each time; the simulator is pointed at it)."""

    sim: SlackSim
    database_url: str
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[str] | None = None
    url: str = ""
    logs: list[Path] = field(default_factory=list)
    _log: IO[str] | None = None

    def start(self, timeout: float = 30.0) -> ServeProcess:
        port = _free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": self.sim.bot_token,
            "SLACK_SIGNING_SECRET": self.sim.signing_secret,
            "SLACK_API_URL": self.sim.api_url,
            "DATABASE_URL": self.database_url,
            "ALIGNBOT_POST_INTERVAL": "0",
            "ALIGNBOT_ALIGN_MODEL": "offline",
            "ALIGNBOT_TARGET_MODEL": "offline",
            "ALIGNBOT_SCHEDULER": "false",
            "ALIGNBOT_LOG_LEVEL": "WARNING",
            "SLACK_APP_TOKEN": "",
            "SLACK_CLIENT_ID": "",
            "SLACK_CLIENT_SECRET": "",
            **self.env,
        }
        log = Path(tempfile.mkstemp(prefix="alignbot-serve-", suffix=".log")[1])
        self.logs.append(log)
        self._log = log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"alignbot serve exited:\n{self.output()}")
            try:
                if local_http.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    self.sim.set_app_url(f"{self.url}/slack/events")
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # polling for the process to listen: there is no event to wait on
        raise RuntimeError(f"alignbot serve did not answer /healthz:\n{self.output()}")

    def kill(self) -> None:
        """A crash: SIGKILL, no shutdown of any kind."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()

    def output(self) -> str:
        if self._log is not None:
            self._log.flush()
        return "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in self.logs)

    def rss_bytes(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")


class SlackDelivery:
    """Slack's delivery of events to whatever URL the simulator points at: `deliver` sends one
    event until it is acknowledged; `redeliver` sends a stored body again with a retry number."""

    def __init__(self, sim: SlackSim, give_up_after: float = 60.0) -> None:
        self.sim = sim
        self.give_up_after = give_up_after
        self.client = httpx.Client(timeout=5)
        self.unanswered = 0  # deliveries that got no 200 (the app down, or an error)

    def reaction(self, user: str, ts: str, emoji: str, added: bool) -> tuple[str, bytes]:
        kind = "reaction_added" if added else "reaction_removed"
        channel = self.sim.state.channel("C0GENERAL").id
        event = {
            "type": kind,
            "user": user,
            "reaction": emoji,
            "item_user": self.sim.state.team.bot_user_id,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": f"{time.time():.6f}",
        }
        return event_envelope(self.sim.state, event)

    def reply(self, user: str, thread_ts: str, text: str) -> tuple[str, bytes]:
        """The reply exists in the channel first (as in Slack), then its event is made."""
        channel = self.sim.state.channel("C0GENERAL").id
        msg = self.sim.state.add_message(channel, user=user, text=text, thread_ts=thread_ts)
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": msg["ts"],
            "thread_ts": thread_ts,
            "parent_user_id": self.sim.state.team.bot_user_id,
            "team": self.sim.state.team.id,
            "channel_type": "channel",
            "event_ts": msg["ts"],
        }
        return event_envelope(self.sim.state, event)

    def _post(self, body: bytes, retry_num: int) -> int:
        url = self.sim.deliverer.app_url
        headers = {"Content-Type": "application/json"}
        headers |= signed_headers(self.sim.signing_secret, body)
        if retry_num:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_error"
        try:
            return self.client.post(str(url), content=body, headers=headers).status_code
        except httpx.TransportError:
            return 0

    def deliver(self, body: bytes) -> int:
        """Send until a 200; returns how many retries it took. While the app is down (killed,
        restarting) each attempt fails at once and the next one follows."""
        deadline = time.monotonic() + self.give_up_after
        retry = 0
        while self._post(body, retry) != 200:
            self.unanswered += 1
            retry += 1
            if time.monotonic() > deadline:
                raise TimeoutError(f"not acknowledged within {self.give_up_after}s: {body[:200]!r}")
            time.sleep(0.02)  # Slack backs off between retries; the app is restarting meanwhile
        return retry

    def redeliver(self, body: bytes, retry_num: int = 1) -> int:
        return self._post(body, retry_num)

    def close(self) -> None:
        self.client.close()


def event_id_of(body: bytes) -> str:
    return str(json.loads(body)["event_id"])
