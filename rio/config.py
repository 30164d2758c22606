"""Destination configs: the table rows go to, and the YAML file that tells a loader how to build it.

The model is the Go rio's ``DestinationConfig``: a schema, a table, an ordered list of :class:`Column`
and the *data timestamp column*, the timestamp column whose values date each row (the Go tools call it
``datadatecolumn``). Each column has one of eight portable :class:`ColumnType`, an optional sort
ordinal (1..n gives a compound sort key in that order), an optional distribution key, a default, NOT
NULL and PRIMARY KEY.

Building a config normalises its values but checks nothing; :meth:`DestinationConfig.validate` does,
applying the Go rules first (with their messages) and then rio's stricter ones: a system schema or the
load ledger's table as the destination (:func:`rio.contract.check_destination`), names Redshift would
reject or change, duplicates, negative sort ordinals, defaults that are not literals of their type, and
Redshift's column limit.

On disk a config is the YAML that s3-to-redshift reads: a mapping keyed by table name, each entry
``{dest, columns: [{dest, type, sortord, distkey, defaultval, notnull, primarykey}], meta:
{datadatecolumn, schema}}`` with zero values left out, as Go's yaml.v2 writes it. rio adds what it
measured about the data (:class:`DataFacts`) under ``meta.rio``, which the Go worker ignores. Reading
accepts what the Go tools and people wrote by hand, and refuses anything else with a
:class:`~rio.errors.ConfigFileError` that names the file and the field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any, NoReturn, TypeAlias

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rio._identifiers import check_identifier, identifier_problem
from rio.contract import check_destination
from rio.errors import (
    ConfigFileError,
    DuplicateColumn,
    IncompleteTableName,
    InvalidDataTimestamp,
    InvalidDefault,
    InvalidIdentifier,
    InvalidSortOrds,
    MultipleDistKeys,
    TooManyColumns,
    UnsupportedType,
)

__all__ = [
    "MAX_COLUMNS",
    "S3_BASE_PATH",
    "Column",
    "ColumnType",
    "DataFacts",
    "DefaultValue",
    "DestinationConfig",
    "SqlFunction",
    "TableConfig",
    "dump_config_yaml",
    "parse_config_yaml",
    "parse_default",
    "read_config_file",
    "read_table_config",
]

#: Where ``rio.loader`` and ``rio.RedshiftTable`` stage data on its way to a table (``s3://bucket/prefix``
#: or a directory); None reads ``$RIO_S3_BASE_PATH`` or ``$AWS_ETL_TOOLS_S3_BASE_PATH`` instead.
S3_BASE_PATH: str | None = None

MAX_COLUMNS = 1600
"""The most columns a Redshift table may have."""


# --- column types ---------------------------------------------------------------------------------


class ColumnType(str, Enum):
    """A column type rio can create in every warehouse, named as in the Go tools' YAML."""

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
        return _REDSHIFT_TYPES[self]

    @property
    def max_bytes(self) -> int | None:
        """The most UTF-8 bytes a value may have (text types only; ``None`` for the others)."""
        return _MAX_BYTES.get(self)


_REDSHIFT_TYPES = {
    ColumnType.BOOLEAN: "boolean",
    ColumnType.FLOAT: "double precision",
    ColumnType.INT: "integer",
    ColumnType.BIGINT: "bigint",
    ColumnType.DATE: "date",
    ColumnType.TIMESTAMP: "timestamp without time zone",
    ColumnType.TEXT: "character varying(256)",
    ColumnType.LONGTEXT: "character varying(65535)",
}

_MAX_BYTES = {ColumnType.TEXT: 256, ColumnType.LONGTEXT: 65535}

_TYPE_NAMES = {kind.value: kind for kind in ColumnType}

_SUPPORTED_TYPES = ", ".join(kind.value for kind in ColumnType)


def _column_type(column_type: str) -> ColumnType:
    kind = _TYPE_NAMES.get(column_type) if isinstance(column_type, str) else None
    if kind is None:
        raise UnsupportedType(
            f"Unknown type. Supported types are {_SUPPORTED_TYPES}. Got {column_type!r}"
            f"{_type_hint(column_type)}."
        )
    return kind


def _type_hint(column_type: object) -> str:
    if isinstance(column_type, str) and column_type.strip().lower() in _TYPE_NAMES:
        return f" (did you mean {column_type.strip().lower()!r}? type names are lower case)"
    return ""


# --- default values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SqlFunction:
    """A default computed by SQL when the row is inserted, e.g. ``getdate()`` or ``current_date``."""

    name: str

    def __str__(self) -> str:
        return self.name


DefaultValue: TypeAlias = bool | int | float | str | dt.date | dt.datetime | SqlFunction
"""A parsed default: a typed literal, or one of the allowed SQL functions."""

DefaultInput: TypeAlias = str | int | float | bool | dt.date | dt.datetime | None

_INT_RANGES = {
    ColumnType.INT: (-(2**31), 2**31 - 1),
    ColumnType.BIGINT: (-(2**63), 2**63 - 1),
}

_BOOLEANS = {
    **dict.fromkeys(("true", "t", "yes", "y", "1"), True),
    **dict.fromkeys(("false", "f", "no", "n", "0"), False),
}

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?"
    r"(Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)

