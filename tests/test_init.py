"""A config from data: :meth:`DestinationConfig.from_rows` and ``rio init``.

The columns must be the ones ``rio.load`` would create for the same rows, the data timestamp column
the obvious one (or the one named, checked), and the YAML ``rio init`` writes must be read back
equal, accepted by ``rio pack --config`` and loaded.
"""

from __future__ import annotations

import datetime as dt
import decimal
import gzip
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from click.testing import CliRunner, Result

import rio.columns
import rio.config
import rio.inference
import rio.sources
import rio.sources.infer
import rio.transfer
from rio.cli.init import init
from rio.cli.pack import pack
from rio.config import Column, DestinationConfig
from rio.config._inferred import DATA_TIMESTAMP_NAMES, ROW_NUMBER_KEY
from rio.errors import (
    ConfigError,
    DuplicateColumn,
    IncompleteTableName,
    InvalidDataTimestamp,
    ValueTooLong,
)

SCHEMA, TABLE = "analytics", "events"

EVENTS = [
    {"id": 1, "ts": "2026-11-21T10:00:00", "amount": "12.50", "ok": "true", "name": "Ann"},
    {"id": 2, "ts": "2026-11-21 10:00:01.5", "amount": "-3.25", "ok": "f", "name": "Bob"},
    {"id": 3, "ts": "2026-11-21T10:00:02", "amount": None, "ok": None, "name": ""},
]
EVENTS_CONFIG = DestinationConfig(
    SCHEMA,
    TABLE,
    [
        Column("id", "int"),
        Column("ts", "timestamp"),
        Column("amount", "numeric(18,2)"),
        Column("ok", "boolean"),
        Column("name", "text"),
    ],
    data_timestamp_column="ts",
)


def from_rows(rows: Sequence[dict[str, Any]], **options: Any) -> DestinationConfig:
    return DestinationConfig.from_rows(rows, schema=SCHEMA, table=TABLE, **options)


def types_of(config: DestinationConfig) -> dict[str, str]:
    return {column.name: column.type for column in config.columns}


