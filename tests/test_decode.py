"""The decoder, ``rio._core.Decoder``: a data file of a load in, rows typed for the target table out.

It reads gzip'd NDJSON the way Redshift's ``COPY ... FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto'
DATEFORMAT 'auto'`` does and writes PostgreSQL's ``COPY ... FROM STDIN`` text format or CSV for DuckDB.
Every test reads the output back the way the warehouse would; the last ones load it for real.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import re
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rio import Column, Packer
from rio._core import Decoder, RejectedRow, parse_column_type
from rio.errors import ConfigError, CopyFailed, InvalidColumnValue, UnsupportedType
from support.strategies import EDGE_DOCUMENTS, EDGE_VALUES, JSON_NUMBERS, NUL_STRINGS

Columns = Sequence[tuple[str, str, bool]]
Row = tuple[str | None, ...]

# --- helpers -----------------------------------------------------------------------------------------


def decode(columns: Columns, data: bytes, **options: Any) -> tuple[bytes, Decoder]:
    """The whole output of one file fed at once, and the decoder (for its counts and rejections)."""
    decoder = Decoder(columns, **options)
    out = decoder.feed(data) + decoder.finish()
    return out, decoder


def decode_text(columns: Columns, text: str, **options: Any) -> tuple[bytes, Decoder]:
    return decode(columns, text.encode(), gzip=False, **options)


_POSTGRES_ESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def parse_postgres(out: bytes) -> list[Row]:
    """Rows of PostgreSQL's COPY text format: tab-separated, ``\\N`` for NULL, backslash escapes."""
    text = out.decode()
    assert text == "" or text.endswith("\n")
    rows: list[Row] = []
    for line in text.split("\n")[:-1]:
        rows.append(
            tuple(
                None if field == "\\N" else re.sub(r"\\(.)", lambda m: _POSTGRES_ESCAPES[m[1]], field)
                for field in line.split("\t")
            )
        )
    return rows


def _unquoted_empty_fields(text: str) -> list[list[bool]]:
    """Per record, whether each field was written as nothing at all (NULL).

    Python's csv module reads both an unquoted empty field and ``""`` as ``''`` (before 3.12's
    ``QUOTE_NOTNULL``), so this walks the quotes to tell them apart.
    """
    records: list[list[bool]] = []
    fields: list[bool] = []
    length, in_quotes = 0, False
    for char in text:
        if in_quotes:
            in_quotes = char != '"'
            length += 1
        elif char == '"':
            in_quotes = True
            length += 1
        elif char in ",\n":
            fields.append(length == 0)
            length = 0
            if char == "\n":
                records.append(fields)
                fields = []
        else:
            length += 1
    return records


def parse_csv(out: bytes) -> list[Row]:
    """Rows of the CSV output, read with Python's csv module; an unquoted empty field is NULL.

    A one-column row holding NULL is an empty line, which the csv module reads as no field at all
    (DuckDB reads it as one NULL).
    """
    text = out.decode()
    values = [row or [""] for row in csv.reader(io.StringIO(text, newline=""))]
    nulls = _unquoted_empty_fields(text)
    return [
        tuple(None if null else value for value, null in zip(row, row_nulls, strict=True))
        for row, row_nulls in zip(values, nulls, strict=True)
    ]


PARSERS = {"postgres": parse_postgres, "csv": parse_csv}


def convert(column_type: str, value: str, **options: Any) -> str | RejectedRow | None:
    """What one JSON value (given as JSON text) loads as into a nullable column, or its rejection."""
    options.setdefault("output", "postgres")
    out, decoder = decode_text([("c", column_type, False)], f'{{"c":{value}}}\n', **options)
    if decoder.rejected:
        assert out == b""
        (rejected,) = decoder.rejected_rows
        return rejected
    (row,) = PARSERS[options["output"]](out)
    return row[0]


def rejection(column_type: str, value: str, **options: Any) -> RejectedRow:
    result = convert(column_type, value, **options)
    assert isinstance(result, RejectedRow), result
    return result


def pack(
    rows: list[dict[str, Any]], columns: list[tuple[str, str]], buffer_size: int = 10_000_000
) -> list[bytes]:
    """The gzip'd parts rio's packer writes for ``rows``."""
    with Packer(buffer_size=buffer_size, columns=columns) as packer:
        packer.pack_many(rows)
    return [part.data for part in packer]


# --- round trips of packed parts ------------------------------------------------------------------

# The packer's portable types and the Redshift types a loader creates for them.
PACKER_COLUMNS = [
    ("id", "bigint"),
    ("name", "text"),
    ("note", "longtext"),
    ("flag", "boolean"),
    ("score", "float"),
    ("count", "int"),
    ("at", "timestamp"),
    ("day", "date"),
]
TABLE_COLUMNS: list[tuple[str, str, bool]] = [
    ("id", "bigint", True),
    ("name", "varchar(256)", False),
    ("note", "varchar(65535)", False),
    ("flag", "boolean", False),
    ("score", "double precision", False),
    ("count", "integer", False),
    ("at", "timestamp", False),
    ("day", "date", False),
]

TRICKY_TEXTS = [
    "plain",
    "",
    " spaces around ",
    "tab\there",
    "line\nbreak",
    "carriage\r\nreturn",
    'quote " and "" doubled',
    "back\\slash \\N \\. \\t",
    "comma, semicolon; pipe|",
    "'single quoted'",
    "NULL",
    "unicode é 😀 中文 \u2028",
    "\x01 control \x1f",
]


def packed_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i, text in enumerate(TRICKY_TEXTS * 3):
        rows.append(
            {
                "id": i,
                "Name": text,  # keys match column names in any case
                "note": {"nested": [text, i], "k": None} if i % 3 == 0 else text * 3,
                "flag": [True, False, None][i % 3],
                "score": [1.5, -0.1, 1e300, None][i % 4],
                "count": [0, -(2**31), 2**31 - 1, None][i % 4],
                "at": dt.datetime(2026, 1, 2, 3, 4, 5, i * 1001 % 1_000_000) if i % 5 else None,
                "day": dt.date(2026, 2, 28) + dt.timedelta(days=i),
                "extra": "ignored",
            }
        )
    return rows


def expected_row(row: dict[str, Any]) -> Row:
    """A packed row as the decoder writes it, as text (NULL as None)."""
    note = row["note"]
    if isinstance(note, dict):
        note = json.dumps(note, separators=(",", ":"), ensure_ascii=False)
    at = row["at"]
    return (
        str(row["id"]),
        row["Name"],
        note,
        None if row["flag"] is None else "tf"[not row["flag"]],
        None if row["score"] is None else "float",
        None if row["count"] is None else str(row["count"]),
        None if at is None else str(at),
        str(row["day"]),
    )


@pytest.mark.parametrize("output", ["postgres", "csv"])
def test_packed_parts_round_trip(output: str) -> None:
    rows = packed_rows()
    parts = pack(rows, PACKER_COLUMNS, buffer_size=2000)
    assert len(parts) > 1
    got: list[Row] = []
    for number, part in enumerate(parts):
        out, decoder = decode(TABLE_COLUMNS, part, output=output, source=f"part-{number}.gz")
        assert decoder.rejected == 0, decoder.rejected_rows
        decoded = PARSERS[output](out)
        assert decoder.rows == len(decoded)
        got.extend(decoded)
    assert len(got) == len(rows)
    for row, written in zip(rows, got, strict=True):
        expected = expected_row(row)
        # Floats are written as the shortest text that reads back the same.
        if expected[4] is not None:
            assert written[4] is not None
            assert float(written[4]) == row["score"]
            written = (*written[:4], "float", *written[5:])
        assert written == expected


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00")), max_size=20),
    output=st.sampled_from(["postgres", "csv"]),
)
def test_any_text_round_trips(texts: list[str], output: str) -> None:
    rows = [{"t": text, "n": i} for i, text in enumerate(texts)]
    data = b"".join(pack(rows, [("t", "longtext"), ("n", "int")])) if rows else b""
    out, decoder = decode([("t", "text", False), ("n", "integer", False)], data, output=output)
    assert decoder.rejected == 0
    assert PARSERS[output](out) == [(text, str(i)) for i, text in enumerate(texts)]


