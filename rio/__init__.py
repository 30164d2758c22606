"""rio: rows from Python producers into Amazon Redshift through S3, or into PostgreSQL and DuckDB.

Fast, exactly once, and with errors you can act on. See the README for a tour.
"""

from __future__ import annotations

from rio._core import __version__

__all__ = ["__version__"]
