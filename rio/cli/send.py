"""``rio send``: the s3-to-redshift worker's command line, run here or by a ``rio serve``."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from rio.cli._common import (
    emit_json,
    job_endpoint_options,
    job_submission,
    print_outcome,
    print_summary,
    progress,
    rio_errors,
    s3_options,
    say,
    storage_settings,
    target_settings,
    upsert_key_option,
    warehouse_options,
)
from rio.cli._goflags import GoFlagCommand
from rio.cli._verbosity import outcomes_printed_here
from rio.contract import s3_url
from rio.errors import ConfigError, ContractError, JobSubmissionFailed
from rio.loader.report import TableOutcome
from rio.profiles import default_schema
from rio.storage_settings import StorageSettings

if TYPE_CHECKING:  # the CLI imports it only when a command runs
    from rio.contract import Job

__all__ = ["build_job", "copy_option_flags", "send", "split_names"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _checked(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A flag's callback that reads its value as the COPY option ``name`` (the core reads formats), so a
    bad one is refused with the flag named before anything is read or loaded."""

    def check(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        from rio.contract import copy_option

        try:
            return copy_option(name, value)
        except ConfigError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None

    return check


def copy_option_flags(func: _F) -> _F:
    """COPY's data-conversion options as flags; each left out is the config's (``meta``), else Redshift's."""
    flags = [
        click.option(
            "--time-format",
            metavar="FORMAT",
            callback=_checked("time_format"),
            help="TIMEFORMAT: 'auto', 'epochsecs', 'epochmillisecs' or a format string such as "
            "'YYYY-MM-DD HH:MI:SS'.",
        ),
        click.option(
            "--date-format",
            metavar="FORMAT",
            callback=_checked("date_format"),
            help="DATEFORMAT: 'auto' or a format string such as 'MM/DD/YYYY'.",
        ),
        click.option(
            "--accept-invalid-chars",
            is_flag=False,
            flag_value="?",
            metavar="[CHAR]",
            callback=_checked("accept_invalid_chars"),
            help="ACCEPTINVCHARS: load text with invalid UTF-8, each invalid byte replaced by CHAR ('?' "
            "when none is given; write --accept-invalid-chars=CHAR before a file argument).",
        ),
        click.option(
            "--round-decimals/--no-round-decimals",
            default=None,
            callback=_checked("round_decimals"),
            help="ROUNDEC: round a DECIMAL's extra digits rather than cut them.",
        ),
        click.option(
            "--truncate-columns/--no-truncate-columns",
            default=None,
            callback=_checked("truncate_columns"),
            help="TRUNCATECOLUMNS: cut text too long for its VARCHAR or CHAR, at a character boundary.",
        ),
        click.option(
            "--max-errors",
            type=click.IntRange(0, 100000),
            metavar="N",
            callback=_checked("max_errors"),
            help="MAXERROR: fewer than N rejected rows are skipped and reported; N fail the load (0 and 1 "
            "fail it at the first). Default 0.",
        ),
    ]
    for flag in reversed(flags):
        func = flag(func)
    return func


def split_names(values: tuple[str, ...]) -> tuple[str, ...]:
    """``a,b`` and repeated flags alike, blanks dropped."""
    return tuple(name.strip() for value in values for name in value.split(",") if name.strip())


def config_location(config: str | None) -> str | None:
    """``--config`` as the job takes it: an ``s3://`` URL as it is, a local path made absolute.

    The Go worker read ``-config`` through pathio, so a plain path is a local file, not a key.
    """
    if config is None or config.startswith(("s3://", "file://")):
        return config
    return os.path.abspath(config)


def base_of(bucket: str | None, prefix: str | None, base: str | None) -> str:
    """The job's base from ``--base``, or ``--bucket`` (the Go flag, no ``s3://``) and ``--prefix``."""
    if base is not None and (bucket is not None or prefix is not None):
        raise click.UsageError("give --base, or --bucket (with --prefix), not both")
    if base is not None:
        return base
    if bucket is None:
        raise click.UsageError(
            "where is the data? give --bucket BUCKET (as the Go worker took it), or --base "
            "s3://bucket/prefix or a local directory"
        )
    if bucket.startswith("s3://"):
        raise click.UsageError(f"--bucket takes a bucket name without s3:// (not {bucket!r}); or use --base")
    return s3_url(bucket, prefix or "")


def build_job(
    *,
    base: str,
    schema: str,
    tables: tuple[str, ...],
    date: str | None,
    config: str | None,
    mode: str | None,
    granularity: str | None,
    truncate: bool,
    force: bool,
    upsert_keys: tuple[str, ...],
    job_id: str | None,
    **copy_options: Any,
) -> Job:
    """The job the flags describe, COPY's options (``copy_options``, by their
    :class:`~rio.contract.CopyOptions` names) among them; a malformed one is a usage error naming the
    flag."""
    from rio import contract
    from rio.contract import Job

    with rio_errors(usage=(ContractError,)):
        when = contract.parse_date_argument(date) if date is not None else None
        if upsert_keys and mode is None:
            mode = "upsert"
        return Job(
            base=base,
            schema=schema,
            tables=tables,
            date=when,
            config=config_location(config),
            mode=contract.LoadMode(mode or ("truncate" if truncate else "append")),
            granularity=None if granularity is None else contract.Granularity(granularity),
            truncate=truncate,
            force=force,
            upsert_keys=upsert_keys or None,
            # Every load gets an id, so the ledger says which run loaded what.
            id=job_id or f"rio-send-{contract.new_run_id()}",
            **copy_options,
        )


def _json_data_only(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The Go worker's -delimiter: empty meant JSON, which is all rio send reads."""
    if value:
        raise click.BadParameter(
            f"{value!r} means CSV data, and rio send loads the JSON a producer left; load CSV with "
            "`rio load FILE URL::schema.table --format csv`",
            ctx=ctx,
            param=param,
        )
    return None


@click.command(cls=GoFlagCommand)
@click.option(
    "--schema",
    metavar="SCHEMA",
    help="The tables' schema. Default: the profile output's (or the target URL's) schema.",
)
@click.option(
    "--tables",
    "tables",
    multiple=True,
    required=True,
    metavar="A,B",
    help="Tables to load, comma-separated (or the flag repeated). Each runs in its own transaction.",
)
@click.option("--bucket", metavar="BUCKET", help="The S3 bucket holding the data (a name, no s3://).")
@click.option("--prefix", metavar="PREFIX", help="A key prefix inside --bucket.")
@click.option("--base", metavar="BASE", help="Instead of --bucket: s3://bucket/prefix, or a local directory.")
@click.option(
    "--date",
    metavar="RFC3339",
    help="The data date to load, e.g. 2026-11-21T10:15:00Z. Default: the latest in the base, by the "
    "timestamp in the file names.",
)
@click.option(
    "--config",
    metavar="PATH|S3URL",
    help="The load config YAML. Default: config_<schema>_<table>_<date>.yml beside the data.",
)
@click.option(
    "--mode",
    type=click.Choice(["append", "refresh", "truncate", "upsert"]),
    help="append (default) adds the rows; refresh replaces the date's hour or day; truncate replaces "
    "every row; upsert replaces rows with the same --upsert-keys.",
)
@click.option("--truncate", is_flag=True, help="Delete every row first (DELETE, in the load's transaction).")
@click.option("--force", is_flag=True, help="Load stale data, or a date already loaded (not in append mode).")
@click.option(
    "--granularity",
    type=click.Choice(["hour", "day"]),
    help="The bucket of staleness checks and of refresh (default day).",
)
@upsert_key_option("Key columns of --mode upsert; given alone, they mean --mode upsert.")
@click.option(
    "--gzip/--no-gzip",
    default=True,
    show_default=True,
    help="Accepted for the Go worker's command lines; rio reads compression from the file names.",
)
@click.option(
    "--delimiter",
    metavar="''",
    expose_value=False,
    callback=_json_data_only,
    help="Accepted for the Go worker's command lines when empty (JSON data, all rio send reads).",
)
@click.option("--job-id", metavar="ID", help="The job's id, recorded in the ledger (default: none).")
@warehouse_options
@s3_options
@copy_option_flags
@click.option("--ledger-schema", metavar="SCHEMA", help="Where the rio_loads ledger is (default: --schema).")
@click.option(
    "--endpoint",
    metavar="URL",
    help="Post the job to a running `rio serve` (its address, http://host:port, or its /jobs URL) and "
    "wait for its outcome. The server reaches S3 with its own --s3-* settings.",
)
@click.option(
    "--token", envvar="RIO_SERVE_TOKEN", metavar="TOKEN", help="--endpoint's bearer token ($RIO_SERVE_TOKEN)."
)
@job_endpoint_options
@click.option(
    "--wait-timeout",
    type=click.FloatRange(min=0),
    default=3600.0,
    show_default=True,
    help="Seconds to wait for --endpoint's outcome.",
)
@click.option("--dry-run", is_flag=True, help="Print the SQL each table's load would run; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as one JSON document.")
@click.pass_context
def send(
    ctx: click.Context,
    schema: str | None,
    tables: tuple[str, ...],
    bucket: str | None,
    prefix: str | None,
    base: str | None,
    date: str | None,
    config: str | None,
    mode: str | None,
    truncate: bool,
    force: bool,
    granularity: str | None,
    upsert_keys: tuple[str, ...],
    gzip: bool,
    job_id: str | None,
    target: str | None,
    profile: str | None,
    profiles_dir: str | None,
    time_format: str | None,
    date_format: str | None,
    accept_invalid_chars: str | None,
    round_decimals: bool | None,
    truncate_columns: bool | None,
    max_errors: int | None,
    ledger_schema: str | None,
    endpoint: str | None,
    token: str | None,
    job_timeout: float | None,
    job_attempts: int | None,
    wait_timeout: float,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Load the data a producer left in S3 (or a directory) into tables, as the s3-to-redshift worker did.

    Flags may be written as the Go worker took them: -schema=analytics, -tables a,b, -truncate,
    -force=true, -gzip=false (a single dash and = work for every long flag).

    For each table, rio finds <schema>_<table>_<date>.manifest (or the Go tools' .json.gz / .json,
    flat or partitioned by day), reads its config, and runs one transaction: create or extend the
    table, skip a date already in the rio_loads ledger, skip stale data unless --force, apply the
    mode, COPY, record. One line per table says what happened.

    COPY's data-conversion options (--time-format, --date-format, --accept-invalid-chars,
    --round-decimals, --truncate-columns, --max-errors) go into the job and win over the config's
    meta.timeformat, meta.dateformat, meta.acceptinvchars, meta.roundec, meta.truncatecolumns and
    meta.maxerror; what neither says is Redshift's default.

    \b
    Exit codes: 0 every table loaded or was already loaded; 3 some table was
    skipped as stale (and none failed); 1 some table failed (the others still ran);
    2 bad flags.

    \b
    Examples:
      # the Go worker's flags, connection from REDSHIFT_HOST/PORT/DB/USER/PASSWORD
      rio send --bucket metrics --schema analytics --tables events,users --date 2026-11-21T10:00:00Z
      # the same command line as the Go worker took it, replacing every row, stale or not
      rio send -schema=analytics -tables=events,users -bucket=metrics -truncate -force=true \\
          -date=2026-11-21T10:00:00Z
      # the latest data under a prefix, into a profile's target
      rio send --base s3://lake/exports --schema analytics --tables events --profile warehouse
      # a local directory into a DuckDB file, replacing rows with the same id
      rio send --base ./data --schema analytics --tables events --target duckdb:///w.duckdb \\
          --upsert-key id
      # hand the job to a running `rio serve` and wait for it
      rio send --bucket metrics --schema analytics --tables events --endpoint http://127.0.0.1:8080
      # data in MinIO (or LocalStack, moto) rather than AWS
      rio send --bucket metrics --schema analytics --tables events --target duckdb:///w.duckdb \\
          --s3-endpoint-url http://127.0.0.1:9000 --s3-addressing-style path
      # show the SQL without running it
      rio send --base ./data --schema analytics --tables events --target duckdb:///w.duckdb --dry-run
    """
    names = split_names(tables)
    if not names:
        raise click.UsageError("--tables names no table")
    submission = job_submission(endpoint, job_timeout, job_attempts)
    if endpoint is not None:
        from rio.executors import endpoint_base

        with rio_errors(usage=(JobSubmissionFailed,)):
            endpoint_base(endpoint)  # a malformed --endpoint is a bad flag, refused before any work
    settings = None
    if schema is None:
        if endpoint is None:
            try:
                settings = target_settings(target, profile, profiles_dir)
            except click.UsageError:
                settings = None  # no target either: the missing --schema is the first thing to say
            schema = default_schema(settings) if settings is not None else None
        if schema is None:
            raise click.MissingParameter(
                "(a profile output's 'schema:' gives it by default)",
                ctx=ctx,
                param_hint="'--schema'",
                param_type="option",
            )
    job = build_job(
        base=base_of(bucket, prefix, base),
        schema=schema,
        tables=names,
        date=date,
        config=config,
        mode=mode,
        granularity=granularity,
        truncate=truncate,
        force=force,
        upsert_keys=upsert_keys,
        job_id=job_id,
        time_format=time_format,
        date_format=date_format,
        accept_invalid_chars=accept_invalid_chars,
        round_decimals=round_decimals,
        truncate_columns=truncate_columns,
        max_errors=max_errors,
    )
    if endpoint is not None:
        if dry_run:
            raise click.UsageError("--dry-run runs here; it cannot go with --endpoint")
        outcomes, code = _send_to_endpoint(job, endpoint, token, wait_timeout, submission, as_json=as_json)
    else:
        if settings is None:
            settings = target_settings(target, profile, profiles_dir)
        outcomes, code = _run_here(
            job,
            settings,
            storage_settings(),
            ledger_schema=ledger_schema,
            dry_run=dry_run,
            as_json=as_json,
        )
    if as_json:
        emit_json({"job": job.id, "outcomes": [outcome.to_dict() for outcome in outcomes], "exit_code": code})
    elif not dry_run:
        print_summary(outcomes)
    ctx.exit(code)


def _run_here(
    job: Job,
    settings: dict[str, Any],
    storage: StorageSettings,
    *,
    ledger_schema: str | None,
    dry_run: bool,
    as_json: bool,
) -> tuple[list[TableOutcome], int]:
    from rio.adapters import resolve_adapter
    from rio.loader import LoadOptions, load_table
    from rio.loader.report import exit_code_of

    # COPY's options travel in the job, as they do to a `rio serve`.
    load_options = LoadOptions(ledger_schema=ledger_schema, dry_run=dry_run)
    with rio_errors(usage=(ContractError,)):
        adapter = resolve_adapter(settings)
        store = storage.open(job.base)
    outcomes = []
    try:
        with progress(transient=True) as bar, outcomes_printed_here():
            task = bar.add_task("loading", total=len(job.tables), detail="")
            for table in job.tables:
                bar.update(task, detail=f"{job.schema}.{table}")
                outcome = load_table(adapter, store, job, table, load_options)
                outcomes.append(outcome)
                if not as_json:
                    print_outcome(outcome, dry_run=dry_run)
                bar.advance(task)
    finally:
        store.close()
    return outcomes, exit_code_of(outcome.status for outcome in outcomes)


def _send_to_endpoint(
    job: Job, endpoint: str, token: str | None, timeout: float, submission: dict[str, Any], *, as_json: bool
) -> tuple[list[TableOutcome], int]:
    from rio.server.client import submit, wait_outcomes

    if not token:
        raise click.UsageError(
            "--endpoint needs the server's bearer token: pass --token or set RIO_SERVE_TOKEN"
        )
    with rio_errors():
        job_id = submit(endpoint, job, token, **submission)
        say(f"job {job_id} accepted by {endpoint}; waiting for its outcome", err=True)
        outcomes, code = wait_outcomes(endpoint, job_id, token, timeout=timeout)
    if not as_json:
        for outcome in outcomes:
            print_outcome(outcome)
    return list(outcomes), code
