"""Column types: one reader of every type's name, shared by configs, the packer and the emulated COPY."""

from __future__ import annotations

import re

import pytest

from rio._core import Decoder, Packer, parse_column_type
from rio.errors import ConfigError, InvalidColumnValue, UnsupportedType


@pytest.mark.parametrize(
    ("spec", "canonical"),
    [
        ("int", "integer"),
        ("float", "double precision"),
        ("text", "varchar(256)"),
        ("longtext", "varchar(65535)"),
        ("decimal", "numeric(18,0)"),
        ("NUMERIC(10, 2)", "numeric(10,2)"),
        ("character varying(32)", "varchar(32)"),
        ("timestamp with time zone", "timestamptz"),
        ("bpchar", "char(256)"),
    ],
)
def test_a_config_type_reads_as_its_canonical_spelling(spec: str, canonical: str) -> None:
    assert parse_column_type(spec).canonical == canonical
    assert parse_column_type(canonical) == parse_column_type(spec)


def test_a_warehouse_text_has_no_width() -> None:
    assert parse_column_type("text", warehouse=True).canonical == "text"
    assert parse_column_type("text", warehouse=True).max_bytes is None
    assert parse_column_type("text").max_bytes == 256


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("decimal(40,2)", "the precision of decimal(p,s) is 1 to 38, not 40"),
        ("varchar(0)", "the width of varchar(n) is 1 to 65535 bytes (or max), not 0"),
        ("char(70000)", "the width of char(n) is 1 to 4096 bytes (or max), not 70000"),
        ("varbyte", "COPY … FORMAT AS JSON cannot load"),
        ("geometry", "COPY … FORMAT AS JSON cannot load"),
        ("varchr", "unknown type"),
    ],
)
def test_a_bad_type_is_refused_with_the_allowed_range(spec: str, message: str) -> None:
    with pytest.raises(UnsupportedType, match=re.escape(message)) as refused:
        parse_column_type(spec)
    assert isinstance(refused.value, ConfigError)


# --- one reader: the packer's checks and the emulated COPY read types through it ------------------

CANONICAL_TYPES = [
    "smallint",
    "integer",
    "bigint",
    "numeric(38,37)",
    "real",
    "double precision",
    "boolean",
    "char(4096)",
    "varchar(65535)",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "super",
]


@pytest.mark.parametrize("canonical", CANONICAL_TYPES)
def test_the_packer_and_the_decoder_take_every_canonical_spelling(canonical: str) -> None:
    assert parse_column_type(canonical).canonical == canonical
    packer = Packer(columns=[("c", canonical)])
    packer.close()
    Decoder([("c", canonical, False)])


@pytest.mark.parametrize("spec", ["decimal(40,2)", "varchar(0)", "char(70000)", "geometry", "varchr(3)"])
def test_the_packer_and_the_decoder_refuse_a_bad_type_as_the_reader_does(spec: str) -> None:
    with pytest.raises(UnsupportedType) as read:
        parse_column_type(spec)
    why = str(read.value)
    with pytest.raises(UnsupportedType) as packing:
        Packer(columns=[("ok", "int"), ("c", spec)])
    assert str(packing.value) == f'columns[1] ("c"): {why}'
    with pytest.raises(UnsupportedType) as decoding:
        Decoder([("ok", "integer", False), ("c", spec, False)])
    assert str(decoding.value) == f'columns[1] ("c"): {why}'


def test_text_is_varchar_256_to_the_packer_and_width_less_to_the_decoder() -> None:
    # A config's text is Redshift's varchar(256); a warehouse's text column has no width.
    packer = Packer(columns=[("c", "text")])
    with pytest.raises(InvalidColumnValue, match="varchar\\(256\\) holds 256"):
        packer.pack({"c": "x" * 257})
    packer.close()
    decoder = Decoder([("c", "text", False)], gzip=False)
    assert decoder.feed(b'{"c":"' + b"x" * 70_000 + b'"}\n') + decoder.finish() == b"x" * 70_000 + b"\n"
    with pytest.raises(UnsupportedType, match='unknown type "longtext"'):
        Decoder([("c", "longtext", False)])
