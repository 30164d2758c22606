"""Sources of existing rows (files, globs, S3, manifests, DataFrames, queries) and type inference."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import string
import subprocess
import sys
from collections import namedtuple
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rio import Column, Packer
from rio.errors import (
    MalformedInput,
    NoSuchSource,
    RioError,
    SourceError,
    StorageError,
    UnsupportedSource,
    ValueTooLong,
)
from rio.sources import (
    ColumnTracker,
    DataFrameSource,
    FileSource,
    ManifestSource,
    PostgresQuerySource,
    RowsSource,
    Source,
    formats,
    infer,
    infer_columns,
    measured_widths,
    open_source,
)
from rio.sources.postgres import declared_type
from rio.storage import S3Store
from rio.storage_settings import StorageSettings
from support.s3 import S3Server

# --- utilities -----------------------------------------------------------------------------------------


def write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def rows_of(spec: Any, **options: Any) -> list[dict[str, Any]]:
    return list(open_source(spec, **options).rows())


def types_of(rows: Iterable[dict[str, Any]], **options: Any) -> dict[str, str]:
    tracker = ColumnTracker()
    for row in rows:
        tracker.observe(row)
    return {column.name: column.type for column in infer_columns(tracker, **options)}


def column_type(values: Iterable[Any]) -> str:
    return types_of({"c": value} for value in values)["c"]


def ndjson(*rows: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


# --- the Source protocol -----------------------------------------------------------------------------


def test_every_source_kind_is_a_source(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "x\n1\n")
    named = [
        (open_source(path), str(path)),
        (open_source([{"x": 1}]), "rows"),
        (open_source(str(path)), str(path)),
    ]
    for source, name in named:
        assert isinstance(source, Source)
        assert source.name == name
    given = RowsSource([])
    assert open_source(given) is given


def test_importing_the_sources_loads_no_optional_driver() -> None:
    code = (
        "import sys, rio.sources; "
        "print(sorted({'psycopg', 'pandas', 'numpy', 'duckdb', 'boto3'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_source_errors_are_rio_errors() -> None:
    for kind in (NoSuchSource, UnsupportedSource, MalformedInput, ValueTooLong):
        assert issubclass(kind, SourceError)
    assert issubclass(SourceError, RioError)


# --- in-memory rows ----------------------------------------------------------------------------------


def test_dict_rows_pass_through() -> None:
    rows = [{"a": 1}, {"a": 2, "b": None}]
    source = open_source(iter(rows))
    assert source.columns is None
    assert list(source.rows()) == rows


def test_tuple_rows_take_their_names_from_columns() -> None:
    source = open_source([(1, "x"), [2, "y"]], columns=["n", "s"])
    assert source.columns == ["n", "s"]
    assert list(source.rows()) == [{"n": 1, "s": "x"}, {"n": 2, "s": "y"}]


def test_a_tuple_of_the_wrong_arity_is_named_by_row_number() -> None:
    source = open_source([(1, "x"), (2,)], columns=["n", "s"], name="events")
    with pytest.raises(MalformedInput, match=r"events: row 2 has 1 field where columns names 2") as err:
        list(source.rows())
    assert err.value.line == 2


def test_tuples_without_columns_are_refused_but_named_tuples_name_themselves() -> None:
    with pytest.raises(MalformedInput, match="row 1 is a tuple; pass columns="):
        rows_of([(1, 2)])
    point = namedtuple("point", "x y")
    assert rows_of([point(1, 2)]) == [{"x": 1, "y": 2}]


def test_a_row_that_is_neither_dict_nor_tuple_is_refused() -> None:
    with pytest.raises(MalformedInput, match="row 2 is a str, not a dict or a tuple"):
        rows_of([{"a": 1}, "a=2"])


def test_duplicate_column_names_are_refused() -> None:
    with pytest.raises(MalformedInput, match="'a' is named twice"):
        open_source([(1, 2)], columns=["a", "a"])


def test_an_unknown_option_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'colums'"):
        open_source([(1,)], colums=["a"])
    assert rows_of([{"a": 1}], endpoint_url="http://127.0.0.1:1", region="eu-west-1") == [{"a": 1}]


def test_something_that_holds_no_rows_is_unsupported() -> None:
    with pytest.raises(UnsupportedSource, match="cannot read rows from a int"):
        open_source(42)
    with pytest.raises(UnsupportedSource, match="cannot read rows from a dict"):
        open_source({"id": 1})
    with pytest.raises(UnsupportedSource, match="cannot read rows from a bytes"):
        open_source(b'{"id": 1}')


# --- local CSV -----------------------------------------------------------------------------------------


def test_csv_with_quoting_embedded_newlines_and_a_bom(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        b'\xef\xbb\xbfid,text,note\r\n1,"a, ""quoted""\r\nvalue",x\r\n2,,"line1\nline2"\r\n',
    )
    source = open_source(path)
    assert source.columns == ["id", "text", "note"]
    assert list(source.rows()) == [
        {"id": "1", "text": 'a, "quoted"\r\nvalue', "note": "x"},
        {"id": "2", "text": "", "note": "line1\nline2"},
    ]
    assert source.size == path.stat().st_size
    assert source.bytes_read == source.size


def test_csv_values_are_strings_and_empty_fields_stay_empty(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", 'a,b,c\n1,,""\n')
    assert rows_of(path) == [{"a": "1", "b": "", "c": ""}]


def test_gzip_csv_is_found_by_its_magic_bytes(tmp_path: Path) -> None:
    body = "a,b\n1,2\n3,4\n"
    named = write(tmp_path / "a.csv.gz", gzip.compress(body.encode()))
    unnamed = write(tmp_path / "b.csv", gzip.compress(body.encode()))
    expected = [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    assert rows_of(named) == expected
    assert rows_of(unnamed) == expected
    source = open_source(named)
    list(source.rows())
    assert source.bytes_read == named.stat().st_size  # compressed bytes, comparable with size


def test_an_empty_csv_has_no_rows_and_no_columns(tmp_path: Path) -> None:
    source = open_source(write(tmp_path / "empty.csv", b""))
    assert source.columns is None
    assert list(source.rows()) == []


def test_a_header_only_csv_has_columns_and_no_rows(tmp_path: Path) -> None:
    source = open_source(write(tmp_path / "h.csv", "a,b,c\n"))
    assert source.columns == ["a", "b", "c"]
    assert list(source.rows()) == []


def test_a_ragged_csv_row_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", 'a,b\n1,2\n"x\ny",3\n4,5,6\n')
    source = open_source(path)
    rows = source.rows()
    assert next(rows) == {"a": "1", "b": "2"}
    assert next(rows) == {"a": "x\ny", "b": "3"}
    with pytest.raises(MalformedInput, match=r"r\.csv: line 5: 3 fields where the header has 2") as err:
        next(rows)
    assert err.value.line == 5
    assert err.value.source == str(path)


def test_csv_fields_may_hold_characters_python_takes_for_line_breaks(tmp_path: Path) -> None:
    odd = "a\x0bb\x1cc\u2028d\x85e"
    for end in ("\n", "\r\n", "\r"):
        path = write(tmp_path / "odd.csv", f"x,y{end}{odd},1{end}2,{odd}{end}")
        assert rows_of(path) == [{"x": odd, "y": "1"}, {"x": "2", "y": odd}]


def test_blank_csv_lines_are_skipped(tmp_path: Path) -> None:
    assert rows_of(write(tmp_path / "b.csv", "a,b\n\n1,2\n\n")) == [{"a": "1", "b": "2"}]


def test_a_semicolon_dialect_is_sniffed(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", 'name;amount\n"Smith, J";1,5\nDoe;2,25\n')
    assert rows_of(path) == [{"name": "Smith, J", "amount": "1,5"}, {"name": "Doe", "amount": "2,25"}]


def test_the_delimiter_can_be_given_and_tsv_uses_tabs(tmp_path: Path) -> None:
    pipes = write(tmp_path / "p.csv", "a|b\n1|2\n")
    assert rows_of(pipes, delimiter="|") == [{"a": "1", "b": "2"}]
    tabs = write(tmp_path / "t.tsv", "a\tb\n1,5\t2\n")
    assert rows_of(tabs) == [{"a": "1,5", "b": "2"}]


def test_an_unsniffable_csv_falls_back_to_commas(tmp_path: Path) -> None:
    assert formats._sniff("a\n1\n") == ","  # csv.Sniffer cannot tell this one
    assert rows_of(write(tmp_path / "one.csv", "a\n1\n")) == [{"a": "1"}]


def test_invalid_utf8_in_csv_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", b"a,b\n1,2\n3,\xff\n")
    with pytest.raises(MalformedInput, match=r"bad\.csv: line 3: invalid UTF-8 .* at byte 10") as err:
        rows_of(path)
    assert err.value.line == 3


def test_an_unterminated_quote_is_malformed(tmp_path: Path) -> None:
    path = write(tmp_path / "q.csv", 'a,b\n1,"open\n')
    with pytest.raises(MalformedInput, match=r"q\.csv: line 2: malformed CSV"):
        rows_of(path)


def test_a_header_with_a_duplicate_or_empty_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match="names column 'a' twice"):
        open_source(write(tmp_path / "d.csv", "a,b,a\n1,2,3\n")).columns  # noqa: B018
    with pytest.raises(MalformedInput, match="header field 2 is empty"):
        rows_of(write(tmp_path / "e.csv", "a,,c\n1,2,3\n"))


def test_a_csv_with_long_lines_spanning_chunks(tmp_path: Path) -> None:
    long_value = "é" * 700_000  # more than one read chunk of bytes
    path = write(tmp_path / "long.csv", f'a,b\n"{long_value}\n",1\nx,2\n')
    assert rows_of(path) == [{"a": long_value + "\n", "b": "1"}, {"a": "x", "b": "2"}]


# --- NDJSON and JSON ---------------------------------------------------------------------------------


def test_ndjson_skips_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "a.ndjson", b'{"a": 1}\n\n  \r\n{"a": {"b": [1, null]}}\n')
    source = open_source(path)
    assert source.columns is None
    assert list(source.rows()) == [{"a": 1}, {"a": {"b": [1, None]}}]


def test_a_bad_ndjson_line_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", b'{"a": 1}\n\n{"a": 2,}\n')
    with pytest.raises(MalformedInput, match=r"a\.jsonl: line 3: not valid JSON") as err:
        rows_of(path)
    assert err.value.line == 3


def test_nan_and_infinity_are_not_json(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match="line 2: not valid JSON: NaN is not a JSON value"):
        rows_of(write(tmp_path / "a.ndjson", b'{"a": 1}\n{"a": NaN}\n'))
    with pytest.raises(MalformedInput, match="byte 1: element 1 is not valid JSON: -Infinity is not"):
        rows_of(write(tmp_path / "a.json", b'[{"a": -Infinity}]'))


def test_an_ndjson_value_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "a.ndjson", b'{"a": 1}\n[1, 2]\n')
    with pytest.raises(MalformedInput, match="line 2: a row must be a JSON object, not an array"):
        rows_of(path)


def test_invalid_utf8_in_ndjson_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "a.ndjson", b'{"a": 1}\n{"a": "\xc3("}\n')
    with pytest.raises(MalformedInput, match="line 2: invalid UTF-8"):
        rows_of(path)


def test_gzip_ndjson(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json.gz", gzip.compress(ndjson({"a": 1}, {"a": 2})))
    assert rows_of(path) == [{"a": 1}, {"a": 2}]


def test_a_json_array_of_objects(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", b'\xef\xbb\xbf \n[ {"a": 1} ,\n{"a": "x"}\n]\n')
    assert rows_of(path) == [{"a": 1}, {"a": "x"}]
    assert rows_of(write(tmp_path / "e.json", b"[ ]")) == []


def test_a_json_array_element_that_is_not_an_object_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", b'[{"a": 1}, 2]')
    with pytest.raises(
        MalformedInput, match=r"a\.json: byte 12: element 2 must be a JSON object, not a number"
    ):
        rows_of(path)


def test_malformed_json_in_an_array_names_the_byte_offset(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", b'[{"a": 1},\n {"a": tru}]')
    with pytest.raises(MalformedInput, match=r"a\.json: byte 18: element 2 is not valid JSON"):
        rows_of(path)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'[{"a": 1}, {"a": 2}', "expected ',' or ']' after element 2, found the end of the file"),
        (b'[{"a": 1},', "the file ends where element 2 should be"),
        (b'[{"a": 1}] x', "unexpected 'x' after the end of the array"),
        (b'[{"a": 1} {"a": 2}]', "expected ',' or ']' after element 1, found '{'"),
        (b'[{"a": "unterminated', "element 1 is not valid JSON: Unterminated string"),
    ],
)
def test_a_broken_json_array_is_refused(tmp_path: Path, body: bytes, problem: str) -> None:
    with pytest.raises(MalformedInput, match=problem.replace("(", r"\(").replace("[", r"\[")):
        rows_of(write(tmp_path / "a.json", body))


def test_invalid_utf8_in_a_json_array_names_the_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "a.json", b'[{"a": "ok"},\n {"a": "\xe9t\xe9"}]')
    with pytest.raises(MalformedInput, match=r"a\.json: line 2: invalid UTF-8 .* at byte 22"):
        rows_of(path)


def test_a_big_json_array_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    count = 60_000
    with path.open("w") as file:
        file.write("[")
        for number in range(count):
            file.write(("," if number else "") + json.dumps({"n": number, "pad": "x" * 80}))
        file.write("]")
    source = open_source(path)
    rows = source.rows()
    assert next(rows) == {"n": 0, "pad": "x" * 80}
    assert source.size is not None
    assert 0 < source.bytes_read < source.size / 2  # the first row came before the file was read
    assert sum(1 for _ in rows) == count - 1
    assert source.bytes_read == source.size


def test_json_array_elements_may_span_read_chunks(tmp_path: Path) -> None:
    big = "ü" * 1_500_000
    rows = [{"a": 1.25e10}, {"big": big}, {"n": 12345678901234567890}]
    path = write(tmp_path / "a.json", json.dumps(rows, ensure_ascii=False))
    assert rows_of(path) == rows


def test_the_format_is_sniffed_without_a_known_suffix(tmp_path: Path) -> None:
    assert rows_of(write(tmp_path / "a.data", b' [{"a": 1}]')) == [{"a": 1}]
    assert rows_of(write(tmp_path / "b.data", b'{"a": 1}\n')) == [{"a": 1}]
    assert rows_of(write(tmp_path / "c.data", b"a\n1\n")) == [{"a": "1"}]


def test_an_explicit_format_wins_over_the_suffix(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", b"a;b\n1;2\n")
    assert rows_of(path, format="csv") == [{"a": "1", "b": "2"}]
    with pytest.raises(MalformedInput, match="line 1: not valid JSON"):
        rows_of(path, format="ndjson")
    with pytest.raises(MalformedInput, match="not JSON: it starts with b'a'"):
        rows_of(path, format="json")
    with pytest.raises(UnsupportedSource, match="format 'xml' is not one rio reads"):
        open_source(path, format="xml")


_cells = st.text(alphabet=st.sampled_from('ab,;"\n\r é€😀\x0b\u2028'), max_size=12)
_tables = st.integers(min_value=1, max_value=4).flatmap(
    lambda width: st.lists(st.lists(_cells, min_size=width, max_size=width), max_size=12)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=_tables, chunk=st.sampled_from([1, 2, 3, 7, 64]), gzipped=st.booleans())
def test_csv_and_json_read_back_whatever_the_read_size(
    tmp_path: Path, table: list[list[str]], chunk: int, gzipped: bool
) -> None:
    width = len(table[0]) if table else 1
    header = [f"c{index}" for index in range(width)]
    rows = [dict(zip(header, cells, strict=True)) for cells in table]
    rows = [row for row in rows if any(row.values()) or width > 1]  # csv writes a lone "" as a blank line
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([row[name] for name in header] for row in rows)
    array = json.dumps(rows, indent=1, ensure_ascii=False)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n\n" for row in rows)
    suffix = ".gz" if gzipped else ""

    def stored(name: str, body: str) -> Path:
        data = body.encode()
        return write(tmp_path / (name + suffix), gzip.compress(data) if gzipped else data)

    with patch.object(formats, "CHUNK", chunk):
        assert rows_of(stored("t.csv", "\ufeff" + text.getvalue()), delimiter=",") == rows
        assert rows_of(stored("t.json", array)) == rows
        assert rows_of(stored("t.ndjson", lines)) == rows


# --- gzip trouble, missing files, globs ---------------------------------------------------------------


def test_truncated_gzip_is_malformed(tmp_path: Path) -> None:
    data = gzip.compress(ndjson(*({"n": n} for n in range(2000))))
    path = write(tmp_path / "t.ndjson.gz", data[: len(data) // 2])
    with pytest.raises(MalformedInput, match=r"t\.ndjson\.gz: the gzip data is corrupt or truncated"):
        rows_of(path)


def test_corrupt_gzip_is_malformed(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(ndjson(*({"n": n} for n in range(200)))))
    data[20:40] = b"\x00" * 20
    with pytest.raises(MalformedInput, match="corrupt or truncated"):
        rows_of(write(tmp_path / "c.ndjson.gz", bytes(data)))


def test_a_gz_name_without_gzip_data_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match=r"ends in \.gz but the data is not gzip"):
        rows_of(write(tmp_path / "a.csv.gz", "a\n1\n"))


def test_a_missing_file_and_a_directory_are_no_source(tmp_path: Path) -> None:
    with pytest.raises(NoSuchSource, match=r"nope\.csv: no such file"):
        open_source(tmp_path / "nope.csv")
    with pytest.raises(NoSuchSource, match=r"is a directory; name its files with a glob"):
        open_source(tmp_path)


def test_a_local_glob_reads_each_file_in_order(tmp_path: Path) -> None:
    write(tmp_path / "b.csv", "n,s\n2,b\n")
    write(tmp_path / "a.csv", "n,s\n1,a\n")
    write(tmp_path / "c.csv.gz", gzip.compress(b"n,s\n3,c\n"))
    write(tmp_path / "empty.csv", b"")
    write(tmp_path / "other.txt", "n,s\n9,z\n")
    source = open_source(f"{tmp_path}/*.csv*")
    assert isinstance(source, FileSource)
    assert [Path(part).name for part in source.parts] == ["a.csv", "b.csv", "c.csv.gz", "empty.csv"]
    assert source.columns == ["n", "s"]
    assert [row["n"] for row in source.rows()] == ["1", "2", "3"]
    assert source.bytes_read == source.size


def test_the_files_of_a_glob_must_share_one_header(tmp_path: Path) -> None:
    write(tmp_path / "a.csv", "n,s\n1,a\n")
    write(tmp_path / "b.csv", "n,t\n2,b\n")
    with pytest.raises(MalformedInput, match=r"b\.csv: its header \['n', 't'\] differs from the header of"):
        rows_of(f"{tmp_path}/*.csv")


def test_a_recursive_glob(tmp_path: Path) -> None:
    (tmp_path / "x" / "y").mkdir(parents=True)
    write(tmp_path / "x" / "y" / "a.ndjson", ndjson({"a": 2}))
    write(tmp_path / "x" / "a.ndjson", ndjson({"a": 1}))
    assert rows_of(f"{tmp_path}/**/*.ndjson") == [{"a": 1}, {"a": 2}]


def test_a_delimiter_only_the_values_hold_is_not_taken(tmp_path: Path) -> None:
    quoted = 'h\n"x";"y"\n"z";"w"\n'
    assert csv.Sniffer().sniff(quoted, delimiters=";,").delimiter == ";"  # what the rule overrides
    assert formats._sniff(quoted) == ","
    path = write(tmp_path / "v.csv", "name,tags\nx,a;b;c\ny,d;e;f\nz,g;h;i\n")
    assert rows_of(path)[0] == {"name": "x", "tags": "a;b;c"}


def test_a_glob_matching_nothing_names_the_pattern(tmp_path: Path) -> None:
    with pytest.raises(NoSuchSource, match=r"/\*\.csv: the glob matches no file"):
        open_source(f"{tmp_path}/*.csv")


def test_file_urls_are_local_paths(tmp_path: Path) -> None:
    path = write(tmp_path / "a.ndjson", ndjson({"a": 1}))
    assert rows_of(f"file://{path}") == [{"a": 1}]


def test_an_unknown_scheme_is_unsupported() -> None:
    with pytest.raises(UnsupportedSource, match=r"ftp://host/a\.csv: rio reads no ftp:// URLs"):
        open_source("ftp://host/a.csv")
    with pytest.raises(UnsupportedSource, match="needs query="):
        open_source("postgresql://user:secret@host/db")


def test_a_password_never_reaches_a_message() -> None:
    with pytest.raises(UnsupportedSource) as err:
        open_source("postgresql://user:hunter2@host/db")
    assert "hunter2" not in str(err.value)


# --- S3 -----------------------------------------------------------------------------------------------


def s3_options(s3_server: S3Server, **extra: Any) -> dict[str, Any]:
    return {"endpoint_url": s3_server.endpoint_url, "region": "us-east-1", "max_attempts": 2, **extra}


def test_an_s3_object(s3: Any, s3_bucket: str, s3_server: S3Server) -> None:
    body = gzip.compress(b"a,b\n1,x\n2,y\n")
    s3.put_object(Bucket=s3_bucket, Key="in/data.csv.gz", Body=body)
    source = open_source(f"s3://{s3_bucket}/in/data.csv.gz", **s3_options(s3_server))
    assert source.size == len(body)
    assert source.columns == ["a", "b"]
    assert list(source.rows()) == [{"a": "1", "b": "x"}, {"a": "2", "b": "y"}]
    assert source.bytes_read == len(body)
    source.close()


def test_a_missing_s3_object_is_no_source(s3_bucket: str, s3_server: S3Server) -> None:
    with pytest.raises(NoSuchSource, match=rf"s3://{s3_bucket}/none\.csv: no such object"):
        open_source(f"s3://{s3_bucket}/none.csv", **s3_options(s3_server))


def test_an_s3_glob_lists_across_pages(s3: Any, s3_bucket: str, s3_server: S3Server) -> None:
    sizes = 0
    for number in range(7):
        body = gzip.compress(f"n\n{number}\n".encode())
        sizes += len(body)
        s3.put_object(Bucket=s3_bucket, Key=f"exports/day-{number}.csv.gz", Body=body)
    s3.put_object(Bucket=s3_bucket, Key="exports/day-9.json", Body=b"{}")
    s3.put_object(Bucket=s3_bucket, Key="exportsX/day-8.csv.gz", Body=b"")
    store = S3Store(f"s3://{s3_bucket}", **s3_options(s3_server, page_size=2))
    requests: list[str] = []
    record_requests(store, requests)
    source = open_source(f"s3://{s3_bucket}/exports/day-*.csv.gz", store=store)
    # The total for a progress bar comes from the listing: no request per object.
    assert source.size == sizes
    assert set(requests) == {"ListObjectsV2"}
    assert len(requests) >= 4  # 8 keys under the prefix, 2 a page
    assert [row["n"] for row in source.rows()] == [str(number) for number in range(7)]
    assert source.columns == ["n"]
    assert source.size == source.bytes_read
    assert "HeadObject" not in requests
    store.close()


def record_requests(store: S3Store, requests: list[str]) -> None:
    """Record the name of each request the store's client sends."""
    store.client.meta.events.register("before-call.s3", lambda model, **kwargs: requests.append(model.name))


