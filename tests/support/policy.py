"""What a test does when a real server it needs is missing: fail in CI, skip elsewhere."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NoReturn

import pytest


def servers_required(env: Mapping[str, str] = os.environ) -> bool:
    """True in CI and under ``make test`` (which sets ``RIO_REQUIRE_SERVERS``)."""
    return bool(env.get("CI") or env.get("RIO_REQUIRE_SERVERS"))


def server_unavailable(reason: str, *, required: bool) -> NoReturn:
    """Fail when servers are required (a missing server is never a silent pass in CI), else skip."""
    if required:
        pytest.fail(f"{reason} (CI needs it: a missing server is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)
