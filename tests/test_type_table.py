"""The table of column types (rio.types): complete against the core, and each of its rules.

Every name is read by the core (``rio._core.parse_column_type``); the table holds what only Python
needs — DDL per warehouse, what each catalogue prints back, what the schema diff may widen, a
default's literal rules, the accepted JSON inputs — and these tests check it covers every type the
core reads, and that each rule says what it should, at its edges.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

import rio
from rio import types
from rio._core import parse_column_type
from rio.errors import InvalidDefault, UnsupportedType
from rio.types import DUCKDB, FAMILIES, POSTGRES, REDSHIFT, TYPES, WAREHOUSES, column_type
from support.golden import assert_matches_golden

README = Path(__file__).resolve().parent.parent / "README.md"
UTC = dt.timezone.utc

#: Parameters put in place of the placeholders of the core's list of spellings.
_EXAMPLES = {"(p,s)": "(12,2)", "(n)": "(10)"}


def _split_top(text: str) -> list[str]:
    """``text`` split at the commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += character
    return [*parts, current.strip()]


def core_spellings() -> list[str]:
    """Every spelling the core lists in its own message for an unknown type, with parameters filled in.

    Derived from the core, not written here: a type the core learns appears in this list by itself.
    """
    with pytest.raises(UnsupportedType) as refused:
        parse_column_type("no such type")
    listed = str(refused.value).split("; the types are ", 1)[1]
    spellings = []
    for item in _split_top(listed):
        head, _, aliases = item.partition(" (")
        names = [head, *(_split_top(aliases[:-1]) if aliases else [])]
        for name in names:
            name = name.split(" = ")[0]
            for placeholder, example in _EXAMPLES.items():
                name = name.replace(placeholder, example)
            spellings.append(name)
    return spellings


def test_the_core_lists_every_type_and_alias() -> None:
    # The derivation above reads what it should: the Go names and the SQL spellings are all there.
    spellings = core_spellings()
    for expected in ("int", "float", "text", "longtext", "decimal(12,2)", "numeric", "timestamptz", "super"):
        assert expected in spellings
    assert len(spellings) >= 30


@pytest.mark.parametrize("spelling", core_spellings())
def test_the_table_covers_every_type_and_family_the_core_reads(spelling: str) -> None:
    kind = column_type(spelling)
    assert kind.family in FAMILIES, f"{spelling}: family {kind.family} has no rules"
    assert kind.name in TYPES, f"{spelling}: type {kind.name} has no row"
    assert TYPES[kind.name].family == kind.family
    for warehouse in WAREHOUSES.values():
        assert warehouse.ddl(kind)  # every type has DDL everywhere
        assert warehouse.printed(kind)


def test_every_family_and_type_row_is_one_the_core_has() -> None:
    # Nothing in the table that the core does not read: each row's own spellings are the core's.
    families = {column_type(spelling).family for spelling in core_spellings()}
    names = {column_type(spelling).name for spelling in core_spellings()} | {"text"}
    assert set(FAMILIES) == families
    assert set(TYPES) == names
    assert column_type("text", warehouse=True).name == "text"


@pytest.mark.parametrize("rules", [rules for rules in TYPES.values() if rules.name != "text"], ids=str)
def test_each_rows_documented_spellings_read_as_its_type(rules: types.TypeRules) -> None:
    written = re.findall(r"`([^`]+)`", rules.spellings)
    assert written, rules.name
    for spelling in written:
        for placeholder, example in _EXAMPLES.items():
            spelling = spelling.replace(placeholder, example)
        assert column_type(spelling).name == rules.name, spelling


def test_a_type_that_is_not_a_string_is_unsupported() -> None:
    with pytest.raises(UnsupportedType, match=r"a column type is a string such as 'bigint'.*not int"):
        column_type(42)
    with pytest.raises(UnsupportedType, match=r"unknown type \"varchr\(3\)\""):
        column_type("varchr(3)")


def test_a_go_name_enum_reads_as_its_value() -> None:
    assert column_type(rio.ColumnType.LONGTEXT) == column_type("varchar(65535)")
    assert types.canonical(rio.ColumnType.FLOAT) == "double precision"


def test_go_names_are_the_config_enums_values() -> None:
    assert tuple(kind.value for kind in rio.ColumnType) == types.GO_NAMES


