"""DuckDB, embedded: one database file, with Redshift's COPY emulated by rio.

Tables get each type's nearest exact DuckDB type (:data:`rio.types.DUCKDB`: ``decimal(p,s)``,
``timestamptz``, SUPER as ``json``, …). DuckDB has no VARCHAR or CHAR widths, so a config's
``varchar(n)``, ``text`` (256 bytes) and ``longtext`` (65535 bytes) are enforced by the emulated COPY,
in bytes, as Redshift would; a DECIMAL's precision DuckDB keeps, and a load widens it. DuckDB allows
one writing process per file: a second loader waits for the file, which serialises loads of the same
warehouse.

The emulated COPY decodes the data files into CSV files in a scratch directory, which DuckDB then
reads, with a line limit raised from DuckDB's 2 MB so that rows up to Redshift's 4 MB load. Scratch
lives beside the database file, in ``.<file>.rio-scratch/copy-<unique>/`` (the same disk as the
database; ``$TMPDIR/rio-duckdb-scratch-<uid>`` for ``:memory:``), and holds a file
``lock`` that its loader keeps ``flock``'ed while it runs. A loader that is killed leaves its scratch
behind; the next COPY removes every scratch directory whose lock it can take (its loader is gone),
and never one whose loader is alive.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, BinaryIO, ClassVar

from rio.adapters.base import Adapter, CopyRequest, CopyResult, Session, TableColumn, quote_literal
from rio.adapters.emulated import decode_files_in_parallel
from rio.errors import WarehouseError
from rio.storage import ObjectStore
from rio.types import DUCKDB, WarehouseTypes, column_type

__all__ = ["DuckDBAdapter", "copy_scratch", "reclaim_scratch", "scratch_root"]

#: How long a loader waits for another process to let go of the database file.
LOCK_WAIT_SECONDS = 120.0

#: The longest CSV line DuckDB's COPY reads (its default is 2 MB). A row is at most Redshift's 4 MB of
#: JSON (the decoder refuses a larger one with error 1216), and its CSV line is at most about twice
#: that — every '"' doubled — plus what fixed-width values add (a DECIMAL's scale, a CHAR's padding,
#: a timestamp's digits: a few hundred kB at most); four times the row limit holds all of it.
MAX_CSV_LINE_BYTES = 4 * (4 << 20)


#: The file in a scratch directory that its live loader keeps locked.
SCRATCH_LOCK = "lock"
_SCRATCH_PREFIX = "copy-"
#: A scratch directory without its lock is being made (for microseconds), or its loader died making
#: it; after this long it is the latter.
UNLOCKED_SCRATCH_SECONDS = 60.0


def scratch_root(database: str) -> str:
    """The directory that holds the COPY scratch of the database at ``database``."""
    if database.startswith(":memory:"):
        # One per user: another user's directory of that name is not this one's to write or clean.
        return os.path.join(tempfile.gettempdir(), f"rio-duckdb-scratch-{os.getuid()}")
    folder, name = os.path.split(os.path.abspath(os.path.expanduser(database)))
    return os.path.join(folder, f".{name}.rio-scratch")


def _own_directory(path: str) -> bool:
    """Whether ``path`` is a directory of this user's itself, not a link to one."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def reclaim_scratch(root: str) -> list[str]:
    """Remove the scratch directories under ``root`` whose loader is gone; return their paths.

    Only rio's own (``copy-*`` directories of this user, in a root of this user's) are looked at.
    """
    if not _own_directory(root):
        return []
    removed = []
    for entry in sorted(os.listdir(root)):
        directory = os.path.join(root, entry)
        if not (entry.startswith(_SCRATCH_PREFIX) and _own_directory(directory)):
            continue
        try:
            lock = os.open(os.path.join(directory, SCRATCH_LOCK), os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except FileNotFoundError:
            # Being made this instant, or its loader died making it: only the latter gets old.
            try:
                age = time.time() - os.lstat(directory).st_mtime
            except FileNotFoundError:
                continue  # removed meanwhile by its loader or another reclaimer
            if age > UNLOCKED_SCRATCH_SECONDS:
                shutil.rmtree(directory, ignore_errors=True)
                removed.append(directory)
            continue
        except OSError:
            continue  # a lock that is not a file: not rio's
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its loader is alive
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
        finally:
            os.close(lock)
    return removed


def _make_scratch(root: str) -> tuple[str, int]:
    """A new scratch directory under ``root`` and the descriptor of its lock, already held."""
    for _ in range(10):
        try:
            os.makedirs(root, mode=0o700, exist_ok=True)
            if not _own_directory(root):
                raise WarehouseError(
                    f"duckdb: {root}, where COPY keeps its scratch, is not a directory of this user's (a "
                    "link, a file, or another user's); remove it, then load again"
                )
            directory = tempfile.mkdtemp(prefix=_SCRATCH_PREFIX, dir=root)
        except FileNotFoundError:
            continue  # another loader removed the empty root just now
        except OSError as exc:
            raise WarehouseError(
                f"duckdb: cannot make COPY's scratch directory in {root}: {exc.strerror or exc}; the "
                "directory of the database file must be writable"
            ) from exc
        # Locked under another name, then renamed: a reclaimer never finds an unlocked ``lock``.
        pending = os.path.join(directory, f".{SCRATCH_LOCK}-new")
        lock = os.open(pending, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            os.write(lock, f"{os.getpid()}\n".encode())
            os.rename(pending, os.path.join(directory, SCRATCH_LOCK))
        except BaseException:
            os.close(lock)
            shutil.rmtree(directory, ignore_errors=True)
            raise
        return directory, lock
    raise WarehouseError(f"duckdb: cannot make COPY's scratch directory in {root}: it keeps disappearing")


@contextmanager
def copy_scratch(database: str) -> Iterator[str]:
    """A scratch directory for one COPY into ``database``, removed after it.

    Scratch that killed loaders left beside the database is removed first.
    """
    root = scratch_root(database)
    reclaim_scratch(root)
    directory, lock = _make_scratch(root)
    try:
        yield directory
    finally:
        # Removed while still locked, so no reclaimer races this loader for it.
        shutil.rmtree(directory, ignore_errors=True)
        os.close(lock)
        with contextlib.suppress(OSError):
            os.rmdir(root)  # only when no other loader's scratch is in it


def _glob_literal(path: str) -> str:
    """``path`` with DuckDB's glob characters matching only themselves."""
    return re.sub(r"([*?\[])", r"[\1]", path)


def canonical_type(printed: str) -> str:
    """DuckDB's ``information_schema.columns.data_type`` as rio's canonical spelling (a type rio does
    not have passes through in lower case); see :meth:`rio.types.WarehouseTypes.read`."""
    return DUCKDB.read(printed)


class DuckDBAdapter(Adapter):
    """``type: duckdb`` — ``path`` (the database file; created if absent)."""

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
        names = ", ".join(self.quote(column.name) for column in request.columns)
        target = self.qualified(request.schema, request.table)
        with copy_scratch(self.path) as scratch:
            # One CSV per data file, decoded side by side; DuckDB then reads them all at once, in
            # the order of their names, which is the manifest's.
            result = decode_files_in_parallel(
                request,
                store,
                "csv",
                lambda index: _LazyFile(os.path.join(scratch, f"{index:06d}.csv")),
                workers=os.cpu_count() or 1,
            )
            if not any(name.endswith(".csv") for name in os.listdir(scratch)):
                return result  # no rows at all: DuckDB cannot read an empty file list
            files = quote_literal(_glob_literal(scratch) + "/*.csv")
            statement = (
                f"COPY {target} ({names}) FROM {files} (FORMAT csv, HEADER false, DELIMITER ',', "
                "QUOTE '\"', ESCAPE '\"', NEW_LINE '\\n', NULL '', allow_quoted_nulls false, "
                f"max_line_size {MAX_CSV_LINE_BYTES})"
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
