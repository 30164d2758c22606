"""The loader against real warehouses: the same cases on PostgreSQL, on a DuckDB file, and through
the Redshift adapter (its real driver, Redshift-only statements translated for PostgreSQL, COPY
reading moto's S3; see ``support/redshift_double.py``).

Data is laid out as producers write it — rio's manifests of gzip'd parts, and the Go tools' single
``.json.gz`` files — by plain ``json`` and ``gzip`` here, not by rio, so the loader is checked
against the contract rather than against itself.
"""

from __future__ import annotations

import gzip
import itertools
import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from datetime import time as time_of_day
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rio import contract
from rio.config import Column, DataFacts, DestinationConfig
from rio.contract import CopyOptions, Job, LoadMode, Manifest, ManifestEntry
from rio.errors import (
    ConfigFileError,
    CopyFailed,
    DataNotFound,
    LoadRefused,
    SchemaMismatch,
    UnknownAdapter,
    WarehouseError,
)
from rio.loader import LoadOptions, LoadReport, Status, run_job
from support.redshift_double import RedshiftDouble

SCHEMA, TABLE = "analytics", "events"
CONFIG = DestinationConfig(
    SCHEMA,
    TABLE,
    [
        Column("ts", "timestamp", sort_ord=1),
        Column("id", "bigint", dist_key=True),
        Column("name", "text"),
        Column("amount", "float"),
        Column("ok", "boolean"),
    ],
    data_timestamp_column="ts",
)
D1 = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)
D2 = datetime(2026, 11, 21, 10, 0, 0, tzinfo=timezone.utc)


@dataclass
class Warehouse:
    """A warehouse under test: its loader target, and a direct way to read it.

    For ``redshift`` the target is the Redshift adapter (through :class:`RedshiftDouble`, the driver
    and the proxy) over the same PostgreSQL database that ``url`` reads directly. Redshift's COPY
    reads only S3, so before each load the local base is mirrored into a moto bucket, with the
    manifests' ``file://`` URLs pointing at the mirrored objects.
    """

    kind: str
    url: str
    path: Path | None = None
    double: RedshiftDouble | None = None
    s3: Any = None
    bucket: str | None = None
    _mirroring: threading.Lock = field(default_factory=threading.Lock)

    def url_of(self, base: Path, key: str) -> str:
        """The URL by which the loader sees ``key`` of the base."""
        return f"s3://{self.bucket}/{key}" if self.bucket is not None else f"file://{base}/{key}"

    def run(self, the_job: Job, options: LoadOptions | None = None) -> LoadReport:
        if self.double is None:
            return run_job(the_job, self.url, options=options)
        local = contract.Base.parse(the_job.base).path
        assert local is not None, the_job.base
        self._mirror(Path(local))
        return run_job(
            replace(the_job, base=f"s3://{self.bucket}"),
            self.double,
            options=options,
            endpoint_url=self.double.s3_endpoint_url,
        )

    def _mirror(self, base: Path) -> None:
        """Make the bucket hold exactly the files of ``base``, manifests pointing into the bucket."""
        with self._mirroring:
            wanted = {}
            for path in base.rglob("*"):
                if path.is_file():
                    data = path.read_bytes()
                    if path.suffix == ".manifest":
                        data = data.replace(f"file://{base}/".encode(), f"s3://{self.bucket}/".encode())
                    wanted[path.relative_to(base).as_posix()] = data
            listed = self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", [])
            for key in {item["Key"] for item in listed} - set(wanted):
                self.s3.delete_object(Bucket=self.bucket, Key=key)
            for key, data in wanted.items():
                self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.kind in ("postgres", "redshift"):
            import psycopg

            with psycopg.connect(self.url) as conn:
                return conn.execute(sql).fetchall()
        import duckdb

        with duckdb.connect(str(self.path)) as conn:
            return conn.execute(sql).fetchall()

    def execute(self, sql: str) -> None:
        if self.double is not None:
            # Redshift's own DDL, through the double as the adapter's statements go.
            session = self.double.connect()
            try:
                session.execute(sql)
            finally:
                session.close()
            return
        if self.kind == "postgres":
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute(sql)
            return
        import duckdb

        with duckdb.connect(str(self.path)) as conn:
            conn.execute(sql)

    def count(self, table: str = f"{SCHEMA}.{TABLE}") -> int:
        return int(self.rows(f"SELECT count(*) FROM {table}")[0][0])

    def ids(self) -> list[int]:
        return [int(r[0]) for r in self.rows(f"SELECT id FROM {SCHEMA}.{TABLE} ORDER BY id")]


@pytest.fixture(params=["postgres", "duckdb", "redshift"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    if request.param == "postgres":
        return Warehouse("postgres", request.getfixturevalue("pg_url"))
    if request.param == "redshift":
        return Warehouse(
            "redshift",
            request.getfixturevalue("pg_url"),
            double=request.getfixturevalue("redshift_double"),
            s3=request.getfixturevalue("s3"),
            bucket=request.getfixturevalue("s3_bucket"),
        )
    path = tmp_path / "warehouse.duckdb"
    return Warehouse("duckdb", f"duckdb:///{path}", path)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base"
    path.mkdir()
    return path


def event(i: int, day: datetime = D2, **extra: Any) -> dict[str, Any]:
    stamp = day.replace(tzinfo=None) + timedelta(seconds=i)
    return {
        "ts": stamp.isoformat(),
        "id": i,
        "name": f"event {i}",
        "amount": i / 4,
        "ok": i % 2 == 0,
        **extra,
    }


Row = dict[str, Any] | str | bytes  # a dict, a line of JSON, or a line's raw bytes (not UTF-8, say)


def ndjson(rows: Sequence[Row]) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else (r if isinstance(r, str) else json.dumps(r)).encode()) + b"\n"
        for r in rows
    )


def publish(
    base: Path,
    rows: Sequence[Row],
    date: datetime = D2,
    *,
    config: DestinationConfig = CONFIG,
    layout: str = "manifest",
    parts: int = 2,
    facts: DataFacts | None = None,
    entries: Sequence[ManifestEntry] = (),
) -> None:
    """Lay out data and config for one date as a producer would."""
    schema, table = config.schema, config.table
    (base / contract.config_key(schema, table, date)).write_text(config.to_yaml(facts))
    if layout == "json.gz":
        (base / contract.data_key(schema, table, date, "json.gz")).write_bytes(gzip.compress(ndjson(rows)))
        return
    if layout == "json":
        (base / contract.data_key(schema, table, date, "json")).write_bytes(ndjson(rows))
        return
    run_id = contract.new_run_id()
    listed = list(entries)
    size = max(1, -(-len(rows) // parts))
    for number, start in enumerate(range(0, max(len(rows), 1), size)):
        key = contract.part_key(schema, table, run_id, number)
        path = base / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(ndjson(rows[start : start + size])))
        listed.append(ManifestEntry(f"file://{path}", mandatory=True, content_length=path.stat().st_size))
    (base / contract.manifest_key(schema, table, date)).write_bytes(Manifest(tuple(listed)).to_json())


def job(base: Path, date: datetime | None = D2, **fields: Any) -> Job:
    return Job(base=str(base), schema=SCHEMA, tables=(TABLE,), date=date, **fields)


def load(warehouse: Warehouse, the_job: Job, **options: Any) -> Any:
    report = warehouse.run(the_job, LoadOptions(**options) if options else None)
    (outcome,) = report.outcomes
    return outcome


# --- the first load, and loading again ------------------------------------------------------------------


def test_a_first_load_creates_the_table_and_loads_every_row(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i) for i in range(100)])
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    assert outcome.rows == 100
    assert warehouse.ids() == list(range(100))
    ts, name, amount, ok = warehouse.rows(f"SELECT ts, name, amount, ok FROM {SCHEMA}.{TABLE} WHERE id = 3")[
        0
    ]
    assert ts == datetime(2026, 11, 21, 10, 0, 3)
    assert (name, amount, ok) == ("event 3", 0.75, False)


