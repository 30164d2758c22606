"""A property: PostgreSQL → parts (rio's unload) → DuckDB → parts → PostgreSQL keeps every value of every
type exactly — integers at their ranges' ends, a DECIMAL's every digit, REAL and DOUBLE PRECISION bits,
CHAR padding, VARCHAR bytes, dates and times of day from year 1 to 9999, times with their offsets,
TIMESTAMPTZ instants, and SUPER documents with numbers of any precision.

The parts are loaded by the loader itself (a manifest and its config, as a producer lays them out), so
what is checked is rio's unload and its emulated COPY, nothing in between.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import struct
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rio
from rio import contract
from rio.config import Column, DestinationConfig
from rio.contract import Job
from rio.loader import Status, run_job

D = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone.utc)
COLUMNS = [
    ("id", "bigint", "bigint"),
    ("small", "smallint", "smallint"),
    ("whole", "integer", "integer"),
    ("big", "bigint", "bigint"),
    ("price", "numeric(38,10)", "decimal(38,10)"),
    ("ratio", "real", "real"),
    ("score", "double precision", "double precision"),
    ("ok", "boolean", "boolean"),
    ("code", "char(5)", "char(5)"),
    ("word", "varchar(16)", "varchar(16)"),
    ("note", "varchar(256)", "text"),
    ("body", "varchar(65535)", "longtext"),
    ("day", "date", "date"),
    ("clock", "time", "time"),
    ("clock_tz", "timetz", "timetz"),
    ("wall", "timestamp", "timestamp"),
    ("seen", "timestamptz", "timestamptz"),
    ("doc", "jsonb", "super"),
]
NAMES = [name for name, _, _ in COLUMNS]
CONFIG_COLUMNS = [Column(name, spelling) for name, _, spelling in COLUMNS]

# Text every warehouse stores: no NUL (neither PostgreSQL's text nor SUPER holds one), no lone surrogate.
_TEXT = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
_OFFSETS = st.sampled_from(
    [dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(-dt.timedelta(hours=8)),
     dt.timezone(dt.timedelta(hours=13, minutes=45)), dt.timezone(-dt.timedelta(hours=11))]
)  # fmt: skip
_NUMBERS = (
    st.integers(-(2**70), 2**70)
    | st.integers(0, 30).flatmap(
        lambda places: st.decimals(allow_nan=False, allow_infinity=False, places=places)
    )
    | st.decimals(
        min_value=Decimal("-1e40"), max_value=Decimal("1e40"), allow_nan=False, allow_infinity=False
    )
    | st.floats(allow_nan=False, allow_infinity=False)
)
_SCALARS = st.none() | st.booleans() | _NUMBERS | st.text(_TEXT, max_size=12)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(_TEXT, max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
).filter(lambda document: document is not None)  # a JSON null is no document: SQL NULL stands for it


def _fits(width: int) -> Any:
    return lambda text: len(text.encode("utf-8")) <= width


ROWS = st.lists(
    st.tuples(
        st.none() | st.integers(-(2**15), 2**15 - 1),
        st.none() | st.integers(-(2**31), 2**31 - 1),
        st.none() | st.integers(-(2**63), 2**63 - 1),
        st.none() | st.decimals(min_value=-(10**28) + 1, max_value=10**28 - 1, places=10),
        st.none() | st.floats(width=32, allow_nan=False, allow_infinity=False, allow_subnormal=False),
        st.none() | st.floats(allow_nan=False, allow_infinity=False),
        st.none() | st.booleans(),
        st.none() | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=5),
        st.none() | st.text(_TEXT, max_size=16).filter(_fits(16)),
        st.none() | st.text(_TEXT, max_size=80).filter(_fits(256)),
        st.none() | st.text(_TEXT, max_size=400),
        st.none() | st.dates(),
        st.none() | st.times(),
        st.none() | st.times(timezones=_OFFSETS),
        st.none()
        | st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)),
        st.none()
        | st.datetimes(
            min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(9000, 12, 31), timezones=_OFFSETS
        ),
        st.none() | _DOCUMENTS,
    ),
    min_size=1,
    max_size=6,
)
_examples = itertools.count()


def json_text(value: Any) -> str:
    """``value`` as JSON text, a Decimal as the number it is (``json.dumps`` cannot)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(key)}:{json_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(item) for item in value) + "]"
    return json.dumps(value)


