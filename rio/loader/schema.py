"""Comparing a table with its config: what to add, what to widen, and what is a real difference.

Types are compared through :mod:`rio.types`, applied to the adapter's warehouse
(:attr:`~rio.adapters.base.Adapter.warehouse_types`). A missing column is added (one statement per
column, as Redshift requires). A column whose type holds the config's as it is stays as it is: the
same type, a wider VARCHAR, a DECIMAL of more precision and the same scale, or a text without a width
(DuckDB's VARCHAR, PostgreSQL's text) for any character type — the emulated COPY then enforces the
config's width. A VARCHAR narrower than the config's is widened when the data needs it — or when the
config carries no measurement; a DECIMAL of less precision (same scale) is widened where the warehouse
allows it (PostgreSQL and DuckDB; Redshift's ALTER COLUMN changes only a VARCHAR's size). Any other
difference is a :class:`~rio.errors.SchemaMismatch` that names the column, the property and both
values; rio never drops or retypes a column. Columns the table has and the config lacks are left
alone: COPY loads NULL into them.

The Go worker compared a text input with itself, so any text config passed against any table, and
compared compound sort keys it never created; both are fixed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rio.adapters.base import Adapter, TableColumn
from rio.config import Column, DestinationConfig, SqlFunction
from rio.errors import SchemaMismatch, UnsupportedType
from rio.types import ColumnTypeInfo, column_type

__all__ = ["SchemaPlan", "plan_schema"]

#: SQL functions that mean "the time of the insert", however a warehouse prints them.
_NOW = frozenset({"getdate()", "sysdate", "current_timestamp", "now()", "current_timestamp()", "getdate"})


@dataclass(frozen=True)
class SchemaPlan:
    """What the load changes in the table before its COPY, and the columns COPY fills."""

    add: tuple[Column, ...] = ()
    widen: tuple[tuple[str, str], ...] = ()  # (column, its new type's canonical spelling)
    columns: tuple[TableColumn, ...] = field(default=())  # the table's columns after the changes


def _same_default(config_value: Any, table_value: Any) -> bool:
    if isinstance(config_value, SqlFunction) or isinstance(table_value, SqlFunction):
        names = {str(value).lower() for value in (config_value, table_value)}
        return names <= _NOW or len(names) == 1
    if isinstance(table_value, str) and not isinstance(config_value, str):
        return str(config_value).lower() == table_value.lower()
    return bool(config_value == table_value)


def _mismatch(
    config: DestinationConfig, column: str, prop: str, wanted: object, found: object, hint: str = ""
) -> SchemaMismatch:
    return SchemaMismatch(
        f"{config.schema}.{config.table}: mismatched column {column!r} property {prop}: the config says "
        f"{wanted!r}, the table has {found!r}{hint}"
    )


def _table_type(printed: str) -> ColumnTypeInfo | None:
    """A table column's type as rio reads it, or None for a type rio does not have."""
    try:
        return column_type(printed, warehouse=True)
    except UnsupportedType:
        return None


def plan_schema(
    adapter: Adapter,
    config: DestinationConfig,
    table: Sequence[TableColumn] | None,
    measured: Mapping[str, int] | None = None,
) -> SchemaPlan:
    """The changes that make ``table`` (None: just created from the config) take the config's data.

    ``measured`` maps character columns to the longest value in the data, in bytes, when it is known.
    """
    wanted = {column.name: column for column in config.columns}
    if table is None:
        created = tuple(
            TableColumn(c.name, column_type(c.type).canonical, c.not_null, c.default_value, c.primary_key)
            for c in config.columns
        )
        return SchemaPlan(columns=created)
    types = adapter.warehouse_types
    present = {column.name: column for column in table}
    widen: list[tuple[str, str]] = []
    columns: list[TableColumn] = []
    for existing in table:
        column = wanted.get(existing.name)
        if column is None:
            columns.append(existing)
            continue
        want = column_type(column.type)
        have = _table_type(existing.type)
        have_type = existing.type
        if have is None:
            raise _mismatch(config, column.name, "type", want.canonical, have_type)
        if have.canonical == "text" and want.family == "character":
            # No width in the warehouse (DuckDB, a PostgreSQL text): the config's width is enforced
            # by COPY, as Redshift would.
            have_type = want.canonical
        elif have.name == want.name == "varchar":
            # Widened to the config's width when the data needs more than the table's (never past
            # the config's: COPY refuses what is longer still); without a measurement, when narrower.
            width, have_width = want.max_bytes or 0, have.max_bytes or 0
            longest = (measured or {}).get(column.name)
            if have_width < (width if longest is None else min(longest, width)):
                if not types.widens(have, want):
                    raise _mismatch(config, column.name, "type", want.canonical, have_type)
                widen.append((column.name, want.canonical))
                have_type = want.canonical
        elif types.widens(have, want):
            widen.append((column.name, want.canonical))
            have_type = want.canonical
        elif not types.holds(have, want):
            hint = ""
            if have.name == want.name == "numeric" and have.scale == want.scale:
                hint = (
                    f"; {adapter.type} cannot widen a DECIMAL's precision (its ALTER COLUMN changes only a "
                    "VARCHAR's size): give the config the table's type, or load into a new table"
                )
            raise _mismatch(config, column.name, "type", want.canonical, have_type, hint)
        # A primary key may show as NOT NULL in the catalogue without the config saying so.
        if existing.not_null != column.not_null and not (existing.not_null and column.primary_key):
            raise _mismatch(config, column.name, "notnull", column.not_null, existing.not_null)
        want_default = column.default_value
        if (
            want_default is not None
            and existing.default is not None
            and not _same_default(want_default, existing.default)
        ):
            raise _mismatch(config, column.name, "defaultval", column.default_val, existing.default)
        if adapter.declares_primary_keys and column.primary_key != existing.primary_key:
            raise _mismatch(config, column.name, "primarykey", column.primary_key, existing.primary_key)
        if adapter.has_dist_and_sort_keys:
            if column.dist_key and not existing.dist_key:
                raise _mismatch(config, column.name, "distkey", True, existing.dist_key)
            if column.sort_ord and column.sort_ord != existing.sort_ord:
                raise _mismatch(config, column.name, "sortord", column.sort_ord, existing.sort_ord)
        columns.append(
            TableColumn(existing.name, have_type, existing.not_null, existing.default, existing.primary_key)
        )
    add: list[Column] = []
    for column in config.columns:
        if column.name in present:
            continue
        if column.not_null and column.default_val is None:
            raise SchemaMismatch(
                f"{config.schema}.{config.table}: column {column.name!r} is NOT NULL without a default; an "
                "existing table cannot gain it (Redshift needs a default to fill the rows it has). Give it "
                "a defaultval, or drop notnull"
            )
        add.append(column)
        columns.append(
            TableColumn(
                column.name, column_type(column.type).canonical, column.not_null, column.default_value
            )
        )
    return SchemaPlan(add=tuple(add), widen=tuple(widen), columns=tuple(columns))