def test_a_given_store_with_a_prefix_reads_keys_under_it(
    s3: Any, s3_bucket: str, s3_server: S3Server
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="base/x/1.ndjson", Body=ndjson({"a": 1}))
    s3.put_object(Bucket=s3_bucket, Key="base/x/2.ndjson", Body=ndjson({"a": 2}))
    with S3Store(f"s3://{s3_bucket}/base", **s3_options(s3_server)) as store:
        assert rows_of(f"s3://{s3_bucket}/base/x/*.ndjson", store=store) == [{"a": 1}, {"a": 2}]
        assert rows_of(f"s3://{s3_bucket}/base/x/2.ndjson", store=store) == [{"a": 2}]
        with pytest.raises(UnsupportedSource, match="lies outside the store's base"):
            open_source(f"s3://{s3_bucket}/other/*.ndjson", store=store)


def test_an_s3_glob_matching_nothing_names_the_pattern(s3: Any, s3_bucket: str, s3_server: S3Server) -> None:
    s3.put_object(Bucket=s3_bucket, Key="a.json", Body=b"{}")
    with pytest.raises(NoSuchSource, match=rf"s3://{s3_bucket}/\*\.csv: the glob matches no object"):
        open_source(f"s3://{s3_bucket}/*.csv", **s3_options(s3_server))


