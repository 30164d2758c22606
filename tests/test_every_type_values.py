"""Python's own values of every column type, packed by ``RedshiftIO`` and loaded into PostgreSQL, a DuckDB
file and the Redshift double: a DECIMAL's every digit, an instant and its offset, a time of day with its
zone, an aware datetime into a TIMESTAMP (its UTC wall clock, as the README says), CHAR padding, and SUPER
documents that each warehouse's own JSON operators reach into.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rio import RedshiftIO
from rio.config import Column, DestinationConfig
from rio.loader import Status
from support.pipe_targets import KINDS, PipeTarget, normalise, pipe_target

SCHEMA, TABLE = "pyvalues", "every"
UTC = dt.timezone.utc

CONFIG = DestinationConfig(
    SCHEMA,
    TABLE,
    [
        Column("ts", "timestamp", sort_ord=1),
        Column("id", "bigint", dist_key=True),
        Column("small", "smallint"),
        Column("whole", "integer"),
        Column("price", "decimal(38,10)"),
        Column("ratio", "real"),
        Column("score", "double precision"),
        Column("ok", "boolean"),
        Column("code", "char(4)"),
        Column("word", "varchar(8)"),
        Column("note", "text"),
        Column("body", "longtext"),
        Column("day", "date"),
        Column("clock", "time"),
        Column("clock_tz", "timetz"),
        Column("wall", "timestamp"),
        Column("seen", "timestamptz"),
        Column("doc", "super"),
    ],
    data_timestamp_column="ts",
)
NAMES = [column.name for column in CONFIG.columns]

DOCUMENT = {"price": Decimal("1.10"), "tags": ["a", "é"], "none": None, "deep": {"x": [1, {"y": True}]}}
ROWS: list[dict[str, Any]] = [
    {
        "ts": dt.datetime(2026, 11, 21, 10, 0, 1),
        "id": 1,
        "small": -32768,
        "whole": 2**31 - 1,
        "price": Decimal("1234567890123456789012345678.0123456789"),
        "ratio": 0.25,
        "score": 1 / 3,
        "ok": True,
        "code": "ab",
        "word": "éééé",  # eight bytes: the most varchar(8) holds
        "note": "",
        "body": "ü" * 20000,
        "day": dt.date(2024, 2, 29),
        "clock": dt.time(23, 59, 59, 999999),
        "clock_tz": dt.time(10, 15, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
        "wall": dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        "seen": dt.datetime(2026, 11, 21, 23, 30, 0, 250000, tzinfo=dt.timezone(dt.timedelta(hours=-8))),
        "doc": DOCUMENT,
    },
    {
        "ts": dt.datetime(2026, 11, 21, 10, 0, 2),
        "id": 2,
        "price": Decimal("-0.0000000001"),
        "ok": False,
        "code": "abcd",
        "day": dt.date(1, 1, 1),
        "clock": dt.time(0, 0),
        "clock_tz": dt.time(0, 0, tzinfo=UTC),
        "wall": dt.datetime(9999, 12, 31, 23, 59, 59),
        "seen": dt.datetime(1970, 1, 1, tzinfo=UTC),
        "doc": "a string is a document too",
    },
    {"ts": dt.datetime(2026, 11, 21, 10, 0, 3), "id": 3, "doc": [1, "two", [3]]},
]
EXPECTED: list[tuple[Any, ...]] = [
    (
        dt.datetime(2026, 11, 21, 10, 0, 1),
        1,
        -32768,
        2**31 - 1,
        Decimal("1234567890123456789012345678.0123456789"),
        0.25,
        1 / 3,
        True,
        "ab  ",  # CHAR is padded with blanks to its width
        "éééé",
        "",
        "ü" * 20000,
        dt.date(2024, 2, 29),
        dt.time(23, 59, 59, 999999),
        dt.time(4, 45),  # 10:15 at +05:30, in UTC
        dt.datetime(2026, 11, 21, 10, 0),  # 12:00 at +02:00 into a TIMESTAMP: its UTC wall clock
        dt.datetime(2026, 11, 22, 7, 30, 0, 250000),  # the instant, in UTC
        {"price": 1.1, "tags": ["a", "é"], "none": None, "deep": {"x": [1, {"y": True}]}},
    ),
    (
        dt.datetime(2026, 11, 21, 10, 0, 2),
        2,
        None,
        None,
        Decimal("-0.0000000001"),
        None,
        None,
        False,
        "abcd",
        None,
        None,
        None,
        dt.date(1, 1, 1),
        dt.time(0, 0),
        dt.time(0, 0),
        dt.datetime(9999, 12, 31, 23, 59, 59),
        dt.datetime(1970, 1, 1),
        "a string is a document too",
    ),
    (dt.datetime(2026, 11, 21, 10, 0, 3), 3, *(None,) * 15, [1, "two", [3]]),
]


Warehouse = PipeTarget


@pytest.fixture(params=KINDS)
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    return pipe_target(request, tmp_path)


@pytest.fixture
def loaded(warehouse: Warehouse) -> Warehouse:
    pipe = RedshiftIO(CONFIG, target=warehouse.target, **warehouse.pipe)
    pipe.pack_many(ROWS)
    receipt = pipe.send()
    pipe.close()
    assert receipt is not None
    (outcome,) = receipt.detail.outcomes
    assert outcome.status is Status.LOADED, outcome.error
    assert outcome.rows == len(ROWS)
    return warehouse


def test_python_values_of_every_type_load_exactly(loaded: Warehouse) -> None:
    columns = ", ".join(f'"{name}"' for name in NAMES)
    got = loaded.rows(f"SELECT {columns} FROM {SCHEMA}.{TABLE} ORDER BY id")
    document = NAMES.index("doc")
    read = [
        tuple(
            # DuckDB hands a JSON value over as its text; psycopg parses jsonb itself.
            json.loads(value) if index == document and loaded.kind == "duckdb" and value else normalise(value)
            for index, value in enumerate(row)
        )
        for row in got
    ]
    assert read == EXPECTED


def test_documents_are_values_the_warehouses_json_operators_reach_into(loaded: Warehouse) -> None:
    if loaded.kind == "duckdb":
        sql = (
            "SELECT id, doc->>'$.deep.x[1].y', doc->>'$.price', json_array_length(doc, '$.tags'), "
            f"doc->>'$.tags[1]', json_type(doc) FROM {SCHEMA}.{TABLE} ORDER BY id"
        )
        kinds = ["OBJECT", "VARCHAR", "ARRAY"]
    else:
        sql = (
            "SELECT id, doc->'deep'->'x'->1->>'y', doc->>'price', jsonb_array_length(doc->'tags'), "
            f"doc->'tags'->>1, jsonb_typeof(doc) FROM {SCHEMA}.{TABLE} ORDER BY id"
        )
        kinds = ["object", "string", "array"]
    first, second, third = loaded.rows(sql)
    # The number is stored with its digits as written: jsonb gives them back; DuckDB's JSON functions
    # read numbers as doubles, but the document's text keeps them.
    assert first == (1, "true", "1.1" if loaded.kind == "duckdb" else "1.10", 2, "é", kinds[0])
    text = "doc::varchar" if loaded.kind == "duckdb" else "doc::text"
    ((stored,),) = loaded.rows(f"SELECT {text} FROM {SCHEMA}.{TABLE} WHERE id = 1")
    assert '"price": 1.10' in stored or '"price":1.10' in stored
    assert (second[0], second[-1]) == (2, kinds[1])
    assert (third[0], third[-1]) == (3, kinds[2])
    contains = {"duckdb": "doc->>'$.tags[1]' = 'é'"}.get(loaded.kind, """doc @> '{"tags": ["é"]}'::jsonb""")
    assert loaded.rows(f"SELECT id FROM {SCHEMA}.{TABLE} WHERE {contains}") == [(1,)]
