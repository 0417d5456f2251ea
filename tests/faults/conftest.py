"""The fault suite drives the real app over HTTP, like the end-to-end tests: their `bot_server`
fixture is shared from tests/e2e/conftest.py (the simulator, `sim`, is every test's, from
tests/conftest.py)."""

from tests.e2e.conftest import bot_server

__all__ = ["bot_server"]
