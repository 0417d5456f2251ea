"""Which addresses a webhook may go to, and the signature scheme (Slack's)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.services.webhooks import is_private, sign


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.8", "172.16.5.4", "192.168.1.1", "169.254.169.254", "::1", "fe80::1",
     "::ffff:10.0.0.1", "0.0.0.0", "fc00::1"],
)  # fmt: skip
def test_private_loopback_and_link_local_addresses(address: str) -> None:
    assert is_private(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses(address: str) -> None:
    assert not is_private(address)


def test_signature_is_hmac_sha256_over_version_timestamp_and_body() -> None:
    body = b'{"event":"label.moved"}'
    expected = hmac.new(b"s3cret", b"v0:1700000000:" + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", "1700000000", body) == "v0=" + expected
