"""DuckDB, embedded: one database file, with Redshift's COPY emulated by rio.

DuckDB has no VARCHAR widths, so a config's ``text`` (256 bytes) and ``longtext`` (65535 bytes) are
enforced by the emulated COPY, in bytes, as Redshift would. DuckDB allows one writing process per
file: a second loader waits for the file, which serialises loads of the same warehouse.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from typing import Any, BinaryIO, ClassVar

from rio.adapters.base import Adapter, CopyRequest, CopyResult, Session, TableColumn
from rio.adapters.emulated import decode_files_in_parallel
from rio.errors import WarehouseError

__all__ = ["DuckDBAdapter"]

_TYPES = {
    "BOOLEAN": "boolean",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "FLOAT": "real",
    "REAL": "real",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "VARCHAR": "text",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")

#: How long a loader waits for another process to let go of the database file.
LOCK_WAIT_SECONDS = 120.0


def canonical_type(printed: str) -> str:
    if printed in _TYPES:
        return _TYPES[printed]
    match = _DECIMAL.fullmatch(printed)
    return f"numeric({match.group(1)},{match.group(2)})" if match else printed.lower()


class DuckDBAdapter(Adapter):
    """``type: duckdb`` — ``path`` (the database file; created if absent)."""

    #: The name DuckDB gives the database of the file, read when it is opened.
    _catalog: str | None = None

    type: ClassVar[str] = "duckdb"

    @property
    def path(self) -> str:
        path = self.settings.get("path")
        if not isinstance(path, str) or not path:
            raise WarehouseError(
                "duckdb: the target needs a path (duckdb:///file.duckdb, or path: in the profile)"
            )
        return path

    def connect(self, *, dry_run: bool = False) -> Session:
        import duckdb

        path = self.path
        deadline = time.monotonic() + float(self.settings.get("lock_wait", LOCK_WAIT_SECONDS))
        while True:
            try:
                connection = duckdb.connect(path)
                break
            except duckdb.IOException as exc:
                # Another process holds the file; it lets go when its load commits.
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise WarehouseError(f"duckdb: cannot open {path}: {exc}") from exc
                time.sleep(0.1)
            except duckdb.Error as exc:
                raise WarehouseError(f"duckdb: cannot open {path}: {exc}") from exc
        (self._catalog,) = connection.execute("SELECT current_database()").fetchone() or (None,)
        return Session(self, connection, dry_run=dry_run)

    def execute(self, connection: Any, sql: str, params: Any) -> Any:
        if params:
            return connection.execute(sql.replace("%s", "?"), list(params))
        return connection.execute(sql)

    def begin(self, connection: Any) -> None:
        connection.execute("BEGIN TRANSACTION")

    def commit(self, connection: Any) -> None:
        connection.execute("COMMIT")

    def rollback(self, connection: Any) -> None:
        try:
            connection.execute("ROLLBACK")
        except Exception as exc:
            if "no transaction is active" not in str(exc).lower():
                raise

    def is_serialization_failure(self, exc: BaseException) -> bool:
        import duckdb

        return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()

    def qualified(self, schema: str | None, table: str) -> str:
        # DuckDB names the database after its file, and a schema of the same name (schema "events"
        # in events.duckdb) would be ambiguous with it: names carry the database too, once known.
        name = super().qualified(schema, table)
        if schema is None or self._catalog is None:
            return name
        return f"{self.quote(self._catalog)}.{name}"

    def create_schema_sql(self, schema: str) -> str:
        catalog = f"{self.quote(self._catalog)}." if self._catalog is not None else ""
        return f"CREATE SCHEMA IF NOT EXISTS {catalog}{self.quote(schema)}"

    def lock_sql(self, schema: str, table: str) -> str | None:
        return None  # one writing process per file, and conflicts inside one process are retried

    def widen_sql(self, schema: str, table: str, column: str, width: int) -> str | None:
        return None  # DuckDB keeps no widths

    def create_staging_sql(self, schema: str, table: str, staging: str) -> str:
        source = self.qualified(schema, table)
        return f"CREATE TEMPORARY TABLE {self.quote(staging)} AS SELECT * FROM {source} LIMIT 0"

    def row_order(self, staging: str) -> str | None:
        return "rowid"

    def read_columns(self, session: Session, schema: str, table: str) -> list[TableColumn] | None:
        rows = session.query(
            "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
            (schema, table),
        )
        if not rows:
            return None
        columns = []
        for name, printed, nullable, default in rows:
            kind = canonical_type(printed)
            columns.append(
                TableColumn(name, kind, nullable == "NO", self.parse_default_expression(kind, default))
            )
        return columns

    def copy(self, session: Session, request: CopyRequest, store: Any) -> CopyResult:
        names = ", ".join(self.quote(column.name) for column in request.columns)
        target = self.qualified(request.schema, request.table)
        with tempfile.TemporaryDirectory(prefix="rio-copy-") as scratch:
            # One CSV per data file, decoded side by side; DuckDB then reads them all at once, in
            # the order of their names, which is the manifest's.
            result = decode_files_in_parallel(
                request,
                store,
                "csv",
                lambda index: _LazyFile(os.path.join(scratch, f"{index:06d}.csv")),
                workers=os.cpu_count() or 1,
            )
            if not os.listdir(scratch):
                return result  # no rows at all: DuckDB cannot read an empty file list
            statement = (
                f"COPY {target} ({names}) FROM '{scratch}/*.csv' (FORMAT csv, HEADER false, DELIMITER ',', "
                "QUOTE '\"', ESCAPE '\"', NEW_LINE '\\n', NULL '', allow_quoted_nulls false)"
            )
            session.execute(statement)
        return result


class _LazyFile:
    """A file created at its first non-empty write, so a file of no rows leaves no empty CSV behind
    (DuckDB refuses to read one)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._handle: BinaryIO | None = None

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._handle is None:
            self._handle = open(self.path, "wb")  # noqa: SIM115 - closed by __exit__
        self._handle.write(data)

    def __enter__(self) -> _LazyFile:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            self._handle.close()
