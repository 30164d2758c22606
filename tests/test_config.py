"""Destination configs: the model, validate(), default values, and the s3-to-redshift YAML."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rio._identifiers import identifier_problem
from rio.config import (
    MAX_COLUMNS,
    Column,
    ColumnType,
    DataFacts,
    DestinationConfig,
    SqlFunction,
    TableConfig,
    describe_yaml_error,
    dump_config_yaml,
    parse_config_yaml,
    parse_default,
    read_config_file,
)
from rio.contract import LEDGER_TABLE
from rio.errors import (
    ConfigError,
    ConfigFileError,
    DuplicateColumn,
    IncompleteTableName,
    InvalidDataTimestamp,
    InvalidDefault,
    InvalidIdentifier,
    InvalidSortOrds,
    MultipleDistKeys,
    ReservedName,
    TooManyColumns,
    UnsupportedType,
)
from support.strategies import reserved
from tests.support.golden import assert_matches_golden, read_golden

UTC = dt.timezone.utc


def valid_config(*columns: Column, data_timestamp_column: str = "time") -> DestinationConfig:
    """The Go rio's test config, with ``columns`` instead when given."""
    if not columns:
        columns = (Column("time", "timestamp", sort_ord=1), Column("id", "text", dist_key=True))
    return DestinationConfig("test", "complete", columns, data_timestamp_column)


def with_columns(*columns: Column) -> DestinationConfig:
    """A config whose first column is the data timestamp column, followed by ``columns``."""
    return valid_config(Column("time", "timestamp"), *columns)


# --- ColumnType -----------------------------------------------------------------------------------


def test_column_type_values_are_the_go_type_names() -> None:
    assert [kind.value for kind in ColumnType] == [
        "boolean",
        "float",
        "int",
        "bigint",
        "date",
        "timestamp",
        "text",
        "longtext",
    ]


@pytest.mark.parametrize(
    ("kind", "redshift_type"),
    [
        (ColumnType.BOOLEAN, "boolean"),
        (ColumnType.FLOAT, "double precision"),
        (ColumnType.INT, "integer"),
        (ColumnType.BIGINT, "bigint"),
        (ColumnType.DATE, "date"),
        (ColumnType.TIMESTAMP, "timestamp without time zone"),
        (ColumnType.TEXT, "character varying(256)"),
        (ColumnType.LONGTEXT, "character varying(65535)"),
    ],
)
def test_column_type_redshift_type_is_what_format_type_prints(kind: ColumnType, redshift_type: str) -> None:
    assert kind.redshift_type == redshift_type


def test_column_type_max_bytes_is_set_for_text_types_only() -> None:
    assert {kind.value: kind.max_bytes for kind in ColumnType} == {
        "boolean": None,
        "float": None,
        "int": None,
        "bigint": None,
        "date": None,
        "timestamp": None,
        "text": 256,
        "longtext": 65535,
    }


# --- Column ---------------------------------------------------------------------------------------


def test_column_stores_a_column_type_as_its_plain_string() -> None:
    column = Column("id", ColumnType.TEXT)
    assert type(column.type) is str
    assert column.type == "text"
    assert column == Column("id", "text")


def test_column_fields_default_to_go_zero_values() -> None:
    column = Column("id", "text")
    assert (column.sort_ord, column.dist_key, column.default_val, column.not_null, column.primary_key) == (
        0,
        False,
        None,
        False,
        False,
    )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (True, "true"),
        (False, "false"),
        (100, "100"),
        (-7, "-7"),
        (1.5, "1.5"),
        (1e20, "1e+20"),
        (dt.date(2016, 1, 1), "2016-01-01"),
        (dt.datetime(2016, 1, 1, 10, 15), "2016-01-01 10:15:00"),
        (dt.datetime(2016, 1, 1, 10, 15, 0, 5), "2016-01-01 10:15:00.000005"),
        ("'it''s'", "'it''s'"),
        ("getdate()", "getdate()"),
    ],
)
def test_column_stores_a_default_as_its_canonical_string(given: Any, stored: str) -> None:
    assert Column("c", "text", default_val=given).default_val == stored


def test_column_stores_an_empty_default_as_no_default() -> None:
    assert Column("c", "text", default_val="").default_val is None


def test_column_refuses_a_default_of_another_python_type() -> None:
    with pytest.raises(
        TypeError,
        match=r"^default_val must be a str, int, float, Decimal, bool, date, datetime or time, not list$",
    ):
        Column("c", "text", default_val=[1])  # type: ignore[arg-type]


def test_column_construction_does_not_validate() -> None:
    column = Column("Bad Name", "varchar", sort_ord=-1, default_val="x")
    assert (column.name, column.type, column.sort_ord) == ("Bad Name", "varchar", -1)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        (Column("c", "int", default_val="'42'"), 42),
        (Column("c", "boolean", default_val=True), True),
        (Column("c", "date", default_val=dt.date(2016, 1, 1)), dt.date(2016, 1, 1)),
        (Column("c", "timestamp", default_val="GETDATE()"), SqlFunction("getdate()")),
        (Column("c", "text", default_val="'it''s'"), "it's"),
        (Column("c", "text"), None),
    ],
)
def test_column_default_value_is_the_parsed_default(column: Column, value: object) -> None:
    assert column.default_value == value


def test_column_default_value_raises_for_an_invalid_default() -> None:
    with pytest.raises(InvalidDefault, match=r"^'abc' is not a valid default for an int column"):
        _ = Column("c", "int", default_val="abc").default_value


# --- DestinationConfig ----------------------------------------------------------------------------


def test_config_stores_any_iterable_of_columns_as_a_tuple() -> None:
    columns = [Column("time", "timestamp"), Column("id", "text")]
    config = DestinationConfig("s", "t", (column for column in columns), "time")
    assert config.columns == tuple(columns)
    assert config == DestinationConfig("s", "t", columns, "time")


def test_config_refuses_a_column_that_is_not_a_column_naming_its_position() -> None:
    with pytest.raises(TypeError, match=r"^columns\[1\] is a dict, not a Column$"):
        DestinationConfig("s", "t", [Column("time", "timestamp"), {"dest": "id"}], "time")  # type: ignore[list-item]


def test_config_refuses_columns_that_are_not_iterable() -> None:
    with pytest.raises(TypeError, match=r"^columns must be an iterable of Column, not int$"):
        DestinationConfig("s", "t", 3, "time")  # type: ignore[arg-type]


def test_config_column_finds_a_column_by_name() -> None:
    config = valid_config()
    assert config.column("id") == Column("id", "text", dist_key=True)
    assert config.column("missing") is None


def test_config_is_hashable() -> None:
    assert hash(valid_config()) == hash(valid_config())


# --- validate(): the Go rules ---------------------------------------------------------------------


def test_validate_passes_a_valid_config() -> None:
    valid_config().validate()


def test_validate_refuses_a_missing_schema() -> None:
    config = DestinationConfig("", "complete", valid_config().columns, "time")
    with pytest.raises(IncompleteTableName) as caught:
        config.validate()
    assert (
        str(caught.value) == "Must provide both a schema and table name. Got schema '' and table 'complete'."
    )


def test_validate_refuses_a_missing_table() -> None:
    config = DestinationConfig("test", "", valid_config().columns, "time")
    with pytest.raises(IncompleteTableName) as caught:
        config.validate()
    assert str(caught.value) == "Must provide both a schema and table name. Got schema 'test' and table ''."


@pytest.mark.parametrize("missing", [None, ""])
def test_validate_refuses_a_missing_data_timestamp_column(missing: str | None) -> None:
    config = DestinationConfig("test", "complete", valid_config().columns, missing)
    with pytest.raises(InvalidDataTimestamp) as caught:
        config.validate()
    assert str(caught.value) == (
        "A data timestamp column must be provided. It names the timestamp column that dates each row "
        f"(meta.datadatecolumn in the YAML); got {missing!r}."
    )


def test_validate_refuses_two_dist_keys() -> None:
    config = with_columns(Column("a", "text", dist_key=True), Column("b", "int", dist_key=True))
    with pytest.raises(MultipleDistKeys) as caught:
        config.validate()
    assert str(caught.value) == (
        "Cannot have more than one distribution key. Both column 'a' (columns[1]) and column 'b' "
        "(columns[2]) have distkey set."
    )


def test_validate_refuses_an_unknown_type_listing_every_type() -> None:
    config = with_columns(Column("a", "varchr(3)"))
    with pytest.raises(UnsupportedType) as caught:
        config.validate()
    assert str(caught.value).startswith(
        "Unknown type. Column 'a' (columns[1]) has type 'varchr(3)': unknown type \"varchr(3)\"; the types "
        "are smallint (int2), integer (int, int4), bigint (int8), decimal(p,s) (numeric)"
    )
    assert "longtext = varchar(65535)" in str(caught.value)
    assert str(caught.value).endswith("super.")


def test_type_names_are_read_in_any_case_and_kept_as_written() -> None:
    # SQL type names are case-blind (the Go rio refused 'TEXT'; the core reads it as text).
    config = with_columns(Column("a", "TEXT"), Column("b", "Decimal(12, 2)"))
    config.validate()
    assert [column.type for column in config.columns[1:]] == ["TEXT", "Decimal(12, 2)"]


