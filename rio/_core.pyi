"""Type stubs for ``rio._core``, the Rust core of rio (built by maturin from ``rio_core/``)."""

import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Final, Protocol, final

__all__ = [
    "DEFAULT_BUFFER_SIZE",
    "DEFAULT_COMPRESSION_LEVEL",
    "DEFAULT_MAX_PARTS_IN_FLIGHT",
    "BatchStream",
    "ColumnTypeInfo",
    "CsvReader",
    "Decoder",
    "KeyStats",
    "PackGate",
    "PackStats",
    "Packer",
    "Part",
    "RejectedRow",
    "__version__",
    "observe_strings",
    "parse_column_type",
]

__version__: Final[str]
DEFAULT_BUFFER_SIZE: Final[int]
DEFAULT_COMPRESSION_LEVEL: Final[int]
DEFAULT_MAX_PARTS_IN_FLIGHT: Final[int]

class _ColumnLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def not_null(self) -> bool: ...

_Row = dict[str, Any] | bytes | str

@final
class Packer:
    """Rows in, gzip'd NDJSON parts out.

    Rotation rule: no part holds more than ``buffer_size`` bytes of NDJSON, except a part holding
    one row that alone is larger.

    With ``columns`` (any type a config names, read by :func:`parse_column_type`), each value is
    checked by its type's rules, the very code the emulated COPY loads with, under the load's COPY
    options: ``time_format`` (TIMEFORMAT), ``date_format`` (DATEFORMAT), ``accept_invalid_chars``
    (ACCEPTINVCHARS), ``round_decimals`` (ROUNDEC) and ``truncate_long_text`` (TRUNCATECOLUMNS).
    An unknown type raises ``rio.errors.UnsupportedType``; an unknown format ``ConfigError``.
    """

    def __new__(
        cls,
        buffer_size: int = ...,
        compression_level: int = ...,
        columns: Iterable[_ColumnLike | tuple[str, str] | tuple[str, str, bool]] | None = None,
        data_timestamp_column: str | None = None,
        max_parts_in_flight: int = ...,
        threads: int | None = None,
        truncate_long_text: bool = False,
        time_format: str = "auto",
        date_format: str = "auto",
        accept_invalid_chars: str | None = None,
        round_decimals: bool = False,
    ) -> Packer: ...
    def pack(self, row: _Row) -> None: ...
    def pack_many(self, rows: Iterable[_Row]) -> int: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...
    def next_part(self, timeout: float | None = None) -> Part | None: ...
    def stats(self) -> PackStats: ...
    def __iter__(self) -> Iterator[Part]: ...
    def __next__(self) -> Part: ...
    def __enter__(self) -> Packer: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
        /,
    ) -> bool: ...
    @property
    def closed(self) -> bool: ...
    @property
    def parts_in_flight(self) -> int: ...
    @property
    def buffer_size(self) -> int: ...
    @property
    def compression_level(self) -> int: ...
    @property
    def threads(self) -> int: ...
    @property
    def max_parts_in_flight(self) -> int: ...

@final
class PackGate:
    """The per-row entrance of a ``rio.pipe.RedshiftIO``: rows go into the open packer, and to
    ``refused`` when there is none (``open(None)``) or it closed under the row."""

    def __new__(cls, refused: Callable[[_Row], object]) -> PackGate: ...
    def open(self, packer: Packer | None) -> None: ...
    def pack(self, row: _Row) -> None: ...

@final
class Part:
    """A finished part: one gzip member holding ``rows`` lines of NDJSON."""

    @property
    def number(self) -> int: ...
    @property
    def rows(self) -> int: ...
    @property
    def raw_bytes(self) -> int: ...
    @property
    def data(self) -> bytes: ...
    @property
    def compressed_bytes(self) -> int: ...
    @property
    def min_data_timestamp(self) -> datetime.datetime | None: ...
    @property
    def max_data_timestamp(self) -> datetime.datetime | None: ...

@final
class PackStats:
    """What a packer has seen so far."""

    @property
    def rows(self) -> int: ...
    @property
    def parts(self) -> int: ...
    @property
    def raw_bytes(self) -> int: ...
    @property
    def compressed_bytes(self) -> int: ...
    @property
    def parts_compressed(self) -> int: ...
    @property
    def keys(self) -> dict[str, KeyStats]: ...
    @property
    def min_data_timestamp(self) -> datetime.datetime | None: ...
    @property
    def max_data_timestamp(self) -> datetime.datetime | None: ...

