"""How the benchmarks measure: best-of timings and peak resident memory."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def best_interleaved(
    cases: Sequence[tuple[str, Callable[[int], T]]], rounds: int = 3
) -> list[tuple[str, float, T]]:
    """Each case's shortest wall time over ``rounds`` rounds, and what its last run returned.

    Every round runs every case once, in order, so a baseline and what is compared with it are
    timed under the same load: on a shared machine a quiet or busy spell then touches both, and
    their ratio stays steadier than when all the runs of one case come first.
    """
    best = {name: float("inf") for name, _ in cases}
    last: dict[str, T] = {}
    for attempt in range(rounds):
        for name, run in cases:
            started = time.perf_counter()
            last[name] = run(attempt)
            best[name] = min(best[name], time.perf_counter() - started)
    return [(name, best[name], last[name]) for name, _ in cases]


def status_kib(field: str) -> int:
    """A field of /proc/self/status, in KiB (VmRSS: resident now; VmHWM: the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


class PeakMemory:
    """Peak RSS growth over a block, in MB: the peak is reset on entry (Linux's clear_refs)."""

    def __enter__(self) -> PeakMemory:
        Path("/proc/self/clear_refs").write_text("5")
        self.start = status_kib("VmRSS")
        return self

    def __exit__(self, *exc: object) -> None:
        self.growth_mb = (status_kib("VmHWM") - self.start) * 1024 / 1e6


@contextmanager
def benchmark_postgres() -> Iterator[str | None]:
    """A throwaway PostgreSQL server's URL, with an empty schema ``bench``; None without binaries."""
    from support.postgres import find_postgres_bindir, start_postgres

    bindir = find_postgres_bindir()
    if bindir is None:
        print("PostgreSQL server binaries not found: skipping PostgreSQL")
        yield None
        return
    import psycopg

    server = start_postgres(bindir)
    try:
        url = server.url()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA bench")
        yield url
    finally:
        server.stop()