def test_the_ledger_records_the_load(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i) for i in range(10)])
    load(warehouse, job(base, id="job-1"))
    ((schema, table, date, mode, manifest, digest, rows, job_id),) = warehouse.rows(
        "SELECT schema_name, table_name, data_date, mode, manifest_url, manifest_sha256, rows_loaded, "
        f"job_id FROM {SCHEMA}.rio_loads"
    )
    assert (schema, table, date, mode, rows, job_id) == (
        SCHEMA,
        TABLE,
        D2.replace(tzinfo=None),
        "append",
        10,
        "job-1",
    )
    assert manifest == warehouse.url_of(base, contract.manifest_key(SCHEMA, TABLE, D2))
    assert digest is not None
    assert len(digest) == 64


def test_the_same_job_twice_loads_once(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i) for i in range(50)])
    first = load(warehouse, job(base))
    second = load(warehouse, job(base))
    assert (first.status, second.status) == (Status.LOADED, Status.ALREADY_LOADED)
    assert "50 rows" in second.detail
    assert warehouse.count() == 50
    assert warehouse.count(f"{SCHEMA}.rio_loads") == 1


def test_another_producers_data_with_the_same_date_still_loads(
    warehouse: Warehouse, base: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other-producer"
    other.mkdir()
    publish(base, [event(i) for i in range(50)])
    publish(other, [event(i) for i in range(100, 130)])
    first, second = load(warehouse, job(base)), load(warehouse, job(other))
    assert (first.status, second.status) == (Status.LOADED, Status.LOADED)
    assert warehouse.count() == 80
    assert load(warehouse, job(other)).status is Status.ALREADY_LOADED
    assert warehouse.count(f"{SCHEMA}.rio_loads") == 2


def test_the_same_manifest_copied_elsewhere_is_already_loaded(
    warehouse: Warehouse, base: Path, tmp_path: Path
) -> None:
    if warehouse.kind == "redshift":
        pytest.skip("the bucket mirror rewrites each base's manifest URLs, so a copy is not the same bytes")
    publish(base, [event(i) for i in range(20)])
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in (contract.manifest_key(SCHEMA, TABLE, D2), contract.config_key(SCHEMA, TABLE, D2)):
        (copy / name).write_bytes((base / name).read_bytes())
    assert load(warehouse, job(base)).status is Status.LOADED
    assert load(warehouse, job(copy)).status is Status.ALREADY_LOADED
    assert warehouse.count() == 20


def test_force_in_append_mode_is_refused_because_it_would_double_the_rows(
    warehouse: Warehouse, base: Path
) -> None:
    publish(base, [event(i) for i in range(5)])
    load(warehouse, job(base))
    outcome = load(warehouse, job(base, force=True))
    assert outcome.status is Status.FAILED
    assert isinstance(outcome.error, LoadRefused)
    assert "would load its rows a second time" in str(outcome.error)
    assert warehouse.count() == 5


def test_force_in_truncate_mode_loads_again_in_place(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i) for i in range(5)])
    load(warehouse, job(base))
    outcome = load(warehouse, job(base, force=True, mode=LoadMode.TRUNCATE))
    assert outcome.status is Status.LOADED
    assert warehouse.ids() == list(range(5))


def test_without_a_date_the_latest_data_is_loaded(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i, D1) for i in range(3)], D1)
    publish(base, [event(i, D2) for i in range(100, 104)], D2)
    outcome = load(warehouse, job(base, date=None))
    assert outcome.status is Status.LOADED
    assert outcome.date == D2
    assert warehouse.ids() == [100, 101, 102, 103]


# --- the ledger is checked before it is trusted ---------------------------------------------------------

_LEDGER_COLUMNS = {
    "schema_name": "varchar(127)",
    "table_name": "varchar(127)",
    "data_date": "timestamp",
    "mode": "varchar(16)",
    "manifest_url": "varchar(1024)",
    "manifest_sha256": "varchar(64)",
    "rows_loaded": "bigint",
    "job_id": "varchar(128)",
    "loaded_at": "timestamp",
}


def forge_ledger(warehouse: Warehouse, columns: dict[str, str], row: dict[str, str]) -> None:
    """A table named like the ledger, made by someone else, holding a row that claims D2 is loaded."""
    warehouse.execute(f"CREATE SCHEMA {SCHEMA}")
    definitions = ", ".join(f"{name} {kind}" for name, kind in columns.items())
    warehouse.execute(f"CREATE TABLE {SCHEMA}.rio_loads ({definitions})")
    warehouse.execute(f"INSERT INTO {SCHEMA}.rio_loads ({', '.join(row)}) VALUES ({', '.join(row.values())})")


def forged_row(warehouse: Warehouse, base: Path, **changes: str) -> dict[str, str]:
    """A row for the single data file of D2 (a file is known by its URL), as a ledger would hold it."""
    url = warehouse.url_of(base, contract.data_key(SCHEMA, TABLE, D2, "json.gz"))
    row = {
        "schema_name": f"'{SCHEMA}'",
        "table_name": f"'{TABLE}'",
        "data_date": "'2026-11-21 10:00:00'",
        "mode": "'append'",
        "manifest_url": f"'{url}'",
        "rows_loaded": "999",
        "job_id": "'forged'",
        "loaded_at": "'2026-11-21 11:00:00'",
    }
    return {**row, **changes}


def table_exists(warehouse: Warehouse, table: str = TABLE) -> bool:
    found = warehouse.rows(
        f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{SCHEMA}' "
        f"AND table_name = '{table}'"
    )
    return bool(found[0][0])


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_table_named_like_the_ledger_with_other_columns_is_refused_not_trusted(
    warehouse: Warehouse, base: Path, dry_run: bool
) -> None:
    publish(base, [event(i) for i in range(10)], layout="json.gz")
    # It has the columns the ledger's query reads, but not the ledger's: no mode nor manifest_sha256,
    # and a note of its own.
    columns = {
        name: kind for name, kind in _LEDGER_COLUMNS.items() if name not in ("mode", "manifest_sha256")
    }
    row = forged_row(warehouse, base)
    del row["mode"]
    forge_ledger(warehouse, {**columns, "note": "varchar(64)"}, {**row, "note": "'not a ledger'"})
    outcome = load(warehouse, job(base), dry_run=dry_run)
    assert outcome.status is Status.FAILED, outcome.line()
    assert isinstance(outcome.error, SchemaMismatch)
    message = str(outcome.error)
    assert message.startswith(
        f"{SCHEMA}.rio_loads is not rio's load ledger: it has the columns (schema_name "
    )
    assert "note " in message
    assert (
        "and the ledger's are (schema_name varchar(127), table_name varchar(127), data_date timestamp, "
        in message
    )
    assert "mode varchar(16)" in message
    assert "Rename or drop that table" in message
    assert "--ledger-schema" in message
    # Nothing loaded, nothing written.
    assert not table_exists(warehouse)
    assert warehouse.rows(f"SELECT job_id FROM {SCHEMA}.rio_loads") == [("forged",)]


def test_a_ledger_column_of_another_type_is_refused(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i) for i in range(10)], layout="json.gz")
    forge_ledger(
        warehouse,
        {**_LEDGER_COLUMNS, "rows_loaded": "varchar(20)"},
        forged_row(warehouse, base, rows_loaded="'12'"),
    )
    outcome = load(warehouse, job(base))
    assert isinstance(outcome.error, SchemaMismatch), outcome.line()
    text_type = "text" if warehouse.kind == "duckdb" else "varchar(20)"
    assert f"rows_loaded {text_type}" in str(outcome.error)
    assert "rows_loaded bigint" in str(outcome.error)
    assert not table_exists(warehouse)


def test_a_ledger_with_narrower_text_columns_is_refused(warehouse: Warehouse, base: Path) -> None:
    if warehouse.kind == "duckdb":
        pytest.skip("DuckDB keeps no VARCHAR widths")
    publish(base, [event(i) for i in range(10)], layout="json.gz")
    forge_ledger(warehouse, {**_LEDGER_COLUMNS, "manifest_url": "varchar(20)"}, {"job_id": "'short'"})
    outcome = load(warehouse, job(base))
    assert isinstance(outcome.error, SchemaMismatch), outcome.line()
    assert "manifest_url varchar(20)" in str(outcome.error)
    assert not table_exists(warehouse)