_DATE_FUNCTIONS = frozenset({"current_date"})
_TIMESTAMP_FUNCTIONS = frozenset({"getdate()", "sysdate", "current_timestamp"})

_ACCEPTED = {
    ColumnType.BOOLEAN: "true, false, t, f, yes, no, y, n, 1 or 0 in any case, optionally in single quotes",
    ColumnType.INT: f"a whole number from {-(2**31)} to {2**31 - 1}, optionally in single quotes",
    ColumnType.BIGINT: f"a whole number from {-(2**63)} to {2**63 - 1}, optionally in single quotes",
    ColumnType.FLOAT: (
        "a finite decimal or scientific number such as 1.5 or -2e10, optionally in single quotes"
    ),
    ColumnType.DATE: "a date YYYY-MM-DD, optionally in single quotes, or current_date",
    ColumnType.TIMESTAMP: (
        "YYYY-MM-DD HH:MM:SS[.ffffff] with a space or T and no time zone, optionally in single quotes, "
        "or getdate(), sysdate or current_timestamp"
    ),
    ColumnType.TEXT: "any text of at most 256 bytes of UTF-8 without NUL, optionally as a SQL string literal",
    ColumnType.LONGTEXT: (
        "any text of at most 65535 bytes of UTF-8 without NUL, optionally as a SQL string literal"
    ),
}


_ARTICLES = {ColumnType.INT: "an"}


class _Rejected(Exception):
    """Why a default is not a literal of its type (turned into :class:`InvalidDefault`)."""


def _unquote(raw: str) -> str:
    # The Go tools pasted the default verbatim after DEFAULT, so literals were often written quoted.
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1]
    return raw


def _parse_boolean(raw: str) -> DefaultValue:
    value = _BOOLEANS.get(_unquote(raw).lower())
    if value is None:
        raise _Rejected("it is not a boolean literal")
    return value


def _parse_integer(kind: ColumnType, raw: str) -> DefaultValue:
    text = _unquote(raw)
    if not _INTEGER.fullmatch(text):
        raise _Rejected("it is not a whole number")
    low, high = _INT_RANGES[kind]
    # Python refuses to convert very long digit strings; any that long is out of range anyway.
    if len(text.lstrip("+-").lstrip("0")) > 20 or not low <= int(text) <= high:
        raise _Rejected(f"it is outside the range of {kind.value} ({low} to {high})")
    return int(text)


def _parse_float(raw: str) -> DefaultValue:
    text = _unquote(raw)
    if _NOT_FINITE.fullmatch(text):
        raise _Rejected("NaN and infinity are not allowed")
    if not _NUMBER.fullmatch(text):
        raise _Rejected("it is not a decimal or scientific number")
    value = float(text)
    if not math.isfinite(value):
        raise _Rejected("it is too large for double precision")
    return value


