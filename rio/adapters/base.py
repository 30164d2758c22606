"""What every warehouse adapter provides, and the pieces they share.

An adapter knows one warehouse's SQL dialect and driver; the loader (:mod:`rio.loader`) knows the
order of a load, and :mod:`rio.ledger` the ledger's columns. Neither spells SQL: they speak to a
:class:`Session` (one connection, explicit transactions) and ask the adapter for each statement —
as text (``*_sql``) or run on the session (:meth:`Adapter.delete_all`,
:meth:`Adapter.upsert_from_staging`, …) — and for the few operations that differ too much to share:
reading a table's columns, and COPY. The statements here are what PostgreSQL, DuckDB and Redshift
all take; an adapter overrides one only where its warehouse differs.
"""

from __future__ import annotations

import json
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from importlib import import_module
from types import MappingProxyType
from typing import Any, ClassVar

from rio import redaction
from rio.config import Column, DestinationConfig, SqlFunction
from rio.errors import InvalidDefault, UnsupportedType, WarehouseError
from rio.storage import ObjectStore
from rio.types import GO_NAMES, POSTGRES, WarehouseTypes, column_type, parse_default

__all__ = [
    "Adapter",
    "CopyRequest",
    "CopyResult",
    "DataFile",
    "Session",
    "TableColumn",
    "bind_for_display",
    "concurrent_creation_reason",
    "missing_driver",
    "quote_identifier",
    "quote_literal",
    "sql_literal",
]

log = redaction.logger("rio.sql")

#: The canonical spelling of each of the Go tools' type names (:func:`rio.types.canonical` reads every
#: spelling there is; this stays for code written against the eight names).
CANONICAL_TYPES: Mapping[str, str] = MappingProxyType(
    {name: column_type(name).canonical for name in GO_NAMES}
)


def varchar_width(spec: str) -> int | None:
    """The width of a VARCHAR, from a type as a warehouse reports it (``varchar(127)``); else None."""
    try:
        kind = column_type(spec, warehouse=True)
    except UnsupportedType:
        return None  # a type rio does not have, as the warehouse printed it
    return kind.max_bytes if kind.name == "varchar" else None


_CATALOGUE = re.compile(r"pg_[a-z]+")


def concurrent_creation_reason(constraint: str) -> str:
    """The retry reason for a unique violation on a catalogue index (``pg_type_typname_nsp_index``):
    another loader created the same table (or schema) in the same moment, and running again finds it."""
    match = _CATALOGUE.match(constraint)
    catalogue = match.group(0) if match else constraint
    created = "schema" if catalogue == "pg_namespace" else "table"
    return f"another loader created the same {created} at the same moment (unique violation in {catalogue})"


def missing_driver(exc: ImportError, driver: str, extra: str) -> str:
    """What to say of a driver whose import failed: "the X driver, which is not installed; install it
    with: pip install 'rio[extra]'" (or "cannot be imported (why); reinstall it …")."""
    install = f"pip install 'rio[{extra}]'"
    missing = exc.name if isinstance(exc, ModuleNotFoundError) else None
    if missing is not None and (missing == driver or missing.startswith(f"{driver}.")):
        return f"the {driver} driver, which is not installed; install it with: {install}"
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return f"the {driver} driver, which cannot be imported ({reason}); reinstall it with: {install}"


def quote_identifier(name: str) -> str:
    """A double-quoted identifier; rio's names are already checked, this only guards the quotes."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A single-quoted SQL string literal. Only for statements that cannot take parameters."""
    return "'" + value.replace("'", "''") + "'"


def sql_literal(value: Any) -> str:
    """``value`` written as a SQL literal, to show a statement with its parameters in place.

    Text is single-quoted (quotes doubled), None is NULL, numbers are as they are, dates and times
    are quoted ISO text (``'2026-11-21 00:00:00'``). Statements that run keep their parameters.
    """
    if isinstance(value, Enum):
        value = value.value
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "'NaN'"  # NaN and the infinities are literals only as quoted text
        return repr(value) if math.isfinite(value) else ("'Infinity'" if value > 0 else "'-Infinity'")
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else quote_literal(str(value))
    if isinstance(value, datetime):
        return quote_literal(value.isoformat(sep=" "))
    if isinstance(value, (date, time)):
        return quote_literal(value.isoformat())
    if isinstance(value, (bytes, bytearray, memoryview)):
        return quote_literal("\\x" + bytes(value).hex())
    if isinstance(value, (dict, list, tuple)):
        return quote_literal(json.dumps(value, default=str))
    return quote_literal(str(value))


