"""The load of one table, in one transaction, and of a whole job, one table after another.

The order inside the transaction is fixed: create the table if it is absent, lock it, read its
columns, consult the ledger, check staleness, change the schema, apply the mode, COPY, write the
ledger row, commit. Any error rolls the whole table back. A clash with another transaction — a
serialisation conflict (PostgreSQL's 40001, Redshift's 1023), another loader creating the same table
at the same moment — runs the transaction again after a pause, logged with the adapter's reason
(:meth:`~rio.adapters.base.Adapter.retry_reason`); a load error never does. One table's failure
never stops the others of the job.

The ledger (``rio_loads``) records every load by table, data date and data (the manifest's SHA-256,
or the file's URL), which is what makes retries safe: a job whose table, date and data are in it is
"already loaded" and does nothing, while another producer's data that carries the same date still
loads. ``force`` loads again only in a mode that first removes the old rows.

COPY's data-conversion options (TIMEFORMAT, DATEFORMAT, ACCEPTINVCHARS, ROUNDEC, TRUNCATECOLUMNS,
MAXERROR) come from the job where it sets them, else from the config's ``meta``, else from
:class:`LoadOptions`, else Redshift's defaults (:func:`copy_options_of`); the COPY gets them all.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from rio import contract, redaction
from rio.adapters import resolve_adapter
from rio.adapters.base import Adapter, CopyRequest, Session, TableColumn, varchar_width
from rio.config import DestinationConfig
from rio.contract import LEDGER_TABLE, CopyOptions, Granularity, Job, LoadMode
from rio.errors import LoadRefused, RioError, SchemaMismatch
from rio.loader.discover import FoundData, find_data
from rio.loader.report import LoadReport, Status, TableOutcome
from rio.loader.schema import plan_schema
from rio.storage import ObjectStore
from rio.storage_settings import StorageSettings

__all__ = ["LEDGER_TABLE", "LoadOptions", "copy_options_of", "load_found", "load_table", "run_job"]

log = redaction.logger("rio.loader")

_LEDGER_COLUMNS = (
    ("schema_name", "varchar(127) NOT NULL"),
    ("table_name", "varchar(127) NOT NULL"),
    ("data_date", "timestamp NOT NULL"),
    ("mode", "varchar(16) NOT NULL"),
    ("manifest_url", "varchar(1024)"),
    ("manifest_sha256", "varchar(64)"),
    ("rows_loaded", "bigint NOT NULL"),
    ("job_id", "varchar(128)"),
    ("loaded_at", "timestamp NOT NULL"),
)


@dataclass(frozen=True)
class LoadOptions:
    """How loads run, beyond what the job says.

    ``max_errors`` (MAXERROR) and ``truncate_columns`` (TRUNCATECOLUMNS) are the defaults of loads
    whose job and config both leave them unsaid; see :func:`copy_options_of`.
    """

    ledger_schema: str | None = None  # default: the table's schema
    max_errors: int = 0  # Redshift's MAXERROR
    truncate_columns: bool = False  # Redshift's TRUNCATECOLUMNS
    attempts: int = 5  # runs of a transaction that clashes with others (see Adapter.retry_reason)
    backoff: float = 0.2
    dry_run: bool = False


def copy_options_of(job: Job, config: DestinationConfig, options: LoadOptions = LoadOptions()) -> CopyOptions:
    """The COPY options a load of ``config``'s table by ``job`` runs with: each one the job sets, else
    the one the config's ``meta`` sets, else the loader's default (``options``), else Redshift's."""
    loader = CopyOptions(max_errors=options.max_errors, truncate_columns=options.truncate_columns)
    return job.copy_options.over(config.copy_options).over(loader)


