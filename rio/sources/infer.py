"""Column types inferred from the data: the narrowest type Redshift's COPY accepts every value into.

A :class:`ColumnTracker` sees every value once (``observe(row)``) and keeps, per column, the
narrowest type that accepts all non-null values seen so far, widening as it must:

- ``None`` (and, for strings, ``""`` or only blanks) gives no information: an empty or blank field
  loads as NULL into a non-text column, as in Redshift. Nulls and empty strings are counted.
- A ``str`` (every CSV value) is the first of these that it matches exactly:

  ==========  ====================================================================================
  boolean     ``true``, ``false``, ``t``, ``f`` in any case (not ``0``/``1``, which are numbers)
  int         an optionally signed run of ASCII digits from -2147483648 to 2147483647
  bigint      the same within -9223372036854775808..9223372036854775807
  float       a finite decimal or scientific number (``1.5``, ``-2e10``, ``.5``); longer integers
              while a double holds them
  date        ``YYYY-MM-DD``, a real calendar date
  timestamp   ``YYYY-MM-DD`` then ``T`` or a space, ``HH:MM[:SS[.fraction]]``, and an optional zone
              ``Z``, ``±HH``, ``±HHMM`` or ``±HH:MM`` (forms ``TIMEFORMAT 'auto'`` reads; the zone is
              dropped on load)
  text        anything else
  ==========  ====================================================================================

- A typed value (JSON, a DataFrame, a query) counts by its type: ``bool`` is boolean; ``int`` is int,
  bigint or (beyond 64 bits) float by range, and text beyond what a double holds; a finite ``float``
  is float; ``datetime`` is timestamp and ``date`` date; ``dict`` and ``list`` are text (their
  compact JSON is what a VARCHAR column gets); anything else counts as its ``str()``.
- Widening: int → bigint → float, date → timestamp (a date loads as midnight); any other mix of types
  is text. A column never seen with a non-null value is text.

Text becomes ``text`` (VARCHAR(256)) when its longest value has at most 256 bytes of UTF-8, else
``longtext`` (VARCHAR(65535)); longer than that is :class:`~rio.errors.ValueTooLong`, naming the
column, unless ``truncate_long_text`` is given (the loader then truncates, as TRUNCATECOLUMNS would).
The longest value is counted in UTF-8 bytes for every non-null value, whatever its type: for a
number its text, for a dict or list its compact JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from types import NoneType
from typing import Any

from rio.config import Column, ColumnType
from rio.errors import ValueTooLong

__all__ = ["ColumnStats", "ColumnTracker", "infer_columns", "measured_widths"]

# Type codes, ordered so that the widening table stays small.
_NONE, _BOOLEAN, _INT, _BIGINT, _FLOAT, _DATE, _TIMESTAMP, _TEXT = range(8)

_TYPES = {
    _BOOLEAN: ColumnType.BOOLEAN,
    _INT: ColumnType.INT,
    _BIGINT: ColumnType.BIGINT,
    _FLOAT: ColumnType.FLOAT,
    _DATE: ColumnType.DATE,
    _TIMESTAMP: ColumnType.TIMESTAMP,
    _TEXT: ColumnType.TEXT,
}


def _widen(a: int, b: int) -> int:
    if a == b or b == _NONE:
        return a
    if a == _NONE:
        return b
    low, high = min(a, b), max(a, b)
    if low >= _INT and high <= _FLOAT:
        return high
    if low == _DATE and high == _TIMESTAMP:
        return _TIMESTAMP
    return _TEXT


_WIDEN = [[_widen(a, b) for b in range(8)] for a in range(8)]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1
_BOOLEAN_WORDS = frozenset({"true", "false", "t", "f"})
_BLANKS = " \t\n\x0c\r"  # the ASCII white space a blank field is made of, as the load reads it
_DECIMAL_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP_RE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?"
    r"(?:[Zz]|[+-](?:0[0-9]|1[0-5])(?::?[0-5][0-9])?)?"
)
_MAX_FLOAT_TEXT = 400  # beyond this a digit string is not worth parsing: text
# Integers up to this size are finite as double precision (its largest is about 1.8e308).
_FLOAT_INTEGER = 10**308


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    # Year 0 does not exist; fromisoformat refuses it too, but be explicit about what Redshift takes.
    return not text.startswith("0000")


def _integer_type(text: str) -> int:
    """The type of an optionally signed run of ASCII digits, or ``_NONE`` when it is not one."""
    digits = text[1:] if text[0] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        return _NONE
    if len(digits) <= 9:
        return _INT
    value = int(text)
    return _integer_code(value, value)


def _is_float(text: str) -> bool:
    if len(text) > _MAX_FLOAT_TEXT or _FLOAT_RE.fullmatch(text) is None:
        return False
    return math.isfinite(float(text))


def _classify(text: str) -> int:
    """The narrowest type code of one non-empty string (see the module docstring)."""
    if len(text) <= 5 and text.lower() in _BOOLEAN_WORDS:
        return _BOOLEAN
    first = text[0]
    if first.isdigit() or first in "+-.":
        kind = _integer_type(text) if first != "." else _NONE
        if kind != _NONE:
            return kind
        if _is_float(text):
            return _FLOAT
        if len(text) == 10:
            return _DATE if _DATE_RE.fullmatch(text) is not None and _is_date(text) else _TEXT
        match = _TIMESTAMP_RE.fullmatch(text)
        if match is not None and _is_date(match.group(1)):
            return _TIMESTAMP
    return _TEXT


def _never(text: str) -> bool:
    return False


def _int_accepts(text: str) -> bool:
    # Up to nine plain digits always fit; anything else takes the careful path.
    if len(text) <= 9 and text.isascii() and text.isdigit():
        return True
    return _integer_type(text) == _INT


def _bigint_accepts(text: str) -> bool:
    if len(text) <= 18 and text.isascii() and text.isdigit():
        return True
    return _integer_type(text) in (_INT, _BIGINT)


def _float_accepts(text: str) -> bool:
    # Plain decimals of modest length are always finite; exponents need the parse.
    if len(text) <= 300 and _DECIMAL_RE.fullmatch(text) is not None:
        return True
    return _is_float(text)


def _boolean_accepts(text: str) -> bool:
    return len(text) <= 5 and text.lower() in _BOOLEAN_WORDS


def _date_accepts(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii() and _is_date(text)


def _timestamp_accepts(text: str) -> bool:
    if len(text) == 10:
        return _date_accepts(text)
    match = _TIMESTAMP_RE.fullmatch(text)
    return match is not None and _is_date(match.group(1))


_BATCH = 4096
_STRINGS = frozenset({str, NoneType})
# Whole batches of strings a type takes, matched in one pass over their text joined by newlines. The
# patterns are unambiguous (one way to match each line), so a failing match backtracks linearly.
_DATE_PATTERN = r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
_TIME_PATTERN = (
    r"[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?"
    r"(?:[Zz]|[+-](?:0[0-9]|1[0-5])(?::?[0-5][0-9])?)?"
)
_BATCH_RE = {
    _INT: re.compile(r"(?:[+-]?[0-9]{1,9}\n)*"),
    _BIGINT: re.compile(r"(?:[+-]?[0-9]{1,18}\n)*"),
    _FLOAT: re.compile(r"(?:[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\n)*"),
    _DATE: re.compile(rf"(?:{_DATE_PATTERN}\n)*"),
    _TIMESTAMP: re.compile(rf"(?:{_DATE_PATTERN}(?:{_TIME_PATTERN})?\n)*"),
}
# Dates the patterns let through that do not exist (Feb 29 is checked one by one, for leap years).
_IMPOSSIBLE_DAY = re.compile(r"-(?:02-(?:29|3[01])|(?:0[469]|11)-31)")


def _all_accepted(kind: int, strings: list[str], longest: int) -> bool:
    """Whether a column of type ``kind`` surely takes every string; ``False`` means "check each"."""
    if kind in (_INT, _BIGINT):
        joined = "".join(strings)
        if joined.isascii() and joined.isdigit():  # no signs: the length settles it
            return longest <= (9 if kind == _INT else 18)
    pattern = _BATCH_RE.get(kind)
    if pattern is None or (kind == _FLOAT and longest > 300):
        return False
    joined = "\n".join(strings) + "\n"
    if pattern.fullmatch(joined) is None:
        return False
    if kind in (_DATE, _TIMESTAMP):
        # Only the date part holds "-MM-DD"; year 0 does not exist.
        return _IMPOSSIBLE_DAY.search(joined) is None and "\n0000-" not in "\n" + joined
    return True


# The check for a string value against each type; None for text, which takes anything.
_ACCEPTS: list[Callable[[str], bool] | None] = [
    _never,
    _boolean_accepts,
    _int_accepts,
    _bigint_accepts,
    _float_accepts,
    _date_accepts,
    _timestamp_accepts,
    None,
]


def _int_group(values: list[int]) -> tuple[int, int]:
    low, high = min(values), max(values)
    size = max(len(str(low)), len(str(high)))
    return _integer_code(low, high), size


def _integer_code(low: int, high: int) -> int:
    """The type of integers from ``low`` to ``high``."""
    if low >= _INT_MIN and high <= _INT_MAX:
        return _INT
    if low >= _BIGINT_MIN and high <= _BIGINT_MAX:
        return _BIGINT
    return _FLOAT if low >= -_FLOAT_INTEGER and high <= _FLOAT_INTEGER else _TEXT


def _float_group(values: list[float]) -> tuple[int, int]:
    size = max(map(len, map(repr, values)))
    return (_FLOAT if all(map(math.isfinite, values)) else _TEXT), size


def _bool_group(values: list[bool]) -> tuple[int, int]:
    return _BOOLEAN, (4 if all(values) else 5)


# Batches of one typed kind, summed up at once: (type code, longest text in bytes).
_GROUPS: dict[type, Callable[[list[Any]], tuple[int, int]]] = {
    int: _int_group,
    float: _float_group,
    bool: _bool_group,
}
_NONE_KIND = frozenset({NoneType})


class _Stats:
    __slots__ = ("empties", "kind", "max_bytes", "nulls", "values")

    def __init__(self) -> None:
        self.kind = _NONE
        self.values = 0
        self.nulls = 0
        self.empties = 0
        self.max_bytes = 0


@dataclass(frozen=True)
class ColumnStats:
    """What a tracker saw of one column: the type so far, and counts (``values`` excludes nulls)."""

    name: str
    type: ColumnType | None
    values: int
    nulls: int
    empties: int
    max_bytes: int


def _compact_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class ColumnTracker:
    """Narrows each column's type over every value it observes; see the module docstring.

    ``columns`` fixes the order of columns known up front (a CSV header); others are added in the
    order they are first seen. :meth:`observe` takes one row; :meth:`track` passes rows through
    while observing them. A key missing from a row counts as a null, as it loads as NULL.

    Rows are examined in batches, column by column: each batch's distinct values are checked once,
    and a whole batch of strings is first checked against the column's type in one pass over their
    joined text. The results are the same as checking every value in turn.
    """

    def __init__(self, columns: Iterable[str] | None = None) -> None:
        self._stats: dict[str, _Stats] = {}
        self._pending: list[Mapping[str, Any]] = []
        self._rows = 0
        for name in columns or ():
            self._stats.setdefault(name, _Stats())

    @property
    def rows(self) -> int:
        """How many rows were observed."""
        return self._rows + len(self._pending)

    @property
    def columns(self) -> list[str]:
        """Every column seen (or given), in first-seen order."""
        self._flush()
        return list(self._stats)

    def track(self, rows: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
        """``rows`` unchanged, each observed as it passes."""
        observe = self.observe
        for row in rows:
            observe(row)
            yield row

    def observe(self, row: Mapping[str, Any]) -> None:
        """Take one row's values into account."""
        pending = self._pending
        pending.append(row)
        if len(pending) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        batch = self._pending
        if not batch:
            return
        self._pending = []
        self._rows += len(batch)
        stats = self._stats
        if not set().union(*batch) <= stats.keys():
            for row in batch:  # new columns: add them in the order they appear
                for name in row:
                    if name not in stats:
                        stats[name] = _Stats()
        plain = set(map(type, batch)) == {dict}
        for name, column in stats.items():
            values = (
                list(map(dict.get, batch, repeat(name)))  # type: ignore[arg-type]
                if plain
                else [row.get(name) for row in batch]
            )
            self._column(column, values)

    def _column(self, column: _Stats, values: list[Any]) -> None:
        kinds = set(map(type, values))
        nulls = values.count(None) if NoneType in kinds else 0
        column.nulls += nulls
        if kinds <= _STRINGS:
            distinct = set(values)
            distinct.discard(None)
            if "" in distinct:
                empties = values.count("")
                column.empties += empties
                distinct.discard("")
            else:
                empties = 0
            column.values += len(values) - nulls - empties
            if distinct:
                self._strings(column, list(distinct))
            return
        present = kinds - _NONE_KIND
        if len(present) == 1:
            (kind,) = present
            group = _GROUPS.get(kind)
            if group is not None:
                typed = [value for value in values if value is not None] if nulls else values
                column.values += len(typed)
                found, size = group(typed)
                if size > column.max_bytes:
                    column.max_bytes = size
                column.kind = _WIDEN[column.kind][found]
                return
        # Mixed or other values: one at a time (True == 1 == 1.0, so a set would merge them).
        observe = self._value
        for value in values:
            observe(column, value)

    @staticmethod
    def _strings(column: _Stats, strings: list[str]) -> None:
        """Distinct non-empty strings of one column."""
        longest = max(map(len, strings))
        if longest * 4 > column.max_bytes:  # a character takes at most 4 bytes of UTF-8
            if all(map(str.isascii, strings)):
                size = longest
            else:
                size = max(len(text.encode("utf-8", "surrogatepass")) for text in strings)
            if size > column.max_bytes:
                column.max_bytes = size
        accepts = _ACCEPTS[column.kind]
        if accepts is None or _all_accepted(column.kind, strings, longest):
            return
        for text in strings:
            if not accepts(text):
                if not text.strip(_BLANKS):
                    continue  # loads as NULL unless the column ends up text, which takes it anyway
                column.kind = kind = _WIDEN[column.kind][_classify(text)]
                accepts = _ACCEPTS[kind]
                if accepts is None:
                    return

    def _value(self, column: _Stats, value: Any) -> None:
        if value is None:
            return  # counted already
        if type(value) is str:
            if not value:
                column.empties += 1
                return
            column.values += 1
            self._strings(column, [value])
            return
        column.values += 1
        self._typed(column, value)

    @staticmethod
    def _typed(column: _Stats, value: Any) -> None:
        cls = type(value)
        if cls is bool:
            found, text = _BOOLEAN, "false" if not value else "true"
        elif cls is int:
            found, text = _integer_code(value, value), str(value)
        elif cls is float:
            text = repr(value)
            found = _FLOAT if math.isfinite(value) else _TEXT
        elif isinstance(value, (dict, list)):
            found, text = _TEXT, _compact_json(value)
        elif isinstance(value, dt.datetime):
            found, text = _TIMESTAMP, value.isoformat(sep=" ")
        elif isinstance(value, dt.date):
            found, text = _DATE, value.isoformat()
        else:
            text = str(value)
            found = _classify(text) if text else _TEXT
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if size > column.max_bytes:
            column.max_bytes = size
        column.kind = _WIDEN[column.kind][found]

    def _settled(self) -> dict[str, _Stats]:
        """Every column's state, with the rows still pending taken into account."""
        self._flush()
        return self._stats

    def stats(self) -> list[ColumnStats]:
        """Each column's type so far and counts, in column order (``type`` ``None``: no value yet)."""
        return [
            ColumnStats(
                name,
                _TYPES.get(column.kind),
                column.values,
                column.nulls,
                column.empties,
                column.max_bytes,
            )
            for name, column in self._settled().items()
        ]


