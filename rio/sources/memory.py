"""Sources over Python objects: an iterable of rows, and a pandas DataFrame (pandas imported lazily)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from rio._words import plural
from rio.errors import MalformedInput, UnsupportedSource
from rio.sources.base import Source, clip

__all__ = ["DataFrameSource", "RowsSource", "is_dataframe"]


def _column_names(columns: Sequence[Any], name: str) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for index, column in enumerate(columns, 1):
        if not isinstance(column, str):
            raise MalformedInput(
                f"{name}: column {index} is named by a {type(column).__name__}, not a str", source=name
            )
        if column in seen:
            raise MalformedInput(f"{name}: column {clip(column)!r} is named twice", source=name)
        seen.add(column)
        names.append(column)
    return names


class RowsSource(Source):
    """Rows from an iterable: dicts, or tuples/lists whose fields ``columns`` names.

    A named tuple without ``columns`` is named by its fields. Each row is checked as it is read: a
    tuple with the wrong number of fields, or a row that is neither, is a
    :class:`~rio.errors.MalformedInput` naming the row number (from 1). An iterator can be read once.
    """

    def __init__(
        self,
        rows: Iterable[Any],
        *,
        columns: Sequence[str] | None = None,
        name: str = "rows",
    ) -> None:
        self.name = name
        self._rows = rows
        self._columns = _column_names(columns, name) if columns is not None else None

    @property
    def columns(self) -> list[str] | None:
        return list(self._columns) if self._columns is not None else None

    def rows(self) -> Iterator[dict[str, Any]]:
        return self._iterate()

    def _iterate(self) -> Iterator[dict[str, Any]]:
        columns = self._columns
        width = len(columns) if columns is not None else 0
        name = self.name
        for number, row in enumerate(self._rows, 1):
            if type(row) is dict:
                yield row
            elif isinstance(row, (tuple, list)):
                names = columns
                if names is None:
                    fields = getattr(row, "_fields", None)
                    if fields is None:
                        raise MalformedInput(
                            f"{name}: row {number} is a {type(row).__name__}; pass columns=[...] to name "
                            "its fields",
                            source=name,
                            line=number,
                        )
                    names = list(fields)
                elif len(row) != width:
                    raise MalformedInput(
                        f"{name}: row {number} has {plural(len(row), 'field')} where columns names {width}",
                        source=name,
                        line=number,
                    )
                yield dict(zip(names, row, strict=True))
            elif isinstance(row, dict):
                yield dict(row)
            else:
                raise MalformedInput(
                    f"{name}: row {number} is a {type(row).__name__}, not a dict or a tuple",
                    source=name,
                    line=number,
                )


def is_dataframe(value: object) -> bool:
    """Whether ``value`` is a pandas DataFrame, told without importing pandas."""
    kind = type(value)
    return kind.__name__ == "DataFrame" and kind.__module__.split(".")[0] == "pandas"


class DataFrameSource(Source):
    """Rows from a pandas DataFrame, with plain Python values.

    NaN, NaT, ``pd.NA`` and None become ``None``; numpy scalars become Python scalars; Timestamps
    become :class:`datetime.datetime`; the index is left out. Column names must be unique strings.
    """

    def __init__(self, frame: Any, *, name: str = "DataFrame") -> None:
        if not is_dataframe(frame):
            raise UnsupportedSource(
                f"{name}: a {type(frame).__name__} is not a pandas DataFrame", source=name
            )
        self.name = name
        self._frame = frame
        self._columns = _column_names(list(frame.columns), name)

    @property
    def columns(self) -> list[str] | None:
        return list(self._columns)

    def rows(self) -> Iterator[dict[str, Any]]:
        return self._iterate()

    def _iterate(self) -> Iterator[dict[str, Any]]:
        # Imported here: pandas is optional, and importing rio must not load it.
        convert = _converter(importlib.import_module("pandas"), importlib.import_module("numpy"))
        columns = self._columns
        for values in self._frame.itertuples(index=False, name=None):
            yield {column: convert(value) for column, value in zip(columns, values, strict=True)}


def _converter(pandas: Any, numpy: Any) -> Any:
    nat, na = pandas.NaT, pandas.NA
    timestamp = pandas.Timestamp
    timedelta = pandas.Timedelta
    generic = numpy.generic
    plain = (str, int, bool)

    def convert(value: Any) -> Any:
        if type(value) in plain:
            return value
        if value is None or value is nat or value is na:
            return None
        if isinstance(value, timestamp):
            return value.to_pydatetime()
        if isinstance(value, timedelta):
            return str(value)
        if isinstance(value, generic):
            if isinstance(value, numpy.datetime64):
                if numpy.isnat(value):
                    return None
                return timestamp(value).to_pydatetime()
            value = value.item()
        if isinstance(value, float):
            return None if math.isnan(value) else float(value)
        return value

    return convert
