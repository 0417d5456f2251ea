"""External resources the tests need (PostgreSQL, Chromium): skipped where a developer lacks one,
a failure where the run requires it (CI sets the REQUIRE variables), never a silent skip in CI."""

from __future__ import annotations

import os

import pytest


def unavailable(resource: str, require_env: str, why: str, hint: str = "") -> None:
    """Fail when `require_env`=1, else skip; either way the message says what is missing."""
    if os.environ.get(require_env) != "1":  # a developer's machine without it
        pytest.skip(f"{resource} is not available: {why}" + (f" ({hint})" if hint else ""))
    pytest.fail(f"{resource} is required ({require_env}=1) but {why}", pytrace=False)