@pytest.mark.parametrize(
    ("spec", "spelling"),
    [
        ("integer", "int"),
        ("int4", "int"),
        ("double precision", "float"),
        ("varchar(256)", "text"),
        ("character varying(65535)", "longtext"),
        ("bool", "boolean"),
        ("timestamp without time zone", "timestamp"),
        ("int8", "bigint"),
        ("int2", "smallint"),
        ("varchar(512)", "varchar(512)"),
        ("decimal(12,2)", "numeric(12,2)"),
        ("float4", "real"),
        ("time with time zone", "timetz"),
        ("SUPER", "super"),
    ],
)
def test_a_config_writes_a_type_by_its_go_name_where_it_has_one(spec: str, spelling: str) -> None:
    assert types.config_spelling(column_type(spec)) == spelling


# --- DDL and what each warehouse prints back ---------------------------------------------------------

_EVERY_TYPE = [
    "smallint",
    "int",
    "bigint",
    "decimal(12,2)",
    "numeric(38,0)",
    "real",
    "float",
    "boolean",
    "char(3)",
    "varchar(32)",
    "text",
    "longtext",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "super",
]


def test_the_ddl_of_every_type_on_every_warehouse() -> None:
    lines = ["config type | redshift | postgres | duckdb | redshift prints | postgres prints | duckdb prints"]
    for spec in _EVERY_TYPE:
        kind = column_type(spec)
        ddl = [warehouse.ddl(kind) for warehouse in (REDSHIFT, POSTGRES, DUCKDB)]
        printed = [warehouse.printed(kind) for warehouse in (REDSHIFT, POSTGRES, DUCKDB)]
        lines.append(" | ".join([spec, *ddl, *printed]))
    assert_matches_golden("types/ddl.txt", "\n".join(lines) + "\n")


@pytest.mark.parametrize("warehouse", WAREHOUSES.values(), ids=lambda w: w.name)
@pytest.mark.parametrize("spec", _EVERY_TYPE)
def test_what_a_warehouse_prints_reads_back_as_the_type(warehouse: types.WarehouseTypes, spec: str) -> None:
    kind = column_type(spec)
    read = warehouse.read(warehouse.printed(kind))
    if kind.family == "character" and not warehouse.keeps_widths:
        assert read == "text"  # DuckDB keeps no widths: COPY enforces the config's
    else:
        assert read == kind.canonical


@pytest.mark.parametrize(
    ("warehouse", "printed", "canonical"),
    [
        (POSTGRES, "character varying", "text"),
        (POSTGRES, "text", "text"),
        (POSTGRES, "bpchar", "text"),
        (POSTGRES, "json", "super"),
        (POSTGRES, "jsonb", "super"),
        (POSTGRES, "timestamp(3) without time zone", "timestamp"),
        (POSTGRES, "time(0) with time zone", "timetz"),
        (POSTGRES, "timestamptz(6)", "timestamptz"),
        (POSTGRES, "numeric", "numeric(18,0)"),  # the emulated COPY reads it as Redshift reads DECIMAL
        (POSTGRES, "int4", "integer"),
        (POSTGRES, "bpchar(3)", "char(3)"),
        (POSTGRES, "uuid", "uuid"),
        (POSTGRES, "integer[]", "integer[]"),
        (REDSHIFT, "super", "super"),
        (REDSHIFT, "character varying(65535)", "varchar(65535)"),
        (DUCKDB, "VARCHAR", "text"),
        (DUCKDB, "FLOAT", "real"),
        (DUCKDB, "DOUBLE", "double precision"),
        (DUCKDB, "JSON", "super"),
        (DUCKDB, "DECIMAL(18,3)", "numeric(18,3)"),
        (DUCKDB, "TIME WITH TIME ZONE", "timetz"),
        (DUCKDB, "HUGEINT", "hugeint"),
    ],
)
def test_a_catalogues_own_names_read_as_rios(
    warehouse: types.WarehouseTypes, printed: str, canonical: str
) -> None:
    assert warehouse.read(printed) == canonical


# --- what the schema diff may widen --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("have", "want", "redshift", "postgres", "duckdb"),
    [
        ("varchar(10)", "varchar(256)", True, True, False),
        ("varchar(256)", "varchar(10)", False, False, False),
        ("numeric(10,2)", "numeric(12,2)", False, True, True),
        ("numeric(12,2)", "numeric(10,2)", False, False, False),
        ("numeric(10,2)", "numeric(12,3)", False, False, False),
        ("char(3)", "char(10)", False, False, False),
        ("integer", "bigint", False, False, False),
        ("timestamp", "timestamptz", False, False, False),
        ("real", "double precision", False, False, False),
    ],
)
def test_what_alter_column_may_widen_on_each_warehouse(
    have: str, want: str, redshift: bool, postgres: bool, duckdb: bool
) -> None:
    have_kind, want_kind = column_type(have, warehouse=True), column_type(want)
    assert REDSHIFT.widens(have_kind, want_kind) is redshift
    assert POSTGRES.widens(have_kind, want_kind) is postgres
    assert DUCKDB.widens(have_kind, want_kind) is duckdb