def test_a_ledger_made_elsewhere_with_the_ledgers_columns_is_a_ledger(
    warehouse: Warehouse, base: Path
) -> None:
    # Wider text columns, another column order: still the ledger's columns, and its rows count.
    columns = {
        name: ("varchar(2000)" if kind.startswith("varchar") else kind)
        for name, kind in _LEDGER_COLUMNS.items()
    }
    forge_ledger(warehouse, dict(reversed(columns.items())), forged_row(warehouse, base))
    publish(base, [event(i) for i in range(10)], layout="json.gz")
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.ALREADY_LOADED, outcome.error
    assert "999 rows by job forged" in outcome.detail


# --- staleness and modes --------------------------------------------------------------------------------


def test_stale_data_is_skipped_and_loaded_with_force(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i, D2) for i in range(3)], D2)
    publish(base, [event(i, D1) for i in range(10, 13)], D1)
    assert load(warehouse, job(base, D2)).status is Status.LOADED
    stale = load(warehouse, job(base, D1))
    assert stale.status is Status.STALE
    assert "later than this day" in stale.detail
    assert warehouse.ids() == [0, 1, 2]
    forced = load(warehouse, job(base, D1, force=True))
    assert forced.status is Status.LOADED
    assert warehouse.ids() == [0, 1, 2, 10, 11, 12]


def test_truncate_without_force_still_refuses_stale_data(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i, D2) for i in range(3)], D2)
    publish(base, [event(i, D1) for i in range(10, 13)], D1)
    load(warehouse, job(base, D2))
    outcome = load(warehouse, job(base, D1, mode=LoadMode.TRUNCATE))
    assert outcome.status is Status.STALE
    assert warehouse.ids() == [0, 1, 2]


def test_data_of_the_same_day_is_not_stale(warehouse: Warehouse, base: Path) -> None:
    later = D2 + timedelta(hours=3)
    publish(base, [event(i, later) for i in range(3)], later)
    publish(base, [event(i, D2) for i in range(10, 12)], D2)
    load(warehouse, job(base, later))
    assert load(warehouse, job(base, D2)).status is Status.LOADED
    hourly = load(warehouse, job(base, D2 - timedelta(hours=1), granularity=contract.Granularity.HOUR))
    assert hourly.status is Status.FAILED  # nothing was published for that hour
    assert isinstance(hourly.error, DataNotFound)


def test_truncate_replaces_every_row(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i, D1) for i in range(5)], D1)
    publish(base, [event(i, D2) for i in range(100, 102)], D2)
    load(warehouse, job(base, D1))
    assert load(warehouse, job(base, D2, mode=LoadMode.TRUNCATE)).status is Status.LOADED
    assert warehouse.ids() == [100, 101]


def test_refresh_replaces_the_rows_of_the_dates_day(warehouse: Warehouse, base: Path) -> None:
    morning, evening = D2.replace(hour=8), D2.replace(hour=20)
    publish(base, [event(i, D1) for i in range(3)], D1)
    publish(base, [event(i, morning) for i in range(10, 13)], morning)
    publish(base, [event(i, evening) for i in range(20, 22)], evening)
    for day in (D1, morning):
        load(warehouse, job(base, day))
    outcome = load(warehouse, job(base, evening, mode=LoadMode.REFRESH))
    assert outcome.status is Status.LOADED
    # The morning's rows share the evening's day, so they are replaced; the day before stays.
    assert warehouse.ids() == [0, 1, 2, 20, 21]


def test_upsert_keeps_the_last_row_per_key_and_null_keys_match(warehouse: Warehouse, base: Path) -> None:
    first = [event(1, name="old"), event(2, name="old"), {**event(3), "id": None, "name": "old null"}]
    publish(base, first, D1)
    load(warehouse, job(base, D1, mode=LoadMode.UPSERT, upsert_keys=("id",)))
    later = D2
    second = [
        event(2, later, name="newer"),
        event(2, later - timedelta(hours=1), name="older in the batch"),
        event(4, later, name="new"),
        {**event(9, later), "id": None, "name": "new null"},
    ]
    publish(base, second, later, parts=1)
    outcome = load(warehouse, job(base, later, mode=LoadMode.UPSERT, upsert_keys=("id",)))
    assert outcome.status is Status.LOADED, outcome.error
    rows = sorted(
        warehouse.rows(f"SELECT id, name FROM {SCHEMA}.{TABLE}"), key=lambda r: (r[0] is None, r[0] or 0)
    )
    assert rows == [(1, "old"), (2, "newer"), (4, "new"), (None, "new null")]


def test_upsert_breaks_a_tie_of_data_timestamps_by_file_order(warehouse: Warehouse, base: Path) -> None:
    if warehouse.kind == "redshift":
        pytest.skip(
            "Redshift keeps no order of the rows one COPY wrote, so rows of one key with the same data "
            "timestamp have no defined winner there"
        )
    same_time = {"ts": (D2.replace(tzinfo=None) + timedelta(seconds=4)).isoformat()}
    rows = [
        {**event(4), **same_time, "name": "earlier in file"},
        {**event(5), "name": "another key"},
        {**event(10), **same_time, "id": 4, "name": "same time, later in file"},
    ]
    publish(base, rows, parts=1)
    outcome = load(warehouse, job(base, mode=LoadMode.UPSERT, upsert_keys=("id",)))
    assert outcome.status is Status.LOADED, outcome.error
    assert warehouse.rows(f"SELECT id, name FROM {SCHEMA}.{TABLE} ORDER BY id") == [
        (4, "same time, later in file"),
        (5, "another key"),
    ]


# --- the table's schema ---------------------------------------------------------------------------------


def test_a_new_config_column_is_added(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i, D1) for i in range(2)], D1)
    load(warehouse, job(base, D1))
    wider = DestinationConfig(SCHEMA, TABLE, [*CONFIG.columns, Column("country", "text")], "ts")
    publish(base, [event(5, D2, country="NL")], D2, config=wider)
    assert load(warehouse, job(base, D2)).status is Status.LOADED
    assert warehouse.rows(f"SELECT id, country FROM {SCHEMA}.{TABLE} ORDER BY id") == [
        (0, None),
        (1, None),
        (5, "NL"),
    ]


def test_a_changed_column_type_is_a_mismatch_naming_column_and_values(
    warehouse: Warehouse, base: Path
) -> None:
    publish(base, [event(1, D1)], D1)
    load(warehouse, job(base, D1))
    changed = DestinationConfig(
        SCHEMA, TABLE, [Column("ts", "timestamp"), Column("id", "text"), Column("name", "text")], "ts"
    )
    publish(base, [event(2, D2)], D2, config=changed)
    outcome = load(warehouse, job(base, D2))
    assert outcome.status is Status.FAILED
    assert isinstance(outcome.error, SchemaMismatch)
    assert "'id' property type" in str(outcome.error)
    assert "'varchar(256)'" in str(outcome.error)
    assert "'bigint'" in str(outcome.error)
    assert warehouse.count() == 1


def test_a_not_null_column_without_default_cannot_be_added(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(1, D1)], D1)
    load(warehouse, job(base, D1))
    stricter = DestinationConfig(SCHEMA, TABLE, [*CONFIG.columns, Column("must", "int", not_null=True)], "ts")
    publish(base, [event(2, D2, must=1)], D2, config=stricter)
    outcome = load(warehouse, job(base, D2))
    assert isinstance(outcome.error, SchemaMismatch)
    assert "NOT NULL without a default" in str(outcome.error)


def test_a_varchar_too_narrow_for_the_data_is_widened(warehouse: Warehouse, base: Path) -> None:
    if warehouse.kind == "duckdb":
        pytest.skip("DuckDB keeps no VARCHAR widths, so there is nothing to widen")
    # On Redshift the table has the config's keys, as rio would have created it.
    keys = " DISTSTYLE KEY DISTKEY (id) COMPOUND SORTKEY (ts)" if warehouse.kind == "redshift" else ""
    warehouse.execute(f"CREATE SCHEMA {SCHEMA}")
    warehouse.execute(
        f"CREATE TABLE {SCHEMA}.{TABLE} "
        f"(ts timestamp, id bigint, name varchar(10), amount double precision, ok boolean){keys}"
    )
    publish(base, [event(1, name="a name longer than ten")], facts=DataFacts(max_byte_lengths={"name": 22}))
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    assert any("TYPE varchar(256)" in statement for statement in outcome.statements)
    assert warehouse.rows(f"SELECT name FROM {SCHEMA}.{TABLE}") == [("a name longer than ten",)]


