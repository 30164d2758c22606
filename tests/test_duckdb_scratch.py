"""The DuckDB COPY's scratch: it lives beside the database file, a killed load's is removed by the next
load, and a live load's is never removed by another.

The loads are real: loader processes (one SIGKILLed while its scratch exists), threads loading one
file at once, and data parts that are named pipes, so a loader waits inside its COPY until the test
writes them.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from rio import contract
from rio.adapters.duckdb import UNLOCKED_SCRATCH_SECONDS, copy_scratch, reclaim_scratch, scratch_root
from rio.config import Column, DestinationConfig
from rio.contract import Job, Manifest, ManifestEntry
from rio.errors import WarehouseError
from rio.loader import Status, TableOutcome, run_job

SCHEMA = "analytics"
DATE = datetime(2026, 11, 21, 12, 0, 0, tzinfo=timezone.utc)
ROWS = 200_000
TESTS = Path(__file__).resolve().parent

LOADER = textwrap.dedent(
    """
    import sys
    from rio.contract import Job, parse_data_date
    from rio.loader import run_job
    job = Job(base=sys.argv[1], schema="analytics", tables=(sys.argv[3],), date=parse_data_date(sys.argv[4]))
    print(run_job(job, sys.argv[2]).outcomes[0].line(), flush=True)
    """
)

#: Holds a live scratch directory for the database ``argv[1]`` until its stdin closes.
HOLDER = textwrap.dedent(
    """
    import sys
    from rio.adapters.duckdb import copy_scratch
    with copy_scratch(sys.argv[1]) as scratch:
        print(scratch, flush=True)
        sys.stdin.read()
    """
)


def config(table: str) -> DestinationConfig:
    columns = [Column("ts", "timestamp"), Column("id", "bigint"), Column("payload", "longtext")]
    return DestinationConfig(SCHEMA, table, columns, "ts")


def lines(first: int, count: int) -> bytes:
    rows = (
        json.dumps({"ts": "2026-11-21T12:00:00", "id": first + i, "payload": "x" * 100}) for i in range(count)
    )
    return ("\n".join(rows) + "\n").encode()


def publish(base: Path, table: str, rows: int, *, parts: int = 8) -> None:
    """A manifest of gzip'd parts and a config, as a producer lays them out."""
    run_id = contract.new_run_id()
    entries = []
    per_part = rows // parts
    for number in range(parts):
        path = base / contract.part_key(SCHEMA, table, run_id, number)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(lines(number * per_part, per_part), compresslevel=1))
        entries.append(ManifestEntry(f"file://{path}", mandatory=True))
    (base / contract.manifest_key(SCHEMA, table, DATE)).write_bytes(Manifest(tuple(entries)).to_json())
    (base / contract.config_key(SCHEMA, table, DATE)).write_text(config(table).to_yaml())