def test_a_wildcard_in_the_bucket_is_unsupported(s3_server: S3Server) -> None:
    with pytest.raises(UnsupportedSource, match=r"s3://buck\*: not a bucket rio can read"):
        open_source("s3://buck*/a.csv", **s3_options(s3_server))


def test_an_s3_prefix_is_not_an_object(s3_bucket: str, s3_server: S3Server) -> None:
    with pytest.raises(NoSuchSource, match="names a bucket or a prefix, not an object"):
        open_source(f"s3://{s3_bucket}/folder/", **s3_options(s3_server))


# --- manifests ----------------------------------------------------------------------------------------


def manifest(*entries: tuple[str, bool]) -> bytes:
    return json.dumps({"entries": [{"url": url, "mandatory": must} for url, must in entries]}).encode()


def test_a_local_manifest_of_gzip_ndjson_parts(tmp_path: Path) -> None:
    one = write(tmp_path / "1.json.gz", gzip.compress(ndjson({"a": 1}, {"a": 2})))
    two = write(tmp_path / "2.json.gz", gzip.compress(ndjson({"a": 3})))
    path = write(
        tmp_path / "s_t_2026-11-21T10:15:00Z.manifest",
        manifest((f"file://{one}", True), (f"file://{two}", True), (f"file://{one}", True)),
    )
    source = open_source(path)
    assert isinstance(source, ManifestSource)
    assert [row["a"] for row in source.rows()] == [1, 2, 3, 1, 2]  # listed twice, read twice


