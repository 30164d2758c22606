"""rio against dlt: the same 1,000,000 event dicts, from memory into a fresh DuckDB table, side by side.

``make bench-peers`` runs this with rio's ``.venv``. dlt runs in a virtual environment of its own,
``target/bench-peers/venv``, made here on first use with the Python that made rio's (pip installs
``dlt[duckdb,parquet]`` from PyPI, with the DuckDB release rio's environment has, so both sides load
with the same DuckDB). It is kept for the next run; ``make clean`` removes it with ``target/``.

- rio: ``RedshiftIO(base=<a directory>, target="duckdb:///…")``, ``pack_many(rows)`` (its fastest
  call for a list of dicts), then ``send()``: gzip'd NDJSON parts, then the embedded loader.
- dlt: ``dlt_events.py``, set as dlt's performance guide advises for one large resource of dicts
  (Parquet loader files, pages of 10,000 dicts, file rotation, two normalize workers; see there).

Every run is a process of its own that reads the rows (pickled by this process) before its clock
starts, and loads into a fresh DuckDB file; rounds run each side once, in turn, so both share the
machine's quiet and busy spells. The figure is each side's best of three rounds, and their ratio.
Not run by ``make bench``: it needs PyPI once, and dlt's side takes about 20 seconds a run.

    python tests/benchmarks/peers/compare_dlt.py [--rounds N] [--venv DIRECTORY]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import best_interleaved
from rows import EVENT_COLUMNS, event_rows

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
ROWS = 1_000_000
ROUNDS = 3
DEFAULT_VENV = REPO / "target" / "bench-peers" / "venv"
DLT_REQUIREMENT = "dlt[duckdb,parquet]==1.31.0"


class CannotInstall(Exception):
    """The peers' environment cannot be made; the message says why."""