# --- the schema diff for every type -------------------------------------------------------------------

TYPED = DestinationConfig(
    SCHEMA,
    TABLE,
    [
        Column("ts", "timestamp", sort_ord=1),
        Column("id", "bigint", dist_key=True),
        Column("price", "decimal(10,2)"),
        Column("seen", "timestamptz"),
        Column("code", "char(2)"),
        Column("doc", "super"),
    ],
    data_timestamp_column="ts",
)


def typed(i: int, day: datetime = D2, **extra: Any) -> dict[str, Any]:
    return {
        "ts": (day.replace(tzinfo=None) + timedelta(seconds=i)).isoformat(),
        "id": i,
        "price": f"{i}.25",
        "seen": f"2026-11-21T10:00:0{i % 10}+01:00",
        "code": "NL",
        "doc": {"i": i, "tags": ["a", "b"]},
        **extra,
    }


def test_a_decimal_too_narrow_for_the_config_is_widened_where_the_warehouse_can(
    warehouse: Warehouse, base: Path
) -> None:
    publish(base, [typed(1, D1)], D1, config=TYPED)
    assert load(warehouse, job(base, D1)).status is Status.LOADED
    wider = DestinationConfig(
        SCHEMA,
        TABLE,
        [*(c if c.name != "price" else Column("price", "decimal(14,2)") for c in TYPED.columns)],
        "ts",
    )
    publish(base, [typed(2, price="123456789012.50")], D2, config=wider)
    outcome = load(warehouse, job(base))
    if warehouse.kind == "redshift":
        # Redshift's ALTER COLUMN changes only a VARCHAR's size: the load says so, and loads nothing.
        assert isinstance(outcome.error, SchemaMismatch)
        assert "'numeric(14,2)', the table has 'numeric(10,2)'" in str(outcome.error)
        assert "cannot widen a DECIMAL's precision" in str(outcome.error)
        assert warehouse.ids() == [1]
        return
    assert outcome.status is Status.LOADED, outcome.error
    assert any("TYPE" in s and "(14,2)" in s for s in outcome.statements)
    assert warehouse.rows(f"SELECT id, price FROM {SCHEMA}.{TABLE} ORDER BY id") == [
        (1, Decimal("1.25")),
        (2, Decimal("123456789012.50")),
    ]


@pytest.mark.parametrize(
    ("column", "changed"),
    [
        (Column("price", "decimal(10,3)"), ("numeric(10,3)", "numeric(10,2)")),
        (Column("seen", "timestamp"), ("timestamp", "timestamptz")),
        (Column("code", "char(3)"), ("char(3)", "char(2)")),
        (Column("doc", "varchar(256)"), ("varchar(256)", "super")),
    ],
)
def test_any_other_change_of_a_new_type_is_a_mismatch_naming_both(
    warehouse: Warehouse, base: Path, column: Column, changed: tuple[str, str]
) -> None:
    publish(base, [typed(1, D1)], D1, config=TYPED)
    assert load(warehouse, job(base, D1)).status is Status.LOADED
    if warehouse.kind == "duckdb" and column.name == "code":
        pytest.skip("DuckDB keeps no CHAR widths: any width is the config's, enforced by COPY")
    other = DestinationConfig(
        SCHEMA, TABLE, [c if c.name != column.name else column for c in TYPED.columns], "ts"
    )
    publish(base, [typed(2)], D2, config=other)
    outcome = load(warehouse, job(base))
    assert isinstance(outcome.error, SchemaMismatch), outcome.error
    wanted, found = changed
    assert (
        f"column {column.name!r} property type: the config says {wanted!r}, the table has {found!r}"
        in str(outcome.error)
    )
    assert warehouse.ids() == [1]


def test_a_table_made_elsewhere_with_new_types_is_read_and_loaded(warehouse: Warehouse, base: Path) -> None:
    keys = " DISTSTYLE KEY DISTKEY (id) COMPOUND SORTKEY (ts)" if warehouse.kind == "redshift" else ""
    document = "super" if warehouse.kind == "redshift" else "json" if warehouse.kind == "duckdb" else "jsonb"
    warehouse.execute(f"CREATE SCHEMA {SCHEMA}")
    warehouse.execute(
        f"CREATE TABLE {SCHEMA}.{TABLE} (ts timestamp, id bigint, price numeric(12,2), "
        f"seen timestamp with time zone, code character(2), doc {document}){keys}"
    )
    publish(base, [typed(1), typed(2, seen="2026-11-21 23:59:59.5-08")], config=TYPED)
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    utc = "seen AT TIME ZONE 'UTC'" if warehouse.kind != "duckdb" else "timezone('UTC', seen)"
    assert warehouse.rows(f"SELECT id, price, {utc}, code FROM {SCHEMA}.{TABLE} ORDER BY id") == [
        (1, Decimal("1.25"), datetime(2026, 11, 21, 9, 0, 1), "NL"),
        (2, Decimal("2.25"), datetime(2026, 11, 22, 7, 59, 59, 500000), "NL"),
    ]
    docs = [
        json.loads(d) if isinstance(d, str) else d
        for (d,) in warehouse.rows(f"SELECT doc FROM {SCHEMA}.{TABLE}")
    ]
    assert docs == [{"i": 1, "tags": ["a", "b"]}, {"i": 2, "tags": ["a", "b"]}]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("price", "123456789.5", 1209),
        ("seen", "yesterday", 1206),
        ("code", "NLD", 1204),
    ],
)
def test_a_bad_value_of_a_new_type_fails_the_load_naming_it(
    warehouse: Warehouse, base: Path, field: str, value: str, code: int
) -> None:
    publish(base, [typed(1), typed(2, **{field: value})], config=TYPED, parts=1)
    outcome = load(warehouse, job(base))
    assert isinstance(outcome.error, CopyFailed), outcome.error
    (rejected,) = outcome.error.errors
    assert (rejected.line, rejected.column, rejected.value) == (2, field, value)
    assert rejected.reason
    assert rejected.code == code, rejected
    assert f"line 2, column {field}, value {value!r}" in str(outcome.error)
    assert warehouse.rows(f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{TABLE}'") == [
        (0,)
    ]


# --- Redshift's COPY semantics ---------------------------------------------------------------------------


