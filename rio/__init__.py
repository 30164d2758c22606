"""rio: rows from Python producers into Amazon Redshift through S3, or into PostgreSQL and DuckDB.

Fast, exactly once, and with errors you can act on. See the README for a tour.
"""

from __future__ import annotations

from rio import contract, errors
from rio._core import KeyStats, Packer, PackStats, Part, __version__
from rio.config import Column, ColumnType, DataFacts, DestinationConfig
from rio.errors import RioError
from rio.pipe import RedshiftIO

__all__ = [
    "Column",
    "ColumnType",
    "DataFacts",
    "DestinationConfig",
    "KeyStats",
    "PackStats",
    "Packer",
    "Part",
    "RedshiftIO",
    "RioError",
    "__version__",
    "contract",
    "errors",
]
