"""The load of one table, in one transaction, and of a whole job, one table after another.

The order inside the transaction is fixed: create the table if it is absent, lock it, read its
columns, consult the ledger, check staleness, change the schema, apply the mode, COPY, write the
ledger row, commit. Any error rolls the whole table back. A clash with another transaction — a
serialisation conflict (PostgreSQL's 40001, Redshift's 1023), another loader creating the same table
at the same moment — runs the transaction again after a pause, logged with the adapter's reason
(:meth:`~rio.adapters.base.Adapter.retry_reason`); a load error never does. One table's failure
never stops the others of the job. The loader decides what runs and in which order; each statement
is the adapter's (:class:`~rio.adapters.base.Adapter`), in its warehouse's dialect.

The ledger (``rio_loads``, :mod:`rio.ledger`) records every load by table, data date and data (the
manifest's SHA-256, or the file's URL), which is what makes retries safe: a job whose table, date and
data are in it is "already loaded" and does nothing, while another producer's data that carries the
same date still loads. ``force`` loads again only in a mode that first removes the old rows.

COPY's data-conversion options (TIMEFORMAT, DATEFORMAT, ACCEPTINVCHARS, ROUNDEC, TRUNCATECOLUMNS,
MAXERROR) come from the job where it sets them, else from the config's ``meta``, else from
:class:`LoadOptions`, else Redshift's defaults (:func:`copy_options_of`); the COPY gets them all.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from rio import contract, redaction
from rio._words import plural
from rio.adapters import resolve_adapter
from rio.adapters.base import Adapter, CopyRequest, Session, TableColumn
from rio.config import DestinationConfig
from rio.contract import LEDGER_TABLE, CopyOptions, Granularity, Job, LoadMode
from rio.errors import LoadRefused, RioError, SchemaMismatch
from rio.ledger import Ledger, naive_utc
from rio.loader.discover import FoundData, find_data
from rio.loader.report import LoadReport, Status, TableOutcome
from rio.loader.schema import plan_schema
from rio.storage import ObjectStore
from rio.storage_settings import StorageSettings

__all__ = ["LEDGER_TABLE", "LoadOptions", "copy_options_of", "load_found", "load_table", "run_job"]

log = redaction.logger("rio.loader")


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


def _cut(moment: datetime, granularity: Granularity) -> datetime:
    moment = naive_utc(moment)
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


def _check_staleness(
    session: Session, adapter: Adapter, found: FoundData, job: Job, granularity: Granularity
) -> None:
    column = found.config.data_timestamp_column
    assert column is not None
    latest = adapter.max_value(session, found.schema, found.table, column)
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
    adapter.create_staging(session, found.schema, found.table, staging, row_number=found.row_number_key)
    staged_columns = list(request.columns)
    if found.row_number_key is not None:
        # Rows rio staged itself carry their input position, so the last one wins on any warehouse.
        staged_columns.append(TableColumn(found.row_number_key, "bigint"))
    # The same COPY, options and all, into the staging table.
    staged = replace(request, schema=None, table=staging, columns=staged_columns)
    adapter.copy(session, staged, store)
    # The last row per key wins: by data timestamp, then (where the warehouse keeps it) file order.
    timestamp = found.config.data_timestamp_column
    inserted = adapter.upsert_from_staging(
        session,
        found.schema,
        found.table,
        staging,
        columns,
        job.upsert_keys,
        timestamp=timestamp if timestamp in columns else None,
        row_number=found.row_number_key,
    )
    adapter.drop_staging(session, staging)
    return inserted


def _load_once(
    session: Session, adapter: Adapter, store: ObjectStore, job: Job, found: FoundData, options: LoadOptions
) -> TableOutcome:
    config = found.config
    schema, table = found.schema, found.table
    ledger = Ledger(adapter, options.ledger_schema or schema)
    granularity = job.granularity or Granularity.DAY
    ledger.ensure(session)
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
        earlier = ledger.loads_of(session, found)
        if earlier and not job.force:
            last = earlier[-1]
            by = f"by job {last.job_id}" if last.job_id else "by a job without an id"
            raise _Skip(
                Status.ALREADY_LOADED,
                f"{plural(last.rows, 'row')} {by} at {last.loaded_at:%Y-%m-%dT%H:%M:%S}Z",
                last.rows,
            )
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
        if job.mode is LoadMode.TRUNCATE:
            adapter.delete_all(session, schema, table)
        elif job.mode is LoadMode.REFRESH:
            start, end = _bucket(found.date, granularity)
            adapter.delete_range(session, schema, table, config.data_timestamp_column or "", start, end)
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
        ledger.record(session, found, mode=job.mode, job_id=job.id, rows=rows)
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
    target: str | Mapping[str, Any] | Adapter,
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