def test_a_missing_manifest_entry_fails_only_when_mandatory(tmp_path: Path) -> None:
    one = write(tmp_path / "1.json.gz", gzip.compress(ndjson({"a": 1})))
    gone = tmp_path / "gone.json.gz"
    optional = write(tmp_path / "o.manifest", manifest((f"file://{gone}", False), (f"file://{one}", True)))
    assert rows_of(optional) == [{"a": 1}]
    mandatory = write(tmp_path / "m.manifest", manifest((f"file://{one}", True), (f"file://{gone}", True)))
    with pytest.raises(
        NoSuchSource, match=r"gone\.json\.gz, a mandatory entry of .*m\.manifest, does not exist"
    ):
        rows_of(mandatory)


def test_a_malformed_manifest_is_malformed_input(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match="'entries' field missing"):
        open_source(write(tmp_path / "bad.manifest", b"{}"))
    with pytest.raises(NoSuchSource, match="no such manifest"):
        open_source(tmp_path / "none.manifest")


def test_an_s3_manifest(s3: Any, s3_bucket: str, s3_server: S3Server) -> None:
    s3.put_object(Bucket=s3_bucket, Key="p/1.json.gz", Body=gzip.compress(ndjson({"a": 1})))
    s3.put_object(Bucket=s3_bucket, Key="p/2.json.gz", Body=gzip.compress(ndjson({"a": 2})))
    body = manifest(
        (f"s3://{s3_bucket}/p/1.json.gz", True),
        (f"s3://{s3_bucket}/p/missing.json.gz", False),
        (f"s3://{s3_bucket}/p/2.json.gz", True),
    )
    s3.put_object(Bucket=s3_bucket, Key="s_t.manifest", Body=body)
    source = open_source(f"s3://{s3_bucket}/s_t.manifest", **s3_options(s3_server))
    assert list(source.rows()) == [{"a": 1}, {"a": 2}]
    source.close()


