"""Columns: the Go tools' type names (:class:`ColumnType`), a destination's :class:`Column`, columns
written as SQL writes them (:func:`parse_column_list`), and the default values a column may carry
(:func:`parse_default`).

It stands on :mod:`rio.types`, :mod:`rio.errors` and :mod:`rio._identifiers` only, below both
:mod:`rio.config` (which re-exports its public names) and :mod:`rio.inference` (which makes columns
from data), so that a config can be inferred without the config package and the sources importing
each other. How a default's literal reads for each type is :mod:`rio.types`'s; what a column keeps
of it is this module's.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass
from enum import Enum
from typing import TypeAlias

from rio._identifiers import identifier_problem
from rio.errors import ConfigFileError, UnsupportedType
from rio.types import REDSHIFT, DefaultValue, column_type
from rio.types import parse_default as _parse_default

__all__ = ["Column", "ColumnType", "DefaultInput", "parse_column_list", "parse_default", "type_problem"]

# --- default values ------------------------------------------------------------------------------

DefaultInput: TypeAlias = str | int | float | decimal.Decimal | bool | dt.date | dt.datetime | dt.time | None


def parse_default(column_type: str, raw: str) -> DefaultValue:
    """Parse the default ``raw`` of a column of type ``column_type`` (as a config writes it).

    Returns a ``bool``, ``int``, ``float``, ``decimal.Decimal``, ``datetime.date``,
    ``datetime.datetime`` (aware for timestamptz), ``datetime.time``, ``str`` or a
    :class:`SqlFunction`. Literals may be wrapped in one pair of single quotes. A text default written
    as a SQL string literal (``'it''s'``) is unquoted; ``"''"`` is therefore the empty string. Each
    type's literal rules are :mod:`rio.types`'s.

    Raises :class:`~rio.errors.InvalidDefault` saying why, and :class:`~rio.errors.UnsupportedType` for
    a type that is not one.
    """
    return _parse_default(column_type, raw)


def _canonical_default(value: object) -> str | None:
    """The string a default is stored as: the text the YAML file holds."""
    if value is None:
        return None
    # bool before int and datetime before date: each is a subclass of the other.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")  # its digits exactly, trailing zeros kept, never in E notation
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, str):
        # The Go tools' YAML omits an empty default, so "" and "no default" are one thing.
        return str(value) or None
    raise TypeError(
        "default_val must be a str, int, float, Decimal, bool, date, datetime or time, not "
        f"{type(value).__name__}"
    )


# --- columns -------------------------------------------------------------------------------------


class ColumnType(str, Enum):
    """The Go tools' type names, kept for code written against them.

    A column's type may be any spelling :mod:`rio.types` knows (``varchar(32)``, ``decimal(12,2)``,
    ``timestamptz``, ``super``, …); these eight are the names the Go tools' YAML used. Their rules are
    the table's, like every other type's.
    """

    BOOLEAN = "boolean"
    FLOAT = "float"
    INT = "int"
    BIGINT = "bigint"
    DATE = "date"
    TIMESTAMP = "timestamp"
    TEXT = "text"
    LONGTEXT = "longtext"

    @property
    def redshift_type(self) -> str:
        """The type as PostgreSQL's and Redshift's ``format_type`` print it."""
        return REDSHIFT.printed(column_type(self.value))

    @property
    def max_bytes(self) -> int | None:
        """The most UTF-8 bytes a value may have (text types only; ``None`` for the others)."""
        return column_type(self.value).max_bytes


def type_problem(column_type_spec: object) -> str | None:
    """Why ``column_type_spec`` is not a type a config may use, in the core's words, or None."""
    try:
        column_type(column_type_spec)
    except UnsupportedType as exc:
        return str(exc)
    return None


@dataclass(frozen=True, init=False)
class Column:
    """One column of a destination table.

    ``type`` is any spelling :mod:`rio.types` knows (``int``, ``varchar(32)``, ``decimal(12,2)``,
    ``timestamptz``, ``super``, …), kept as written. ``sort_ord`` 0 means "not in the sort key"; 1..n
    give the compound sort key's order. ``default_val`` may be given as a str, int, float,
    ``Decimal``, bool, date, datetime or time and is kept as its canonical string (what the YAML file
    holds); :attr:`default_value` is the parsed value. Nothing is checked here:
    :meth:`DestinationConfig.validate` does that.
    """

    name: str
    type: str
    sort_ord: int = 0
    dist_key: bool = False
    default_val: str | None = None
    not_null: bool = False
    primary_key: bool = False

    def __init__(
        self,
        name: str,
        type: str,
        sort_ord: int = 0,
        dist_key: bool = False,
        default_val: DefaultInput = None,
        not_null: bool = False,
        primary_key: bool = False,
    ) -> None:
        object.__setattr__(self, "name", name)
        # A ColumnType is kept as its plain value, so the config compares and dumps the same either way.
        object.__setattr__(self, "type", type.value if isinstance(type, ColumnType) else type)
        object.__setattr__(self, "sort_ord", sort_ord)
        object.__setattr__(self, "dist_key", dist_key)
        object.__setattr__(self, "default_val", _canonical_default(default_val))
        object.__setattr__(self, "not_null", not_null)
        object.__setattr__(self, "primary_key", primary_key)

    @property
    def default_value(self) -> DefaultValue | None:
        """The parsed default (see :func:`parse_default`), or ``None`` when there is none.

        Raises :class:`~rio.errors.InvalidDefault` or :class:`~rio.errors.UnsupportedType` when the
        default or the type is invalid.
        """
        if self.default_val is None:
            return None
        return parse_default(self.type, self.default_val)


def parse_column_list(text: str, *, source: str = "--table-columns") -> list[Column]:
    """Columns written as SQL writes them: ``"id bigint not null, amount decimal(12,2), note text"``.

    Each item is a name, a type in any spelling a config takes, and optionally ``not null``; commas
    inside a type's parentheses belong to the type. Each name and type is checked as a config's are,
    and a malformed item is a :class:`~rio.errors.ConfigFileError` naming ``source`` and the item.
    """
    items: list[str] = []
    depth, start = 0, 0
    for at, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(text[start:at])
            start = at + 1
    items.append(text[start:])
    columns: list[Column] = []
    for number, item in enumerate(items, start=1):
        words = item.split()
        not_null = [word.lower() for word in words[-2:]] == ["not", "null"]
        if not_null:
            words = words[:-2]
        if len(words) < 2:
            raise ConfigFileError(
                source,
                f"item {number}",
                f"{item.strip()!r} is not 'name type' (for example 'id bigint not null, amount "
                "decimal(12,2)')",
            )
        column = Column(words[0], " ".join(words[1:]), not_null=not_null)
        problem = identifier_problem(column.name, kind="column") or type_problem(column.type)
        if problem is not None:
            raise ConfigFileError(source, f"item {number} ({column.name})", problem)
        columns.append(column)
    return columns
