"""PostgreSQL, through psycopg 3, with Redshift's COPY emulated by rio.

Tables get each type's nearest exact PostgreSQL type (:data:`rio.types.POSTGRES`: ``varchar(n)``,
``char(n)``, ``numeric(p,s)``, ``timestamptz``, …, and SUPER as ``jsonb``), but no PRIMARY KEY
constraint: Redshift does not enforce keys, and an enforced one would refuse rows Redshift loads.
VARCHAR lengths are checked in bytes by the emulated COPY before PostgreSQL counts characters.

The emulated COPY sends rows in ``COPY … (FORMAT binary)``: the decoder converts each value by
Redshift's rules and writes its binary form, which the server stores without parsing (a load of
event rows takes a quarter less of its time than with the text format). A table whose SUPER column
is ``json`` rather than ``jsonb`` gets the text format, whose SUPER text both read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rio.adapters.base import (
    Adapter,
    CopyRequest,
    CopyResult,
    Session,
    TableColumn,
    concurrent_creation_reason,
    log,
)
from rio.adapters.emulated import decode_files
from rio.errors import WarehouseError
from rio.storage import ObjectStore
from rio.types import POSTGRES, WarehouseTypes, column_type

__all__ = ["PostgresAdapter", "libpq_url"]

#: PostgreSQL's binary COPY: its signature, flags and header extension length, and its end (a field
#: count of -1). The rows between are the decoder's ``postgres-binary`` output.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BINARY_TRAILER = b"\xff\xff"

#: Settings passed to libpq as they are (psycopg.connect keyword arguments).
_LIBPQ = (
    "host",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "connect_timeout",
    "options",
    "application_name",
)


def libpq_url(settings: Mapping[str, Any]) -> str:
    """The ``postgresql://`` URL of a target's settings (for readers that take a URL, such as
    :class:`rio.sources.PostgresQuerySource`; messages show it through :func:`rio.profiles.safe_url`)."""
    from urllib.parse import quote, urlencode

    user = quote(str(settings.get("user", "")), safe="")
    password = settings.get("password")
    auth = f"{user}:{quote(str(password), safe='')}@" if password else (f"{user}@" if user else "")
    port = f":{settings['port']}" if settings.get("port") else ""
    extra = {key: settings[key] for key in _LIBPQ[5:] if settings.get(key) is not None}
    query = f"?{urlencode(extra)}" if extra else ""
    database = quote(str(settings.get("dbname", "")), safe="")
    return f"postgresql://{auth}{settings.get('host', 'localhost')}{port}/{database}{query}"


_COLUMNS_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid), COALESCE(i.indisprimary, false)
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY(i.indkey)
WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
_EXISTS_SQL = """
SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')
"""


def canonical_type(printed: str) -> str:
    """PostgreSQL's ``format_type`` text as rio's canonical spelling (a type rio does not have passes
    through as printed); see :meth:`rio.types.WarehouseTypes.read`."""
    return POSTGRES.read(printed)


class PostgresAdapter(Adapter):
    """``type: postgres`` — host, port, user, password, dbname, and any libpq setting."""

    type: ClassVar[str] = "postgres"
    driver: ClassVar[str | None] = "psycopg"
    driver_extra: ClassVar[str | None] = "postgres"
    warehouse_types: ClassVar[WarehouseTypes] = POSTGRES

    def connect(self, *, dry_run: bool = False) -> Session:
        psycopg = self.import_driver()

        kwargs: dict[str, Any] = {key: self.settings[key] for key in _LIBPQ if key in self.settings}
        kwargs.setdefault("connect_timeout", 10)
        kwargs.setdefault("application_name", "rio")
        try:
            # Autocommit: rio issues BEGIN and COMMIT itself, so no statement runs in a hidden transaction.
            connection = psycopg.connect(autocommit=True, **kwargs)
        except psycopg.Error as exc:
            where = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 5432)}/{kwargs.get('dbname', '')}"
            raise WarehouseError(f"postgres: cannot connect to {where}: {str(exc).strip()}") from exc
        return Session(self, connection, dry_run=dry_run)

    def execute(self, connection: Any, sql: str, params: Sequence[Any]) -> Any:
        return connection.execute(sql, tuple(params) if params else None)

    def begin(self, connection: Any) -> None:
        connection.execute("BEGIN")

    def commit(self, connection: Any) -> None:
        connection.execute("COMMIT")

    def rollback(self, connection: Any) -> None:
        if not connection.closed:
            connection.execute("ROLLBACK")

    def retry_reason(self, exc: BaseException) -> str | None:
        sqlstate = getattr(exc, "sqlstate", None)
        if sqlstate == "40001":
            return "serialisation conflict (40001)"
        if sqlstate == "40P01":
            return "deadlock with another transaction (40P01)"
        # Two loaders creating one table (or schema) at once: the loser meets the catalogue's unique
        # index; running again finds the table there.
        constraint = getattr(getattr(exc, "diag", None), "constraint_name", None) or ""
        if sqlstate == "23505" and constraint.startswith("pg_"):
            return concurrent_creation_reason(constraint)
        # The same race met a step later: the catalogue check of CREATE … IF NOT EXISTS passed, then
        # the other loader's table (or its row type) was committed before this one's.
        if sqlstate in ("42P07", "42710"):
            return f"another loader created the same table at the same moment ({sqlstate}, already exists)"
        return None

    def lock_sql(self, schema: str, table: str) -> str | None:
        return f"LOCK TABLE {self.qualified(schema, table)} IN ACCESS EXCLUSIVE MODE"

    def row_order(self, staging: str) -> str | None:
        # A staging table filled by one COPY keeps its rows in file order.
        return "ctid"

    def read_columns(self, session: Session, schema: str, table: str) -> list[TableColumn] | None:
        # Existence first: a table another loader commits between the two queries is then seen with
        # its columns, never as a table of none (each statement reads the latest commits).
        if not session.query(_EXISTS_SQL, (schema, table)):
            return None
        rows = session.query(_COLUMNS_SQL, (schema, table))
        columns = []
        for name, printed, not_null, default, primary in rows:
            kind = canonical_type(printed)
            columns.append(
                TableColumn(
                    name, kind, bool(not_null), self.parse_default_expression(kind, default), bool(primary)
                )
            )
        return columns

    def copy(self, session: Session, request: CopyRequest, store: ObjectStore) -> CopyResult:
        names = ", ".join(self.quote(column.name) for column in request.columns)
        binary = not session.dry_run and self._binary_copy_fits(session, request)
        statement = f"COPY {self.qualified(request.schema, request.table)} ({names}) FROM STDIN" + (
            " (FORMAT binary)" if binary else ""
        )
        session.record(statement)
        log.debug("%s %s", self.type, statement)
        if session.dry_run:
            return CopyResult(0)
        try:
            with session.connection.cursor() as cursor, cursor.copy(statement) as copy:
                if not binary:
                    return decode_files(request, store, "postgres", copy.write)
                copy.write(_BINARY_HEADER)
                result = decode_files(request, store, "postgres-binary", copy.write)
                copy.write(_BINARY_TRAILER)
                return result
        except Exception as exc:
            if getattr(exc, "sqlstate", None) is None:
                raise
            raise self.translate_error(exc, statement) from exc

    def _binary_copy_fits(self, session: Session, request: CopyRequest) -> bool:
        """Whether the rows can go in COPY's binary format, which the server stores without parsing
        (a quarter less of its time than text): always, but for a SUPER column that is ``json``
        rather than ``jsonb`` (both read as super), whose binary form differs."""
        supers = [c.name for c in request.columns if column_type(c.type, warehouse=True).name == "super"]
        if not supers:
            return True
        types = dict(
            session.query(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (self.qualified(request.schema, request.table),),
            )
        )
        return all(types.get(name) == "jsonb" for name in supers)