def document(text: str | None) -> Any:
    """A document's text, read with every number exact, so that ``1.50``, ``1.5`` and ``15E-1`` are equal."""
    return None if text is None else json.loads(text, parse_float=Decimal, parse_int=Decimal)


def pg_rows(url: str, table: str) -> list[tuple[Any, ...]]:
    import psycopg

    names = ", ".join(f'"{name}"' for name in NAMES[:-1])
    with psycopg.connect(url) as conn:
        rows = conn.execute(f"SELECT {names}, doc::text FROM {table} ORDER BY id").fetchall()  # type: ignore[arg-type]
    return [(*row[:-1], document(row[-1])) for row in rows]


def duckdb_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    import duckdb

    names = ", ".join(f'"{name}"' for name in NAMES)
    with duckdb.connect(str(path), read_only=True) as conn:
        rows = conn.execute(f"SELECT {names} FROM {table} ORDER BY id").fetchall()
    return [(*row[:-1], document(row[-1])) for row in rows]


def comparable(row: Sequence[Any]) -> tuple[Any, ...]:
    """A row with its REAL as the bits of a 32-bit float (PostgreSQL prints it shortest, DuckDB widened)."""
    ratio = NAMES.index("ratio")
    return tuple(
        struct.pack("<f", value) if index == ratio and value is not None else value
        for index, value in enumerate(row)
    )


def load_parts(manifest_url: str, target: str, schema: str, table: str, work: Path) -> None:
    """Load an unload's parts with the loader: its manifest and a config, laid out as a producer would."""
    base = work / f"{schema}_{table}"
    base.mkdir()
    manifest = Path(manifest_url.removeprefix("file://")).read_bytes()
    (base / contract.manifest_key(schema, table, D)).write_bytes(manifest)
    config = DestinationConfig(schema, table, CONFIG_COLUMNS, data_timestamp_column="wall")
    (base / contract.config_key(schema, table, D)).write_text(config.to_yaml())
    (outcome,) = run_job(Job(base=str(base), schema=schema, tables=(table,), date=D), target).outcomes
    assert outcome.status is Status.LOADED, outcome.error


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_every_type_goes_from_postgresql_to_duckdb_and_back_exactly(
    pg_url: str, tmp_path: Path, rows: list[tuple[Any, ...]]
) -> None:
    import psycopg

    number = next(_examples)
    work = tmp_path / f"example_{number}"
    work.mkdir()
    source = f"public.source_{number}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {source} ({', '.join(f'{n} {pg}' for n, pg, _ in COLUMNS)})")  # type: ignore[arg-type]
        with conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {source} VALUES ({', '.join(['%s'] * (len(COLUMNS) - 1))}, %s::jsonb)",  # type: ignore[arg-type]
                [
                    (index, *row[:-1], None if row[-1] is None else json_text(row[-1]))
                    for index, row in enumerate(rows)
                ],
            )
    original = pg_rows(pg_url, source)

    # PostgreSQL → parts → DuckDB
    out = rio.PostgresDatabase.from_url(pg_url).unload(source, str(work / "out"), name="from_postgres")
    assert out.rows == len(rows)
    path = work / "w.duckdb"
    load_parts(out.manifest_url, f"duckdb:///{path}", "copied", "rt", work)
    assert [comparable(row) for row in duckdb_rows(path, "copied.rt")] == [
        comparable(row) for row in original
    ]

    # DuckDB → parts → PostgreSQL
    back = rio.DuckDBDatabase(path).unload("copied.rt", str(work / "out"), name="from_duckdb")
    assert back.rows == len(rows)
    load_parts(back.manifest_url, pg_url, "back", f"rt_{number}", work)
    assert pg_rows(pg_url, f"back.rt_{number}") == original
