"""A CSV read by the core (``rio._core.CsvReader``) is the CSV ``rio.sources`` reads in Python: the
same rows, the same inferred types and widths, the same errors on the same lines. ``rio.load`` takes
the core's path for CSV and TSV files; the Python reader stays the specification, and these tests
hold the two together."""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rio
from rio._core import Packer
from rio.config import Column
from rio.errors import InvalidColumnValue, MalformedInput, UnsupportedSource
from rio.inference import ColumnTracker, infer_columns, measured_widths
from rio.sources import FileSource


def core_read(
    path: Path, *, json_columns: tuple[str, ...] = (), row_number_key: str | None = None
) -> tuple[list[dict[str, Any]], ColumnTracker]:
    """The rows and tracker of the core's reading of ``path`` (through FileSource.pack_csv)."""
    source = FileSource(str(path))
    source.parse_json_fields(json_columns)
    packer = Packer()

    def pack(fill: Any) -> int:
        return int(fill(packer))

    try:
        reader = source.pack_csv(pack, infer=True, row_number_key=row_number_key)
    finally:
        packer.close()
        parts = list(packer)
    rows = [json.loads(line) for part in parts for line in gzip.decompress(part.data).splitlines()]
    return rows, ColumnTracker.from_core(reader.column_stats(), reader.rows)


def python_read(
    path: Path, *, json_columns: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], ColumnTracker]:
    source = FileSource(str(path))
    source.parse_json_fields(json_columns)
    tracker = ColumnTracker()
    rows = list(tracker.track(source.rows()))
    return rows, tracker


def same_reading(path: Path) -> None:
    core_rows, core_tracker = core_read(path)
    python_rows, python_tracker = python_read(path)
    assert core_rows == python_rows
    assert core_tracker.rows == python_tracker.rows
    if python_tracker.columns:
        assert infer_columns(core_tracker, truncate_long_text=True) == infer_columns(
            python_tracker, truncate_long_text=True
        )
        assert measured_widths(core_tracker) == measured_widths(python_tracker)
        core_stats = [(s.name, s.type, s.values, s.empties, s.max_bytes) for s in core_tracker.stats()]
        python_stats = [(s.name, s.type, s.values, s.empties, s.max_bytes) for s in python_tracker.stats()]
        assert core_stats == python_stats


EDGES = [
    "", " ", "\t", "0", "-0", "+7", "007", "2147483647", "2147483648", "-2147483649",
    "9223372036854775807", "9223372036854775808", "1" + "0" * 308, "1" + "0" * 309, "12.50", "-0.25",
    "1.5", "12.", ".5", "1e5", "1.5E-3", "1e400", "true", "FALSE", "t", "F", "yes", "2026-11-21",
    "2024-02-29", "2026-02-29", "0000-01-01", "0001-01-01", "9999-12-31", "2026-11-21 10:15",
    "2026-11-21T10:15:00Z", "2026-11-21 10:15:00.123456789+05:30", "2026-11-21 10:15:00-0800",
    "0001-01-01 00:00:00+01", "9999-12-31 23:59:59.9999996", "9999-12-31 23:59:59.9999994",
    "2026-11-21 24:00", "abc", "é", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "12:30:00",
]  # fmt: skip


