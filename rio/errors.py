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
    │   │   └── ReservedName         a system schema, or the load ledger's table, as a destination
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
    ├── PackerClosed                 pack() after close()
    ├── UnknownOption (also a TypeError): a keyword a rio function does not take; lists those it does
    ├── StorageError: an object store operation that failed, naming the URL and what to do
    │   ├── ObjectNotFound           the object does not exist
    │   └── AccessRefused            a read outside the bases rio serve was told to allow
    ├── PipeError: a RedshiftIO call that is not allowed now, or whose work failed
    │   ├── IncompleteArgs           the pipe lacks a destination, a bucket or base, or credentials
    │   ├── PipeIsClosed             any call but close() after close()
    │   ├── PipeIsSealed             pack() on a sealed pipe
    │   ├── SendingInProgress        a call while send() runs
    │   ├── PackageNotSealed         a custom manifest of a pipe that is not sealed
    │   ├── NoJobEndpoint            nowhere to send the job
    │   ├── UploadFailed             a part could not be stored; it is kept and retried
    │   └── JobSubmissionFailed      the job endpoint refused the job or could not be reached
    │       └── JobNotFinished       waiting for a posted job's outcome ran out of time
    ├── LoadError: a load of one table that could not run; nothing of it was committed
    │   ├── DataNotFound             no data (or no config) for the table and date
    │   ├── SchemaMismatch           the table differs from the config: column, property, both values
    │   ├── CopyFailed               COPY refused rows: each with file, line, column, value, reason, code
    │   ├── LoadRefused              the load would break a rule (append with force would double rows)
    │   ├── InvalidMode              a load mode rio does not have, or one this load cannot run (a ValueError)
    │   ├── UnknownAdapter           no warehouse adapter for a URL scheme or profile type
    │   │   └── InvalidTarget        a target URI that names no table (URL::schema.table)
    │   └── WarehouseError           the warehouse failed: connection, SQL, or a lost transaction
    ├── SourceError: existing data that cannot be read, naming the file or URL and the line or row
    │   ├── NoSuchSource             a file, object or glob that names nothing
    │   ├── UnsupportedSource        a scheme, format or kind of input rio cannot read
    │   ├── MalformedInput           input that breaks its format: CSV, JSON, UTF-8, gzip, row shape
    │   └── ValueTooLong             a text value longer than any column rio can create holds
    └── ServerError: rio serve cannot start or run
        └── StateError               its state database cannot be opened, read or written

The first five config errors and the pipe errors carry the Go rio's names and messages, so code
ported from it reads the same; every message then says what exactly is wrong and where.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping

from rio.redaction import mask_text

__all__ = [
    "AccessRefused",
    "ConfigError",
    "ConfigFileError",
    "ContractError",
    "CopyFailed",
    "DataNotFound",
    "DuplicateColumn",
    "IncompleteArgs",
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
    "InvalidMode",
    "InvalidSortOrds",
    "InvalidTarget",
    "JobNotFinished",
    "JobSubmissionFailed",
    "LoadError",
    "LoadRefused",
    "MalformedInput",
    "MultipleDistKeys",
    "NoJobEndpoint",
    "NoSuchSource",
    "ObjectNotFound",
    "PackageNotSealed",
    "PackerClosed",
    "PipeError",
    "PipeIsClosed",
    "PipeIsSealed",
    "ReservedName",
    "RioError",
    "RowError",
    "SchemaMismatch",
    "SendingInProgress",
    "ServerError",
    "SourceError",
    "StateError",
    "StorageError",
    "TooManyColumns",
    "UnknownAdapter",
    "UnknownOption",
    "UnsupportedSource",
    "UnsupportedType",
    "UnsupportedValue",
    "UploadFailed",
    "ValueTooLong",
    "WarehouseError",
]


