"""The three warehouses a :class:`rio.RedshiftIO` sends to in the tests of column types — PostgreSQL, a
DuckDB file, and the Redshift double staging in moto's S3 — with a way to read each back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from rio.adapters import resolve_adapter
from rio.adapters.base import Adapter
from rio.storage_settings import StorageSettings
from support.redshift_double import RedshiftDouble
from support.s3 import S3Server

KINDS = ["postgres", "duckdb", "redshift"]


class PipeTarget:
    """A warehouse to send to through a pipe (``target`` and the pipe's keywords), and how to read it."""

    def __init__(self, kind: str, target: Any, url: str, path: Path | None = None, **pipe: Any) -> None:
        self.kind, self.target, self.url, self.path, self.pipe = kind, target, url, path, pipe

    def adapter(self) -> Adapter:
        return resolve_adapter(self.target)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.kind == "duckdb":
            import duckdb

            with duckdb.connect(str(self.path), read_only=True) as conn:
                return conn.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def pipe_target(request: pytest.FixtureRequest, tmp_path: Path) -> PipeTarget:
    """The :class:`PipeTarget` of ``request.param``, one of :data:`KINDS` (for a parametrized fixture)."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        return PipeTarget("postgres", url, url, base=str(tmp_path / "parts"))
    if request.param == "duckdb":
        path = tmp_path / "w.duckdb"
        return PipeTarget("duckdb", f"duckdb:///{path}", "", path, base=str(tmp_path / "parts"))
    double: RedshiftDouble = request.getfixturevalue("redshift_double")
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = request.getfixturevalue("s3_bucket")
    storage = StorageSettings(endpoint_url=server.endpoint_url, region="us-east-1")
    return PipeTarget("redshift", double, double.postgres_url, base=f"s3://{bucket}/parts", storage=storage)


def normalise(value: Any) -> Any:
    """A value as read back, compared alike from every warehouse: instants and times of day in UTC,
    without a zone; anything else as read."""
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(value, dt.time) and value.utcoffset() is not None:
        return dt.datetime.combine(dt.date(2000, 1, 1), value).astimezone(dt.timezone.utc).time()
    return value
