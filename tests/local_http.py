"""The tests' one HTTP client for requests to the local servers they start.

`httpx.get()` builds a client, and with it a TLS context from the CA bundle, at every call: about
30 ms of CPU here, spent again at every poll of a wait loop while the process being waited for
needs that CPU to start. This client is built once; with no keep-alive, each request still opens
its own connection, exactly as `httpx.get()` does, so a server killed mid-test leaves nothing
stale behind.
"""

from __future__ import annotations

import httpx

client = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))
get = client.get
post = client.post
