"""Every column type, end to end: a config of each, packed through ``RedshiftIO`` and loaded into
PostgreSQL, a DuckDB file and the Redshift double, read back exactly; bad values refused at pack
time; each warehouse's tables read back as the types they were made with; the DDL of each
warehouse pinned; ``rio pack --config`` with SQL spellings; and the facts a send measures.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rio import RedshiftIO
from rio.adapters.base import Adapter
from rio.adapters.duckdb import DuckDBAdapter
from rio.adapters.postgres import PostgresAdapter
from rio.cli import cli
from rio.config import Column, DestinationConfig, read_table_config
from rio.errors import InvalidColumnValue
from rio.loader import Status
from rio.types import column_type
from support.golden import assert_matches_golden
from support.pipe_targets import KINDS, PipeTarget, normalise, pipe_target

SCHEMA, TABLE = "typed", "every"
UTC = dt.timezone.utc
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))

#: One column of every type, in the spellings a config may use.
EVERY = DestinationConfig(
    SCHEMA,
    TABLE,
    [
        Column("ts", "timestamp", sort_ord=1),
        Column("small", "int2", default_val=-1),
        Column("whole", "integer"),
        Column("big", "int8", dist_key=True),
        Column("price", "decimal(12,2)", default_val=Decimal("0.00")),
        Column("ratio", "real"),
        Column("score", "double precision"),
        Column("ok", "bool"),
        Column("code", "char(3)"),
        Column("word", "varchar(16)"),
        Column("note", "text"),
        Column("body", "longtext"),
        Column("day", "date", default_val="current_date"),
        Column("clock", "time"),
        Column("clock_tz", "timetz"),
        Column("seen", "timestamptz"),
        Column("doc", "super"),
    ],
    data_timestamp_column="ts",
)
NAMES = [column.name for column in EVERY.columns]

ROWS: list[dict[str, Any]] = [
    {
        "ts": "2026-11-21T10:15:00",
        "small": 32767,
        "whole": "-2147483648",
        "big": 9223372036854775807,
        "price": "1234567890.25",
        "ratio": 0.5,
        "score": 0.1,
        "ok": "yes",
        "code": "NLD",
        "word": "élan vital",
        "note": "n" * 256,
        "body": "b" * 1000,
        "day": "2026-11-21",
        "clock": "10:15:00.5",
        "clock_tz": "10:15:00+02",
        "seen": "2026-11-21T10:15:00+02:00",
        "doc": {"a": [1, 2.5, "x"], "b": None},
    },
    {"ts": "2026-11-21T10:15:01", "big": 2},  # every other column NULL
    {
        "ts": dt.datetime(2026, 11, 21, 10, 15, 2),
        "small": -32768,
        "whole": 0,
        "big": -9223372036854775808,
        "price": Decimal("-0.05"),
        "ratio": -1.5,
        "score": -2e-300,
        "ok": False,
        "code": "BEL",
        "word": "",
        "note": 'quote " tab \t newline \n',
        "body": "é" * 30000,
        "day": dt.date(1, 1, 1),
        "clock": dt.time(23, 59, 59, 999999),
        "clock_tz": dt.time(0, 0, tzinfo=UTC),
        "seen": dt.datetime(2026, 11, 21, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        "doc": [True, "two", 3, {"nested": []}],
    },
]

EXPECTED: list[tuple[Any, ...]] = [
    (
        dt.datetime(2026, 11, 21, 10, 15),
        32767,
        -2147483648,
        9223372036854775807,
        Decimal("1234567890.25"),
        0.5,
        0.1,
        True,
        "NLD",
        "élan vital",
        "n" * 256,
        "b" * 1000,
        dt.date(2026, 11, 21),
        dt.time(10, 15, 0, 500000),
        dt.time(8, 15),  # timetz as its UTC time of day
        dt.datetime(2026, 11, 21, 8, 15),  # timestamptz as its UTC instant
        {"a": [1, 2.5, "x"], "b": None},
    ),
    (dt.datetime(2026, 11, 21, 10, 15, 1), *(None,) * 2, 2, *(None,) * 13),
    (
        dt.datetime(2026, 11, 21, 10, 15, 2),
        -32768,
        0,
        -9223372036854775808,
        Decimal("-0.05"),
        -1.5,
        -2e-300,
        False,
        "BEL",
        "",
        'quote " tab \t newline \n',
        "é" * 30000,
        dt.date(1, 1, 1),
        dt.time(23, 59, 59, 999999),
        dt.time(0, 0),
        dt.datetime(2026, 11, 22, 4, 30),
        [True, "two", 3, {"nested": []}],
    ),
]


def read_back(warehouse: PipeTarget) -> list[tuple[Any, ...]]:
    names = ", ".join(f'"{name}"' for name in NAMES)
    rows = warehouse.rows(f"SELECT {names} FROM {SCHEMA}.{TABLE} ORDER BY ts")
    documents = NAMES.index("doc")
    return [
        tuple(
            json.loads(value) if index == documents and isinstance(value, str) else normalise(value)
            for index, value in enumerate(row)
        )
        for row in rows
    ]


Warehouse = PipeTarget


@pytest.fixture(params=KINDS)
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    return pipe_target(request, tmp_path)


def send(warehouse: Warehouse, config: DestinationConfig, rows: list[dict[str, Any]]) -> Any:
    pipe = RedshiftIO(config, target=warehouse.target, **warehouse.pipe)
    pipe.pack_many(rows)
    receipt = pipe.send()
    pipe.close()
    assert receipt is not None
    (outcome,) = receipt.detail.outcomes
    return outcome


# --- every type, through the pipe, into every warehouse ------------------------------------------------


def test_a_config_of_every_type_loads_through_the_pipe_with_exact_values(warehouse: Warehouse) -> None:
    EVERY.validate()
    outcome = send(warehouse, EVERY, ROWS)
    assert outcome.status is Status.LOADED, outcome.error
    assert outcome.rows == len(ROWS)
    assert read_back(warehouse) == EXPECTED


def test_each_warehouse_reads_its_table_back_as_the_types_it_was_made_with(warehouse: Warehouse) -> None:
    outcome = send(warehouse, EVERY, ROWS[:1])
    assert outcome.status is Status.LOADED, outcome.error
    adapter = warehouse.adapter()
    session = adapter.connect()
    try:
        columns = adapter.read_columns(session, SCHEMA, TABLE)
    finally:
        session.close()
    assert columns is not None
    expected = []
    for column in EVERY.columns:
        kind = column_type(column.type)
        if kind.family == "character" and not adapter.warehouse_types.keeps_widths:
            expected.append((column.name, "text"))  # DuckDB keeps no widths
        else:
            expected.append((column.name, kind.canonical))
    assert [(column.name, column.type) for column in columns] == expected
    defaults = {column.name: column.default for column in columns if column.default is not None}
    assert defaults["small"] == -1
    assert defaults["price"] == Decimal("0.00")
    assert str(defaults["day"]).lower() == "current_date"
    # Loading again compares the table with the config: every type matches itself.
    outcome = send(warehouse, EVERY, ROWS[2:])
    assert outcome.status is Status.LOADED, outcome.error


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("small", 32768, "32768"),
        ("price", "12345678901.5", "12345678901.5"),
        ("code", "ABCD", "ABCD"),
        ("code", "é", "é"),
        ("word", "x" * 17, "x" * 17),
        ("clock_tz", "25:00", "25:00"),
        ("seen", "yesterday", "yesterday"),
        ("ok", "maybe", "maybe"),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_refused_at_pack_time(
    tmp_path: Path, column: str, value: Any, reason: str
) -> None:
    pipe = RedshiftIO(EVERY, base=str(tmp_path / "parts"), target=f"duckdb:///{tmp_path / 'w.duckdb'}")
    pipe.pack({"ts": "2026-11-21T10:15:00", "big": 1})
    with pytest.raises(InvalidColumnValue) as refused:
        pipe.pack({"ts": "2026-11-21T10:15:01", "big": 2, column: value})
    assert refused.value.column == column
    assert reason in refused.value.value
    assert refused.value.reason
    pipe.close_without_sending()
    assert not (tmp_path / "w.duckdb").exists()  # nothing was loaded


# --- tables made elsewhere -------------------------------------------------------------------------


def test_a_postgresql_table_of_every_type_made_elsewhere_is_read_and_loaded(
    pg_url: str, tmp_path: Path
) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        conn.execute(
            f"CREATE TABLE {SCHEMA}.{TABLE} (ts timestamp(6), small int2, whole int4, big int8, "
            "price numeric(12,2), ratio float4, score float8, ok bool, code bpchar(3), word varchar(16), "
            "note varchar(256), body varchar(65535), day date, clock time, clock_tz timetz, "
            "seen timestamp with time zone, doc jsonb)"
        )
    outcome = send(Warehouse("postgres", pg_url, pg_url, base=str(tmp_path / "parts")), EVERY, ROWS)
    assert outcome.status is Status.LOADED, outcome.error
    assert read_back(PipeTarget("postgres", pg_url, pg_url)) == EXPECTED


def test_a_duckdb_table_made_elsewhere_with_timestamptz_and_json_is_loaded(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as conn:
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        conn.execute(
            f"CREATE TABLE {SCHEMA}.{TABLE} (ts TIMESTAMP, small SMALLINT, whole INTEGER, big BIGINT, "
            "price DECIMAL(14,2), ratio FLOAT, score DOUBLE, ok BOOLEAN, code VARCHAR, word VARCHAR, "
            "note VARCHAR, body VARCHAR, day DATE, clock TIME, clock_tz TIMETZ, seen TIMESTAMPTZ, doc JSON)"
        )
    adapter = DuckDBAdapter({"type": "duckdb", "path": str(path)})
    session = adapter.connect()
    try:
        read = adapter.read_columns(session, SCHEMA, TABLE)
    finally:
        session.close()
    assert read is not None
    assert [column.type for column in read] == [
        "timestamp", "smallint", "integer", "bigint", "numeric(14,2)", "real", "double precision",
        "boolean", "text", "text", "text", "text", "date", "time", "timetz", "timestamptz", "super",
    ]  # fmt: skip
    outcome = send(
        Warehouse("duckdb", f"duckdb:///{path}", "", path, base=str(tmp_path / "parts")), EVERY, ROWS
    )
    assert outcome.status is Status.LOADED, outcome.error
    assert read_back(PipeTarget("duckdb", "", "", path)) == EXPECTED


# --- the DDL of each warehouse ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "adapter",
    [PostgresAdapter({"type": "postgres"}), DuckDBAdapter({"type": "duckdb", "path": "w.duckdb"})],
    ids=["postgres", "duckdb"],
)
def test_the_ddl_of_every_type(adapter: Adapter) -> None:
    statements = [*adapter.create_table_sql(EVERY)]
    statements += [
        adapter.add_column_sql(SCHEMA, TABLE, Column("added_doc", "super")),
        adapter.add_column_sql(SCHEMA, TABLE, Column("added_price", "numeric(5,1)", default_val="1.5")),
        adapter.widen_sql(SCHEMA, TABLE, "word", "varchar(64)") or "-- no widths: nothing to widen",
        adapter.widen_sql(SCHEMA, TABLE, "price", "numeric(14,2)") or "-- no DECIMAL widening",
    ]
    assert_matches_golden(f"types/{adapter.type}_every_type.sql", "".join(f"{s};\n\n" for s in statements))


# --- rio pack --config, and the facts a send measures ----------------------------------------------


def test_rio_pack_takes_a_config_of_sql_spellings_and_sends_it(tmp_path: Path) -> None:
    config = DestinationConfig(
        "analytics",
        "orders",
        [
            Column("ts", "timestamp"),
            Column("code", "varchar(32)"),
            Column("country", "char(2)"),
            Column("amount", "decimal(12,2)"),
            Column("seen", "timestamptz"),
            Column("doc", "super"),
        ],
        data_timestamp_column="ts",
    )
    (tmp_path / "orders.yml").write_text(config.to_yaml())
    rows = [
        {"ts": "2026-11-21T10:15:00", "code": "A-1", "country": "NL", "amount": "12.50",
         "seen": "2026-11-21T10:15:00Z", "doc": {"lines": [1, 2]}},
        {"ts": "2026-11-21T10:16:00", "code": "B-22", "country": "BE", "amount": 7,
         "seen": "2026-11-21T11:15:00+01:00", "doc": "just text"},
    ]  # fmt: skip
    (tmp_path / "orders.ndjson").write_text("".join(json.dumps(row) + "\n" for row in rows))
    warehouse = tmp_path / "w.duckdb"
    args = ["pack", "--schema", "analytics", "--table", "orders", "--base", str(tmp_path / "base")]
    args += ["--config", str(tmp_path / "orders.yml"), str(tmp_path / "orders.ndjson")]
    result = CliRunner().invoke(cli, [*args, "--send", "--target", f"duckdb:///{warehouse}"])
    assert result.exit_code == 0, result.output
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        got = conn.execute(
            "SELECT code, country, amount, timezone('UTC', seen), doc FROM analytics.orders ORDER BY ts"
        ).fetchall()
    assert got == [
        ("A-1", "NL", Decimal("12.50"), dt.datetime(2026, 11, 21, 10, 15), '{"lines":[1,2]}'),
        ("B-22", "BE", Decimal("7.00"), dt.datetime(2026, 11, 21, 10, 15), '"just text"'),
    ]
    (written,) = (tmp_path / "base").glob("config_analytics_orders_*.yml")
    facts = read_table_config(written.read_bytes(), table="orders").facts
    assert facts is not None
    # Every character column's longest value is measured, for the load to widen a VARCHAR by.
    assert dict(facts.max_byte_lengths) == {"code": 4, "country": 2}


def test_rio_pack_refuses_a_config_with_a_bad_type_naming_it(tmp_path: Path) -> None:
    config = DestinationConfig(
        "analytics", "orders", [Column("ts", "timestamp"), Column("amount", "decimal(40,2)")], "ts"
    )
    (tmp_path / "orders.yml").write_text(config.to_yaml())
    (tmp_path / "orders.ndjson").write_text('{"ts": "2026-11-21T10:15:00", "amount": 1}\n')
    args = ["pack", "--schema", "analytics", "--table", "orders", "--base", str(tmp_path / "base")]
    args += ["--config", str(tmp_path / "orders.yml"), str(tmp_path / "orders.ndjson")]
    result = CliRunner().invoke(cli, [*args, "--send", "--target", f"duckdb:///{tmp_path / 'w.duckdb'}"])
    assert result.exit_code == 1, result.output
    assert "the precision of decimal(p,s) is 1 to 38, not 40" in result.output
    assert "'amount'" in result.output
    assert not (tmp_path / "base").exists() or list((tmp_path / "base").rglob("*.json.gz")) == []


def test_the_facts_of_a_send_measure_every_character_column(tmp_path: Path) -> None:
    pipe = RedshiftIO(EVERY, base=str(tmp_path / "parts"), target=f"duckdb:///{tmp_path / 'w.duckdb'}")
    pipe.pack_many(ROWS)
    receipt = pipe.send()
    pipe.close()
    assert receipt is not None
    (written,) = (tmp_path / "parts").glob("config_typed_every_*.yml")
    facts = read_table_config(written.read_bytes(), table=TABLE).facts
    assert facts is not None
    assert dict(facts.max_byte_lengths) == {
        "body": 60000,
        "code": 3,
        "note": 256,
        "word": len("élan vital".encode()),
    }