_EVERY_SPELLING = [
    *("boolean", "bool", "float", "int", "bigint", "date", "timestamp", "text", "longtext"),
    *("smallint", "int2", "integer", "int4", "int8", "decimal", "decimal(12,2)", "numeric(38,37)"),
    *("NUMERIC(5)", "real", "float4", "double precision", "float8", "char", "char(3)", "character(4096)"),
    *("nchar(2)", "bpchar", "char(max)", "varchar", "varchar(32)", "character varying(65535)"),
    *("nvarchar(max)", "time", "time without time zone", "timetz", "time with time zone"),
    *("timestamp without time zone", "timestamptz", "timestamp with time zone", "super", "SUPER"),
]


@pytest.mark.parametrize("spelling", _EVERY_SPELLING)
def test_validate_passes_every_spelling_of_every_type(spelling: str) -> None:
    with_columns(Column("a", spelling)).validate()


@pytest.mark.parametrize(
    ("spelling", "problem"),
    [
        ("decimal(40,2)", "decimal(40,2): the precision of decimal(p,s) is 1 to 38, not 40"),
        ("numeric(5,7)", "numeric(5,7): the scale (7) of numeric(p,s) is at most its precision (5)"),
        ("varchar(0)", "varchar(0): the width of varchar(n) is 1 to 65535 bytes (or max), not 0"),
        ("varchar(65536)", "varchar(65536): the width of varchar(n) is 1 to 65535 bytes (or max), not 65536"),
        ("char(70000)", "char(70000): the width of char(n) is 1 to 4096 bytes (or max), not 70000"),
        ("int(4)", "int(4): int takes no parameters"),
        ("timestamptz(3)", "timestamptz(3): timestamptz takes no parameters"),
    ],
)
def test_validate_refuses_bad_parameters_with_the_allowed_range(spelling: str, problem: str) -> None:
    with pytest.raises(UnsupportedType) as caught:
        with_columns(Column("amount", spelling)).validate()
    assert str(caught.value) == f"Column 'amount' (columns[1]) has type {spelling!r}: {problem}."


@pytest.mark.parametrize("spelling", ["geometry", "geography", "hllsketch", "varbyte(10)", "interval"])
def test_validate_refuses_a_type_copy_cannot_load_from_json_naming_column_and_type(spelling: str) -> None:
    with pytest.raises(UnsupportedType) as caught:
        with_columns(Column("shape", spelling)).validate()
    message = str(caught.value)
    assert message.startswith(f"Column 'shape' (columns[1]) has type {spelling!r}: ")
    assert "COPY … FORMAT AS JSON cannot load" in message
    assert "load it as varchar or super instead" in message


@pytest.mark.parametrize(
    ("column", "key"),
    [(Column("doc", "super", dist_key=True), "distkey"), (Column("doc", "super", sort_ord=1), "sortord")],
)
def test_validate_refuses_a_super_distribution_or_sort_key(column: Column, key: str) -> None:
    with pytest.raises(UnsupportedType) as caught:
        with_columns(column).validate()
    assert str(caught.value) == (
        f"Column 'doc' (columns[1]) has type 'super' and {key} set; Redshift cannot distribute or sort by a "
        "SUPER column, so drop the key or key another column."
    )


@pytest.mark.parametrize("spelling", ["timestamp", "TIMESTAMP", "timestamp without time zone"])
def test_any_spelling_of_timestamp_names_the_data_timestamp_column(spelling: str) -> None:
    valid_config(Column("time", spelling)).validate()


@pytest.mark.parametrize("spelling", ["timestamptz", "date", "nope"])
def test_the_data_timestamp_column_must_be_a_timestamp(spelling: str) -> None:
    with pytest.raises(InvalidDataTimestamp, match=f"names a column of type {spelling!r}; it must name a"):
        DestinationConfig(
            "test", "complete", [Column("time", spelling)], "time"
        )._validate_data_timestamp_column()


