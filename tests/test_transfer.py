"""Existing data into tables: ``rio.load``, ``rio.RedshiftTable`` and ``rio load``, on every warehouse.

PostgreSQL and DuckDB are real; Redshift is the adapter through the double, the real driver and the
proxy, staging in moto's S3 (its COPY reads only S3). Sources are real files, S3 objects over HTTP,
and a real PostgreSQL query.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rio
import rio.unload
from rio import config as rio_config
from rio.adapters.base import Adapter
from rio.cli import cli
from rio.config import Column
from rio.errors import (
    IncompleteArgs,
    InvalidColumnValue,
    InvalidTarget,
    LoadError,
    MalformedInput,
    NoSuchSource,
    RioError,
    StorageError,
    UnknownAdapter,
)
from rio.loader import Status
from rio.storage_settings import StorageSettings
from rio.tables import Database
from rio.transfer import split_target, staging_base
from support.redshift_double import RedshiftDouble
from support.strategies import EDGE_STRINGS

CSV = (
    "\ufeffid,name,score,seen\r\n"
    '1,"Smith, Jane",3.5,2026-11-21T10:00:00\r\n'
    '2,"two\nlines",,2026-11-21 10:00:01\r\n'
    '3,"say ""hi""",4,2026-11-21 10:00:02\r\n'
)


@dataclass
class Target:
    """A warehouse to load into, and a way to read it back."""

    kind: str
    target: Any  # a URL, or the Redshift double (an adapter)
    read_url: str | None = None  # PostgreSQL (also behind the double)
    path: Path | None = None  # DuckDB
    base: str | None = None  # where staging goes (S3 for Redshift)
    options: dict[str, Any] = field(default_factory=dict)

    def load(self, source: Any, table: str, **options: Any) -> rio.transfer.TransferResult:
        if isinstance(self.target, Adapter):
            return rio.load(source, self.target, table=table, base=self.base, **self.options, **options)
        return rio.load(source, f"{self.target}::{table}", base=self.base, **self.options, **options)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.read_url is not None:
            import psycopg

            with psycopg.connect(self.read_url) as conn:
                return conn.execute(sql).fetchall()
        import duckdb

        with duckdb.connect(str(self.path), read_only=True) as conn:
            return conn.execute(sql).fetchall()

    def exists(self, schema: str, table: str) -> bool:
        found = self.rows(
            f"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' "
            f"AND table_name = '{table}'"
        )
        return bool(found[0][0])


