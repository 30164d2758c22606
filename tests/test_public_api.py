"""The public surface is deliberate: a name added or removed here is a change users see."""

from __future__ import annotations

import re

import rio
import rio.errors


def test_top_level_names() -> None:
    expected = [
        "Column",
        "ColumnType",
        "DataFacts",
        "DestinationConfig",
        "DuckDBDatabase",
        "KeyStats",
        "PackStats",
        "Packer",
        "Part",
        "PostgresDatabase",
        "RedshiftDatabase",
        "RedshiftIO",
        "RedshiftTable",
        "RioError",
        "StorageSettings",
        "__version__",
        "contract",
        "errors",
        "load",
        "types",
    ]
    assert sorted(rio.__all__) == sorted(expected)
    for name in rio.__all__:
        assert hasattr(rio, name), name


def test_every_error_is_a_rio_error() -> None:
    for name in rio.errors.__all__:
        error = getattr(rio.errors, name)
        assert issubclass(error, rio.errors.RioError), name


def test_every_error_is_drawn_in_the_error_tree() -> None:
    tree = rio.errors.__doc__ or ""
    drawn = set(re.findall(r"(?:├──|└──) (\w+)", tree))
    assert drawn == set(rio.errors.__all__) - {"RioError"}


def test_version_comes_from_the_rust_core() -> None:
    assert rio.__version__ == rio._core.__version__
    assert rio.__version__.count(".") == 2


def test_import_rio_imports_no_driver() -> None:
    import subprocess
    import sys

    drivers = "{'psycopg', 'duckdb', 'redshift_connector', 'boto3'}"
    probe = f"import sys, rio; print(sorted({{m.split('.')[0] for m in sys.modules}} & {drivers}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