def _parse_date(raw: str) -> DefaultValue:
    if raw.lower() in _DATE_FUNCTIONS:
        return SqlFunction(raw.lower())
    match = _DATE.fullmatch(_unquote(raw))
    if match is None:
        raise _Rejected("it is not a date YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise _Rejected(f"it is not a real date ({exc})") from None


def _match_timestamp(text: str) -> tuple[dt.datetime, str | None]:
    """Parse ``YYYY-MM-DD[ T]HH:MM:SS[.ffffff][zone]`` into a naive datetime and the zone as written."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise _Rejected("it is not a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    micro = int(fraction.ljust(6, "0")) if fraction else 0
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro), zone
    except ValueError as exc:
        raise _Rejected(f"it is not a real date and time ({exc})") from None


def _parse_timestamp(raw: str) -> DefaultValue:
    if raw.lower() in _TIMESTAMP_FUNCTIONS:
        return SqlFunction(raw.lower())
    value, zone = _match_timestamp(_unquote(raw))
    if zone is not None:
        raise _Rejected(f"it has the time zone {zone!r}, but the column is timestamp without time zone")
    return value


def _parse_text(kind: ColumnType, raw: str) -> DefaultValue:
    value = raw
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        inner = raw[1:-1]
        # Only a well-formed SQL literal body (every quote doubled) is unquoted; anything else is the
        # text itself, so no string is ever refused for its quotes.
        if "'" not in inner.replace("''", ""):
            value = inner.replace("''", "'")
    nul = value.find("\x00")
    if nul >= 0:
        raise _Rejected(f"it holds a NUL character (position {nul}), which Redshift cannot store")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise _Rejected(f"it is not valid Unicode text (a lone surrogate at position {exc.start})") from None
    limit = _MAX_BYTES[kind]
    if size > limit:
        hint = "; use longtext for up to 65535 bytes" if kind is ColumnType.TEXT else ""
        raise _Rejected(
            f"it is {size} bytes of UTF-8, more than the {limit} a {kind.value} column holds{hint}"
        )
    return value


def parse_default(column_type: str, raw: str) -> DefaultValue:
    """Parse the default ``raw`` of a column of type ``column_type`` into a typed value.

    Returns a ``bool``, ``int``, ``float``, ``datetime.date``, naive ``datetime.datetime``, ``str`` or a
    :class:`SqlFunction`. Literals may be wrapped in one pair of single quotes. A text default written
    as a SQL string literal (``'it''s'``) is unquoted; ``"''"`` is therefore the empty string.

    Raises :class:`~rio.errors.InvalidDefault` saying why, and :class:`~rio.errors.UnsupportedType` for
    an unknown type.
    """
    kind = _column_type(column_type)
    if not isinstance(raw, str):
        raise TypeError(f"a raw default must be a str, not {type(raw).__name__}")
    try:
        if kind is ColumnType.BOOLEAN:
            return _parse_boolean(raw)
        if kind in (ColumnType.INT, ColumnType.BIGINT):
            return _parse_integer(kind, raw)
        if kind is ColumnType.FLOAT:
            return _parse_float(raw)
        if kind is ColumnType.DATE:
            return _parse_date(raw)
        if kind is ColumnType.TIMESTAMP:
            return _parse_timestamp(raw)
        return _parse_text(kind, raw)
    except _Rejected as exc:
        raise InvalidDefault(
            f"{raw!r} is not a valid default for {_ARTICLES.get(kind, 'a')} {kind.value} column: {exc}. "
            f"Accepted: {_ACCEPTED[kind]}."
        ) from None


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
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        # The Go tools' YAML omits an empty default, so "" and "no default" are one thing.
        return str(value) or None
    raise TypeError(
        f"default_val must be a str, int, float, bool, date or datetime, not {type(value).__name__}"
    )


# --- columns and configs --------------------------------------------------------------------------


@dataclass(frozen=True, init=False)
class Column:
    """One column of a destination table.

    ``sort_ord`` 0 means "not in the sort key"; 1..n give the compound sort key's order.
    ``default_val`` may be given as a str, int, float, bool, date or datetime and is kept as its
    canonical string (what the YAML file holds); :attr:`default_value` is the parsed value.
    Nothing is checked here: :meth:`DestinationConfig.validate` does that.
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


def _at(index: int, column: Column) -> str:
    return f"{column.name!r} (columns[{index}])"


@dataclass(frozen=True, init=False)
class DestinationConfig:
    """A destination table: schema, table, columns in order, and the data timestamp column."""

    schema: str
    table: str
    columns: tuple[Column, ...] = ()
    data_timestamp_column: str | None = None

    def __init__(
        self,
        schema: str,
        table: str,
        columns: Iterable[Column] = (),
        data_timestamp_column: str | None = None,
    ) -> None:
        object.__setattr__(self, "schema", schema)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "columns", _column_tuple(columns))
        object.__setattr__(self, "data_timestamp_column", data_timestamp_column)

    def column(self, name: str) -> Column | None:
        """The column called ``name``, or ``None``."""
        for column in self.columns:
            if column.name == name:
                return column
        return None

    def validate(self) -> None:
        """Raise the first problem found, or return ``None`` when the config can be loaded.

        The order is the Go rio's (table name, data timestamp given, then one pass over the columns,
        sort ordinals, data timestamp column) with rio's own checks slotted in; within the column pass
        the first column with a problem wins.
        """
        if not self.schema or not self.table:
            raise IncompleteTableName(
                f"Must provide both a schema and table name. Got schema {self.schema!r} and table "
                f"{self.table!r}."
            )
        if not self.data_timestamp_column:
            raise InvalidDataTimestamp(
                "A data timestamp column must be provided. It names the timestamp column that dates each "
                f"row (meta.datadatecolumn in the YAML); got {self.data_timestamp_column!r}."
            )
        # Before the identifier checks, so that PG_CATALOG is refused as a system schema rather than
        # corrected to one.
        check_destination(self.schema, self.table)
        check_identifier(self.schema, kind="schema")
        check_identifier(self.table, kind="table")
        self._validate_columns()
        if len(self.columns) > MAX_COLUMNS:
            raise TooManyColumns(
                f"Table {self.schema}.{self.table} has {len(self.columns)} columns; Redshift allows at "
                f"most {MAX_COLUMNS}."
            )
        self._validate_sort_ords()
        self._validate_data_timestamp_column()

    def _validate_columns(self) -> None:
        seen: dict[str, int] = {}
        dist_key: tuple[int, Column] | None = None
        for index, column in enumerate(self.columns):
            problem = identifier_problem(column.name, kind="column")
            if problem is not None:
                raise InvalidIdentifier(f"column name {column.name!r} (columns[{index}]) {problem}.")
            if column.name in seen:
                raise DuplicateColumn(
                    f"Column {column.name!r} appears twice, as columns[{seen[column.name]}] and "
                    f"columns[{index}]; column names must be unique."
                )
            seen[column.name] = index
            if column.dist_key:
                if dist_key is not None:
                    raise MultipleDistKeys(
                        "Cannot have more than one distribution key. Both column "
                        f"{_at(*dist_key)} and column {_at(index, column)} have distkey set."
                    )
                dist_key = (index, column)
            if not isinstance(column.type, str) or column.type not in _TYPE_NAMES:
                raise UnsupportedType(
                    f"Unknown type. Supported types are {_SUPPORTED_TYPES}. Column {_at(index, column)} "
                    f"has type {column.type!r}{_type_hint(column.type)}."
                )
            if not isinstance(column.sort_ord, int) or isinstance(column.sort_ord, bool):
                raise InvalidSortOrds(
                    "Sort ordinals must occur in some ascending order, e.g. 1, 2, 3, 4... "
                    f"Column {_at(index, column)} has sortord {column.sort_ord!r}, which is not an integer."
                )
            if column.sort_ord < 0:
                raise InvalidSortOrds(
                    "Sort ordinals must occur in some ascending order, e.g. 1, 2, 3, 4... "
                    f"Column {_at(index, column)} has sortord {column.sort_ord}; use 0 for a column outside "
                    "the sort key and 1..n for the sort key's order."
                )
            if column.default_val is not None:
                try:
                    parse_default(column.type, column.default_val)
                except InvalidDefault as exc:
                    raise InvalidDefault(f"Column {_at(index, column)}: {exc}") from None

    def _validate_sort_ords(self) -> None:
        keyed = sorted(
            (
                (column.sort_ord, index, column)
                for index, column in enumerate(self.columns)
                if column.sort_ord > 0
            ),
            key=lambda item: (item[0], item[1]),
        )
        expected = 1
        previous: tuple[int, Column] | None = None
        for sort_ord, index, column in keyed:
            if sort_ord == expected:
                expected += 1
                previous = (index, column)
                continue
            if previous is not None and sort_ord == expected - 1:
                problem = (
                    f"{sort_ord} is given to both column {_at(*previous)} and column {_at(index, column)}"
                )
            elif expected == 1:
                problem = f"they start at {sort_ord}, not 1"
            else:
                problem = f"{expected} is missing"
            found = ", ".join(f"{column.name}={sort_ord}" for sort_ord, _, column in keyed)
            raise InvalidSortOrds(
                f"Sort ordinals must occur in some ascending order, e.g. 1, 2, 3, 4... Found {found}: "
                f"{problem}."
            )

    def _validate_data_timestamp_column(self) -> None:
        name = self.data_timestamp_column
        column = self.column(name) if name else None
        if column is None:
            names = ", ".join(repr(column.name) for column in self.columns) or "none"
            raise InvalidDataTimestamp(
                f"A data timestamp column must be provided. {name!r} names no column of "
                f"{self.schema}.{self.table} (its columns: {names}); it must name a column of type timestamp."
            )
        if column.type != ColumnType.TIMESTAMP.value:
            raise InvalidDataTimestamp(
                f"A data timestamp column must be provided. {name!r} names a column of type "
                f"{column.type!r}; it must name a column of type timestamp."
            )

    def to_yaml(self, facts: DataFacts | None = None) -> str:
        """The s3-to-redshift YAML for this table alone, keyed by the table name."""
        return dump_config_yaml([TableConfig(self.table, self, facts)])

    @classmethod
    def from_yaml(
        cls,
        data: bytes | str,
        *,
        table: str | None = None,
        schema: str | None = None,
        source: str = "<string>",
    ) -> DestinationConfig:
        """Read one table's config from s3-to-redshift YAML (without validating it).

        With ``table``, the entry keyed by that name is taken, else the one whose ``dest`` is that name
        (the later Go worker matched on ``dest``); without it the file must hold exactly one entry. With
        ``schema``, ``meta.schema`` must be that schema. Raises :class:`~rio.errors.ConfigFileError`.
        """
        return read_table_config(data, table=table, schema=schema, source=source).destination