class RioError(Exception):
    """The root of every error rio raises on purpose.

    Its message goes through :func:`rio.redaction.mask_text` when it is made, so no error rio raises
    carries a credential, whatever a driver's message it repeats.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(mask_text(arg) if isinstance(arg, str) else arg for arg in args))


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


class ReservedName(InvalidIdentifier):
    """A destination rio never loads into: a system schema, or a table named like the load ledger."""


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


# --- keyword arguments -----------------------------------------------------------------------------


class UnknownOption(RioError, TypeError):
    """A keyword argument that a rio function does not take (a TypeError, as Python's own is).

    The message names the keyword, suggests the nearest one the function takes, and lists them all,
    sorted. ``option`` is the keyword; ``accepted`` every one the function takes.
    """

    def __init__(self, message: str, *, option: str = "", accepted: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.option = option
        self.accepted = tuple(sorted(accepted))

    @classmethod
    def check(
        cls,
        function: str,
        given: Iterable[str],
        accepted: Collection[str],
        *,
        passed_on: Mapping[str, Collection[str]] | None = None,
        hints: Mapping[str, str] | None = None,
    ) -> None:
        """Raise for the first of ``given`` (in sorted order) that the function does not take.

        ``function`` is how the caller wrote the call (``rio.load()``). It takes ``accepted``, and
        the keywords it passes on to others, listed apart by who takes them (``{"the object
        store's": {...}}``). ``hints`` say, for a keyword people often try, what to do instead.
        """
        groups = dict(passed_on or {})
        every = set(accepted).union(*groups.values())
        unknown = sorted(set(given) - every)
        if not unknown:
            return
        option = unknown[0]
        hint = (hints or {}).get(option)
        if hint is None:
            close = difflib.get_close_matches(option, sorted(every), n=1)
            hint = f"did you mean {close[0]!r}?" if close else None
        # Python's own words for the same mistake, so that code matching them keeps working.
        said = f"{function} got an unexpected keyword argument {option!r}"
        if hint:
            said += f" ({hint})"
        said += f"; it takes: {', '.join(sorted(accepted))}"
        for whose, names in groups.items():
            said += f"; and {whose}: {', '.join(sorted(names))}"
        raise cls(said, option=option, accepted=every)


# --- object stores ---------------------------------------------------------------------------------


class StorageError(RioError):
    """An object store operation that failed. ``url`` names the object or prefix."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class ObjectNotFound(StorageError):
    """The object does not exist."""


class AccessRefused(StorageError):
    """A read refused before it happened: the object lies outside every base the operator allowed."""


# --- the pipe --------------------------------------------------------------------------------------


class PipeError(RioError):
    """A RedshiftIO call that is not allowed in the pipe's state, or whose work failed."""


class IncompleteArgs(PipeError):
    """The pipe lacks a destination config, a bucket or base, or credentials."""


class PipeIsClosed(PipeError):
    """Any call but close() on a closed pipe."""


class PipeIsSealed(PipeError):
    """pack() on a sealed pipe; unseal() or send() first."""


class SendingInProgress(PipeError):
    """A call while send() is running."""


class PackageNotSealed(PipeError):
    """A custom manifest of a pipe that is not sealed."""


class NoJobEndpoint(PipeError):
    """send() with neither a job endpoint nor a warehouse to load into."""


class UploadFailed(PipeError):
    """A part could not be stored. The part is kept, and seal() or send() stores it again."""


class JobSubmissionFailed(PipeError):
    """The job endpoint refused the job or could not be reached. ``status`` is the HTTP status, if any."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class JobNotFinished(JobSubmissionFailed):
    """Waiting for a posted job's outcome ran out of time; the job goes on on the server."""


# --- loads -----------------------------------------------------------------------------------------


class LoadError(RioError):
    """A load of one table that could not run. Nothing of it was committed."""


class DataNotFound(LoadError):
    """No data, or no config, for the table and date."""


class SchemaMismatch(LoadError):
    """The table differs from the config in a way rio will not change."""


class CopyFailed(LoadError):
    """COPY refused rows. ``errors`` holds each: file, line, column, value, reason, code."""

    def __init__(self, message: str, *, errors: list[object] | None = None) -> None:
        super().__init__(message)
        self.errors = list(errors or [])


class LoadRefused(LoadError):
    """The load would break a rule, such as force in append mode (it would double the rows)."""


class InvalidMode(LoadError, ValueError):
    """A load mode rio does not have, or one this kind of load cannot run; the message lists the modes."""


class UnknownAdapter(LoadError):
    """No warehouse adapter is known for a URL scheme or profile type."""


class InvalidTarget(UnknownAdapter):
    """A target URI that does not name a warehouse and a table (``URL::schema.table``)."""


class WarehouseError(LoadError):
    """The warehouse failed: a connection, a statement, or a transaction that could not commit."""


# --- sources of existing data ----------------------------------------------------------------------


class SourceError(RioError):
    """Existing data (a file, object, glob, manifest, DataFrame or query) that cannot be read.

    ``source`` names the file, URL or description; ``line`` is the line (or row) number the
    problem is at, when there is one.
    """

    def __init__(self, message: str, *, source: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.line = line


class NoSuchSource(SourceError):
    """A file, object or glob that names nothing, or a mandatory manifest entry that is missing."""


class UnsupportedSource(SourceError, ValueError):
    """A URL scheme, format or kind of input that rio cannot read."""


class MalformedInput(SourceError, ValueError):
    """Input that breaks its format: a ragged CSV row, bad JSON, invalid UTF-8, corrupt gzip."""


class ValueTooLong(SourceError, ValueError):
    """A text value of more bytes than the widest column rio creates (VARCHAR(65535)) holds."""


# --- rio serve ---------------------------------------------------------------------------------------


class ServerError(RioError):
    """``rio serve`` cannot start or run: the message says what failed and what to do."""


class StateError(ServerError):
    """The state database cannot be opened, read or written; the message names its path."""
