"""Column types inferred from the data: the narrowest type Redshift's COPY accepts every value into.

A :class:`ColumnTracker` sees every value once (``observe(row)``) and keeps, per column, the
narrowest type that accepts all non-null values seen so far, widening as it must:

- ``None`` (and, for strings, ``""`` or only blanks) gives no information: an empty or blank field
  loads as NULL into a non-text column, as in Redshift. Nulls and empty strings are counted.
- A ``str`` (every CSV value) is the first of these that it matches exactly:

  ============  ==================================================================================
  boolean       ``true``, ``false``, ``t``, ``f`` in any case (not ``0``/``1``, which are numbers)
  int           an optionally signed run of ASCII digits from -2147483648 to 2147483647
  bigint        the same within -9223372036854775808..9223372036854775807
  decimal(p,s)  fixed point: digits, a point and ``s`` digits (``12.50``, ``-0.25``); a column is
                decimal when every such value has the same ``s`` and at most 38 digits in all
  float         a finite decimal or scientific number (``1.5e3``, ``.5``, ``7.``); fixed-point
                values of mixed scales; longer integers while a double holds them
  date          ``YYYY-MM-DD``, a real calendar date
  timestamp     ``YYYY-MM-DD`` then ``T`` or a space, ``HH:MM[:SS[.fraction]]``, and an optional zone
                ``Z``, ``±HH``, ``±HHMM`` or ``±HH:MM`` (forms ``TIMEFORMAT 'auto'`` reads)
  timestamptz   a timestamp that carries a zone: a column is timestamptz when every value does (an
                instant each); one without makes it timestamp, where COPY ignores the zones
  text          anything else
  ============  ==================================================================================

  The rules for strings are the core's (``rio_core/src/infer.rs``, through
  ``rio._core.observe_strings``): a CSV read in the core and strings tracked here are inferred by one
  implementation.
- A typed value (JSON, a DataFrame, a query) counts by its type: ``bool`` is boolean; ``int`` is int,
  bigint or (beyond 64 bits) float by range, and text beyond what a double holds; a finite ``float``
  is float; a finite ``decimal.Decimal`` is decimal (the largest scale of the column's values); an
  aware ``datetime`` is timestamptz, a naive one timestamp, a ``date`` date, a ``time`` time (timetz
  when aware); a ``dict`` or ``list`` — nested JSON — is super (text, its compact JSON, when a string
  in it holds a NUL, which SUPER cannot store); anything else counts as its ``str()``.
- Widening: int → bigint → decimal → float, date → timestamp (a date loads as midnight), timestamptz
  with timestamp or date → timestamp; super takes any JSON value; any other mix of types is text. A
  column never seen with a non-null value is text.

A decimal column is ``decimal(p,s)`` with ``s`` its values' scale and ``p`` the digits they need —
ints among them counting as 10 digits, bigints as 19 — but at least 18, Redshift's default, and 20
rather than 19, which Redshift stores in 64 bits (:func:`rio.types.inferred_decimal`); more than 38
digits make it float.

Text is a VARCHAR sized by :func:`rio.types.inferred_varchar` from its longest value, in bytes of
UTF-8: the smallest power of two at least 1.5 times as long, but at least 256 and at most 65535 —
written ``text`` for 256 and ``longtext`` for 65535, ``varchar(n)`` between. A value longer than
65535 bytes is :class:`~rio.errors.ValueTooLong`, naming the column, unless ``truncate_long_text`` is
given (the column is then varchar(65535), and the loader truncates, as TRUNCATECOLUMNS would). The
longest value is counted in UTF-8 bytes for every non-null value, whatever its type: for a number its
text, for a dict or list its compact JSON.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import repeat
from types import NoneType
from typing import Any, TypeVar

from rio._core import observe_strings
from rio._identifiers import identifier_problem
from rio.columns import Column
from rio.errors import DuplicateColumn, InvalidIdentifier, ValueTooLong
from rio.types import column_type, config_spelling, inferred_decimal, inferred_varchar

_Row = TypeVar("_Row", bound=Mapping[str, Any])

__all__ = ["ColumnStats", "ColumnTracker", "infer_columns", "lower_case_names", "measured_widths"]

# Type codes, ordered so that the widening table stays small.
(
    _NONE,
    _BOOLEAN,
    _INT,
    _BIGINT,
    _DECIMAL,
    _FLOAT,
    _DATE,
    _TIMESTAMP,
    _TIMESTAMPTZ,
    _TIME,
    _TIMETZ,
    _TEXT,
    _SUPER,
) = range(13)
_KINDS = 13

#: The config spelling of each code but decimal and text, which inference sizes from the values.
_SPELLINGS = {
    _BOOLEAN: "boolean",
    _INT: "int",
    _BIGINT: "bigint",
    _FLOAT: "float",
    _DATE: "date",
    _TIMESTAMP: "timestamp",
    _TIMESTAMPTZ: "timestamptz",
    _TIME: "time",
    _TIMETZ: "timetz",
    _SUPER: "super",
}
_DATES = frozenset({_DATE, _TIMESTAMP, _TIMESTAMPTZ})


def _widen(a: int, b: int) -> int:
    if a == b or b == _NONE:
        return a
    if a == _NONE:
        return b
    low, high = min(a, b), max(a, b)
    if high == _SUPER:
        return _SUPER  # any JSON value is a SUPER value
    if low >= _INT and high <= _FLOAT:
        return high
    if {a, b} <= _DATES:
        return _TIMESTAMP
    return _TEXT


_WIDEN = [[_widen(a, b) for b in range(_KINDS)] for a in range(_KINDS)]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_BIGINT_MIN, _BIGINT_MAX = -(2**63), 2**63 - 1
#: The digits before the point an int and a bigint may need, as part of a decimal column.
_INT_DIGITS, _BIGINT_DIGITS = 10, 19
_DECIMAL_DIGITS = 38
_BLANKS = " \t\n\x0c\r"  # the ASCII white space a blank field is made of, as the load reads it
# Integers up to this size are finite as double precision (its largest is about 1.8e308).
_FLOAT_INTEGER = 10**308
_BATCH = 4096
_STRINGS = frozenset({str, NoneType})


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
    __slots__ = ("empties", "kind", "max_bytes", "nul_in_json", "nulls", "scale", "values", "whole")

    def __init__(self) -> None:
        self.kind = _NONE
        self.values = 0
        self.nulls = 0
        self.empties = 0
        self.max_bytes = 0
        # A decimal column's scale, and the most digits before the point its values need.
        self.scale = 0
        self.whole = 0
        # A nested value holds a NUL character, which a SUPER value cannot store: the column is text.
        self.nul_in_json = False

    @property
    def is_text(self) -> bool:
        return self.kind in (_NONE, _TEXT) or (self.kind == _SUPER and self.nul_in_json)


@dataclass(frozen=True)
class ColumnStats:
    """What a tracker saw of one column: the type so far (as a config writes it), and counts
    (``values`` excludes nulls)."""

    name: str
    type: str | None
    values: int
    nulls: int
    empties: int
    max_bytes: int


def _compact_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _to_decimal(column: _Stats, whole: int, scale: int, *, loose: bool) -> None:
    """Take a decimal value (``whole`` digits before the point, ``scale`` after) into ``column``.

    Strings must share one scale (``loose`` False): fixed point of mixed scales is float. A typed
    ``Decimal`` (``loose``) is exact as it is, and the column takes the larger scale.
    """
    kind = column.kind
    if kind in (_NONE, _INT, _BIGINT):
        column.whole = max(whole, {_NONE: 0, _INT: _INT_DIGITS, _BIGINT: _BIGINT_DIGITS}[kind])
        column.scale = scale
        column.kind = _DECIMAL
    elif kind == _DECIMAL:
        if scale != column.scale and not loose:
            column.kind = _FLOAT
            return
        column.scale = max(column.scale, scale)
        column.whole = max(column.whole, whole)
    else:
        column.kind = _WIDEN[kind][_DECIMAL]
        return
    if column.whole + column.scale > _DECIMAL_DIGITS:
        column.kind = _FLOAT


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

    @classmethod
    def from_core(
        cls, columns: Iterable[tuple[str, int, int, int, int, int, int]], rows: int
    ) -> ColumnTracker:
        """A tracker that has seen what the core's :class:`rio._core.CsvReader` saw of ``rows`` rows of
        strings: its ``column_stats()`` (name, type code, values, empties, longest value in bytes,
        decimal scale and digits before the point), in this module's codes and by its rules."""
        tracker = cls()
        for name, kind, values, empties, max_bytes, scale, whole in columns:
            column = tracker._stats[name] = _Stats()
            column.kind, column.values, column.empties, column.max_bytes = kind, values, empties, max_bytes
            column.scale, column.whole = scale, whole
        tracker._rows = rows
        return tracker

    @property
    def rows(self) -> int:
        """How many rows were observed."""
        return self._rows + len(self._pending)

    @property
    def columns(self) -> list[str]:
        """Every column seen (or given), in first-seen order."""
        self._flush()
        return list(self._stats)

    def track(self, rows: Iterable[_Row]) -> Iterator[_Row]:
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
                if column.kind == _DECIMAL and found in (_INT, _BIGINT):
                    _to_decimal(column, _INT_DIGITS if found == _INT else _BIGINT_DIGITS, 0, loose=True)
                else:
                    column.kind = _WIDEN[column.kind][found]
                return
        # Mixed or other values: one at a time (True == 1 == 1.0, so a set would merge them).
        observe = self._value
        for value in values:
            observe(column, value)

    @staticmethod
    def _strings(column: _Stats, strings: list[str]) -> None:
        """Distinct non-empty strings of one column, taken by the core's rules (``rio._core``'s
        ``observe_strings``, which a CSV read in the core uses too)."""
        state = (column.kind, column.max_bytes, column.scale, column.whole)
        try:
            column.kind, column.max_bytes, column.scale, column.whole = observe_strings(state, strings)
        except UnicodeEncodeError:
            # A lone surrogate (from JSON's "\ud800"), which no column but text takes; the packer
            # refuses the row, naming it.
            size = max(len(text.encode("utf-8", "surrogatepass")) for text in strings)
            column.max_bytes = max(column.max_bytes, size)
            column.kind = _WIDEN[column.kind][_TEXT]

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
        elif isinstance(value, decimal.Decimal):
            text = format(value, "f")
            found = _DECIMAL if value.is_finite() else _TEXT
        elif isinstance(value, (dict, list)):
            found, text = _SUPER, _compact_json(value)
            if "\\u0000" in text:
                column.nul_in_json = True
        elif isinstance(value, dt.datetime):
            found = _TIMESTAMP if value.utcoffset() is None else _TIMESTAMPTZ
            text = value.isoformat(sep=" ")
        elif isinstance(value, dt.date):
            found, text = _DATE, value.isoformat()
        elif isinstance(value, dt.time):
            found = _TIME if value.utcoffset() is None else _TIMETZ
            text = value.isoformat()
        else:
            # Anything else counts as its text, as a string would.
            text = str(value)
            if text.strip(_BLANKS):
                ColumnTracker._strings(column, [text])
                return
            found = _TEXT
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if size > column.max_bytes:
            column.max_bytes = size
        if found == _DECIMAL and isinstance(value, decimal.Decimal):
            _, digits, exponent = value.as_tuple()
            assert isinstance(exponent, int)  # finite
            scale = max(0, -exponent)
            whole = max(0, len(digits) + exponent) if any(digits) else 0
            _to_decimal(column, whole, scale, loose=True)
        elif column.kind == _DECIMAL and found in (_INT, _BIGINT):
            _to_decimal(column, _INT_DIGITS if found == _INT else _BIGINT_DIGITS, column.scale, loose=False)
        else:
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
                None if column.kind == _NONE else _spelling(name, column, truncate_long_text=True),
                column.values,
                column.nulls,
                column.empties,
                column.max_bytes,
            )
            for name, column in self._settled().items()
        ]


