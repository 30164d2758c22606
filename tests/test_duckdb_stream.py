"""DuckDB's emulated COPY streams decoded rows into the load's transaction as Arrow batches.

What this must keep from the COPY through files it replaced: the manifest's order, one failure that
names the file, line and column, nothing loaded when any part fails (in the decoder or in DuckDB), and
nothing left beside the database, even by a loader killed in its COPY. And what it must add: no
thread left waiting when either side stops, and memory that holds a few batches, not the load.

The loads are real DuckDB files; a part that is a named pipe holds a loader inside its COPY until the
test writes it (or kills the loader).
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from rio import contract
from rio._core import BatchStream, Decoder
from rio.config import Column, DestinationConfig
from rio.contract import Job, Manifest, ManifestEntry
from rio.errors import CopyFailed, UnsupportedType
from rio.loader import LoadOptions, Status, run_job

SCHEMA = "analytics"
DATE = datetime(2026, 11, 21, 12, 0, 0, tzinfo=timezone.utc)
COLUMNS = [("id", "bigint", True), ("name", "character varying(40)", False), ("ts", "timestamp", False)]

LOADER = textwrap.dedent(
    """
    import sys
    from rio.contract import Job, parse_data_date
    from rio.loader import run_job
    job = Job(base=sys.argv[1], schema="analytics", tables=(sys.argv[3],), date=parse_data_date(sys.argv[4]))
    print(run_job(job, sys.argv[2]).outcomes[0].line(), flush=True)
    """
)


def config(table: str) -> DestinationConfig:
    columns = [Column("ts", "timestamp"), Column("id", "bigint"), Column("payload", "varchar(200)")]
    return DestinationConfig(SCHEMA, table, columns, "ts")


def lines(first: int, count: int, *, bad_at: int | None = None) -> bytes:
    rows = []
    for i in range(first, first + count):
        row = {"ts": "2026-11-21T12:00:00", "id": i, "payload": "x" * 50}
        if i == bad_at:
            row["id"] = "twelve"
        rows.append(json.dumps(row))
    return ("\n".join(rows) + "\n").encode()


def publish(base: Path, table: str, parts: list[bytes | None]) -> list[Path]:
    """A manifest of gzip'd parts (``None``: a named pipe, written later) and a config."""
    run_id = contract.new_run_id()
    entries, paths = [], []
    for number, data in enumerate(parts):
        path = base / contract.part_key(SCHEMA, table, run_id, number)
        path.parent.mkdir(parents=True, exist_ok=True)
        if data is None:
            os.mkfifo(path)
        else:
            path.write_bytes(data)
        entries.append(ManifestEntry(f"file://{path}", mandatory=True))
        paths.append(path)
    (base / contract.manifest_key(SCHEMA, table, DATE)).write_bytes(Manifest(tuple(entries)).to_json())
    (base / contract.config_key(SCHEMA, table, DATE)).write_text(config(table).to_yaml())
    return paths


def part(first: int, count: int, **options: int) -> bytes:
    return gzip.compress(lines(first, count, **options), compresslevel=1)


def load(base: Path, database: Path, table: str, **options: object) -> object:
    job = Job(base=str(base), schema=SCHEMA, tables=(table,), date=DATE)
    target = {"type": "duckdb", "path": str(database)}
    (outcome,) = run_job(job, target, options=LoadOptions(**options) if options else None).outcomes  # type: ignore[arg-type]
    return outcome


def in_thread(call: object, seconds: float = 120) -> object:
    """``call()``'s result, failing the test if it has not returned within ``seconds`` (a hang)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = call()  # type: ignore[operator]
        except BaseException as exc:  # handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: a thread waits for nothing"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]


def table_rows(database: Path, table: str) -> list[int]:
    with duckdb.connect(str(database), read_only=True) as conn:
        exists = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
        ).fetchone()
        if not exists or not exists[0]:
            return []
        return [row[0] for row in conn.execute(f"SELECT id FROM {SCHEMA}.{table} ORDER BY rowid").fetchall()]


def beside(database: Path) -> list[str]:
    """What a load left in the database's directory, but the database itself."""
    return sorted(path.name for path in database.parent.iterdir() if path.name != database.name)


