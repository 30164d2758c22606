"""A destination config inferred from rows (:meth:`DestinationConfig.from_rows`): the columns
:func:`rio.load` would create for them, and the column that dates each row.

The columns are :mod:`rio.inference`'s, as a load infers them: every row seen, each field's type the
narrowest that takes all its values, text sized by its longest value, names folded to lower case as
Redshift folds them, and the key a load adds to staged upsert rows left out.

The data timestamp column must be of type ``timestamp`` (what :meth:`DestinationConfig.validate` and
the Go worker require). Unless one is named, it is picked when the choice is obvious:

1. exactly one column is inferred as ``timestamp``: that one;
2. several are: the first of :data:`DATA_TIMESTAMP_NAMES` among them (``ts``, ``event_time``,
   ``created_at``, …);
3. otherwise none is picked, and the error lists the candidates to name one from.

A named column is matched case-blind, as Redshift matches names. It may be a ``timestamp`` column, or
one inferred as ``timestamptz`` or ``date``, which is then declared ``timestamp``: a date loads as
midnight, and COPY ignores a zone written in a timestamp's text (right when the values are UTC).
Those are never picked unnamed, since declaring them ``timestamp`` changes what they hold.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from rio._words import plural
from rio.columns import Column
from rio.config._destination import DestinationConfig
from rio.errors import ConfigError, InvalidDataTimestamp
from rio.inference import ColumnTracker, infer_columns, lower_case_names
from rio.types import column_type

__all__ = ["DATA_TIMESTAMP_NAMES", "ROW_NUMBER_KEY", "infer_destination"]

#: The key a load adds to each staged row of an upsert (``rio.transfer`` numbers rows with it): input
#: order breaks ties between rows of one key. It is never a column, of a load or of a config from rows.
ROW_NUMBER_KEY = "rio_input_row"

#: Names that say a column dates its row, the most telling first: among several timestamp columns,
#: the first of these present is the data timestamp column.
DATA_TIMESTAMP_NAMES = (
    "data_timestamp",
    "timestamp",
    "ts",
    "event_time",
    "event_timestamp",
    "event_ts",
    "time",
    "datetime",
    "occurred_at",
    "created_at",
    "created",
)

#: Inferred types a named data timestamp column may have; each is declared ``timestamp``.
_DECLARABLE_AS_TIMESTAMP = ("timestamp", "timestamptz", "date")


def _canonical(column: Column) -> str:
    return column_type(column.type).canonical


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _picked(columns: list[Column], source_name: str) -> str:
    """The data timestamp column when the choice is obvious (see the module docstring), else raise."""
    stamps = [column.name for column in columns if _canonical(column) == "timestamp"]
    if len(stamps) == 1:
        return stamps[0]
    if stamps:
        for name in DATA_TIMESTAMP_NAMES:
            if name in stamps:
                return name
        raise InvalidDataTimestamp(
            f"{source_name}: several columns hold timestamps ({_quoted(stamps)}) and none is named like a "
            f"data timestamp ({', '.join(DATA_TIMESTAMP_NAMES[:5])}, …); name the one that dates each row "
            "as the data timestamp column"
        )
    declarable = [column for column in columns if _canonical(column) in _DECLARABLE_AS_TIMESTAMP]
    if declarable:
        found = ", ".join(f"{column.name!r} ({column.type})" for column in declarable)
        raise InvalidDataTimestamp(
            f"{source_name}: no column holds timestamps without a zone, and the data timestamp column must "
            f"be of type timestamp; {found} could date each row as timestamp (a date loads as midnight, and "
            "COPY ignores a zone in the text) if named as the data timestamp column"
        )
    raise InvalidDataTimestamp(
        f"{source_name}: no column holds timestamps ({_described(columns)}), and the data timestamp "
        "column that dates each row must be one"
    )


def _described(columns: Iterable[Column]) -> str:
    return ", ".join(f"{column.name} {column.type}" for column in columns)


def _named(columns: list[Column], given: str, source_name: str) -> str:
    """The column ``given`` names (case-blind), checked to be one that can date the rows."""
    name = given.lower()
    column = next((column for column in columns if column.name == name), None)
    if column is None:
        raise InvalidDataTimestamp(
            f"{source_name}: the data timestamp column {given!r} names no field of the rows (the fields: "
            f"{_quoted(column.name for column in columns)})"
        )
    if _canonical(column) not in _DECLARABLE_AS_TIMESTAMP:
        others = [other.name for other in columns if _canonical(other) in _DECLARABLE_AS_TIMESTAMP]
        could = f"columns that could: {_quoted(others)}" if others else "no column holds timestamps"
        raise InvalidDataTimestamp(
            f"{source_name}: the data timestamp column {given!r} holds {column.type} values, not timestamps "
            f"({could})"
        )
    return name


def _check_destination_names(schema: str, table: str) -> None:
    """Refuse a schema or table the config could not have, before any row is read."""
    # A one-column config that is otherwise valid: only the names can fail, with validate()'s words.
    probe = "data_timestamp"
    DestinationConfig(schema, table, [Column(probe, "timestamp")], probe).validate()


def infer_destination(
    rows: Iterable[Mapping[str, Any]],
    *,
    schema: str,
    table: str,
    data_timestamp_column: str | None = None,
    source_name: str = "rows",
) -> DestinationConfig:
    """The validated config of ``schema.table`` for ``rows``; see the module docstring."""
    _check_destination_names(schema, table)
    tracker = ColumnTracker()
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise TypeError(f"{source_name}: row {number} is a {type(row).__name__}, not a mapping")
        tracker.observe(row)
    if tracker.rows == 0:
        raise ConfigError(f"{source_name}: no rows, so no columns to infer; give at least one row")
    inferred = [column for column in infer_columns(tracker) if column.name != ROW_NUMBER_KEY]
    if not inferred:
        raise ConfigError(
            f"{source_name}: {plural(tracker.rows, 'row')} but no fields, so no columns to infer; "
            "give rows with fields"
        )
    columns = lower_case_names(inferred, source_name)
    if data_timestamp_column is None:
        chosen = _picked(columns, source_name)
    else:
        chosen = _named(columns, data_timestamp_column, source_name)
    columns = [
        dataclasses.replace(column, type="timestamp")
        if column.name == chosen and _canonical(column) != "timestamp"
        else column
        for column in columns
    ]
    config = DestinationConfig(schema, table, columns, chosen)
    config.validate()
    return config