def test_a_missing_s3_manifest_or_mandatory_entry_is_no_such_source(
    s3: Any, s3_bucket: str, s3_server: S3Server
) -> None:
    with pytest.raises(NoSuchSource, match=r"/absent\.manifest: no such manifest"):
        open_source(f"s3://{s3_bucket}/absent.manifest", **s3_options(s3_server))
    s3.put_object(
        Bucket=s3_bucket, Key="m.manifest", Body=manifest((f"s3://{s3_bucket}/p/gone.json.gz", True))
    )
    with (
        open_source(f"s3://{s3_bucket}/m.manifest", **s3_options(s3_server)) as source,
        pytest.raises(
            NoSuchSource, match=r"gone\.json\.gz, a mandatory entry of .*m\.manifest, does not exist"
        ),
    ):
        list(source.rows())


# --- DataFrame ----------------------------------------------------------------------------------------


def test_a_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    np = pytest.importorskip("numpy")
    frame = pd.DataFrame(
        {
            "i": np.array([1, 2], dtype="int64"),
            "f": [1.5, float("nan")],
            "s": ["x", None],
            "t": [pd.Timestamp("2026-11-21 10:15:00"), pd.NaT],
            "n": pd.array([3, None], dtype="Int64"),
        }
    )
    source = open_source(frame)
    assert isinstance(source, DataFrameSource)
    assert source.columns == ["i", "f", "s", "t", "n"]
    rows = list(source.rows())
    assert rows == [
        {"i": 1, "f": 1.5, "s": "x", "t": dt.datetime(2026, 11, 21, 10, 15), "n": 3},
        {"i": 2, "f": None, "s": None, "t": None, "n": None},
    ]
    assert all(type(row["i"]) is int for row in rows)
    assert type(rows[0]["t"]) is dt.datetime
    assert types_of(rows) == {"i": "int", "f": "float", "s": "text", "t": "timestamp", "n": "int"}


def test_something_else_is_not_a_dataframe() -> None:
    with pytest.raises(UnsupportedSource, match="is not a pandas DataFrame"):
        DataFrameSource([])


# --- PostgreSQL ---------------------------------------------------------------------------------------


def test_a_postgres_query(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int, name text, at timestamp)")
        conn.execute(
            "INSERT INTO t SELECT n, 'name ' || n, timestamp '2026-01-01' + n * interval '1 hour' "
            "FROM generate_series(1, 25) AS n"
        )
    source = open_source(pg_url, query="SELECT id, name, at FROM t WHERE id > %s ORDER BY id", params=(5,))
    assert isinstance(source, PostgresQuerySource)
    assert source.columns == ["id", "name", "at"]
    rows = list(source.rows())
    assert len(rows) == 20
    assert rows[0] == {"id": 6, "name": "name 6", "at": dt.datetime(2026, 1, 1, 6)}
    assert types_of(rows) == {"id": "int", "name": "text", "at": "timestamp"}
    batched = PostgresQuerySource(pg_url, "SELECT id FROM t ORDER BY id", itersize=4)
    assert [row["id"] for row in batched.rows()] == list(range(1, 26))
    assert [row["id"] for row in batched.rows()] == list(range(1, 26))  # again, from the start


