"""Loading throughput: rio's emulated COPY against each warehouse's own bulk path, in one run.

1,000,000 event rows as a manifest of gzip'd NDJSON parts (what a pipe writes). PostgreSQL: rio's
load (gunzip, decode with Redshift's JSON 'auto' rules, COPY FROM STDIN) against psycopg's raw
``COPY FROM STDIN`` of the same rows already in text format — the limit (target: >= 70 %). DuckDB:
rio's load against DuckDB reading the same files with its own ``read_json``. Best of three rounds,
each running both sides once, every run into a fresh table.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import benchmark_postgres, best_interleaved
from rows import EVENT_COLUMNS, event_rows

from rio import Packer, contract
from rio.config import DestinationConfig
from rio.contract import Job, Manifest, ManifestEntry
from rio.loader import run_job

ROWS = 1_000_000
DATE = datetime(2026, 11, 21, 0, 0, 0, tzinfo=timezone.utc)
DDL = (
    "(id varchar(256), user_id bigint, event varchar(256), ts timestamp, path varchar(256), "
    "ms double precision, ok boolean)"
)


def write_parts(base: Path, table: str) -> list[Path]:
    packer = Packer()
    run_id = contract.new_run_id()
    paths: list[Path] = []

    def take() -> None:
        for part in packer:
            path = base / contract.part_key("bench", table, run_id, part.number)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(part.data)
            paths.append(path)

    consumer = threading.Thread(target=take)
    consumer.start()
    packer.pack_many(event_rows(ROWS))
    packer.close()
    consumer.join()
    return paths


def publish(base: Path, table: str, parts: list[Path]) -> None:
    entries = tuple(ManifestEntry(f"file://{path}", mandatory=True) for path in sorted(parts))
    (base / contract.manifest_key("bench", table, DATE)).write_bytes(Manifest(entries).to_json())
    config = DestinationConfig("bench", table, EVENT_COLUMNS, data_timestamp_column="ts")
    (base / contract.config_key("bench", table, DATE)).write_text(config.to_yaml())


def copy_text(parts: list[Path]) -> bytes:
    """The rows in PostgreSQL's COPY text format, as the fastest client would send them."""
    out = io.StringIO()
    for path in sorted(parts):
        for line in gzip.decompress(path.read_bytes()).splitlines():
            row = json.loads(line)
            out.write(
                f"{row['id']}\t{row['user_id']}\t{row['event']}\t{row['ts']}\t{row['path']}\t{row['ms']}\t"
                f"{'t' if row['ok'] else 'f'}\n"
            )
    return out.getvalue().encode()


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch) / "base"
        base.mkdir()
        parts = write_parts(base, "events")
        raw = sum(len(gzip.decompress(p.read_bytes())) for p in parts)
        print(f"{ROWS:,} rows in {len(parts)} parts, {raw / 1e6:.0f} MB of NDJSON\n")
        tables = [f"events_{i}" for i in range(3)]
        for table in tables:
            publish(base, table, parts)

        with benchmark_postgres() as url:
            if url is not None:
                import psycopg

                text = copy_text(parts)

                def raw_copy(attempt: int) -> None:
                    with psycopg.connect(url, autocommit=True) as conn:
                        conn.execute(f"CREATE TABLE bench.raw_{attempt} {DDL}")
                        with (
                            conn.cursor() as cursor,
                            cursor.copy(f"COPY bench.raw_{attempt} FROM STDIN") as copy,
                        ):
                            for start in range(0, len(text), 1 << 20):
                                copy.write(text[start : start + (1 << 20)])

                def rio_load(attempt: int) -> None:
                    job = Job(base=str(base), schema="bench", tables=(tables[attempt],), date=DATE)
                    report = run_job(job, url)
                    report.raise_for_failures()
                    assert report.rows == ROWS

                (_, raw_seconds, _), (_, rio_seconds, _) = best_interleaved(
                    [("raw", raw_copy), ("rio", rio_load)]
                )
                print("PostgreSQL                               rows/s")
                print(f"  psycopg COPY FROM STDIN (text)   {ROWS / raw_seconds:>12,.0f}")
                print(
                    f"  rio load (gunzip+decode+COPY)    {ROWS / rio_seconds:>12,.0f}   "
                    f"{100 * raw_seconds / rio_seconds:.0f} % of raw COPY (target >= 70 %)\n"
                )

        import duckdb

        database = Path(scratch) / "warehouse.duckdb"
        files = ", ".join(f"'{p}'" for p in sorted(parts))
        columns = (
            "{id: 'VARCHAR', user_id: 'BIGINT', event: 'VARCHAR', ts: 'TIMESTAMP', path: 'VARCHAR', "
            "ms: 'DOUBLE', ok: 'BOOLEAN'}"
        )

        def duckdb_read_json(attempt: int) -> None:
            with duckdb.connect(str(database)) as conn:
                conn.execute("CREATE SCHEMA IF NOT EXISTS bench")
                conn.execute(
                    f"CREATE TABLE bench.native_{attempt} AS SELECT * FROM read_json([{files}], "
                    f"format='newline_delimited', columns={columns})"
                )

        def duckdb_rio(attempt: int) -> None:
            job = Job(base=str(base), schema="bench", tables=(tables[attempt],), date=DATE)
            report = run_job(job, f"duckdb:///{database}")
            report.raise_for_failures()
            assert report.rows == ROWS

        (_, native, _), (_, ours, _) = best_interleaved([("native", duckdb_read_json), ("rio", duckdb_rio)])
        print("DuckDB                                   rows/s")
        print(f"  DuckDB read_json of the parts    {ROWS / native:>12,.0f}")
        share = 100 * native / ours
        print(f"  rio load (gunzip+decode+COPY)    {ROWS / ours:>12,.0f}   {share:.0f} % of read_json")


if __name__ == "__main__":
    main()
