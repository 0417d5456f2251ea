"""Replies to `/align token …`, `/align label …` and `/align webhook …`.

A new token or webhook secret is shown once, in a reply only its creator sees (the ack is
ephemeral); it is never stored in the clear (tokens) or shown again (secrets)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.slack.views.blocks import Message, context, message, section
from bot.slack.views.text import escape, inline_code, mention
from storage.api_records import (
    ApiTokenInfo,
    DeliveryInfo,
    LabelMove,
    NewToken,
    NewWebhook,
    WebhookInfo,
)


def _when(info_at: object) -> str:
    return info_at.strftime("%Y-%m-%d %H:%M UTC") if hasattr(info_at, "strftime") else "never"


def token_created_message(made: NewToken) -> Message:
    scopes = ", ".join(inline_code(s.value) for s in made.info.scopes)
    text = (
        f":key: Token *{escape(made.info.name)}* ({scopes}):\n```{made.secret}```\n"
        "Copy it now: this is the only time it is shown. Send it as "
        "`Authorization: Bearer <token>`."
    )
    return message(f"Token {made.info.name} created", [section(text)])


def tokens_message(tokens: Sequence[ApiTokenInfo]) -> Message:
    if not tokens:
        text = "No API tokens yet: `/align token create NAME` makes one."
        return message(text, [section(text)])
    lines = []
    for t in tokens:
        state = f"~revoked {_when(t.revoked_at)}~" if t.revoked_at else "active"
        scopes = ", ".join(s.value for s in t.scopes)
        lines.append(
            f"• *{escape(t.name)}* {inline_code(t.prefix + '…')} · {scopes} · {state} · "
            f"by {mention(t.created_by)} · last used {_when(t.last_used_at)}"
        )
    return message("API tokens", [section("*API tokens*\n" + "\n".join(lines))])


def token_revoked_message(t: ApiTokenInfo) -> Message:
    text = f":no_entry: Token *{escape(t.name)}* is revoked: requests with it now get 401."
    return message(text, [section(text)])


def label_message(name: str, move: LabelMove) -> Message:
    was = f" (was v{move.previous_number})" if move.previous_number else ""
    text = (
        f":label: `{escape(move.label)}` of *{escape(name)}* now points at "
        f"v{move.version.number}{was}."
    )
    return message(text, [section(text)])


def webhook_added_message(made: NewWebhook) -> Message:
    events = ", ".join(inline_code(e.value) for e in made.info.events)
    text = (
        f":satellite: Webhook #{made.info.id} → {escape(made.info.url)} on {events}.\n"
        f"Signing secret (shown once):\n```{made.secret}```\n"
        "Each request carries `X-Alignbot-Request-Timestamp` and `X-Alignbot-Signature: "
        'v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")`, as Slack signs its requests.'
    )
    return message(f"Webhook #{made.info.id} added", [section(text)])


def webhooks_message(hooks: Sequence[WebhookInfo]) -> Message:
    if not hooks:
        text = "No webhooks: `/align webhook add URL [events]` adds one."
        return message(text, [section(text)])
    lines = [f"• #{h.id} {escape(h.url)} · {', '.join(e.value for e in h.events)}" for h in hooks]
    return message("Webhooks", [section("*Webhooks*\n" + "\n".join(lines))])


def webhook_removed_message(h: WebhookInfo) -> Message:
    text = f"Webhook #{h.id} ({escape(h.url)}) is removed."
    return message(text, [section(text)])


def webhook_log_message(deliveries: Sequence[DeliveryInfo]) -> Message:
    if not deliveries:
        text = "No webhook deliveries yet."
        return message(text, [section(text)])
    lines = []
    for d in deliveries:
        code = f"HTTP {d.last_status}" if d.last_status else (d.last_error or "not sent yet")
        lines.append(
            f"• #{d.id} {inline_code(d.event.value)} → {escape(d.url)} · *{d.status.value}* · "
            f"{escape(code[:120])} · {d.attempts} attempt{'s' if d.attempts != 1 else ''} · "
            f"{_when(d.created_at)}"
        )
    blocks = [
        section("*Recent webhook deliveries*\n" + "\n".join(lines)),
        context("Newest first; failed deliveries are retried with backoff."),
    ]
    return message("Recent webhook deliveries", blocks)


def allow_private_message(allowed: bool) -> Message:
    text = (
        "Webhooks may now go to private, loopback and link-local addresses in this workspace."
        if allowed
        else "Webhooks to private, loopback and link-local addresses are refused again."
    )
    return message(text, [section(text)])
