"""The destination table (:class:`DestinationConfig`) and :meth:`~DestinationConfig.validate`: the Go
rules first, with their messages, then rio's stricter ones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rio._identifiers import check_identifier, identifier_problem
from rio.columns import Column, parse_default, type_problem
from rio.config._facts import DataFacts
from rio.contract import CopyOptions, check_destination
from rio.errors import (
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
from rio.types import column_type

__all__ = ["MAX_COLUMNS", "DestinationConfig"]

MAX_COLUMNS = 1600
"""The most columns a Redshift table may have."""


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
            problem = type_problem(column.type)
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
        if type_problem(column.type) is not None or column_type(column.type).canonical != "timestamp":
            raise InvalidDataTimestamp(
                f"A data timestamp column must be provided. {name!r} names a column of type "
                f"{column.type!r}; it must name a column of type timestamp."
            )

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Mapping[str, Any]],
        *,
        schema: str,
        table: str,
        data_timestamp_column: str | None = None,
        source_name: str = "rows",
    ) -> DestinationConfig:
        """The config of ``schema.table`` for ``rows``, validated: the columns :func:`rio.load` would
        create for them, and the data timestamp column.

        Every row is read once. Each field's type is the narrowest that takes all its values, as a load
        infers it (:mod:`rio.inference`), text sized by its longest value, names folded to lower case.
        ``data_timestamp_column`` names the column that dates each row (case-blind); it must hold
        timestamps (a ``timestamptz`` or ``date`` column is declared ``timestamp``). Without it the one
        column of type ``timestamp`` is picked, or among several the first present of
        ``data_timestamp``, ``timestamp``, ``ts``, ``event_time``, ``event_timestamp``, ``event_ts``,
        ``time``, ``datetime``, ``occurred_at``, ``created_at``, ``created``; else none is, and the error
        lists the candidates. ``source_name`` labels the rows in errors.

        Raises :class:`~rio.errors.InvalidDataTimestamp` when no column can be picked or the named one
        cannot date the rows, a :class:`~rio.errors.ConfigError` for rows without fields, and what
        :meth:`validate` raises.
        """
        # Imported here: the inference module builds DestinationConfigs, so it stands above this one.
        from rio.config._inferred import infer_destination

        return infer_destination(
            rows,
            schema=schema,
            table=table,
            data_timestamp_column=data_timestamp_column,
            source_name=source_name,
        )

    def to_yaml(self, facts: DataFacts | None = None) -> str:
        """The s3-to-redshift YAML for this table alone, keyed by the table name."""
        # Imported here: the YAML module builds DestinationConfigs, so it stands above this one.
        from rio.config._yaml import TableConfig, dump_config_yaml

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
        from rio.config._yaml import read_table_config  # imported here, as in to_yaml

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