# --- the stream itself -------------------------------------------------------------------------------


def framed_values(data: bytes, columns: int) -> list[tuple[str | None, ...]]:
    """``Decoder(output="columns")`` output read back: a u32 length (0xFFFFFFFF for NULL) and bytes."""
    rows, row, at = [], [], 0
    while at < len(data):
        (length,) = struct.unpack_from("<I", data, at)
        at += 4
        if length == 0xFFFFFFFF:
            row.append(None)
        else:
            row.append(data[at : at + length].decode())
            at += length
        if len(row) == columns:
            rows.append(tuple(row))
            row = []
    assert row == [], "the output ends inside a row"
    return rows


def test_columns_output_frames_each_value_unescaped_with_nulls_apart_from_empty_text() -> None:
    text = "\n".join(
        [
            json.dumps({"id": 1, "name": 'tab\there "quoted" \\ back', "ts": "2026-01-02 03:04:05.5"}),
            json.dumps({"id": 2, "name": ""}),
            json.dumps({"id": "x"}),  # rejected: no trace of it in the output
            json.dumps({"id": 3, "name": None, "ts": None}),
        ]
    )
    decoder = Decoder(COLUMNS, output="columns", gzip=False)
    data = decoder.feed(text.encode()) + decoder.finish()
    assert framed_values(data, 3) == [
        ("1", 'tab\there "quoted" \\ back', "2026-01-02 03:04:05.500000"),
        ("2", "", None),
        ("3", None, None),
    ]
    assert (decoder.rows, decoder.rejected) == (3, 1)


def stream_of(rows_by_file: list[list[dict[str, object]]]) -> tuple[BatchStream, list[bytes]]:
    outputs = []
    for rows in rows_by_file:
        decoder = Decoder(COLUMNS, output="columns", gzip=False)
        text = "\n".join(json.dumps(row) for row in rows).encode()
        outputs.append(decoder.feed(text) + decoder.finish())
    return BatchStream([(name, kind) for name, kind, _ in COLUMNS], len(rows_by_file), depth=1), outputs


def test_duckdb_reads_the_files_in_order_whatever_order_they_are_decoded_in() -> None:
    stream, outputs = stream_of([[{"id": 10 * f + i} for i in range(3)] for f in range(4)])

    def write(index: int) -> None:
        stream.write(index, outputs[index])
        stream.close(index)

    writers = [threading.Thread(target=write, args=(index,)) for index in (3, 1, 2, 0)]
    for writer in writers:
        writer.start()
    conn = duckdb.connect()
    conn.execute("CREATE TABLE t (id bigint NOT NULL, name varchar, ts timestamp)")
    conn.register("rows", stream)
    conn.execute("INSERT INTO t SELECT * FROM rows")
    for writer in writers:
        writer.join(60)
    assert [row[0] for row in conn.execute("SELECT id FROM t ORDER BY rowid").fetchall()] == [
        0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32,
    ]  # fmt: skip


def test_a_failed_stream_fails_the_reader_with_its_reason_and_wakes_a_waiting_writer() -> None:
    stream, outputs = stream_of([[{"id": 1}], [{"id": 2}]])
    stream.write(1, outputs[1])  # file 1's one slot is full: its next write waits for the reader
    raised: list[BaseException] = []

    def write_again() -> None:
        try:
            stream.write(1, outputs[1])
        except CopyFailed as exc:
            raised.append(exc)

    waiting = threading.Thread(target=write_again)
    waiting.start()
    time.sleep(0.2)
    assert waiting.is_alive()
    stream.fail("part 0 line 7, column id: invalid digit")
    waiting.join(10)
    assert not waiting.is_alive()
    assert [str(exc) for exc in raised] == ["part 0 line 7, column id: invalid digit"]
    conn = duckdb.connect()
    conn.register("rows", stream)
    with pytest.raises(duckdb.Error, match="part 0 line 7, column id: invalid digit"):
        conn.execute("SELECT * FROM rows").fetchall()
    with pytest.raises(CopyFailed, match="invalid digit"):
        stream.write(0, outputs[0])