def test_rows_written_count_and_lines_read_are_reported() -> None:
    out, decoder = decode_text([("a", "integer", False)], '{"a":1}\n{"a":"x"}\n{\n"a":3\n}\n{"a":4}')
    assert parse_postgres(out) == [("1",), ("3",), ("4",)]
    assert (decoder.rows, decoder.rejected, decoder.lines) == (3, 1, 6)
    assert repr(decoder) == "Decoder(source='', output='postgres', rows=3, rejected=1, lines=6)"


# --- conversion rules ----------------------------------------------------------------------------

CONVERSIONS = [
    # booleans: JSON true/false, 0 and 1, and Redshift's spellings in any case
    ("boolean", "true", "t"),
    ("boolean", "false", "f"),
    ("boolean", "1", "t"),
    ("boolean", "0", "f"),
    ("boolean", '"YES"', "t"),
    ("boolean", '" y "', "t"),
    ("boolean", '"t"', "t"),
    ("boolean", '"1"', "t"),
    ("boolean", '"No"', "f"),
    ("boolean", '"false"', "f"),
    ("boolean", '"n"', "f"),
    ("boolean", '"0"', "f"),
    # integers: numbers and numeric strings, normalised
    ("smallint", "-32768", "-32768"),
    ("integer", "2147483647", "2147483647"),
    ("integer", '" +42 "', "42"),
    ("integer", '"007"', "7"),
    ("bigint", "-9223372036854775808", "-9223372036854775808"),
    # floats: shortest text that reads back the same; real is 32-bit
    ("double precision", "0.1", "0.1"),
    ("double precision", '"-2.5e-3"', "-0.0025"),
    ("double precision", "12", "12.0"),
    ("real", "3.14159265358979", "3.1415927"),
    # numerics: extra scale cut, never rounded (COPY without ROUNDEC)
    ("numeric(8,2)", "20.259", "20.25"),
    ("numeric(8,2)", "-20.259", "-20.25"),
    ("numeric(8,2)", '"20"', "20.00"),
    ("numeric(8,2)", "1.5e3", "1500.00"),
    ("decimal(5,0)", "12345.99", "12345"),
    ("numeric(38,2)", "123456789012345678901234567890123456.789", "123456789012345678901234567890123456.78"),
    # dates and timestamps in 'auto' forms; a zone is dropped, a date's time part too
    ("date", '"2026-11-21"', "2026-11-21"),
    ("date", '"2026-11-21T23:59:59Z"', "2026-11-21"),
    ("date", '"21.11.2026"', "2026-11-21"),
    ("timestamp", '"2026-11-21T10:15:00.123456+02:00"', "2026-11-21 10:15:00.123456"),
    ("timestamp", '"2026-11-21 10:15"', "2026-11-21 10:15:00"),
    ("timestamp", '"20261121 101500"', "2026-11-21 10:15:00"),
    ("timestamp", '"2026-11-21"', "2026-11-21 00:00:00"),
    # text: strings unescaped, other values as their (compact) JSON text
    ("varchar(10)", '"x\\ty\\u00e9"', "x\tyé"),
    ("varchar(10)", "-1.5e3", "-1.5e3"),
    ("varchar(10)", "true", "true"),
    ("varchar(20)", '{ "a" : [1, "x"] }', '{"a":[1,"x"]}'),
    ("text", '[1, {"b": null}]', '[1,{"b":null}]'),
    ("char(3)", '"abc"', "abc"),
    ("varchar(4)", '"éé"', "éé"),
    ("text", '""', ""),
    # trailing blanks beyond the width are cut; char(n) is padded to n bytes
    ("varchar(3)", '"abc   "', "abc"),
    ("char(5)", '"ab"', "ab   "),
    ("char(2)", '""', "  "),
    # numerics keep 38 exact digits; precision 19 or less is a 64-bit integer inside
    ("numeric(38,0)", "9" * 38, "9" * 38),
    ("numeric(19,18)", '"9.223372036854775807"', "9.223372036854775807"),
    # timestamptz converts a written zone to UTC; a time without one is UTC
    ("timestamptz", '"2026-11-21T10:15:00.5+02:00"', "2026-11-21 08:15:00.500000+00"),
    ("timestamptz", '"2026-11-21 23:30:00-01:00"', "2026-11-22 00:30:00+00"),
    ("timestamptz", '"2026-11-21"', "2026-11-21 00:00:00+00"),
    # time drops a zone, timetz keeps it (UTC when none is written); 24:00:00 ends the day
    ("time", '"19:11:19"', "19:11:19"),
    ("time", '"191119"', "19:11:19"),
    ("time", '"10:15:00.25+02"', "10:15:00.250000"),
    ("time", '"24:00:00"', "24:00:00"),
    ("timetz", '"20:41:19 UTC"', "20:41:19+00"),
    ("timetz", '"10:15:00+05:30"', "10:15:00+05:30"),
    ("timetz", '"10:15:00"', "10:15:00+00"),
    # super keeps any JSON value as compact JSON, strings included
    ("super", '{ "a" : [1, 2.50, {"b": null}] }', '{"a":[1,2.50,{"b":null}]}'),
    ("super", '"text"', '"text"'),
    ("super", '""', '""'),
    ("super", "-1.5e300", "-1.5e300"),
    ("super", "false", "false"),
    ("super", "null", None),
    # NULL: JSON null anywhere, "" or blanks outside character columns
    ("text", "null", None),
    ("integer", "null", None),
    ("integer", '""', None),
    ("boolean", '"  "', None),
    ("date", '""', None),
    ("timestamp", '""', None),
    ("numeric(8,2)", '"\\t"', None),
    ("double precision", '""', None),
    ("timestamptz", '" "', None),
    ("time", '""', None),
    ("timetz", '""', None),
]


@pytest.mark.parametrize("output", ["postgres", "csv"])
@pytest.mark.parametrize(("column_type", "value", "expected"), CONVERSIONS)
def test_values_convert_by_redshift_rules(
    column_type: str, value: str, expected: str | None, output: str
) -> None:
    assert convert(column_type, value, output=output) == expected


@pytest.mark.parametrize(
    ("time_format", "value", "expected"),
    [
        ("epochsecs", "0", "1970-01-01 00:00:00"),
        ("epochsecs", "1700000000", "2023-11-14 22:13:20"),
        ("epochsecs", '"1700000000.25"', "2023-11-14 22:13:20.250000"),
        ("epochsecs", "-1.5", "1969-12-31 23:59:58.500000"),
        ("epochmillisecs", "1700000000123", "2023-11-14 22:13:20.123000"),
        ("epochmillisecs", "1700000000123.4567", "2023-11-14 22:13:20.123457"),
        ("auto", '"2023-11-14T22:13:20Z"', "2023-11-14 22:13:20"),
    ],
)
def test_timestamps_follow_the_time_format(time_format: str, value: str, expected: str) -> None:
    assert convert("timestamp", value, time_format=time_format) == expected


@pytest.mark.parametrize(
    ("column_type", "time_format", "value", "expected"),
    [
        ("timestamptz", "epochsecs", "1700000000", "2023-11-14 22:13:20+00"),
        ("timestamptz", "epochmillisecs", '"-1500"', "1969-12-31 23:59:58.500000+00"),
        ("timestamptz", "auto", '"2023-11-14T22:13:20-05"', "2023-11-15 03:13:20+00"),
    ],
)
def test_timestamptz_follows_the_time_format_in_utc(
    column_type: str, time_format: str, value: str, expected: str
) -> None:
    assert convert(column_type, value, time_format=time_format) == expected


