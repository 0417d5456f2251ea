"""A scripted local HTTP server for LLM APIs: queue answers, record requests.

Only the URL route and the wire format differ between providers; subclasses supply those.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG = "hang"  # enqueue this to make the server not answer until the client gives up


@dataclass(frozen=True)
class Raw:
    """An answer sent as-is (e.g. a body that is not JSON)."""

    body: str
    status: int = 200
    content_type: str = "application/json"


@dataclass(frozen=True)
class Status:
    """An HTTP error with the provider's error body; `retry_after` sets the header."""

    code: int
    message: str = ""
    retry_after: float | None = None


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    body: Any
    headers: dict[str, str]


Answer = dict | int | str | Raw | Status


class FakeLLMServer:
    """Start on a free 127.0.0.1 port; use as a context manager or call start()/close()."""

    hang_seconds = 10.0

    def __init__(self) -> None:
        self._queue: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.requests: list[RecordedRequest] = []
        self.fallback: Callable[[RecordedRequest], Answer] | None = None
        self.gets: dict[str, Any] = {}  # GET path -> JSON body (e.g. /v1/models); else 404
        self.get_requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- provider specifics -------------------------------------------------------------------
    def route_ok(self, path: str) -> bool:
        raise NotImplementedError

    def error_body(self, code: int, message: str) -> dict:
        raise NotImplementedError

    # --- scripting -----------------------------------------------------------------------------
    def enqueue(self, *answers: Answer) -> None:
        """Each request takes the next answer: a JSON body (dict), an HTTP status (int or
        Status), HANG, or Raw text."""
        with self._lock:
            self._queue.extend(answers)

    def respond_with(self, fallback: Callable[[RecordedRequest], Answer]) -> None:
        """Answer with `fallback(request)` whenever the queue is empty."""
        self.fallback = fallback

    @property
    def pending(self) -> int:
        return len(self._queue)

    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _next(self, request: RecordedRequest) -> Answer:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        if self.fallback is not None:
            return self.fallback(request)
        return Status(400, f"{type(self).__name__}: no answer queued for this request")

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FakeLLMServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                fake.get_requests.append(self.path)
                if self.path in fake.gets:
                    self._send(200, fake.gets[self.path])
                else:
                    self._send(404, fake.error_body(404, f"no route {self.path}"))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                recorded = RecordedRequest(self.path, body, dict(self.headers.items()))
                if not fake.route_ok(self.path.split("?")[0]):
                    self._send(404, fake.error_body(404, f"no route {self.path}"))
                    return
                fake.requests.append(recorded)
                answer = fake._next(recorded)
                if answer == HANG:
                    fake._closing.wait(fake.hang_seconds)
                    answer = Status(500, "fake server: hung request released")
                if isinstance(answer, int):
                    answer = Status(answer)
                if isinstance(answer, Status):
                    headers = {}
                    if answer.retry_after is not None:
                        headers["Retry-After"] = f"{answer.retry_after:g}"
                    body = fake.error_body(answer.code, answer.message)
                    self._send(answer.code, body, headers)
                elif isinstance(answer, Raw):
                    self._send_text(answer.status, answer.body, answer.content_type)
                else:
                    self._send(200, answer)

            def _send(self, code: int, body: Any, headers: dict | None = None) -> None:
                self._send_text(code, json.dumps(body), "application/json", headers)

            def _send_text(
                self, code: int, text: str, content_type: str, headers: dict | None = None
            ) -> None:
                data = text.encode("utf-8")
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout); nothing to do

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        time.sleep(0)  # let released handlers finish writing

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
