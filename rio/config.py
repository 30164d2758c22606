"""Destination configs: the table rows go to, and the YAML file that tells a loader how to build it.

The model is the Go rio's ``DestinationConfig``: a schema, a table, an ordered list of :class:`Column`
and the *data timestamp column*, the timestamp column whose values date each row (the Go tools call it
``datadatecolumn``). Each column has a type — any spelling :mod:`rio.types` knows: the Go tools'
names (:class:`ColumnType`: ``boolean``, ``float``, ``int``, ``bigint``, ``date``, ``timestamp``,
``text``, ``longtext``) or the SQL ones (``smallint``, ``decimal(12,2)``, ``varchar(32)``,
``timestamptz``, ``super``, …), kept as written — an optional sort ordinal (1..n gives a compound
sort key in that order), an optional distribution key, a default, NOT NULL and PRIMARY KEY.

Building a config normalises its values but checks nothing; :meth:`DestinationConfig.validate` does,
applying the Go rules first (with their messages) and then rio's stricter ones: a system schema or the
load ledger's table as the destination (:func:`rio.contract.check_destination`), names Redshift would
reject or change, duplicates, types the core cannot read or COPY cannot load from JSON (with the
allowed range), a SUPER distribution or sort key, negative sort ordinals, defaults that are not
literals of their type, and Redshift's column limit.

On disk a config is the YAML that s3-to-redshift reads: a mapping keyed by table name, each entry
``{dest, columns: [{dest, type, sortord, distkey, defaultval, notnull, primarykey}], meta:
{datadatecolumn, schema}}`` with zero values left out, as Go's yaml.v2 writes it. rio adds what it
measured about the data (:class:`DataFacts`) under ``meta.rio``, and COPY's data-conversion options
(:attr:`DestinationConfig.copy_options`) under ``meta`` as their COPY keywords in lower case —
``timeformat``, ``dateformat``, ``acceptinvchars``, ``roundec``, ``truncatecolumns``, ``maxerror`` —
written only when set. The Go worker reads ``meta`` with yaml.v2's non-strict ``Unmarshal`` into a
struct of ``datadatecolumn`` and ``schema``, so it skips every other key. Reading accepts what the Go
tools and people wrote by hand, and refuses anything else with a
:class:`~rio.errors.ConfigFileError` that names the file and the field.
"""

from __future__ import annotations

import datetime as dt
import decimal
import difflib
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
from rio.contract import COPY_KEYWORDS, CopyOptions, check_destination, copy_option
from rio.errors import (
    ConfigError,
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
from rio.types import FAMILIES as _FAMILIES
from rio.types import (
    REDSHIFT,
    DefaultValue,
    SqlFunction,
    column_type,
    parse_timestamp_literal,
)
from rio.types import parse_default as _parse_default

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
    "parse_column_list",
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


def _type_problem(column_type_spec: object) -> str | None:
    """Why a column's type is not one a config may use, in the core's words, or None."""
    try:
        column_type(column_type_spec)
    except UnsupportedType as exc:
        return str(exc)
    return None


# --- default values -------------------------------------------------------------------------------

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


# --- columns and configs --------------------------------------------------------------------------


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
        problem = identifier_problem(column.name, kind="column") or _type_problem(column.type)
        if problem is not None:
            raise ConfigFileError(source, f"item {number} ({column.name})", problem)
        columns.append(column)
    return columns


def _at(index: int, column: Column) -> str:
    return f"{column.name!r} (columns[{index}])"


@dataclass(frozen=True, init=False)
class DestinationConfig:
    """A destination table: schema, table, columns in order, and the data timestamp column.

    ``copy_options`` are COPY's data-conversion options for loads of the table (``meta.timeformat``,
    ``meta.dateformat``, ``meta.acceptinvchars``, ``meta.roundec``, ``meta.truncatecolumns`` and
    ``meta.maxerror`` in the YAML): a job's own options win over them. They are checked when given
    (:class:`rio.contract.CopyOptions`).
    """

    schema: str
    table: str
    columns: tuple[Column, ...] = ()
    data_timestamp_column: str | None = None
    copy_options: CopyOptions = field(default_factory=CopyOptions)

    def __init__(
        self,
        schema: str,
        table: str,
        columns: Iterable[Column] = (),
        data_timestamp_column: str | None = None,
        *,
        copy_options: CopyOptions | None = None,
    ) -> None:
        object.__setattr__(self, "schema", schema)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "columns", _column_tuple(columns))
        object.__setattr__(self, "data_timestamp_column", data_timestamp_column)
        if copy_options is not None and not isinstance(copy_options, CopyOptions):
            raise TypeError(f"copy_options must be a CopyOptions, not {type(copy_options).__name__}")
        object.__setattr__(self, "copy_options", copy_options or CopyOptions())

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
            problem = _type_problem(column.type)
            if problem is not None:
                unknown = "Unknown type. " if problem.startswith("unknown type") else ""
                raise UnsupportedType(
                    f"{unknown}Column {_at(index, column)} has type {column.type!r}: {problem}."
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
            keyed = "distkey" if column.dist_key else "sortord" if column.sort_ord > 0 else None
            if keyed is not None and not _FAMILIES[column_type(column.type).family].keyable:
                raise UnsupportedType(
                    f"Column {_at(index, column)} has type {column.type!r} and {keyed} set; Redshift cannot "
                    "distribute or sort by a SUPER column, so drop the key or key another column."
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
        if _type_problem(column.type) is not None or column_type(column.type).canonical != "timestamp":
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
    for name, value in destination.copy_options.said().items():
        meta[_META_KEYS[name]] = value
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
#: Each COPY option's key under ``meta``: its COPY keyword in lower case, as in the Go worker's COPY.
_META_KEYS = {name: keyword.lower() for name, keyword in COPY_KEYWORDS.items()}


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
        copy_options = self.copy_options(meta, f"{key}.meta")
        destination = DestinationConfig(
            schema, table, columns, data_timestamp_column, copy_options=copy_options
        )
        return TableConfig(key, destination, facts)

    def copy_options(self, meta: _Items, path: str) -> CopyOptions:
        """COPY's options among ``meta``'s keys (``timeformat``, ``maxerror``, …), each checked."""
        said: dict[str, object] = {}
        for name, key in _META_KEYS.items():
            node = meta.get(key)
            if node is None or node.tag == _NULL:
                continue
            if not isinstance(node, ScalarNode):
                self.expect(_join(path, key), node, f"a single value for {COPY_KEYWORDS[name]}")
            value: object
            if node.tag == _BOOL:
                value = self.loader.construct_yaml_bool(node)
            elif node.tag == _INT:
                value = self.loader.construct_yaml_int(node)
            else:
                value = str(node.value)
            try:
                said[name] = copy_option(name, value)
            except ConfigError as exc:
                self.fail(_join(path, key), f"{exc}{_mark(node)}")
        return CopyOptions(**said)  # type: ignore[arg-type]

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
            return parse_timestamp_literal(str(node.value))
        except ValueError as exc:
            self.fail(_join(path, key), f"is {node.value!r}{_mark(node)}: {exc}; expected {expected}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


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