@pytest.fixture(params=["postgres", "duckdb", "redshift"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        return Target("postgres", url, read_url=url)
    if request.param == "redshift":
        double = request.getfixturevalue("redshift_double")
        bucket = request.getfixturevalue("s3_bucket")
        return Target(
            "redshift",
            double,
            read_url=double.postgres_url,
            base=f"s3://{bucket}/staging",
            options={"store_options": {"endpoint_url": double.s3_endpoint_url}},
        )
    path = tmp_path / "w.duckdb"
    return Target("duckdb", f"duckdb:///{path}", path=path)


def people(*rows: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [{"id": i, "name": n, "score": s} for i, n, s in rows]


# --- sources into every warehouse --------------------------------------------------------------------


def test_rows_create_the_table_from_inferred_types(target: Target) -> None:
    result = target.load(people((1, "a", 1.5), (2, "b", None)), "shop.people")
    assert result.status is Status.LOADED
    assert result.outcome.rows == 2
    assert [(c.name, c.type) for c in result.inferred or []] == [
        ("id", "int"),
        ("name", "text"),
        ("score", "float"),
    ]
    assert target.rows("SELECT id, name, score FROM shop.people ORDER BY id") == [
        (1, "a", 1.5),
        (2, "b", None),
    ]


def test_a_csv_with_quotes_newlines_and_a_bom_loads_with_inferred_types(
    target: Target, tmp_path: Path
) -> None:
    source = tmp_path / "people.csv.gz"
    source.write_bytes(gzip.compress(CSV.encode("utf-8")))
    result = target.load(str(source), "shop.people")
    assert [(c.name, c.type) for c in result.inferred or []] == [
        ("id", "int"),
        ("name", "text"),
        ("score", "numeric(18,1)"),  # fixed point, one digit after it (the 4 is an integer)
        ("seen", "timestamp"),
    ]
    got = target.rows("SELECT id, name, score FROM shop.people ORDER BY id")
    assert got == [
        (1, "Smith, Jane", Decimal("3.5")),
        (2, "two\nlines", None),
        (3, 'say "hi"', Decimal("4.0")),
    ]
    assert [type(score) for _, _, score in got] == [Decimal, type(None), Decimal]


_inferred_tables = itertools.count()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(EDGE_STRINGS, min_size=1, max_size=15))
def test_a_csv_column_of_any_strings_loads_under_the_type_inferred_for_it(
    pg_url: str, tmp_path: Path, values: list[str]
) -> None:
    # Inference promises a type that takes every value; the load is the judge, in both warehouses.
    number = next(_inferred_tables)
    source = tmp_path / f"values_{number}.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["n", "v"])
        writer.writerows(enumerate(values))
    for target in (f"{pg_url}::edge.v{number}", f"duckdb:///{tmp_path / 'edge.duckdb'}::edge.v{number}"):
        result = rio.load(str(source), target, base=str(tmp_path / "staging"))
        assert result.status is Status.LOADED, result.outcome.error
        assert result.outcome.rows == len(values)
        (column_type,) = [c.type for c in result.inferred or [] if c.name == "v"]
        read = Target("postgres", pg_url, read_url=pg_url) if target.startswith("postgres") else None
        reader = read or Target("duckdb", target, path=tmp_path / "edge.duckdb")
        # The DuckDB file is named like the schema on purpose: DuckDB calls its database "edge" too.
        table = f"edge.v{number}" if read else f"edge.edge.v{number}"
        loaded = [value for (value,) in reader.rows(f"SELECT v FROM {table} ORDER BY n")]
        if column_type in ("text", "longtext"):
            assert loaded == values, target
        else:
            # Blank strings load as NULL into other types; every other string loads as a value.
            blank = [not value.strip(" \t\n\r\x0b\x0c") for value in values]
            assert [value is None for value in loaded] == blank, (column_type, target)


@pytest.mark.parametrize("schema", ["w", "temp", "system"])
def test_a_duckdb_schema_named_like_one_of_its_databases_loads(tmp_path: Path, schema: str) -> None:
    # DuckDB calls the file's database "w", and always has "temp" and "system": a bare "w".t is ambiguous.
    path = tmp_path / "w.duckdb"
    for batch in ([{"a": 1}], [{"a": 2}]):
        result = rio.load(batch, f"duckdb:///{path}::{schema}.t", base=str(tmp_path / "staging"))
        assert result.status is Status.LOADED, result.outcome.error
    target = Target("duckdb", f"duckdb:///{path}", path=path)
    assert target.rows(f'SELECT a FROM w."{schema}".t ORDER BY a') == [(1,), (2,)]
    assert target.rows(f'SELECT count(*) FROM w."{schema}".rio_loads') == [(2,)]


def test_upserting_twice_keeps_the_last_write_per_key_and_null_keys_match(target: Target) -> None:
    first = [{"id": 1, "v": "one"}, {"id": 2, "v": "two"}, {"id": None, "v": "null first"}]
    target.load(first, "shop.kv", upsert_keys=["id"])
    second = [{"id": 2, "v": "TWO"}, {"id": 3, "v": "three"}, {"id": None, "v": "null second"}]
    result = target.load(second, "shop.kv", upsert_keys=["id"])
    assert result.outcome.rows == 3
    assert target.rows("SELECT id, v FROM shop.kv ORDER BY id NULLS LAST") == [
        (1, "one"),
        (2, "TWO"),
        (3, "three"),
        (None, "null second"),
    ]


def test_repeated_keys_in_one_batch_keep_the_last_row_in_input_order(target: Target) -> None:
    rows = [{"id": 1, "v": f"take {n}"} for n in range(5)] + [{"id": 2, "v": "only"}]
    target.load(rows, "shop.kv", upsert_keys=["id"])
    assert target.rows("SELECT id, v FROM shop.kv ORDER BY id") == [(1, "take 4"), (2, "only")]


def test_repeated_keys_keep_the_latest_by_the_data_timestamp_column(target: Target) -> None:
    rows = [
        {"id": 1, "ts": "2026-11-21T10:00:05", "v": "newest"},
        {"id": 1, "ts": "2026-11-21T10:00:01", "v": "older"},
    ]
    target.load(rows, "shop.kv", upsert_keys=["id"], data_timestamp_column="ts")
    assert target.rows("SELECT id, v FROM shop.kv") == [(1, "newest")]


_upsert_tables = itertools.count()
# Batches of rows keyed by two columns from a small range (so keys repeat within and across batches),
# either of which may be NULL.
_UPSERT_BATCHES = st.lists(
    st.lists(
        st.fixed_dictionaries(
            {
                "a": st.none() | st.integers(0, 2),
                "b": st.none() | st.sampled_from(["x", "y"]),
                "v": st.integers(-(2**63), 2**63 - 1),
            }
        ),
        min_size=1,
        max_size=8,
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=_UPSERT_BATCHES)
def test_upserts_leave_what_last_write_wins_per_key_leaves(
    pg_url: str,
    tmp_path: Path,
    redshift_double: RedshiftDouble,
    s3_bucket: str,
    batches: list[list[dict[str, Any]]],
) -> None:
    # The model: a dict from key to row, each batch's rows written in order; None is a key like any
    # other, as NULL keys match NULL keys in aws_etl_tools' upsert.
    model: dict[tuple[Any, Any], dict[str, Any]] = {}
    for batch in batches:
        for row in batch:
            model[(row["a"], row["b"])] = row
    expected = sorted(((r["a"], r["b"], r["v"]) for r in model.values()), key=repr)
    number = next(_upsert_tables)
    path = tmp_path / "upserts.duckdb"
    for target in (
        Target("postgres", pg_url, read_url=pg_url),
        Target("duckdb", f"duckdb:///{path}", path=path),
        Target(
            "redshift",
            redshift_double,
            read_url=redshift_double.postgres_url,
            base=f"s3://{s3_bucket}/staging",
            options={"store_options": {"endpoint_url": redshift_double.s3_endpoint_url}},
        ),
    ):
        table = f"kv.{target.kind}_{number}"  # Redshift's double shares PostgreSQL's database
        for batch in batches:
            # Declared, so that a first batch of NULLs does not decide the types.
            columns = [Column("a", "int"), Column("b", "text"), Column("v", "bigint")]
            result = target.load(batch, table, upsert_keys=["a", "b"], table_columns=columns)
            assert result.status is Status.LOADED, result.outcome.error
        got = sorted(target.rows(f"SELECT a, b, v FROM {table}"), key=repr)
        assert got == expected, target.kind


def test_an_existing_table_keeps_its_columns_and_checks_rows_against_them(target: Target) -> None:
    target.load(
        [{"id": 1, "name": "a"}],
        "shop.people",
        table_columns=[Column("id", "bigint"), Column("name", "text")],
    )
    with pytest.raises(InvalidColumnValue, match=r"row 2: .*id"):
        target.load([{"id": 2, "name": "b"}, {"id": "not a number", "name": "c"}], "shop.people")
    assert target.rows("SELECT id, name FROM shop.people") == [(1, "a")]
    result = target.load([{"id": 3, "name": "c", "extra": "ignored"}], "shop.people")
    assert result.inferred == []
    assert target.rows("SELECT id, name FROM shop.people ORDER BY id") == [(1, "a"), (3, "c")]


def test_an_existing_tables_new_types_check_rows_at_pack_time(target: Target) -> None:
    columns = [Column("id", "smallint"), Column("price", "decimal(5,2)"), Column("code", "char(2)")]
    target.load([{"id": 1, "price": "1.50", "code": "NL"}], "shop.items", table_columns=columns)
    with pytest.raises(InvalidColumnValue, match=r"row 2: .*price.*1234\.5"):
        target.load([{"id": 2, "price": "2.00"}, {"id": 3, "price": "1234.5"}], "shop.items")
    with pytest.raises(InvalidColumnValue, match=r"row 1: .*id"):
        target.load([{"id": 40000}], "shop.items")
    assert target.rows("SELECT id, price, code FROM shop.items") == [(1, Decimal("1.50"), "NL")]


_EVERY_TYPE_QUERY = """
SELECT 7::smallint AS s, 2147483647 AS i, 9223372036854775807 AS b, 12345678.90::numeric(10,2) AS d,
       0.5::real AS r, 0.1::double precision AS f, true AS ok, 'NL'::char(2) AS code,
       'élan'::varchar(10) AS word, date '2026-11-21' AS day, time '10:15:00.5' AS clock,
       timetz '10:15:00+02' AS clock_tz, timestamp '2026-11-21 10:15:00.123456' AS ts,
       timestamptz '2026-11-21 10:15:00+02' AS ts_tz, '{"a": [1, 2.5, "x"], "b": null}'::jsonb AS doc
"""


def test_a_postgres_querys_column_types_are_kept_with_their_values(
    target: Target, pg_database_factory: Callable[[], str]
) -> None:
    source = pg_database_factory()
    result = target.load(source, "copy.every", query=_EVERY_TYPE_QUERY)
    assert result.status is Status.LOADED, result.outcome.error
    assert [(c.name, c.type) for c in result.inferred] == [
        ("s", "smallint"),
        ("i", "int"),
        ("b", "bigint"),
        ("d", "numeric(10,2)"),
        ("r", "real"),
        ("f", "float"),
        ("ok", "boolean"),
        ("code", "char(2)"),
        ("word", "varchar(10)"),
        ("day", "date"),
        ("clock", "time"),
        ("clock_tz", "timetz"),
        ("ts", "timestamp"),
        ("ts_tz", "timestamptz"),
        ("doc", "super"),
    ]
    utc_ts = "ts_tz AT TIME ZONE 'UTC'" if target.kind != "duckdb" else "timezone('UTC', ts_tz)"
    (row,) = target.rows(
        f"SELECT s, i, b, d, r, f, ok, code, word, day, clock, ts, {utc_ts}, clock_tz FROM copy.every"
    )
    assert row == (
        7,
        2147483647,
        9223372036854775807,
        Decimal("12345678.90"),
        0.5,
        0.1,
        True,
        "NL",
        "élan",
        date(2026, 11, 21),
        time(10, 15, 0, 500000),
        datetime(2026, 11, 21, 10, 15, 0, 123456),
        datetime(2026, 11, 21, 8, 15),
        time(10, 15, tzinfo=timezone(timedelta(hours=2))),
    )
    (doc,) = target.rows("SELECT doc FROM copy.every")[0]
    assert (json.loads(doc) if isinstance(doc, str) else doc) == {"a": [1, 2.5, "x"], "b": None}


def test_a_csv_of_fixed_point_offsets_and_an_ndjson_of_documents_load_exactly(
    target: Target, tmp_path: Path
) -> None:
    (tmp_path / "prices.csv").write_text(
        "id,price,at\n1,12.50,2026-11-21T10:15:00+02:00\n2,-0.05,2026-11-21 23:00:00Z\n3,100.00,\n"
    )
    result = target.load(str(tmp_path / "prices.csv"), "shop.prices")
    assert result.status is Status.LOADED, result.outcome.error
    assert [(c.name, c.type) for c in result.inferred] == [
        ("id", "int"),
        ("price", "numeric(18,2)"),
        ("at", "timestamptz"),
    ]
    utc = "\"at\" AT TIME ZONE 'UTC'" if target.kind != "duckdb" else "timezone('UTC', \"at\")"
    assert target.rows(f"SELECT id, price, {utc} FROM shop.prices ORDER BY id") == [
        (1, Decimal("12.50"), datetime(2026, 11, 21, 8, 15)),
        (2, Decimal("-0.05"), datetime(2026, 11, 21, 23, 0)),
        (3, Decimal("100.00"), None),
    ]
    documents = [{"id": 1, "doc": {"k": [1, {"n": None}]}}, {"id": 2, "doc": [True, "x"]}]
    (tmp_path / "docs.ndjson").write_text("".join(json.dumps(row) + "\n" for row in documents))
    result = target.load(str(tmp_path / "docs.ndjson"), "shop.docs")
    assert [(c.name, c.type) for c in result.inferred] == [("id", "int"), ("doc", "super")]
    got = target.rows("SELECT id, doc FROM shop.docs ORDER BY id")
    assert [(i, json.loads(d) if isinstance(d, str) else d) for i, d in got] == [
        (row["id"], row["doc"]) for row in documents
    ]


def test_python_values_of_every_new_type_load_exactly(target: Target) -> None:
    moment = datetime(2026, 11, 21, 10, 15, 0, 250000, tzinfo=timezone(timedelta(hours=-5)))
    rows = [{"id": 1, "amount": Decimal("1234567890123456.78"), "at": moment, "when": time(23, 59, 59)}]
    result = target.load(rows, "shop.values")
    assert result.status is Status.LOADED, result.outcome.error
    assert [(c.name, c.type) for c in result.inferred] == [
        ("id", "int"),
        ("amount", "numeric(18,2)"),
        ("at", "timestamptz"),
        ("when", "time"),
    ]
    utc = "\"at\" AT TIME ZONE 'UTC'" if target.kind != "duckdb" else "timezone('UTC', \"at\")"
    assert target.rows(f'SELECT amount, {utc}, "when" FROM shop.values') == [
        (Decimal("1234567890123456.78"), datetime(2026, 11, 21, 15, 15, 0, 250000), time(23, 59, 59))
    ]


def test_truncate_mode_replaces_every_row(target: Target) -> None:
    target.load(people((1, "a", 1.0), (2, "b", 2.0)), "shop.people")
    target.load(people((3, "c", 3.0)), "shop.people", mode="truncate")
    assert target.rows("SELECT id FROM shop.people") == [(3,)]


def test_a_postgres_query_is_a_source(target: Target, pg_database_factory: Callable[[], str]) -> None:
    import psycopg

    source = pg_database_factory()
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE orders AS SELECT g AS id, 'order ' || g AS label FROM generate_series(1, 2500) g"
        )
    result = target.load(
        source, "shop.orders", query="SELECT id, label FROM orders WHERE id > %s", params=(500,)
    )
    assert result.outcome.rows == 2000
    assert target.rows("SELECT count(*), min(id), max(label) FROM shop.orders") == [(2000, 501, "order 999")]


def test_an_s3_glob_of_gzip_csvs_and_a_manifest_load_into_every_warehouse(
    target: Target, s3: Any, s3_bucket: str, s3_server: Any
) -> None:
    for number in range(3):
        body = gzip.compress(f"id,name\n{number},n{number}\n".encode())
        s3.put_object(Bucket=s3_bucket, Key=f"exports/people_{number}.csv.gz", Body=body)
    s3.put_object(Bucket=s3_bucket, Key="exports/peoplex.csv", Body=b"id,name\n99,not matched\n")
    parts = [gzip.compress(b'{"id": 10, "name": "m"}\n'), gzip.compress(b'{"id": 11, "name": "n"}\n')]
    for number, part in enumerate(parts):
        s3.put_object(Bucket=s3_bucket, Key=f"parts/{number}.json.gz", Body=part)
    entries = [{"url": f"s3://{s3_bucket}/parts/{n}.json.gz", "mandatory": True} for n in range(2)]
    s3.put_object(Bucket=s3_bucket, Key="parts.manifest", Body=json.dumps({"entries": entries}).encode())
    options = {} if target.options else {"store_options": {"endpoint_url": s3_server.endpoint_url}}
    target.load(f"s3://{s3_bucket}/exports/people_*.csv.gz", "shop.people", **options)
    target.load(f"s3://{s3_bucket}/parts.manifest", "shop.people", **options)
    assert target.rows("SELECT id, name FROM shop.people ORDER BY id") == [
        (0, "n0"),
        (1, "n1"),
        (2, "n2"),
        (10, "m"),
        (11, "n"),
    ]


# --- bad sources: a clear error and an untouched table ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("empty.csv", b"", LoadError, "no rows to load"),
        ("header-only.csv", b"id,name\n", LoadError, "no rows to load"),
        ("ragged.csv", b"id,name\n1,a\n2\n", MalformedInput, "line 3"),
        ("bad.ndjson", b'{"id": 1}\n{"id": \n', MalformedInput, "line 2"),
        (
            "broken.csv.gz",
            gzip.compress(b"id,name\n" + b"1,a\n" * 500)[:-20],
            MalformedInput,
            "broken.csv.gz",
        ),
    ],
)
def test_bad_files_fail_and_leave_the_table_untouched(
    target: Target, tmp_path: Path, name: str, content: bytes, error: type[Exception], message: str
) -> None:
    target.load([{"id": 7, "name": "kept"}], "shop.people")
    (tmp_path / name).write_bytes(content)
    with pytest.raises(error, match=message):
        target.load(str(tmp_path / name), "shop.people")
    assert target.rows("SELECT id, name FROM shop.people") == [(7, "kept")]


