"""PostgreSQL's emulated COPY sends rows in COPY's binary format, which the server stores without
parsing them: the same values must land as through the text format, at every type's edges, and a
SUPER column that is ``json`` (whose binary form is not jsonb's) keeps the text format."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg

import rio
from rio.columns import Column

COLUMNS = [
    Column("small", "smallint"),
    Column("whole", "integer"),
    Column("big", "bigint"),
    Column("exact", "decimal(38,0)"),
    Column("money", "decimal(12,4)"),
    Column("single", "real"),
    Column("double", "double precision"),
    Column("flag", "boolean"),
    Column("code", "char(4)"),
    Column("name", "varchar(40)"),
    Column("day", "date"),
    Column("clock", "time"),
    Column("clock_tz", "timetz"),
    Column("moment", "timestamp"),
    Column("instant", "timestamptz"),
    Column("doc", "super"),
]

ROWS: list[dict[str, Any]] = [
    {
        "small": -32768,
        "whole": 2147483647,
        "big": -9223372036854775808,
        "exact": "9" * 38,
        "money": "-0.0001",
        "single": 3.4028235e38,
        "double": 5e-324,
        "flag": True,
        "code": "ab",
        "name": 'tab\there \\ «quoted» "x"',
        "day": "0001-01-01",
        "clock": "24:00:00",
        "clock_tz": "10:15:00.5-03:30",
        "moment": "0001-01-01 00:00:00",
        "instant": "2026-11-21T10:15:00.000001+14:00",
        "doc": {"a": [1, 2.5, None, "x"], "b": {"c": True}},
    },
    {
        "small": 32767,
        "whole": -2147483648,
        "big": 9223372036854775807,
        "exact": "-" + "9" * 38,
        "money": "12345678.9",
        "single": -1.5,
        "double": -1.7976931348623157e308,
        "flag": False,
        "code": "",
        "name": "",
        "day": "9999-12-31",
        "clock": "00:00:00",
        "clock_tz": "00:00:00+14",
        "moment": "9999-12-31 23:59:59.999999",
        "instant": "1999-12-31 23:59:59.999999-09:30",
        "doc": "just text",
    },
    {"small": 0, "exact": "0", "money": "0", "doc": None},  # the rest is missing: NULL
]


def load_into(url: str, table: str) -> list[str]:
    """Load ROWS into ``table`` (created from COLUMNS unless it exists); the statements that ran."""
    result = rio.load(list(ROWS), f"{url}::rio_test.{table}", table_columns=COLUMNS)
    assert result.outcome.rows == len(ROWS)
    return [str(statement) for statement in result.outcome.statements]


def landed(url: str, table: str) -> list[tuple[Any, ...]]:
    # As text where psycopg would refuse the value (24:00:00) or json and jsonb print differently.
    names = ", ".join(
        column.name + ("::text" if column.type in ("super", "time") else "") for column in COLUMNS
    )
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT {names} FROM rio_test.{table} ORDER BY small").fetchall()


def test_every_types_edges_land_alike_through_binary_and_text_copy(pg_url: str) -> None:
    statements = load_into(pg_url, "binary")
    assert any("COPY" in s and "(FORMAT binary)" in s for s in statements), statements
    # The same table with its SUPER column as json: COPY keeps the text format.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE rio_test.text (LIKE rio_test.binary)")
        conn.execute("ALTER TABLE rio_test.text ALTER COLUMN doc TYPE json USING doc::json")
    statements = load_into(pg_url, "text")
    copies = [s for s in statements if s.startswith("COPY")]
    assert copies
    assert not any("FORMAT binary" in s for s in copies), copies

    binary, text = landed(pg_url, "binary"), landed(pg_url, "text")
    assert len(binary) == len(ROWS)
    # json keeps the text as written, jsonb normalises it: compare the parsed documents.
    import json

    def normal(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [(*row[:-1], None if row[-1] is None else json.loads(row[-1])) for row in rows]

    assert normal(binary) == normal(text)
    low, zero, high = binary
    assert (low[0], low[2], low[3], low[4]) == (
        -32768,
        -9223372036854775808,
        int("9" * 38),
        Decimal("-0.0001"),
    )
    assert zero[1:] == (None,) * 2 + (0, 0) + (None,) * 11
    assert (low[11], high[11]) == ("24:00:00", "00:00:00")