def ndjson(rows: Sequence[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def rio_init(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(init, ["--schema", SCHEMA, "--table", TABLE, *args], input=input)


def one_line_error(result: Result) -> str:
    """The message of a failed command, which must be its one ``Error:`` line."""
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


# --- from_rows: the columns --------------------------------------------------------------------------


def test_from_rows_infers_each_type_and_sizes_text() -> None:
    seen = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.timezone.utc)
    rows = [
        {
            "ID": 1,
            "Big": 2**40,
            "price": decimal.Decimal("12.50"),
            "ratio": 0.5,
            "flag": True,
            "day": dt.date(2026, 11, 21),
            "ts": dt.datetime(2026, 11, 21, 10, 0),
            "seen": seen,
            "doc": {"tags": ["a", "b"]},
            "short": "x",
            "medium": "y" * 300,
            "long": "z" * 40_000,
            "fixed": "123.456",
            "nothing": None,
        },
        {"ID": 2, "Big": None, "price": decimal.Decimal("-1.5"), "doc": [1, 2], "seen": seen},
    ]
    config = from_rows(rows)
    assert types_of(config) == {
        "id": "int",
        "big": "bigint",
        "price": "numeric(18,2)",
        "ratio": "float",
        "flag": "boolean",
        "day": "date",
        "ts": "timestamp",
        "seen": "timestamptz",
        "doc": "super",
        "short": "text",  # varchar(256), as the Go tools name it
        "medium": "varchar(512)",
        "long": "longtext",  # varchar(65535)
        "fixed": "numeric(18,3)",
        "nothing": "text",
    }
    assert (config.schema, config.table) == (SCHEMA, TABLE)
    assert config.data_timestamp_column == "ts"
    config.validate()


def test_from_rows_reads_strings_as_a_csv_load_does() -> None:
    assert from_rows(EVENTS) == EVENTS_CONFIG


def test_from_rows_infers_what_rio_load_creates(tmp_path: Path) -> None:
    rows = [{**row, "Doc": {"n": index}, "wide": "w" * (100 * index)} for index, row in enumerate(EVENTS)]
    result = rio.transfer.load(rows, f"duckdb:///{tmp_path / 'w.duckdb'}::{SCHEMA}.{TABLE}")
    assert result.inferred
    assert list(from_rows(rows).columns) == result.inferred


def test_from_rows_leaves_out_the_key_a_load_adds_to_upsert_rows() -> None:
    assert ROW_NUMBER_KEY == rio.transfer.ROW_NUMBER_KEY
    config = from_rows([{ROW_NUMBER_KEY: 1, **EVENTS[0]}])
    assert ROW_NUMBER_KEY not in types_of(config)


def test_from_rows_refuses_no_rows_and_rows_without_fields() -> None:
    with pytest.raises(ConfigError, match=r"^rows: no rows, so no columns to infer"):
        from_rows([])
    with pytest.raises(ConfigError, match=r"^sample: 2 rows but no fields"):
        from_rows([{}, {}], source_name="sample")


def test_from_rows_refuses_text_no_varchar_holds_as_a_load_does() -> None:
    with pytest.raises(ValueTooLong, match="column 'note' holds a value of 70000 bytes"):
        from_rows([{"ts": "2026-11-21T10:00:00", "note": "x" * 70_000}])


def test_from_rows_refuses_fields_that_differ_only_in_case() -> None:
    with pytest.raises(DuplicateColumn, match="fields 'id' and 'ID' differ only in case"):
        from_rows([{"id": 1, "ID": 2, "ts": "2026-11-21T10:00:00"}])


def test_from_rows_refuses_a_bad_destination_before_reading_a_row() -> None:
    def never() -> Iterator[dict[str, Any]]:
        raise AssertionError("a row was read")
        yield {}

    with pytest.raises(IncompleteTableName):
        DestinationConfig.from_rows(never(), schema="", table=TABLE)


# --- from_rows: the data timestamp column ------------------------------------------------------------


def test_the_one_timestamp_column_is_picked_whatever_its_name() -> None:
    rows = [{"id": 1, "logged": "2026-11-21T10:00:00", "day": "2026-11-21", "at": "2026-11-21T10:00:00Z"}]
    config = from_rows(rows)
    assert config.data_timestamp_column == "logged"
    assert types_of(config)["at"] == "timestamptz"  # zoned: not a candidate unless named


def test_dates_and_timestamps_in_one_column_make_a_timestamp_column() -> None:
    config = from_rows([{"when": "2026-11-21"}, {"when": "2026-11-21 10:00:00"}])
    assert config.data_timestamp_column == "when"


@pytest.mark.parametrize(
    ("names", "picked"),
    [
        (["updated_at", "created_at"], "created_at"),
        (["created_at", "ts", "time"], "ts"),
        (["Event_Time", "loaded"], "event_time"),
        (["time", "timestamp", "data_timestamp"], "data_timestamp"),
    ],
)
def test_among_several_timestamp_columns_the_best_named_is_picked(names: list[str], picked: str) -> None:
    config = from_rows([dict.fromkeys(names, "2026-11-21T10:00:00")])
    assert config.data_timestamp_column == picked
    assert picked in DATA_TIMESTAMP_NAMES


def test_several_timestamp_columns_without_a_telling_name_pick_none() -> None:
    rows = [{"shipped": "2026-11-21T10:00:00", "delivered": "2026-11-22T10:00:00"}]
    with pytest.raises(
        InvalidDataTimestamp, match=r"several columns hold timestamps \('shipped', 'delivered'\)"
    ):
        from_rows(rows)


def test_zoned_timestamps_and_dates_are_offered_but_not_picked() -> None:
    rows = [{"id": 1, "ts": "2026-11-21T10:00:00Z", "day": "2026-11-21"}]
    with pytest.raises(
        InvalidDataTimestamp, match=r"'ts' \(timestamptz\), 'day' \(date\) could date each row"
    ):
        from_rows(rows)


def test_rows_without_timestamps_have_no_data_timestamp_column() -> None:
    with pytest.raises(InvalidDataTimestamp, match=r"no column holds timestamps \(id int, name text\)"):
        from_rows([{"id": 1, "name": "Ann"}])


def test_a_named_column_is_matched_case_blind() -> None:
    rows = [{"A": "2026-11-21T10:00:00", "B": "2026-11-21T11:00:00"}]
    assert from_rows(rows, data_timestamp_column="B").data_timestamp_column == "b"


@pytest.mark.parametrize(
    ("value", "inferred"), [("2026-11-21T10:00:00+02:00", "timestamptz"), ("2026-11-21", "date")]
)
def test_a_named_zoned_or_date_column_is_declared_timestamp(value: str, inferred: str) -> None:
    rows = [{"id": 1, "when": value}]
    with pytest.raises(InvalidDataTimestamp, match=rf"'when' \({inferred}\) could date each row"):
        from_rows(rows)
    config = from_rows(rows, data_timestamp_column="when")
    assert types_of(config) == {"id": "int", "when": "timestamp"}
    assert config.data_timestamp_column == "when"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "missing",
            r"the data timestamp column 'missing' names no field of the rows \(the fields: 'id', 'ts'\)",
        ),
        (
            "id",
            r"the data timestamp column 'id' holds int values, not timestamps \(columns that could: 'ts'\)",
        ),
    ],
)
def test_a_named_column_must_exist_and_hold_timestamps(name: str, message: str) -> None:
    with pytest.raises(InvalidDataTimestamp, match=message):
        from_rows([{"id": 1, "ts": "2026-11-21T10:00:00"}], data_timestamp_column=name)


