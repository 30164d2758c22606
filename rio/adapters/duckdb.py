"""DuckDB, embedded: one database file, with Redshift's COPY emulated by rio.

Tables get each type's nearest exact DuckDB type (:data:`rio.types.DUCKDB`: ``decimal(p,s)``,
``timestamptz``, SUPER as ``json``, …). DuckDB has no VARCHAR or CHAR widths, so a config's
``varchar(n)``, ``text`` (256 bytes) and ``longtext`` (65535 bytes) are enforced by the emulated COPY,
in bytes, as Redshift would; a DECIMAL's precision DuckDB keeps, and a load widens it. DuckDB allows
one writing process per file: a second loader waits for the file, which serialises loads of the same
warehouse.

The emulated COPY decodes the data files on one thread a core into a stream of Arrow batches, which
DuckDB reads inside the load's transaction (``INSERT … SELECT`` from the stream): numbers, booleans,
decimals, dates and timestamps as Arrow's own types, the rest as text DuckDB casts. Nothing is
written beside the database, the rows of a file arrive in the manifest's order, and memory holds a
few batches per file being decoded, not the load. Rows up to Redshift's 4 MB load.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from collections.abc import Sequence
from typing import Any, ClassVar

from rio._core import BatchStream
from rio.adapters.base import Adapter, CopyRequest, CopyResult, Session, TableColumn
from rio.adapters.emulated import decode_files, decode_files_in_parallel
from rio.errors import WarehouseError
from rio.storage import ObjectStore
from rio.types import DUCKDB, WarehouseTypes, column_type

__all__ = ["DuckDBAdapter"]

#: How long a loader waits for another process to let go of the database file.
LOCK_WAIT_SECONDS = 120.0

#: ``memory_limit``: DuckDB's own setting, for the load's connection only. DuckDB's default (80 % of
#: the machine's memory) lets a load keep the blocks it wrote cached: 230 MB above the process's size
#: for 1 M event rows, 625 MB for 10 M (DuckDB's own ``read_json`` of the same parts: 246 and 622).
#: With 128MB they stay near 210 and 255 MB. It is not rio's default because DuckDB pins a
#: transaction's large strings to commit it: 40 rows of 4 MB fail at COMMIT under 128MB.
_MEMORY_SIZE = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def canonical_type(printed: str) -> str:
    """DuckDB's ``information_schema.columns.data_type`` as rio's canonical spelling (a type rio does
    not have passes through in lower case); see :meth:`rio.types.WarehouseTypes.read`."""
    return DUCKDB.read(printed)


class DuckDBAdapter(Adapter):
    """``type: duckdb`` — ``path`` (the database file; created if absent), ``lock_wait`` (seconds to
    wait for another process's load to let go of the file; 120) and ``memory_limit`` (DuckDB's, for
    the load's connection; DuckDB's default when unset)."""

    #: The name DuckDB gives the database of the file, read when it is opened.
    _catalog: str | None = None

    type: ClassVar[str] = "duckdb"
    driver: ClassVar[str | None] = "duckdb"
    driver_extra: ClassVar[str | None] = "duckdb"
    warehouse_types: ClassVar[WarehouseTypes] = DUCKDB

    @property
    def path(self) -> str:
        path = self.settings.get("path")
        if not isinstance(path, str) or not path:
            raise WarehouseError(
                "duckdb: the target needs a path (duckdb:///file.duckdb, or path: in the profile)"
            )
        return path

    def connect(self, *, dry_run: bool = False) -> Session:
        duckdb = self.import_driver()

        path = self.path
        memory_limit = self.memory_limit
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
        if memory_limit is not None:
            try:
                connection.execute(f"SET memory_limit = '{memory_limit}'")  # checked: digits and a unit
            except BaseException:
                connection.close()
                raise
        (self._catalog,) = connection.execute("SELECT current_database()").fetchone() or (None,)
        return Session(self, connection, dry_run=dry_run)

    @property
    def memory_limit(self) -> str | None:
        """The target's ``memory_limit`` (``512MB``, ``2GB``…), checked; None leaves DuckDB's."""
        limit = self.settings.get("memory_limit")
        if limit is None:
            return None
        if not isinstance(limit, str) or not _MEMORY_SIZE.fullmatch(limit.strip()):
            raise WarehouseError(
                f"duckdb: memory_limit must be a size such as 64MB or 2GB (B, KB, MB, GB, TB, KiB, "
                f"MiB, GiB, TiB), not {limit!r}"
            )
        return limit.strip()

    def execute(self, connection: Any, sql: str, params: Sequence[Any]) -> Any:
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

    def retry_reason(self, exc: BaseException) -> str | None:
        import duckdb

        if not (isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()):
            return None
        if "catalog" in str(exc).lower():
            return (
                "another loader created or changed the same table or schema at the same moment "
                "(DuckDB's catalog write-write conflict)"
            )
        return "write-write conflict with another transaction on the same rows (DuckDB)"

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

    def widen_sql(self, schema: str, table: str, column: str, new_type: str) -> str | None:
        if column_type(new_type, warehouse=True).family == "character":
            return None  # DuckDB keeps no widths: the emulated COPY enforces them
        return super().widen_sql(schema, table, column, new_type)

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

    def copy(self, session: Session, request: CopyRequest, store: ObjectStore) -> CopyResult:
        names = [column.name for column in request.columns]
        target = self.qualified(request.schema, request.table)
        source = f"rio_copy_{uuid.uuid4().hex}"
        statement = (
            f"INSERT INTO {target} ({', '.join(self.quote(name) for name in names)}) "
            f"SELECT * FROM {self.quote(source)}"
        )
        duckdb = self.import_driver()
        if session.dry_run:
            # Nothing reads the rows: decode them only to count them and find the rejected ones.
            session.execute(statement)
            return decode_files(request, store, "columns", lambda rows: None)
        # The files decode on worker threads into one ordered stream of Arrow batches (typed where
        # Arrow has the type, else text that DuckDB casts), which DuckDB reads as they come: no
        # file in between, and at most a few batches a file in memory, however large the load.
        stream = BatchStream([(column.name, column.type) for column in request.columns], len(request.files))
        connection = session.connection
        connection.register(source, stream)
        try:
            return decode_files_in_parallel(
                request,
                store,
                "columns",
                lambda index: _StreamSink(stream, index),
                workers=_WORKERS,
                consume=lambda: session.execute(statement),
                abort=stream.fail,
            )
        finally:
            # In a transaction the failed INSERT aborted, DuckDB refuses even this: the rollback that
            # follows drops the view, and the stream (emptied by the failure) goes with the connection.
            with contextlib.suppress(duckdb.Error):
                connection.unregister(source)


#: Threads that decode files for one COPY.
_WORKERS = os.cpu_count() or 1


class _StreamSink:
    """One file's place in a :class:`rio._core.BatchStream`: its rows, then its end."""

    def __init__(self, stream: BatchStream, index: int) -> None:
        self.stream = stream
        self.index = index

    def write(self, data: bytes) -> None:
        if data:
            self.stream.write(self.index, data)

    def __enter__(self) -> _StreamSink:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:  # a file that failed is not closed: its failure ends the stream
            self.stream.close(self.index)