#: A placeholder, or the escaped percent sign beside which a driver leaves it alone.
_PLACEHOLDER = re.compile(r"%%|%s")


def bind_for_display(sql: str, params: Sequence[Any]) -> str:
    """``sql`` with each ``%s`` replaced by its parameter as a :func:`sql_literal`, for showing what
    a dry run would run. Without parameters the text is as the driver would get it (``%%`` stays)."""
    if not params:
        return sql
    values = iter(params)
    missing = object()

    def literal(match: re.Match[str]) -> str:
        if match.group(0) == "%%":
            return "%"
        value = next(values, missing)
        return match.group(0) if value is missing else sql_literal(value)

    return _PLACEHOLDER.sub(literal, sql)


@dataclass(frozen=True)
class TableColumn:
    """A column of a table as the warehouse describes it, in rio's canonical terms."""

    name: str
    type: str  # the canonical spelling (rio.types), or as printed for a type rio does not have
    not_null: bool = False
    default: Any = None  # parsed like a config default, or the raw expression text
    primary_key: bool = False
    dist_key: bool = False
    sort_ord: int = 0


@dataclass(frozen=True)
class DataFile:
    """One file a COPY reads."""

    url: str
    mandatory: bool = True
    size: int | None = None


@dataclass(frozen=True)
class CopyRequest:
    """A COPY of data files into one table, with COPY's data-conversion options as the load resolved
    them (:class:`rio.contract.CopyOptions`; each default is Redshift's)."""

    schema: str | None  # None for a temporary (staging) table
    table: str
    columns: Sequence[TableColumn]  # the target's columns, in table order
    files: Sequence[DataFile]
    manifest_url: str | None = None  # where the files' manifest is, when they came from one
    gzip: bool = True
    max_errors: int = 0  # MAXERROR
    truncate_columns: bool = False  # TRUNCATECOLUMNS
    time_format: str = "auto"  # TIMEFORMAT
    date_format: str = "auto"  # DATEFORMAT
    accept_invalid_chars: str | None = None  # ACCEPTINVCHARS' replacement character, or off
    round_decimals: bool = False  # ROUNDEC


@dataclass
class CopyResult:
    rows: int
    rejected: list[Any] = field(default_factory=list)


