"""File uploads as slack-sdk's `files_upload_v2` does them: files.getUploadURLExternal, a POST of
the bytes to the returned URL, files.completeUploadExternal to share them in a channel.

Shared files appear on their message (`files`, as in Slack) and are served back as plain text
(never as HTML) at `/sim/files/<id>`.
"""

from __future__ import annotations

import json
import mimetypes
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.sandbox.slack_sim.state import SimError

MAX_FILE = 50 * 1024 * 1024


def _req(args: dict[str, Any], name: str) -> Any:
    if args.get(name) in (None, ""):
        raise SimError("invalid_arguments", detail=f"missing required argument: {name}")
    return args[name]


def get_upload_url(ctx, args: dict[str, Any]) -> dict[str, Any]:
    filename = str(_req(args, "filename"))
    try:
        length = int(_req(args, "length"))
    except ValueError as e:
        raise SimError("invalid_arguments", detail="length must be a number") from e
    if length <= 0 or length > MAX_FILE:
        raise SimError("invalid_arguments", detail="length out of range")
    st = ctx.state
    file_id = st.new_id("F")
    with st.lock:
        st.files[file_id] = {"id": file_id, "name": filename, "length": length, "uploaded": False}
    return {"upload_url": f"{ctx.base_url()}/sim/upload/{file_id}", "file_id": file_id}


def complete_upload(ctx, args: dict[str, Any]) -> dict[str, Any]:
    st = ctx.state
    files = args.get("files")
    if isinstance(files, str):
        try:
            files = json.loads(files)
        except ValueError as e:
            raise SimError("invalid_arguments", detail="files is not valid JSON") from e
    if not isinstance(files, list) or not files:
        raise SimError("invalid_arguments", detail="files must be a non-empty list")
    shared = []
    with st.lock:
        for item in files:
            meta = st.files.get(str(item.get("id")))
            if meta is None or not meta.get("uploaded"):
                raise SimError("file_not_found")
            meta["title"] = item.get("title") or meta["name"]
            shared.append(_file_object(ctx, meta))
    channel = args.get("channel_id") or args.get("channels")
    if channel:
        ch = st.channel(str(channel).split(",")[0])
        st.add_message(
            ch.id,
            user=st.team.bot_user_id,
            text=args.get("initial_comment") or "",
            thread_ts=args.get("thread_ts") or None,
            bot=True,
            extra={"files": shared, "upload": True},
        )
    return {"files": shared}


def files_info(ctx, args: dict[str, Any]) -> dict[str, Any]:
    """A file's object (as Slack answers `files.info`), e.g. one a person gave a file_input."""
    file_id = str(_req(args, "file"))
    with ctx.state.lock:
        meta = ctx.state.files.get(file_id)
        if meta is None or not meta.get("uploaded"):
            raise SimError("file_not_found")
        return {"file": _file_object(ctx, meta)}


def add_user_file(ctx, user: str, name: str, content: str) -> dict[str, Any]:
    """A file a person uploads in the client (e.g. into a modal's file_input): stored, not
    shared in any channel; its object is what the submitted view's state carries."""
    st = ctx.state
    file_id = st.new_id("F")
    with st.lock:
        st.files[file_id] = {
            "id": file_id,
            "name": name,
            "length": len(content.encode()),
            "uploaded": True,
            "user": user,
        }
        st.file_data[file_id] = content
        return _file_object(ctx, st.files[file_id])


def _file_object(ctx, meta: dict[str, Any]) -> dict[str, Any]:
    name = meta["name"]
    url = f"{ctx.base_url()}/sim/files/{meta['id']}"
    return {
        "id": meta["id"],
        "created": int(time.time()),
        "name": name,
        "title": meta.get("title", name),
        "mimetype": mimetypes.guess_type(name)[0] or "text/plain",
        "filetype": name.rsplit(".", 1)[-1] if "." in name else "text",
        "user": meta.get("user") or ctx.state.team.bot_user_id,
        "size": meta["length"],
        "mode": "hosted",
        "is_external": False,
        "url_private": url,
        "url_private_download": url,
        "permalink": url,
    }


def upload_endpoint(state):
    async def upload(request: Request) -> Response:
        file_id = request.path_params["file_id"]
        data = await request.body()
        with state.lock:
            meta = state.files.get(file_id)
            if meta is None or meta["uploaded"]:
                return PlainTextResponse("not found", status_code=404)
            meta["uploaded"], meta["length"] = True, len(data)
            state.file_data[file_id] = data.decode("utf-8", "replace")
        return PlainTextResponse(f"OK - {len(data)}")

    return upload


def download_endpoint(state):
    async def download(request: Request) -> Response:
        file_id = request.path_params["file_id"]
        with state.lock:
            meta, text = state.files.get(file_id), state.file_data.get(file_id)
        if meta is None or text is None:
            return PlainTextResponse("file not found", status_code=404)
        # Always text: an uploaded HTML file must not run in the sandbox's origin.
        headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
        return PlainTextResponse(text, headers=headers)

    return download


METHODS = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": files_info,
}