@pytest.mark.parametrize(
    ("spelling", "default", "stored", "value"),
    [
        ("decimal(12,2)", Decimal("12.50"), "12.50", Decimal("12.50")),
        ("numeric(10,8)", Decimal("0.00000001"), "0.00000001", Decimal("1E-8")),
        ("time", dt.time(10, 15), "10:15:00", dt.time(10, 15)),
        ("timetz", dt.time(10, 15, tzinfo=UTC), "10:15:00+00:00", dt.time(10, 15, tzinfo=UTC)),
        (
            "timestamptz",
            dt.datetime(2016, 1, 1, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2016-01-01 10:15:00+02:00",
            dt.datetime(2016, 1, 1, 8, 15, tzinfo=UTC),
        ),
        ("smallint", 7, "7", 7),
        ("real", 0.5, "0.5", 0.5),
        ("varchar(8)", "x", "x", "x"),
    ],
)
def test_a_default_of_every_new_type_is_kept_as_text_and_parsed_as_its_type(
    spelling: str, default: Any, stored: str, value: object
) -> None:
    column = Column("c", spelling, default_val=default)
    assert column.default_val == stored
    with_columns(column).validate()
    assert column.default_value == value


def test_validate_names_the_column_of_a_default_that_does_not_fit_its_decimal() -> None:
    with pytest.raises(InvalidDefault) as caught:
        with_columns(Column("price", "decimal(5,2)", default_val=Decimal("1234.5"))).validate()
    assert str(caught.value).startswith(
        "Column 'price' (columns[1]): '1234.5' is not a valid default for a decimal(5,2) column: it has 4 "
        "digit(s) before the point, and numeric(5,2) holds at most 3."
    )


@pytest.mark.parametrize("sort_ords", [(1, 2, 3), (3, 1, 2), (0, 1, 0, 2), (0, 0, 0)])
def test_validate_passes_sort_ordinals_one_to_n_in_any_column_order(sort_ords: tuple[int, ...]) -> None:
    columns = [Column(f"c{index}", "int", sort_ord=sort_ord) for index, sort_ord in enumerate(sort_ords)]
    with_columns(*columns).validate()


def test_validate_refuses_sort_ordinals_with_a_gap() -> None:
    config = with_columns(Column("a", "int", sort_ord=1), Column("b", "int", sort_ord=3))
    with pytest.raises(InvalidSortOrds) as caught:
        config.validate()
    assert str(caught.value) == (
        "Sort ordinals must occur in some ascending order, e.g. 1, 2, 3, 4... Found a=1, b=3: 2 is missing."
    )


def test_validate_refuses_sort_ordinals_not_starting_at_one() -> None:
    config = with_columns(Column("a", "int", sort_ord=2), Column("b", "int", sort_ord=3))
    with pytest.raises(InvalidSortOrds) as caught:
        config.validate()
    assert str(caught.value) == (
        "Sort ordinals must occur in some ascending order, e.g. 1, 2, 3, 4... Found a=2, b=3: they start "
        "at 2, not 1."
    )


def test_validate_refuses_a_duplicate_sort_ordinal() -> None:
    config = with_columns(Column("a", "int", sort_ord=1), Column("b", "int", sort_ord=1))
    with pytest.raises(InvalidSortOrds) as caught:
        config.validate()
    assert str(caught.value) == (
        "Sort ordinals must occur in some ascending order, e.g. 1, 2, 3, 4... Found a=1, b=1: 1 is given "
        "to both column 'a' (columns[1]) and column 'b' (columns[2])."
    )


def test_validate_refuses_a_negative_sort_ordinal() -> None:
    config = with_columns(Column("a", "int", sort_ord=-1))
    with pytest.raises(InvalidSortOrds) as caught:
        config.validate()
    assert str(caught.value) == (
        "Sort ordinals must occur in some ascending order, e.g. 1, 2, 3, 4... Column 'a' (columns[1]) has "
        "sortord -1; use 0 for a column outside the sort key and 1..n for the sort key's order."
    )


@pytest.mark.parametrize("sort_ord", [True, "1", 1.0])
def test_validate_refuses_a_sort_ordinal_that_is_not_an_integer(sort_ord: Any) -> None:
    config = with_columns(Column("a", "int", sort_ord=sort_ord))
    with pytest.raises(
        InvalidSortOrds, match=r"Column 'a' \(columns\[1\]\) has sortord .* which is not an integer"
    ):
        config.validate()


def test_validate_refuses_a_data_timestamp_column_naming_no_column() -> None:
    config = valid_config(data_timestamp_column="when")
    with pytest.raises(InvalidDataTimestamp) as caught:
        config.validate()
    assert str(caught.value) == (
        "A data timestamp column must be provided. 'when' names no column of test.complete (its columns: "
        "'time', 'id'); it must name a column of type timestamp."
    )


def test_validate_refuses_a_data_timestamp_column_of_type_text() -> None:
    config = valid_config(data_timestamp_column="id")
    with pytest.raises(InvalidDataTimestamp) as caught:
        config.validate()
    assert str(caught.value) == (
        "A data timestamp column must be provided. 'id' names a column of type 'text'; it must name a "
        "column of type timestamp."
    )


def test_validate_refuses_a_data_timestamp_column_when_there_are_no_columns() -> None:
    config = DestinationConfig("test", "complete", (), "time")
    with pytest.raises(
        InvalidDataTimestamp, match=r"'time' names no column of test\.complete \(its columns: none\)"
    ):
        config.validate()


# --- validate(): rio's own checks -----------------------------------------------------------------


def test_validate_refuses_a_duplicate_column_name() -> None:
    config = with_columns(Column("a", "int"), Column("b", "int"), Column("a", "text"))
    with pytest.raises(DuplicateColumn) as caught:
        config.validate()
    assert str(caught.value) == (
        "Column 'a' appears twice, as columns[1] and columns[3]; column names must be unique."
    )


def test_validate_refuses_an_empty_column_name() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        with_columns(Column("", "int")).validate()
    assert str(caught.value) == "column name '' (columns[1]) is empty."


def test_validate_passes_a_column_name_of_127_bytes() -> None:
    name = "é" * 63 + "a"
    assert len(name.encode()) == 127
    with_columns(Column(name, "int")).validate()


def test_validate_refuses_a_column_name_of_128_bytes() -> None:
    name = "é" * 64
    with pytest.raises(InvalidIdentifier) as caught:
        with_columns(Column(name, "int")).validate()
    assert str(caught.value) == (
        f"column name {name!r} (columns[1]) is 128 bytes long; Redshift allows at most 127 bytes."
    )


def test_validate_refuses_capitals_in_a_column_name() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        with_columns(Column("userId", "int")).validate()
    assert str(caught.value) == (
        "column name 'userId' (columns[1]) holds the capital 'I' at position 4; Redshift folds names to "
        "lower case, so write 'userid'."
    )


@pytest.mark.parametrize(("name", "char"), [("user id", " "), ("id;drop", ";"), ('a"b', '"'), ("1st", "1")])
def test_validate_refuses_a_character_redshift_would_reject(name: str, char: str) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        with_columns(Column(name, "int")).validate()
    assert str(caught.value).startswith(f"column name {name!r} (columns[1]) cannot ")
    assert repr(char) in str(caught.value)


def test_validate_refuses_a_system_column_name() -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        with_columns(Column("ctid", "text")).validate()
    assert str(caught.value) == (
        "column name 'ctid' (columns[1]) is the name of a system column every table already has (cmax, "
        "cmin, ctid, oid, tableoid, xmax, xmin)."
    )


def test_validate_refuses_a_bad_schema_name() -> None:
    config = DestinationConfig("My Schema", "complete", valid_config().columns, "time")
    with pytest.raises(
        InvalidIdentifier, match=r"^schema name 'My Schema' holds the capital 'M' at position 0"
    ):
        config.validate()


def test_validate_refuses_a_bad_table_name() -> None:
    config = DestinationConfig("test", "page-views", valid_config().columns, "time")
    with pytest.raises(
        InvalidIdentifier, match=r"^table name 'page-views' cannot contain '-' \(position 4\)"
    ):
        config.validate()


@pytest.mark.parametrize(
    "schema",
    ["information_schema", "pg_catalog", "pg_toast", "pg_temp_3", "pg_internal", "catalog_history",
     "PG_CATALOG", "Pg_Catalog", "INFORMATION_SCHEMA"],
)  # fmt: skip
def test_validate_refuses_a_system_schema_in_any_case(schema: str) -> None:
    config = DestinationConfig(schema, "complete", valid_config().columns, "time")
    with pytest.raises(ReservedName) as caught:
        config.validate()
    assert str(caught.value).startswith(f"schema {schema!r} is a system schema (")
    assert "rio never loads into one" in str(caught.value)
    # A ReservedName is an InvalidIdentifier, so code that catches bad names catches it too.
    assert isinstance(caught.value, InvalidIdentifier)


@pytest.mark.parametrize("table", [LEDGER_TABLE, "RIO_LOADS", "Rio_Loads"])
def test_validate_refuses_the_ledgers_table_name(table: str) -> None:
    config = DestinationConfig("analytics", table, valid_config().columns, "time")
    with pytest.raises(ReservedName) as caught:
        config.validate()
    assert str(caught.value).startswith(f"table {table!r} is named like rio's load ledger (rio_loads)")
    assert "forge" in str(caught.value)


@pytest.mark.parametrize(
    ("schema", "table"),
    [("temp", "t"), ("system", "t"), ("main", "t"), ("public", "t"), ("pg", "t"), ("pgcatalog", "t"),
     ("analytics", "rio_loads_archive"), ("analytics", "my_rio_loads"), ("analytics", "pg_catalog")],
)  # fmt: skip
def test_validate_allows_names_that_only_resemble_reserved_ones(schema: str, table: str) -> None:
    DestinationConfig(schema, table, valid_config().columns, "time").validate()


def test_validate_allows_a_reserved_word_as_a_name() -> None:
    valid_config(Column("select", "timestamp"), data_timestamp_column="select").validate()


def test_validate_refuses_a_default_that_is_not_a_literal_of_its_type() -> None:
    with pytest.raises(InvalidDefault) as caught:
        with_columns(Column("logins", "int", default_val="many")).validate()
    assert str(caught.value) == (
        "Column 'logins' (columns[1]): 'many' is not a valid default for an int column: it is not a whole "
        "number. Accepted: a whole number from -2147483648 to 2147483647, optionally in single quotes."
    )


def test_validate_passes_1600_columns() -> None:
    with_columns(*(Column(f"c{index}", "int") for index in range(MAX_COLUMNS - 1))).validate()


def test_validate_refuses_1601_columns() -> None:
    config = with_columns(*(Column(f"c{index}", "int") for index in range(MAX_COLUMNS)))
    with pytest.raises(TooManyColumns) as caught:
        config.validate()
    assert str(caught.value) == "Table test.complete has 1601 columns; Redshift allows at most 1600."


# --- validate(): which problem comes first --------------------------------------------------------


def test_validate_reports_the_first_problem_in_column_order() -> None:
    config = with_columns(Column("a", "varchr"), Column("B", "int"), Column("c", "int", dist_key=True))
    with pytest.raises(UnsupportedType, match=r"Column 'a' \(columns\[1\]\) has type 'varchr'"):
        config.validate()


def test_validate_reports_a_bad_name_before_a_bad_type_in_one_column() -> None:
    with pytest.raises(InvalidIdentifier, match=r"^column name 'A'"):
        with_columns(Column("A", "varchr", sort_ord=-1)).validate()


def test_validate_reports_a_second_dist_key_before_its_bad_type() -> None:
    config = with_columns(Column("a", "int", dist_key=True), Column("b", "varchr", dist_key=True))
    with pytest.raises(MultipleDistKeys):
        config.validate()


def test_validate_reports_the_table_name_before_the_data_timestamp_column() -> None:
    with pytest.raises(IncompleteTableName):
        DestinationConfig("", "", (), None).validate()


def test_validate_reports_the_data_timestamp_column_before_bad_names() -> None:
    with pytest.raises(InvalidDataTimestamp, match=r"^A data timestamp column must be provided\. It names"):
        DestinationConfig("Bad", "Bad", (Column("Bad", "nope"),), None).validate()


def test_validate_reports_column_problems_before_sort_ordinals() -> None:
    config = with_columns(Column("a", "int", sort_ord=2), Column("b", "int", default_val="x"))
    with pytest.raises(InvalidDefault):
        config.validate()


def test_validate_reports_too_many_columns_before_sort_ordinals() -> None:
    columns = [Column(f"c{index}", "int", sort_ord=5) for index in range(MAX_COLUMNS)]
    with pytest.raises(TooManyColumns):
        with_columns(*columns).validate()


def test_validate_reports_sort_ordinals_before_the_data_timestamp_column() -> None:
    config = valid_config(Column("time", "text", sort_ord=2))
    with pytest.raises(InvalidSortOrds):
        config.validate()


def test_every_validation_error_is_a_config_error_and_a_value_error() -> None:
    with pytest.raises(ConfigError) as caught:
        with_columns(Column("a", "varchr")).validate()
    assert isinstance(caught.value, ValueError)


# --- parse_default --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column_type", "raw", "value"),
    [
        ("boolean", "true", True),
        ("boolean", "FALSE", False),
        ("boolean", "t", True),
        ("boolean", "F", False),
        ("boolean", "yes", True),
        ("boolean", "No", False),
        ("boolean", "y", True),
        ("boolean", "n", False),
        ("boolean", "1", True),
        ("boolean", "0", False),
        ("boolean", "'true'", True),
        ("int", "0", 0),
        ("int", "-1", -1),
        ("int", "+5", 5),
        ("int", "007", 7),
        ("int", "2147483647", 2147483647),
        ("int", "-2147483648", -2147483648),
        ("int", "'42'", 42),
        ("bigint", "2147483648", 2147483648),
        ("bigint", "9223372036854775807", 9223372036854775807),
        ("bigint", "-9223372036854775808", -9223372036854775808),
        ("bigint", "'7'", 7),
        ("float", "1.5", 1.5),
        ("float", "-2e10", -2e10),
        ("float", "1E+3", 1000.0),
        ("float", ".5", 0.5),
        ("float", "5.", 5.0),
        ("float", "100", 100.0),
        ("float", "'0.25'", 0.25),
        ("date", "2016-01-01", dt.date(2016, 1, 1)),
        ("date", "'2016-02-29'", dt.date(2016, 2, 29)),
        ("date", "current_date", SqlFunction("current_date")),
        ("date", "CURRENT_DATE", SqlFunction("current_date")),
        ("timestamp", "2016-01-01 10:15:00", dt.datetime(2016, 1, 1, 10, 15)),
        ("timestamp", "2016-01-01T10:15:00", dt.datetime(2016, 1, 1, 10, 15)),
        ("timestamp", "2016-01-01 10:15:00.5", dt.datetime(2016, 1, 1, 10, 15, 0, 500000)),
        ("timestamp", "'2016-01-01 10:15:00.123456'", dt.datetime(2016, 1, 1, 10, 15, 0, 123456)),
        ("timestamp", "getdate()", SqlFunction("getdate()")),
        ("timestamp", "GETDATE()", SqlFunction("getdate()")),
        ("timestamp", "sysdate", SqlFunction("sysdate")),
        ("timestamp", "Current_Timestamp", SqlFunction("current_timestamp")),
        ("text", "hello", "hello"),
        ("text", "100", "100"),
        ("text", "'q'", "q"),
        ("text", "'it''s'", "it's"),
        ("text", "'bad'quote'", "'bad'quote'"),
        ("text", "''", ""),
        ("text", "'", "'"),
        ("text", "a" * 256, "a" * 256),
        ("text", "é" * 128, "é" * 128),
        ("text", "'" + "a" * 256 + "'", "a" * 256),
        ("longtext", "x" * 65535, "x" * 65535),
        ("longtext", "'don''t'", "don't"),
    ],
)
def test_parse_default_accepts(column_type: str, raw: str, value: object) -> None:
    parsed = parse_default(column_type, raw)
    assert parsed == value
    assert type(parsed) is type(value)