def publish_pipe(base: Path, table: str) -> Path:
    """A manifest whose one part is a named pipe: its loader waits in its COPY until the pipe is written."""
    path = base / contract.part_key(SCHEMA, table, contract.new_run_id(), 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    manifest = Manifest((ManifestEntry(f"file://{path}", mandatory=True),))
    (base / contract.manifest_key(SCHEMA, table, DATE)).write_bytes(manifest.to_json())
    (base / contract.config_key(SCHEMA, table, DATE)).write_text(config(table).to_yaml())
    return path


def environment(temporary: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TMPDIR": str(temporary),
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }


def start_loader(base: Path, target: str, table: str, temporary: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", LOADER, str(base), target, table, contract.format_data_date(DATE)]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment(temporary)
    )


def finished(child: subprocess.Popen[str]) -> str:
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    return out.strip()


def live_scratch(root: Path) -> list[Path]:
    """The scratch directories under ``root`` that have their lock."""
    return sorted(path for path in root.glob("*") if (path / "lock").is_file())


def wait_for(
    condition: Any,
    what: str,
    *,
    child: subprocess.Popen[str] | None = None,
    thread: threading.Thread | None = None,
) -> Any:
    """What ``condition`` returns once it is true; fail if the loader (``child`` or ``thread``) ends first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if child is not None and child.poll() is not None:
            pytest.fail(f"the loader ended before {what}: {child.communicate()}")
        if thread is not None and not thread.is_alive():
            pytest.fail(f"the loader ended before {what}")
        time.sleep(0.005)
    pytest.fail(f"waited two minutes for {what}")


def feed(pipe: Path, data: bytes) -> None:
    """Write ``data`` into a named pipe once its loader opens it to read (within a minute)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            descriptor = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:  # ENXIO: no reader yet
                raise
            time.sleep(0.01)
    os.set_blocking(descriptor, True)
    with os.fdopen(descriptor, "wb") as writer:
        writer.write(data)


def count(database: Path, table: str) -> tuple[int, int]:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as conn:
        found = conn.execute(f"SELECT count(*), count(DISTINCT id) FROM {SCHEMA}.{table}").fetchone()
    assert found is not None
    return int(found[0]), int(found[1])


# --- where scratch lives ----------------------------------------------------------------------------


def test_scratch_lives_beside_the_database_file(tmp_path: Path) -> None:
    assert scratch_root(str(tmp_path / "w.duckdb")) == str(tmp_path / ".w.duckdb.rio-scratch")
    with copy_scratch(str(tmp_path / "w.duckdb")) as scratch:
        assert Path(scratch).parent == tmp_path / ".w.duckdb.rio-scratch"
        assert (Path(scratch) / "lock").read_text() == f"{os.getpid()}\n"
    # Nothing stays behind a COPY that ended, not even the empty root.
    assert list(tmp_path.iterdir()) == []


def test_a_memory_database_keeps_its_scratch_in_the_temporary_directory(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    probe = "from rio.adapters.duckdb import scratch_root; print(scratch_root(':memory:'))"
    shown = subprocess.run(
        [sys.executable, "-c", probe], env=environment(temporary), capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == str(temporary / f"rio-duckdb-scratch-{os.getuid()}")


# --- a killed load, then a load again ---------------------------------------------------------------


def test_a_load_killed_in_its_copy_leaves_scratch_that_the_next_load_removes(tmp_path: Path) -> None:
    base, temporary = tmp_path / "base", tmp_path / "tmp"
    base.mkdir()
    temporary.mkdir()
    publish(base, "big", ROWS)
    database = tmp_path / "warehouse.duckdb"
    root = tmp_path / ".warehouse.duckdb.rio-scratch"

    child = start_loader(base, f"duckdb:///{database}", "big", temporary)
    (stale,) = wait_for(
        lambda: [path for path in live_scratch(root) if any(path.glob("*.csv"))],
        "its scratch directory held CSV files",
        child=child,
    )
    os.kill(child.pid, signal.SIGKILL)
    child.wait(60)
    assert stale.is_dir()
    assert any(stale.glob("*.csv"))  # the killed loader's decoded rows are still on disk

    line = finished(start_loader(base, f"duckdb:///{database}", "big", temporary))
    assert line == f"{SCHEMA}.big: loaded {ROWS:,} rows for {contract.format_data_date(DATE)}"
    assert count(database, "big") == (ROWS, ROWS)
    assert not stale.exists()
    assert not root.exists()
    assert list(temporary.iterdir()) == []  # and nothing went to $TMPDIR either


def test_a_load_into_memory_removes_the_scratch_a_killed_one_left(tmp_path: Path) -> None:
    base, temporary = tmp_path / "base", tmp_path / "tmp"
    base.mkdir()
    temporary.mkdir()
    publish(base, "small", 800)
    root = temporary / f"rio-duckdb-scratch-{os.getuid()}"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, ":memory:"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment(temporary),
    )
    assert holder.stdout is not None
    stale = Path(holder.stdout.readline().strip())
    assert stale.parent == root
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(60)
    assert stale.is_dir()

    line = finished(start_loader(base, "duckdb:///:memory:", "small", temporary))
    assert line.startswith(f"{SCHEMA}.small: loaded 800 rows")
    assert list(temporary.iterdir()) == []


# --- live loaders ------------------------------------------------------------------------------------


def test_two_live_loaders_of_one_file_never_remove_each_others_scratch(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    database = tmp_path / "warehouse.duckdb"
    root = tmp_path / ".warehouse.duckdb.rio-scratch"
    pipes = {table: publish_pipe(base, table) for table in ("a", "b")}
    outcomes: dict[str, TableOutcome] = {}

    def load(table: str) -> None:
        job = Job(base=str(base), schema=SCHEMA, tables=(table,), date=DATE)
        outcomes[table] = run_job(job, f"duckdb:///{database}").outcomes[0]

    threads = {table: threading.Thread(target=load, args=(table,)) for table in pipes}
    try:
        threads["a"].start()
        (first,) = wait_for(lambda: live_scratch(root), "the first loader's COPY", thread=threads["a"])
        # The second COPY begins by reclaiming scratch while the first waits in its own.
        threads["b"].start()
        both = wait_for(
            lambda: found if len(found := live_scratch(root)) == 2 else None,
            "the second loader's COPY",
            thread=threads["b"],
        )
        assert first in both
        assert all(path.is_dir() for path in both)
    finally:
        for number, (table, pipe) in enumerate(pipes.items()):
            if threads[table].is_alive():
                feed(pipe, gzip.compress(lines(number * 1000, 1000)))
                threads[table].join(120)
    assert {table: outcome.status for table, outcome in outcomes.items()} == {
        "a": Status.LOADED,
        "b": Status.LOADED,
    }, [outcome.error for outcome in outcomes.values()]
    assert count(database, "a") == (1000, 1000)
    assert count(database, "b") == (1000, 1000)
    assert not root.exists()


def test_a_load_leaves_another_live_processs_scratch_and_removes_it_once_that_process_died(
    tmp_path: Path,
) -> None:
    base, temporary = tmp_path / "base", tmp_path / "tmp"
    base.mkdir()
    temporary.mkdir()
    publish(base, "small", 800)
    database = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment(temporary),
    )
    assert holder.stdin is not None
    assert holder.stdout is not None
    try:
        held = Path(holder.stdout.readline().strip())
        (held / "000000.csv").write_text("work in progress\n")
        line = finished(start_loader(base, f"duckdb:///{database}", "small", temporary))
        assert line.startswith(f"{SCHEMA}.small: loaded 800 rows")
        assert (held / "000000.csv").read_text() == "work in progress\n"  # untouched: its owner lives
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(60)
    assert held.is_dir()
    publish(base, "other", 800)
    line = finished(start_loader(base, f"duckdb:///{database}", "other", temporary))
    assert line.startswith(f"{SCHEMA}.other: loaded 800 rows")
    assert not held.exists()
    assert not held.parent.exists()


def test_nested_copies_in_one_process_keep_each_others_scratch(tmp_path: Path) -> None:
    root = Path(scratch_root(str(tmp_path / "w.duckdb")))
    with copy_scratch(str(tmp_path / "w.duckdb")) as outer:
        with copy_scratch(str(tmp_path / "w.duckdb")) as inner:
            # Each COPY reclaims first: neither removes the other, in one process as across processes.
            assert sorted(live_scratch(root)) == sorted([Path(outer), Path(inner)])
        assert reclaim_scratch(str(root)) == []
        assert live_scratch(root) == [Path(outer)]
    assert not root.exists()


def test_scratch_without_its_lock_is_removed_only_once_it_is_old(tmp_path: Path) -> None:
    root = tmp_path / ".w.duckdb.rio-scratch"
    young, old, other = root / "copy-young", root / "copy-old", root / "someone-elses"
    for path in (young, old, other):
        path.mkdir(parents=True)
        (path / "000000.csv").write_text("1\n")
    long_ago = time.time() - UNLOCKED_SCRATCH_SECONDS - 5
    for path in (old, other):
        os.utime(path, (long_ago, long_ago))
    # A directory without a lock is one being made this instant, or one whose loader died making it.
    assert reclaim_scratch(str(root)) == [str(old)]
    assert young.is_dir()
    assert not old.exists()
    assert other.is_dir()  # not named as rio names its scratch: never touched
    (root / "copy-stray-file").write_text("not a directory")
    assert reclaim_scratch(str(root)) == []
    assert (root / "copy-stray-file").exists()


def test_a_scratch_root_that_is_a_link_is_neither_cleaned_nor_used(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    precious = elsewhere / "copy-precious"
    precious.mkdir(parents=True)
    (precious / "lock").write_text("")  # a lock anyone could take
    database = tmp_path / "db" / "w.duckdb"
    database.parent.mkdir()
    root = Path(scratch_root(str(database)))
    root.symlink_to(elsewhere, target_is_directory=True)
    assert reclaim_scratch(str(root)) == []
    assert precious.is_dir()
    with (
        pytest.raises(
            WarehouseError,
            match=r"rio-scratch, where COPY keeps its scratch, is not a directory of this user's .*remove it",
        ),
        copy_scratch(str(database)),
    ):
        pytest.fail("a scratch directory was made through the link")
    assert precious.is_dir()
    assert [path.name for path in elsewhere.iterdir()] == ["copy-precious"]


def test_reclaiming_a_root_that_does_not_exist_does_nothing(tmp_path: Path) -> None:
    assert reclaim_scratch(str(tmp_path / "absent")) == []


def test_a_database_in_a_directory_with_quotes_and_glob_characters_loads(tmp_path: Path) -> None:
    # COPY reads the scratch by a glob; the database's directory must match only itself.
    folder = tmp_path / "o'brien [x] *"  # DuckDB itself cannot open a path with '?'
    folder.mkdir()
    base = tmp_path / "base"
    base.mkdir()
    publish(base, "small", 800)
    job = Job(base=str(base), schema=SCHEMA, tables=("small",), date=DATE)
    (outcome,) = run_job(job, {"type": "duckdb", "path": str(folder / "w.duckdb")}).outcomes
    assert outcome.status is Status.LOADED, outcome.error
    assert count(folder / "w.duckdb", "small") == (800, 800)
    assert not [path for path in folder.iterdir() if path.name.endswith(".rio-scratch")]
