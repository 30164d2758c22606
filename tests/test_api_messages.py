"""What the Python API says when it is called wrongly, and how it counts things in its messages.

A keyword a function does not take is named with the ones it does (and the nearest, when one is
close) before anything is opened or read; a load mode rio does not have is named with the modes; a
count of one is "1 row", never "1 rows"; a dry run's statements read as what would run.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import rio
from rio._words import plural
from rio.adapters.base import bind_for_display, sql_literal
from rio.errors import InvalidMode, LoadError, MalformedInput, RioError, UnknownOption
from rio.loader import Status, TableOutcome
from rio.sources import open_source
from rio.transfer import load_option_names


@pytest.fixture
def duckdb_target(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'w.duckdb'}"


def taken(message: str) -> list[str]:
    """The keywords a message lists after "it takes: " (not those it passes on)."""
    listed = message.split("; it takes: ", 1)[1]
    return listed.split("; and ", 1)[0].split(", ")


def passed_on(message: str) -> dict[str, list[str]]:
    """The keywords a message lists as passed on to others, by whose they are."""
    listed = message.split("; it takes: ", 1)[1]
    groups = {}
    for group in listed.split("; and ")[1:]:
        whose, names = group.split(": ", 1)
        groups[whose] = names.split(", ")
    return groups


# --- unknown keywords ----------------------------------------------------------------------------------


def test_an_unknown_keyword_of_load_is_named_with_every_keyword_load_takes(
    duckdb_target: str, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-file.csv"  # never opened: the keyword is checked first
    with pytest.raises(UnknownOption) as raised:
        rio.load(str(missing), f"{duckdb_target}::t", schema="analytics")
    error = raised.value
    assert isinstance(error, TypeError)
    assert isinstance(error, RioError)
    message = str(error)
    assert message.startswith("rio.load() got an unexpected keyword argument 'schema' (")
    assert "target='…::schema.table', or table='schema.table'" in message
    names = taken(message)
    assert names == sorted(names)
    # load's own and open_source's keywords, then the object store's, apart.
    assert {"base", "create", "mode", "upsert_keys", "delimiter", "format", "query", "storage"} <= set(names)
    assert set(names) == load_option_names()
    (store_keywords,) = passed_on(message).values()
    assert store_keywords == sorted(store_keywords)
    assert {"endpoint_url", "region", "aws_access_key_id", "read_timeout"} <= set(store_keywords)
    assert message.endswith(f"; and the object store's: {', '.join(store_keywords)}")
    assert error.option == "schema"
    assert set(error.accepted) == set(names) | set(store_keywords)
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("delimter", "delimiter"), ("upsert_key", "upsert_keys"), ("endpoint", "endpoint_url")],
)
def test_a_mistyped_keyword_of_load_suggests_the_one_meant(
    duckdb_target: str, typed: str, meant: str
) -> None:
    with pytest.raises(UnknownOption, match=rf"'{typed}' \(did you mean '{meant}'\?\); it takes: "):
        rio.load([{"a": 1}], f"{duckdb_target}::t", **{typed: "x"})


def test_a_keyword_far_from_any_gets_no_suggestion(duckdb_target: str) -> None:
    with pytest.raises(UnknownOption) as raised:
        rio.load([{"a": 1}], f"{duckdb_target}::t", zzz=1)
    assert str(raised.value).startswith(
        "rio.load() got an unexpected keyword argument 'zzz'; it takes: base, "
    )


def test_an_unknown_store_option_is_named_with_the_ones_stores_take(duckdb_target: str) -> None:
    with pytest.raises(UnknownOption) as raised:
        rio.load([{"a": 1}], f"{duckdb_target}::t", store_options={"read_timeuot": 5})
    message = str(raised.value)
    assert message.startswith(
        "rio.load(store_options=…) got an unexpected keyword argument 'read_timeuot' "
        "(did you mean 'read_timeout'?); it takes: "
    )
    assert "format" not in taken(message)


def test_the_keywords_load_lists_are_taken(duckdb_target: str) -> None:
    # Store keywords are taken (and unused) by a source that reads no files.
    result = rio.load(
        [{"a": 1}], f"{duckdb_target}::t", read_timeout=5, page_size=100, name="numbers", create=True
    )
    assert result.rows == 1
    assert result.source == "numbers"


def test_open_source_names_its_keywords_too() -> None:
    with pytest.raises(UnknownOption) as raised:
        open_source([(1,)], colums=["a"])
    message = str(raised.value)
    assert message.startswith(
        "open_source() got an unexpected keyword argument 'colums' (did you mean 'columns'?); it takes: "
    )
    assert "columns" in taken(message)
    assert "mode" not in taken(message)


def test_a_tables_methods_name_themselves_and_what_the_table_sets(tmp_path: Path) -> None:
    database = rio.DuckDBDatabase(tmp_path / "w.duckdb")
    users = rio.RedshiftTable(database, "crm.users", upsert_uniqueness_key=["id"])
    path = tmp_path / "users.csv"
    path.write_text("id,name\n1,Ann\n")
    with pytest.raises(UnknownOption) as raised:
        users.load_from_file(path, schema="crm")
    message = str(raised.value)
    assert message.startswith("RedshiftTable.load_from_file() got an unexpected keyword argument 'schema' (")
    assert "RedshiftTable(db, 'schema.table')" in message
    assert "base" not in taken(message)  # the table sets it
    assert "delimiter" in taken(message)
    with pytest.raises(
        UnknownOption, match=r"'base' \(the RedshiftTable sets it: RedshiftTable\(…, base=…\)\)"
    ):
        users.load(path, base=str(tmp_path))
    with pytest.raises(UnknownOption, match=r"RedshiftTable\(…, upsert_uniqueness_key=…\)"):
        users.load_from_s3("s3://bucket/users.csv", upsert_keys=["id"])
    with pytest.raises(UnknownOption, match=r"^RedshiftTable.load_from_manifest\(\) got .* 'delimter' \(did"):
        users.load_from_manifest("s3://bucket/x.manifest", delimter=";")
    # The keywords it lists are taken.
    assert users.load_from_file(path, delimiter=",", format="csv", mode="upsert").rows == 1


def test_a_databases_unload_names_the_store_keywords(tmp_path: Path) -> None:
    database = rio.DuckDBDatabase(tmp_path / "w.duckdb")
    with pytest.raises(UnknownOption) as raised:
        database.unload("main.t", str(tmp_path / "out"), endpoint="http://127.0.0.1:9000")
    message = str(raised.value)
    assert message.startswith(
        "DuckDBDatabase.unload() got an unexpected keyword argument 'endpoint' (did you mean 'endpoint_url'?)"
    )
    assert "endpoint_url" in taken(message)


# --- load modes ------------------------------------------------------------------------------------------


def test_a_mode_rio_does_not_have_lists_the_modes(duckdb_target: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-file.csv"  # never opened: the mode is checked first
    with pytest.raises(InvalidMode) as raised:
        rio.load(str(missing), f"{duckdb_target}::shop.orders", mode="insert")
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, LoadError)
    assert str(raised.value) == (
        "shop.orders: mode 'insert' is not a load mode; give one of: append, truncate, upsert"
    )


def test_refresh_is_refused_for_existing_data_with_the_modes_it_can_run(duckdb_target: str) -> None:
    with pytest.raises(InvalidMode, match=r"existing data has no data date; give one of: append, truncate, "):
        rio.load([{"a": 1}], f"{duckdb_target}::t", mode="refresh")


def test_upsert_without_keys_says_which_keyword_gives_them(duckdb_target: str) -> None:
    with pytest.raises(LoadError, match=r"main\.t: upsert needs the key columns .* \(upsert_keys=\)"):
        rio.load([{"a": 1}], f"{duckdb_target}::t", mode="upsert")


# --- counts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "noun", "shown"),
    [(0, "row", "0 rows"), (1, "row", "1 row"), (2, "row", "2 rows"), (12_000, "row", "12,000 rows")],
)
def test_plural(count: int, noun: str, shown: str) -> None:
    assert plural(count, noun) == shown


def test_plural_with_an_irregular_form_and_without_separators() -> None:
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"
    assert plural(1500, "byte", thousands=False) == "1500 bytes"


def test_an_outcome_of_one_row_says_one_row() -> None:
    assert TableOutcome("shop", "orders", Status.LOADED, rows=1).line() == "shop.orders: loaded 1 row"
    assert TableOutcome("shop", "orders", Status.LOADED, rows=2500).line() == "shop.orders: loaded 2,500 rows"


def test_a_load_of_one_row_says_one_row(duckdb_target: str) -> None:
    result = rio.load([{"a": 1}], f"{duckdb_target}::t")
    assert result.outcome.line() == "main.t: loaded 1 row"


def test_a_short_row_says_how_many_fields_it_has(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match=r"rows: row 2 has 1 field where columns names 2"):
        list(open_source([(1, 2), (3,)], columns=["a", "b"]).rows())
    path = tmp_path / "short.csv"
    path.write_text("a,b\n1,2\n3\n")
    source = open_source(str(path))
    with source, pytest.raises(MalformedInput, match=r"short\.csv: line 3: 1 field where the header has 2"):
        list(source.rows())


# --- statements shown by a dry run ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "NULL"),
        (True, "TRUE"),
        (False, "FALSE"),
        (42, "42"),
        (-1.5, "-1.5"),
        (float("nan"), "'NaN'"),
        (float("inf"), "'Infinity'"),
        (float("-inf"), "'-Infinity'"),
        (Decimal("12.50"), "12.50"),
        ("it's", "'it''s'"),
        ("", "''"),
        (datetime(2026, 11, 21), "'2026-11-21 00:00:00'"),
        (datetime(2026, 11, 21, 9, 30, 1, 250, tzinfo=timezone.utc), "'2026-11-21 09:30:01.000250+00:00'"),
        (date(2026, 11, 21), "'2026-11-21'"),
        (time(9, 30), "'09:30:00'"),
        (b"\x00\xff", "'\\x00ff'"),
        ({"k": [1, "x"]}, """'{"k": [1, "x"]}'"""),
        (Status.LOADED, "'loaded'"),
    ],
)
def test_values_are_shown_as_sql_literals(value: object, literal: str) -> None:
    assert sql_literal(value) == literal


def test_placeholders_are_replaced_in_order_and_the_rest_is_left_alone() -> None:
    sql = "DELETE FROM t WHERE ts >= %s AND ts < %s AND note LIKE 'a%%' AND name = %s"
    shown = bind_for_display(sql, (datetime(2026, 11, 21), datetime(2026, 11, 22), "O'Brien"))
    assert shown == (
        "DELETE FROM t WHERE ts >= '2026-11-21 00:00:00' AND ts < '2026-11-22 00:00:00' "
        "AND note LIKE 'a%' AND name = 'O''Brien'"
    )
    assert bind_for_display("SELECT 1 WHERE a LIKE 'x%%'", ()) == "SELECT 1 WHERE a LIKE 'x%%'"
    assert bind_for_display("a = %s AND b = %s", (1,)) == "a = 1 AND b = %s"  # never invented


def test_a_value_that_looks_like_a_placeholder_is_not_bound_again() -> None:
    assert bind_for_display("a = %s AND b = %s", ("%s", 2)) == "a = '%s' AND b = 2"