@pytest.mark.parametrize(
    ("column_type", "raw", "reason"),
    [
        ("boolean", "maybe", "it is not a boolean literal"),
        ("boolean", "2", "it is not a boolean literal"),
        ("boolean", "", "it is not a boolean literal"),
        ("boolean", "'true", "it is not a boolean literal"),
        ("int", "2147483648", "it is outside the range of int (-2147483648 to 2147483647)"),
        ("int", "-2147483649", "it is outside the range of int (-2147483648 to 2147483647)"),
        ("int", "1.0", "it is not a whole number"),
        ("int", "1e3", "it is not a whole number"),
        ("int", "0x10", "it is not a whole number"),
        ("int", "1_000", "it is not a whole number"),
        ("int", " 1", "it is not a whole number"),
        ("int", "\u0661", "it is not a whole number"),
        ("int", "'1'2'", "it is not a whole number"),
        ("int", "", "it is not a whole number"),
        (
            "bigint",
            "9223372036854775808",
            "it is outside the range of bigint (-9223372036854775808 to 9223372036854775807)",
        ),
        ("float", "nan", "NaN and infinity are not allowed"),
        ("float", "NaN", "NaN and infinity are not allowed"),
        ("float", "inf", "NaN and infinity are not allowed"),
        ("float", "-Infinity", "NaN and infinity are not allowed"),
        ("float", "'inf'", "NaN and infinity are not allowed"),
        ("float", "1e999", "it is too large for double precision"),
        ("float", "1,5", "it is not a decimal or scientific number"),
        ("float", "abc", "it is not a decimal or scientific number"),
        ("date", "2026-02-30", "it is not a real date (day is out of range for month)"),
        ("date", "0000-01-01", "it is not a real date (year 0 is out of range)"),
        ("date", "2016-1-1", "it is not a date YYYY-MM-DD"),
        ("date", "2016-01-01 10:00:00", "it is not a date YYYY-MM-DD"),
        ("date", "'current_date'", "it is not a date YYYY-MM-DD"),
        ("date", "today", "it is not a date YYYY-MM-DD"),
        (
            "timestamp",
            "2016-01-01 10:15:00+00:00",
            "it has the time zone '+00:00', but the column is timestamp without time zone",
        ),
        (
            "timestamp",
            "2016-01-01T10:15:00Z",
            "it has the time zone 'Z', but the column is timestamp without time zone",
        ),
        ("timestamp", "2016-01-01", "it is not a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]"),
        ("timestamp", "2016-01-01 10:15:00.1234567", "it is not a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]"),
        ("timestamp", "now()", "it is not a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]"),
        ("timestamp", "2016-01-01 25:00:00", "it is not a real date and time (hour must be in 0..23)"),
        (
            "timestamp",
            "2016-02-30 10:00:00",
            "it is not a real date and time (day is out of range for month)",
        ),
        (
            "text",
            "a" * 257,
            "it is 257 bytes of UTF-8, more than the 256 a text column holds; use longtext for up to 65535 "
            "bytes",
        ),
        (
            "text",
            "é" * 129,
            "it is 258 bytes of UTF-8, more than the 256 a text column holds; use longtext for up to 65535 "
            "bytes",
        ),
        ("text", "a\x00b", "it holds a NUL character (position 1), which Redshift cannot store"),
        ("text", "'a\x00'", "it holds a NUL character (position 1), which Redshift cannot store"),
        ("text", "a\ud800", "it is not valid Unicode text (a lone surrogate at position 1)"),
        ("longtext", "x" * 65536, "it is 65536 bytes of UTF-8, more than the 65535 a longtext column holds"),
    ],
)
def test_parse_default_rejects(column_type: str, raw: str, reason: str) -> None:
    with pytest.raises(InvalidDefault) as caught:
        parse_default(column_type, raw)
    assert str(caught.value).startswith(
        f"{raw!r} is not a valid default for {'an' if column_type == 'int' else 'a'} {column_type} column: "
        f"{reason}."
    )


def test_parse_default_refuses_a_number_too_long_to_convert() -> None:
    with pytest.raises(InvalidDefault, match=r"it is outside the range of bigint"):
        parse_default("bigint", "9" * 5000)


def test_parse_default_says_what_is_accepted() -> None:
    with pytest.raises(InvalidDefault) as caught:
        parse_default("timestamp", "2016-01-01T10:15:00Z")
    assert str(caught.value) == (
        "'2016-01-01T10:15:00Z' is not a valid default for a timestamp column: it has the time zone 'Z', "
        "but the column is timestamp without time zone. Accepted: YYYY-MM-DD HH:MM:SS[.ffffff] with a space "
        "or T and no time zone, optionally in single quotes, or getdate(), sysdate or current_timestamp."
    )


def test_parse_default_accepts_a_column_type() -> None:
    assert parse_default(ColumnType.INT, "5") == 5


def test_parse_default_refuses_an_unknown_type() -> None:
    with pytest.raises(UnsupportedType) as caught:
        parse_default("varchr", "x")
    assert str(caught.value).startswith('unknown type "varchr"; the types are smallint (int2)')


def test_parse_default_takes_every_spelling() -> None:
    assert parse_default("varchar", "x") == "x"
    assert parse_default("NUMERIC(4,1)", "'12.5'") == Decimal("12.5")
    with pytest.raises(InvalidDefault, match=r"^'x' is not a valid default for a super column"):
        parse_default("super", "x")


# --- YAML golden files ----------------------------------------------------------------------------

GO_RIO_CONFIG = DestinationConfig(
    "test",
    "complete",
    (Column("time", "timestamp", sort_ord=1), Column("id", "text", dist_key=True)),
    "time",
)


def test_go_rio_golden_reads_as_the_go_rio_config() -> None:
    config = DestinationConfig.from_yaml(read_golden("config/go_rio.yml"))
    assert config == GO_RIO_CONFIG
    config.validate()


def test_yaml_keeps_every_type_and_default_as_written() -> None:
    columns = [Column(f"c{index}", spelling) for index, spelling in enumerate(_EVERY_SPELLING)]
    columns += [
        Column("price", "Decimal(12, 2)", default_val=Decimal("0.50")),
        Column("opens", "time with time zone", default_val="09:00:00+01"),
        Column("seen", "TIMESTAMPTZ", default_val="2026-11-21 10:15:00Z"),
    ]
    config = DestinationConfig("s", "t", [Column("time", "timestamp"), *columns], "time")
    text = config.to_yaml()
    assert "type: Decimal(12, 2)" in text
    assert "defaultval: '0.50'" in text
    read = DestinationConfig.from_yaml(text)
    assert read == config
    read.validate()


def test_to_yaml_writes_the_go_rio_golden_byte_for_byte() -> None:
    assert GO_RIO_CONFIG.to_yaml().encode("utf-8") == read_golden("config/go_rio.yml")


WITH_FACTS_CONFIG = DestinationConfig(
    schema="analytics",
    table="page_views",
    columns=(
        Column("viewed_at", ColumnType.TIMESTAMP, sort_ord=1, not_null=True, default_val="getdate()"),
        Column("account_id", ColumnType.BIGINT, sort_ord=2, dist_key=True, not_null=True, primary_key=True),
        Column("view_id", ColumnType.INT, not_null=True, primary_key=True, default_val=0),
        Column("is_bot", ColumnType.BOOLEAN, default_val=False),
        Column("score", ColumnType.FLOAT, default_val=0.5),
        Column("view_date", ColumnType.DATE, default_val=dt.date(2016, 1, 1)),
        Column("path", ColumnType.TEXT, default_val="100"),
        Column("referrer", ColumnType.TEXT, default_val="'it''s'"),
        Column("label", ColumnType.TEXT, default_val="null"),
        Column("body", ColumnType.LONGTEXT, default_val="a: b # not a comment"),
    ),
    data_timestamp_column="viewed_at",
)

WITH_FACTS = DataFacts(
    contract=1,
    rows=1234,
    min_data_timestamp=dt.datetime(2026, 11, 21, 10, 15),
    max_data_timestamp=dt.datetime(
        2026, 11, 21, 12, 59, 59, 250000, tzinfo=dt.timezone(dt.timedelta(hours=2))
    ),
    max_byte_lengths={"path": 87, "referrer": 12, "label": 4, "body": 4096},
)


def test_rio_with_facts_golden_is_what_to_yaml_writes() -> None:
    WITH_FACTS_CONFIG.validate()
    assert_matches_golden("config/rio_with_facts.yml", WITH_FACTS_CONFIG.to_yaml(WITH_FACTS))