@pytest.mark.parametrize(
    ("column_type", "options", "value", "expected"),
    [
        # Explicit format strings, as COPY's DATEFORMAT and TIMEFORMAT take them.
        ("date", {"date_format": "MM/DD/YYYY"}, '"11/21/2026"', "2026-11-21"),
        ("date", {"date_format": "DD.MM.YYYY"}, '"21.11.2026"', "2026-11-21"),
        ("date", {"date_format": "MON DD, YYYY"}, '"Nov 21, 2026"', "2026-11-21"),
        ("timestamp", {"time_format": "YYYY-MM-DD HH:MI:SS"}, '"2026-11-21 10:15:00"', "2026-11-21 10:15:00"),
        (
            "timestamp",
            {"time_format": "DD/MM/YYYY HH12:MI AM"},
            '"21/11/2026 03:15 PM"',
            "2026-11-21 15:15:00",
        ),
        ("timestamp", {"time_format": "YYYYMMDD HH24MISS"}, '"20261121 101500"', "2026-11-21 10:15:00"),
        # Zone names and abbreviations, converted for timestamptz and ignored by timestamp.
        ("timestamptz", {}, '"2026-11-21 10:15:00 America/New_York"', "2026-11-21 15:15:00+00"),
        ("timestamptz", {}, '"2026-07-01 10:15:00 America/New_York"', "2026-07-01 14:15:00+00"),
        ("timestamptz", {}, '"2026-11-21 10:15:00 PST"', "2026-11-21 18:15:00+00"),
        ("timestamp", {}, '"2026-11-21 10:15:00 America/New_York"', "2026-11-21 10:15:00"),
        # Forms of automatic recognition beyond ISO 8601.
        ("date", {}, '"J2451187"', "1999-01-08"),
        ("timestamp", {}, '"20261121 101500"', "2026-11-21 10:15:00"),
        ("date", {}, '"2008.366"', "2008-12-31"),
    ],
)
def test_format_strings_and_zone_names_are_read_as_redshift_reads_them(
    column_type: str, options: dict[str, Any], value: str, expected: str
) -> None:
    assert convert(column_type, value, **options) == expected


def test_a_value_that_does_not_match_the_format_string_is_refused() -> None:
    assert rejection("date", '"2026-11-21"', date_format="MM/DD/YYYY").code == 1205
    assert rejection("timestamp", '"2026-11-21 10:15"', time_format="YYYY-MM-DD HH:MI:SS").code == 1206


def test_dates_read_the_date_format_and_timestamps_do_not() -> None:
    # DATEFORMAT and TIMEFORMAT are separate: epochs are for timestamps only.
    assert convert("date", '"2026-11-21"', time_format="epochsecs") == "2026-11-21"
    assert rejection("timestamp", '"2026-11-21"', time_format="epochsecs").code == 1206
    assert convert("date", '"11/21/2026"', date_format="auto") == "2026-11-21"


@pytest.mark.parametrize(
    ("value", "cut", "rounded"),
    [
        ("20.259", "20.25", "20.26"),
        ('"20.255"', "20.25", "20.26"),
        ("-20.255", "-20.25", "-20.26"),
        ("0.004", "0.00", "0.00"),
        ("-0.005", "0.00", "-0.01"),
        ("1e-3", "0.00", "0.00"),
    ],
)
def test_round_decimals_rounds_half_away_from_zero_where_copy_cuts(
    value: str, cut: str, rounded: str
) -> None:
    assert convert("numeric(8,2)", value) == cut
    assert convert("numeric(8,2)", value, round_decimals=True) == rounded


def test_rounding_that_carries_beyond_the_precision_overflows() -> None:
    assert convert("numeric(5,2)", "999.995") == "999.99"
    rejected = rejection("numeric(5,2)", "999.995", round_decimals=True)
    assert (rejected.code, rejected.reason) == (
        1209,
        "Numeric data overflow: numeric(5,2) holds 3 digits before the point",
    )


@pytest.mark.parametrize("output", ["postgres", "csv"])
def test_accept_invalid_chars_replaces_each_invalid_byte_in_varchar(output: str) -> None:
    data = b'{"a":"x\xe2\x82y\xffz","n":1}\n{"a":"\xed\xa0\x80"}\n{"a":"ok","n":"\xff"}\n'
    columns = [("a", "varchar(10)", False), ("n", "integer", False)]
    out, decoder = decode(columns, data, gzip=False, output=output, accept_invalid_chars="^")
    assert PARSERS[output](out) == [("x^^y^z", "1"), ("^^^", None)]
    (rejected,) = decoder.rejected_rows
    assert (rejected.code, rejected.column, rejected.line) == (1220, "n", 3)
    # Without the option every such row is refused whole; "?" is Redshift's default replacement.
    _, decoder = decode(columns, data, gzip=False)
    assert [(r.code, r.column) for r in decoder.rejected_rows] == [(1220, "")] * 3
    out, _ = decode(columns, data[: data.index(b"\n") + 1], gzip=False, accept_invalid_chars="?")
    assert parse_postgres(out) == [("x??y?z", "1")]


def test_accept_invalid_chars_replaces_noncharacters_too() -> None:
    value = json.dumps("a\ufdd0b\uffff")
    assert convert("varchar(20)", value) == "a\ufdd0b\uffff"
    assert convert("varchar(20)", value, accept_invalid_chars="?") == "a???b???"
    assert convert("char(20)", '"abc"', accept_invalid_chars="?") == "abc" + " " * 17


def test_truncate_columns_cuts_text_on_a_character_boundary() -> None:
    assert convert("varchar(4)", '"aéé"', truncate_columns=True) == "aé"
    assert convert("varchar(3)", "123456", truncate_columns=True) == "123"
    assert convert("char(2)", '"abc"', truncate_columns=True) == "ab"
    assert rejection("varchar(4)", '"aéé"').code == 1204


# --- rejected rows and their codes ------------------------------------------------------------------

REJECTIONS = [
    # (type, value, code, reason (a prefix), position)
    ("varchar(3)", '"abcd"', 1204, "String length exceeds DDL length", 0),
    ("varchar(3)", '"éé"', 1204, "String length exceeds DDL length", 0),
    ("varchar(5)", '{"a": 12345}', 1204, "String length exceeds DDL length", 0),
    ("date", '"2026-02-30"', 1205, "Invalid date format or value [auto]", 0),
    ("date", "20261121", 1205, "Invalid date format or value [auto]", 0),
    ("timestamp", '"yesterday"', 1206, "Invalid timestamp format or value [auto]", 0),
    ("timestamp", "1700000000", 1206, "Invalid timestamp format or value [auto]: 'auto' reads no epoch", 0),
    ("integer", "1.5", 1207, "Invalid digit, Value '.', Pos 1, Type: Integer", 1),
    ("bigint", '"20200407.0"', 1207, "Invalid digit, Value '.', Pos 8, Type: Long", 8),
    ("smallint", "1e3", 1207, "Invalid digit, Value 'e', Pos 1, Type: Short", 1),
    ("integer", "true", 1207, "Invalid digit, Value 't', Pos 0, Type: Integer", 0),
    ("integer", '"12a"', 1207, "Invalid digit, Value 'a', Pos 2, Type: Integer", 2),
    ("integer", "[1]", 1207, "Invalid digit, Value '[', Pos 0, Type: Integer", 0),
    ("integer", "2147483648", 1207, "Overflow (Integer valid range -2147483648 to 2147483647)", 0),
    ("smallint", '"-32769"', 1207, "Overflow (Short valid range -32768 to 32767)", 0),
    ("double precision", '"nan"', 1208, "Invalid float: Invalid digit, Value 'n', Pos 0", 0),
    ("double precision", '"Infinity"', 1208, "Invalid float", 0),
    ("double precision", "1e400", 1208, "Invalid float: Overflow", 0),
    ("real", "1e39", 1208, "Invalid float: Overflow", 0),
    ("double precision", "false", 1208, "Invalid float", 0),
    (
        "numeric(8,2)",
        "1234567",
        1209,
        "Numeric data overflow: numeric(8,2) holds 6 digits before the point",
        0,
    ),
    ("numeric(8,2)", '"1,5"', 1209, "Invalid digit, Value ',', Pos 1, Type: Decimal", 1),
    ("boolean", "2", 1210, "Invalid boolean value", 0),
    ("boolean", '"maybe"', 1210, "Invalid boolean value", 0),
    ("char(10)", '"café"', 1220, "Multibyte character not supported for CHAR (Hint: Try using VARCHAR)", 3),
    ("text", '"a\\u0000b"', 1220, "String contains an invalid character: NUL", 1),
    ("varchar(3)", '"abc  d"', 1204, "String length exceeds DDL length", 0),
    ("numeric(19,0)", '"9999999999999999999"', 1209, "Numeric data overflow: numeric(19,0) holds at most", 0),
    ("timestamptz", '"0001-01-01 00:30:00+01"', 1206, "Invalid timestamp format or value [auto]", 0),
    ("timestamptz", "1700000000", 1206, "Invalid timestamp format or value [auto]: 'auto' reads no epoch", 0),
    ("time", '"24:00:01"', 1206, "Invalid time format or value [auto]", 0),
    ("time", "36000", 1206, "Invalid time format or value [auto]", 0),
    ("timetz", '"10:15:00+15"', 1206, "Invalid timetz value: the offset is beyond 14:59", 0),
    ("super", json.dumps(["x" * 65536]), 1224, "A string in the SUPER value exceeds 65535 bytes", 1),
    ("super", '{"k":"a\\u0000"}', 1220, "String contains an invalid character: NUL", 7),
]