def _copy_request(copy: CopyOptions, **fields: Any) -> CopyRequest:
    """A CopyRequest with ``fields`` and the resolved COPY options (Redshift's defaults where unsaid)."""
    return CopyRequest(
        **fields,
        max_errors=copy.max_errors or 0,
        truncate_columns=bool(copy.truncate_columns),
        time_format=copy.time_format or "auto",
        date_format=copy.date_format or "auto",
        accept_invalid_chars=copy.replacement_char,
        round_decimals=bool(copy.round_decimals),
    )


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _cut(moment: datetime, granularity: Granularity) -> datetime:
    moment = _naive_utc(moment)
    if granularity is Granularity.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _bucket(moment: datetime, granularity: Granularity) -> tuple[datetime, datetime]:
    start = _cut(moment, granularity)
    return start, start + (timedelta(hours=1) if granularity is Granularity.HOUR else timedelta(days=1))


class _Skip(Exception):
    """Ends a load that has nothing to do (already loaded, stale) after its transaction rolls back."""

    def __init__(self, status: Status, detail: str, rows: int = 0) -> None:
        super().__init__(detail)
        self.status, self.detail, self.rows = status, detail, rows


def _fits_ledger(wanted: str, found: str) -> bool:
    """Whether a column of type ``found`` holds what the ledger's column of type ``wanted`` does: a
    VARCHAR at least as wide (or a text without width, as DuckDB reports every VARCHAR), else the
    same type."""
    width = varchar_width(wanted.split()[0])
    if width is not None:
        found_width = varchar_width(found)
        return found == "text" or (found_width is not None and found_width >= width)
    return found == wanted.split()[0]


def _check_ledger(adapter: Adapter, schema: str, columns: Sequence[TableColumn]) -> None:
    """Refuse a table named like the ledger whose columns are not the ledger's: its rows are no record
    of rio's loads, and trusting them could skip a real load as "already loaded"."""
    found = {column.name: column.type for column in columns}
    if set(found) == {name for name, _ in _LEDGER_COLUMNS} and all(
        _fits_ledger(kind, found[name]) for name, kind in _LEDGER_COLUMNS
    ):
        return
    has = ", ".join(f"{column.name} {column.type}" for column in columns)
    wanted = ", ".join(f"{name} {kind.split()[0]}" for name, kind in _LEDGER_COLUMNS)
    raise SchemaMismatch(
        f"{schema}.{LEDGER_TABLE} is not rio's load ledger: it has the columns ({has}), "
        f"and the ledger's are ({wanted}); nothing was loaded. Rename or drop that table so that rio "
        "creates its ledger there, or keep the ledger in another schema (ledger_schema, rio send "
        "--ledger-schema)"
    )


def _ensure_ledger(session: Session, adapter: Adapter, schema: str) -> None:
    """Create the ledger if absent, in a transaction of its own (it must outlive any load's rollback);
    refuse a table of its name that is not a ledger."""
    columns = adapter.read_columns(session, schema, LEDGER_TABLE)
    if columns is not None:
        _check_ledger(adapter, schema, columns)
        return
    definitions = ",\n  ".join(f"{adapter.quote(name)} {kind}" for name, kind in _LEDGER_COLUMNS)
    with session.transaction():
        session.execute(adapter.create_schema_sql(schema))
        session.execute(
            f"CREATE TABLE IF NOT EXISTS {adapter.qualified(schema, LEDGER_TABLE)} (\n  {definitions}\n)"
        )


def _ledger_rows(session: Session, adapter: Adapter, ledger: str, found: FoundData) -> list[tuple[Any, ...]]:
    columns = adapter.read_columns(session, ledger, LEDGER_TABLE)
    if columns is None:  # a dry run did not create it
        return []
    # Checked again inside the load's transaction: the rows are trusted only from a ledger.
    _check_ledger(adapter, ledger, columns)
    # The same data is the same manifest (by its SHA-256, wherever it was copied) or, for a single
    # data file, the same URL: another producer's data that carries the same date is not "already
    # loaded".
    same_data, identity = (
        ("manifest_sha256 = %s", found.manifest_sha256)
        if found.manifest_sha256 is not None
        else ("manifest_url = %s", found.data_url)
    )
    return session.query(
        f"SELECT rows_loaded, job_id, loaded_at FROM {adapter.qualified(ledger, LEDGER_TABLE)} "
        f"WHERE schema_name = %s AND table_name = %s AND data_date = %s AND {same_data} ORDER BY loaded_at",
        (found.schema, found.table, _naive_utc(found.date), identity),
    )


