"""Run every benchmark in this directory, each in a process of its own, and print its figures.

A benchmark is a file ``bench_*.py`` that prints what it measured when run as a script. Figures are
reported as ratios against a baseline measured in the same run: absolute numbers on a shared machine
are noise, ratios are not. Benchmarks never assert on time; ``make test`` does not run them.

    python tests/benchmarks/run.py            # all of them
    python tests/benchmarks/run.py pack       # those whose file name contains "pack"
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    benchmarks = sorted(HERE.glob("bench_*.py"))
    selected = [path for path in benchmarks if not argv or any(word in path.name for word in argv)]
    if not selected:
        print("no benchmarks to run" + (f" matching {' '.join(argv)}" if argv else ""))
        return 0
    failed = []
    for path in selected:
        print(f"\n=== {path.stem} ===", flush=True)
        started = time.perf_counter()
        if subprocess.run([sys.executable, str(path)], cwd=HERE).returncode != 0:
            failed.append(path.stem)
        print(f"--- {path.stem}: {time.perf_counter() - started:.1f} s", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