def _column_tuple(columns: Iterable[Column]) -> tuple[Column, ...]:
    try:
        items = tuple(columns)
    except TypeError:
        raise TypeError(f"columns must be an iterable of Column, not {type(columns).__name__}") from None
    for index, item in enumerate(items):
        if not isinstance(item, Column):
            raise TypeError(f"columns[{index}] is a {type(item).__name__}, not a Column")
    return items


def _pick_table(tables: Mapping[str, TableConfig], table: str | None, source: str) -> TableConfig:
    held = ", ".join(
        repr(key) if entry.destination.table == key else f"{key!r} (dest {entry.destination.table!r})"
        for key, entry in tables.items()
    )
    if table is None:
        if len(tables) != 1:
            raise ConfigFileError(
                source,
                "",
                f"holds {len(tables)} tables ({held or 'none'}); say which one to read with table=",
            )
        return next(iter(tables.values()))
    if table in tables:
        return tables[table]
    by_dest = [entry for entry in tables.values() if entry.destination.table == table]
    if len(by_dest) > 1:
        keys = ", ".join(repr(entry.key) for entry in by_dest)
        raise ConfigFileError(
            source, "", f"holds several entries with dest {table!r} ({keys}); rename all but one"
        )
    if not by_dest:
        raise ConfigFileError(
            source, "", f"has no table {table!r}, by key or by dest; it holds {held or 'no tables'}"
        )
    return by_dest[0]


# --- facts rio adds under meta.rio ----------------------------------------------------------------


