"""The public surface is deliberate: a name added or removed here is a change users see."""

from __future__ import annotations

import pydoc
import re
import subprocess
import sys

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
    drivers = "{'psycopg', 'duckdb', 'redshift_connector', 'boto3'}"
    probe = f"import sys, rio; print(sorted({{m.split('.')[0] for m in sys.modules}} & {drivers}))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dir_lists_every_public_name_before_the_lazy_ones_are_imported() -> None:
    assert set(rio.__all__) <= set(dir(rio))
    # In a fresh interpreter, where no test has used rio.load yet: dir() lists it, and imports nothing.
    probe = (
        "import sys, rio; missing = sorted(set(rio.__all__) - set(dir(rio))); "
        "print(missing, 'rio.transfer' in sys.modules, '__name__' in dir(rio))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] False True"


def test_help_says_what_rio_is_and_where_to_start() -> None:
    text = pydoc.render_doc(rio, renderer=pydoc.plaintext)
    summary = (rio.__doc__ or "").strip().splitlines()
    assert len(summary) <= 7
    for start in ("RedshiftIO", ":func:`load`", "RedshiftTable", "rio --help", "README"):
        assert start in text, start
    # The lazy names are documented too, with their signatures.
    assert "load(source" in text
    assert "class RedshiftTable" in text