@pytest.mark.parametrize(
    ("have", "want", "holds"),
    [
        ("varchar(512)", "varchar(256)", True),
        ("varchar(10)", "varchar(256)", False),
        ("text", "varchar(256)", True),
        ("text", "char(3)", True),
        ("text", "integer", False),
        ("numeric(20,2)", "numeric(12,2)", True),
        ("numeric(20,3)", "numeric(12,2)", False),
        ("char(10)", "char(3)", False),
        ("char(3)", "char(3)", True),
        ("timestamptz", "timestamptz", True),
        ("timestamp", "timestamptz", False),
        ("super", "super", True),
    ],
)
def test_what_a_tables_column_holds_as_it_is(have: str, want: str, holds: bool) -> None:
    assert POSTGRES.holds(column_type(have, warehouse=True), column_type(want)) is holds


# --- defaults ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "raw", "value"),
    [
        ("smallint", "-32768", -32768),
        ("int2", "'32767'", 32767),
        ("integer", "7", 7),
        ("decimal(12,2)", "1234567890.25", Decimal("1234567890.25")),
        ("numeric(5,2)", "'-1.5'", Decimal("-1.5")),
        ("numeric(5,2)", "1.50", Decimal("1.50")),
        ("numeric(5,2)", "000.10", Decimal("0.10")),
        ("numeric", "123456789012345678", Decimal("123456789012345678")),
        ("real", "3.4e38", 3.4e38),
        ("double precision", "1e308", 1e308),
        ("char(3)", "abc", "abc"),
        ("character(2)", "'a'", "a"),
        ("varchar(4)", "éé", "éé"),
        ("varchar(max)", "x" * 65535, "x" * 65535),
        ("time", "10:15", dt.time(10, 15)),
        ("time", "'23:59:59.999999'", dt.time(23, 59, 59, 999999)),
        ("timetz", "10:15:00+02", dt.time(10, 15, tzinfo=dt.timezone(dt.timedelta(hours=2)))),
        ("timetz", "10:15:00Z", dt.time(10, 15, tzinfo=dt.timezone.utc)),
        ("timestamptz", "2016-01-01 10:15:00+02:00", dt.datetime(2016, 1, 1, 8, 15, tzinfo=dt.timezone.utc)),
        ("timestamptz", "'2016-01-01T10:15:00.5-0130'", dt.datetime(2016, 1, 1, 11, 45, 0, 500000, UTC)),
        ("timestamptz", "GETDATE()", types.SqlFunction("getdate()")),
        ("timestamp with time zone", "current_timestamp", types.SqlFunction("current_timestamp")),
    ],
)  # fmt: skip
def test_every_type_has_its_default_literals(spec: str, raw: str, value: object) -> None:
    parsed = types.parse_default(spec, raw)
    assert parsed == value
    assert type(parsed) is type(value)
    if isinstance(value, (dt.time, dt.datetime)):
        assert (parsed.utcoffset() is None) is (value.utcoffset() is None)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("spec", "raw", "reason"),
    [
        ("smallint", "32768", "it is outside the range of smallint (-32768 to 32767)"),
        ("int8", "9223372036854775808", "it is outside the range of int8 (-9223372036854775808 to"),
        ("decimal(5,2)", "1.234", "it has 3 digit(s) after the point, and numeric(5,2) keeps 2"),
        ("decimal(5,2)", "1234.5", "it has 4 digit(s) before the point, and numeric(5,2) holds at most 3"),
        ("decimal(5,2)", "1e3", "it is not a decimal number such as 12.50 (no exponent)"),
        ("decimal(5,2)", ".", "it is not a decimal number"),
        ("decimal(5,2)", "'NaN'", "it is not a decimal number"),
        ("real", "3.5e38", "it is too large for real"),
        ("float8", "inf", "NaN and infinity are not allowed"),
        ("char(3)", "abcd", "it is 4 bytes of UTF-8, more than the 3 a char(3) column holds; use a wider"),
        ("char(3)", "é", "it holds 'é' (position 0), a character of more than one byte"),
        ("varchar(3)", "éé", "it is 4 bytes of UTF-8, more than the 3 a varchar(3) column holds; use a"),
        ("time", "10:15:00+02", "it has the time zone '+02', but the column is time without time zone"),
        ("time", "25:00", "it is not a real time of day"),
        ("time", "10", "it is not a time HH:MM:SS[.ffffff]"),
        ("timetz", "10:15:00", "it has no offset, and a timetz default needs one"),
        ("timestamptz", "2016-01-01 10:15:00", "it has no offset, and a timestamptz default needs one"),
        ("timestamptz", "2016-01-01 10:15:00+25", "its time zone '+25' is out of range"),
        ("super", "{}", "a super column takes no default"),
    ],
)  # fmt: skip
def test_a_default_that_is_no_literal_of_its_type_is_refused(spec: str, raw: str, reason: str) -> None:
    with pytest.raises(InvalidDefault) as refused:
        types.parse_default(spec, raw)
    article = "an" if spec.startswith("int") else "a"
    assert str(refused.value).startswith(
        f"{raw!r} is not a valid default for {article} {spec} column: {reason}"
    )
    assert f"Accepted: {types.accepted_defaults(spec)}." in str(refused.value)


