"""What every source of existing rows is: :class:`Source`, plus what the sources share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator
from types import TracebackType
from typing import Any

__all__ = ["Source"]


class Source(ABC):
    """A stream of rows (dicts keyed by column name) and what is known about their columns.

    - ``name``: the path, URL or description that messages name.
    - ``columns``: the column names when the input carries them (a CSV header, a DataFrame, a query's
      description, tuples given with names), else ``None``.
    - ``column_types``: the types the input declares for its columns, as a config writes them (a
      query's result columns), else ``None``; columns it leaves out are inferred from their values.
    - ``size``: the input's bytes when known (for progress bars), else ``None``.
    - ``bytes_read``: how many input bytes :meth:`rows` has consumed so far.
    - :meth:`rows`: the rows, read as they are needed; never the whole input at once.

    A source holds no open file between calls: :meth:`rows` opens what it reads and closes it when the
    iteration ends, fails or is closed. :meth:`close` releases connections the source keeps.
    """

    name: str = ""

    @property
    def columns(self) -> list[str] | None:
        return None

    @property
    def column_types(self) -> dict[str, str] | None:
        return None

    @property
    def size(self) -> int | None:
        return None

    @property
    def bytes_read(self) -> int:
        return 0

    @abstractmethod
    def rows(self) -> Iterator[dict[str, Any]]:
        """The rows, in input order."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.rows()

    def parse_json_fields(self, columns: Collection[str]) -> None:  # noqa: B027 - JSON is typed already
        """Read these columns' text fields (a CSV's) as JSON documents from now on: they load into
        SUPER columns, and COPY from CSV parses a SUPER field as JSON. Values that JSON or Python
        gave are kept as they are."""

    def close(self) -> None:  # noqa: B027 - most sources hold nothing to release
        """Release what the source holds (store clients, connections); reading again reopens them."""

    def __enter__(self) -> Source:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class Counter:
    """A running count of input bytes, shared by the readers of one source's parts."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


def clip(text: str, limit: int = 120) -> str:
    """``text`` shortened for a message."""
    return text if len(text) <= limit else text[:limit] + "…"
