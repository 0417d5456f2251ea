"""Reading a file a person attached (a modal's file_input) as Slack serves it: `files.info` for
its private URL, then a GET with the bot token (Slack's files are never public)."""

from __future__ import annotations

import urllib.error
import urllib.request

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

MAX_FILE_BYTES = 2 * 1024 * 1024  # an export is JSON text; far larger is not one
FETCH_TIMEOUT = 2.0  # seconds: this runs inside a view submission, acked within 3 s


class FileUnreadable(Exception):
    """The file could not be read; the message is for the person who attached it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def fetch_text(client: WebClient, file_id: str) -> tuple[str, str]:
    """(file name, its text). Raises FileUnreadable with the reason."""
    try:
        info = client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        raise FileUnreadable(f"Slack would not give me the file ({error}).") from None
    name = str(info.get("name") or file_id)
    size = int(info.get("size") or 0)
    if size > MAX_FILE_BYTES:
        raise FileUnreadable(f"`{name}` is {size:,} bytes; an export is at most 2 MB.")
    url = info.get("url_private_download") or info.get("url_private")
    if not url:
        raise FileUnreadable(f"`{name}` has no download address.")
    request = urllib.request.Request(str(url), headers={"Authorization": f"Bearer {client.token}"})
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as response:
            data = response.read(MAX_FILE_BYTES + 1)
    except (urllib.error.URLError, TimeoutError) as exc:
        raise FileUnreadable(f"`{name}` could not be downloaded ({exc}).") from exc
    if len(data) > MAX_FILE_BYTES:
        raise FileUnreadable(f"`{name}` is over 2 MB; an export is smaller.")
    try:
        return name, data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileUnreadable(f"`{name}` is not text (an export is a UTF-8 JSON file).") from None