#: Each type's documented JSON conversions (reference §1.6, §1.7, §2.3), one column per case: what a
#: row's JSON value loads as, read back the same from every warehouse.
CONVERSION_CASES: list[tuple[str, Any, Any]] = [
    ("smallint", 42, 42),
    ("int2", " -32768 ", -32768),
    ("smallint", "", None),  # "" into a non-text type is NULL
    ("integer", "+007", 7),
    ("int4", 2147483647, 2147483647),
    ("bigint", "-9223372036854775808", -9223372036854775808),
    ("decimal(8,2)", 20.259, Decimal("20.25")),  # COPY cuts extra scale
    ("numeric(8,2)", "-1e2", Decimal("-100.00")),
    ("decimal(38,0)", "9" * 38, Decimal("9" * 38)),
    ("decimal", "12.9", Decimal("12")),  # DECIMAL is DECIMAL(18,0)
    ("real", "1.5", 1.5),
    ("float4", -0.25, -0.25),
    ("double precision", "1e-3", 0.001),
    ("float", 1.7976931348623157e308, 1.7976931348623157e308),
    ("boolean", "yes", True),
    ("bool", 0, False),
    ("boolean", " F ", False),
    ("char(4)", "ab", "ab  "),  # CHAR pads with blanks
    ("character(3)", "abc   ", "abc"),  # trailing blanks beyond the width are cut
    ("varchar(8)", {"a": 1}, '{"a":1}'),  # nested values load as compact JSON text
    ("varchar(8)", 12.5, "12.5"),
    ("character varying(5)", True, "true"),
    ("varchar(4)", "éé", "éé"),  # four bytes
    ("text", "", ""),  # "" into text stays ""
    ("date", "2026-11-21 18:45:05", date(2026, 11, 21)),  # a time part is dropped
    ("date", "20261121", date(2026, 11, 21)),
    ("date", "11/21/2026", date(2026, 11, 21)),
    ("time", "18:45:05.1234567", time_of_day(18, 45, 5, 123457)),
    ("time", "184505+02", time_of_day(18, 45, 5)),  # TIME ignores a written zone
    ("timetz", "18:45:05+02:30", time_of_day(18, 45, 5, tzinfo=timezone(timedelta(hours=2, minutes=30)))),
    ("time with time zone", "18:45:05", time_of_day(18, 45, 5, tzinfo=timezone.utc)),
    ("timestamp", "2026-11-21T18:45:05.195Z", datetime(2026, 11, 21, 18, 45, 5, 195000)),
    ("timestamp", "20261121 184505", datetime(2026, 11, 21, 18, 45, 5)),
    ("timestamp", "J2451187", datetime(1999, 1, 8)),  # a Julian day
    ("timestamp without time zone", "2026-11-21 18:45:05+05", datetime(2026, 11, 21, 18, 45, 5)),
    ("timestamptz", "2026-11-21 18:45:05+02", datetime(2026, 11, 21, 16, 45, 5, tzinfo=timezone.utc)),
    (
        "timestamp with time zone",
        "21.11.2026 18:45:05 Europe/Amsterdam",
        datetime(2026, 11, 21, 17, 45, 5, tzinfo=timezone.utc),
    ),
    ("timestamptz", "2026-11-21 18:45:05", datetime(2026, 11, 21, 18, 45, 5, tzinfo=timezone.utc)),
    ("super", {"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}),
    ("super", "text", "text"),  # a string is a SUPER string, not parsed
    ("super", 12.5, 12.5),
    ("super", [], []),
]
CONVERSIONS_OF_EVERY_TYPE = DestinationConfig(
    SCHEMA,
    TABLE,
    [
        Column("ts", "timestamp"),
        Column("id", "bigint"),
        *(Column(f"c{number}", spelling) for number, (spelling, _, _) in enumerate(CONVERSION_CASES)),
    ],
    data_timestamp_column="ts",
)


def test_every_types_documented_conversions_load_alike_in_every_warehouse(
    warehouse: Warehouse, base: Path
) -> None:
    row = {"ts": "2026-11-21 10:00:01", "id": 1}
    row.update({f"c{number}": written for number, (_, written, _) in enumerate(CONVERSION_CASES)})
    publish(base, [row], config=CONVERSIONS_OF_EVERY_TYPE, parts=1)
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    names = ", ".join(f"c{number}" for number in range(len(CONVERSION_CASES)))
    (got,) = warehouse.rows(f"SELECT {names} FROM {SCHEMA}.{TABLE}")
    for number, (spelling, written, expected) in enumerate(CONVERSION_CASES):
        value = got[number]
        if spelling == "super" and warehouse.kind == "duckdb":
            value = json.loads(value)  # DuckDB gives a JSON value as its text
        assert value == expected, f"{written!r} into {spelling}: {value!r}, not {expected!r}"
        assert type(value) is type(expected), f"{written!r} into {spelling}: {value!r}"


def test_copy_follows_redshift_json_auto(warehouse: Warehouse, base: Path) -> None:
    rows = [
        {"TS": "2026-11-21T10:00:01Z", "ID": 1, "Name": "case-insensitive keys", "extra": "ignored"},
        {"ts": "2026-11-21 10:00:02", "id": 2},  # missing keys load NULL
        {"ts": "2026-11-21T10:00:03+02:00", "id": 3, "amount": "", "ok": "yes", "name": {"nested": [1, 2]}},
    ]
    publish(base, rows, parts=1)
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    got = warehouse.rows(f"SELECT id, ts, name, amount, ok FROM {SCHEMA}.{TABLE} ORDER BY id")
    assert got == [
        (1, datetime(2026, 11, 21, 10, 0, 1), "case-insensitive keys", None, None),
        (2, datetime(2026, 11, 21, 10, 0, 2), None, None, None),
        (3, datetime(2026, 11, 21, 10, 0, 3), '{"nested":[1,2]}', None, True),
    ]


# Text that trips up the formats rows pass through on their way in: quotes, backslashes, line ends,
# tabs, the markers of NULL in PostgreSQL's text format and in CSV, blanks, and characters past ASCII.
_AWKWARD_TEXT = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=40),
    st.sampled_from(["", " ", "\\N", "NULL", "null", '"', '""', "\\", "a,b", "a\tb", "a\nb", "a\r\nb", "\r"]),
    st.sampled_from(["é€😀", "\u2028", "\ufeff", "'", "\\.", "\\n"]),
)
_PROPERTY_ROWS = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.none() | _AWKWARD_TEXT,
            "amount": st.none() | st.floats(allow_nan=False, allow_infinity=False),
            "ok": st.none() | st.booleans(),
        }
    ),
    min_size=1,
    max_size=12,
)
_property_tables = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_PROPERTY_ROWS)
def test_postgresql_and_duckdb_load_any_rows_to_the_same_values(
    pg_url: str, tmp_path: Path, rows: list[dict[str, Any]]
) -> None:
    # Each warehouse gets its rows through its own output format (COPY text, CSV): both must give
    # back exactly what was packed.
    number = next(_property_tables)
    config = replace(CONFIG, table=f"awkward_{number}")
    base = tmp_path / f"base_{number}"
    base.mkdir()
    stamped = [event(index, **row) for index, row in enumerate(rows)]
    publish(base, stamped, config=config, parts=1)
    the_job = Job(base=str(base), schema=SCHEMA, tables=(config.table,), date=D2)
    expected = [(row["id"], row["name"], row["amount"], row["ok"]) for row in stamped]
    for warehouse in (
        Warehouse("postgres", pg_url),
        Warehouse("duckdb", f"duckdb:///{tmp_path / 'awkward.duckdb'}", tmp_path / "awkward.duckdb"),
    ):
        (outcome,) = warehouse.run(the_job).outcomes
        assert outcome.status is Status.LOADED, outcome.error
        got = warehouse.rows(f"SELECT id, name, amount, ok FROM {SCHEMA}.{config.table} ORDER BY id")
        assert got == expected, warehouse.kind


def test_a_file_listed_twice_loads_twice_and_a_missing_optional_file_is_skipped(
    warehouse: Warehouse, base: Path
) -> None:
    part = base / "extra.json.gz"
    part.write_bytes(gzip.compress(ndjson([event(7)])))
    entries = [
        ManifestEntry(f"file://{part}", mandatory=True),
        ManifestEntry(f"file://{part}", mandatory=True),
        ManifestEntry(f"file://{base}/absent.json.gz", mandatory=False),
    ]
    publish(base, [event(1)], entries=entries, parts=1)
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    assert warehouse.ids() == [1, 7, 7]


def test_a_missing_mandatory_file_fails_and_leaves_the_table_untouched(
    warehouse: Warehouse, base: Path
) -> None:
    publish(base, [event(1, D1)], D1)
    load(warehouse, job(base, D1))
    publish(base, [event(2)], entries=[ManifestEntry(f"file://{base}/gone.json.gz", mandatory=True)])
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.FAILED
    assert isinstance(outcome.error, CopyFailed)
    assert "gone.json.gz" in str(outcome.error)
    assert "mandatory" in str(outcome.error)
    assert warehouse.ids() == [1]


