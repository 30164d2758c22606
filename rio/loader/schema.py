"""Comparing a table with its config: what to add, what to widen, and what is a real difference.

A missing column is added (one statement per column, as Redshift requires). A VARCHAR narrower than
the config's is widened when the data needs it — or when the config carries no measurement — where
the warehouse has widths at all. Any other difference is a :class:`~rio.errors.SchemaMismatch` that
names the column, the property and both values; rio never drops or retypes a column. Columns the
table has and the config lacks are left alone: COPY loads NULL into them.

The Go worker compared a text input with itself, so any text config passed against any table, and
compared compound sort keys it never created; both are fixed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rio.adapters.base import CANONICAL_TYPES, Adapter, TableColumn, varchar_width
from rio.config import Column, DestinationConfig, SqlFunction
from rio.errors import SchemaMismatch

__all__ = ["SchemaPlan", "plan_schema"]

#: SQL functions that mean "the time of the insert", however a warehouse prints them.
_NOW = frozenset({"getdate()", "sysdate", "current_timestamp", "now()", "current_timestamp()", "getdate"})


@dataclass(frozen=True)
class SchemaPlan:
    """What the load changes in the table before its COPY, and the columns COPY fills."""

    add: tuple[Column, ...] = ()
    widen: tuple[tuple[str, int], ...] = ()  # (column, new width)
    columns: tuple[TableColumn, ...] = field(default=())  # the table's columns after the changes


def _same_default(config_value: Any, table_value: Any) -> bool:
    if isinstance(config_value, SqlFunction) or isinstance(table_value, SqlFunction):
        names = {str(value).lower() for value in (config_value, table_value)}
        return names <= _NOW or len(names) == 1
    if isinstance(table_value, str) and not isinstance(config_value, str):
        return str(config_value).lower() == table_value.lower()
    return bool(config_value == table_value)


def _mismatch(
    config: DestinationConfig, column: str, prop: str, wanted: object, found: object
) -> SchemaMismatch:
    return SchemaMismatch(
        f"{config.schema}.{config.table}: mismatched column {column!r} property {prop}: the config says "
        f"{wanted!r}, the table has {found!r}"
    )


def plan_schema(
    adapter: Adapter,
    config: DestinationConfig,
    table: Sequence[TableColumn] | None,
    measured: Mapping[str, int] | None = None,
) -> SchemaPlan:
    """The changes that make ``table`` (None: just created from the config) take the config's data.

    ``measured`` maps text columns to the longest value in the data, in bytes, when it is known.
    """
    wanted = {column.name: column for column in config.columns}
    if table is None:
        created = tuple(
            TableColumn(c.name, CANONICAL_TYPES[c.type], c.not_null, c.default_value, c.primary_key)
            for c in config.columns
        )
        return SchemaPlan(columns=created)
    present = {column.name: column for column in table}
    widen: list[tuple[str, int]] = []
    columns: list[TableColumn] = []
    for existing in table:
        column = wanted.get(existing.name)
        if column is None:
            columns.append(existing)
            continue
        want_type = CANONICAL_TYPES[column.type]
        have_type = existing.type
        want_width, have_width = varchar_width(want_type), varchar_width(have_type)
        if want_width is not None and have_type == "text":
            # No width in the warehouse (DuckDB, a PostgreSQL text): the config's width is enforced
            # by COPY, as Redshift would.
            have_type = want_type
        elif want_width is not None and have_width is not None:
            longest = (measured or {}).get(column.name)
            needed = want_width if longest is None else longest
            if have_width < needed:
                widen.append((column.name, want_width))
                have_type = want_type
        elif want_type != have_type:
            raise _mismatch(config, column.name, "type", want_type, have_type)
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
            TableColumn(column.name, CANONICAL_TYPES[column.type], column.not_null, column.default_value)
        )
    return SchemaPlan(add=tuple(add), widen=tuple(widen), columns=tuple(columns))