@dataclass(frozen=True)
class DataFacts:
    """What rio measured about the data of one load, kept under ``meta.rio`` in the YAML.

    ``max_byte_lengths`` maps text columns to the longest value seen, in UTF-8 bytes; it is stored as a
    read-only copy in the order given.
    """

    contract: int = 1
    rows: int | None = None
    min_data_timestamp: dt.datetime | None = None
    max_data_timestamp: dt.datetime | None = None
    max_byte_lengths: Mapping[str, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_byte_lengths", MappingProxyType(dict(self.max_byte_lengths)))


def _format_timestamp(value: dt.datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        return value.isoformat()
    # Aware values are written in UTC, so every file reads the same instant the same way.
    return (value - offset).replace(tzinfo=None).isoformat() + "Z"


def _facts_mapping(facts: DataFacts) -> dict[str, Any]:
    written: dict[str, Any] = {"contract": facts.contract}
    if facts.rows is not None:
        written["rows"] = facts.rows
    if facts.min_data_timestamp is not None:
        written["min_data_timestamp"] = _format_timestamp(facts.min_data_timestamp)
    if facts.max_data_timestamp is not None:
        written["max_data_timestamp"] = _format_timestamp(facts.max_data_timestamp)
    if facts.max_byte_lengths:
        written["max_byte_lengths"] = dict(facts.max_byte_lengths)
    return written


# --- YAML -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableConfig:
    """One entry of a config file: its map key, the destination, and rio's facts if any."""

    key: str
    destination: DestinationConfig
    facts: DataFacts | None = None


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, except that it escapes NEL, which it would otherwise read back as a space."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "\x85" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _column_mapping(column: Column) -> dict[str, Any]:
    # Key order and omitted zero values are those of the Go rio's struct under yaml.v2's omitempty.
    written: dict[str, Any] = {"dest": column.name, "type": column.type}
    if column.sort_ord:
        written["sortord"] = column.sort_ord
    if column.dist_key:
        written["distkey"] = True
    if column.default_val is not None:
        written["defaultval"] = column.default_val
    if column.not_null:
        written["notnull"] = True
    if column.primary_key:
        written["primarykey"] = True
    return written


def _entry_mapping(entry: TableConfig) -> dict[str, Any]:
    destination = entry.destination
    meta: dict[str, Any] = {
        "datadatecolumn": destination.data_timestamp_column or "",
        "schema": destination.schema,
    }
    if entry.facts is not None:
        meta["rio"] = _facts_mapping(entry.facts)
    return {
        "dest": destination.table,
        "columns": [_column_mapping(column) for column in destination.columns],
        "meta": meta,
    }


def dump_config_yaml(tables: Iterable[TableConfig]) -> str:
    """The s3-to-redshift YAML for these tables, in the shape the Go rio wrote it."""
    document: dict[str, Any] = {}
    for entry in tables:
        if entry.key in document:
            raise ValueError(f"two tables share the key {entry.key!r}")
        document[entry.key] = _entry_mapping(entry)
    # PyYAML quotes every string that would read back as something else ("100", "true", "", "~"),
    # writes sequences indentless like yaml.v2, and an infinite width keeps each value on one line.
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=float("inf"),
    )


_TAG = "tag:yaml.org,2002:"
_STR, _INT, _BOOL, _NULL = _TAG + "str", _TAG + "int", _TAG + "bool", _TAG + "null"
_MERGE = _TAG + "merge"
_TOP_LEVEL = "a mapping from table name to {dest, columns, meta}"
_AN_ENTRY = "each table's entry to be a mapping with dest, columns and meta"
_ENTRY_KEYS = ("dest", "columns", "meta")
_COLUMN_KEYS = ("dest", "type", "sortord", "distkey", "defaultval", "notnull", "primarykey")
_FACT_KEYS = ("contract", "rows", "min_data_timestamp", "max_data_timestamp", "max_byte_lengths")


def _position(mark: yaml.Mark | None) -> str:
    return "" if mark is None else f" (line {mark.line + 1}, column {mark.column + 1})"


def _mark(node: Node) -> str:
    return _position(node.start_mark)


def _where(node: Node) -> str:
    mark = node.start_mark
    return "" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}: "


def _kind(node: Node) -> str:
    """What a node is, without a word of what it holds: for a file not yet known to be a config."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "nothing (null)"
    style = getattr(node, "style", None)
    if style in ("'", '"'):
        return "a quoted scalar"
    if style in ("|", ">"):
        return "a block scalar"
    return "a plain scalar"


def _pairs(node: MappingNode, seen: frozenset[int] = frozenset()) -> Iterable[tuple[Node, Node]]:
    """A mapping's key and value nodes, with those its ``<<`` merge keys bring in (as YAML reads them)."""
    for key_node, value_node in node.value:
        if key_node.tag != _MERGE:
            yield key_node, value_node
            continue
        merged = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for item in merged:
            if isinstance(item, MappingNode) and id(item) not in seen:
                yield from _pairs(item, seen | {id(node)})


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = str(node.value)
    kinds = {
        _STR: f"the string {value!r}",
        _INT: f"the integer {value}",
        _BOOL: f"the boolean {value}",
        _NULL: "nothing (null)",
        _TAG + "float": f"the number {value}",
        _TAG + "timestamp": f"the timestamp {value}",
    }
    return kinds.get(node.tag, f"{value!r} ({node.tag})")


