"""`alignbot sandbox` as a person runs it: a real process, a page on 127.0.0.1, Ctrl-C stops it,
and the next start shows the channel as it was."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.sandbox.runner import slack_file
from bot.sandbox.slack_sim import persist
from bot.sandbox.slack_sim.state import SimState
from tests import local_http
from tests.fakes.gemini_server import gemini_text

MODEL_VARS = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "OPENAI_API_KEY")
MODEL_VARS += (
    "GEMINI_BASE_URL",
    "OPENAI_BASE_URL",
    "ALIGNBOT_ALIGN_MODEL",
    "ALIGNBOT_TARGET_MODEL",
)
MODEL_VARS += ("SLACK_BOT_TOKEN",)  # a real deployment's token must neither leak in nor warn


def start(
    tmp_path: Path, *args: str, printed: list[str] | None = None
) -> tuple[subprocess.Popen, str]:
    """The sandbox's process and its URL; `printed` receives the lines printed up to the URL."""
    env = {k: v for k, v in os.environ.items() if k not in MODEL_VARS}
    env |= {"PYTHONUNBUFFERED": "1", "ALIGNBOT_SCHEDULER": "true"}
    cmd = [sys.executable, "-m", "bot.cli", "sandbox", "--port", "0", "--no-browser"]
    proc = subprocess.Popen(
        [*cmd, "--database", str(tmp_path / "sb.db"), *args],
        cwd=tmp_path,  # no .env from the developer's checkout
        env=env | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        bufsize=0,  # unbuffered: what follows the URL stays in the pipe for stop() to read
    )
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while raw := proc.stdout.readline():
        line = raw.decode()
        if printed is not None:
            printed.append(line)
        if m := re.search(r"alignbot sandbox: (http://\S+)", line):
            return proc, m.group(1)
        if time.monotonic() > deadline:
            break
    proc.kill()
    pytest.fail(f"the sandbox did not print its URL: {proc.stdout.read().decode()}")


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> tuple[int, str]:
    proc.send_signal(sig)  # SIGINT is what Ctrl-C sends
    out, _ = proc.communicate(timeout=20)
    return proc.returncode, out.decode()


def stop_with_page_open(proc: subprocess.Popen, url: str, sig: int) -> tuple[int, str, float]:
    """Stops the sandbox while a page waits in its long poll, as an open browser tab does;
    returns the exit code, the output and how long stopping took."""
    version = state(url)["version"]
    polling = threading.Event()

    def page() -> None:
        polling.set()
        with contextlib.suppress(httpx.HTTPError):  # the server goes away under it
            local_http.get(f"{url}/sim/api/state?since={version}&wait=20", timeout=30)

    waiter = threading.Thread(target=page, daemon=True)
    waiter.start()
    polling.wait()
    time.sleep(0.3)  # unanswered 0.3 s later: the server holds it in its long poll (20 s)
    assert waiter.is_alive()
    began = time.monotonic()
    code, out = stop(proc, sig)
    return code, out, time.monotonic() - began


def state(url: str) -> dict:
    return local_http.get(f"{url}/sim/api/state", timeout=10).json()


def bot_runs(url: str) -> list[dict]:
    msgs = state(url)["messages"]["C0GENERAL"]
    return [m for m in msgs if "run_again" in json.dumps(m.get("blocks", []))]


def wait(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return value


def test_sandbox_starts_seeds_stops_and_resumes(tmp_path):
    proc, url = start(tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:")  # not reachable from other machines
        page = local_http.get(url + "/", timeout=10)
        assert page.status_code == 200 and "alignbot sandbox" in page.text
        assert local_http.get(f"{url}/sim/api/info", timeout=10).json()["model"] == "offline"
        seeded = wait(lambda: bot_runs(url))
        assert "tldr" in seeded[0]["text"]
        code, out, took = stop_with_page_open(proc, url, signal.SIGINT)
    finally:
        if proc.poll() is None:
            stop(proc)
    assert code == 0, out
    assert "stopping" in out
    assert took < 2.0, f"Ctrl-C with a page open took {took:.1f} s"

    # Started again on the same database: the channel is back and its buttons still work.
    proc, url = start(tmp_path)
    try:
        runs = bot_runs(url)
        assert [r["ts"] for r in runs] == [r["ts"] for r in seeded]
        click = {
            "user": "bob",
            "channel": "C0GENERAL",
            "ts": runs[0]["ts"],
            "action_id": "run_again",
        }
        resp = local_http.post(f"{url}/sim/api/click_button", json=click, timeout=10)
        assert resp.json()["status"] == 200
        wait(lambda: len(bot_runs(url)) == 2)
        code, out, took = stop_with_page_open(proc, url, signal.SIGTERM)
    finally:
        if proc.poll() is None:
            stop(proc)
    # SIGTERM (a service manager, `kill`) stops as cleanly as Ctrl-C, and as fast.
    assert code == 0, out
    assert "stopping" in out and "Traceback" not in out
    assert took < 2.0, f"SIGTERM with a page open took {took:.1f} s"

    # The SIGTERM'd sandbox saved its channel on the way out, as Ctrl-C does: both runs are in the
    # file the next start shows (read here without starting a third time).
    saved = SimState()
    assert persist.load_file(saved, slack_file(tmp_path / "sb.db"))
    runs = [m for m in saved.history("C0GENERAL") if "run_again" in json.dumps(m.get("blocks"))]
    assert len(runs) == 2

    # --reset starts over: one seeded run again.
    proc, url = start(tmp_path, "--reset")
    try:
        # The seeded run's answer is in (the seed's last step): one run, not one per start.
        wait(lambda: any("offline model" in json.dumps(r) for r in bot_runs(url)))
        assert len(bot_runs(url)) == 1
    finally:
        stop(proc)


def test_a_first_start_prints_only_what_a_user_needs(tmp_path):
    printed: list[str] = []
    proc, url = start(tmp_path, printed=printed)
    try:
        wait(lambda: bot_runs(url))  # the seeded example has gone through the bot
    finally:
        code, out = stop(proc)
    assert code == 0, out
    lines = [line.rstrip() for line in "".join(printed).splitlines() + out.splitlines()]
    assert lines == [
        f"alignbot sandbox: {url}",
        f"  model: offline   database: {tmp_path / 'sb.db'}",
        "  Ctrl-C stops it.",
        "alignbot sandbox: stopping…",
    ]


def test_a_gemini_key_only_in_dotenv_is_used_by_the_sandbox(tmp_path, gemini):
    """The regression of issue 8: the sandbox picked Gemini from `.env`, then the client failed
    with "no Gemini credentials" because it looked in the process environment."""
    gemini.respond_with(lambda request: gemini_text("Porto, same dates; Lisbon flights by Friday."))
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in gemini.env.items()))
    proc, url = start(tmp_path)
    try:
        assert local_http.get(f"{url}/sim/api/info", timeout=10).json()["model"] == (
            "gemini/gemini-2.5-flash"
        )
        [run] = wait(lambda: bot_runs(url))
        assert "Porto, same dates; Lisbon flights by Friday." in json.dumps(run["blocks"])
        assert "no Gemini credentials" not in json.dumps(run["blocks"])
        assert {gemini.model_of(r) for r in gemini.requests} == {"gemini-2.5-flash"}
        keys = {
            v
            for r in gemini.requests
            for k, v in r.headers.items()
            if k.lower() == "x-goog-api-key"
        }
        assert keys == {gemini.API_KEY}
    finally:
        stop(proc)