def test_bad_rows_fail_the_load_naming_file_line_column_value_reason_and_code(
    warehouse: Warehouse, base: Path
) -> None:
    rows = [event(1), {**event(2), "id": "twelve"}, event(3)]
    publish(base, rows, parts=1)
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.FAILED
    error = outcome.error
    assert isinstance(error, CopyFailed)
    (rejected,) = error.errors
    assert (rejected.line, rejected.column, rejected.value, rejected.code) == (2, "id", "twelve", 1207)
    assert "Invalid digit" in rejected.reason
    assert rejected.file.endswith("000000.json.gz")
    assert "line 2, column id, value 'twelve'" in str(error)
    if warehouse.kind != "redshift":  # Redshift's own failure, as its double says it, has no count
        assert "failed: 1 row rejected, MAXERROR 0" in str(error)
    assert warehouse.rows(f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{TABLE}'") == [
        (0,)
    ]


def test_maxerror_lets_a_few_bad_rows_be_skipped(warehouse: Warehouse, base: Path) -> None:
    rows = [event(1), {**event(2), "id": "x"}, {**event(3), "ts": "not a time"}, event(4)]
    publish(base, rows, parts=1)
    assert load(warehouse, job(base), max_errors=2).status is Status.FAILED  # 2 errors reach MAXERROR 2
    outcome = load(warehouse, job(base), max_errors=3)
    assert outcome.status is Status.LOADED
    assert warehouse.ids() == [1, 4]


def test_a_corrupt_gzip_part_fails_the_load(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i) for i in range(100)], parts=1)
    (part,) = list((base / SCHEMA / TABLE / "parts").rglob("*.json.gz"))
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.FAILED
    assert isinstance(outcome.error, CopyFailed)


def test_data_written_by_the_go_tools_loads(warehouse: Warehouse, base: Path) -> None:
    go_config = (
        "events:\n  dest: events\n  columns:\n  - dest: ts\n    type: timestamp\n    sortord: 1\n"
        "  - dest: id\n    type: bigint\n    distkey: true\n  - dest: name\n    type: text\n"
        "  meta:\n    datadatecolumn: ts\n    schema: analytics\n"
    )
    (base / contract.config_key(SCHEMA, TABLE, D2)).write_text(go_config)
    (base / contract.data_key(SCHEMA, TABLE, D2, "json.gz")).write_bytes(
        gzip.compress(ndjson([event(1), event(2)]))
    )
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    assert warehouse.ids() == [1, 2]


def test_a_plain_json_file_in_the_partitioned_layout_loads(warehouse: Warehouse, base: Path) -> None:
    folder = base / contract.partition_prefix(SCHEMA, TABLE, D2)
    folder.mkdir(parents=True)
    (folder / f"{SCHEMA}_{TABLE}_{contract.format_data_date(D2)}.json").write_bytes(ndjson([event(5)]))
    (folder / contract.config_key(SCHEMA, TABLE, D2)).write_text(CONFIG.to_yaml())
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    assert warehouse.ids() == [5]


# --- COPY's data-conversion options ------------------------------------------------------------------

CONVERSIONS = DestinationConfig(
    SCHEMA,
    TABLE,
    [
        Column("ts", "timestamp", sort_ord=1),
        Column("id", "bigint", dist_key=True),
        Column("day", "date"),
        Column("price", "decimal(8,2)"),
        Column("note", "varchar(8)"),
    ],
    data_timestamp_column="ts",
)


def with_options(config: DestinationConfig, **options: Any) -> DestinationConfig:
    """``config`` with COPY options in its ``meta``."""
    return DestinationConfig(
        config.schema,
        config.table,
        config.columns,
        config.data_timestamp_column,
        copy_options=CopyOptions(**options),
    )


def conversion(i: int, **fields: Any) -> dict[str, Any]:
    return {
        "ts": f"2026-11-21 10:00:0{i}",
        "id": i,
        "day": "2026-11-21",
        "price": "1.50",
        "note": "n",
        **fields,
    }


def loaded(warehouse: Warehouse, *names: str) -> list[tuple[Any, ...]]:
    return warehouse.rows(f"SELECT id, {', '.join(names)} FROM {SCHEMA}.{TABLE} ORDER BY id")


@pytest.mark.parametrize(
    ("time_format", "stamps", "expected"),
    [
        (
            "epochsecs",
            [1763719201, "1763719202", 1763719202.5],
            [
                datetime(2025, 11, 21, 10, 0, 1),
                datetime(2025, 11, 21, 10, 0, 2),
                datetime(2025, 11, 21, 10, 0, 2, 500000),
            ],
        ),
        (
            "epochmillisecs",
            [1763719201123, "1763719202000", -1000],
            [
                datetime(2025, 11, 21, 10, 0, 1, 123000),
                datetime(2025, 11, 21, 10, 0, 2),
                datetime(1969, 12, 31, 23, 59, 59),
            ],
        ),
    ],
)
def test_timeformat_epochs_read_numbers_of_seconds_or_milliseconds(
    warehouse: Warehouse, base: Path, time_format: str, stamps: list[Any], expected: list[datetime]
) -> None:
    rows = [conversion(i, ts=stamp) for i, stamp in enumerate(stamps, 1)]
    publish(base, rows, config=CONVERSIONS, parts=1)
    # With TIMEFORMAT 'auto' (the default) an epoch is no timestamp: Redshift's 'auto' never reads one.
    refused = load(warehouse, job(base))
    assert isinstance(refused.error, CopyFailed), refused.error
    assert refused.error.errors[0].code == 1206
    assert not table_exists(warehouse)
    outcome = load(warehouse, job(base, time_format=time_format))
    assert outcome.status is Status.LOADED, outcome.error
    assert loaded(warehouse, "ts") == [(i, moment) for i, moment in enumerate(expected, 1)]


def test_timeformat_and_dateformat_strings_read_values_in_that_form(warehouse: Warehouse, base: Path) -> None:
    rows = [
        conversion(1, ts="11/21/2026 18:45:05", day="Nov 21, 2026"),
        conversion(2, ts="03/31/2003 06:05:04.123456", day="March 31, 2003"),
    ]
    config = with_options(CONVERSIONS, time_format="MM/DD/YYYY HH24:MI:SS", date_format="MON DD, YYYY")
    publish(base, rows, config=config, parts=1)
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    assert loaded(warehouse, "ts", "day") == [
        (1, datetime(2026, 11, 21, 18, 45, 5), datetime(2026, 11, 21).date()),
        (2, datetime(2003, 3, 31, 6, 5, 4, 123456), datetime(2003, 3, 31).date()),
    ]


def test_acceptinvchars_replaces_each_invalid_byte_and_without_it_the_row_fails(
    warehouse: Warehouse, base: Path
) -> None:
    good = json.dumps(conversion(1)).encode()
    bad = json.dumps(conversion(2, note="a@@b")).encode().replace(b"@@", b"\xff\xfe")
    publish(base, [good, bad], config=CONVERSIONS, parts=1)
    refused = load(warehouse, job(base))
    assert isinstance(refused.error, CopyFailed), refused.error
    (rejected,) = refused.error.errors
    assert (rejected.line, rejected.code) == (2, 1220)
    assert not table_exists(warehouse)
    outcome = load(warehouse, job(base, accept_invalid_chars="^"))
    assert outcome.status is Status.LOADED, outcome.error
    assert loaded(warehouse, "note") == [(1, "n"), (2, "a^^b")]


def test_acceptinvchars_without_a_character_replaces_with_a_question_mark(
    warehouse: Warehouse, base: Path
) -> None:
    bad = json.dumps(conversion(1, note="@é")).encode().replace(b"@", b"\xc3")  # a lead byte without its tail
    publish(base, [bad], config=with_options(CONVERSIONS, accept_invalid_chars=True), parts=1)
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    assert loaded(warehouse, "note") == [(1, "?é")]


def test_roundec_rounds_extra_digits_that_copy_otherwise_cuts(warehouse: Warehouse, base: Path) -> None:
    rows = [conversion(1, price="20.259"), conversion(2, price=-20.255), conversion(3, price="0.005")]
    publish(base, rows, config=CONVERSIONS, parts=1)
    assert load(warehouse, job(base)).status is Status.LOADED
    assert loaded(warehouse, "price") == [(1, Decimal("20.25")), (2, Decimal("-20.25")), (3, Decimal("0.00"))]
    publish(
        base,
        [conversion(i + 3, price=p) for i, p in enumerate(["20.259", -20.255, "0.005"], 1)],
        D1 + timedelta(days=3),
        config=CONVERSIONS,
        parts=1,
    )
    outcome = load(warehouse, job(base, D1 + timedelta(days=3), round_decimals=True))
    assert outcome.status is Status.LOADED, outcome.error
    assert loaded(warehouse, "price")[3:] == [
        (4, Decimal("20.26")),
        (5, Decimal("-20.26")),
        (6, Decimal("0.01")),
    ]