# --- where the code lives ----------------------------------------------------------------------------


def test_the_moved_names_are_the_same_objects_under_every_name() -> None:
    assert rio.config.Column is rio.columns.Column
    assert rio.config.ColumnType is rio.columns.ColumnType
    assert rio.config.parse_column_list is rio.columns.parse_column_list
    assert rio.config.parse_default is rio.columns.parse_default
    assert rio.sources.infer is rio.inference
    assert rio.sources.ColumnTracker is rio.inference.ColumnTracker


def test_patching_the_old_module_name_reaches_the_tracker() -> None:
    with patch.object(rio.sources.infer, "_BATCH", 2):
        assert rio.inference._BATCH == 2
        tracker = rio.inference.ColumnTracker()
        for number in range(3):
            tracker.observe({"n": number})
        assert tracker._rows == 2  # one batch of two was taken in; the third row waits
    assert rio.inference._BATCH != 2


# --- rio init ----------------------------------------------------------------------------------------


def packed_and_loaded(config_file: Path, sample: Path, tmp_path: Path, rows: int) -> list[tuple[Any, ...]]:
    """Pack ``sample`` with ``rio pack --config`` into a local base, load it into DuckDB, and return the
    table's rows in ``id`` order."""
    import duckdb

    base = tmp_path / "base"
    base.mkdir(exist_ok=True)
    warehouse = tmp_path / "w.duckdb"
    result = CliRunner().invoke(
        pack,
        ["--schema", SCHEMA, "--table", TABLE, "--base", str(base), "--config", str(config_file),
         str(sample), "--send", "--target", f"duckdb:///{warehouse}"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{SCHEMA}.{TABLE}: loaded {rows} rows" in result.output
    with duckdb.connect(str(warehouse), read_only=True) as db:
        return db.execute(f"SELECT * FROM {SCHEMA}.{TABLE} ORDER BY id").fetchall()


def test_init_writes_the_config_of_an_ndjson_sample_to_stdout(tmp_path: Path) -> None:
    sample = tmp_path / "events.ndjson"
    sample.write_bytes(ndjson(EVENTS))
    result = rio_init(str(sample))
    assert result.exit_code == 0, result.output
    assert DestinationConfig.from_yaml(result.stdout) == EVENTS_CONFIG
    assert result.stdout == EVENTS_CONFIG.to_yaml()


def test_init_writes_a_csv_samples_config_that_pack_accepts_and_loads(tmp_path: Path) -> None:
    sample = tmp_path / "events.csv"
    sample.write_text(
        "id,ts,amount,ok,name\n"
        "1,2026-11-21T10:00:00,12.50,true,Ann\n"
        "2,2026-11-21 10:00:01.5,-3.25,f,Bob\n"
        "3,2026-11-21T10:00:02,,,\n"
    )
    out = tmp_path / "events.yml"
    result = rio_init(str(sample), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"wrote {out}: analytics.events from 3 rows of {sample}: id int, ts timestamp, amount numeric(18,2), "
        "ok boolean, name text; data timestamp column ts\n"
    )
    assert DestinationConfig.from_yaml(out.read_text()) == EVENTS_CONFIG
    assert packed_and_loaded(out, sample, tmp_path, rows=3) == [
        (1, dt.datetime(2026, 11, 21, 10, 0), decimal.Decimal("12.50"), True, "Ann"),
        (2, dt.datetime(2026, 11, 21, 10, 0, 1, 500000), decimal.Decimal("-3.25"), False, "Bob"),
        (3, dt.datetime(2026, 11, 21, 10, 0, 2), None, None, ""),
    ]


def test_init_reads_a_gzipped_json_array_and_its_config_loads_it(tmp_path: Path) -> None:
    rows = [
        {"id": 1, "seen_at": "2026-11-21T10:00:00Z", "doc": {"tags": ["a"]}, "price": 1.5},
        {"id": 2, "seen_at": "2026-11-21T12:00:00+02:00", "doc": None, "price": 2},
    ]
    sample = tmp_path / "events.json.gz"
    sample.write_bytes(gzip.compress(json.dumps(rows).encode()))
    out = tmp_path / "events.yml"
    result = rio_init(str(sample), "--timestamp-column", "seen_at", "--out", str(out))
    assert result.exit_code == 0, result.output
    config = DestinationConfig.from_yaml(out.read_text())
    assert config == from_rows(rows, data_timestamp_column="seen_at")
    assert types_of(config) == {"id": "int", "seen_at": "timestamp", "doc": "super", "price": "float"}
    loaded = packed_and_loaded(out, sample, tmp_path, rows=2)
    # A timestamp column keeps the time as written: COPY ignores the zone in the text.
    assert [(row[0], row[1]) for row in loaded] == [
        (1, dt.datetime(2026, 11, 21, 10, 0)),
        (2, dt.datetime(2026, 11, 21, 12, 0)),
    ]


def test_init_reads_stdin() -> None:
    result = rio_init("-", input=gzip.compress(ndjson(EVENTS)))
    assert result.exit_code == 0, result.output
    assert DestinationConfig.from_yaml(result.stdout) == EVENTS_CONFIG


def test_init_reads_only_the_first_rows_when_told() -> None:
    sample = ndjson([*EVENTS, {**EVENTS[0], "id": 2**40}])  # the fourth row makes id a bigint
    every = rio_init("-", input=sample)
    assert types_of(DestinationConfig.from_yaml(every.stdout))["id"] == "bigint"
    first = rio_init("--rows", "3", "-", input=sample)
    assert first.exit_code == 0, first.output
    assert DestinationConfig.from_yaml(first.stdout) == EVENTS_CONFIG


def test_init_refuses_to_overwrite_its_out_file_unless_forced(tmp_path: Path) -> None:
    sample = tmp_path / "events.ndjson"
    sample.write_bytes(ndjson(EVENTS))
    out = tmp_path / "events.yml"
    out.write_text("kept\n")
    refused = rio_init(str(sample), "--out", str(out))
    assert refused.exit_code == 2
    assert one_line_error(refused) == f"Error: --out {out}: the file exists; add --force to overwrite it"
    assert out.read_text() == "kept\n"
    forced = rio_init(str(sample), "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert DestinationConfig.from_yaml(out.read_text()) == EVENTS_CONFIG


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Error: <stdin>: no rows, so no columns to infer; give at least one row"),
        (b"id,ts\n", "Error: <stdin>: no rows, so no columns to infer; give at least one row"),
        (b"{}\n{}\n", "Error: <stdin>: 2 rows but no fields, so no columns to infer; give rows with fields"),
    ],
)
def test_init_refuses_an_empty_sample(tmp_path: Path, data: bytes, message: str) -> None:
    out = tmp_path / "events.yml"
    result = rio_init("-", "--out", str(out), input=data)
    assert result.exit_code == 2
    assert one_line_error(result) == message
    assert not out.exists()


def test_init_says_which_timestamp_column_could_be_chosen() -> None:
    rows = [{"id": 1, "shipped": "2026-11-21T10:00:00", "delivered": "2026-11-22T10:00:00"}]
    result = rio_init("-", input=ndjson(rows))
    assert result.exit_code == 2
    assert one_line_error(result) == (
        "Error: <stdin>: several columns hold timestamps ('shipped', 'delivered') and none is named like a "
        "data timestamp (data_timestamp, timestamp, ts, event_time, event_timestamp, …); name the one that "
        "dates each row as the data timestamp column (--timestamp-column NAME)"
    )
    chosen = rio_init("--timestamp-column", "delivered", "-", input=ndjson(rows))
    assert chosen.exit_code == 0, chosen.output
    assert DestinationConfig.from_yaml(chosen.stdout).data_timestamp_column == "delivered"


def test_init_refuses_a_bad_timestamp_column(tmp_path: Path) -> None:
    sample = tmp_path / "events.ndjson"
    sample.write_bytes(ndjson(EVENTS))
    result = rio_init(str(sample), "--timestamp-column", "name")
    assert result.exit_code == 2
    assert one_line_error(result) == (
        f"Error: {sample}: the data timestamp column 'name' holds text values, not timestamps (columns that "
        "could: 'ts')"
    )


def test_init_says_where_the_input_is_malformed_or_missing(tmp_path: Path) -> None:
    sample = tmp_path / "events.ndjson"
    sample.write_bytes(ndjson(EVENTS) + b"{not json\n")
    malformed = rio_init(str(sample))
    assert malformed.exit_code == 1
    assert one_line_error(malformed).startswith(f"Error: {sample}: line 4: not valid JSON")
    missing = rio_init(str(tmp_path / "nope.csv"))
    assert missing.exit_code == 1
    assert one_line_error(missing) == f"Error: {tmp_path / 'nope.csv'}: no such file"