def package_index() -> str:
    """The index pip will install from: $PIP_INDEX_URL, pip's configuration, or PyPI."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    configured = subprocess.run(
        [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
        capture_output=True,
        text=True,
    )
    return configured.stdout.strip() if configured.returncode == 0 else "https://pypi.org/simple"


def peers_python(venv: Path) -> Path:
    """The peers' environment's Python, with dlt installed in it: made or completed when needed."""
    import duckdb

    requirements = [DLT_REQUIREMENT, f"duckdb=={duckdb.__version__}"]
    python = venv / "bin" / "python"
    stamp = venv / "rio-peers-requirements.txt"
    wanted = "\n".join(requirements) + "\n"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    index = package_index()
    print(f"installing {' '.join(requirements)} into {venv} from {index}", flush=True)
    try:
        urllib.request.urlopen(f"{index.rstrip('/')}/dlt/", timeout=20).close()
    except (urllib.error.URLError, OSError) as exc:
        why = f"HTTP {exc.code} {exc.reason}" if isinstance(exc, urllib.error.HTTPError) else exc
        raise CannotInstall(
            f"the package index {index} does not answer for dlt ({getattr(why, 'reason', why)}): dlt "
            f"cannot be installed into {venv}, so nothing was compared. Connect to PyPI (or set "
            "PIP_INDEX_URL to a mirror) and run again; once installed, the comparison needs no network."
        ) from exc
    started = time.perf_counter()
    if not python.exists():
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    stamp.unlink(missing_ok=True)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:
        tail = "\n".join((install.stdout + install.stderr).strip().splitlines()[-15:])
        raise CannotInstall(f"pip could not install {' '.join(requirements)} into {venv}:\n{tail}")
    stamp.write_text(wanted)
    print(f"installed in {time.perf_counter() - started:.0f} s", flush=True)
    return python


def rio_run(rows_file: Path, work: Path) -> dict[str, float]:
    """One run of rio, in this process: the pipe, pack_many, send; the rows counted afterwards."""
    import duckdb

    from rio.config import DestinationConfig
    from rio.pipe import RedshiftIO

    rows: list[dict[str, Any]] = pickle.loads(rows_file.read_bytes())
    database = work / "warehouse.duckdb"
    config = DestinationConfig("bench", "events", EVENT_COLUMNS, data_timestamp_column="ts")
    started = time.perf_counter()
    pipe = RedshiftIO(config, base=str(work / "base"), target=f"duckdb:///{database}")
    pipe.pack_many(rows)
    pipe.seal()  # returns once every part is stored
    packed = time.perf_counter()
    pipe.send()
    pipe.close()
    finished = time.perf_counter()
    with duckdb.connect(str(database), read_only=True) as conn:
        (count,) = conn.execute("SELECT count(*) FROM bench.events").fetchone() or (0,)
    assert count == len(rows), f"{count} rows loaded, {len(rows)} given"
    return {"seconds": finished - started, "pack": packed - started, "load": finished - packed}


def run_json(command: list[str], cwd: Path) -> dict[str, float]:
    out = subprocess.run(command, cwd=cwd, stdout=subprocess.PIPE, text=True, check=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="See the module's docstring for what it measures."
    )
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds (default {ROUNDS})")
    parser.add_argument("--rows", type=int, default=ROWS, help=f"event dicts (default {ROWS:,})")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="the peers' virtual environment")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    try:
        python = peers_python(args.venv.resolve())
    except CannotInstall as exc:
        print(f"bench-peers: {exc}", file=sys.stderr)
        return 2
    versions = subprocess.run(
        [str(python), "-c", "from importlib.metadata import version as v; print(v('dlt'), v('duckdb'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    best: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        rows_file = scratch / "rows.pickle"
        rows_file.write_bytes(pickle.dumps(list(event_rows(args.rows)), protocol=pickle.HIGHEST_PROTOCOL))

        def side(name: str, command: Callable[[Path], list[str]]) -> tuple[str, Callable[[int], None]]:
            def run(attempt: int) -> None:
                work = scratch / f"{name}-{attempt}"
                work.mkdir()
                timings = run_json(command(work), cwd=work)
                shutil.rmtree(work)
                if timings["seconds"] < best.get(name, {"seconds": float("inf")})["seconds"]:
                    best[name] = timings

            return name, run

        this = str(Path(__file__).resolve())
        sides = [
            side("dlt", lambda work: [str(python), str(HERE / "dlt_events.py"), str(rows_file), str(work)]),
            side("rio", lambda work: [sys.executable, this, "--rio", str(rows_file), str(work)]),
        ]
        # best_interleaved's own wall times include starting a process and reading the rows; the
        # figures are the times each process measured around its load.
        best_interleaved(sides, args.rounds)

    dlt_best, rio_best = best["dlt"], best["rio"]
    print(
        f"\n{args.rows:,} event dicts into a fresh DuckDB table, {os.cpu_count()} cores, best of "
        f"{args.rounds} rounds, a process per run; dlt {versions[0]}, DuckDB {versions[1]} on both sides\n"
    )
    print(f"{'':44} {'rows/s':>10} {'seconds':>8}   where the time went")
    print(
        f"{'dlt: parquet, 2 normalize workers':44} {args.rows / dlt_best['seconds']:>10,.0f} "
        f"{dlt_best['seconds']:>8.2f}   extract {dlt_best['extract']:.2f} s, normalize "
        f"{dlt_best['normalize']:.2f} s, load {dlt_best['load']:.2f} s"
    )
    print(
        f"{'rio: RedshiftIO pack_many + send':44} {args.rows / rio_best['seconds']:>10,.0f} "
        f"{rio_best['seconds']:>8.2f}   pack {rio_best['pack']:.2f} s, load {rio_best['load']:.2f} s"
    )
    print(f"\nrio / dlt: {dlt_best['seconds'] / rio_best['seconds']:.1f}x the rows/s")
    print(f"{time.perf_counter() - began:.0f} s in all")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--rio"]:
        print(json.dumps(rio_run(Path(sys.argv[2]), Path(sys.argv[3]))))
    else:
        sys.exit(main(sys.argv[1:]))