def test_truncatecolumns_cuts_text_at_a_character_boundary_and_without_it_the_row_fails(
    warehouse: Warehouse, base: Path
) -> None:
    # Eight bytes fit: 'abcdefg' is seven, and the two bytes of 'é' would make nine.
    publish(
        base, [conversion(1, note="abcdefgé"), conversion(2, note="12345678")], config=CONVERSIONS, parts=1
    )
    refused = load(warehouse, job(base))
    assert isinstance(refused.error, CopyFailed), refused.error
    (rejected,) = refused.error.errors
    assert (rejected.line, rejected.column, rejected.code) == (1, "note", 1204)
    outcome = load(warehouse, job(base, truncate_columns=True))
    assert outcome.status is Status.LOADED, outcome.error
    assert loaded(warehouse, "note") == [(1, "abcdefg"), (2, "12345678")]


def test_maxerror_from_the_job_or_the_config_skips_bad_rows_below_it(
    warehouse: Warehouse, base: Path
) -> None:
    rows = [conversion(1), conversion(2, id="x"), conversion(3, price="abc"), conversion(4)]
    publish(base, rows, config=with_options(CONVERSIONS, max_errors=3), parts=1)
    # The job's MAXERROR wins over the config's: 2 bad rows reach MAXERROR 2.
    refused = load(warehouse, job(base, max_errors=2))
    assert isinstance(refused.error, CopyFailed), refused.error
    assert [(row.line, row.column) for row in refused.error.errors] == [(2, "id"), (3, "price")]
    assert not table_exists(warehouse)
    outcome = load(warehouse, job(base))  # the config's MAXERROR 3
    assert outcome.status is Status.LOADED, outcome.error
    assert outcome.rows == 2
    assert warehouse.ids() == [1, 4]


def test_the_jobs_options_win_over_the_configs(warehouse: Warehouse, base: Path) -> None:
    config = with_options(
        CONVERSIONS, time_format="epochmillisecs", round_decimals=True, truncate_columns=True
    )
    rows = [conversion(1, ts=1763719201, price="1.239", note="abcdefghij")]
    publish(base, rows, config=config, parts=1)
    outcome = load(warehouse, job(base, time_format="epochsecs", round_decimals=False))
    assert outcome.status is Status.LOADED, outcome.error
    # TIMEFORMAT and ROUNDEC from the job; TRUNCATECOLUMNS, which the job leaves unsaid, from the config.
    assert loaded(warehouse, "ts", "price", "note") == [
        (1, datetime(2025, 11, 21, 10, 0, 1), Decimal("1.23"), "abcdefgh")
    ]


def test_the_configs_options_apply_when_the_job_says_nothing(warehouse: Warehouse, base: Path) -> None:
    config = with_options(CONVERSIONS, time_format="epochmillisecs", round_decimals=True)
    publish(base, [conversion(1, ts=1763719201123, price="1.239")], config=config, parts=1)
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    assert loaded(warehouse, "ts", "price") == [
        (1, datetime(2025, 11, 21, 10, 0, 1, 123000), Decimal("1.24"))
    ]


@pytest.mark.parametrize(
    ("line", "field", "problem"),
    [
        ("maxerror: -1", "maxerror", "MAXERROR is a whole number of rejected rows from 0 to 100000"),
        ("acceptinvchars: '^^'", "acceptinvchars", '"^^"'),
        ("timeformat: 'YYYY-MM-DD HH:MI:SS TZ'", "timeformat", "TZ"),
        ("roundec: 'yes'", "roundec", "ROUNDEC is true or false"),
    ],
)
def test_a_bad_option_in_the_config_fails_naming_the_field_before_anything_is_loaded(
    warehouse: Warehouse, base: Path, line: str, field: str, problem: str
) -> None:
    publish(base, [conversion(1)], config=CONVERSIONS, parts=1)
    config = base / contract.config_key(SCHEMA, TABLE, D2)
    config.write_text(
        config.read_text().replace("    schema: analytics\n", f"    schema: analytics\n    {line}\n")
    )
    outcome = load(warehouse, job(base))
    assert isinstance(outcome.error, ConfigFileError), outcome.error
    assert f"{TABLE}.meta.{field}: " in str(outcome.error)
    assert problem in str(outcome.error)
    assert outcome.statements == []
    assert not table_exists(warehouse)


# --- Redshift's 4 MB row limit --------------------------------------------------------------------------

#: Redshift's largest row, and largest JSON object, of a COPY.
MAX_ROW = 4 << 20
WIDE = DestinationConfig(
    SCHEMA,
    TABLE,
    [Column("ts", "timestamp"), Column("id", "bigint"), Column("note", "longtext"), Column("doc", "super")],
    data_timestamp_column="ts",
)


def row_of(size: int, i: int) -> bytes:
    """A row of exactly ``size`` bytes of JSON: a long text, and a document of many short strings, each
    of whose quotes a CSV line doubles."""
    head = {"ts": f"2026-11-21 10:00:0{i}", "id": i, "note": "é" * 30000 + '"' * 5000}
    empty = json.dumps({**head, "doc": []}, separators=(",", ":"), ensure_ascii=False).encode()
    room = size - len(empty)
    strings, extra = divmod(room + 1, 3)  # '"",' per string, without the last comma
    items = ['""'] * strings
    if extra:
        items[-1] = '"' + "x" * extra + '"'
    line = empty[:-2] + ",".join(items).encode() + b"]}"
    assert len(line) == size, (len(line), size)
    return line


def test_a_row_just_under_redshifts_4_mb_limit_loads_and_a_larger_one_is_refused(
    warehouse: Warehouse, base: Path
) -> None:
    big = row_of(MAX_ROW - 16, 1)
    publish(base, [big, row_of(MAX_ROW - 16, 2)], config=WIDE, parts=1)
    outcome = load(warehouse, job(base))
    assert outcome.status is Status.LOADED, outcome.error
    assert outcome.rows == 2
    (note, doc) = warehouse.rows(f"SELECT note, doc FROM {SCHEMA}.{TABLE} WHERE id = 1")[0]
    assert note == "é" * 30000 + '"' * 5000
    assert (json.loads(doc) if isinstance(doc, str) else doc) == json.loads(big)["doc"]
    over = row_of(MAX_ROW + 1, 3)
    publish(base, [over], D2 + timedelta(hours=1), config=WIDE, parts=1)
    refused = load(warehouse, job(base, D2 + timedelta(hours=1)))
    assert isinstance(refused.error, CopyFailed), refused.error
    (rejected,) = refused.error.errors
    assert (rejected.line, rejected.code) == (1, 1216)
    assert "4 MB" in rejected.reason
    assert warehouse.ids() == [1, 2]


# --- bad inputs -----------------------------------------------------------------------------------------


def test_missing_data_is_a_clear_failure(warehouse: Warehouse, base: Path) -> None:
    outcome = load(warehouse, job(base))
    assert isinstance(outcome.error, DataNotFound)
    assert "no data for 2026-11-21T10:00:00Z" in str(outcome.error)


def test_a_missing_config_is_a_clear_failure(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(1)])
    (base / contract.config_key(SCHEMA, TABLE, D2)).unlink()
    outcome = load(warehouse, job(base))
    assert isinstance(outcome.error, DataNotFound)
    assert "no load config" in str(outcome.error)


def test_a_malformed_config_names_the_file_and_field(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(1)])
    (base / contract.config_key(SCHEMA, TABLE, D2)).write_text("events:\n  dest: events\n  columns: 5\n")
    outcome = load(warehouse, job(base))
    assert isinstance(outcome.error, ConfigFileError)
    assert "events.columns" in str(outcome.error)


