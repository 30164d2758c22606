"""rio: rows from Python producers into Amazon Redshift through S3, or into PostgreSQL and DuckDB.

Producers pack rows into a :class:`RedshiftIO` pipe, which stages gzip'd NDJSON parts and a COPY
manifest and has them loaded, exactly once. Data that already exists (rows, files, S3 objects,
DataFrames, query results) goes in with :func:`load`, or with :class:`RedshiftTable`. The ``rio``
command does the same from a shell (``rio --help``); the README has a tour of each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rio import contract, errors, types
from rio._core import KeyStats, Packer, PackStats, Part, __version__
from rio.config import Column, ColumnType, DataFacts, DestinationConfig
from rio.errors import RioError
from rio.pipe import RedshiftIO
from rio.storage_settings import StorageSettings

if TYPE_CHECKING:
    from rio.tables import DuckDBDatabase, PostgresDatabase, RedshiftDatabase, RedshiftTable
    from rio.transfer import load

__all__ = [
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

#: Names imported on first use: loading existing data pulls in the loader and the adapters, which
#: a producer that only packs never needs.
_LAZY = {
    "load": "rio.transfer",
    "RedshiftTable": "rio.tables",
    "RedshiftDatabase": "rio.tables",
    "PostgresDatabase": "rio.tables",
    "DuckDBDatabase": "rio.tables",
}


def __dir__() -> list[str]:
    """The module's names, the public ones imported on first use included (for dir() and help())."""
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    """A public name imported on first use (``rio.load``, ``rio.RedshiftTable``…)."""
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rio' has no attribute {name!r}")