class Session:
    """One warehouse connection with explicit transactions; every statement is logged.

    Statements use ``%s`` placeholders; an adapter whose driver wants another style converts them.
    With ``dry_run`` nothing that writes is executed: statements are recorded in ``statements`` with
    their parameters written in as literals, so that they read as what would run.
    """

    def __init__(self, adapter: Adapter, connection: Any, *, dry_run: bool = False) -> None:
        self.adapter = adapter
        self.connection = connection
        self.dry_run = dry_run
        self.statements: list[str] = []
        self.in_transaction = False

    def record(self, statement: str) -> None:
        """Keep ``statement`` among those this session ran (or would run), its secrets masked."""
        self.statements.append(redaction.mask_sql(statement))

    def _run(self, sql: str, params: Sequence[Any], shown: str) -> Any:
        log.debug("%s %s", self.adapter.type, shown)
        try:
            return self.adapter.execute(self.connection, sql, params)
        except Exception as exc:
            raise self.adapter.translate_error(exc, shown) from exc

    def execute(self, sql: str, params: Sequence[Any] = (), *, shown: str | None = None) -> None:
        """Run a statement that writes (recorded, not run, in a dry run).

        ``shown`` is what logs, records and errors say instead of ``sql``: the statement with its
        credentials masked.
        """
        if self.dry_run:
            self.record(bind_for_display(shown or sql, params))
            return
        self.record(shown or sql)
        self._run(sql, params, shown or sql)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a statement that reads, and return its rows."""
        cursor = self._run(sql, params, sql)
        return list(cursor.fetchall()) if cursor is not None else []

    def begin(self) -> None:
        self.statements.append("BEGIN")
        self.adapter.begin(self.connection)
        self.in_transaction = True

    def commit(self) -> None:
        self.statements.append("COMMIT")
        self.in_transaction = False
        if self.dry_run:
            self.adapter.rollback(self.connection)
        else:
            try:
                self.adapter.commit(self.connection)
            except Exception as exc:
                raise self.adapter.translate_error(exc, "COMMIT") from exc

    def rollback(self) -> None:
        if self.in_transaction:
            self.statements.append("ROLLBACK")
        self.in_transaction = False
        try:
            self.adapter.rollback(self.connection)
        except Exception as exc:  # a broken connection cannot roll back; closing it will
            log.warning("rollback failed: %s", exc)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            if self.in_transaction:
                self.commit()

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception as exc:
            log.debug("closing the connection failed: %s", exc)


class Adapter(ABC):
    """A warehouse: its driver, its SQL, its COPY.

    Subclasses set ``type`` (the name profiles and URLs use), build a connection from ``settings``
    (the target's mapping), and implement the abstract methods. Drivers are imported lazily, through
    :meth:`import_driver` (when a target is resolved, and in ``connect``), so that ``import rio``
    never imports one and a missing driver is one line naming the extra that installs it.
    """

    type: ClassVar[str]
    #: The driver's module, and the extra of the rio package that installs it (``pip install 'rio[x]'``).
    driver: ClassVar[str | None] = None
    driver_extra: ClassVar[str | None] = None
    #: Whether COPY is emulated by rio (reading the files itself) rather than run by the warehouse.
    emulated_copy: ClassVar[bool] = True
    #: Whether ALTER COLUMN TYPE may run inside a transaction (Redshift's may not).
    widen_in_transaction: ClassVar[bool] = True
    #: Whether the warehouse keeps DISTKEY/SORTKEY (only Redshift), so configs are compared on them.
    has_dist_and_sort_keys: ClassVar[bool] = False
    #: Whether primary keys are declared (informational in Redshift; left out where they'd be enforced).
    declares_primary_keys: ClassVar[bool] = False
    #: The types table applied to this warehouse: DDL, what the catalogue prints, what may widen.
    warehouse_types: ClassVar[WarehouseTypes] = POSTGRES

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.settings = dict(settings)
        # A driver's message that repeats a password is masked like the settings themselves.
        redaction.register_mapping(self.settings)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redaction.mask_mapping(self.settings)})"

    # --- connections -------------------------------------------------------------------------------

    def import_driver(self) -> Any:
        """The driver's module (None for an adapter without one).

        A driver that is not installed, or cannot be imported, is a :class:`WarehouseError` of one
        line that names the extra to install, rather than an ImportError's traceback.
        """
        if self.driver is None:
            return None
        try:
            return import_module(self.driver)
        except ImportError as exc:
            problem = missing_driver(exc, self.driver, self.driver_extra or self.type)
            raise WarehouseError(f"{self.type}: a {self.type} target needs {problem}") from exc

    @abstractmethod
    def connect(self, *, dry_run: bool = False) -> Session: ...

    def execute(self, connection: Any, sql: str, params: Sequence[Any]) -> Any:
        cursor = connection.cursor()
        cursor.execute(sql, tuple(params) if params else None)
        return cursor

    def begin(self, connection: Any) -> None:
        connection.execute("BEGIN")

    def commit(self, connection: Any) -> None:
        connection.commit()

    def rollback(self, connection: Any) -> None:
        connection.rollback()

    def translate_error(self, exc: Exception, sql: str) -> Exception:
        """A driver error as a :class:`WarehouseError` naming the statement (never its parameters)."""
        shown = sql if len(sql) < 300 else sql[:300] + "…"
        return WarehouseError(f"{self.type}: {exc} (while running: {shown})")

    def retry_reason(self, exc: BaseException) -> str | None:
        """Why a failed transaction may succeed when run again, in a few words; None when it may not.

        Only a clash with another transaction qualifies — a serialisation conflict, two loaders
        creating one table at once — never a load error. The loader logs the reason with the retry.
        """
        return None

    def is_serialization_failure(self, exc: BaseException) -> bool:
        """Whether a failed transaction may succeed when run again (see :meth:`retry_reason`)."""
        return self.retry_reason(exc) is not None

    # --- SQL -----------------------------------------------------------------------------------------

    def quote(self, name: str) -> str:
        return quote_identifier(name)

    def qualified(self, schema: str | None, table: str) -> str:
        return self.quote(table) if schema is None else f"{self.quote(schema)}.{self.quote(table)}"

    def type_sql(self, column: Column) -> str:
        """A config column's type in this warehouse's DDL (see :mod:`rio.types`)."""
        return self.warehouse_types.ddl(column.type, warehouse=False)

    def default_sql(self, column: Column) -> str | None:
        """The DEFAULT clause's expression for a config column, from its parsed default."""
        value = column.default_value
        if value is None:
            return None
        if isinstance(value, SqlFunction):
            return {"getdate()": "CURRENT_TIMESTAMP", "sysdate": "CURRENT_TIMESTAMP"}.get(
                value.name, value.name.upper()
            )
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, Decimal):
            return format(value, "f")  # its digits as written, never in E notation
        # Dates, times and timestamps (an aware one with its offset), and text, as typed literals.
        return quote_literal(value.isoformat(sep=" ") if isinstance(value, datetime) else str(value))

    def column_sql(self, column: Column, *, in_create: bool = True) -> str:
        pieces = [self.quote(column.name), self.type_sql(column)]
        default = self.default_sql(column)
        if default is not None:
            pieces.append(f"DEFAULT {default}")
        if column.not_null:
            pieces.append("NOT NULL")
        return " ".join(pieces)

    def create_schema_sql(self, schema: str) -> str:
        return f"CREATE SCHEMA IF NOT EXISTS {self.quote(schema)}"

    def create_table_sql(self, config: DestinationConfig) -> list[str]:
        columns = ",\n  ".join(self.column_sql(column) for column in config.columns)
        table = self.qualified(config.schema, config.table)
        return [
            self.create_schema_sql(config.schema),
            f"CREATE TABLE IF NOT EXISTS {table} (\n  {columns}\n)",
        ]

    def add_column_sql(self, schema: str, table: str, column: Column) -> str:
        definition = self.column_sql(column, in_create=False)
        return f"ALTER TABLE {self.qualified(schema, table)} ADD COLUMN {definition}"

    def widen_sql(self, schema: str, table: str, column: str, new_type: str) -> str | None:
        """The statement that widens a column to ``new_type`` (a canonical spelling: a wider VARCHAR,
        or a DECIMAL of more precision), or None when the warehouse keeps no such width."""
        return (
            f"ALTER TABLE {self.qualified(schema, table)} ALTER COLUMN {self.quote(column)} "
            f"TYPE {self.warehouse_types.ddl(new_type)}"
        )

    def lock_sql(self, schema: str, table: str) -> str | None:
        return f"LOCK TABLE {self.qualified(schema, table)}"

    def create_staging_sql(self, schema: str, table: str, staging: str) -> str:
        return f"CREATE TEMPORARY TABLE {self.quote(staging)} (LIKE {self.qualified(schema, table)})"

    def row_order(self, staging: str) -> str | None:
        """An expression that orders a staging table's rows as COPY wrote them, if the warehouse has one."""
        return None

    def drop_staging_sql(self, staging: str) -> str:
        return f"DROP TABLE IF EXISTS {self.quote(staging)}"

    # --- statements run on a session ------------------------------------------------------------------

    def create_simple_table(
        self, session: Session, schema: str, table: str, definitions: Sequence[tuple[str, str]]
    ) -> None:
        """Create ``schema`` and its ``table`` unless they exist, the table with a column for each of
        ``definitions``: a name, and its type as DDL with any constraint (``varchar(127) NOT NULL``)."""
        columns = ",\n  ".join(f"{self.quote(name)} {kind}" for name, kind in definitions)
        session.execute(self.create_schema_sql(schema))
        session.execute(f"CREATE TABLE IF NOT EXISTS {self.qualified(schema, table)} (\n  {columns}\n)")

    def insert_row(self, session: Session, schema: str, table: str, row: Mapping[str, Any]) -> None:
        """Insert one row: ``row`` maps column names to their values."""
        names = ", ".join(self.quote(name) for name in row)
        marks = ", ".join(["%s"] * len(row))
        session.execute(
            f"INSERT INTO {self.qualified(schema, table)} ({names}) VALUES ({marks})", tuple(row.values())
        )

    def select_rows(
        self,
        session: Session,
        schema: str,
        table: str,
        columns: Sequence[str],
        *,
        where: Mapping[str, Any] | None = None,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[tuple[Any, ...]]:
        """The ``columns`` of the rows whose columns equal ``where``'s values, ordered by the column
        ``order_by`` (the latest first when ``descending``), at most ``limit`` of them."""
        q = self.quote
        sql = f"SELECT {', '.join(q(name) for name in columns)} FROM {self.qualified(schema, table)}"
        if where:
            sql += " WHERE " + " AND ".join(f"{q(name)} = %s" for name in where)
        if order_by is not None:
            sql += f" ORDER BY {q(order_by)}" + (" DESC" if descending else "")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return session.query(sql, tuple((where or {}).values()))

    def max_value(self, session: Session, schema: str, table: str, column: str) -> Any:
        """The largest value of ``column`` in the table; None when it holds none."""
        rows = session.query(f"SELECT MAX({self.quote(column)}) FROM {self.qualified(schema, table)}")
        return rows[0][0] if rows else None

    def delete_all(self, session: Session, schema: str, table: str) -> None:
        """Remove every row of the table inside the session's transaction: DELETE, never TRUNCATE,
        which commits the transaction it runs in on Redshift."""
        session.execute(f"DELETE FROM {self.qualified(schema, table)}")

    def delete_range(
        self, session: Session, schema: str, table: str, column: str, start: datetime, end: datetime
    ) -> None:
        """Remove the rows whose ``column`` is from ``start`` up to, not including, ``end``."""
        name = self.quote(column)
        session.execute(
            f"DELETE FROM {self.qualified(schema, table)} WHERE {name} >= %s AND {name} < %s", (start, end)
        )

    def create_staging(
        self, session: Session, schema: str, table: str, staging: str, *, row_number: str | None = None
    ) -> None:
        """Create the temporary table ``staging`` with the columns of ``schema.table``; and after them,
        when ``row_number`` is given, a bigint column of that name for the input position of each row."""
        session.execute(self.create_staging_sql(schema, table, staging))
        if row_number is not None:
            session.execute(f"ALTER TABLE {self.quote(staging)} ADD COLUMN {self.quote(row_number)} bigint")

    def drop_staging(self, session: Session, staging: str) -> None:
        session.execute(self.drop_staging_sql(staging))

    def upsert_from_staging(
        self,
        session: Session,
        schema: str,
        table: str,
        staging: str,
        columns: Sequence[str],
        keys: Sequence[str],
        *,
        timestamp: str | None = None,
        row_number: str | None = None,
    ) -> int:
        """Replace the table's rows whose ``keys`` are among the staged rows' by the last staged row of
        each key, and return the rows inserted: one per key (0 in a dry run, which staged nothing).

        Keys match NULL to NULL. The last row is the one of the latest ``timestamp`` (NULL the
        earliest), then the highest ``row_number`` column or, without one, the last the warehouse
        keeps in COPY's order (:meth:`row_order`).
        """
        q = self.quote
        target = self.qualified(schema, table)
        matches = " AND ".join(
            f"({target}.{q(key)} = s.{q(key)} OR ({target}.{q(key)} IS NULL AND s.{q(key)} IS NULL))"
            for key in keys
        )
        partition = ", ".join(q(key) for key in keys)
        # Redshift's DELETE … USING takes table names only, not subqueries; duplicate keys in the
        # staging table match the same target rows, which are deleted once.
        session.execute(f"DELETE FROM {target} USING {q(staging)} s WHERE {matches}")
        order = []
        if timestamp is not None:
            order.append(f"{q(timestamp)} DESC NULLS LAST")
        staged_order = q(row_number) if row_number is not None else self.row_order(staging)
        if staged_order is not None:
            order.append(f"{staged_order} DESC")
        if not order:
            order.append("1")
        listed = ", ".join(q(name) for name in columns)
        session.execute(
            f"INSERT INTO {target} ({listed}) SELECT {listed} FROM (SELECT {listed}, ROW_NUMBER() OVER "
            f"(PARTITION BY {partition} ORDER BY {', '.join(order)}) AS rio_rank FROM {q(staging)}) ranked "
            "WHERE rio_rank = 1"
        )
        if session.dry_run:
            return 0
        counted = session.query(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {q(staging)} GROUP BY {partition}) key_groups"
        )
        return int(counted[0][0])

    # --- what differs too much to share -----------------------------------------------------------

    @abstractmethod
    def read_columns(self, session: Session, schema: str, table: str) -> list[TableColumn] | None:
        """The table's columns in order, or None when it does not exist."""

    @abstractmethod
    def copy(self, session: Session, request: CopyRequest, store: ObjectStore) -> CopyResult:
        """COPY the request's files into its table, inside the session's transaction."""

    def parse_default_expression(self, column_type: str, expression: str | None) -> Any:
        """A default as the catalogue prints it, parsed like a config default of the column's type (a
        canonical spelling) when it is a literal of it; else the expression's text."""
        if expression is None:
            return None
        text = re.sub(r"::[\w ]+(\(\d+(,\d+)?\))?$", "", expression.strip()).strip()
        text = text[1:-1] if text.startswith("(") and text.endswith(")") else text
        try:
            return parse_default(column_type, text, warehouse=True)
        except (InvalidDefault, UnsupportedType):
            return text