def _write_ledger(
    session: Session, adapter: Adapter, ledger: str, found: FoundData, job: Job, rows: int
) -> None:
    names = ", ".join(adapter.quote(name) for name, _ in _LEDGER_COLUMNS)
    marks = ", ".join(["%s"] * len(_LEDGER_COLUMNS))
    session.execute(
        f"INSERT INTO {adapter.qualified(ledger, LEDGER_TABLE)} ({names}) VALUES ({marks})",
        (
            found.schema,
            found.table,
            _naive_utc(found.date),
            job.mode.value,
            found.data_url,
            found.manifest_sha256,
            rows,
            job.id,
            datetime.now(timezone.utc).replace(tzinfo=None),
        ),
    )


def _check_staleness(
    session: Session, adapter: Adapter, found: FoundData, job: Job, granularity: Granularity
) -> None:
    column = found.config.data_timestamp_column
    assert column is not None
    rows = session.query(
        f"SELECT MAX({adapter.quote(column)}) FROM {adapter.qualified(found.schema, found.table)}"
    )
    latest = rows[0][0] if rows else None
    if latest is None or job.force:
        return
    if _cut(latest, granularity) > _cut(found.date, granularity):
        raise _Skip(
            Status.STALE,
            f"the table already holds data up to {latest:%Y-%m-%dT%H:%M:%S}, later than this "
            f"{granularity.value} (force loads it anyway)",
        )


def _upsert(
    session: Session, adapter: Adapter, found: FoundData, job: Job, request: CopyRequest, store: ObjectStore
) -> int:
    """COPY into a staging table, keep the last row per key, replace the matching rows."""
    assert job.upsert_keys is not None
    columns = [column.name for column in request.columns]
    for key in job.upsert_keys:
        if key not in columns:
            raise SchemaMismatch(
                f"{found.schema}.{found.table}: upsert key {key!r} is not a column of the table"
            )
    staging = f"rio_stage_{secrets.token_hex(6)}"
    target = adapter.qualified(found.schema, found.table)
    session.execute(adapter.create_staging_sql(found.schema, found.table, staging))
    staged_columns = list(request.columns)
    if found.row_number_key is not None:
        # Rows rio staged itself carry their input position, so the last one wins on any warehouse.
        number = TableColumn(found.row_number_key, "bigint")
        session.execute(
            f"ALTER TABLE {adapter.quote(staging)} ADD COLUMN {adapter.quote(number.name)} bigint"
        )
        staged_columns.append(number)
    # The same COPY, options and all, into the staging table.
    staged = replace(request, schema=None, table=staging, columns=staged_columns)
    adapter.copy(session, staged, store)
    q = adapter.quote
    matches = " AND ".join(
        f"({target}.{q(key)} = s.{q(key)} OR ({target}.{q(key)} IS NULL AND s.{q(key)} IS NULL))"
        for key in job.upsert_keys
    )
    keys = ", ".join(q(key) for key in job.upsert_keys)
    # Redshift's DELETE … USING takes table names only, not subqueries; duplicate keys in the
    # staging table match the same target rows, which are deleted once.
    session.execute(f"DELETE FROM {target} USING {q(staging)} s WHERE {matches}")
    # The last row per key wins: by data timestamp, then (where the warehouse keeps it) file order.
    order = []
    timestamp = found.config.data_timestamp_column
    if timestamp in columns:
        order.append(f"{q(timestamp)} DESC NULLS LAST")
    row_order = q(found.row_number_key) if found.row_number_key is not None else adapter.row_order(staging)
    if row_order is not None:
        order.append(f"{row_order} DESC")
    if not order:
        order.append("1")
    listed = ", ".join(q(name) for name in columns)
    session.execute(
        f"INSERT INTO {target} ({listed}) SELECT {listed} FROM (SELECT {listed}, ROW_NUMBER() OVER "
        f"(PARTITION BY {keys} ORDER BY {', '.join(order)}) AS rio_rank FROM {q(staging)}) ranked "
        "WHERE rio_rank = 1"
    )
    # One row per key was inserted; a dry run created no staging table to count.
    inserted = 0
    if not session.dry_run:
        counted = session.query(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {q(staging)} GROUP BY {keys}) key_groups"
        )
        inserted = int(counted[0][0])
    session.execute(adapter.drop_staging_sql(staging))
    return inserted


