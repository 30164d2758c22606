"""The load ledger (``rio_loads``): one row for each load rio committed, by table, data date and data.

A ledger sits in each schema rio loads into (or in the loader's ``ledger_schema``), and a load writes
its row in its own transaction, so the load and its record commit together. This module alone knows
the ledger's columns; the statements that create, read and write it are the adapter's
(:meth:`~rio.adapters.base.Adapter.create_simple_table`, :meth:`~rio.adapters.base.Adapter.select_rows`,
:meth:`~rio.adapters.base.Adapter.insert_row`). Its times are naive, in UTC.

A table of the ledger's name whose columns are not the ledger's is refused, never trusted: its rows
are no record of rio's loads, and could skip a real load as "already loaded".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from rio.adapters.base import Adapter, Session, TableColumn, varchar_width
from rio.contract import LEDGER_TABLE, LoadMode
from rio.errors import SchemaMismatch

__all__ = [
    "HISTORY_COLUMNS",
    "LEDGER_COLUMNS",
    "LEDGER_TABLE",
    "Ledger",
    "LoadRecord",
    "LoadedData",
    "naive_utc",
]

#: The ledger's columns, each with its type and constraint as DDL.
LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("schema_name", "varchar(127) NOT NULL"),
    ("table_name", "varchar(127) NOT NULL"),
    ("data_date", "timestamp NOT NULL"),
    ("mode", "varchar(16) NOT NULL"),
    ("manifest_url", "varchar(1024)"),
    ("manifest_sha256", "varchar(64)"),
    ("rows_loaded", "bigint NOT NULL"),
    ("job_id", "varchar(128)"),
    ("loaded_at", "timestamp NOT NULL"),
)

#: The columns of a load's history (:meth:`Ledger.history`), in the order shown.
HISTORY_COLUMNS: tuple[str, ...] = (
    "schema_name",
    "table_name",
    "data_date",
    "mode",
    "rows_loaded",
    "job_id",
    "loaded_at",
    "manifest_url",
)


def naive_utc(moment: datetime) -> datetime:
    """``moment`` in UTC without its zone, as the ledger keeps times (a naive one is taken as UTC)."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


class LoadedData(Protocol):
    """What the ledger knows a load's data by (:class:`rio.loader.discover.FoundData` is one)."""

    @property
    def schema(self) -> str: ...
    @property
    def table(self) -> str: ...
    @property
    def date(self) -> datetime: ...
    @property
    def data_url(self) -> str: ...  # the manifest, or the single data file
    @property
    def manifest_sha256(self) -> str | None: ...


@dataclass(frozen=True)
class LoadRecord:
    """A load the ledger holds: its rows, its job's id, and when it committed (naive, in UTC)."""

    rows: int
    job_id: str | None
    loaded_at: datetime


def _fits(wanted: str, found: str) -> bool:
    """Whether a column of type ``found`` holds what the ledger's column of type ``wanted`` does: a
    VARCHAR at least as wide (or a text without width, as DuckDB reports every VARCHAR), else the
    same type."""
    width = varchar_width(wanted.split()[0])
    if width is not None:
        found_width = varchar_width(found)
        return found == "text" or (found_width is not None and found_width >= width)
    return found == wanted.split()[0]


@dataclass(frozen=True)
class Ledger:
    """The ledger of one schema of a warehouse."""

    adapter: Adapter
    schema: str

    def check(self, columns: Sequence[TableColumn]) -> None:
        """Refuse, with :class:`SchemaMismatch`, a table of the ledger's name with other columns."""
        found = {column.name: column.type for column in columns}
        if set(found) == {name for name, _ in LEDGER_COLUMNS} and all(
            _fits(kind, found[name]) for name, kind in LEDGER_COLUMNS
        ):
            return
        has = ", ".join(f"{column.name} {column.type}" for column in columns)
        wanted = ", ".join(f"{name} {kind.split()[0]}" for name, kind in LEDGER_COLUMNS)
        raise SchemaMismatch(
            f"{self.schema}.{LEDGER_TABLE} is not rio's load ledger: it has the columns ({has}), "
            f"and the ledger's are ({wanted}); nothing was loaded. Rename or drop that table so that rio "
            "creates its ledger there, or keep the ledger in another schema (ledger_schema, rio send "
            "--ledger-schema)"
        )

    def ensure(self, session: Session) -> None:
        """Create the ledger if absent, in a transaction of its own (it must outlive any load's
        rollback); refuse a table of its name that is not a ledger."""
        columns = self.adapter.read_columns(session, self.schema, LEDGER_TABLE)
        if columns is not None:
            self.check(columns)
            return
        with session.transaction():
            self.adapter.create_simple_table(session, self.schema, LEDGER_TABLE, LEDGER_COLUMNS)

    def loads_of(self, session: Session, data: LoadedData) -> list[LoadRecord]:
        """The loads of ``data`` the ledger holds, the earliest first; none where there is no ledger
        (a dry run did not create it)."""
        columns = self.adapter.read_columns(session, self.schema, LEDGER_TABLE)
        if columns is None:
            return []
        # Checked again inside the load's transaction: the rows are trusted only from a ledger.
        self.check(columns)
        # The same data is the same manifest (by its SHA-256, wherever it was copied) or, for a single
        # data file, the same URL: another producer's data that carries the same date is not "already
        # loaded".
        same_data = (
            {"manifest_sha256": data.manifest_sha256}
            if data.manifest_sha256 is not None
            else {"manifest_url": data.data_url}
        )
        found = self.adapter.select_rows(
            session,
            self.schema,
            LEDGER_TABLE,
            ("rows_loaded", "job_id", "loaded_at"),
            where={
                "schema_name": data.schema,
                "table_name": data.table,
                "data_date": naive_utc(data.date),
                **same_data,
            },
            order_by="loaded_at",
        )
        return [LoadRecord(rows, job_id, loaded_at) for rows, job_id, loaded_at in found]

    def record(
        self, session: Session, data: LoadedData, *, mode: LoadMode, job_id: str | None, rows: int
    ) -> None:
        """Write the row of a load of ``data``, in the session's transaction (the load's)."""
        values = {
            "schema_name": data.schema,
            "table_name": data.table,
            "data_date": naive_utc(data.date),
            "mode": mode.value,
            "manifest_url": data.data_url,
            "manifest_sha256": data.manifest_sha256,
            "rows_loaded": rows,
            "job_id": job_id,
            "loaded_at": datetime.now(timezone.utc).replace(tzinfo=None),
        }
        # The INSERT names the columns in the ledger's order.
        row = {name: values[name] for name, _ in LEDGER_COLUMNS}
        self.adapter.insert_row(session, self.schema, LEDGER_TABLE, row)

    def history(
        self, session: Session, *, table: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]] | None:
        """The latest ``limit`` loads (of ``table`` only, when given), newest first, each as its
        :data:`HISTORY_COLUMNS`; None when the schema has no ledger."""
        if self.adapter.read_columns(session, self.schema, LEDGER_TABLE) is None:
            return None
        rows = self.adapter.select_rows(
            session,
            self.schema,
            LEDGER_TABLE,
            HISTORY_COLUMNS,
            where={"table_name": table} if table is not None else None,
            order_by="loaded_at",
            descending=True,
            limit=limit,
        )
        return [dict(zip(HISTORY_COLUMNS, row, strict=True)) for row in rows]
