"""Signs requests to the app exactly as Slack does (and, on purpose, as Slack would not)."""

from __future__ import annotations

import hashlib
import hmac
import time

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
    # Over the raw bytes, as Slack signs them (slack-sdk's generator decodes them as UTF-8
    # first, so it cannot sign the invalid UTF-8 a hostile test sends).
    digest = hmac.new(secret.encode(), b"v0:%d:%s" % (ts, body), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}