def _text_type(name: str, max_bytes: int, truncate_long_text: bool) -> ColumnType:
    if max_bytes <= (ColumnType.TEXT.max_bytes or 0):
        return ColumnType.TEXT
    longest = ColumnType.LONGTEXT.max_bytes or 0
    if max_bytes <= longest or truncate_long_text:
        return ColumnType.LONGTEXT
    raise ValueTooLong(
        f"column {name!r} holds a value of {max_bytes} bytes of UTF-8, more than the {longest} a Redshift "
        "VARCHAR holds; shorten it, or truncate long text",
        source=name,
    )


def infer_columns(tracker: ColumnTracker, *, truncate_long_text: bool = False) -> list[Column]:
    """A :class:`~rio.config.Column` per tracked column, in first-seen order, typed by the rules above."""
    columns = []
    for name, column in tracker._settled().items():
        kind = column.kind
        if kind in (_NONE, _TEXT):
            column_type = _text_type(name, column.max_bytes, truncate_long_text)
        else:
            column_type = _TYPES[kind]
        columns.append(Column(name, column_type))
    return columns


def measured_widths(tracker: ColumnTracker) -> dict[str, int]:
    """The longest value in UTF-8 bytes of each column inferred as text (or never seen)."""
    return {
        name: column.max_bytes for name, column in tracker._settled().items() if column.kind in (_NONE, _TEXT)
    }