def test_a_missing_table_is_not_created_when_told_not_to(target: Target) -> None:
    with pytest.raises(LoadError, match="does not exist"):
        target.load(people((1, "a", 1.0)), "shop.absent", create=False)
    assert not target.exists("shop", "absent")


def test_a_glob_matching_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NoSuchSource, match=r"nothing\*\.csv"):
        rio.load(str(tmp_path / "nothing*.csv"), f"duckdb:///{tmp_path / 'w.duckdb'}::t")


@pytest.mark.parametrize(
    ("uri", "error", "message"),
    [
        ("ftp://host/db::s.t", UnknownAdapter, "ftp"),
        ("postgresql://u@h/db", InvalidTarget, "names no table"),
        ("duckdb:///w.duckdb::", InvalidTarget, "names no table"),
        ("duckdb:///w.duckdb::s.Bad", RioError, "Bad"),
        ("postgresql://u:secret@h/db::s.t.u", RioError, "s.t"),
    ],
)
def test_bad_target_uris_are_refused(uri: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message) as raised:
        split_target(uri)
    assert "secret" not in str(raised.value)


def test_targets_name_schema_and_table_after_a_double_colon() -> None:
    settings, schema, table = split_target("redshift://loader:pw@cluster:5439/dw::analytics.events")
    assert (settings["type"], settings["host"], settings["dbname"], schema, table) == (
        "redshift",
        "cluster",
        "dw",
        "analytics",
        "events",
    )
    assert split_target("duckdb:///w.duckdb::events")[1:] == ("main", "events")
    assert split_target("postgresql://u@h/db::events")[1:] == ("public", "events")