@pytest.mark.parametrize(("column_type", "value", "code", "reason", "position"), REJECTIONS)
def test_bad_values_are_rejected_with_redshift_codes(
    column_type: str, value: str, code: int, reason: str, position: int
) -> None:
    rejected = rejection(column_type, value)
    assert (rejected.code, rejected.position) == (code, position)
    assert rejected.reason.startswith(reason), rejected.reason
    assert len(rejected.reason.encode()) <= 100
    assert rejected.column == "c"


def test_a_rejected_row_carries_the_fields_of_stl_load_errors() -> None:
    columns = [("id", "integer", True), ("name", "varchar(3)", False), ("price", "numeric(8,2)", False)]
    text = '{"id": 1, "name": "ok"}\n{"id": 2,\n "name": "long\\u00e9"}\n{"price": 1e9, "id": 3}\n'
    _, decoder = decode_text(columns, text, source="s3://bucket/load/part-7.gz")
    first, second = decoder.rejected_rows
    assert (first.file, first.line, first.column, first.column_type, first.column_length) == (
        "s3://bucket/load/part-7.gz",
        3,
        "name",
        "varchar",
        "3",
    )
    assert (first.raw_line, first.value, first.code) == ('{"id": 2,\n "name": "long\\u00e9"}', "longé", 1204)
    assert (second.line, second.column, second.column_type, second.column_length, second.code) == (
        4,
        "price",
        "numeric",
        "8,2",
        1209,
    )
    assert second.value == "1e9"
    assert repr(first) == (
        "RejectedRow(file='s3://bucket/load/part-7.gz', line=3, column='name', column_type='varchar', "
        "position=0, code=1204, reason='String length exceeds DDL length', value='longé')"
    )


def test_raw_line_and_value_are_cut_to_1024_bytes_on_a_character_boundary() -> None:
    text = json.dumps({"a": "é" * 1000}, ensure_ascii=False)
    _, decoder = decode_text([("a", "integer", False)], text)
    (rejected,) = decoder.rejected_rows
    assert rejected.raw_line == '{"a": "' + "é" * 508
    assert rejected.value == "é" * 512


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ('{"id":null,"name":"a"}', "id"),
        ('{"id":"","name":"a"}', "id"),
        ('{"id":1}', "name"),
        ('{"id":1,"name":null}', "name"),
    ],
)
def test_null_in_a_not_null_column_is_1213(text: str, column: str) -> None:
    _, decoder = decode_text([("id", "integer", True), ("name", "text", True)], text)
    (rejected,) = decoder.rejected_rows
    assert (rejected.code, rejected.column, rejected.reason) == (
        1213,
        column,
        "Missing data for not-null field",
    )


def test_a_missing_key_loads_null_and_extra_keys_are_ignored() -> None:
    out, decoder = decode_text(
        [("id", "integer", False), ("name", "text", False)], '{"other": [1], "ID": 7}\n{}\n'
    )
    assert parse_postgres(out) == [("7", None), (None, None)]
    assert decoder.rejected == 0


def test_keys_match_exactly_without_ignore_case() -> None:
    out, _ = decode_text([("id", "integer", False)], '{"ID": 1}\n{"id": 2}\n', ignore_case=False)
    assert parse_postgres(out) == [(None,), ("2",)]


def test_a_key_twice_in_an_object_rejects_the_row() -> None:
    out, decoder = decode_text([("id", "integer", False)], '{"id":1,"Id":2}\n{"x":1,"x":2}\n{"id":3}\n')
    assert parse_postgres(out) == [("3",)]
    assert [(r.code, r.column) for r in decoder.rejected_rows] == [(1216, "id"), (1216, "")]
    assert 'the key "Id" appears twice' in decoder.rejected_rows[0].reason


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('{"a":tru}', 2, "Invalid JSON: expected a JSON value"),
        ('{"a":1,"b":"cut', 2, "Invalid JSON: the line ends inside a string"),
        ('{"a":1,"b":{"c":1}', 2, "Invalid JSON: the line ends inside a JSON object and the next starts"),
        ("[1, 2]", 2, "Invalid JSON: a JSON array is not a row"),
        ('"just a string"', 2, "Invalid JSON: a row must be a JSON object, found '\"'"),
        ("12", 2, "Invalid JSON: a row must be a JSON object, found '1'"),
        ('{"a":[1}]}', 2, "Invalid JSON: a bracket closes what it did not open"),
        ('{"a":\n\n1 2}', 4, "Invalid JSON: expected ',' or '}'"),
    ],
)
def test_invalid_json_is_1216_and_decoding_goes_on(text: str, line: int, reason: str) -> None:
    out, decoder = decode_text([("a", "integer", False)], '{"a":0}\n' + text + '\n{"a":9}\n')
    assert parse_postgres(out) == [("0",), ("9",)]
    (rejected,) = decoder.rejected_rows
    assert (rejected.code, rejected.line, rejected.column) == (1216, line, "")
    assert rejected.reason.startswith(reason), rejected.reason


def test_a_file_that_ends_inside_an_object_is_a_rejected_row() -> None:
    out, decoder = decode_text([("a", "integer", False)], '{"a":1}\n{"a":\n2,\n')
    assert parse_postgres(out) == [("1",)]
    (rejected,) = decoder.rejected_rows
    assert (rejected.code, rejected.line, rejected.reason) == (
        1216,
        3,
        "Invalid JSON: the file ends inside a JSON object",
    )


def test_invalid_utf8_is_1220() -> None:
    out, decoder = decode([("a", "text", False)], b'{"a":"\xc3("}\n{"a":"ok"}\n', gzip=False)
    assert parse_postgres(out) == [("ok",)]
    (rejected,) = decoder.rejected_rows
    assert rejected.code == 1220
    assert rejected.reason.endswith("Bad UTF8 hex sequence: c3")


def test_objects_may_span_lines_and_a_row_s_line_is_its_last() -> None:
    text = '{\n  "a": 1\n}\n{"a": 2} {"a": 3}\n{\n  "a": "x"\n}\n'
    out, decoder = decode_text([("a", "integer", False)], text)
    assert parse_postgres(out) == [("1",), ("2",), ("3",)]
    (rejected,) = decoder.rejected_rows
    assert rejected.line == 7
    assert rejected.raw_line == '{\n  "a": "x"\n}'


def test_max_rejected_keeps_the_first_records_but_counts_all() -> None:
    text = "".join(f'{{"a":"bad {i}"}}\n' for i in range(10))
    _, decoder = decode_text([("a", "integer", False)], text, max_rejected=3)
    assert decoder.rejected == 10
    assert [r.line for r in decoder.rejected_rows] == [1, 2, 3]
    _, decoder = decode_text([("a", "integer", False)], text, max_rejected=0)
    assert (decoder.rejected, decoder.rejected_rows) == (10, [])


# --- feeding --------------------------------------------------------------------------------------


def assorted_file() -> bytes:
    """Good rows, multi-line objects, broken JSON and bad values, in two gzip members."""
    lines = []
    for i in range(30):
        lines.append(
            [
                json.dumps(
                    {"s": f'row {i}\t"q" é😀', "n": i, "b": i % 2 == 0, "t": "2026-01-02T03:04:05.5Z"}
                ),
                json.dumps({"s": None, "n": str(i)}, indent=2),
                '{"s": "cut',
                "garbage",
                json.dumps({"n": 1.5}),
                json.dumps({"s": {"nested": [i]}}) + " " + json.dumps({"n": i}),
            ][i % 6]
        )
    text = ("\n".join(lines) + "\n").encode()
    return gzip.compress(text[:1000]) + gzip.compress(text[1000:])


def decode_in_chunks(
    data: bytes, chunk: int, output: str, kind: type = bytes
) -> tuple[bytes, list[Any], int]:
    columns = [
        ("s", "varchar(100)", False),
        ("n", "integer", False),
        ("b", "boolean", False),
        ("t", "timestamp", False),
    ]
    decoder = Decoder(columns, output=output)
    out = b"".join(decoder.feed(kind(data[i : i + chunk])) for i in range(0, len(data), chunk))
    out += decoder.finish()
    rejected = [(r.line, r.code, r.reason, r.raw_line) for r in decoder.rejected_rows]
    return out, rejected, decoder.lines