def _load_once(
    session: Session, adapter: Adapter, store: ObjectStore, job: Job, found: FoundData, options: LoadOptions
) -> TableOutcome:
    config = found.config
    schema, table = found.schema, found.table
    ledger = options.ledger_schema or schema
    granularity = job.granularity or Granularity.DAY
    _ensure_ledger(session, adapter, ledger)
    if not adapter.widen_in_transaction:
        # Redshift cannot widen a VARCHAR inside a transaction; widening first is harmless.
        before = adapter.read_columns(session, schema, table)
        if before is not None:
            for column, width in plan_schema(adapter, config, before, _measured(found)).widen:
                statement = adapter.widen_sql(schema, table, column, width)
                if statement is not None:
                    session.execute(statement)
    session.begin()
    try:
        existed = adapter.read_columns(session, schema, table) is not None
        if not existed:
            for statement in adapter.create_table_sql(config):
                session.execute(statement)
        lock = adapter.lock_sql(schema, table)
        if lock is not None:
            session.execute(lock)
        columns = adapter.read_columns(session, schema, table)
        earlier = _ledger_rows(session, adapter, ledger, found)
        if earlier and not job.force:
            rows, job_id, loaded_at = earlier[-1]
            by = f"by job {job_id}" if job_id else "by a job without an id"
            raise _Skip(Status.ALREADY_LOADED, f"{rows:,} rows {by} at {loaded_at:%Y-%m-%dT%H:%M:%S}Z", rows)
        if earlier and job.mode is LoadMode.APPEND:
            raise LoadRefused(
                f"{schema}.{table}: {contract.format_data_date(found.date)} is already loaded, and force in "
                "append mode would load its rows a second time; use mode refresh, truncate or upsert to "
                "replace them"
            )
        if existed and columns is not None and config.data_timestamp_column in {c.name for c in columns}:
            _check_staleness(session, adapter, found, job, granularity)
        plan = plan_schema(adapter, config, columns if existed else None, _measured(found))
        for added in plan.add:
            session.execute(adapter.add_column_sql(schema, table, added))
        if adapter.widen_in_transaction:
            for name, width in plan.widen:
                statement = adapter.widen_sql(schema, table, name, width)
                if statement is not None:
                    session.execute(statement)
        target = adapter.qualified(schema, table)
        if job.mode is LoadMode.TRUNCATE:
            # DELETE, never TRUNCATE: TRUNCATE commits the transaction on Redshift.
            session.execute(f"DELETE FROM {target}")
        elif job.mode is LoadMode.REFRESH:
            start, end = _bucket(found.date, granularity)
            column = adapter.quote(config.data_timestamp_column or "")
            session.execute(f"DELETE FROM {target} WHERE {column} >= %s AND {column} < %s", (start, end))
        request = _copy_request(
            copy_options_of(job, config, options),
            schema=schema,
            table=table,
            columns=plan.columns,
            files=found.files,
            manifest_url=found.data_url if found.is_manifest else None,
            gzip=found.gzip,
        )
        if job.mode is LoadMode.UPSERT:
            rows = _upsert(session, adapter, found, job, request, store)
        else:
            rows = adapter.copy(session, request, store).rows
        _write_ledger(session, adapter, ledger, found, job, rows)
        session.commit()
    except BaseException:
        # Everything of this table goes, a table created by this load included.
        session.rollback()
        raise
    return TableOutcome(schema, table, Status.LOADED, rows=rows, date=found.date, data_url=found.data_url)