# --- staging ---------------------------------------------------------------------------------------------


def test_staging_is_found_in_config_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RIO_S3_BASE_PATH", raising=False)
    monkeypatch.delenv("AWS_ETL_TOOLS_S3_BASE_PATH", raising=False)
    monkeypatch.setattr(rio_config, "S3_BASE_PATH", None)
    with pytest.raises(IncompleteArgs, match="RIO_S3_BASE_PATH"):
        staging_base(None, "redshift")
    monkeypatch.setenv("AWS_ETL_TOOLS_S3_BASE_PATH", "s3://old/tools")
    assert staging_base(None, "redshift") == ("s3://old/tools", False)
    monkeypatch.setenv("RIO_S3_BASE_PATH", "s3://new/rio")
    assert staging_base(None, "redshift") == ("s3://new/rio", False)
    monkeypatch.setattr(rio_config, "S3_BASE_PATH", "s3://set/in-code")
    assert staging_base(None, "postgres") == ("s3://set/in-code", False)
    assert staging_base("s3://given/here", "postgres") == ("s3://given/here", False)
    with pytest.raises(IncompleteArgs, match="not in S3"):
        staging_base("/tmp/local", "redshift")


def test_staged_objects_are_removed_after_a_load_unless_kept(
    s3: Any, s3_bucket: str, s3_server: Any, tmp_path: Path
) -> None:
    url = f"duckdb:///{tmp_path / 'w.duckdb'}::shop.people"
    options = {"store_options": {"endpoint_url": s3_server.endpoint_url}}
    buckets = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    rio.load(people((1, "a", 1.0)), url, base=f"s3://{s3_bucket}/stage", **options)
    assert s3.list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0
    kept = rio.load(people((2, "b", 2.0)), url, base=f"s3://{s3_bucket}/stage", keep_staged=True, **options)
    listed = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=s3_bucket)["Contents"])
    assert sorted(kept.staged) == [f"s3://{s3_bucket}/{key}" for key in listed]
    assert any(key.endswith(".manifest") for key in listed)
    assert all(key.startswith("stage/") for key in listed)
    # Only the bucket given: odo made (and dropped) a bucket per load.
    assert {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]} == buckets


