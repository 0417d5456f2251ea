"""The fault suite drives the real app over HTTP, like the end-to-end tests: their simulator and
`bot_server` fixtures are shared from tests/e2e/conftest.py."""

from tests.e2e.conftest import bot_server, sim

__all__ = ["bot_server", "sim"]