def test_a_postgres_query_declares_the_types_of_its_columns(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE t (a smallint, b integer, c bigint, d numeric(12,2), d2 numeric, e real, "
            "f double precision, g boolean, h varchar(10), h2 varchar, h3 varchar(256), h4 varchar(65535), "
            "i char(3), j date, k time, k2 time(3), l timetz, m timestamp, m2 timestamp(0), n timestamptz, "
            "o jsonb, o2 json, p text, r uuid, s int[])"
        )
    source = open_source(pg_url, query="SELECT * FROM t")
    assert source.column_types == {
        "a": "smallint",
        "b": "int",
        "c": "bigint",
        "d": "numeric(12,2)",
        "e": "real",
        "f": "float",
        "g": "boolean",
        "h": "varchar(10)",
        "h3": "text",
        "h4": "longtext",
        "i": "char(3)",
        "j": "date",
        "k": "time",
        "k2": "time",
        "l": "timetz",
        "m": "timestamp",
        "m2": "timestamp",
        "n": "timestamptz",
        "o": "super",
        "o2": "super",
    }  # d2, h2, p (no size) and r, s (types rio does not have) are inferred from their values
    source.close()


@pytest.mark.parametrize(
    ("display", "declared"),
    [
        ("numeric(12,2)", "numeric(12,2)"),
        ("numeric", None),
        ("int4", "int"),
        ("bpchar(3)", "char(3)"),
        ("bpchar", None),
        ("varchar", None),
        ("text", None),
        ("timestamptz(3)", "timestamptz"),
        ("jsonb", "super"),
        ("uuid", None),
        ("numeric(1000,2)", None),  # beyond a decimal's 38 digits
        ("", None),
        (None, None),
    ],
)
def test_a_query_columns_description_names_its_config_type(display: str | None, declared: str | None) -> None:
    assert declared_type(display) == declared


def test_an_unreachable_postgres_is_a_source_error_without_the_password() -> None:
    source = PostgresQuerySource("postgresql://user:hunter2@127.0.0.1:1/db", "SELECT 1")
    with pytest.raises(
        SourceError, match=r"postgresql://user:\*\*\*@127\.0\.0\.1:1/db .*could not connect"
    ) as err:
        source.columns  # noqa: B018
    assert "hunter2" not in str(err.value)
    assert "hunter2" not in repr(source)


def test_a_url_with_a_bad_port_is_refused_without_its_password() -> None:
    with pytest.raises(UnsupportedSource, match="query=") as err:
        open_source("postgresql://u:hunter2@host:abc/db")
    assert "hunter2" not in str(err.value)
    with pytest.raises(SourceError, match="could not connect") as unreachable:
        PostgresQuerySource("postgresql://u:hunter2@host:abc/db", "SELECT 1").columns  # noqa: B018
    assert "hunter2" not in str(unreachable.value)


def test_a_bad_postgres_query_is_a_source_error(pg_url: str) -> None:
    source = PostgresQuerySource(pg_url, "SELECT * FROM no_such_table")
    with pytest.raises(SourceError, match='could not run the query: relation "no_such_table" does not exist'):
        list(source.rows())


# --- inference ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["true", "False", "t", "F"], "boolean"),
        (["0", "1"], "int"),
        (["1", "-2147483648", "2147483647", "+7"], "int"),
        (["1", "2147483648"], "bigint"),
        (["-9223372036854775808", "9223372036854775807"], "bigint"),
        (["1", "9223372036854775808"], "float"),
        (["9" * 309], "varchar(512)"),  # more than a double holds: text, 1.5 x 309 bytes fit 512
        (["1", "9" * 300], "float"),
        (["1", "2.5", "-1e10", ".5", "7."], "float"),
        (["2026-11-21", "2024-02-29"], "date"),
        (["2023-02-29"], "text"),
        (["2026-11-21", "2026-11-21 10:15:00"], "timestamp"),
        (
            ["2026-11-21T10:15:00Z", "2026-11-21 10:15:00.123456+02:00", "2026-11-21t10:15-0800"],
            "timestamptz",
        ),
        (["2026-11-21T10:15:00Z", "2026-11-21 10:15:00"], "timestamp"),  # one without a zone
        (["2026-11-21", "2026-11-21 10:15:00+02"], "timestamp"),
        (["12.50", "-3.99", "0.00", "+7.10"], "numeric(18,2)"),
        (["1", "2.50", "-2147483648"], "numeric(18,2)"),  # an int needs 10 digits before the point
        (["99999999999", "2.50"], "numeric(21,2)"),  # a bigint needs 19
        (["1" * 36 + ".50"], "numeric(38,2)"),
        (["1" * 37 + ".50"], "float"),  # 39 digits: more than a decimal holds
        (["1.5", "2.25"], "float"),  # fixed point of two scales: floating, not fixed
        (["12.50", "1.5e3"], "float"),
        (["2.50", "9223372036854775808"], "float"),
        (["2.50", "2026-11-21"], "text"),
        (["0.5", "true"], "text"),
        (["2026-11-21 24:00:00"], "text"),
        (["true", "1"], "text"),
        (["1", "2026-11-21"], "text"),
        (["nan"], "text"),
        (["1e999"], "text"),
        (["", "", ""], "text"),
        (["", "12", ""], "int"),
        (["  ", "12", "\t", "\r\n"], "int"),  # blanks load as NULL outside text, like ""
        (["2026-11-21", " "], "date"),
        ([" ", "  "], "text"),  # only blanks: nothing says it is not text, which keeps them
        (["\u00a0", "12"], "text"),  # a no-break space is not a blank to COPY
        ([" 12"], "text"),
        (["١٢"], "text"),  # Arabic-Indic digits are not digits to COPY
    ],
)
def test_string_values_narrow_to_the_type_copy_takes(values: list[str], expected: str) -> None:
    assert column_type(values) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([True, False], "boolean"),
        ([1, -(2**31)], "int"),
        ([1, 2**31], "bigint"),
        ([1, 2**63], "float"),
        ([10**309], "varchar(512)"),
        ([1, -(10**309)], "varchar(512)"),
        ([1, 2.5], "float"),
        ([1.0, float("inf")], "text"),
        ([True, 1], "text"),
        ([1, "2"], "int"),
        ([1, "x"], "text"),
        ([{"a": 1}], "super"),
        ([[1, 2]], "super"),
        ([{"a": 1}, "x", 2, None, [True]], "super"),  # every JSON value is a SUPER value
        ([{"\x00": 1}], "text"),  # SUPER cannot store a NUL: the column is its JSON text
        ([Decimal("1.5"), Decimal("-2.25")], "numeric(18,2)"),  # the largest scale: exact as they are
        ([Decimal("1E+3"), 7], "numeric(18,0)"),
        ([Decimal("1" * 37 + ".5")], "numeric(38,1)"),
        ([Decimal("1" * 38 + ".5")], "float"),
        ([Decimal("NaN")], "text"),
        ([Decimal("2.50"), 2.5], "float"),
        ([dt.datetime(2026, 1, 1, 10, tzinfo=dt.timezone.utc)], "timestamptz"),
        ([dt.datetime(2026, 1, 1, 10, tzinfo=dt.timezone.utc), dt.datetime(2026, 1, 1)], "timestamp"),
        ([dt.time(10, 15)], "time"),
        ([dt.time(10, 15, tzinfo=dt.timezone.utc)], "timetz"),
        ([dt.time(10, 15), dt.time(10, 15, tzinfo=dt.timezone.utc)], "text"),
        ([None, None], "text"),
        ([dt.date(2026, 1, 1), "2026-01-02"], "date"),
        ([dt.datetime(2026, 1, 1, 10), dt.date(2026, 1, 2)], "timestamp"),
    ],
)
def test_typed_values_narrow_by_their_type(values: list[Any], expected: str) -> None:
    assert column_type(values) == expected