def test_s3_objects_and_globs_and_manifests_are_sources(
    s3: Any, s3_bucket: str, s3_server: Any, tmp_path: Path
) -> None:
    for number in range(3):
        body = gzip.compress(f"id,name\n{number},n{number}\n".encode())
        s3.put_object(Bucket=s3_bucket, Key=f"exports/people_{number}.csv.gz", Body=body)
    s3.put_object(Bucket=s3_bucket, Key="exports/other.csv.gz", Body=gzip.compress(b"id,name\n9,x\n"))
    options = {"store_options": {"endpoint_url": s3_server.endpoint_url}}
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    rio.load(f"s3://{s3_bucket}/exports/people_*.csv.gz", f"{url}::s.globbed", **options)
    rio.load(f"s3://{s3_bucket}/exports/other.csv.gz", f"{url}::s.single", **options)
    parts = [gzip.compress(b'{"id": 1, "name": "a"}\n'), gzip.compress(b'{"id": 2, "name": "b"}\n')]
    for number, part in enumerate(parts):
        s3.put_object(Bucket=s3_bucket, Key=f"parts/{number}.json.gz", Body=part)
    manifest = {
        "entries": [{"url": f"s3://{s3_bucket}/parts/{n}.json.gz", "mandatory": True} for n in range(2)]
    }
    s3.put_object(Bucket=s3_bucket, Key="parts.manifest", Body=json.dumps(manifest).encode())
    rio.load(f"s3://{s3_bucket}/parts.manifest", f"{url}::s.manifested", **options)
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as db:
        assert db.execute("SELECT id FROM s.globbed ORDER BY id").fetchall() == [(0,), (1,), (2,)]
        assert db.execute("SELECT id, name FROM s.single").fetchall() == [(9, "x")]
        assert db.execute("SELECT id, name FROM s.manifested ORDER BY id").fetchall() == [(1, "a"), (2, "b")]


def test_a_dataframe_is_a_source(tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas", reason="pandas is an optional extra")
    frame = pandas.DataFrame({"id": [1, 2], "name": ["a", None]})
    rio.load(frame, f"duckdb:///{tmp_path / 'w.duckdb'}::df")
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as db:
        assert db.execute("SELECT id, name FROM main.df ORDER BY id").fetchall() == [(1, "a"), (2, None)]


# --- aws_etl_tools' classes ---------------------------------------------------------------------------


def test_redshift_table_upserts_with_aws_etl_tools_credentials(pg_url: str, tmp_path: Path) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(pg_url)
    database = rio.PostgresDatabase(
        {
            "database_name": parts.path.lstrip("/"),
            "username": parts.username,
            "password": parts.password,
            "host": parts.hostname,
            "port": parts.port,
        }
    )
    masked = rio.RedshiftDatabase({"database_name": "dw", "username": "u", "password": "s3cret-pw"})
    assert "s3cret-pw" not in repr(masked)
    assert "'password': '***'" in repr(masked)
    users = rio.RedshiftTable(database, "public.users", upsert_uniqueness_key=("id",))
    users.load_from_rows([(1, "a"), (2, "b")], columns=["id", "name"])
    csv = tmp_path / "users.csv"
    csv.write_text("id,name\n2,B\n3,c\n")
    users.load_from_file(csv)
    import psycopg

    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT id, name FROM public.users ORDER BY id").fetchall() == [
            (1, "a"),
            (2, "B"),
            (3, "c"),
        ]


def test_a_database_subclass_adds_an_environment(tmp_path: Path) -> None:
    class EnvironmentDatabase(rio.DuckDBDatabase):
        def __init__(self, environment: str) -> None:
            super().__init__({"path": str(tmp_path / f"{environment}.duckdb")})
            self.environment = environment

    table = rio.RedshiftTable(EnvironmentDatabase("staging"), "main.events")
    table.load_from_rows([{"id": 1}])
    assert (tmp_path / "staging.duckdb").exists()
    assert rio.RedshiftDatabase.from_url("redshift://u:p@h:5439/dw").settings()["dbname"] == "dw"
    with pytest.raises(IncompleteArgs, match="connects to redshift"):
        rio.RedshiftDatabase.from_url("postgresql://u@h/db")
    with pytest.raises(IncompleteArgs, match="schema"):
        rio.RedshiftTable(table.database, "events")


def test_a_database_comes_from_a_profile_of_the_class_it_names(tmp_path: Path) -> None:
    (tmp_path / "profiles.yml").write_text(
        "warehouse:\n  target: local\n  outputs:\n"
        f"    local: {{type: duckdb, path: {tmp_path / 'p.duckdb'}}}\n"
        "    prod: {type: redshift, host: h, dbname: dw, user: u}\n"
    )
    local = Database.from_profile("warehouse", profiles_dir=str(tmp_path))
    assert type(local) is rio.DuckDBDatabase
    rio.RedshiftTable(local, "main.t").load_from_rows([{"id": 1}])
    assert (tmp_path / "p.duckdb").exists()
    prod = Database.from_profile("warehouse", "prod", profiles_dir=str(tmp_path))
    assert (type(prod), prod.settings()["dbname"]) == (rio.RedshiftDatabase, "dw")
    with pytest.raises(IncompleteArgs, match="connects to duckdb, not to a redshift"):
        rio.DuckDBDatabase.from_profile("warehouse", "prod", profiles_dir=str(tmp_path))
    with pytest.raises(RioError, match="no_such"):
        Database.from_profile("no_such", profiles_dir=str(tmp_path))


# --- rio load ------------------------------------------------------------------------------------------