def test_bad_writes_are_refused_by_name() -> None:
    stream, outputs = stream_of([[{"id": 1}]])
    with pytest.raises(ValueError, match="file index 1 is out of range: the stream has 1 files"):
        stream.write(1, outputs[0])
    with pytest.raises(ValueError, match="framed values end inside a row"):
        stream.write(0, outputs[0][:-1])
    with pytest.raises(ValueError, match="columns is empty"):
        BatchStream([], 1)
    with pytest.raises(UnsupportedType, match=r'columns\[0\] \("a"\): unknown type "bytea"'):
        BatchStream([("a", "bytea")], 1)


# --- loads -------------------------------------------------------------------------------------------


def test_many_files_load_in_the_manifests_order_and_leave_nothing_beside_the_database(tmp_path: Path) -> None:
    base, folder = tmp_path / "base", tmp_path / "o'brien [x] *"
    folder.mkdir()
    database = folder / "w.duckdb"
    publish(base, "events", [part(1000 * n, 1000) for n in range(12)])
    outcome = load(base, database, "events")
    assert outcome.status is Status.LOADED, outcome.error  # type: ignore[attr-defined]
    assert table_rows(database, "events") == list(range(12_000))
    assert beside(database) == []


def test_a_bad_row_in_a_late_file_fails_the_load_naming_it_and_loads_nothing(tmp_path: Path) -> None:
    base, database = tmp_path / "base", tmp_path / "w.duckdb"
    publish(base, "events", [part(1000 * n, 1000, bad_at=9_500 if n == 9 else -1) for n in range(12)])
    outcome = in_thread(lambda: load(base, database, "events"))
    assert outcome.status is Status.FAILED  # type: ignore[attr-defined]
    error = outcome.error  # type: ignore[attr-defined]
    assert isinstance(error, CopyFailed)
    (rejected,) = error.errors
    assert (rejected.line, rejected.column, rejected.value) == (501, "id", "twelve")
    assert rejected.file.endswith("000009.json.gz")
    assert table_rows(database, "events") == []
    # Under MAXERROR 2 the bad row is skipped and the others load.
    outcome = load(base, database, "events", max_errors=2)
    assert outcome.status is Status.LOADED, outcome.error  # type: ignore[attr-defined]
    assert len(table_rows(database, "events")) == 11_999