@pytest.mark.parametrize("output", ["postgres", "csv"])
def test_feeding_byte_by_byte_gives_what_one_feed_gives(output: str) -> None:
    data = assorted_file()
    whole = decode_in_chunks(data, len(data), output)
    assert len(PARSERS[output](whole[0])) == 20
    assert len(whole[1]) == 15
    for chunk in [1, 2, 7, 100]:
        assert decode_in_chunks(data, chunk, output) == whole


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_feed_takes_any_bytes_like_object(kind: type) -> None:
    data = assorted_file()
    assert decode_in_chunks(data, 50, "postgres", kind) == decode_in_chunks(data, len(data), "postgres")


def test_feed_refuses_what_is_not_bytes() -> None:
    decoder = Decoder([("a", "integer", False)])
    with pytest.raises(TypeError, match="feed takes bytes, bytearray or memoryview, not str"):
        decoder.feed("{}")  # type: ignore[arg-type]


def test_decoders_run_in_threads() -> None:
    data = assorted_file()
    expected = decode_in_chunks(data, 4096, "postgres")
    results: list[Any] = []

    def work() -> None:
        results.append(decode_in_chunks(data, 4096, "postgres"))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [expected] * 4


def test_plain_text_is_read_with_gzip_off() -> None:
    out, _ = decode([("a", "integer", False)], b'{"a":1}\n', gzip=False)
    assert out == b"1\n"


def test_several_gzip_members_are_one_file() -> None:
    data = gzip.compress(b'{"a":1}\n{"a"') + gzip.compress(b":2}\n") + gzip.compress(b'{"a":3}')
    out, _ = decode([("a", "integer", False)], data)
    assert out == b"1\n2\n3\n"


def test_an_empty_file_holds_no_rows() -> None:
    out, decoder = decode([("a", "integer", False)], b"")
    assert (out, decoder.rows, decoder.lines) == (b"", 0, 0)


def test_data_that_is_not_gzip_raises_copy_failed_naming_the_file() -> None:
    decoder = Decoder([("a", "integer", False)], source="s3://bucket/part-3.json")
    with pytest.raises(CopyFailed, match=r"^s3://bucket/part-3\.json: the file is not gzip \(byte 0 is 0x7b"):
        decoder.feed(b'{"a":1}\n')
    with pytest.raises(CopyFailed, match="not gzip"):  # and it stays failed
        decoder.finish()


def test_corrupt_gzip_raises_copy_failed() -> None:
    data = bytearray(gzip.compress(b"".join(b'{"a":%d}\n' % i for i in range(50_000))))
    middle = len(data) // 2
    data[middle : middle + 32] = bytes(b ^ 0xA5 for b in data[middle : middle + 32])
    # Found while inflating, or at the end by the CRC check, depending on the bytes flipped.
    with pytest.raises(CopyFailed, match=r"^part-9\.gz: .*(corrupt gzip data|truncated or corrupt)"):
        decode([("a", "integer", False)], bytes(data), source="part-9.gz")


def test_truncated_gzip_raises_copy_failed_at_finish() -> None:
    data = gzip.compress(b"".join(b'{"a":%d}\n' % i for i in range(1000)))
    decoder = Decoder([("a", "integer", False)], source="part-1.gz")
    decoder.feed(data[:-20])
    with pytest.raises(CopyFailed, match=r"^part-1\.gz: the gzip data is truncated or corrupt"):
        decoder.finish()


def test_finish_ends_the_file() -> None:
    decoder = Decoder([("a", "integer", False)], gzip=False)
    decoder.finish()
    with pytest.raises(ValueError, match="the decoder is finished"):
        decoder.feed(b"{}")


# --- arguments ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column_type",
    [
        "BOOLEAN",
        "smallint",
        "int2",
        "Integer",
        "int",
        "bigint",
        "real",
        "float4",
        "double precision",
        "float",
        "numeric(8,2)",
        "decimal(38, 4)",
        "numeric",
        "date",
        "time",
        "time with time zone",
        "timetz",
        "timestamp",
        "timestamptz",
        "timestamp with time zone",
        "varchar(256)",
        "character varying(10)",
        "char(10)",
        "bpchar",
        "text",
        "super",
    ],
)
def test_every_loadable_type_is_accepted_in_any_spelling(column_type: str) -> None:
    Decoder([("c", column_type, False)])


@pytest.mark.parametrize(
    ("column_type", "message"),
    [
        ("longtext", 'unknown type "longtext"'),
        ("varchar(0)", "varchar(0): the width of varchar(n) is 1 to 65535 bytes (or max), not 0"),
        ("char(70000)", "char(70000): the width of char(n) is 1 to 4096 bytes (or max), not 70000"),
        ("numeric(39,2)", "numeric(39,2): the precision of numeric(p,s) is 1 to 38, not 39"),
        ("geometry", "geometry is a Redshift type that COPY … FORMAT AS JSON cannot load"),
        ("varbyte(8)", "varbyte is a Redshift type that COPY … FORMAT AS JSON cannot load"),
        ("interval", "interval is a Redshift type that COPY … FORMAT AS JSON cannot load"),
    ],
)
def test_other_types_are_refused_naming_the_column_and_why(column_type: str, message: str) -> None:
    with pytest.raises(UnsupportedType, match=r'^columns\[1\] \("b"\): ' + re.escape(message)):
        Decoder([("a", "text", False), ("b", column_type, False)])


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"output": "parquet"}, ValueError, 'output must be "postgres", "postgres-binary", "csv"'),
        ({"time_format": "AUTO"}, ConfigError, "time_format: TIMEFORMAT 'AUTO': the keywords 'auto'"),
        (
            {"time_format": "epoch"},
            ConfigError,
            "time_format: TIMEFORMAT 'epoch': 'epoch' is not a format token",
        ),
        ({"time_format": "MONTH DD"}, ConfigError, "TIMEFORMAT 'MONTH DD': 'MONTH' is not a format token"),
        ({"date_format": "epochsecs"}, ConfigError, "date_format: DATEFORMAT 'epochsecs': 'epochsecs' is a"),
        ({"accept_invalid_chars": "ab"}, ValueError, "accept_invalid_chars: the ACCEPTINVCHARS replacement"),
        ({"accept_invalid_chars": "é"}, ValueError, "one ASCII character other than NUL"),
        ({"accept_invalid_chars": ""}, ValueError, "one ASCII character other than NUL"),
        ({"max_rejected": -1}, ValueError, "max_rejected must be 0 or more"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        Decoder([("a", "text", False)], **options)


def test_columns_must_be_triples_with_distinct_names() -> None:
    with pytest.raises(TypeError, match=r"columns\[0\] is \('a', 'text'\)"):
        Decoder([("a", "text")])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="two columns are named"):
        Decoder([("a", "text", False), ("A", "text", False)])
    with pytest.raises(ValueError, match="columns is empty"):
        Decoder([])


# --- real loads -----------------------------------------------------------------------------------

# The dialect is named, not left to DuckDB's sniffer: DuckDB 2.0 cannot sniff a file whose first row
# holds a CR inside a quoted value (even with DELIMITER, QUOTE and ESCAPE given) unless NEW_LINE is set.
DUCKDB_COPY_OPTIONS = (
    "FORMAT csv, HEADER false, NULL '', allow_quoted_nulls false, "
    "DELIMITER ',', QUOTE '\"', ESCAPE '\"', NEW_LINE '\\n'"
)

LOAD_COLUMNS: list[tuple[str, str, bool]] = [
    ("id", "bigint", True),
    ("name", "varchar(64)", False),
    ("code", "char(3)", False),
    ("body", "text", False),
    ("flag", "boolean", False),
    ("small", "smallint", False),
    ("count", "integer", False),
    ("ratio", "real", False),
    ("score", "double precision", False),
    ("price", "numeric(10,3)", False),
    ("at", "timestamp", False),
    ("day", "date", False),
]
LOAD_DDL = ", ".join(f'"{name}" {column_type}' for name, column_type, _ in LOAD_COLUMNS)