def test_a_warehouses_text_default_has_no_width() -> None:
    assert types.parse_default("text", "x" * 70000, warehouse=True) == "x" * 70000
    with pytest.raises(InvalidDefault, match="more than the 256 a text column holds; use longtext"):
        types.parse_default("text", "x" * 257)


def test_parsing_a_timestamp_literal_keeps_its_zone_or_its_absence() -> None:
    assert types.parse_timestamp_literal("2026-11-21 10:15:00") == dt.datetime(2026, 11, 21, 10, 15)
    aware = types.parse_timestamp_literal("2026-11-21T10:15:00Z")
    assert aware.tzinfo is dt.timezone.utc
    with pytest.raises(ValueError, match="it is not a timestamp"):
        types.parse_timestamp_literal("yesterday")


# --- inference's sizes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("longest", "width"),
    [
        (0, 256),
        (1, 256),
        (170, 256),  # 1.5 x 170 = 255
        (171, 512),
        (341, 512),  # 511.5, rounded up to 512
        (342, 1024),
        (21845, 32768),
        (21846, 65535),  # 1.5 x 21846 = 32769: the next power of two is past VARCHAR's widest
        (65535, 65535),
    ],
)
def test_an_inferred_varchar_has_headroom_by_the_documented_rule(longest: int, width: int) -> None:
    assert types.inferred_varchar(longest) == width


@pytest.mark.parametrize(
    ("whole", "scale", "inferred"),
    [
        (0, 2, "numeric(18,2)"),
        (16, 2, "numeric(18,2)"),
        (17, 2, "numeric(20,2)"),  # not 19: Redshift keeps 19 digits in 64 bits, which 17 + 2 may overflow
        (18, 2, "numeric(20,2)"),
        (36, 2, "numeric(38,2)"),
        (37, 2, None),
        (0, 38, "numeric(38,38)"),
    ],
)
def test_an_inferred_decimal_has_at_least_redshifts_default_precision(
    whole: int, scale: int, inferred: str | None
) -> None:
    kind = types.inferred_decimal(whole, scale)
    assert (None if kind is None else kind.canonical) == inferred


# --- the README ----------------------------------------------------------------------------------------


def test_the_readme_holds_the_table_of_types() -> None:
    table = types.markdown_table()
    assert table in README.read_text(encoding="utf-8")
    assert len(table.splitlines()) == 2 + len(TYPES) - 1  # every type a config can name


def test_the_table_is_public_as_rio_types() -> None:
    assert rio.types is types
    assert sorted(types.__all__) == sorted(
        [
            "DUCKDB",
            "FAMILIES",
            "GO_NAMES",
            "POSTGRES",
            "REDSHIFT",
            "TYPES",
            "WAREHOUSES",
            "ColumnTypeInfo",
            "DefaultValue",
            "Family",
            "SqlFunction",
            "TypeRules",
            "WarehouseTypes",
            "accepted_defaults",
            "canonical",
            "column_type",
            "config_spelling",
            "inferred_decimal",
            "inferred_varchar",
            "markdown_table",
            "parse_default",
            "parse_timestamp_literal",
        ]
    )
    for name in types.__all__:
        assert hasattr(types, name), name
