"""Loading a 1,000,000-row CSV: ``rio.load`` against each warehouse's own CSV path, in one run.

``rio.load`` reads the CSV, infers its column types over every row, stages gzip'd NDJSON parts, and
loads them with its emulated COPY, creating the table. Beside it: psycopg's ``COPY … FROM STDIN
(FORMAT csv)`` of the file into a table made beforehand (the limit), and DuckDB's ``read_csv``.
Best of two rounds, each running both sides once, every run into a fresh table.
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import benchmark_postgres, best_interleaved
from rows import event_rows

import rio

ROWS = 1_000_000
FIELDS = ("id", "user_id", "event", "ts", "path", "ms", "ok")
DDL = (
    "(id varchar(256), user_id bigint, event varchar(256), ts timestamp, path varchar(256), "
    "ms double precision, ok boolean)"
)


def write_csv(path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for row in event_rows(ROWS):
            writer.writerow(["true" if v is True else "false" if v is False else v for v in row.values()])


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "events.csv"
        write_csv(source)
        print(f"{ROWS:,} rows, {source.stat().st_size / 1e6:.0f} MB of CSV\n")

        with benchmark_postgres() as url:
            if url is not None:
                import psycopg

                def raw_copy(attempt: int) -> None:
                    with psycopg.connect(url, autocommit=True) as conn:
                        conn.execute(f"CREATE TABLE bench.raw_{attempt} {DDL}")
                        with (
                            conn.cursor() as cursor,
                            cursor.copy(f"COPY bench.raw_{attempt} FROM STDIN (FORMAT csv, HEADER)") as copy,
                            source.open("rb") as handle,
                        ):
                            while chunk := handle.read(1 << 20):
                                copy.write(chunk)

                def rio_load(attempt: int) -> None:
                    result = rio.load(str(source), f"{url}::bench.rio_{attempt}")
                    assert result.outcome.rows == ROWS

                (_, raw_seconds, _), (_, rio_seconds, _) = best_interleaved(
                    [("raw", raw_copy), ("rio", rio_load)], 2
                )
                print("PostgreSQL                                      rows/s")
                print(f"  psycopg COPY FROM STDIN (csv)           {ROWS / raw_seconds:>12,.0f}")
                print(
                    f"  rio.load (infer+stage+COPY)             {ROWS / rio_seconds:>12,.0f}   "
                    f"{100 * raw_seconds / rio_seconds:.0f} % of raw COPY\n"
                )

        import duckdb

        database = Path(scratch) / "warehouse.duckdb"

        def duckdb_read_csv(attempt: int) -> None:
            with duckdb.connect(str(database)) as conn:
                conn.execute(f"CREATE TABLE native_{attempt} AS SELECT * FROM read_csv('{source}')")

        def duckdb_rio(attempt: int) -> None:
            result = rio.load(str(source), f"duckdb:///{database}::rio_{attempt}")
            assert result.outcome.rows == ROWS

        (_, native, _), (_, ours, _) = best_interleaved([("native", duckdb_read_csv), ("rio", duckdb_rio)], 2)
        print("DuckDB                                          rows/s")
        print(f"  DuckDB read_csv                         {ROWS / native:>12,.0f}")
        print(
            f"  rio.load (infer+stage+COPY)             {ROWS / ours:>12,.0f}   "
            f"{100 * native / ours:.0f} % of read_csv"
        )


if __name__ == "__main__":
    main()