LOAD_ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": 'tab\there, new\nline, cr\r, quote " and back\\slash',
        "code": "abc",
        "body": {"nested": ["x", 1, None], "é": "😀"},
        "flag": "yes",
        "small": "-32768",
        "count": 2147483647,
        "ratio": 0.5,
        "score": -1.25e-10,
        "price": "1234567.89999",
        "at": "2026-01-02T03:04:05.123456Z",
        "day": "2026-01-02",
    },
    {
        "id": 2,
        "name": "",
        "code": "",
        "body": "",
        "flag": 0,
        "at": "2026-01-02 03:04:05",
        "day": "01/02/2026",
    },
    {"id": 3, "name": None, "body": "\\N", "price": -0.0005, "at": "", "day": ""},
    {"ID": 4, "NAME": "unicode é 😀 中文", "body": "'single' \\.", "score": 1e300, "price": 7},
    {"id": 5, "name": "x" * 64, "count": "1.5"},  # rejected: 1207
    {"id": None},  # rejected: 1213
]
EXPECTED: list[tuple[Any, ...]] = [
    (
        1,
        'tab\there, new\nline, cr\r, quote " and back\\slash',
        "abc",
        '{"nested":["x",1,null],"é":"😀"}',
        True,
        -32768,
        2147483647,
        0.5,
        -1.25e-10,
        Decimal("1234567.899"),
        dt.datetime(2026, 1, 2, 3, 4, 5, 123456),
        dt.date(2026, 1, 2),
    ),
    (
        2,
        "",
        "",
        "",
        False,
        None,
        None,
        None,
        None,
        None,
        dt.datetime(2026, 1, 2, 3, 4, 5),
        dt.date(2026, 1, 2),
    ),
    (3, None, None, "\\N", None, None, None, None, None, Decimal("0.000"), None, None),
    (
        4,
        "unicode é 😀 中文",
        None,
        "'single' \\.",
        None,
        None,
        None,
        None,
        1e300,
        Decimal("7.000"),
        None,
        None,
    ),
]


