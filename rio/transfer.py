"""Data that already exists — rows, files, S3 objects, manifests, DataFrames, query results — into a table.

:func:`load` is odo's ``odo(source, target)`` and aws_etl_tools' ``RedshiftTable`` loads, on rio's
pipe and loader: the source's rows are streamed through the Rust core into gzip'd NDJSON parts in a
staging area, a manifest lists them, and the loader runs its one transaction — create the table if
it is absent, append or upsert (last write wins, NULL keys match NULL keys, duplicates within the
batch resolved by input order), COPY, record in the ledger — then the staged objects are removed.

Staging goes to ``base=``, else ``rio.config.S3_BASE_PATH``, else ``$RIO_S3_BASE_PATH`` (or
aws_etl_tools' ``$AWS_ETL_TOOLS_S3_BASE_PATH``), else — for PostgreSQL and DuckDB, which rio loads
itself — a temporary local directory. Redshift's COPY reads only S3, so it needs an S3 base.

A missing table is created from the declared ``columns=``, or from types inferred over the whole
input (and the result says so; :mod:`rio.sources.infer`), with VARCHAR widths from the measured byte
lengths. A source that knows its columns' types (a PostgreSQL query) keeps them: only the columns it
leaves open are inferred.

How to reach S3 is one :class:`~rio.storage_settings.StorageSettings` (``storage=``; the loose
``store_options=`` and ``endpoint_url=``-style keywords are folded into it where :func:`load` is
called, the rest from ``RIO_S3_*``): the source's S3 reads and the staging store both use it.
"""

from __future__ import annotations

import inspect
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from rio import config as rio_config
from rio import redaction
from rio._core import DEFAULT_COMPRESSION_LEVEL
from rio._identifiers import identifier_problem
from rio._words import plural
from rio.adapters import resolve_adapter
from rio.adapters.base import Adapter, DataFile, TableColumn
from rio.config import Column, DataFacts, DestinationConfig
from rio.config._inferred import ROW_NUMBER_KEY
from rio.contract import Job, LoadMode, manifest_digest
from rio.errors import (
    DuplicateColumn,
    IncompleteArgs,
    InvalidIdentifier,
    InvalidMode,
    InvalidTarget,
    LoadError,
    RowError,
    UnknownOption,
    UnsupportedType,
)
from rio.loader.discover import FoundData
from rio.loader.report import Status, TableOutcome
from rio.loader.runner import LoadOptions, load_found
from rio.profiles import safe_url, target_from_url
from rio.storage_settings import SETTING_NAMES, StorageSettings, split_store_options
from rio.types import column_type, config_spelling

if TYPE_CHECKING:
    from rio.inference import ColumnTracker
    from rio.pipe import RedshiftIO
    from rio.sources.files import FileSource

__all__ = [
    "EXISTING_DATA_MODES",
    "ROW_NUMBER_KEY",
    "STAGING_ENVIRONMENT",
    "TransferResult",
    "check_load_options",
    "load",
    "load_option_names",
    "load_rows",
    "resolve_mode",
    "split_target",
    "staging_base",
]

log = redaction.logger("rio.transfer")

#: Environment variables naming the staging base, in the order they are read.
STAGING_ENVIRONMENT = ("RIO_S3_BASE_PATH", "AWS_ETL_TOOLS_S3_BASE_PATH")
#: Rows handed to the core at a time.
_BATCH = 5_000
#: The schema a target without one loads into.
DEFAULT_SCHEMAS = {"duckdb": "main", "postgres": "public", "redshift": "public"}
#: The modes a load of existing data runs. Refresh replaces the rows of a data date, which only a
#: producer's dated data has.
EXISTING_DATA_MODES = (LoadMode.APPEND, LoadMode.TRUNCATE, LoadMode.UPSERT)
#: What to do instead, for keywords people reach for that :func:`load` does not take.
LOAD_KEYWORD_HINTS = {
    "schema": "the schema goes with the table: target='…::schema.table', or table='schema.table'",
}