def test_rio_load_says_what_it_inferred_and_loads(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(CSV)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}::shop.people"
    result = CliRunner().invoke(cli, ["load", str(tmp_path / "people.csv"), url, "--upsert-key", "id"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "created shop.people from types inferred over 3 rows: id int, name text, score numeric(18,1), seen "
        "timestamp",
        f"shop.people: loaded 3 rows from {tmp_path / 'people.csv'}",
    ]
    again = CliRunner().invoke(
        cli, ["load", str(tmp_path / "people.csv"), url, "--upsert-key", "id", "--json"]
    )
    assert json.loads(again.output)["status"] == "loaded"
    assert json.loads(again.output)["inferred"] is None


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["missing.csv", "duckdb:///w.duckdb::t"], 1, "no such file"),
        (["people.csv", "duckdb:///w.duckdb"], 2, "names no table"),
        (["people.csv", "mysql://h/db::t"], 2, "mysql"),
        (["people.csv", "duckdb:///w.duckdb::t", "--mode", "upsert"], 2, "--upsert-key"),
        (
            ["people.csv", "duckdb:///w.duckdb::t", "--upsert-key", "id", "--mode", "append"],
            2,
            "--mode upsert",
        ),
        (["people.csv", "duckdb:///w.duckdb::t", "--no-create"], 1, "does not exist"),
    ],
)
def test_rio_load_refuses_bad_arguments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], code: int, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "people.csv").write_text(CSV)
    result = CliRunner().invoke(cli, ["load", *args])
    assert result.exit_code == code, result.output
    assert message in result.output


# --- unload ----------------------------------------------------------------------------------------------


def pg_execute(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def test_a_postgres_table_unloads_to_parts_a_manifest_that_loads_elsewhere(
    pg_url: str, tmp_path: Path
) -> None:
    pg_execute(
        pg_url,
        "CREATE TABLE public.events AS SELECT g AS id, now()::timestamp AS ts "
        "FROM generate_series(1, 25000) g",
    )
    database = rio.PostgresDatabase.from_url(pg_url)
    result = database.unload("public.events", str(tmp_path / "out"), name="events")
    assert result.rows == 25000
    assert result.manifest_url == f"file://{tmp_path}/out/events/manifest"
    listed = json.loads((tmp_path / "out" / "events" / "manifest").read_bytes())["entries"]
    assert len(listed) == result.parts
    with pytest.raises(rio.errors.PipeError, match="already exists"):
        database.unload("public.events", str(tmp_path / "out"), name="events")
    copied = rio.load(
        result.manifest_url.removeprefix("file://"), f"duckdb:///{tmp_path / 'w.duckdb'}::copied"
    )
    assert copied.outcome.rows == 25000
    with pytest.raises(rio.errors.WarehouseError, match="no_such_table"):
        database.unload("SELECT * FROM no_such_table", str(tmp_path / "out"), name="bad")
    assert not (tmp_path / "out" / "bad").exists()


def test_an_unload_of_a_row_json_cannot_hold_names_the_row_and_leaves_nothing(
    pg_url: str, tmp_path: Path
) -> None:
    pg_execute(
        pg_url,
        "CREATE TABLE public.readings AS SELECT g AS id, "
        "CASE WHEN g = 450003 THEN 'NaN'::float8 ELSE g END AS f FROM generate_series(1, 460000) g",
    )
    database = rio.PostgresDatabase.from_url(pg_url)
    query = "SELECT * FROM public.readings ORDER BY id"
    with pytest.raises(rio.errors.UnsupportedValue) as caught:
        database.unload(query, str(tmp_path / "out"), name="readings")
    # Counted from 1 over the whole result, across the batches it is packed in; the part already
    # stored (rows of about 25 bytes fill a 10 MB part before row 450003) is removed again.
    assert str(caught.value) == (
        f'unloading {query!r}: row 450003: key "f": the float NaN is not a JSON number (NaN and infinities '
        "are refused)"
    )
    assert not any((tmp_path / "out").rglob("*.gz"))
    assert not (tmp_path / "out" / "readings" / "manifest").exists()


_round_trips = itertools.count()
_UNLOAD_ROWS = st.lists(
    st.tuples(
        st.none() | st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=30),
        st.none() | st.floats(allow_nan=False, allow_infinity=False),
        st.none() | st.booleans(),
        st.none() | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
        st.none() | st.dates(),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_UNLOAD_ROWS)
def test_a_postgres_unload_loads_back_into_duckdb_value_for_value(
    pg_url: str, tmp_path: Path, rows: list[tuple[Any, ...]]
) -> None:
    import psycopg

    number = next(_round_trips)
    table = f"public.round_trip_{number}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {table} (id bigint, t text, f double precision, b boolean, ts timestamp, d date)"
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s)",
                [(index, *row) for index, row in enumerate(rows)],
            )
    unloaded = rio.PostgresDatabase.from_url(pg_url).unload(table, str(tmp_path / "out"), name=f"rt{number}")
    assert unloaded.rows == len(rows)
    path = tmp_path / "w.duckdb"
    columns = [
        Column("id", "bigint"),
        Column("t", "longtext"),
        Column("f", "float"),
        Column("b", "boolean"),
        Column("ts", "timestamp"),
        Column("d", "date"),
    ]
    loaded = rio.load(
        unloaded.manifest_url.removeprefix("file://"),
        f"duckdb:///{path}::copy.rt{number}",
        table_columns=columns,
        base=str(tmp_path / "staging"),
    )
    assert loaded.status is Status.LOADED, loaded.outcome.error
    got = Target("duckdb", f"duckdb:///{path}", path=path).rows(
        f"SELECT id, t, f, b, ts, d FROM copy.rt{number} ORDER BY id"
    )
    assert got == [(index, *row) for index, row in enumerate(rows)]