def test_rio_with_facts_golden_reads_back_equal() -> None:
    tables = parse_config_yaml(read_golden("config/rio_with_facts.yml"))
    assert tables == {"page_views": TableConfig("page_views", WITH_FACTS_CONFIG, WITH_FACTS)}
    facts = tables["page_views"].facts
    assert facts is not None
    assert facts.max_data_timestamp == dt.datetime(2026, 11, 21, 10, 59, 59, 250000, tzinfo=UTC)
    assert list(facts.max_byte_lengths) == ["path", "referrer", "label", "body"]


def test_rio_with_facts_golden_writes_timestamps_as_quoted_iso_strings() -> None:
    text = read_golden("config/rio_with_facts.yml").decode("utf-8")
    assert "      min_data_timestamp: '2026-11-21T10:15:00'\n" in text
    assert "      max_data_timestamp: '2026-11-21T10:59:59.250000Z'\n" in text


GO_WORKER_TABLES = {
    "users": TableConfig(
        "users",
        DestinationConfig(
            "mongo_raw",
            "users",
            (
                Column("_data_timestamp", "timestamp", sort_ord=1),
                Column("id", "text", dist_key=True, not_null=True, primary_key=True),
                Column("logins", "int", default_val="100"),
                Column("signup_date", "date", default_val="2016-01-01"),
                Column("bio", "longtext"),
            ),
            "_data_timestamp",
        ),
    ),
    "events_v2": TableConfig(
        "events_v2",
        DestinationConfig(
            "mongo_raw",
            "events",
            (
                Column("occurred_at", "timestamp", sort_ord=1),
                Column("account", "text", sort_ord=2, default_val="'unknown'"),
                Column("amount", "float"),
                Column("flagged", "boolean", default_val="false"),
                Column("total", "bigint", default_val="9223372036854775807"),
            ),
            "occurred_at",
        ),
    ),
}


def test_go_worker_handwritten_golden_reads_every_table_exactly() -> None:
    tables = parse_config_yaml(read_golden("config/go_worker_handwritten.yml"))
    assert tables == GO_WORKER_TABLES
    assert list(tables) == ["users", "events_v2"]
    for entry in tables.values():
        entry.destination.validate()


def test_go_worker_handwritten_defaults_parse_to_typed_values() -> None:
    users = GO_WORKER_TABLES["users"].destination
    events = GO_WORKER_TABLES["events_v2"].destination
    assert [column.default_value for column in users.columns] == [None, None, 100, dt.date(2016, 1, 1), None]
    assert [column.default_value for column in events.columns] == [None, "unknown", None, False, 2**63 - 1]


def test_from_yaml_picks_the_entry_whose_key_is_the_table() -> None:
    data = read_golden("config/go_worker_handwritten.yml")
    assert DestinationConfig.from_yaml(data, table="users") == GO_WORKER_TABLES["users"].destination


def test_from_yaml_picks_the_entry_whose_dest_is_the_table() -> None:
    data = read_golden("config/go_worker_handwritten.yml")
    assert DestinationConfig.from_yaml(data, table="events") == GO_WORKER_TABLES["events_v2"].destination


def test_from_yaml_prefers_a_key_match_to_a_dest_match() -> None:
    data = """\
a:
  dest: b
  meta: {schema: s, datadatecolumn: t}
b:
  dest: c
  meta: {schema: s, datadatecolumn: t}
"""
    assert DestinationConfig.from_yaml(data, table="b").table == "c"


def test_from_yaml_accepts_the_right_schema() -> None:
    config = DestinationConfig.from_yaml(read_golden("config/go_rio.yml"), table="complete", schema="test")
    assert config == GO_RIO_CONFIG


# --- YAML writing ---------------------------------------------------------------------------------


def test_to_yaml_quotes_strings_yaml_would_misread() -> None:
    config = DestinationConfig(
        "test",
        "complete",
        (
            Column("time", "timestamp"),
            Column("a", "text", default_val="100"),
            Column("b", "text", default_val="true"),
            Column("c", "text", default_val="2016-01-01"),
            Column("d", "text", default_val="null"),
            Column("yes", "text", default_val="''"),
        ),
        "time",
    )
    text = config.to_yaml()
    assert "    defaultval: '100'\n" in text
    assert "    defaultval: 'true'\n" in text
    assert "    defaultval: '2016-01-01'\n" in text
    assert "    defaultval: 'null'\n" in text
    assert "  - dest: 'yes'\n" in text
    assert "    defaultval: ''''''\n" in text
    assert DestinationConfig.from_yaml(text) == config


def test_to_yaml_writes_an_empty_column_list_as_a_flow_list() -> None:
    text = DestinationConfig("s", "t", (), "time").to_yaml()
    assert text == "t:\n  dest: t\n  columns: []\n  meta:\n    datadatecolumn: time\n    schema: s\n"


def test_to_yaml_writes_an_aware_timestamp_in_utc() -> None:
    facts = DataFacts(
        min_data_timestamp=dt.datetime(2026, 11, 21, 5, 15, tzinfo=dt.timezone(-dt.timedelta(hours=5)))
    )
    assert "      min_data_timestamp: '2026-11-21T10:15:00Z'\n" in GO_RIO_CONFIG.to_yaml(facts)


def test_to_yaml_omits_facts_that_are_not_known() -> None:
    assert GO_RIO_CONFIG.to_yaml(DataFacts()).endswith("    schema: test\n    rio:\n      contract: 1\n")


def test_dump_config_yaml_writes_tables_in_the_order_given() -> None:
    other = DestinationConfig("test", "other", (Column("time", "timestamp"),), "time")
    text = dump_config_yaml([TableConfig("z", GO_RIO_CONFIG), TableConfig("a", other)])
    assert text.startswith("z:\n  dest: complete\n")
    assert "\na:\n  dest: other\n" in text
    assert list(parse_config_yaml(text)) == ["z", "a"]


def test_dump_config_yaml_refuses_two_tables_with_one_key() -> None:
    with pytest.raises(ValueError, match=r"^two tables share the key 'complete'$"):
        dump_config_yaml([TableConfig("complete", GO_RIO_CONFIG), TableConfig("complete", GO_RIO_CONFIG)])


def test_data_facts_keep_a_read_only_copy_of_the_byte_lengths() -> None:
    lengths = {"b": 1, "a": 2}
    facts = DataFacts(max_byte_lengths=lengths)
    lengths["c"] = 3
    assert dict(facts.max_byte_lengths) == {"b": 1, "a": 2}
    with pytest.raises(TypeError):
        facts.max_byte_lengths["c"] = 3  # type: ignore[index]


# --- YAML reading: what the Go tools and people wrote ---------------------------------------------


def read_one(columns: str, meta: str = "    datadatecolumn: time\n    schema: test\n") -> DestinationConfig:
    return DestinationConfig.from_yaml(f"t:\n  dest: t\n  columns:\n{columns}  meta:\n{meta}")


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("100", "100"),
        ("true", "true"),
        ("2016-01-01", "2016-01-01"),
        ("010", "010"),
        ("1.50", "1.50"),
        ("yes", "yes"),
        ("'it''s'", "it's"),
        ("\"'it''s'\"", "'it''s'"),
        ("2016-01-01 10:15:00", "2016-01-01 10:15:00"),
    ],
)
def test_reading_keeps_a_plain_defaultval_as_the_text_written(written: str, stored: str) -> None:
    config = read_one(f"  - dest: a\n    type: text\n    defaultval: {written}\n")
    assert config.columns[0].default_val == stored


@pytest.mark.parametrize("written", ["", "~", "null", "''"])
def test_reading_takes_an_empty_or_null_defaultval_as_no_default(written: str) -> None:
    config = read_one(f"  - dest: a\n    type: text\n    defaultval: {written}\n")
    assert config.columns[0].default_val is None


def test_reading_takes_null_optional_column_keys_as_omitted() -> None:
    config = read_one("  - dest: a\n    type: int\n    sortord:\n    distkey: ~\n    notnull: null\n")
    assert config.columns == (Column("a", "int"),)


def test_reading_accepts_yaml_1_1_booleans_for_flags() -> None:
    config = read_one("  - dest: a\n    type: int\n    distkey: yes\n    notnull: on\n    primarykey: True\n")
    assert config.columns == (Column("a", "int", dist_key=True, not_null=True, primary_key=True),)


@pytest.mark.parametrize(
    "text",
    [
        "t:\n  dest: t\n  meta: {schema: s, datadatecolumn: d}\n",
        "t: {dest: t, columns: , meta: {schema: s, datadatecolumn: d}}\n",
    ],
    ids=["missing", "null"],
)
def test_reading_takes_a_missing_or_null_column_list_as_no_columns(text: str) -> None:
    assert DestinationConfig.from_yaml(text).columns == ()


def test_reading_resolves_merge_keys_and_lets_written_keys_win() -> None:
    text = """\
t:
  dest: t
  columns:
  - &stamp {dest: time, type: timestamp, sortord: 1}
  - <<: *stamp
    dest: loaded_at
    sortord: 2
  meta: {schema: s, datadatecolumn: time}
"""
    config = DestinationConfig.from_yaml(text)
    assert config.columns == (Column("time", "timestamp", 1), Column("loaded_at", "timestamp", 2))


def test_reading_accepts_a_byte_order_mark() -> None:
    assert DestinationConfig.from_yaml(b"\xef\xbb\xbf" + read_golden("config/go_rio.yml")) == GO_RIO_CONFIG