def test_an_unknown_adapter_type_is_refused(base: Path) -> None:
    with pytest.raises(UnknownAdapter, match="no warehouse adapter of type 'oracle'"):
        run_job(job(base), {"type": "oracle"})
    with pytest.raises(UnknownAdapter, match="unknown scheme"):
        run_job(job(base), "mysql://localhost/db")


def test_an_unreachable_database_is_a_failed_outcome(base: Path) -> None:
    publish(base, [event(1)])
    report = run_job(job(base), "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    (outcome,) = report.outcomes
    assert outcome.status is Status.FAILED
    assert isinstance(outcome.error, WarehouseError)
    assert "cannot connect to 127.0.0.1:1" in str(outcome.error)


def test_one_tables_failure_does_not_stop_the_others(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(1)])
    other = DestinationConfig(SCHEMA, "clicks", [Column("ts", "timestamp"), Column("id", "int")], "ts")
    publish(base, [{"ts": "2026-11-21T10:00:00", "id": "bad"}], config=other, parts=1)
    report = warehouse.run(Job(base=str(base), schema=SCHEMA, tables=("clicks", TABLE), date=D2))
    assert [o.status for o in report.outcomes] == [Status.FAILED, Status.LOADED]
    with pytest.raises(CopyFailed):
        report.raise_for_failures()


# --- dry runs, concurrency ------------------------------------------------------------------------------


def test_a_dry_run_returns_the_sql_and_changes_nothing(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(1)])
    outcome = load(warehouse, job(base), dry_run=True)
    assert outcome.status is Status.LOADED
    text = "\n".join(outcome.statements)
    assert "CREATE TABLE IF NOT EXISTS" in text
    assert "INSERT INTO" in text
    assert warehouse.rows(f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{TABLE}'") == [
        (0,)
    ]


def test_a_dry_run_shows_each_statement_with_its_values_in_place(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(1)])
    outcome = load(warehouse, job(base, mode=LoadMode.REFRESH, id="dry-1"), dry_run=True)
    assert outcome.status is Status.LOADED, outcome.error
    assert not any("%s" in statement for statement in outcome.statements), outcome.statements
    table = '"warehouse"."analytics"."events"' if warehouse.kind == "duckdb" else '"analytics"."events"'
    assert (
        f"""DELETE FROM {table} WHERE "ts" >= '2026-11-21 00:00:00' AND "ts" < '2026-11-22 00:00:00'"""
        in outcome.statements
    )
    (ledger_row,) = [s for s in outcome.statements if s.startswith("INSERT INTO") and "rio_loads" in s]
    assert "VALUES ('analytics', 'events', '2026-11-21 10:00:00', 'refresh', '" in ledger_row
    assert ", 'dry-1', '" in ledger_row  # the job id, then the time of the load
    assert not table_exists(warehouse)


def test_two_loaders_of_one_table_at_once_load_it_once(warehouse: Warehouse, base: Path) -> None:
    publish(base, [event(i) for i in range(1000)], parts=4)
    outcomes: list[Any] = []

    def run() -> None:
        outcomes.append(load(warehouse, job(base)))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.status.value for o in outcomes) == ["already loaded", "loaded"], [
        o.error for o in outcomes
    ]
    assert warehouse.count() == 1000


@pytest.mark.parametrize(
    ("created_first", "reason"),
    [
        ("table", "another loader created the same table at the same moment (unique violation in pg_type)"),
        (
            "schema",
            "another loader created the same schema at the same moment (unique violation in pg_namespace)",
        ),
    ],
)
def test_a_table_another_session_creates_at_the_same_moment_is_retried_and_logged_for_what_it_is(
    pg_url: str, base: Path, caplog: pytest.LogCaptureFixture, created_first: str, reason: str
) -> None:
    """Another session creates the table (or its schema) and commits while the loader's CREATE waits on
    it: PostgreSQL's unique violation on its catalogue, retried, and said to be what it is."""
    import psycopg

    from rio.adapters.postgres import PostgresAdapter
    from rio.profiles import target_from_url

    caplog.set_level(logging.WARNING, logger="rio.loader")
    publish(base, [event(i) for i in range(10)])
    outcomes: list[Any] = []
    with psycopg.connect(pg_url, autocommit=True) as other, psycopg.connect(pg_url, autocommit=True) as watch:
        if created_first == "table":
            other.execute(f"CREATE SCHEMA {SCHEMA}")
        other.execute("BEGIN")
        creating = PostgresAdapter(target_from_url(pg_url)).create_table_sql(CONFIG)
        for statement in creating if created_first == "table" else creating[:1]:
            other.execute(statement)
        loader = threading.Thread(
            target=lambda: outcomes.append(load(Warehouse("postgres", pg_url), job(base)))
        )
        loader.start()
        try:
            deadline = time.monotonic() + 60
            waiting = (
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rio' "
                "AND wait_event_type = 'Lock'"
            )
            while not watch.execute(waiting).fetchone()[0]:  # type: ignore[index]
                assert time.monotonic() < deadline, "the loader never waited for the other session's CREATE"
                time.sleep(0.01)
        finally:
            other.execute("COMMIT")
            loader.join(60)
    (outcome,) = outcomes
    assert outcome.status is Status.LOADED, outcome.error
    assert Warehouse("postgres", pg_url).ids() == list(range(10))
    (retried,) = [r for r in caplog.records if r.name == "rio.loader" and r.levelno == logging.WARNING]
    assert retried.getMessage().startswith(f"{SCHEMA}.{TABLE}: {reason}; running again in ")
    assert "(attempt 2 of 5)" in retried.getMessage()
    assert "serialisation" not in retried.getMessage()


def test_duckdbs_write_write_conflict_is_retried_and_says_so(tmp_path: Path) -> None:
    import duckdb

    from rio.adapters.duckdb import DuckDBAdapter

    path = tmp_path / "conflict.duckdb"
    first, second = duckdb.connect(str(path)), duckdb.connect(str(path))
    try:
        first.execute("CREATE TABLE t (i integer)")
        first.execute("INSERT INTO t VALUES (1)")
        first.execute("BEGIN")
        second.execute("BEGIN")
        first.execute("UPDATE t SET i = 2")
        with pytest.raises(duckdb.TransactionException) as rows_conflict:
            second.execute("UPDATE t SET i = 3")
        second.execute("ROLLBACK")
        first.execute("COMMIT")
        first.execute("BEGIN")
        second.execute("BEGIN")
        first.execute("CREATE TABLE u (i integer)")
        with pytest.raises(duckdb.TransactionException) as catalog_conflict:
            second.execute("CREATE TABLE IF NOT EXISTS u (i integer)")
    finally:
        first.close()
        second.close()
    adapter = DuckDBAdapter({"type": "duckdb", "path": str(path)})
    assert adapter.retry_reason(rows_conflict.value) == (
        "write-write conflict with another transaction on the same rows (DuckDB)"
    )
    assert adapter.retry_reason(catalog_conflict.value) == (
        "another loader created or changed the same table or schema at the same moment "
        "(DuckDB's catalog write-write conflict)"
    )
    assert adapter.retry_reason(duckdb.CatalogException("Table with name x does not exist")) is None
    assert adapter.retry_reason(ValueError("conflict")) is None


def test_postgresqls_already_exists_from_a_concurrent_create_is_retried(pg_url: str) -> None:
    """CREATE … IF NOT EXISTS can pass its check and then meet the other loader's committed table
    (42P07) or its row type (42710): the same race as the catalogue's unique violation."""
    import psycopg

    from rio.adapters.postgres import PostgresAdapter
    from rio.profiles import target_from_url

    adapter = PostgresAdapter(target_from_url(pg_url))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE taken (id int)")
        with pytest.raises(psycopg.errors.DuplicateTable) as table_exists:
            conn.execute("CREATE TABLE taken (id int)")
        with pytest.raises(psycopg.errors.DuplicateObject) as type_exists:
            conn.execute("CREATE TYPE taken AS (id int)")
    assert adapter.retry_reason(table_exists.value) == (
        "another loader created the same table at the same moment (42P07, already exists)"
    )
    assert adapter.retry_reason(type_exists.value) == (
        "another loader created the same table at the same moment (42710, already exists)"
    )