def _text_type(name: str, max_bytes: int, truncate_long_text: bool) -> str:
    if max_bytes > 65535 and not truncate_long_text:
        raise ValueTooLong(
            f"column {name!r} holds a value of {max_bytes} bytes of UTF-8, more than the 65535 a Redshift "
            "VARCHAR holds; shorten it, or truncate long text",
            source=name,
        )
    return config_spelling(column_type(f"varchar({inferred_varchar(max_bytes)})"))


def _spelling(name: str, column: _Stats, *, truncate_long_text: bool) -> str:
    """How a config writes the type of a tracked column."""
    kind = column.kind
    if column.is_text:
        return _text_type(name, column.max_bytes, truncate_long_text)
    if kind == _DECIMAL:
        inferred = inferred_decimal(column.whole, column.scale)
        return "float" if inferred is None else config_spelling(inferred)
    return _SPELLINGS[kind]


def infer_columns(
    tracker: ColumnTracker,
    *,
    truncate_long_text: bool = False,
    declared: Mapping[str, str] | None = None,
) -> list[Column]:
    """A :class:`~rio.columns.Column` per tracked column, in first-seen order, typed by the rules above.

    ``declared`` maps columns whose type the source knows (a query's) to it, as a config writes it:
    those keep it, and their values are not sized.
    """
    known = declared or {}
    return [
        Column(
            name,
            known[name] if name in known else _spelling(name, column, truncate_long_text=truncate_long_text),
        )
        for name, column in tracker._settled().items()
    ]


def measured_widths(tracker: ColumnTracker) -> dict[str, int]:
    """The longest value in UTF-8 bytes of each column inferred as text (or never seen)."""
    return {name: column.max_bytes for name, column in tracker._settled().items() if column.is_text}


def lower_case_names(columns: list[Column], source_name: str) -> list[Column]:
    """Inferred columns named as Redshift keeps them (folded to lower case), as a load names the columns it
    creates; two fields that differ only in case are a :class:`~rio.errors.DuplicateColumn`."""
    seen: dict[str, str] = {}
    named = []
    for column in columns:
        lowered = column.name.lower()
        if lowered in seen:
            raise DuplicateColumn(
                f"{source_name}: fields {seen[lowered]!r} and {column.name!r} differ only in case, and "
                "Redshift folds column names to lower case; rename one"
            )
        problem = identifier_problem(lowered, kind="column")
        if problem is not None:
            raise InvalidIdentifier(
                f"{source_name}: field {column.name!r} cannot name a column: it {problem}"
            )
        seen[lowered] = column.name
        named.append(dataclasses.replace(column, name=lowered))
    return named