def test_reading_does_not_validate() -> None:
    config = read_one("  - dest: Bad Name\n    type: varchar\n    sortord: -3\n")
    assert config.columns == (Column("Bad Name", "varchar", sort_ord=-3),)


def test_read_config_file_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "config_test_complete_2026-11-21T10:15:00Z.yml"
    path.write_bytes(read_golden("config/go_rio.yml"))
    assert read_config_file(path, table="complete", schema="test") == GO_RIO_CONFIG


def test_read_config_file_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_bytes(gzip.compress(read_golden("config/go_rio.yml")))
    with pytest.raises(ConfigFileError) as caught:
        read_config_file(str(path))
    assert caught.value.source == str(path)
    assert str(caught.value).startswith(f"{path}: is gzip-compressed")


# --- YAML reading: malformed files ----------------------------------------------------------------

BASE = """\
users:
  dest: users
  columns:
  - dest: time
    type: timestamp
    sortord: 1
  - dest: id
    type: text
  meta:
    datadatecolumn: time
    schema: test
"""


def edited(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


def test_base_of_the_malformed_cases_is_well_formed() -> None:
    assert DestinationConfig.from_yaml(BASE).table == "users"


MALFORMED = [
    pytest.param(
        gzip.compress(BASE.encode()), "", "is gzip-compressed; the old Go rio wrote gzip'd configs", id="gzip"
    ),
    pytest.param(
        BASE.encode() + b"\xff", "", "is not UTF-8 text: byte 0xff at offset 160 is invalid", id="not-utf8"
    ),
    pytest.param(edited("    type: text\n", "    type: [text\n"), "", "is not valid YAML:", id="bad-yaml"),
    pytest.param(edited("    type: text\n", "   type: text\n"), "", "is not valid YAML: ", id="bad-indent"),
    pytest.param("a: \x07", "", "the character U+0007 (line 1, column 4) is not allowed", id="control-char"),
    pytest.param("", "", "is empty; expected a mapping from table name", id="empty"),
    pytest.param("# nothing here\n", "", "is empty; expected a mapping from table name", id="only-comment"),
    pytest.param(
        "- users\n",
        "",
        "line 1, column 1: expected a mapping from table name to {dest, columns, meta}, found a list",
        id="top-list",
    ),
    pytest.param(
        "users\n",
        "",
        "line 1, column 1: expected a mapping from table name to {dest, columns, meta}, found a plain scalar",
        id="top-scalar",
    ),
    pytest.param("--- {}\n--- {}\n", "", "expected a single document", id="two-documents"),
    pytest.param(
        "1:\n" + BASE[len("users:\n") :],
        "",
        "line 1, column 1: expected table names as the keys of a mapping from table name to {dest, "
        "columns, meta}, found a plain scalar",
        id="int-key",
    ),
    pytest.param(
        "users: 3\n",
        "",
        "line 1, column 8: expected each table's entry to be a mapping with dest, columns and meta, found "
        "a plain scalar",
        id="entry-int",
    ),
    pytest.param(
        "users:\n",
        "",
        "line 1, column 7: expected each table's entry to be a mapping with dest, columns and meta, found "
        "nothing (null)",
        id="entry-null",
    ),
    pytest.param(
        "users: {owner: growth}\n",
        "",
        "line 1, column 8: expected each table's entry to be a mapping with dest, columns and meta, found "
        "a mapping with none of them",
        id="entry-without-rio-keys",
    ),
    pytest.param(
        edited("  columns:\n", "  colums:\n"),
        "users.colums",
        "unknown key 'colums' (line 3, column 3); did you mean 'columns'? Known keys: dest, columns, meta",
        id="unknown-entry-key",
    ),
    pytest.param(
        edited("    type: text\n", "    type: text\n    sort_ord: 2\n"),
        "users.columns[1].sort_ord",
        "unknown key 'sort_ord' (line 9, column 5); did you mean 'sortord'? Known keys: dest, type, sortord",
        id="unknown-column-key",
    ),
    pytest.param(
        edited("    type: text\n", "    type: text\n    encoding: zstd\n"),
        "users.columns[1].encoding",
        "unknown key 'encoding' (line 9, column 5). Known keys:",
        id="unknown-column-key-no-match",
    ),
    pytest.param(
        edited("  dest: users\n", ""),
        "users.dest",
        "is missing from the mapping that starts at line 2, column 3; expected a non-empty string",
        id="dest-missing",
    ),
    pytest.param(
        edited("  dest: users\n", "  dest: 5\n"),
        "users.dest",
        "expected a string (quote it if YAML reads it as something else), found the integer 5 (line 2, "
        "column 9)",
        id="dest-int",
    ),
    pytest.param(
        edited("  dest: users\n", "  dest: ''\n"),
        "users.dest",
        "is empty (line 2, column 9)",
        id="dest-empty",
    ),
    pytest.param(
        edited("  dest: users\n", "  dest: [users]\n"),
        "users.dest",
        "found a list (line 2, column 9)",
        id="dest-list",
    ),
    pytest.param(
        "users:\n  dest: users\n  columns: {time: timestamp}\n  meta: {schema: s, datadatecolumn: time}\n",
        "users.columns",
        "expected a list of columns, found a mapping (line 3, column 12)",
        id="columns-mapping",
    ),
    pytest.param(
        edited("  - dest: id\n    type: text\n", "  - id\n"),
        "users.columns[1]",
        "expected a mapping with dest and type, found the string 'id' (line 7, column 5)",
        id="column-scalar",
    ),
    pytest.param(
        edited("  - dest: id\n    type: text\n", "  - type: text\n"),
        "users.columns[1].dest",
        "is missing from the mapping that starts at line 7, column 5",
        id="column-dest-missing",
    ),
    pytest.param(
        edited("    type: text\n", ""),
        "users.columns[1].type",
        "is missing from the mapping that starts at line 7, column 5",
        id="column-type-missing",
    ),
    pytest.param(
        edited("  - dest: id\n", "  - dest: 12\n"),
        "users.columns[1].dest",
        "found the integer 12 (line 7, column 11)",
        id="column-dest-int",
    ),
    pytest.param(
        edited("    type: text\n", "    type: yes\n"),
        "users.columns[1].type",
        "expected a string (quote it if YAML reads it as something else), found the boolean yes",
        id="column-type-bool",
    ),
    pytest.param(
        edited("    sortord: 1\n", "    sortord: one\n"),
        "users.columns[0].sortord",
        "expected an integer, found the string 'one' (line 6, column 14)",
        id="sortord-string",
    ),
    pytest.param(
        edited("    sortord: 1\n", "    sortord: true\n"),
        "users.columns[0].sortord",
        "expected an integer, found the boolean true",
        id="sortord-bool",
    ),
    pytest.param(
        edited("    sortord: 1\n", "    sortord: 1.5\n"),
        "users.columns[0].sortord",
        "expected an integer, found the number 1.5",
        id="sortord-float",
    ),
    pytest.param(
        edited("    type: text\n", "    type: text\n    distkey: 1\n"),
        "users.columns[1].distkey",
        "expected true or false, found the integer 1 (line 9, column 14)",
        id="distkey-int",
    ),
    pytest.param(
        edited("    type: text\n", "    type: text\n    distkey: 'true'\n"),
        "users.columns[1].distkey",
        "expected true or false, found the string 'true'",
        id="distkey-quoted",
    ),
    pytest.param(
        edited("    type: text\n", "    type: text\n    notnull: nope\n"),
        "users.columns[1].notnull",
        "expected true or false, found the string 'nope'",
        id="notnull-string",
    ),
    pytest.param(
        edited("    type: text\n", "    type: text\n    primarykey: 0\n"),
        "users.columns[1].primarykey",
        "expected true or false, found the integer 0",
        id="primarykey-int",
    ),
    pytest.param(
        edited("    type: text\n", "    type: text\n    defaultval: [a, b]\n"),
        "users.columns[1].defaultval",
        "expected a single value, found a list (line 9, column 17)",
        id="defaultval-list",
    ),
    pytest.param(
        edited("    type: text\n", "    type: text\n    defaultval: {a: b}\n"),
        "users.columns[1].defaultval",
        "expected a single value, found a mapping",
        id="defaultval-mapping",
    ),
    pytest.param(
        edited("    type: text\n", "    type: text\n    type: longtext\n"),
        "users.columns[1].type",
        "appears twice (line 8, column 5) and (line 9, column 5)",
        id="duplicate-key",
    ),
    pytest.param(
        edited("  meta:\n    datadatecolumn: time\n    schema: test\n", ""),
        "users.meta",
        "is missing from the mapping that starts at line 2, column 3; expected a mapping with schema and "
        "datadatecolumn",
        id="meta-missing",
    ),
    pytest.param(
        edited("  meta:\n    datadatecolumn: time\n    schema: test\n", "  meta: test\n"),
        "users.meta",
        "expected a mapping with schema and datadatecolumn, found the string 'test' (line 9, column 9)",
        id="meta-string",
    ),
    pytest.param(
        edited("    schema: test\n", ""),
        "users.meta.schema",
        "is missing from the mapping that starts at line 10, column 5; the Go worker requires it",
        id="schema-missing",
    ),
    pytest.param(
        edited("    schema: test\n", "    shcema: test\n"),
        "users.meta.schema",
        "is missing from the mapping that starts at line 10, column 5 (found 'shcema': a typo?)",
        id="schema-typo",
    ),
    pytest.param(
        edited("    schema: test\n", "    schema: ''\n"), "users.meta.schema", "is empty", id="schema-empty"
    ),
    pytest.param(
        edited("    schema: test\n", "    schema:\n"),
        "users.meta.schema",
        "found nothing (null)",
        id="schema-null",
    ),
    pytest.param(
        edited("    datadatecolumn: time\n", ""),
        "users.meta.datadatecolumn",
        "is missing from the mapping that starts at line 10, column 5; the Go worker requires it",
        id="datadatecolumn-missing",
    ),
    pytest.param(
        edited("    datadatecolumn: time\n", "    datadatecolumn: ''\n"),
        "users.meta.datadatecolumn",
        "is empty (line 10, column 21); expected a non-empty string",
        id="datadatecolumn-empty",
    ),
    pytest.param(
        BASE + "    rio: 1\n",
        "users.meta.rio",
        "expected a mapping of rio's facts about the data, found the integer 1 (line 12, column 10)",
        id="rio-int",
    ),
    pytest.param(
        BASE + "    rio:\n      row: 5\n",
        "users.meta.rio.row",
        "unknown key 'row' (line 13, column 7); did you mean 'rows'?",
        id="rio-unknown-key",
    ),
    pytest.param(
        BASE + "    rio:\n      rows: yes\n",
        "users.meta.rio.rows",
        "expected an integer, found the boolean yes",
        id="rio-rows-bool",
    ),
    pytest.param(
        BASE + "    rio:\n      rows: -1\n",
        "users.meta.rio.rows",
        "is -1 (line 13, column 13); expected 0 or more",
        id="rio-rows-negative",
    ),
    pytest.param(
        BASE + "    rio:\n      contract: 'one'\n",
        "users.meta.rio.contract",
        "expected an integer, found the string 'one'",
        id="rio-contract-string",
    ),
    pytest.param(
        BASE + "    rio:\n      contract: 0\n",
        "users.meta.rio.contract",
        "is 0 (line 13, column 17); expected 1 or more",
        id="rio-contract-zero",
    ),
    pytest.param(
        BASE + "    rio:\n      min_data_timestamp: '2026-11-31T00:00:00Z'\n",
        "users.meta.rio.min_data_timestamp",
        "is '2026-11-31T00:00:00Z' (line 13, column 27): it is not a real date and time (day is out of range "
        "for month); expected an ISO 8601 timestamp",
        id="rio-timestamp-not-real",
    ),
    pytest.param(
        BASE + "    rio:\n      max_data_timestamp: yesterday\n",
        "users.meta.rio.max_data_timestamp",
        "is 'yesterday' (line 13, column 27): it is not a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]",
        id="rio-timestamp-word",
    ),
    pytest.param(
        BASE + "    rio:\n      max_data_timestamp: 1700000000\n",
        "users.meta.rio.max_data_timestamp",
        "expected an ISO 8601 timestamp such as '2026-11-21T10:15:00Z', found the integer 1700000000",
        id="rio-timestamp-int",
    ),
    pytest.param(
        BASE + "    rio:\n      max_byte_lengths: [1, 2]\n",
        "users.meta.rio.max_byte_lengths",
        "expected a mapping of column to bytes, found a list",
        id="rio-lengths-list",
    ),
    pytest.param(
        BASE + "    rio:\n      max_byte_lengths: {id: many}\n",
        "users.meta.rio.max_byte_lengths.id",
        "expected an integer, found the string 'many'",
        id="rio-length-string",
    ),
    pytest.param(
        BASE + "    rio:\n      max_byte_lengths: {id: -4}\n",
        "users.meta.rio.max_byte_lengths.id",
        "is the integer -4 (line 13, column 30); expected a byte count of 0 or more",
        id="rio-length-negative",
    ),
]


@pytest.mark.parametrize(("data", "field", "problem"), MALFORMED)
def test_reading_a_malformed_file_names_the_file_and_the_field(
    data: str | bytes, field: str, problem: str
) -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_config_yaml(data, source="s3://bucket/config_test_users.yml")
    error = caught.value
    assert error.source == "s3://bucket/config_test_users.yml"
    assert error.field == field
    assert problem in error.problem
    where = f"s3://bucket/config_test_users.yml: {field}" if field else "s3://bucket/config_test_users.yml"
    assert str(error) == f"{where}: {error.problem}"


def test_reading_invalid_yaml_gives_the_line_and_column() -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_config_yaml(edited("    type: text\n", "    type: [text\n"), source="bad.yml")
    assert caught.value.problem == (
        "is not valid YAML: while parsing a flow sequence (line 8, column 11): expected a comma or the "
        "end of a flow list, but found a colon (line 9, column 7)"
    )


PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "alice:x:1000:1000:Alice Wonder,,,:/home/alice:/bin/zsh\n"
)

