"""The app's few Web API writes, paced per channel and tolerant of Slack's benign errors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block

from bot.slack.webapi.pacer import ChannelPacer

log = logging.getLogger(__name__)

MAX_BLOCKS = 50  # per message
# Reacting twice, or un-reacting what is gone, is the state we wanted anyway.
_BENIGN_REACTION_ERRORS = {"already_reacted", "no_reaction", "message_not_found"}


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


def _as_dicts(blocks: Sequence[Block | dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [b.to_dict() if isinstance(b, Block) else dict(b) for b in blocks or ()]


class SlackPoster:
    def __init__(self, client: WebClient, pacer: ChannelPacer | None = None) -> None:
        self.client = client
        self.pacer = pacer or ChannelPacer()
        self._permalinks: dict[tuple[str, str], str] = {}

    def post(
        self,
        channel: str,
        text: str,
        blocks: Sequence[Block | dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> Posted:
        """Post a message; more than 50 blocks continue as replies in the message's thread."""
        all_blocks = _as_dicts(blocks)
        chunks = [all_blocks[i : i + MAX_BLOCKS] for i in range(0, len(all_blocks), MAX_BLOCKS)]
        first = self._post_one(channel, text, chunks[0] if chunks else None, thread_ts)
        for chunk in chunks[1:]:
            self._post_one(channel, text, chunk, thread_ts or first.ts)
        return first

    def _post_one(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None, thread_ts: str | None
    ) -> Posted:
        self.pacer.wait(channel)
        kwargs: dict[str, Any] = {"channel": channel, "text": text, "unfurl_links": False}
        if blocks:
            kwargs["blocks"] = blocks
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        resp = self.client.chat_postMessage(**kwargs)
        return Posted(channel=resp["channel"], ts=resp["ts"])

    def update(
        self,
        channel: str,
        ts: str,
        text: str,
        blocks: Sequence[Block | dict[str, Any]] | None = None,
    ) -> None:
        dicts = _as_dicts(blocks)[:MAX_BLOCKS]
        self.client.chat_update(channel=channel, ts=ts, text=text, blocks=dicts)

    def delete(self, channel: str, ts: str) -> None:
        """Remove one of our messages (a progress note whose work ended another way)."""
        try:
            self.client.chat_delete(channel=channel, ts=ts)
        except SlackApiError as e:
            if e.response.get("error") not in ("message_not_found", "cant_delete_message"):
                raise

    def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Sequence[Block | dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        if blocks:
            kwargs["blocks"] = _as_dicts(blocks)[:MAX_BLOCKS]
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        self.client.chat_postEphemeral(**kwargs)

    def react(self, channel: str, ts: str, name: str) -> None:
        """Acknowledge feedback with an emoji on the person's message (not a new message)."""
        try:
            self.client.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackApiError as e:
            if e.response.get("error") not in _BENIGN_REACTION_ERRORS:
                raise

    def unreact(self, channel: str, ts: str, name: str) -> None:
        try:
            self.client.reactions_remove(channel=channel, timestamp=ts, name=name)
        except SlackApiError as e:
            if e.response.get("error") not in _BENIGN_REACTION_ERRORS:
                raise

    def upload(self, channel: str, filename: str, content: str, *, title: str, comment: str) -> str:
        """Share `content` whole as a file in the channel (slack-sdk's files_upload_v2: get an
        upload URL, send the bytes, complete the upload). Returns the file id."""
        self.pacer.wait(channel)
        resp = self.client.files_upload_v2(
            channel=channel,
            filename=filename,
            content=content,
            title=title,
            initial_comment=comment,
        )
        file = resp.get("file") or (resp.get("files") or [{}])[0]
        return str(file.get("id", ""))

    def find_own(
        self,
        channel: str,
        oldest: str,
        text: str,
        taken: Callable[[str], bool] | None = None,
        thread_ts: str | None = None,
    ) -> Posted | None:
        """A message this app posted with `text` since `oldest` (a post whose reply was lost),
        oldest first, skipping those `taken(ts)` says belong to something else; with
        `thread_ts`, among that thread's replies."""
        if thread_ts:
            resp = self.client.conversations_replies(
                channel=channel, ts=thread_ts, oldest=oldest, limit=200
            )
        else:
            resp = self.client.conversations_history(channel=channel, oldest=oldest, limit=200)
        for msg in sorted(resp.get("messages") or [], key=lambda m: float(m["ts"])):
            if msg.get("bot_id") and msg.get("text") == text and not (taken and taken(msg["ts"])):
                return Posted(channel=channel, ts=msg["ts"])
        return None

    def thread_texts(self, channel: str, thread_ts: str) -> list[tuple[str, str]]:
        """What people (not bots) said in a thread, oldest first, as (user id, text)."""
        resp = self.client.conversations_replies(channel=channel, ts=thread_ts, limit=200)
        return [
            (str(msg.get("user") or ""), str(msg.get("text") or ""))
            for msg in sorted(resp.get("messages") or [], key=lambda m: float(m["ts"]))
            if msg.get("ts") != thread_ts and not msg.get("bot_id") and msg.get("user")
        ]

    def permalink(self, channel: str, ts: str) -> str | None:
        """Links never change, and a proposal re-renders its links at every decision: cached."""
        key = (channel, ts)
        if key not in self._permalinks:
            try:
                resp = self.client.chat_getPermalink(channel=channel, message_ts=ts)
            except SlackApiError:
                return None
            if len(self._permalinks) > 10_000:
                self._permalinks.clear()
            self._permalinks[key] = resp["permalink"]
        return self._permalinks[key]

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        self.client.views_publish(user_id=user_id, view=view)


class PosterProvider:
    """One SlackPoster per workspace, all sharing one pacer (pacing is per channel anyway)."""

    def __init__(self, clients, pacer: ChannelPacer | None = None) -> None:
        self.clients = clients
        self.pacer = pacer or ChannelPacer()
        self._posters: dict[tuple[str | None, str | None], SlackPoster] = {}

    def for_team(self, team_id: str | None = None, enterprise_id: str | None = None) -> SlackPoster:
        key = (enterprise_id, team_id)
        poster = self._posters.get(key)
        if poster is None:
            poster = SlackPoster(self.clients.for_team(team_id, enterprise_id), self.pacer)
            self._posters[key] = poster
        return poster
