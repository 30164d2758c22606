"""Every error rio raises, under one root.

::

    RioError
    ├── ConfigError (also a ValueError): a destination config that cannot be loaded
    │   ├── IncompleteTableName      schema or table missing
    │   ├── InvalidDataTimestamp     data timestamp column missing or not a timestamp column
    │   ├── MultipleDistKeys         more than one DISTKEY column
    │   ├── InvalidSortOrds          sort ordinals are not exactly 1..n
    │   ├── UnsupportedType          a column type rio does not know
    │   ├── InvalidIdentifier        a schema, table or column name Redshift would reject
    │   ├── DuplicateColumn          two columns with one name
    │   ├── InvalidDefault           a default value that is not a literal of its column's type
    │   ├── TooManyColumns           more columns than a Redshift table may have
    │   └── ConfigFileError          a config YAML file that is malformed (names file and field)
    ├── ContractError (also a ValueError): an artefact that breaks rio's file/job contract
    │   ├── InvalidDataDate          a data date that is not RFC 3339
    │   ├── InvalidBase              a storage base that is neither s3://bucket[/prefix] nor a directory
    │   ├── InvalidKey               a key or URL that cannot name a rio artefact
    │   ├── InvalidManifest          a COPY manifest that Redshift would refuse
    │   └── InvalidJob               a job payload that cannot be run
    ├── RowError (also a ValueError): a row that pack() refused; nothing of it was buffered
    │   ├── InvalidJSONInput         bytes or str that are not exactly one JSON object
    │   ├── UnsupportedValue         a dict value rio cannot write as JSON (also a TypeError)
    │   └── InvalidColumnValue       a value that does not fit its column: type, range, length, NOT NULL
    └── PackerClosed                 pack() after close()

The first five config errors carry the Go rio's names and messages, so code ported from it reads the
same; every message then says what exactly is wrong and where.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConfigFileError",
    "ContractError",
    "DuplicateColumn",
    "IncompleteTableName",
    "InvalidBase",
    "InvalidColumnValue",
    "InvalidDataDate",
    "InvalidDataTimestamp",
    "InvalidDefault",
    "InvalidIdentifier",
    "InvalidJSONInput",
    "InvalidJob",
    "InvalidKey",
    "InvalidManifest",
    "InvalidSortOrds",
    "MultipleDistKeys",
    "PackerClosed",
    "RioError",
    "RowError",
    "TooManyColumns",
    "UnsupportedType",
    "UnsupportedValue",
]


class RioError(Exception):
    """The root of every error rio raises on purpose."""


# --- destination configs -------------------------------------------------------------------------


class ConfigError(RioError, ValueError):
    """A destination config (schema, table, columns) that rio cannot load."""


class IncompleteTableName(ConfigError):
    """The schema or the table name is missing."""


class InvalidDataTimestamp(ConfigError):
    """The data timestamp column is missing, or is not a column of type timestamp."""


class MultipleDistKeys(ConfigError):
    """More than one column is marked as the distribution key."""


class InvalidSortOrds(ConfigError):
    """The sort ordinals are not exactly 1, 2, ..., n."""


class UnsupportedType(ConfigError):
    """A column's type is not one that rio can create in every warehouse."""


class InvalidIdentifier(ConfigError):
    """A schema, table or column name that Redshift would reject or silently change."""


class DuplicateColumn(ConfigError):
    """Two columns share one name."""


class InvalidDefault(ConfigError):
    """A column's default value is not a literal of the column's type."""


class TooManyColumns(ConfigError):
    """More columns than a Redshift table may hold."""


class ConfigFileError(ConfigError):
    """A config YAML file that is malformed. The message names the file and the field."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        self.source = source
        self.field = field
        self.problem = problem
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")


# --- the file/job contract -------------------------------------------------------------------------


class ContractError(RioError, ValueError):
    """An artefact (key, manifest, job payload) that breaks rio's file/job contract."""


class InvalidDataDate(ContractError):
    """A data date that is not an RFC 3339 timestamp rio can use."""


class InvalidBase(ContractError):
    """A storage base that is neither ``s3://bucket[/prefix]`` nor a local directory."""


class InvalidKey(ContractError):
    """A key or URL that cannot name a rio artefact."""


class InvalidManifest(ContractError):
    """A COPY manifest that Redshift would refuse, with the reason and the file."""


class InvalidJob(ContractError):
    """A job payload that cannot be run, with the field at fault."""


# --- rows ------------------------------------------------------------------------------------------


class RowError(RioError, ValueError):
    """A row that ``pack`` refused. Nothing of it was buffered; rows packed before it are kept.

    ``row`` is the row's position in the batch given to ``pack_many`` (0 for ``pack``).
    """

    row: int = 0


class InvalidJSONInput(RowError):
    """Bytes or str that are not exactly one JSON object; the message says why and at which byte."""


class UnsupportedValue(RowError, TypeError):
    """A dict value of a type rio cannot write as JSON; the message names the key and the type."""


class InvalidColumnValue(RowError):
    """A value that does not fit its column (type, range, byte length, NOT NULL).

    ``column``, ``value`` (shortened) and ``reason`` say which and why.
    """

    column: str = ""
    value: str = ""
    reason: str = ""


class PackerClosed(RioError):
    """``pack`` or ``flush`` after ``close``: the packer takes no more rows."""
