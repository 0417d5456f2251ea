"""One TLS context per process for the clients that send to URLs (webhooks, the simulator's
deliveries): making one reads the CA bundle, tens of ms of CPU, which `httpx.Client()` would
otherwise spend at every client it builds."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