@dataclass
class TransferResult:
    """What a load of existing data did."""

    outcome: TableOutcome
    source: str
    rows: int
    #: The columns the table was created with when rio inferred them from the data; empty when the
    #: table existed (a load fills its own columns) or was created from declared columns.
    inferred: list[Column] = field(default_factory=list)
    staged: list[str] = field(default_factory=list)  # URLs of staged objects that were kept

    def __post_init__(self) -> None:
        # The source is shown in messages and reprs: a PostgreSQL URL's password never is.
        self.source = redaction.mask_text(self.source)

    @property
    def status(self) -> Status:
        return self.outcome.status

    def raise_for_failure(self) -> TransferResult:
        """Raise the outcome's error if the load failed; return self otherwise."""
        if self.outcome.status is Status.FAILED and self.outcome.error is not None:
            raise self.outcome.error
        return self


def split_target(
    target: str | Mapping[str, Any], table: str | None = None
) -> tuple[dict[str, Any], str, str]:
    """``(warehouse settings, schema, table)`` of odo's ``URL::schema.table`` (or a URL and ``table``)."""
    if isinstance(target, Mapping):
        settings, name = dict(target), table
    else:
        url, separator, name_part = target.rpartition("::")
        if not separator:
            url, name_part = target, ""
        settings = target_from_url(url)
        if name_part and table is not None and name_part != table:
            raise InvalidTarget(f"target names table {name_part!r} and table= says {table!r}; give one")
        name = name_part or table
    if not name:
        raise InvalidTarget(
            f"target {_shown(target)} names no table: write it after '::', as in "
            "postgresql://user@host/db::schema.table or duckdb:///w.duckdb::events"
        )
    schema, dot, table_name = name.rpartition(".")
    if not dot:
        schema = DEFAULT_SCHEMAS.get(str(settings.get("type")), "public")
    for kind, value in (("schema", schema), ("table", table_name)):
        problem = identifier_problem(value, kind=kind)
        if problem is not None:
            raise InvalidIdentifier(f"target {_shown(target)}: {kind} name {value!r} {problem}")
    return settings, schema, table_name


def _shown(target: str | Mapping[str, Any]) -> str:
    if isinstance(target, Mapping):
        return f"{target.get('type', '?')} target"
    return repr(safe_url(target))


def staging_base(base: str | None, adapter_type: str) -> tuple[str, bool]:
    """Where staged parts go, and whether it is a temporary directory rio must remove."""
    chosen = base or rio_config.S3_BASE_PATH
    for name in STAGING_ENVIRONMENT:
        chosen = chosen or os.environ.get(name) or None
    if chosen:
        if adapter_type == "redshift" and not str(chosen).startswith("s3://"):
            raise IncompleteArgs(
                f"Redshift's COPY reads only from S3, and the staging base {chosen!r} is not in S3: set "
                "RIO_S3_BASE_PATH=s3://bucket/prefix (or rio.config.S3_BASE_PATH, or pass base=)"
            )
        return str(chosen), False
    if adapter_type == "redshift":
        raise IncompleteArgs(
            "loading Redshift stages the data in S3 first: set RIO_S3_BASE_PATH=s3://bucket/prefix "
            "(or AWS_ETL_TOOLS_S3_BASE_PATH, rio.config.S3_BASE_PATH, or pass base=)"
        )
    return tempfile.mkdtemp(prefix="rio-staging-"), True


def _check_columns(existing: Sequence[TableColumn]) -> list[Column]:
    """Config columns that let the packer check rows the way COPY will read them into ``existing``:
    every column of a type rio has, but a text without a width (any length fits)."""
    columns = []
    for column in existing:
        try:
            kind = column_type(column.type, warehouse=True)
        except UnsupportedType:
            continue  # a type rio does not have: COPY says what it makes of it
        if kind.canonical == "text" or identifier_problem(column.name) is not None:
            continue
        columns.append(Column(column.name, config_spelling(kind)))
    return columns


