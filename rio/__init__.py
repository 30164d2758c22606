"""rio: rows from Python producers into Amazon Redshift through S3, or into PostgreSQL and DuckDB.

Fast, exactly once, and with errors you can act on. See the README for a tour.
"""

from __future__ import annotations

from rio import contract, errors
from rio._core import __version__
from rio.config import Column, ColumnType, DataFacts, DestinationConfig
from rio.errors import RioError

__all__ = [
    "Column",
    "ColumnType",
    "DataFacts",
    "DestinationConfig",
    "RioError",
    "__version__",
    "contract",
    "errors",
]