def test_a_late_value_widens_a_column_across_batches() -> None:
    rows = [{"n": str(n), "d": "2026-01-01", "b": "true"} for n in range(10_000)]
    rows[9_000] = {"n": "x", "d": "2026-02-30", "b": "0"}
    assert types_of(rows) == {"n": "text", "d": "text", "b": "text"}
    rows[9_000] = {"n": "-1", "d": "0000-01-01", "b": "t"}
    assert types_of(rows) == {"n": "int", "d": "text", "b": "boolean"}
    rows[9_000] = {"n": "99999999999", "d": "2026-01-01 00:00:00", "b": "T"}
    assert types_of(rows) == {"n": "bigint", "d": "timestamp", "b": "boolean"}


def test_text_width_is_the_longest_value_with_headroom() -> None:
    # The smallest power of two at least 1.5 times the longest value, at least 256, at most 65535.
    assert column_type(["a" * 170]) == "text"  # varchar(256)
    assert column_type(["é" * 85]) == "text"  # 170 bytes
    assert column_type(["é" * 86]) == "varchar(512)"  # 172 bytes
    assert column_type(["a" * 171, "b"]) == "varchar(512)"
    assert column_type(["é" * 128, "x"]) == "varchar(512)"  # 256 bytes
    assert column_type(["x" * 21845]) == "varchar(32768)"
    assert column_type(["x" * 21846]) == "longtext"  # varchar(65535)
    assert column_type(["x" * 65535]) == "longtext"
    assert column_type([1, "x" * 200]) == "varchar(512)"
    with pytest.raises(ValueTooLong, match=r"column 'c' holds a value of 65536 bytes"):
        column_type(["x" * 65536])
    assert types_of([{"c": "x" * 65536}], truncate_long_text=True) == {"c": "longtext"}


def test_a_nested_value_of_any_size_is_super() -> None:
    assert column_type([{"k": "v" * 70000}]) == "super"


def test_counts_widths_and_order() -> None:
    tracker = ColumnTracker(["z", "a"])
    for row in ({"a": "1", "m": "é"}, {"a": "", "z": None, "m": "abc"}, {"a": None, "n": {"k": [1]}}):
        tracker.observe(row)
    assert tracker.rows == 3
    assert tracker.columns == ["z", "a", "m", "n"]
    stats = {column.name: column for column in tracker.stats()}
    assert (stats["a"].values, stats["a"].nulls, stats["a"].empties) == (1, 1, 1)
    assert stats["z"].nulls == 3  # a missing key counts as a null
    assert stats["m"].max_bytes == 3
    assert [column.name for column in infer_columns(tracker)] == ["z", "a", "m", "n"]
    assert infer_columns(tracker)[1] == Column("a", "int")
    assert infer_columns(tracker)[3] == Column("n", "super")
    assert measured_widths(tracker) == {"z": 0, "m": 3}  # the text columns only
    assert [(stat.name, stat.type) for stat in tracker.stats()] == [
        ("z", None),
        ("a", "int"),
        ("m", "text"),
        ("n", "super"),
    ]


def test_declared_types_are_kept_and_the_rest_inferred() -> None:
    tracker = ColumnTracker()
    for row in ({"a": "1", "b": "x" * 70000, "c": "2.50"}, {"a": "2", "b": None, "c": "3.75"}):
        tracker.observe(row)
    columns = infer_columns(tracker, declared={"a": "smallint", "b": "super"})
    assert columns == [Column("a", "smallint"), Column("b", "super"), Column("c", "numeric(18,2)")]


def test_track_passes_rows_through() -> None:
    tracker = ColumnTracker()
    rows = [{"a": "1"}, {"a": "2"}]
    assert list(tracker.track(rows)) == rows
    assert tracker.rows == 2


def test_a_csv_read_and_tracked(tmp_path: Path) -> None:
    lines = ["id,amount,flag,day,note"]
    lines += [
        f"{n},{n / 4},{'true' if n % 2 else 'false'},2026-01-{n % 28 + 1:02d},n{n}" for n in range(5000)
    ]
    source = open_source(write(tmp_path / "a.csv", "\n".join(lines) + "\n"))
    tracker = ColumnTracker(source.columns)
    for row in source.rows():
        tracker.observe(row)
    assert {column.name: column.type for column in infer_columns(tracker)} == {
        "id": "int",
        "amount": "float",
        "flag": "boolean",
        "day": "date",
        "note": "text",
    }


_EDGE_STRINGS = (
    *("true", "FALSE", "t", "f", "yes", "0", "1", "", " 1", "+", "-", ".", "1e5", "1.", ".5", "+5", "-0"),
    *("00", "1.e5", "1e-400", "2026-02-30", "2024-02-29", "2023-02-29 10:00:00", "0000-01-01"),
    *("9999-12-31 23:59:59.9999999", "2026-01-01T10:00", "2026-01-01 10:00:00+15:59"),
    *("2026-01-01 10:00:00+16:00", "2026-01-01 10:00:00 +02", "2026-01-01 10:00:00 UTC"),
)