def _is_super(spec: str) -> bool:
    try:
        return column_type(spec, warehouse=True).canonical == "super"
    except UnsupportedType:
        return False


class RowPacker(Protocol):
    """What rows are packed into: a :class:`~rio.RedshiftIO`, or a bare :class:`~rio.Packer`."""

    def pack_many(self, rows: Iterable[dict[str, Any]], /) -> object: ...


def pack_rows(
    pipe: RowPacker,
    rows: Iterable[dict[str, Any]],
    source_name: str,
    on_row: Callable[[int], None] | None = None,
) -> int:
    """Pack ``rows`` into a :class:`~rio.RedshiftIO` a batch at a time; return how many.

    A refused row raises its :class:`~rio.errors.RowError` again, naming the source and the row's
    number in the whole input (from 1). ``on_row`` hears the running count after each batch.
    """
    packed = 0
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            packed += _pack_batch(pipe, batch, packed, source_name)
            batch = []
            if on_row is not None:
                on_row(packed)
    packed += _pack_batch(pipe, batch, packed, source_name)
    if on_row is not None:
        on_row(packed)
    return packed


def _pack_batch(pipe: RowPacker, batch: list[dict[str, Any]], before: int, source_name: str) -> int:
    try:
        pipe.pack_many(batch)
    except RowError as exc:
        index = getattr(exc, "row", None)
        number = before + (index + 1 if isinstance(index, int) else len(batch))
        raise _in_source(exc, source_name, number) from exc
    return len(batch)


def _in_source(exc: RowError, source_name: str, number: int | str) -> RowError:
    """``exc`` again, naming the source and the row's number in the whole input instead of its
    place in the batch the packer saw."""
    reason = re.sub(r"^row \d+ \(index \d+\): ", "", str(exc))
    return type(exc)(f"{source_name}: row {number}: {reason}")


def _pack_csv(
    source: FileSource,
    pipe: RedshiftIO,
    infer: bool,
    numbered: bool,
    source_name: str,
    on_row: Callable[[int], None] | None,
) -> tuple[int, ColumnTracker | None]:
    """Pack a CSV source read by the core (:meth:`FileSource.pack_csv`); the rows packed, and with
    ``infer`` a tracker of the types the core inferred. A refused row raises its
    :class:`~rio.errors.RowError` naming the source and the row's number, as :func:`pack_rows` does."""
    from rio.inference import ColumnTracker

    try:
        reader = source.pack_csv(
            pipe._pack_through,
            infer=infer,
            row_number_key=ROW_NUMBER_KEY if numbered else None,
            on_rows=on_row,
        )
    except RowError as exc:
        index = getattr(exc, "row", None)
        raise _in_source(exc, source_name, index + 1 if isinstance(index, int) else "?") from exc
    tracker = ColumnTracker.from_core(reader.column_stats(), reader.rows) if infer else None
    return reader.rows, tracker