class _Items(dict[str, Node]):
    """A mapping's value nodes by key, remembering the mapping itself to point at a missing key."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node

    def missing(self) -> str:
        mark = self.node.start_mark
        where = "" if mark is None else f" that starts at line {mark.line + 1}, column {mark.column + 1}"
        return f"is missing from the mapping{where}"


class _Reader:
    """Reads the node tree PyYAML's safe loader composes, so that every error can name its line.

    Working on nodes rather than on ``safe_load``'s objects also keeps a plain ``defaultval`` as the
    text written, as Go's yaml.v2 did for a string field (``010`` stays ``010``, not 8).
    """

    def __init__(self, loader: yaml.SafeLoader, source: str) -> None:
        self.loader = loader
        self.source = source

    def fail(self, path: str, problem: str) -> NoReturn:
        raise ConfigFileError(self.source, path, problem)

    def expect(self, path: str, node: Node, expected: str) -> NoReturn:
        self.fail(path, f"expected {expected}, found {_describe(node)}{_mark(node)}")

    def mapping(self, node: Node, path: str, known: tuple[str, ...] | None, what: str) -> _Items:
        """The mapping's items by key; with ``known``, any other key is an error."""
        if not isinstance(node, MappingNode):
            self.expect(path, node, what)
        seen: dict[str, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag != _STR:
                continue
            if key_node.value in seen:
                self.fail(
                    _join(path, key_node.value),
                    f"appears twice{_mark(seen[key_node.value])} and{_mark(key_node)}",
                )
            seen[key_node.value] = key_node
        try:
            # Resolves ``<<: *anchor`` merge keys; the keys written in the mapping itself win.
            self.loader.flatten_mapping(node)
        except yaml.YAMLError as exc:
            self.fail(path, f"has a malformed merge key: {describe_yaml_error(exc)}")
        items = _Items(node)
        for key_node, value_node in node.value:
            if key_node.tag != _STR:
                self.fail(path, f"keys must be strings, found {_describe(key_node)}{_mark(key_node)}")
            key = str(key_node.value)
            if known is not None and key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "."
                self.fail(
                    _join(path, key),
                    f"unknown key {key!r}{_mark(key_node)}{hint} Known keys: {', '.join(known)}",
                )
            items[key] = value_node
        return items

    def string(self, items: _Items, key: str, path: str, *, required: bool) -> str | None:
        node = items.get(key)
        if node is None or (node.tag == _NULL and not required):
            if required:
                self.fail(_join(path, key), f"{items.missing()}; expected a non-empty string")
            return None
        if node.tag != _STR:
            self.expect(_join(path, key), node, "a string (quote it if YAML reads it as something else)")
        return str(node.value)

    def name(self, items: _Items, key: str, path: str) -> str:
        value = self.string(items, key, path, required=True)
        if not value:
            self.fail(_join(path, key), f"is empty{_mark(items[key])}; expected a non-empty string")
        return value

    def integer(self, items: _Items, key: str, path: str) -> int | None:
        node = items.get(key)
        if node is None or node.tag == _NULL:
            return None
        if node.tag != _INT or not isinstance(node, ScalarNode):
            self.expect(_join(path, key), node, "an integer")
        return self.loader.construct_yaml_int(node)

    def boolean(self, items: _Items, key: str, path: str) -> bool:
        node = items.get(key)
        if node is None or node.tag == _NULL:
            return False
        if node.tag != _BOOL or not isinstance(node, ScalarNode):
            self.expect(_join(path, key), node, "true or false")
        return self.loader.construct_yaml_bool(node)

    def document(self, root: Node | None) -> dict[str, TableConfig]:
        if root is None:
            self.fail("", f"is empty; expected {_TOP_LEVEL}")
        self.recognise(root)
        tables = self.mapping(root, "", None, f"{_TOP_LEVEL} at the top level")
        return {key: self.entry(key, node) for key, node in tables.items()}

    def recognise(self, root: Node) -> None:
        """Refuse a file that is not a config at all, in words that give nothing of it away.

        A config is a mapping of table names to mappings that hold at least one of rio's keys (dest,
        columns, meta). Until a file is seen to be one it may be any file at all (``/etc/passwd``, a
        YAML file of secrets), so these messages name positions and kinds only, never a key or a
        value; the messages after this point, which do, are about a config.
        """
        if not isinstance(root, MappingNode):
            self.fail("", f"{_where(root)}expected {_TOP_LEVEL}, found {_kind(root)}")
        for key_node, value_node in _pairs(root):
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR:
                self.fail(
                    "",
                    f"{_where(key_node)}expected table names as the keys of {_TOP_LEVEL}, "
                    f"found {_kind(key_node)}",
                )
            if not isinstance(value_node, MappingNode):
                self.fail("", f"{_where(value_node)}expected {_AN_ENTRY}, found {_kind(value_node)}")
            keys = {
                key.value for key, _ in _pairs(value_node) if isinstance(key, ScalarNode) and key.tag == _STR
            }
            if keys.isdisjoint(_ENTRY_KEYS):
                self.fail("", f"{_where(value_node)}expected {_AN_ENTRY}, found a mapping with none of them")

    def entry(self, key: str, node: Node) -> TableConfig:
        items = self.mapping(node, key, _ENTRY_KEYS, "a mapping with dest, columns and meta")
        table = self.name(items, "dest", key)
        columns_node = items.get("columns")
        columns: list[Column] = []
        if columns_node is not None and columns_node.tag != _NULL:
            if not isinstance(columns_node, SequenceNode):
                self.expect(f"{key}.columns", columns_node, "a list of columns")
            columns = [
                self.column(f"{key}.columns[{index}]", item) for index, item in enumerate(columns_node.value)
            ]
        if "meta" not in items:
            self.fail(f"{key}.meta", f"{items.missing()}; expected a mapping with schema and datadatecolumn")
        meta = self.mapping(items["meta"], f"{key}.meta", None, "a mapping with schema and datadatecolumn")
        for required in ("schema", "datadatecolumn"):
            if required not in meta:
                close = difflib.get_close_matches(required, list(meta), n=1)
                hint = f" (found {close[0]!r}: a typo?)" if close else ""
                self.fail(
                    f"{key}.meta.{required}",
                    f"{meta.missing()}{hint}; the Go worker requires it",
                )
        schema = self.name(meta, "schema", f"{key}.meta")
        data_timestamp_column = self.name(meta, "datadatecolumn", f"{key}.meta")
        facts = self.facts(f"{key}.meta.rio", meta["rio"]) if "rio" in meta else None
        destination = DestinationConfig(schema, table, columns, data_timestamp_column)
        return TableConfig(key, destination, facts)

    def column(self, path: str, node: Node) -> Column:
        items = self.mapping(node, path, _COLUMN_KEYS, "a mapping with dest and type")
        return Column(
            name=self.string(items, "dest", path, required=True) or "",
            type=self.string(items, "type", path, required=True) or "",
            sort_ord=self.integer(items, "sortord", path) or 0,
            dist_key=self.boolean(items, "distkey", path),
            default_val=self.default(items, path),
            not_null=self.boolean(items, "notnull", path),
            primary_key=self.boolean(items, "primarykey", path),
        )

    def default(self, items: _Items, path: str) -> str | None:
        node = items.get("defaultval")
        if node is None or node.tag == _NULL:
            return None
        if not isinstance(node, ScalarNode):
            self.expect(f"{path}.defaultval", node, "a single value")
        # Any scalar is kept as the text written: yaml.v2 filled Go's string field that way.
        return str(node.value)

    def facts(self, path: str, node: Node) -> DataFacts:
        items = self.mapping(node, path, _FACT_KEYS, "a mapping of rio's facts about the data")
        contract = self.integer(items, "contract", path)
        if contract is not None and contract < 1:
            self.fail(f"{path}.contract", f"is {contract}{_mark(items['contract'])}; expected 1 or more")
        rows = self.integer(items, "rows", path)
        if rows is not None and rows < 0:
            self.fail(f"{path}.rows", f"is {rows}{_mark(items['rows'])}; expected 0 or more")
        lengths: dict[str, int] = {}
        if "max_byte_lengths" in items and items["max_byte_lengths"].tag != _NULL:
            lengths_path = f"{path}.max_byte_lengths"
            entries = self.mapping(
                items["max_byte_lengths"], lengths_path, None, "a mapping of column to bytes"
            )
            for name in entries:
                length = self.integer(entries, name, lengths_path)
                if length is None or length < 0:
                    self.fail(
                        _join(lengths_path, name),
                        f"is {_describe(entries[name])}{_mark(entries[name])}; expected a byte count of 0 "
                        "or more",
                    )
                lengths[name] = length
        return DataFacts(
            contract=1 if contract is None else contract,
            rows=rows,
            min_data_timestamp=self.timestamp(items, "min_data_timestamp", path),
            max_data_timestamp=self.timestamp(items, "max_data_timestamp", path),
            max_byte_lengths=lengths,
        )

    def timestamp(self, items: _Items, key: str, path: str) -> dt.datetime | None:
        node = items.get(key)
        if node is None or node.tag == _NULL:
            return None
        expected = "an ISO 8601 timestamp such as '2026-11-21T10:15:00Z'"
        if node.tag not in (_STR, _TAG + "timestamp"):
            self.expect(_join(path, key), node, expected)
        try:
            return _parse_fact_timestamp(str(node.value))
        except _Rejected as exc:
            self.fail(_join(path, key), f"is {node.value!r}{_mark(node)}: {exc}; expected {expected}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _parse_fact_timestamp(text: str) -> dt.datetime:
    value, zone = _match_timestamp(text)
    if zone is None:
        return value
    if zone == "Z":
        return value.replace(tzinfo=dt.timezone.utc)
    digits = zone[1:].replace(":", "")
    offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or "0"))
    try:
        return value.replace(tzinfo=dt.timezone(-offset if zone[0] == "-" else offset))
    except ValueError as exc:
        raise _Rejected(f"its time zone is out of range ({exc})") from None