@final
class KeyStats:
    """Statistics of one top-level key."""

    @property
    def key(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def nulls(self) -> int: ...
    @property
    def types(self) -> list[str]: ...
    @property
    def max_bytes(self) -> int: ...
    @property
    def column(self) -> str | None: ...

@final
class BatchStream:
    """Decoded rows of several data files as one ordered stream of Arrow batches (the Arrow PyCapsule
    interface), one column per ``(name, warehouse type)``, typed where Arrow has the type, else
    UTF-8 text: file ``i``'s rows come after file ``i - 1``'s, at most ``depth`` batches wait per
    file, and ``fail`` ends the stream for its reader and writers."""

    def __new__(cls, columns: Sequence[tuple[str, str]], files: int, *, depth: int = 2) -> BatchStream: ...
    def write(self, index: int, data: bytes) -> None: ...
    def close(self, index: int) -> None: ...
    def fail(self, message: str) -> None: ...
    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...

@final
class CsvReader:
    """A CSV source's parts read straight into a packer, each column's type inferred on the way:
    ``start_part(name, delimiter)``, ``feed(chunk, packer)`` as often as needed, ``finish_part(packer)``.
    Rows are JSON objects of the header's names and the fields as strings (a ``json_columns`` field
    as its JSON value; ``row_number_key`` numbers rows from 1). A malformed CSV raises
    ``rio.errors.MalformedInput``; a refused row its ``rio.errors.RowError`` (``err.row``: its index)."""

    def __new__(
        cls,
        *,
        json_columns: Sequence[str] = ...,
        row_number_key: str | None = None,
        infer: bool = True,
    ) -> CsvReader: ...
    def start_part(self, name: str, delimiter: str) -> None: ...
    def feed(self, data: bytes, packer: Packer) -> int: ...
    def finish_part(self, packer: Packer) -> int: ...
    @property
    def header(self) -> list[str] | None: ...
    @property
    def rows(self) -> int: ...
    def column_stats(self) -> list[tuple[str, int, int, int, int, int, int]]: ...

@final
class Decoder:
    """One data file of a load in, rows typed for the target table out.

    Reads gzip'd (or plain) JSON objects the way Redshift's ``COPY ... FORMAT AS JSON 'auto
    ignorecase'`` does, with COPY's data-conversion options (``time_format``: TIMEFORMAT 'auto',
    'epochsecs' or 'epochmillisecs'; ``date_format``: DATEFORMAT; ``accept_invalid_chars``:
    ACCEPTINVCHARS' replacement character, or None; ``round_decimals``: ROUNDEC;
    ``truncate_columns``: TRUNCATECOLUMNS), and writes each good row in PostgreSQL's ``COPY ... FROM
    STDIN`` text format (``output="postgres"``), as the rows of its binary format
    (``"postgres-binary"``, SUPER as jsonb; the COPY's header and trailer are the caller's), as CSV
    (``output="csv"``), or as framed values for a :class:`BatchStream` (``output="columns"``: each
    value a little-endian u32 length, 0xFFFFFFFF for
    NULL, then its text, unescaped). Column types
    are the warehouse's (a bare ``text`` has no width); an unknown one raises
    ``rio.errors.UnsupportedType``, an unknown format ``rio.errors.ConfigError``. A bad row is
    skipped and described in ``rejected_rows``; a file that is not gzip, or corrupt or truncated
    gzip, raises ``rio.errors.CopyFailed``.
    """

    def __new__(
        cls,
        columns: Sequence[tuple[str, str, bool]],
        *,
        output: str = "postgres",
        gzip: bool = True,
        ignore_case: bool = True,
        truncate_columns: bool = False,
        time_format: str = "auto",
        date_format: str = "auto",
        accept_invalid_chars: str | None = None,
        round_decimals: bool = False,
        source: str = "",
        max_rejected: int = 100,
    ) -> Decoder: ...
    def feed(self, data: bytes | bytearray | memoryview) -> bytes: ...
    def finish(self) -> bytes: ...
    @property
    def rows(self) -> int: ...
    @property
    def rejected(self) -> int: ...
    @property
    def rejected_rows(self) -> list[RejectedRow]: ...
    @property
    def lines(self) -> int: ...

@final
class RejectedRow:
    """A row the load skipped, with the fields of Redshift's ``STL_LOAD_ERRORS``."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> str: ...
    @property
    def column_type(self) -> str: ...
    @property
    def column_length(self) -> str: ...
    @property
    def position(self) -> int: ...
    @property
    def raw_line(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def code(self) -> int: ...

@final
class ColumnTypeInfo:
    """What the core read from a type's name: its canonical spelling and parameters."""

    @property
    def canonical(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def family(self) -> str: ...
    @property
    def precision(self) -> int | None: ...
    @property
    def scale(self) -> int | None: ...
    @property
    def max_bytes(self) -> int | None: ...
    @property
    def redshift_name(self) -> str: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

def observe_strings(state: tuple[int, int, int, int], strings: Sequence[str]) -> tuple[int, int, int, int]:
    """A column's ``(type code, longest value in bytes, decimal scale, decimal digits before the
    point)`` after it also takes each of the non-empty ``strings``, by ``rio.inference``'s rules."""

def parse_column_type(spec: str, *, warehouse: bool = False) -> ColumnTypeInfo:
    """Read a column type's name (a config's, or with ``warehouse=True`` a warehouse's report).

    Raises ``rio.errors.UnsupportedType`` saying why, with the allowed range.
    """
