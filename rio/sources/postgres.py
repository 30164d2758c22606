"""Rows of a PostgreSQL query, streamed through a server-side cursor (psycopg 3, imported lazily).

The query's columns keep their types (:attr:`PostgresQuerySource.column_types`): PostgreSQL describes
each result column, and every type rio has keeps its spelling — ``numeric(12,2)`` is
``numeric(12,2)``, ``timestamptz``, ``smallint``, ``real``, ``char(3)``, ``varchar(32)``, ``time``,
``timetz``, ``date``, ``boolean``, ``json`` and ``jsonb`` as ``super``. What carries no size — ``text``,
a ``varchar`` or ``numeric`` without one — and the types rio does not have are inferred from the values.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from functools import partial
from importlib import import_module
from typing import TYPE_CHECKING, Any

from rio.adapters.base import missing_driver
from rio.errors import SourceError, UnsupportedType
from rio.profiles import safe_url
from rio.sources.base import Source, clip
from rio.types import POSTGRES, column_type, config_spelling

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresQuerySource"]

Params = Sequence[Any] | Mapping[str, Any] | None


def declared_type(type_display: str | None) -> str | None:
    """The config type of a query column PostgreSQL describes as ``type_display`` (psycopg's
    ``Column.type_display``: ``numeric(12,2)``, ``int4``, ``timestamptz``, ``jsonb``, …), or None when
    its values must decide: a type without a size (``text``, ``varchar``, ``numeric``) or one rio does
    not have."""
    if not type_display or type_display.strip().lower() in ("numeric", "decimal"):
        return None  # PostgreSQL's unconstrained numeric: its values' digits decide
    try:
        kind = column_type(POSTGRES.read(type_display), warehouse=True)
    except UnsupportedType:
        return None
    return None if kind.canonical == "text" else config_spelling(kind)


class PostgresQuerySource(Source):
    """The rows of ``sql`` (with bind ``params``) run on the database at ``url``.

    The query runs in a read-only transaction behind a server-side cursor, fetched ``itersize`` rows
    at a time, so memory holds one batch. ``columns`` come from the query's description, which
    declaring the cursor gives without fetching a row, and so do ``column_types`` (see the module
    docstring). Values are what psycopg returns (``Decimal``, ``datetime``, ``dict`` for json…).
    Errors are :class:`~rio.errors.SourceError` naming the URL, with any password left out.
    """

    def __init__(self, url: str, sql: str, params: Params = None, *, itersize: int = 10_000) -> None:
        if itersize < 1:
            raise ValueError(f"itersize must be at least 1, not {itersize}")
        self.url = url
        self.sql = sql
        self.params = params
        self.itersize = itersize
        self.name = f"{safe_url(url)} query {clip(' '.join(sql.split()), 80)!r}"
        self._open: tuple[psycopg.Connection[Any], psycopg.ServerCursor[Any]] | None = None
        self._columns: list[str] | None = None
        self._types: dict[str, str] = {}

    def _error(self, action: str, exc: Exception) -> SourceError:
        return SourceError(f"{self.name}: could not {action}: {str(exc).strip()}", source=safe_url(self.url))

    def _driver(self) -> Any:
        """psycopg, or one line naming the extra that installs it."""
        try:
            return import_module("psycopg")
        except ImportError as exc:
            problem = missing_driver(exc, "psycopg", "postgres")
            raise SourceError(f"{self.name}: reading a PostgreSQL query needs {problem}") from exc

    def _declare(self) -> tuple[psycopg.Connection[Any], psycopg.ServerCursor[Any]]:
        psycopg = self._driver()

        try:
            conn = psycopg.connect(self.url)
        except psycopg.Error as exc:
            raise self._error("connect", exc) from None
        try:
            conn.read_only = True
            # json/jsonb numbers as Decimal, not float: a document keeps every digit it holds.
            from psycopg.types.json import set_json_loads

            set_json_loads(partial(json.loads, parse_float=Decimal), conn)
            cursor = conn.cursor(name=f"rio_source_{secrets.token_hex(4)}")
            cursor.itersize = self.itersize
            cursor.execute(self.sql, self.params)
        except psycopg.Error as exc:
            conn.close()
            raise self._error("run the query", exc) from None
        description = cursor.description or []
        self._columns = [column.name for column in description]
        self._types = {}
        for column in description:
            declared = declared_type(getattr(column, "type_display", None))
            if declared is not None:
                self._types[column.name] = declared
        return conn, cursor

    @property
    def columns(self) -> list[str] | None:
        if self._columns is None:
            self._open = self._declare()
        return list(self._columns) if self._columns is not None else None

    @property
    def column_types(self) -> dict[str, str] | None:
        if self._columns is None:
            self._open = self._declare()
        return dict(self._types)

    def rows(self) -> Iterator[dict[str, Any]]:
        opened, self._open = self._open, None
        return self._iterate(opened)

    def _iterate(
        self, opened: tuple[psycopg.Connection[Any], psycopg.ServerCursor[Any]] | None
    ) -> Iterator[dict[str, Any]]:
        psycopg = self._driver()
        conn, cursor = opened if opened is not None else self._declare()
        try:
            names = self._columns or []
            while True:
                try:
                    batch = cursor.fetchmany(self.itersize)
                except psycopg.Error as exc:
                    raise self._error("fetch rows", exc) from None
                if not batch:
                    return
                for values in batch:
                    yield dict(zip(names, values, strict=True))
        finally:
            conn.close()

    def close(self) -> None:
        opened, self._open = self._open, None
        if opened is not None:
            opened[0].close()