def load_file(output: str) -> bytes:
    data = gzip.compress("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in LOAD_ROWS).encode())
    out, decoder = decode(LOAD_COLUMNS, data, output=output, source="part-0.gz")
    assert [r.code for r in decoder.rejected_rows] == [1207, 1213]
    assert decoder.rows == len(EXPECTED)
    return out


def normalised(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """char(n) pads with spaces in PostgreSQL; compare without the padding."""
    return [(*row[:2], None if row[2] is None else row[2].rstrip(" "), *row[3:]) for row in rows]


def test_postgres_output_loads_with_copy_from_stdin(pg_url: str) -> None:
    import psycopg

    out = load_file("postgres")
    with psycopg.connect(pg_url) as conn:
        conn.execute(f"CREATE TABLE t ({LOAD_DDL})")
        with conn.cursor() as cursor:
            with cursor.copy("COPY t FROM STDIN") as copy:
                copy.write(out)
            rows = cursor.execute("SELECT * FROM t ORDER BY id").fetchall()
    assert normalised(rows) == EXPECTED


def test_csv_output_loads_into_duckdb(duckdb_path: Path, tmp_path: Path) -> None:
    import duckdb

    csv_file = tmp_path / "part-0.csv"
    csv_file.write_bytes(load_file("csv"))
    with duckdb.connect(str(duckdb_path)) as conn:
        conn.execute(f"CREATE TABLE t ({LOAD_DDL})")
        conn.execute(f"COPY t FROM '{csv_file}' ({DUCKDB_COPY_OPTIONS})")
        rows = conn.execute("SELECT * FROM t ORDER BY id").fetchall()
    assert normalised(rows) == EXPECTED


def test_packed_parts_load_into_postgres_and_duckdb(pg_url: str, duckdb_path: Path, tmp_path: Path) -> None:
    import duckdb
    import psycopg

    rows = packed_rows()
    parts = pack(rows, PACKER_COLUMNS, buffer_size=3000)
    ddl = ", ".join(f'"{name}" {column_type}' for name, column_type, _ in TABLE_COLUMNS)
    with psycopg.connect(pg_url) as conn:
        conn.execute(f"CREATE TABLE t ({ddl})")
        with conn.cursor() as cursor:
            for part in parts:
                with cursor.copy("COPY t FROM STDIN") as copy:
                    copy.write(decode(TABLE_COLUMNS, part)[0])
            in_postgres = cursor.execute("SELECT * FROM t ORDER BY id").fetchall()
    with duckdb.connect(str(duckdb_path)) as conn:
        conn.execute(f"CREATE TABLE t ({ddl})")
        for number, part in enumerate(parts):
            csv_file = tmp_path / f"part-{number}.csv"
            csv_file.write_bytes(decode(TABLE_COLUMNS, part, output="csv")[0])
            conn.execute(f"COPY t FROM '{csv_file}' ({DUCKDB_COPY_OPTIONS})")
        in_duckdb = conn.execute("SELECT * FROM t ORDER BY id").fetchall()
    expected = [
        (
            row["id"],
            row["Name"],
            json.dumps(row["note"], separators=(",", ":"), ensure_ascii=False)
            if isinstance(row["note"], dict)
            else row["note"],
            row["flag"],
            row["score"],
            row["count"],
            row["at"],
            row["day"],
        )
        for row in rows
    ]
    assert in_postgres == expected
    assert in_duckdb == expected


# Every type the decoder writes, with the nearest type each warehouse has for it.
TYPED_COLUMNS: list[tuple[str, str, str, str]] = [
    # (name, warehouse type for the decoder, PostgreSQL DDL, DuckDB DDL)
    ("id", "integer", "integer", "INTEGER"),
    ("i2", "smallint", "smallint", "SMALLINT"),
    ("i8", "bigint", "bigint", "BIGINT"),
    ("money", "numeric(38,10)", "numeric(38,10)", "DECIMAL(38,10)"),
    ("ratio", "real", "real", "REAL"),
    ("score", "double precision", "double precision", "DOUBLE"),
    ("flag", "boolean", "boolean", "BOOLEAN"),
    ("code", "char(4)", "char(4)", "VARCHAR"),
    ("name", "varchar(16)", "text", "VARCHAR"),
    ("body", "text", "text", "VARCHAR"),
    ("day", "date", "date", "DATE"),
    ("clock", "time", "time", "TIME"),
    ("clocktz", "timetz", "timetz", "TIMETZ"),
    ("at", "timestamp", "timestamp", "TIMESTAMP"),
    ("instant", "timestamptz", "timestamptz", "TIMESTAMPTZ"),
    ("doc", "super", "jsonb", "JSON"),
]
TYPED_ROWS: list[dict[str, Any]] = [
    {
        "id": 1,
        "i2": "-32768",
        "i8": 9223372036854775807,
        "money": "1234567890123456789012345678.0123456789",
        "ratio": 0.5,
        "score": -1.25e-300,
        "flag": "yes",
        "code": "ab",
        "name": 'é\t"q", \\ 😀',
        "body": {"k": [1, None, "x"]},
        "day": "11/21/2026",
        "clock": "24:00:00",
        "clocktz": "10:15:00.25+05:30",
        "at": "2026-11-21T10:15:00.123456+02:00",
        "instant": "2026-11-21T10:15:00.123456+02:00",
        "doc": {"a": [1, 2.50, {"b": None}], "s": 'tab\there \\ "q" é', "n": -0.0},
    },
    {
        "id": 2,
        "money": -0.00000000004,
        "code": "abcd    ",
        "name": "",
        "clock": "00:00:00.000001",
        "clocktz": "23:59:59",
        "at": "0001-01-01",
        "instant": "9999-12-31 23:59:59.999999Z",
        "doc": "a string",
    },
    {"id": 3, "doc": [], "flag": 0, "day": "", "instant": None},
]
TYPED_SELECT = (
    "SELECT "
    + ", ".join(f'"{name}"::text' if name == "clock" else f'"{name}"' for name, *_ in TYPED_COLUMNS)
    + " FROM t ORDER BY id"
)
TYPED_DDL = {
    "postgres": ", ".join(f'"{name}" {ddl}' for name, _, ddl, _ in TYPED_COLUMNS),
    "duckdb": ", ".join(f'"{name}" {ddl}' for name, _, _, ddl in TYPED_COLUMNS),
}


def typed_file(output: str) -> bytes:
    data = gzip.compress("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in TYPED_ROWS).encode())
    out, decoder = decode([(name, kind, False) for name, kind, _, _ in TYPED_COLUMNS], data, output=output)
    assert decoder.rejected == 0, decoder.rejected_rows
    return out


def check_typed_rows(rows: list[tuple[Any, ...]], read_document: Callable[[Any], Any]) -> None:
    """What every warehouse reads back from :data:`TYPED_ROWS`, value by value; ``read_document``
    turns what the warehouse's driver gives for a SUPER value into the value."""
    by_name = [dict(zip([name for name, *_ in TYPED_COLUMNS], row, strict=True)) for row in rows]
    first, second, third = by_name
    utc = dt.timezone.utc
    assert (first["i2"], first["i8"]) == (-32768, 2**63 - 1)
    assert first["money"] == Decimal("1234567890123456789012345678.0123456789")
    assert second["money"] == Decimal("0E-10")
    assert (first["ratio"], first["score"], first["flag"], third["flag"]) == (0.5, -1.25e-300, True, False)
    assert (first["code"], second["code"]) == ("ab  ", "abcd")
    assert (first["name"], second["name"]) == ('é\t"q", \\ 😀', "")
    assert first["body"] == '{"k":[1,null,"x"]}'
    assert (first["day"], third["day"]) == (dt.date(2026, 11, 21), None)
    # Selected as text: Python's time cannot hold 24:00:00, the end of the day.
    assert (first["clock"], second["clock"], third["clock"]) == ("24:00:00", "00:00:00.000001", None)
    clocktz = first["clocktz"]
    assert clocktz.replace(tzinfo=None) == dt.time(10, 15, 0, 250000)
    assert clocktz.utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert second["clocktz"].utcoffset() == dt.timedelta(0)
    assert first["at"] == dt.datetime(2026, 11, 21, 10, 15, 0, 123456)
    assert second["at"] == dt.datetime(1, 1, 1)
    assert first["instant"] == dt.datetime(2026, 11, 21, 8, 15, 0, 123456, tzinfo=utc)
    assert second["instant"] == dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=utc)
    documents = [read_document(row["doc"]) for row in by_name]
    assert documents == [TYPED_ROWS[0]["doc"], "a string", []]


def test_every_type_loads_into_postgres(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute(f"CREATE TABLE t ({TYPED_DDL['postgres']})")
        with conn.cursor() as cursor:
            with cursor.copy("COPY t FROM STDIN") as copy:
                copy.write(typed_file("postgres"))
            rows = cursor.execute(TYPED_SELECT).fetchall()
            # A SUPER value is a document the warehouse can query, not text.
            queried = cursor.execute("SELECT doc->'a'->>1, doc->>'s' FROM t WHERE id = 1").fetchone()
    assert queried == ("2.5", 'tab\there \\ "q" é')
    check_typed_rows(rows, lambda document: document)  # psycopg reads jsonb as the value


def test_every_type_loads_into_duckdb(duckdb_path: Path, tmp_path: Path) -> None:
    import duckdb

    csv_file = tmp_path / "typed.csv"
    csv_file.write_bytes(typed_file("csv"))
    with duckdb.connect(str(duckdb_path)) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        conn.execute(f"CREATE TABLE t ({TYPED_DDL['duckdb']})")
        conn.execute(f"COPY t FROM '{csv_file}' ({DUCKDB_COPY_OPTIONS})")
        rows = conn.execute(TYPED_SELECT).fetchall()
        queried = conn.execute(
            "SELECT doc->>'$.a[1]', doc->>'$.s', json_type(doc) FROM t WHERE id = 1"
        ).fetchone()
    assert queried == ("2.5", 'tab\there \\ "q" é', "OBJECT")
    check_typed_rows(rows, json.loads)  # DuckDB gives JSON as its text


# --- the packer's checks and the load agree -----------------------------------------------------------

# Every type, as a config names it for the packer; the decoder is given its canonical spelling, as the
# warehouse reports it (``text`` in a config is ``varchar(256)``).
AGREEMENT_TYPES = [
    "smallint",
    "int",
    "bigint",
    "decimal(8,2)",
    "numeric(19,18)",
    "numeric(19,0)",
    "numeric(38,0)",
    "numeric(38,37)",
    "real",
    "float",
    "boolean",
    "char(3)",
    "varchar(5)",
    "text",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "super",
]

NO_OPTIONS: dict[str, Any] = {
    "time_format": "auto",
    "date_format": "auto",
    "accept_invalid_chars": None,
    "round_decimals": False,
    "truncate": False,
}
LOAD_OPTIONS = st.fixed_dictionaries(
    {
        "time_format": st.sampled_from(
            ["auto", "epochsecs", "epochmillisecs", "YYYY-MM-DD HH24:MI:SS", "MM/DD/YYYY HH12:MI:SS AM"]
        ),
        "date_format": st.sampled_from(["auto", "YYYY-MM-DD", "DD.MM.YYYY", "MON DD YYYY"]),
        "accept_invalid_chars": st.sampled_from([None, "?"]),
        "round_decimals": st.booleans(),
        "truncate": st.booleans(),
    }
)


def packer_verdict(
    kind: str, not_null: bool, row: dict[str, Any] | bytes, options: dict[str, Any]
) -> tuple[bytes | None, str | None]:
    """The line the packer writes for ``row`` into a column ``c`` of ``kind``, or its refusal."""
    packer = Packer(
        columns=[Column("c", kind, not_null=not_null)],
        truncate_long_text=options["truncate"],
        time_format=options["time_format"],
        date_format=options["date_format"],
        accept_invalid_chars=options["accept_invalid_chars"],
        round_decimals=options["round_decimals"],
    )
    try:
        packer.pack(row)
    except InvalidColumnValue as exc:
        packer.close()
        return None, exc.reason
    packer.close()
    (part,) = list(packer)
    return gzip.decompress(part.data), None


def load(kind: str, not_null: bool, line: bytes, options: dict[str, Any]) -> tuple[bytes, RejectedRow | None]:
    """What the emulated COPY makes of ``line`` in a column ``c`` of ``kind``: the row, or its rejection."""
    out, decoder = decode(
        [("c", parse_column_type(kind).canonical, not_null)],
        line,
        gzip=False,
        truncate_columns=options["truncate"],
        time_format=options["time_format"],
        date_format=options["date_format"],
        accept_invalid_chars=options["accept_invalid_chars"],
        round_decimals=options["round_decimals"],
    )
    return out, decoder.rejected_rows[0] if decoder.rejected else None


def assert_agreement(kind: str, not_null: bool, row: dict[str, Any] | bytes, options: dict[str, Any]) -> None:
    # The line exactly as the packer writes it, before any check: a packer without columns.
    with Packer() as unchecked:
        unchecked.pack(row)
    (part,) = list(unchecked)
    line = gzip.decompress(part.data)
    packed, refused = packer_verdict(kind, not_null, row, options)
    loaded, rejected = load(kind, not_null, line, options)
    context = (
        f"{kind}{' NOT NULL' if not_null else ''} {options}, {line!r}: "
        f"packer {'refused: ' + refused if refused else 'took it'}, "
        f"load {'rejected: ' + rejected.reason if rejected else 'took it'}"
    )
    # A row the packer takes must load, or a send fails after its parts are stored; a row it refuses
    # must be one COPY would reject, or good data is turned away.
    assert (refused is None) == (rejected is None), context
    if rejected is not None and refused is not None:
        # The same reason, in Redshift's words, with its code.
        assert refused.startswith(rejected.reason) or rejected.code == 1213, context
        assert f"(load error {rejected.code})" in refused or rejected.code == 1213, context
    if packed is not None:
        # The packer's line loads as the original would: NULL, the value, or cut at the same byte.
        assert load(kind, not_null, packed, options) == (loaded, None), context


@settings(max_examples=1500, deadline=None)
@given(
    kind=st.sampled_from(AGREEMENT_TYPES),
    value=EDGE_VALUES,
    not_null=st.booleans(),
    options=LOAD_OPTIONS,
)
def test_the_packer_refuses_exactly_the_values_the_load_would_reject(
    kind: str, value: Any, not_null: bool, options: dict[str, Any]
) -> None:
    assert_agreement(kind, not_null, {"c": value}, options)


@settings(max_examples=400, deadline=None)
@given(
    kind=st.sampled_from(AGREEMENT_TYPES),
    number=JSON_NUMBERS,
    options=LOAD_OPTIONS,
)
def test_the_packer_and_the_load_agree_on_numbers_as_written(
    kind: str, number: str, options: dict[str, Any]
) -> None:
    # Numbers given as JSON text keep digits no Python float holds: exponents, 40-digit fractions.
    assert_agreement(kind, False, f'{{"c":{number}}}'.encode(), options)


@settings(max_examples=100, deadline=None)
@given(
    kind=st.sampled_from(["char(3)", "varchar(5)", "text", "super", "int", "timestamp"]),
    value=NUL_STRINGS | NUL_STRINGS.map(lambda text: {"k": [text]}),
    options=LOAD_OPTIONS,
)
def test_the_packer_and_the_load_agree_on_nul_characters(
    kind: str, value: Any, options: dict[str, Any]
) -> None:
    assert_agreement(kind, False, {"c": value}, options)


# --- Python values pack as the text their column needs ------------------------------------------------

_UTC = dt.timezone.utc
# Offsets a Python tzinfo may have, in whole seconds (Redshift reads whole minutes; rio converts the rest).
_ZONES = st.none() | st.builds(
    dt.timezone,
    st.integers(min_value=-(14 * 3600 + 59 * 60), max_value=14 * 3600 + 59 * 60).map(
        lambda seconds: dt.timedelta(seconds=seconds if seconds % 7 else seconds - seconds % 60)
    ),
)


def _clock(moment: dt.datetime | dt.time) -> str:
    text = f"{moment.hour:02}:{moment.minute:02}:{moment.second:02}"
    return text + (f".{moment.microsecond:06}" if moment.microsecond else "")


def _loaded_text(kind: str, packed: bytes, options: dict[str, Any]) -> str | None:
    out, rejected = load(kind, False, packed, options)
    assert rejected is None, rejected
    (row,) = parse_postgres(out)
    return row[0]


@settings(max_examples=400, deadline=None)
@given(
    moment=st.datetimes(timezones=_ZONES),
    kind=st.sampled_from(["timestamp", "timestamptz", "date", "varchar(64)"]),
    time_format=st.sampled_from(["auto", "epochsecs", "epochmillisecs"]),
)
def test_a_datetime_loads_as_the_instant_or_wall_clock_its_column_keeps(
    moment: dt.datetime, kind: str, time_format: str
) -> None:
    options = {**NO_OPTIONS, "time_format": time_format}
    packed, refused = packer_verdict(kind, False, {"c": moment}, options)
    offset = moment.utcoffset()
    try:
        instant = moment.replace(tzinfo=None) - (offset or dt.timedelta(0))
    except OverflowError:
        instant = None  # before the year 1 or after 9999 in UTC
    if kind in ("timestamp", "timestamptz"):
        if instant is None:
            assert refused is not None
            assert "Invalid timestamp" in refused
            return
        assert refused is None, refused
        expected = f"{instant.date()} {_clock(instant)}" + ("+00" if kind == "timestamptz" else "")
        assert _loaded_text(kind, packed, options) == expected
    elif kind == "date":
        assert refused is None, refused
        # A date column keeps the date written: the wall clock's, or UTC's where the offset has seconds.
        date = (
            moment.date() if offset is None or offset.seconds % 60 == 0 or instant is None else instant.date()
        )
        assert _loaded_text(kind, packed, options) == str(date)
    else:
        assert refused is None, refused
        assert _loaded_text(kind, packed, options) is not None


@settings(max_examples=200, deadline=None)
@given(
    clock=st.times(
        timezones=st.none()
        | st.builds(dt.timezone, st.integers(-899, 899).map(lambda m: dt.timedelta(minutes=m)))
    ),
    kind=st.sampled_from(["time", "timetz"]),
)
def test_a_time_loads_as_its_clock_and_offset(clock: dt.time, kind: str) -> None:
    packed, refused = packer_verdict(kind, False, {"c": clock}, NO_OPTIONS)
    assert refused is None, refused
    expected = _clock(clock)
    if kind == "timetz":
        minutes = int((clock.utcoffset() or dt.timedelta(0)).total_seconds()) // 60
        sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
        expected += f"{sign}{minutes // 60:02}" + (f":{minutes % 60:02}" if minutes % 60 else "")
    assert _loaded_text(kind, packed, NO_OPTIONS) == expected


_NUMERICS = {
    "decimal(38,10)": (38, 10),
    "decimal(10,2)": (10, 2),
    "decimal(19,0)": (19, 0),
    "decimal(19,19)": (19, 19),
}


@settings(max_examples=400, deadline=None)
@given(
    value=st.decimals(allow_nan=False, allow_infinity=False)
    | st.decimals(min_value=-(10**20), max_value=10**20, places=12),
    kind=st.sampled_from(sorted(_NUMERICS)),
    round_decimals=st.booleans(),
)
def test_a_decimal_loads_with_exactly_its_digits(value: Decimal, kind: str, round_decimals: bool) -> None:
    import decimal

    options = {**NO_OPTIONS, "round_decimals": round_decimals}
    packed, refused = packer_verdict(kind, False, {"c": value}, options)
    precision, scale = _NUMERICS[kind]
    with decimal.localcontext() as context:
        context.prec = 10_000
        rounding = decimal.ROUND_HALF_UP if round_decimals else decimal.ROUND_DOWN
        kept = value.quantize(Decimal(1).scaleb(-scale), rounding=rounding)
        unscaled = abs(kept.scaleb(scale))
        text = f"{abs(kept):f}"
    fits = unscaled < 10**precision and (precision > 19 or unscaled <= 2**63 - 1)
    assert (refused is None) == fits, (value, refused)
    if fits:
        assert _loaded_text(kind, packed, options) == ("-" + text if kept < 0 else text)


@settings(max_examples=200, deadline=None)
@given(document=EDGE_DOCUMENTS.filter(lambda value: value is not None))
def test_a_document_loads_into_super_as_the_same_json_value(document: Any) -> None:
    packed, refused = packer_verdict("super", False, {"c": document}, NO_OPTIONS)
    assert refused is None, refused
    assert json.loads(_loaded_text("super", packed, NO_OPTIONS) or "") == document


# --- any input ------------------------------------------------------------------------------------------

_DECODED_TYPES = [
    "integer", "bigint", "smallint", "double precision", "real", "boolean", "date", "timestamp",
    "varchar(5)", "char(3)", "text", "numeric(8,2)", "numeric(38,10)", "numeric(19,0)", "time",
    "timetz", "timestamptz", "super",
]  # fmt: skip
_FRAGMENTS = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda value: json.dumps({"c": value}).encode(), EDGE_VALUES),
    st.sampled_from(
        [b"{", b"}", b"\n", b'"c":', b"[", b"]", b"\\u", b"\\ud800", b'{"c":"\\', b"{}", b'{"C":1}']
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    column_type=st.sampled_from(_DECODED_TYPES),
    chunks=st.lists(st.lists(_FRAGMENTS, max_size=6).map(b"".join), max_size=5),
    output=st.sampled_from(["postgres", "csv"]),
    time_format=st.sampled_from(["auto", "epochsecs", "epochmillisecs"]),
    truncate_columns=st.booleans(),
    accept_invalid_chars=st.sampled_from([None, "?", '"', "\\", "{"]),
    round_decimals=st.booleans(),
    gzipped=st.booleans(),
    damage=st.none() | st.integers(min_value=0),
)
def test_any_input_ends_in_rows_rejections_or_copy_failed(
    column_type: str,
    chunks: list[bytes],
    output: str,
    time_format: str,
    truncate_columns: bool,
    accept_invalid_chars: str | None,
    round_decimals: bool,
    gzipped: bool,
    damage: int | None,
) -> None:
    # Whatever a file holds, the decoder never fails in any other way (a panic, a stray exception).
    data = b"".join(chunks)
    if gzipped:
        packed = bytearray(gzip.compress(data))
        if damage is not None:
            packed[damage % len(packed)] ^= 0x5A
        data = bytes(packed)
    decoder = Decoder(
        [("c", column_type, False), ("d", "text", True)],
        output=output,
        gzip=gzipped,
        time_format=time_format,
        truncate_columns=truncate_columns,
        accept_invalid_chars=accept_invalid_chars,
        round_decimals=round_decimals,
    )
    try:
        for start in range(0, len(data), 7):
            decoder.feed(data[start : start + 7])
        decoder.finish()
    except CopyFailed:
        return
    assert len(decoder.rejected_rows) == min(decoder.rejected, 100)  # the first 100 are kept