def _decode(data: bytes | bytearray | str, source: str) -> str:
    if isinstance(data, str):
        return data
    if data[:2] == b"\x1f\x8b":
        raise ConfigFileError(
            source,
            "",
            "is gzip-compressed; the old Go rio wrote gzip'd configs, but rio reads plain YAML, so "
            "gunzip it first",
        )
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            source, "", f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} is invalid"
        ) from None


#: PyYAML's problems that quote the file, and what rio says instead.
_YAML_REWORDED = tuple(
    (re.compile(pattern, re.DOTALL), words)
    for pattern, words in (
        (r"found character .* that cannot start any token", "found a character that cannot start any token"),
        (r"found undefined alias .*", "found an undefined alias"),
        (r"found duplicate anchor .*", "found a duplicate anchor"),
        (r"found unknown escape character .*", "found an unknown escape character"),
        (r"found undefined tag handle .*", "found an undefined tag handle"),
        (r"duplicate tag handle .*", "found a duplicate tag handle"),
        (r"could not determine a constructor for the tag .*", "found a tag rio does not read"),
        (r"could not find expected ':'", "could not find the colon that ends a key"),
    )
)
#: PyYAML's names of tokens, which it quotes in "expected …, but found …".
_YAML_TOKENS = {
    "<directive>": "a directive",
    "<document start>": "the start of a document",
    "<document end>": "the end of a document",
    "<stream start>": "the start of the file",
    "<stream end>": "the end of the file",
    "<block sequence start>": "a list",
    "<block mapping start>": "a mapping",
    "<block end>": "the end of a block",
    "[": "the start of a flow list",
    "{": "the start of a flow mapping",
    "]": "the end of a flow list",
    "}": "the end of a flow mapping",
    "?": "a key indicator",
    ":": "a colon",
    "-": "a list item",
    ",": "a comma",
    "<alias>": "an alias",
    "<anchor>": "an anchor",
    "<tag>": "a tag",
    "<scalar>": "a scalar",
}
_YAML_EXPECTED = {
    "',' or ']'": "a comma or the end of a flow list",
    "',' or '}'": "a comma or the end of a flow mapping",
    "'<document start>'": "the start of a document",
    "<block end>": "the end of a block",
}
_BUT_FOUND = re.compile(r"expected (?P<expected>.*?),? but (?:found|got) (?P<found>.*)", re.DOTALL)
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def _yaml_words(text: str) -> str:
    """PyYAML's problem ``text`` without any fragment of the file it quotes."""
    for pattern, words in _YAML_REWORDED:
        if pattern.fullmatch(text):
            return words
    match = _BUT_FOUND.fullmatch(text)
    if match is not None:
        expected = _YAML_EXPECTED.get(match["expected"], match["expected"])
        found = match["found"]
        if _QUOTED.fullmatch(found):
            found = _YAML_TOKENS.get(found[1:-1], "another character")
        return (
            f"expected {_QUOTED.sub('a character', expected)}, but found {_QUOTED.sub('a character', found)}"
        )
    # Whatever else PyYAML quotes comes from the file: it goes.
    return _QUOTED.sub("a character", text)