values = st.one_of(
    st.sampled_from(EDGES),
    st.from_regex(r"[+-]?[0-9]{1,22}(\.[0-9]{1,4})?", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[01][0-9]-[0-3][0-9]( [0-2][0-9]:[0-5][0-9](:[0-5][0-9])?)?", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.lists(st.lists(values, min_size=3, max_size=3), min_size=1, max_size=12))
def test_the_core_reads_and_infers_any_csv_as_python_does(tmp_path: Path, table: list[list[str]]) -> None:
    path = tmp_path / "t.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(["a", "b", "c"])
        writer.writerows(table)
    same_reading(path)


@pytest.mark.parametrize(
    "text",
    [
        "\ufeffid,name\n1,x\n",
        "id;name\n1;x\n2;y\n",
        'id,name\r\n\r\n1,"multi\r\nline"\r\n\n2,"""q"""',
        'id,note\n1,ab"c\n',
        "id\n",
        "",
        "\n\n",
    ],
)
def test_the_core_reads_csv_forms_as_python_does(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    same_reading(path)


def test_tsv_gzip_and_parts_read_as_python_does(tmp_path: Path) -> None:
    (tmp_path / "a.tsv.gz").write_bytes(gzip.compress(b"id\tv\n1\t2.5\n2\t3.25\n"))
    (tmp_path / "b.tsv").write_bytes(b"id\tv\n3\t\n")
    same_reading(tmp_path / "*.tsv*")


@pytest.mark.parametrize(
    ("text", "line", "says"),
    [
        ("a,b\n1,2\n3\n", 3, "1 field where the header has 2 (delimiter ',')"),
        ('a,b\n"x\ny"z,1\n', 3, "expected after"),
        ('a,b\n1,"open\n', 2, "unexpected end of data"),
        ("a,,b\n1,2,3\n", 1, "header field 2 is empty"),
        ("a,a\n1,2\n", 1, "the header names column 'a' twice"),
    ],
)
def test_malformed_csv_is_refused_on_the_line_python_names(
    tmp_path: Path, text: str, line: int, says: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(text.encode())
    with pytest.raises(MalformedInput) as python:
        python_read(path)
    with pytest.raises(MalformedInput) as core:
        core_read(path)
    assert core.value.line == python.value.line == line
    assert says in str(core.value)
    assert str(core.value).startswith(f"{path}: line {line}: ")


def test_invalid_utf8_and_differing_headers_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_bytes(b"a,b\n1,\xff\n")
    with pytest.raises(MalformedInput, match=r"bad.csv: line 2: invalid UTF-8"):
        core_read(tmp_path / "bad.csv")
    (tmp_path / "p1.csv").write_bytes(b"a,b\n1,2\n")
    (tmp_path / "p2.csv").write_bytes(b"a,c\n1,2\n")
    with pytest.raises(MalformedInput, match=r"p2.csv: line 1: its header \['a', 'c'\] differs from"):
        core_read(tmp_path / "p*.csv")


def test_a_super_columns_fields_are_json_values_and_row_numbers_count_from_one(tmp_path: Path) -> None:
    path = tmp_path / "docs.csv"
    path.write_text('id,doc\n1,"{""a"": [1, 2]}"\n2,\n3,"""text"""\n')
    rows, _ = core_read(path, json_columns=("doc",), row_number_key="n")
    assert rows == [
        {"id": "1", "doc": {"a": [1, 2]}, "n": 1},
        {"id": "2", "doc": None, "n": 2},
        {"id": "3", "doc": "text", "n": 3},
    ]
    python_rows, _ = python_read(path, json_columns=("doc",))
    assert [{k: v for k, v in row.items() if k != "n"} for row in rows] == python_rows


# --- through rio.load ---------------------------------------------------------------------------------


def test_rio_load_of_a_csv_infers_types_and_loads_every_row(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "total", "placed", "paid", "note"])
    for i in range(5000):
        writer.writerow([i, f"{i}.{i % 100:02d}", f"2026-11-{1 + i % 28:02d} 10:00:00", i % 2 == 0, f"n{i}"])
    path.write_text(out.getvalue())
    result = rio.load(str(path), f"duckdb:///{tmp_path / 'w.duckdb'}::shop.orders")
    assert result.outcome.rows == 5000
    assert [(c.name, c.type) for c in result.inferred] == [
        ("id", "int"),
        ("total", "numeric(18,2)"),
        ("placed", "timestamp"),
        ("paid", "boolean"),
        ("note", "text"),
    ]
    # Again, into the table that now exists, as an upsert on id: nothing doubles.
    again = rio.load(str(path), f"duckdb:///{tmp_path / 'w.duckdb'}::shop.orders", upsert_keys=["id"])
    assert again.outcome.rows == 5000
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT id) FROM shop.orders").fetchone() == (5000, 5000)


def test_a_value_the_existing_table_refuses_names_its_row(tmp_path: Path) -> None:
    target = f"duckdb:///{tmp_path / 'w.duckdb'}::shop.orders"
    rio.load(
        [{"id": 1, "total": "1.50"}],
        target,
        table_columns=[Column("id", "int"), Column("total", "decimal(6,2)")],
    )
    path = tmp_path / "more.csv"
    path.write_text("id,total\n2,2.50\n3,lots\n")
    with pytest.raises(InvalidColumnValue, match=r"more.csv: row 2: column \"total\""):
        rio.load(str(path), target)


# --- what a hostile or careless caller gives -----------------------------------------------------


@pytest.mark.parametrize("delimiter", ["", ";;", '"', "\n", 5])
def test_a_delimiter_that_cannot_be_one_is_refused_naming_it(tmp_path: Path, delimiter: Any) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(UnsupportedSource, match=r"delimiter= is one character other than a quote"):
        rio.load(str(path), f"duckdb:///{tmp_path / 'w.duckdb'}::t", delimiter=delimiter)
    from click.testing import CliRunner

    from rio.cli import cli

    if isinstance(delimiter, str) and delimiter not in ("", "\n"):
        result = CliRunner().invoke(
            cli, ["load", str(path), f"duckdb:///{tmp_path / 'w.duckdb'}::t", "--delimiter", delimiter]
        )
        assert result.exit_code == 1, result.output
        assert "delimiter= is one character" in result.output


def test_a_delimiter_of_more_than_one_byte_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a§b\n1§x\n")
    result = rio.load(str(path), f"duckdb:///{tmp_path / 'w.duckdb'}::t", delimiter="§")
    assert [(c.name, c.type) for c in result.inferred] == [("a", "int"), ("b", "text")]


def test_a_quote_never_closed_is_refused_at_the_field_limit_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    with path.open("wb") as handle:
        handle.write(b'a\n"')
        block = b"x" * (1 << 20)
        for _ in range(65):
            handle.write(block)
    with pytest.raises(
        MalformedInput, match=r"open.csv: line 2: malformed CSV: field larger than field limit"
    ):
        rio.load(str(path), f"duckdb:///{tmp_path / 'w.duckdb'}::t")


def test_a_lone_surrogate_makes_a_text_column_of_its_bytes() -> None:
    tracker = ColumnTracker()
    tracker.observe({"a": "\ud800x"})
    tracker.observe({"a": "12"})
    assert infer_columns(tracker) == [Column("a", "text")]
    assert measured_widths(tracker) == {"a": 4}