# Values in the forms CSV files hold them, from every type's neighbourhood and beyond.
_csv_values = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64).map(str),
    st.integers(min_value=-(2**31) - 2, max_value=2**31 + 2).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda value: f"{value:.3f}"),
    st.dates().map(str),
    st.builds(lambda value, sep: value.isoformat(sep=sep), st.datetimes(), st.sampled_from(" T")),
    st.datetimes().map(lambda value: value.isoformat() + "Z"),
    st.sampled_from(_EDGE_STRINGS),
    st.text(alphabet=string.digits + "-.:eTZ +", max_size=25),
    st.text(max_size=30),
)


def _packs(columns: list[Column], rows: list[dict[str, Any]]) -> None:
    """Every row packs against the columns: the core's checks are the load's checks."""
    packer = Packer(columns=columns)
    try:
        for row in rows:
            packer.pack(row)
    finally:
        packer.close()
        list(packer)


def _inferred(rows: list[dict[str, Any]]) -> tuple[list[Column], dict[str, int]]:
    """The columns inferred from ``rows``, the same whichever way the tracker batches them."""
    results = []
    for batch in (1, 3, infer._BATCH):
        with patch.object(infer, "_BATCH", batch):
            tracker = ColumnTracker()
            for row in rows:
                tracker.observe(row)
            results.append((infer_columns(tracker), measured_widths(tracker)))
    assert results[0] == results[1] == results[2]
    return results[0]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_csv_values, min_size=1, max_size=40))
def test_the_inferred_type_takes_every_observed_string(values: list[str]) -> None:
    rows = [{"c": value} for value in values if "\x00" not in value]
    columns, widths = _inferred(rows)
    _packs(columns, rows)
    if columns and columns[0].type in ("text", "longtext"):
        assert widths["c"] == max(len(row["c"].encode()) for row in rows)


@pytest.mark.parametrize(
    ("values", "inferred"),
    [
        (["9999-12-31 23:59:59.9999999"], "text"),  # the fraction rounds into year 10000
        (["9999-12-31 23:59:59.9999994"], "timestamp"),
        (["9999-12-31 23:30:00-01", "2026-11-21T10:00:00Z"], "timestamp"),  # UTC is in year 10000
        (["9999-12-31 23:30:00+01"], "timestamptz"),
        (["0001-01-01 00:30:00+01"], "timestamp"),  # UTC is in year 0
        (["0001-01-01 00:30:00-01", "0001-01-01T00:00:00Z"], "timestamptz"),
    ],
)
def test_timestamps_at_the_edge_of_the_years_infer_what_the_load_takes(
    values: list[str], inferred: str
) -> None:
    rows = [{"c": value} for value in values]
    columns, _ = _inferred(rows)
    assert [column.type for column in columns] == [inferred]
    _packs(columns, rows)


_json_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _csv_values,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_json_values, min_size=1, max_size=40))
def test_the_inferred_type_takes_every_observed_json_value(values: list[Any]) -> None:
    rows = [{"c": value} for value in values if not (isinstance(value, str) and "\x00" in value)]
    columns, _ = _inferred(rows)
    _packs(columns, rows)


@given(st.lists(st.integers(min_value=-(2**31), max_value=2**31 - 1), min_size=1))
def test_int32_strings_infer_int(values: list[int]) -> None:
    assert column_type(str(value) for value in values) == "int"


# --- how to reach S3: one StorageSettings ------------------------------------------------------------------


def test_an_s3_glob_is_read_with_the_storage_settings_given(
    s3: Any, s3_bucket: str, s3_server: S3Server
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="in/a.ndjson", Body=ndjson({"a": 1}))
    s3.put_object(Bucket=s3_bucket, Key="in/b.ndjson", Body=ndjson({"a": 2}))
    storage = StorageSettings(endpoint_url=s3_server.endpoint_url, region="us-east-1")
    assert rows_of(f"s3://{s3_bucket}/in/*.ndjson", storage=storage, max_attempts=2) == [{"a": 1}, {"a": 2}]
    source = FileSource(f"s3://{s3_bucket}/in/a.ndjson", storage=storage)
    assert list(source.rows()) == [{"a": 1}]
    source.close()


def test_an_s3_manifest_and_its_entries_are_read_with_the_storage_settings_given(
    s3: Any, s3_bucket: str, s3_server: S3Server
) -> None:
    part = gzip.compress(ndjson({"a": 1}, {"a": 2}))
    s3.put_object(Bucket=s3_bucket, Key="parts/0.json.gz", Body=part)
    manifest = {"entries": [{"url": f"s3://{s3_bucket}/parts/0.json.gz", "mandatory": True}]}
    s3.put_object(Bucket=s3_bucket, Key="x.manifest", Body=json.dumps(manifest).encode())
    storage = StorageSettings(endpoint_url=s3_server.endpoint_url)
    source = ManifestSource(f"s3://{s3_bucket}/x.manifest", storage=storage)
    assert list(source.rows()) == [{"a": 1}, {"a": 2}]
    source.close()


def test_rio_s3_endpoint_url_alone_reaches_an_s3_source(
    s3: Any, s3_bucket: str, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="in/a.csv", Body=b"a\n1\n")
    monkeypatch.setenv("RIO_S3_ENDPOINT_URL", s3_server.endpoint_url)
    assert rows_of(f"s3://{s3_bucket}/in/a.csv") == [{"a": "1"}]


def test_loose_settings_fill_the_storage_given_and_may_not_contradict_it(
    s3: Any, s3_bucket: str, s3_server: S3Server
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="in/a.csv", Body=b"a\n1\n")
    storage = StorageSettings(region="us-east-1")
    url = f"s3://{s3_bucket}/in/a.csv"
    assert rows_of(url, storage=storage, endpoint_url=s3_server.endpoint_url) == [{"a": "1"}]
    with pytest.raises(StorageError, match="two different values were given for region"):
        open_source(url, storage=storage, region="eu-west-1", endpoint_url=s3_server.endpoint_url)


def test_local_files_need_no_storage_settings_even_with_a_bad_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIO_S3_ADDRESSING_STYLE", "sideways")
    assert rows_of(write(tmp_path / "a.csv", "a\n1\n")) == [{"a": "1"}]
    with pytest.raises(StorageError, match=r"^\$RIO_S3_ADDRESSING_STYLE"):
        rows_of("s3://rio-test-any-bucket/a.csv")
