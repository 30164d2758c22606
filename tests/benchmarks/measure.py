"""How the benchmarks measure: best-of timings and peak resident memory."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def best_of(run: Callable[[int], object], repeats: int = 3) -> float:
    """The shortest wall time of ``repeats`` runs; each run is given its attempt number."""
    best = float("inf")
    for attempt in range(repeats):
        started = time.perf_counter()
        run(attempt)
        best = min(best, time.perf_counter() - started)
    return best


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