def _measured(found: FoundData) -> dict[str, int] | None:
    return dict(found.facts.max_byte_lengths) if found.facts is not None else None


def load_table(
    adapter: Adapter,
    store: ObjectStore,
    job: Job,
    table: str,
    options: LoadOptions = LoadOptions(),
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> TableOutcome:
    """Load one table of the job; never raises for the table's own failure (it is the outcome)."""
    try:
        found = find_data(store, job, table)
    except RioError as exc:
        return TableOutcome(job.schema, table, Status.FAILED, date=job.date, error=exc)
    return load_found(adapter, store, job, found, options, sleep=sleep)


def load_found(
    adapter: Adapter,
    store: ObjectStore,
    job: Job,
    found: FoundData,
    options: LoadOptions = LoadOptions(),
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> TableOutcome:
    """Load data already found (or staged by rio itself) into its table, in one transaction."""
    table = found.table
    for attempt in range(1, options.attempts + 1):
        try:
            session = adapter.connect(dry_run=options.dry_run)
        except RioError as exc:
            return TableOutcome(job.schema, table, Status.FAILED, date=found.date, error=exc)
        try:
            outcome = _load_once(session, adapter, store, job, found, options)
            outcome.statements = session.statements
            log.info("%s", outcome.line())
            return outcome
        except _Skip as skip:
            outcome = _ended(found, skip.status, session, rows=skip.rows, detail=skip.detail)
            log.info("%s", outcome.line())
            return outcome
        except Exception as exc:
            reason = adapter.retry_reason(exc.__cause__ or exc)
            if attempt < options.attempts and reason is not None:
                delay = options.backoff * 2 ** (attempt - 1) * (1 + random.random())
                log.warning(
                    "%s.%s: %s; running again in %.2f s (attempt %d of %d): %s",
                    found.schema,
                    table,
                    reason,
                    delay,
                    attempt + 1,
                    options.attempts,
                    exc,
                )
                sleep(delay)
                continue
            outcome = _ended(found, Status.FAILED, session, error=exc)
            log.error("%s", outcome.line())
            return outcome
        finally:
            session.close()
    raise AssertionError("unreachable")


def _ended(found: FoundData, status: Status, session: Session, **fields: Any) -> TableOutcome:
    """The outcome of a load that ended without loading, with the statements it ran."""
    return TableOutcome(
        found.schema, found.table, status, date=found.date, data_url=found.data_url,
        statements=session.statements, **fields,
    )  # fmt: skip


def run_job(
    job: Job,
    target: Any,
    *,
    store: ObjectStore | None = None,
    options: LoadOptions | None = None,
    storage: StorageSettings | None = None,
    **store_options: Any,
) -> LoadReport:
    """Run every table of ``job`` into ``target`` (a warehouse URL, a profile target, or an adapter).

    The data is read through ``store`` when given, else through a store of the job's base reached
    with ``storage`` (and any :func:`rio.storage.open_store` keyword in ``store_options``).
    """
    adapter = resolve_adapter(target)
    own_store = store is None
    if store is None:
        store = (storage or StorageSettings()).open(job.base, **store_options)
    try:
        outcomes: Sequence[TableOutcome] = [
            load_table(adapter, store, job, table, options or LoadOptions()) for table in job.tables
        ]
    finally:
        if own_store:
            store.close()
    return LoadReport(job, outcomes)
