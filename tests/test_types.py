"""Column types: one reader of every type's name, shared by configs, the packer and the emulated COPY."""

from __future__ import annotations

import re

import pytest

from rio._core import parse_column_type
from rio.errors import ConfigError, UnsupportedType


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