#: Files that are no config, each with what of it must never appear in a message.
FOREIGN_FILES = [
    pytest.param(PASSWD, ["root:x", "/bin/bash", "alice", "Wonder", "nologin"], id="passwd"),
    pytest.param(
        "database:\n  host: db.internal.example\n  password: hunter2-S3CRET\n",
        ["database", "db.internal", "hunter2", "password", "host"],
        id="mapping-of-secrets",
    ),
    pytest.param("api_key: sk-live-S3CRET\n", ["api_key", "sk-live"], id="scalar-secret"),
    pytest.param("tokens:\n  - tok-S3CRET\n", ["tokens", "tok-"], id="list-secret"),
    pytest.param("'Zq quote S3CRET'\n", ["Zq", "S3CRET"], id="quoted-scalar"),
    pytest.param("|\n  Zb S3CRET\n", ["Zb", "S3CRET"], id="block-scalar"),
    pytest.param('{"aws_secret_access_key": "wJalr-S3CRET"}\n', ["aws_secret", "wJalr"], id="json-object"),
    pytest.param('["S3CRET", 1]\n', ["S3CRET"], id="json-list"),
    pytest.param("S3CRET-key: [unclosed\n", ["S3CRET", "unclosed"], id="unclosed-flow"),
    pytest.param("x: *S3CRET_alias\n", ["S3CRET", "alias '"], id="undefined-alias"),
    pytest.param('x: "S3CRET\\q"\n', ["S3CRET", "'q'"], id="unknown-escape"),
    pytest.param("a: &S3CRET 1\nb: &S3CRET 2\n", ["S3CRET"], id="duplicate-anchor"),
    pytest.param("x: @S3CRET\n", ["S3CRET", "'@'"], id="reserved-character"),
    pytest.param("S3CRET: value\n  broken: indent\n", ["S3CRET", "broken"], id="bad-indent"),
    pytest.param("%S3CRET directive\n---\nx: 1\n", ["S3CRET"], id="unknown-directive"),
    pytest.param("x: !<tag:S3CRET> 1\ny: [1\n", ["S3CRET"], id="tag"),
]


@pytest.mark.parametrize(("text", "secrets"), FOREIGN_FILES)
def test_a_file_that_is_no_config_is_never_echoed_in_the_error(text: str, secrets: list[str]) -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_config_yaml(text, source="/srv/data/config_s_t_2026-11-21T10:15:00Z.yml")
    message = str(caught.value)
    assert message.startswith("/srv/data/config_s_t_2026-11-21T10:15:00Z.yml: ")
    assert caught.value.field == ""
    for secret in secrets:
        assert secret not in message, message
    assert "line 1" in message or "line 2" in message or "line 3" in message, message


@pytest.mark.parametrize("seed", range(8))
def test_binary_junk_is_never_echoed_in_the_error(seed: int) -> None:
    import random

    junk = random.Random(seed).randbytes(2000)
    with pytest.raises(ConfigFileError) as caught:
        parse_config_yaml(junk, source="junk.yml")
    message = str(caught.value)
    # No run of the junk's printable bytes (four or more) appears in the message.
    printable = list(re.findall(rb"[ -~]{4,}", junk))
    for run in printable:
        assert run.decode() not in message, (run, message)
    # The same junk as text (as if it were Latin-1) gets the same care.
    with pytest.raises(ConfigFileError) as as_text:
        parse_config_yaml(junk.decode("latin-1"), source="junk.yml")
    for run in printable:
        assert run.decode() not in str(as_text.value), (run, str(as_text.value))


@pytest.mark.parametrize(
    ("problem", "reworded"),
    [
        ("found undefined alias 'x'", "found an undefined alias"),
        ("found character '@' that cannot start any token", "found a character that cannot start any token"),
        ("found unknown escape character 'q'", "found an unknown escape character"),
        ("found duplicate anchor 'a'; first occurrence", "found a duplicate anchor"),
        ("expected ',' or ']', but got ':'", "expected a comma or the end of a flow list, but found a colon"),
        ("expected <block end>, but found '<scalar>'", "expected the end of a block, but found a scalar"),
        ("expected alphabetic or numeric character, but found '%'",
         "expected alphabetic or numeric character, but found another character"),
        ("expected a mapping for merging, but found scalar",
         "expected a mapping for merging, but found scalar"),
        ("could not determine a constructor for the tag 'tag:x'", "found a tag rio does not read"),
        ("something new about 'S3CRET'", "something new about a character"),
    ],
)  # fmt: skip
def test_pyyamls_problems_are_reworded_without_a_fragment_of_the_file(problem: str, reworded: str) -> None:
    error = yaml.MarkedYAMLError(problem=problem, problem_mark=yaml.Mark("f", 0, 2, 4, None, None))
    assert describe_yaml_error(error) == f"{reworded} (line 3, column 5)"


