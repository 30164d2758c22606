"""Default values: what a column's ``default_val`` may be given as, and the text a config keeps.

How a default's literal reads for each type is :mod:`rio.types`'s; this is the config's side of it.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import TypeAlias

from rio.types import DefaultValue
from rio.types import parse_default as _parse_default

__all__ = ["DefaultInput", "parse_default"]

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
