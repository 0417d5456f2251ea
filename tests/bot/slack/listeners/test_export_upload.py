"""A long export is uploaded whole as a file through slack-sdk's files_upload_v2.

The Slack simulator does not speak the file-upload methods yet, so a minimal stand-in for
Slack's servers answers them here in their wire format: files.getUploadURLExternal, the upload
URL, files.completeUploadExternal.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from bot.services import Actor
from bot.slack.webapi import SlackPoster, make_web_client
from tests.bot.slack.listeners.conftest import CHANNEL, TEAM, claimed

ALICE = Actor(TEAM, "U0ALICE", CHANNEL)


class FakeFileServer:
    """What Slack's three upload steps receive, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.uploaded: dict[str, bytes] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.path.startswith("/upload/"):
                    fake.uploaded[self.path.rsplit("/", 1)[1]] = body
                    self._send(200, "text/plain", b"OK - 0")
                    return
                method = self.path.rsplit("/", 1)[1]
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                fake.calls.append((method, form))
                if method == "files.getUploadURLExternal":
                    answer = {"ok": True, "file_id": "F0EXPORT",
                              "upload_url": f"{fake.url}/upload/F0EXPORT"}  # fmt: skip
                elif method == "files.completeUploadExternal":
                    files = json.loads(form["files"])
                    answer = {"ok": True, "files": [{"id": f["id"], "title": f["title"]}
                                                    for f in files]}  # fmt: skip
                else:
                    answer = {"ok": False, "error": "unknown_method"}
                self._send(200, "application/json", json.dumps(answer).encode())

            def _send(self, status: int, ctype: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def files() -> Iterator[FakeFileServer]:
    server = FakeFileServer()
    yield server
    server.close()


def test_a_long_export_is_uploaded_whole_as_json(app, slack, files, monkeypatch):
    long_text = "Summarize {{text}} like this: " + "a careful sentence. " * 800
    slack.command(f"new big {long_text}")
    slack.command("export big")
    [item] = claimed(app)
    poster = SlackPoster(make_web_client("xoxb-test", f"{files.url}/api/"))
    monkeypatch.setattr(app.deps.posters, "for_team", lambda *a, **k: poster)

    app.router(item)

    methods = [m for m, _ in files.calls]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]
    asked = files.calls[0][1]
    assert asked["filename"] == "big.json"
    exported = json.loads(files.uploaded["F0EXPORT"].decode())  # the whole file, valid JSON
    assert exported == json.loads(app.services.transfer.export_text(ALICE, "big"))
    assert long_text.strip() in json.dumps(exported)
    assert int(asked["length"]) == len(files.uploaded["F0EXPORT"])
    done = files.calls[1][1]
    assert done["channel_id"] == CHANNEL and "U0ALICE" in done["initial_comment"]
    assert json.loads(done["files"])[0]["title"] == "Export of big"
