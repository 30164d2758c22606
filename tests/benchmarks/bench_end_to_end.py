"""End to end: event dicts from a Python producer to a queryable table, against the limits, in one run.

1,000,000 event dicts held in memory; a producer calls ``RedshiftIO.pack`` once per row, then
``send()``: the pipe stores its parts in a local directory and the embedded loader (``target=``) loads
them into a fresh table, of a DuckDB file or of a throwaway PostgreSQL server. The time runs from
making the pipe to ``send()`` and ``close()`` returning, the rows committed (they are counted after).

Beside each, timed the same way, the limit it is compared with:

- DuckDB: rio's packer alone, writing the same rows as gzip'd NDJSON parts to a directory, then
  DuckDB's own ``read_json`` of those parts into a fresh table, both in one timing.
- PostgreSQL: the same packing, then psycopg's raw ``COPY FROM STDIN`` of the same rows, already in
  COPY's text format (made before the timing starts, as the fastest client would hold them).

Both limits pack with the pipe's own packer settings (its column checks, its timestamp column, one
compressing thread a core), one after the other as the pipe packs and
then loads; so a ratio is what the pipe and the loader cost above packing and the warehouse's own
bulk path.

Every run is a process of its own, started from here: it reads the rows (pickled by this process),
then times its case, so no case inherits another's heap, threads or DuckDB caches. Best of three
rounds, each round running every case once, so a quiet or busy spell touches all of them. Then the
peak RSS growth of the DuckDB case, in fresh processes, for 1 M and 10 M rows (a pool of 100,000 rows
packed over and over), to show whether memory grows with the number of rows (target: 10 M within
1.2 x of 1 M): while packing (bounded by the packer) and while sending (the load, in this process),
beside DuckDB's own ``read_json`` of the same rows' parts.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import benchmark_postgres, best_interleaved, status_kib
from rows import EVENT_COLUMNS, event_rows

from rio import Packer
from rio.config import DestinationConfig
from rio.pipe import RedshiftIO

ROWS = 1_000_000
ROUNDS = 3
MEMORY_ROWS = (1_000_000, 10_000_000)
TARGET_MEMORY_GROWTH = 1.2
POOL = 100_000
TARGET_RATE = 500_000
TARGET_DUCKDB_SHARE = 0.85
HERE = Path(__file__).resolve().parent
DDL = (
    "(id varchar(256), user_id bigint, event varchar(256), ts timestamp, path varchar(256), "
    "ms double precision, ok boolean)"
)
DUCKDB_COLUMNS = (
    "{id: 'VARCHAR', user_id: 'BIGINT', event: 'VARCHAR', ts: 'TIMESTAMP', path: 'VARCHAR', "
    "ms: 'DOUBLE', ok: 'BOOLEAN'}"
)


def config(table: str) -> DestinationConfig:
    return DestinationConfig("bench", table, EVENT_COLUMNS, data_timestamp_column="ts")


def pipe_packer() -> Packer:
    """A packer set as a pipe sets its own (see RedshiftIO's packer options)."""
    return Packer(columns=EVENT_COLUMNS, data_timestamp_column="ts")  # one compressing thread a core


def pack_to_directory(rows: list[dict[str, Any]], directory: Path) -> list[Path]:
    """Pack ``rows`` one ``pack`` call each; a second thread writes the parts as they come."""
    directory.mkdir(parents=True)
    packer = pipe_packer()
    paths: list[Path] = []

    def take() -> None:
        for part in packer:
            path = directory / f"part-{part.number:05d}.json.gz"
            path.write_bytes(part.data)
            paths.append(path)

    consumer = threading.Thread(target=take)
    consumer.start()
    pack = packer.pack
    for row in rows:
        pack(row)
    packer.close()
    consumer.join()
    return paths


def copy_text(rows: list[dict[str, Any]]) -> bytes:
    """The rows in PostgreSQL's COPY text format."""
    return "".join(
        f"{r['id']}\t{r['user_id']}\t{r['event']}\t{r['ts']}\t{r['path']}\t{r['ms']}\t"
        f"{'t' if r['ok'] else 'f'}\n"
        for r in rows
    ).encode()


# --- the cases, each run in a process of its own ----------------------------------------------------


def rio_into(target: str, base: Path, table: str, rows: Iterator[dict[str, Any]]) -> tuple[float, float]:
    """The producer: make a pipe, pack every row, send; returns (seconds packing, seconds loading).

    Packing ends when ``seal()`` returns, every part stored; loading is ``send()``.
    """
    started = time.perf_counter()
    pipe = RedshiftIO(config(table), base=str(base), target=target)
    pack = pipe.pack
    for row in rows:
        pack(row)
    pipe.seal()
    packed = time.perf_counter()
    receipt = pipe.send()
    pipe.close()
    assert receipt is not None
    return packed - started, time.perf_counter() - packed


def duckdb_count(database: Path, table: str) -> int:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as conn:
        (count,) = conn.execute(f"SELECT count(*) FROM bench.{table}").fetchone() or (0,)
    return int(count)


def postgres_count(url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        (count,) = conn.execute(f"SELECT count(*) FROM bench.{table}").fetchone() or (0,)
    return int(count)


def child(case: str, scratch: Path, attempt: int, rows_file: Path, url: str) -> dict[str, float]:
    """Run one case once; returns its timings in seconds (the rows are read before the clock starts)."""
    # Imported before any clock starts, whatever the case, as a long-running producer would have them.
    import duckdb
    import psycopg

    rows: list[dict[str, Any]] = pickle.loads(rows_file.read_bytes())
    work = scratch / f"{case}-{attempt}"
    table = f"{case.replace('-', '_')}_{attempt}"
    database = work / "warehouse.duckdb"
    if case == "duckdb-rio":
        work.mkdir()
        pack, load = rio_into(f"duckdb:///{database}", work / "base", table, iter(rows))
        assert duckdb_count(database, table) == len(rows)
    elif case == "duckdb-limit":
        started = time.perf_counter()
        parts = pack_to_directory(rows, work / "parts")
        packed = time.perf_counter()
        files = ", ".join(f"'{path}'" for path in sorted(parts))
        with duckdb.connect(str(database)) as conn:
            conn.execute("CREATE SCHEMA bench")
            conn.execute(
                f"CREATE TABLE bench.{table} AS SELECT * FROM read_json([{files}], "
                f"format='newline_delimited', columns={DUCKDB_COLUMNS})"
            )
        pack, load = packed - started, time.perf_counter() - packed
        assert duckdb_count(database, table) == len(rows)
    elif case == "postgres-rio":
        work.mkdir()
        pack, load = rio_into(url, work / "base", table, iter(rows))
        assert postgres_count(url, table) == len(rows)
    elif case == "postgres-limit":
        text = copy_text(rows)
        started = time.perf_counter()
        pack_to_directory(rows, work / "parts")
        packed = time.perf_counter()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE TABLE bench.{table} {DDL}")
            with conn.cursor() as cursor, cursor.copy(f"COPY bench.{table} FROM STDIN") as copy:
                for start in range(0, len(text), 1 << 20):
                    copy.write(text[start : start + (1 << 20)])
        pack, load = packed - started, time.perf_counter() - packed
        assert postgres_count(url, table) == len(rows)
    else:
        raise SystemExit(f"unknown case {case}")
    shutil.rmtree(work)
    return {"seconds": pack + load, "pack": pack, "load": load}


def memory_child(count: int, scratch: Path) -> dict[str, float]:
    """The DuckDB case for ``count`` rows from a pool of POOL rows: peak RSS growth, in MB, over the
    resident size before the pipe is made: while packing (to ``seal()``) and while sending."""
    import duckdb  # noqa: F401  (the module's own memory is not the rows')

    pool = list(event_rows(POOL))
    work = scratch / f"memory-{count}"
    work.mkdir()
    database = work / "warehouse.duckdb"
    clear_refs = Path("/proc/self/clear_refs")

    clear_refs.write_text("5")  # the peak (VmHWM) restarts from what is resident now
    before = status_kib("VmRSS")
    pipe = RedshiftIO(config("events"), base=str(work / "base"), target=f"duckdb:///{database}")
    pack = pipe.pack
    for _ in range(count // POOL):
        for row in pool:
            pack(row)
    pipe.seal()
    packing = status_kib("VmHWM") - before
    clear_refs.write_text("5")
    pipe.send()
    pipe.close()
    sending = status_kib("VmHWM") - before
    assert duckdb_count(database, "events") == count
    shutil.rmtree(work)
    return {"packing_mb": packing * 1024 / 1e6, "sending_mb": sending * 1024 / 1e6}


def memory_limit_child(count: int, scratch: Path) -> dict[str, float]:
    """For comparison: peak RSS growth of DuckDB's own ``read_json`` of the same rows' parts, in MB."""
    import duckdb

    work = scratch / f"memory-limit-{count}"
    pool = list(event_rows(POOL))
    parts = pack_to_directory(pool * (count // POOL), work / "parts")
    del pool
    files = ", ".join(f"'{path}'" for path in sorted(parts))
    Path("/proc/self/clear_refs").write_text("5")
    before = status_kib("VmRSS")
    with duckdb.connect(str(work / "warehouse.duckdb")) as conn:
        conn.execute(
            f"CREATE TABLE events AS SELECT * FROM read_json([{files}], format='newline_delimited', "
            f"columns={DUCKDB_COLUMNS})"
        )
    growth = status_kib("VmHWM") - before
    shutil.rmtree(work)
    return {"read_json_mb": growth * 1024 / 1e6}


# --- the conductor ------------------------------------------------------------------------------------


def run_child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args],
        cwd=HERE,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        rows_file = scratch / "rows.pickle"
        rows_file.write_bytes(pickle.dumps(list(event_rows(ROWS)), protocol=pickle.HIGHEST_PROTOCOL))
        print(f"{ROWS:,} event dicts, {os.cpu_count()} cores, best of {ROUNDS} rounds, a process per run")

        best: dict[str, dict[str, float]] = {}

        def case(name: str, url: str = "") -> tuple[str, Callable[[int], None]]:
            def run(attempt: int) -> None:
                timings = run_child("--case", name, str(scratch), str(attempt), str(rows_file), url)
                if timings["seconds"] < best.get(name, {"seconds": float("inf")})["seconds"]:
                    best[name] = timings

            return name, run

        with benchmark_postgres() as url:
            cases = [case("duckdb-limit"), case("duckdb-rio")]
            if url is not None:
                cases += [case("postgres-limit", url), case("postgres-rio", url)]
            # The wall times best_interleaved keeps include starting a process and reading the rows;
            # the figures below are the times each process measured around its case.
            best_interleaved(cases, ROUNDS)

        print(f"\n{'':48} {'rows/s':>10} {'pack s':>7} {'load s':>7} {'x limit':>8}")
        for warehouse, key, limit_name in (
            ("DuckDB", "duckdb", "rio packer + DuckDB read_json of the parts"),
            ("PostgreSQL", "postgres", "rio packer + psycopg raw COPY FROM STDIN"),
        ):
            if f"{key}-rio" not in best:
                continue
            limit, ours = best[f"{key}-limit"], best[f"{key}-rio"]
            print(warehouse)
            for name, timings in ((limit_name, limit), ("rio end to end: pack + send", ours)):
                print(
                    f"  {name:46} {ROWS / timings['seconds']:>10,.0f} {timings['pack']:>7.2f} "
                    f"{timings['load']:>7.2f} {limit['seconds'] / timings['seconds']:>7.2f}x"
                )
        print(
            f"\ntargets: >= {TARGET_RATE:,} rows/s end to end into each, on 2 cores; "
            f">= {TARGET_DUCKDB_SHARE:.2f}x the DuckDB limit"
        )

        print(
            "\npeak RSS growth of the DuckDB case, over the process's size before the pipe is made"
            "\n(a process each; the rows come from a pool of 100,000 packed over and over)"
        )
        print(f"  {'rows':>10}  {'to seal()':>9}  {'send()':>7}  {'DuckDB read_json of the parts':>29}")
        peaks = []
        for count in MEMORY_ROWS:
            ours = run_child("--memory", str(count), str(scratch))
            limit = run_child("--memory-limit", str(count), str(scratch))
            peaks.append(max(ours["packing_mb"], ours["sending_mb"]))
            print(
                f"  {count:>10,}  {ours['packing_mb']:>6.0f} MB  {ours['sending_mb']:>4.0f} MB  "
                f"{limit['read_json_mb']:>26.0f} MB"
            )
        print(
            f"  the peak at {MEMORY_ROWS[-1]:,} rows is {peaks[-1] / peaks[0]:.2f}x the peak at "
            f"{MEMORY_ROWS[0]:,} (target: <= {TARGET_MEMORY_GROWTH}x)"
        )
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--case"]:
        name, scratch, attempt, rows_file, url = sys.argv[2:7]
        print(json.dumps(child(name, Path(scratch), int(attempt), Path(rows_file), url)))
    elif sys.argv[1:2] == ["--memory"]:
        print(json.dumps(memory_child(int(sys.argv[2]), Path(sys.argv[3]))))
    elif sys.argv[1:2] == ["--memory-limit"]:
        print(json.dumps(memory_limit_child(int(sys.argv[2]), Path(sys.argv[3]))))
    else:
        main()
