"""Golden files: the exact bytes of every artefact of the contract, kept in ``tests/golden/``.

A test compares what rio writes with the file byte for byte. After an intended change of format, run
the tests once with ``RIO_UPDATE_GOLDEN=1`` to rewrite the files, and review the diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"


def golden_path(name: str) -> Path:
    return GOLDEN_DIR / name


def read_golden(name: str) -> bytes:
    return golden_path(name).read_bytes()


def assert_matches_golden(name: str, actual: bytes | str) -> None:
    """Assert that ``actual`` is byte for byte the golden file ``tests/golden/<name>``."""
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    path = golden_path(name)
    if os.environ.get("RIO_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    if not path.exists():
        raise AssertionError(f"no golden file {path}; run with RIO_UPDATE_GOLDEN=1 to create it")
    expected = path.read_bytes()
    assert data == expected, (
        f"output differs from the golden file {path}:\n--- expected\n{expected!r}\n--- actual\n{data!r}"
    )