def describe_yaml_error(exc: yaml.YAMLError, text: str = "") -> str:
    """What is wrong with a YAML file, with positions and kinds but never a word of the file itself.

    ``str()`` of PyYAML's errors shows the offending line, and its problems quote characters and
    names from it; a file that fails to parse may be any file, so none of that is repeated.
    ``text`` (the file's text) places a character PyYAML's reader refused.
    """
    if isinstance(exc, yaml.MarkedYAMLError):
        described = ""
        for words, mark in ((exc.context, exc.context_mark), (exc.problem, exc.problem_mark)):
            if words:
                # A context without a position of its own runs on into the problem.
                joint = "" if not described else (": " if described.endswith(")") else ", ")
                described += f"{joint}{_yaml_words(words)}{_position(mark)}"
        return described or "malformed"
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        position = int(exc.position)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        return (
            f"the character U+{exc.character:04X} (line {line}, column {column}) is not allowed in a "
            "YAML file"
        )
    return f"malformed ({type(exc).__name__})"


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    return f"is not valid YAML: {describe_yaml_error(exc, text)}"


def parse_config_yaml(data: bytes | str, *, source: str = "<string>") -> dict[str, TableConfig]:
    """Read every table of an s3-to-redshift config file, keyed by map key in file order.

    Accepts what the Go tools wrote and what people wrote for them (zero values left out, a
    ``defaultval`` as any YAML scalar, extra keys in ``meta``). Does not validate the configs; raises
    :class:`~rio.errors.ConfigFileError` naming ``source`` and the field for a malformed file.
    """
    text = _decode(data, source)
    try:
        # The reader checks the characters as soon as it is made, so making it can fail too.
        loader = yaml.SafeLoader(text)
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise ConfigFileError(source, "", _yaml_problem(exc, text)) from None
    try:
        return _Reader(loader, source).document(root)
    finally:
        loader.dispose()


def read_table_config(
    data: bytes | str,
    *,
    table: str | None = None,
    schema: str | None = None,
    source: str = "<string>",
) -> TableConfig:
    """One table's entry of a config file, with rio's facts when the file has them.

    Picks the entry like :meth:`DestinationConfig.from_yaml` and makes the same checks.
    """
    tables = parse_config_yaml(data, source=source)
    entry = _pick_table(tables, table, source)
    if schema is not None and entry.destination.schema != schema:
        raise ConfigFileError(
            source,
            f"{entry.key}.meta.schema",
            f"mismatched schema: the file says {entry.destination.schema!r}, the load is for {schema!r}",
        )
    return entry


def read_config_file(
    path: str | os.PathLike[str],
    *,
    table: str | None = None,
    schema: str | None = None,
) -> DestinationConfig:
    """Read one table's config from a YAML file, as :meth:`DestinationConfig.from_yaml` does."""
    with open(path, "rb") as handle:
        data = handle.read()
    return DestinationConfig.from_yaml(data, table=table, schema=schema, source=os.fspath(path))