def test_a_corrupt_file_amid_others_fails_the_load_naming_it(tmp_path: Path) -> None:
    base, database = tmp_path / "base", tmp_path / "w.duckdb"
    parts = [part(1000 * n, 1000) for n in range(8)]
    parts[5] = parts[5][: len(parts[5]) // 2]  # cut short
    publish(base, "events", parts)
    outcome = in_thread(lambda: load(base, database, "events"))
    assert outcome.status is Status.FAILED  # type: ignore[attr-defined]
    assert isinstance(outcome.error, CopyFailed)  # type: ignore[attr-defined]
    assert "000005.json.gz" in str(outcome.error)  # type: ignore[attr-defined]
    assert table_rows(database, "events") == []


def test_duckdb_refusing_a_row_stops_the_decoders_and_loads_nothing(tmp_path: Path) -> None:
    # The table is the user's, with a key DuckDB enforces: rows rio accepts, DuckDB refuses.
    base, database = tmp_path / "base", tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as conn:
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        conn.execute(f"CREATE TABLE {SCHEMA}.events (ts timestamp, id bigint UNIQUE, payload varchar)")
    publish(base, "events", [part(0, 2000)] + [part(1000 * n, 2000) for n in range(1, 12)])
    outcome = in_thread(lambda: load(base, database, "events"))
    assert outcome.status is Status.FAILED  # type: ignore[attr-defined]
    assert "constraint" in str(outcome.error).lower()  # type: ignore[attr-defined]
    assert table_rows(database, "events") == []
    assert [t.name for t in threading.enumerate() if t.name.startswith("rio-decode")] == []


def test_a_loader_killed_inside_its_copy_leaves_nothing_and_the_next_load_loads_every_row_once(
    tmp_path: Path,
) -> None:
    base, database = tmp_path / "base", tmp_path / "db" / "w.duckdb"
    database.parent.mkdir()
    paths = publish(base, "events", [part(0, 5000), None])
    command = [sys.executable, "-c", LOADER, str(base), f"duckdb:///{database}", "events"]
    child = subprocess.Popen(
        [*command, contract.format_data_date(DATE)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # The loader opens the pipe to read once it is inside its COPY.
    deadline = time.monotonic() + 60
    while True:
        try:
            os.close(os.open(paths[1], os.O_WRONLY | os.O_NONBLOCK))
            break
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:  # ENXIO: no reader yet
                raise
            assert child.poll() is None, child.communicate()
            time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(60)
    assert set(beside(database)) <= {"w.duckdb.wal"}

    paths[1].unlink()
    paths[1].write_bytes(part(5000, 5000))
    outcome = load(base, database, "events")
    assert outcome.status is Status.LOADED, outcome.error  # type: ignore[attr-defined]
    assert table_rows(database, "events") == list(range(10_000))
    assert beside(database) == []


# --- DuckDB's memory ------------------------------------------------------------------------------


def test_a_targets_memory_limit_reaches_the_loaders_connection_and_a_bad_one_is_refused(
    tmp_path: Path,
) -> None:
    from rio.adapters import resolve_adapter
    from rio.errors import WarehouseError

    def limit(target: str) -> str:
        session = resolve_adapter(target).connect()
        try:
            (value,) = session.query("SELECT current_setting('memory_limit')")[0]
        finally:
            session.close()
        return str(value)

    database = tmp_path / "w.duckdb"
    assert limit(f"duckdb:///{database}?memory_limit=128MB") in {"122.0 MiB", "128.0 MB"}
    assert limit(f"duckdb:///{database}?memory_limit=1GB") in {"953.6 MiB", "1.0 GB"}
    with pytest.raises(WarehouseError, match=r"memory_limit must be a size such as 64MB .* not '1GB; DROP"):
        resolve_adapter(f"duckdb:///{database}?memory_limit=1GB; DROP").connect()


def test_rows_of_megabytes_load(tmp_path: Path) -> None:
    base, database = tmp_path / "base", tmp_path / "db" / "w.duckdb"
    database.parent.mkdir()
    columns = [Column("ts", "timestamp"), Column("id", "bigint"), Column("doc", "super")]
    big = {"blobs": ["y" * 65_000] * 64}  # 3 MB, each string within SUPER's 65535 bytes
    text = "\n".join(json.dumps({"ts": "2026-11-21T12:00:00", "id": i, "doc": big}) for i in range(40))
    publish(base, "docs", [gzip.compress(text.encode(), compresslevel=1)])
    (base / contract.config_key(SCHEMA, "docs", DATE)).write_text(
        DestinationConfig(SCHEMA, "docs", columns, "ts").to_yaml()
    )
    outcome = load(base, database, "docs")
    assert outcome.status is Status.LOADED, outcome.error  # type: ignore[attr-defined]
    with duckdb.connect(str(database), read_only=True) as conn:
        assert conn.execute(f"SELECT count(*), min(length(doc::varchar)) FROM {SCHEMA}.docs").fetchone() == (
            40,
            len(json.dumps(big, separators=(",", ":"))),
        )
    assert beside(database) == []
