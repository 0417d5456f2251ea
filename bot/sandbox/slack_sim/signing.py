"""Signs requests to the app exactly as Slack does (and, on purpose, as Slack would not)."""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier

STALE_SECONDS = 6 * 60  # older than Slack's 5-minute replay window


def signed_headers(
    signing_secret: str,
    body: bytes,
    *,
    forge_signature: bool = False,
    stale_timestamp: bool = False,
    now: float | None = None,
) -> dict[str, str]:
    """`X-Slack-Request-Timestamp` and `X-Slack-Signature: v0=HMAC_SHA256(secret, v0:ts:body)`.

    `forge_signature` signs with a wrong secret; `stale_timestamp` signs correctly but with a
    timestamp six minutes old, which a verifying app must refuse.
    """
    ts = int(now if now is not None else time.time())
    if stale_timestamp:
        ts -= STALE_SECONDS
    secret = signing_secret + "-forged" if forge_signature else signing_secret
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(ts), body=body)
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature or ""}