def test_a_recognised_config_keeps_messages_that_name_its_keys_and_values() -> None:
    # Once the file is seen to be a config, naming its keys and values helps and gives nothing away.
    with pytest.raises(ConfigFileError) as caught:
        parse_config_yaml(edited("    sortord: 1\n", "    sortord: one\n"), source="c.yml")
    assert caught.value.field == "users.columns[0].sortord"
    assert "found the string 'one'" in str(caught.value)


def test_reading_ignores_other_tools_keys_in_meta() -> None:
    text = edited("    schema: test\n", "    schema: test\n    owner: {team: growth}\n    rio_version: x\n")
    assert DestinationConfig.from_yaml(text).schema == "test"


def test_from_yaml_refuses_a_file_of_several_tables_without_a_table() -> None:
    with pytest.raises(ConfigFileError) as caught:
        DestinationConfig.from_yaml(read_golden("config/go_worker_handwritten.yml"), source="both.yml")
    assert str(caught.value) == (
        "both.yml: holds 2 tables ('users', 'events_v2' (dest 'events')); say which one to read with table="
    )


def test_from_yaml_refuses_a_file_of_no_tables() -> None:
    with pytest.raises(ConfigFileError, match=r"^none\.yml: holds 0 tables \(none\)"):
        DestinationConfig.from_yaml("{}", source="none.yml")


def test_from_yaml_refuses_a_table_that_is_not_in_the_file() -> None:
    with pytest.raises(ConfigFileError) as caught:
        DestinationConfig.from_yaml(
            read_golden("config/go_worker_handwritten.yml"), table="orders", source="c.yml"
        )
    assert caught.value.field == ""
    assert str(caught.value) == (
        "c.yml: has no table 'orders', by key or by dest; it holds 'users', 'events_v2' (dest 'events')"
    )


def test_from_yaml_refuses_two_entries_with_the_wanted_dest() -> None:
    data = (
        "a: {dest: t, meta: {schema: s, datadatecolumn: d}}\n"
        "b: {dest: t, meta: {schema: s, datadatecolumn: d}}\n"
    )
    with pytest.raises(ConfigFileError, match=r"^x\.yml: holds several entries with dest 't' \('a', 'b'\)"):
        DestinationConfig.from_yaml(data, table="t", source="x.yml")


def test_from_yaml_refuses_a_mismatched_schema() -> None:
    with pytest.raises(ConfigFileError) as caught:
        DestinationConfig.from_yaml(read_golden("config/go_rio.yml"), schema="prod", source="c.yml")
    assert caught.value.field == "complete.meta.schema"
    assert str(caught.value) == (
        "c.yml: complete.meta.schema: mismatched schema: the file says 'test', the load is for 'prod'"
    )


# --- round trips ----------------------------------------------------------------------------------

_FIRST = "abcdefghijklmnopqrstuvwxyz_éß中"
_NEXT = _FIRST + "0123456789$"

identifiers = st.one_of(
    st.sampled_from(["true", "false", "null", "yes", "no", "on", "off", "y", "n", "_", "select", "time"]),
    st.builds(lambda first, rest: first + rest, st.sampled_from(_FIRST), st.text(_NEXT, max_size=12)),
).filter(lambda name: identifier_problem(name) is None)

YAML_LOOKALIKES = [
    "true",
    "false",
    "yes",
    "null",
    "~",
    "100",
    "1.5",
    "0x10",
    "2016-01-01",
    "2016-01-01 10:15:00",
    "",
    "''",
    "'q'",
    "a: b",
    "- x",
    "#x",
    "[1]",
    "{a: 1}",
    "&a",
    "*a",
    "!tag",
    "|",
    ">",
    "%x",
    "@x",
    "`x",
    " lead",
    "trail ",
    "line\nbreak",
    "\x85nel",
    "\t",
    "'bad'quote'",
]


def _text_defaults(limit: int) -> st.SearchStrategy[object]:
    texts = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=40)
    return st.sampled_from(YAML_LOOKALIKES) | texts.filter(lambda text: len(text.encode()) <= limit)


def _quoted(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[object]:
    return strategy | strategy.map(str) | strategy.map(lambda value: f"'{value}'")


DEFAULTS: dict[ColumnType, st.SearchStrategy[object]] = {
    ColumnType.BOOLEAN: st.booleans() | st.sampled_from(["true", "f", "YES", "'n'", "1", "0"]),
    ColumnType.INT: _quoted(st.integers(-(2**31), 2**31 - 1)),
    ColumnType.BIGINT: _quoted(st.integers(-(2**63), 2**63 - 1)),
    ColumnType.FLOAT: st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["1e3", ".5", "'-2.5'"]),
    ColumnType.DATE: _quoted(st.dates()) | st.just("current_date"),
    ColumnType.TIMESTAMP: (
        st.datetimes()
        | st.datetimes().map(dt.datetime.isoformat)
        | st.sampled_from(["getdate()", "SYSDATE", "current_timestamp"])
    ),
    ColumnType.TEXT: _text_defaults(256),
    ColumnType.LONGTEXT: _text_defaults(65535),
}


@st.composite
def configs(draw: st.DrawFn) -> DestinationConfig:
    names = draw(st.lists(identifiers, min_size=1, max_size=8, unique=True))
    kinds = [draw(st.sampled_from(list(ColumnType))) for _ in names]
    if ColumnType.TIMESTAMP not in kinds:
        kinds[draw(st.integers(0, len(kinds) - 1))] = ColumnType.TIMESTAMP
    stamp = draw(
        st.sampled_from(
            [name for name, kind in zip(names, kinds, strict=True) if kind is ColumnType.TIMESTAMP]
        )
    )
    dist_key = draw(st.none() | st.integers(0, len(names) - 1))
    order = draw(st.permutations(range(len(names))))
    sort_ords = [0] * len(names)
    for rank, index in enumerate(order[: draw(st.integers(0, len(names)))]):
        sort_ords[index] = rank + 1
    columns = [
        Column(
            name,
            draw(st.sampled_from([kind, kind.value])),
            sort_ord=sort_ords[index],
            dist_key=index == dist_key,
            default_val=draw(st.none() | DEFAULTS[kind]),  # type: ignore[arg-type]
            not_null=draw(st.booleans()),
            primary_key=draw(st.booleans()),
        )
        for index, (name, kind) in enumerate(zip(names, kinds, strict=True))
    ]
    destinations = identifiers.filter(lambda name: not reserved(name))
    config = DestinationConfig(draw(destinations), draw(destinations), columns, stamp)
    config.validate()
    return config


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_a_valid_config_survives_a_yaml_round_trip(config: DestinationConfig) -> None:
    back = DestinationConfig.from_yaml(config.to_yaml())
    assert back == config
    assert [column.default_value for column in back.columns] == [
        column.default_value for column in config.columns
    ]
    back.validate()


offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
moments = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),
    max_value=dt.datetime(2200, 1, 1),
    timezones=st.one_of(st.none(), offsets),
)

facts_strategy = st.builds(
    DataFacts,
    contract=st.integers(1, 5),
    rows=st.none() | st.integers(0, 2**63),
    min_data_timestamp=st.none() | moments,
    max_data_timestamp=st.none() | moments,
    max_byte_lengths=st.dictionaries(identifiers, st.integers(0, 65535), max_size=5),
)


@given(facts_strategy)
def test_data_facts_survive_a_yaml_round_trip(facts: DataFacts) -> None:
    back = parse_config_yaml(GO_RIO_CONFIG.to_yaml(facts))["complete"]
    assert back == TableConfig("complete", GO_RIO_CONFIG, facts)
    assert back.facts is not None
    for written, read in [
        (facts.min_data_timestamp, back.facts.min_data_timestamp),
        (facts.max_data_timestamp, back.facts.max_data_timestamp),
    ]:
        if written is not None and read is not None:
            assert (read.tzinfo is None) == (written.tzinfo is None)
            assert read.tzinfo in (None, UTC)


def test_parse_column_list_reads_names_types_and_not_null_keeping_commas_inside_parentheses() -> None:
    from rio.config import parse_column_list

    columns = parse_column_list(
        "id bigint not null, total decimal(12, 2), placed timestamptz, note character varying(64),doc super"
    )
    assert [(c.name, c.type, c.not_null) for c in columns] == [
        ("id", "bigint", True),
        ("total", "decimal(12, 2)", False),
        ("placed", "timestamptz", False),
        ("note", "character varying(64)", False),
        ("doc", "super", False),
    ]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("id", "item 1", "'id' is not 'name type'"),
        ("id bigint, , name text", "item 2", "is not 'name type'"),
        ("id bigint, amount decimal(40,2)", "item 2 (amount)", "decimal(p,s) is 1 to 38, not 40"),
        ("code varchar(0)", "item 1 (code)", "the width of varchar(n) is 1 to 65535 bytes (or max), not 0"),
        ("code char(70000)", "item 1 (code)", "the width of char(n) is 1 to 4096 bytes (or max), not 70000"),
        ("shape geometry", "item 1 (shape)", "geometry"),
        ("1st bigint", "item 1 (1st)", "cannot start with '1'"),
    ],
)
def test_parse_column_list_names_the_item_and_the_allowed_range(text: str, where: str, message: str) -> None:
    from rio.config import parse_column_list

    with pytest.raises(ConfigFileError) as raised:
        parse_column_list(text, source="--table-columns")
    shown = str(raised.value)
    assert shown.startswith(f"--table-columns: {where}"), shown
    assert message in shown, shown