# Text PostgreSQL's jsonb can hold: no NUL (which neither jsonb nor SUPER stores) and no lone surrogate.
_JSON_TEXT = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
_JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(_JSON_TEXT, max_size=12)
_DOCUMENTS = st.recursive(
    _JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(_JSON_TEXT, max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
_NEW_TYPE_ROWS = st.lists(
    st.tuples(
        st.none() | st.decimals(min_value=-(10**16) + 1, max_value=10**16 - 1, places=2),
        st.none()
        | st.datetimes(
            min_value=datetime(1900, 1, 1),
            max_value=datetime(9000, 12, 31),
            timezones=st.sampled_from(
                [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
            ),
        ),
        st.none() | _DOCUMENTS,
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_NEW_TYPE_ROWS)
def test_decimals_instants_and_documents_go_from_postgresql_to_duckdb_exactly(
    pg_url: str, tmp_path: Path, rows: list[tuple[Any, ...]]
) -> None:
    import psycopg
    from psycopg.types.json import Jsonb

    number = next(_round_trips)
    table = f"public.exact_{number}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id bigint, amount numeric(18,2), seen timestamptz, doc jsonb)")
        with conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} VALUES (%s, %s, %s, %s)",
                [
                    (index, amount, seen, None if doc is None else Jsonb(doc))
                    for index, (amount, seen, doc) in enumerate(rows)
                ],
            )
    path = tmp_path / "w.duckdb"
    warehouse = Target("duckdb", f"duckdb:///{path}", path=path)
    # By a query, whose columns keep their types; and by an unload's manifest, into declared columns.
    by_query = rio.load(
        pg_url, f"duckdb:///{path}::copy.q{number}", query=f"SELECT * FROM {table}", base=str(tmp_path / "s")
    )
    assert [(c.name, c.type) for c in by_query.inferred] == [
        ("id", "bigint"),
        ("amount", "numeric(18,2)"),
        ("seen", "timestamptz"),
        ("doc", "super"),
    ]
    unloaded = rio.PostgresDatabase.from_url(pg_url).unload(table, str(tmp_path / "out"), name=f"e{number}")
    rio.load(
        unloaded.manifest_url.removeprefix("file://"),
        f"duckdb:///{path}::copy.u{number}",
        table_columns=by_query.inferred,
        base=str(tmp_path / "s"),
    ).raise_for_failure()
    expected = [
        (index, amount, None if seen is None else seen.astimezone(timezone.utc), doc)
        for index, (amount, seen, doc) in enumerate(rows)
    ]
    for copied in (f"copy.q{number}", f"copy.u{number}"):
        got = warehouse.rows(f"SELECT id, amount, seen, doc FROM {copied} ORDER BY id")
        assert [
            (
                i,
                amount,
                None if seen is None else seen.astimezone(timezone.utc),
                None if doc is None else json.loads(doc),
            )
            for i, amount, seen, doc in got
        ] == expected, copied


def test_a_duckdb_query_unloads(tmp_path: Path) -> None:
    rio.load(
        [{"id": i, "kind": "odd" if i % 2 else "even"} for i in range(10)],
        f"duckdb:///{tmp_path / 'w.duckdb'}::t",
    )
    database = rio.DuckDBDatabase(tmp_path / "w.duckdb")
    result = database.unload("SELECT id FROM main.t WHERE kind = 'odd'", str(tmp_path / "out"), name="odd")
    assert result.rows == 5
    with pytest.raises(rio.errors.PipeError, match="no rows"):
        database.unload("SELECT id FROM main.t WHERE id > 100", str(tmp_path / "out"), name="none")
    with pytest.raises(rio.errors.WarehouseError, match="no_such_table"):
        database.unload("SELECT * FROM no_such_table", str(tmp_path / "out"), name="bad")


def test_redshift_unloads_with_its_own_statement() -> None:
    from rio.adapters.redshift import unload_statement

    statement = unload_statement(
        'SELECT * FROM "analytics"."events" WHERE kind = \'odd\'',
        "s3://lake/unloads/events/",
        region="us-west-2",
        credentials="IAM_ROLE '***'",
    )
    assert statement == (
        "UNLOAD ('SELECT * FROM \"analytics\".\"events\" WHERE kind = ''odd''') "
        "TO 's3://lake/unloads/events/' IAM_ROLE '***' FORMAT AS JSON MANIFEST GZIP REGION 'us-west-2'"
    )


def test_redshift_unloads_through_its_own_unload_and_the_manifest_loads_back(
    redshift_double: Any, s3: Any, s3_bucket: str, tmp_path: Path
) -> None:
    store_options = {"endpoint_url": redshift_double.s3_endpoint_url}
    rio.load(
        people((1, "a", 1.5), (2, "b", None)),
        redshift_double,
        table="shop.people",
        base=f"s3://{s3_bucket}/staging",
        store_options=store_options,
    )
    unloaded = rio.unload.unload(
        "shop.people",
        redshift_double,
        f"s3://{s3_bucket}/unloads",
        name="people",
        store_options=store_options,
    )
    assert (unloaded.rows, unloaded.parts) == (2, 1)
    assert unloaded.manifest_url == f"s3://{s3_bucket}/unloads/people/manifest"
    (sent,) = [sql for sql in redshift_double.ran if sql.startswith("UNLOAD")]
    assert sent.startswith('UNLOAD (\'SELECT * FROM "shop"."people"\') TO \'s3://')
    assert "ACCESS_KEY_ID '***'" in sent
    copied = rio.load(
        unloaded.manifest_url, f"duckdb:///{tmp_path / 'w.duckdb'}::copied", store_options=store_options
    )
    assert copied.outcome.rows == 2
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as db:
        assert db.execute("SELECT id, name, score FROM main.copied ORDER BY id").fetchall() == [
            (1, "a", 1.5),
            (2, "b", None),
        ]
    with pytest.raises(rio.errors.PipeError, match="already exists"):
        rio.unload.unload("shop.people", redshift_double, f"s3://{s3_bucket}/unloads", name="people",
                          store_options=store_options)  # fmt: skip


def test_each_load_from_method_of_redshift_table(
    tmp_path: Path, pg_database_factory: Callable[[], str], s3: Any, s3_bucket: str, s3_server: Any
) -> None:
    import duckdb
    import psycopg

    source = pg_database_factory()
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("CREATE TABLE t AS SELECT g AS id, 'pg' AS origin FROM generate_series(1, 3) g")
    s3.put_object(Bucket=s3_bucket, Key="in/a.csv", Body=b"id,origin\n4,s3\n")
    s3.put_object(
        Bucket=s3_bucket, Key="in/p.json.gz", Body=gzip.compress(b'{"id": 5, "origin": "manifest"}\n')
    )
    manifest = {"entries": [{"url": f"s3://{s3_bucket}/in/p.json.gz", "mandatory": True}]}
    s3.put_object(Bucket=s3_bucket, Key="in/p.manifest", Body=json.dumps(manifest).encode())
    pandas = pytest.importorskip("pandas", reason="pandas is an optional extra")

    table = rio.RedshiftTable(
        rio.DuckDBDatabase(tmp_path / "w.duckdb"), "main.mixed", upsert_uniqueness_key=("id",)
    )
    table.load_from_postgres_query(source, "SELECT id, origin FROM t")
    table.load_from_s3(f"s3://{s3_bucket}/in/a.csv", endpoint_url=s3_server.endpoint_url)
    table.load_from_manifest(f"s3://{s3_bucket}/in/p.manifest", endpoint_url=s3_server.endpoint_url)
    table.load_from_dataframe(pandas.DataFrame({"id": [6, 1], "origin": ["frame", "frame"]}))
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as db:
        assert db.execute("SELECT id, origin FROM main.mixed ORDER BY id").fetchall() == [
            (1, "frame"),
            (2, "pg"),
            (3, "pg"),
            (4, "s3"),
            (5, "manifest"),
            (6, "frame"),
        ]


# --- how to reach S3: one StorageSettings for the source and the staging store ------------------------------


def duckdb_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as db:
        return db.execute(sql).fetchall()


def test_load_reads_the_source_and_stages_with_one_storage_settings(
    tmp_path: Path, s3: Any, s3_bucket: str, s3_server: Any
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="in/a.csv", Body=b"id,name\n1,Ann\n2,Bo\n")
    storage = StorageSettings(endpoint_url=s3_server.endpoint_url)
    result = rio.load(
        f"s3://{s3_bucket}/in/a.csv",
        f"duckdb:///{tmp_path / 'w.duckdb'}::crm.users",
        base=f"s3://{s3_bucket}/staging",
        keep_staged=True,
        storage=storage,
    )
    assert result.outcome.rows == 2
    assert all(url.startswith(f"s3://{s3_bucket}/staging/") for url in result.staged)
    assert duckdb_rows(tmp_path / "w.duckdb", "SELECT id, name FROM crm.users ORDER BY id") == [
        (1, "Ann"),
        (2, "Bo"),
    ]


def test_a_loose_endpoint_url_reaches_the_staging_store_too(
    tmp_path: Path, s3: Any, s3_bucket: str, s3_server: Any
) -> None:
    (tmp_path / "a.csv").write_text("id\n1\n2\n3\n")
    result = rio.load(
        str(tmp_path / "a.csv"),
        f"duckdb:///{tmp_path / 'w.duckdb'}::t",
        base=f"s3://{s3_bucket}/staging",
        endpoint_url=s3_server.endpoint_url,
    )
    assert result.outcome.rows == 3
    # The staged objects went to moto (and were removed after the load).
    assert s3.list_objects_v2(Bucket=s3_bucket, Prefix="staging/").get("KeyCount") == 0


def test_rio_s3_endpoint_url_alone_reaches_the_source_and_the_staging_store(
    tmp_path: Path, s3: Any, s3_bucket: str, s3_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="in/a.csv", Body=b"id\n7\n")
    monkeypatch.setenv("RIO_S3_ENDPOINT_URL", s3_server.endpoint_url)
    result = rio.load(
        f"s3://{s3_bucket}/in/a.csv", f"duckdb:///{tmp_path / 'w.duckdb'}::t", base=f"s3://{s3_bucket}/stage"
    )
    assert result.outcome.rows == 1


def test_storage_and_store_options_that_disagree_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id\n1\n")
    with pytest.raises(StorageError, match="two different values were given for endpoint_url"):
        rio.load(
            str(tmp_path / "a.csv"),
            f"duckdb:///{tmp_path / 'w.duckdb'}::t",
            storage=StorageSettings(endpoint_url="http://127.0.0.1:9000"),
            store_options={"endpoint_url": "http://127.0.0.1:9001"},
        )
    with pytest.raises(StorageError, match="two different values were given for region"):
        rio.load(
            str(tmp_path / "a.csv"),
            f"duckdb:///{tmp_path / 'w.duckdb'}::t",
            region="eu-west-1",
            store_options={"region": "us-east-1"},
        )


def test_unload_writes_with_the_storage_settings_given(
    tmp_path: Path, s3: Any, s3_bucket: str, s3_server: Any
) -> None:
    database = rio.DuckDBDatabase(tmp_path / "w.duckdb")
    rio.RedshiftTable(database, "main.src").load_from_rows([(1, "a"), (2, "b")], columns=["id", "name"])
    storage = StorageSettings(endpoint_url=s3_server.endpoint_url)
    unloaded = database.unload("main.src", f"s3://{s3_bucket}/unloads", name="one", storage=storage)
    assert (unloaded.rows, unloaded.manifest_url) == (2, f"s3://{s3_bucket}/unloads/one/manifest")
    again = rio.unload.unload(
        "main.src", database.adapter(), f"s3://{s3_bucket}/unloads", name="two", storage=storage
    )
    assert again.rows == 2
    copied = rio.load(again.manifest_url, f"duckdb:///{tmp_path / 'w.duckdb'}::copied", storage=storage)
    assert copied.outcome.rows == 2


def test_a_redshift_table_loads_with_its_storage_and_a_loads_own(
    tmp_path: Path, s3: Any, s3_bucket: str, s3_server: Any
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="in/a.csv", Body=b"id,origin\n4,s3\n")
    table = rio.RedshiftTable(
        rio.DuckDBDatabase(tmp_path / "w.duckdb"),
        "main.mixed",
        upsert_uniqueness_key=("id",),
        base=f"s3://{s3_bucket}/staging",  # even rows in memory stage in S3 here
        storage=StorageSettings(endpoint_url=s3_server.endpoint_url),
    )
    table.load_from_rows([(1, "rows")], columns=["id", "origin"])
    table.load_from_s3(f"s3://{s3_bucket}/in/a.csv")
    # A load's own settings fill in over the table's, field by field.
    table.load_from_rows([(2, "rows")], columns=["id", "origin"], storage=StorageSettings(region="us-east-1"))
    assert duckdb_rows(tmp_path / "w.duckdb", "SELECT id, origin FROM main.mixed ORDER BY id") == [
        (1, "rows"),
        (2, "rows"),
        (4, "s3"),
    ]


def test_fields_that_differ_only_in_case_fail_the_load_and_create_nothing(tmp_path: Path) -> None:
    from rio.errors import LoadError

    target = f"duckdb:///{tmp_path / 'w.duckdb'}::shop.items"
    with pytest.raises(LoadError, match="fields 'id' and 'ID' differ only in case"):
        rio.load([{"id": 1}, {"ID": 2}], target)
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb")) as db:
        assert db.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'items'"
        ).fetchall() == [(0,)]