def _numbered(rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for number, row in enumerate(rows, start=1):
        yield {**row, ROW_NUMBER_KEY: number}


def resolve_mode(mode: LoadMode | str | None, upsert_keys: Sequence[str], where: str) -> LoadMode:
    """The mode a load of existing data into ``where`` runs: ``mode``, else upsert when there are
    keys, else append. A mode rio does not have, or refresh, is an :class:`InvalidMode` that lists
    the modes it runs; upsert without keys is a :class:`LoadError`."""
    modes = ", ".join(choice.value for choice in EXISTING_DATA_MODES)
    if mode is None:
        return LoadMode.UPSERT if upsert_keys else LoadMode.APPEND
    try:
        chosen = LoadMode(mode)
    except ValueError:
        raise InvalidMode(f"{where}: mode {mode!r} is not a load mode; give one of: {modes}") from None
    if chosen is LoadMode.REFRESH:
        raise InvalidMode(
            f"{where}: refresh replaces a data date's rows, and existing data has no data date; "
            f"give one of: {modes}"
        )
    if chosen is LoadMode.UPSERT and not upsert_keys:
        raise LoadError(f"{where}: upsert needs the key columns that identify a row (upsert_keys=)")
    return chosen


def load_option_names() -> frozenset[str]:
    """The keyword arguments :func:`load` takes besides the object store's
    (:func:`rio.sources.store_option_names`): its own, and :func:`rio.sources.open_source`'s
    (``format``, ``delimiter``…)."""
    from rio.sources import source_option_names

    own = {
        parameter.name
        for parameter in inspect.signature(load).parameters.values()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    return frozenset(own | source_option_names())


def check_load_options(
    function: str,
    options: Mapping[str, Any],
    store_options: Mapping[str, Any] | None = None,
    *,
    set_by_caller: Collection[str] = (),
    hints: Mapping[str, str] | None = None,
) -> None:
    """Raise :class:`UnknownOption` for a keyword :func:`load` does not take, or a key of
    ``store_options`` that opens no store, before anything is opened or read.

    ``function`` names the call as the user wrote it (``rio.load``); ``set_by_caller`` are
    keywords of :func:`load` that it sets itself, so the user may not; ``hints`` are said instead
    of a suggestion for the keywords they name.
    """
    from rio.sources import STORE_KEYWORDS, store_option_names

    UnknownOption.check(
        f"{function}()",
        options,
        load_option_names() - set(set_by_caller),
        passed_on={STORE_KEYWORDS: store_option_names()},
        hints={**LOAD_KEYWORD_HINTS, **(hints or {})},
    )
    UnknownOption.check(f"{function}(store_options=…)", store_options or {}, store_option_names())


def load_rows(
    rows: Iterable[dict[str, Any]] | FileSource,
    adapter: Adapter,
    schema: str,
    table: str,
    *,
    source_name: str = "rows",
    table_columns: Sequence[Column] | None = None,
    upsert_keys: Sequence[str] = (),
    mode: LoadMode | str | None = None,
    create: bool = True,
    base: str | None = None,
    keep_staged: bool = False,
    data_timestamp_column: str | None = None,
    store_options: Mapping[str, Any] | None = None,
    on_row: Callable[[int], None] | None = None,
    storage: StorageSettings | None = None,
    declared_types: Mapping[str, str] | None = None,
    on_super_columns: Callable[[list[str]], None] | None = None,
) -> TransferResult:
    """Stage ``rows`` and load them into ``schema.table`` through ``adapter``; see the module docstring.

    A table that must be created from inferred types has every row watched by a
    :class:`rio.sources.infer.ColumnTracker`; ``declared_types`` (a source's own, by field) are kept
    instead of inferred. ``on_row`` is called with the running row count. The staging store is reached
    with ``storage`` and ``store_options`` (see :func:`load`). ``on_super_columns`` is told, before
    the first row is read, which of the table's columns are SUPER (so a CSV source parses their fields
    as JSON, as COPY from CSV does).
    """
    from rio.pipe import RedshiftIO
    from rio.sources.files import FileSource

    load_mode = resolve_mode(mode, upsert_keys, f"{schema}.{table}")
    session = adapter.connect()
    try:
        existing = adapter.read_columns(session, schema, table)
    finally:
        session.close()
    if existing is None and not create:
        raise LoadError(f"{schema}.{table} does not exist, and creating it was turned off")
    declared = list(table_columns) if table_columns is not None else None
    checks = _check_columns(existing) if existing is not None else declared
    infer = existing is None and declared is None
    if on_super_columns is not None:
        on_super_columns([column.name for column in existing or declared or [] if _is_super(column.type)])
    from rio.inference import ColumnTracker, infer_columns, lower_case_names, measured_widths

    tracker = ColumnTracker()
    where, temporary = staging_base(base, adapter.type)
    settings, options = _storage_of(storage, store_options)
    store = settings.open(where, **options)
    try:
        pipe = RedshiftIO(
            DestinationConfig(schema, table, checks or []),
            store=store,
            check_columns=bool(checks),
            # Staged in a temporary directory and read once by the loader beside it: compressing
            # the parts would cost both sides time for nothing (gzip's stored blocks are still gzip).
            compression_level=0 if temporary and not keep_staged else DEFAULT_COMPRESSION_LEVEL,
        )
        numbered = load_mode is LoadMode.UPSERT
        try:
            if isinstance(rows, FileSource):
                # CSV read and its types inferred in the core, straight into the pipe's packer.
                result_rows, core_tracker = _pack_csv(rows, pipe, infer, numbered, source_name, on_row)
                tracker = core_tracker or tracker
            else:
                feed: Iterable[dict[str, Any]] = _numbered(rows) if numbered else rows
                result_rows = pack_rows(pipe, tracker.track(feed) if infer else feed, source_name, on_row)
            if result_rows == 0:
                raise LoadError(f"{source_name}: no rows to load; {schema}.{table} was left as it was")
            pipe.seal()
            uploaded = pipe.upload_manifest()
        except BaseException:
            # Nothing half-done stays behind: the parts stored so far go.
            pipe.reset(delete_uploaded=True)
            pipe.close_without_sending()
            raise
        pipe.close_without_sending()
        manifest, manifest_url, when = uploaded.manifest, uploaded.url, uploaded.date
        staged_keys = [
            store.base.key_of(url) or "" for url in (*(e.url for e in manifest.entries), manifest_url)
        ]
        inferred: list[Column] = []
        widths: dict[str, int] = {}
        if infer:
            found_columns = infer_columns(tracker, declared=declared_types)
            try:
                inferred = lower_case_names(
                    [c for c in found_columns if c.name != ROW_NUMBER_KEY], source_name
                )
            except DuplicateColumn as exc:
                raise LoadError(str(exc)) from exc  # fields of the data clash: a failed load
            widths = {k: v for k, v in measured_widths(tracker).items() if k != ROW_NUMBER_KEY}
            described = ", ".join(f"{column.name} {column.type}" for column in inferred)
            log.info(
                "%s.%s: types inferred over %s of %s: %s",
                schema,
                table,
                plural(result_rows, "row"),
                source_name,
                described,
            )
        # For a table that exists, no config columns: the load fills the table's own columns.
        creating = [] if existing is not None else list(declared or inferred)
        table_config = DestinationConfig(schema, table, creating, data_timestamp_column=data_timestamp_column)
        found = FoundData(
            schema=schema,
            table=table,
            date=when,
            data_url=manifest_url,
            files=tuple(
                DataFile(entry.url, mandatory=entry.mandatory, size=entry.content_length)
                for entry in manifest.entries
            ),
            gzip=True,
            manifest_sha256=manifest_digest(manifest.to_json()),
            config=table_config,
            config_url="",
            facts=DataFacts(rows=result_rows, max_byte_lengths=widths) if widths else None,
            row_number_key=ROW_NUMBER_KEY if load_mode is LoadMode.UPSERT else None,
        )
        job = Job(
            base=str(store.base),
            schema=schema,
            tables=(table,),
            date=when,
            mode=load_mode,
            upsert_keys=tuple(upsert_keys) or None,
            id=f"rio-load-{secrets.token_hex(4)}",
        )
        outcome = load_found(adapter, store, job, found, LoadOptions())
        # The staging date names files only; it says nothing about the data.
        outcome.date = None
        kept: list[str] = []
        if keep_staged:
            kept = [store.url(key) for key in staged_keys]
        elif not temporary:
            store.delete(staged_keys)
        return TransferResult(outcome, source_name, result_rows, inferred, kept)
    finally:
        store.close()
        if temporary and not keep_staged:
            shutil.rmtree(where, ignore_errors=True)


def load(
    source: Any,
    target: str | Mapping[str, Any] | Adapter,
    *,
    table: str | None = None,
    upsert_keys: Sequence[str] = (),
    mode: LoadMode | str | None = None,
    create: bool = True,
    table_columns: Sequence[Column] | None = None,
    base: str | None = None,
    keep_staged: bool = False,
    data_timestamp_column: str | None = None,
    store_options: Mapping[str, Any] | None = None,
    on_progress: Callable[[int, int, int | None], None] | None = None,
    storage: StorageSettings | None = None,
    **source_options: Any,
) -> TransferResult:
    """Load ``source`` into the table ``target`` names; raise if the load fails.

    ``source``: dicts (or tuples, with ``columns=`` naming their fields), a path or glob,
    ``s3://bucket/key.csv`` or ``s3://bucket/prefix*.csv.gz``, a ``.manifest``, a pandas DataFrame,
    a PostgreSQL URL with ``query=``, or a :class:`rio.sources.Source`; other keyword arguments go
    to :func:`rio.sources.open_source` (``format=``, ``delimiter=``). ``target``:
    ``postgresql://…::schema.table``, ``duckdb:///w.duckdb::table``, ``redshift://…::schema.table``,
    or settings with ``table=``. ``table_columns`` declares the columns of a table to create;
    without them a missing table is created from types inferred over the input. ``on_progress`` is
    called now and then with the rows read, the bytes read and the input's size (None if unknown).

    ``storage`` says how to reach S3, for the source's objects and the staging store alike;
    ``store_options`` (and storage keywords such as ``endpoint_url=`` among the other keyword
    arguments) are folded into it here, and the other ``open_store`` keywords (timeouts…) go to both.

    Before anything is opened, a keyword it does not take is an :class:`~rio.errors.UnknownOption`
    (a TypeError) that lists those it does, and a mode other than append, upsert or truncate is an
    :class:`~rio.errors.InvalidMode` that lists those.
    """
    from rio.sources import FileSource, open_source

    check_load_options("rio.load", source_options, store_options)
    if isinstance(target, Adapter):
        if table is None:
            raise InvalidTarget("with an adapter as the target, give table='schema.table'")
        adapter = target
        _, schema, table_name = split_target(dict(target.settings), table)
    else:
        settings, schema, table_name = split_target(target, table)
        adapter = resolve_adapter(settings)
    # A wrong mode is said before the source is opened (and read, for an upsert, to the end).
    resolve_mode(mode, upsert_keys, f"{schema}.{table_name}")
    loose = {name: source_options.pop(name) for name in SETTING_NAMES & set(source_options)}
    reach, options = _storage_of(StorageSettings.resolve(storage, env={}, **loose), store_options)
    opened = open_source(source, storage=reach, **source_options, **options)
    on_row = None
    if on_progress is not None:

        def on_row(rows: int) -> None:
            on_progress(rows, opened.bytes_read, opened.size)

    with opened:
        # Asked before rows(): a query's types come from the cursor its rows are then read through.
        declared_types = opened.column_types
        # A CSV file source is read in the core (no dict per row); any other gives its rows.
        in_core = isinstance(opened, FileSource) and opened.csv_in_core
        result = load_rows(
            opened if in_core else opened.rows(),
            adapter,
            schema,
            table_name,
            source_name=opened.name,
            table_columns=table_columns,
            upsert_keys=upsert_keys,
            mode=mode,
            create=create,
            base=base,
            keep_staged=keep_staged,
            data_timestamp_column=data_timestamp_column,
            store_options={name: value for name, value in options.items() if name != "store"},
            on_row=on_row,
            storage=reach,
            declared_types=declared_types,
            on_super_columns=opened.parse_json_fields,
        )
    return result.raise_for_failure()


def _storage_of(
    storage: StorageSettings | None, store_options: Mapping[str, Any] | None
) -> tuple[StorageSettings, dict[str, Any]]:
    """One :class:`StorageSettings` from ``storage`` and the loose settings among ``store_options``,
    and the other ``open_store`` keywords. ``RIO_S3_*`` fill the rest as each S3 store opens."""
    loose, rest = split_store_options(store_options)
    return StorageSettings.resolve(storage, env={}, **loose), rest
