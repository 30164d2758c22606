"""What rio's commands share: warehouse and S3 options, errors as exit codes, output, progress bars."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from rio import contract
from rio._words import plural
from rio.cli._verbosity import quiet
from rio.errors import RioError, StorageError
from rio.loader.report import EXIT_FAILED, Status, TableOutcome
from rio.profiles import resolve_target
from rio.storage_settings import StorageSettings

if TYPE_CHECKING:
    from rich.progress import Progress

__all__ = [
    "CommandFailed",
    "emit_json",
    "job_endpoint_options",
    "job_submission",
    "print_outcome",
    "print_summary",
    "progress",
    "rio_errors",
    "s3_options",
    "say",
    "storage_settings",
    "target_settings",
    "upsert_key_option",
    "warehouse_options",
]

F = TypeVar("F", bound=Callable[..., Any])


class CommandFailed(click.ClickException):
    """A command that could not do its work (exit 1). Bad flags are :class:`click.UsageError` (exit 2)."""

    exit_code = EXIT_FAILED


@contextmanager
def rio_errors(*, usage: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Turn rio's errors into a one-line message and an exit code instead of a traceback.

    Errors of the classes in ``usage`` (flags that name something malformed) are usage errors
    (exit 2); every other :class:`~rio.errors.RioError` exits with :data:`EXIT_FAILED`.
    """
    try:
        yield
    except click.ClickException:
        raise
    except usage as exc:
        raise click.UsageError(str(exc)) from exc
    except RioError as exc:
        raise CommandFailed(str(exc)) from exc


def warehouse_options(function: F) -> F:
    """``--target``, ``--profile`` and ``--profiles-dir``: which warehouse to load into."""
    function = click.option(
        "--profiles-dir",
        type=click.Path(file_okay=False),
        envvar="RIO_PROFILES_DIR",
        help="Where profiles.yml is (default: $RIO_PROFILES_DIR, ., then ~/.rio).",
    )(function)
    function = click.option(
        "--profile",
        metavar="NAME",
        help="A profile of profiles.yml (dbt's shape: target, outputs, {{ env_var('X') }}).",
    )(function)
    return click.option(
        "--target",
        metavar="URL|NAME",
        help="A warehouse URL (duckdb:///w.duckdb, postgresql://u:p@host/db, redshift://u:p@host:5439/db), "
        "or with --profile one of its outputs. Default: the profile's target, else the Go worker's "
        "REDSHIFT_HOST, REDSHIFT_PORT, REDSHIFT_DB, REDSHIFT_USER and REDSHIFT_PASSWORD.",
    )(function)


def target_settings(target: str | None, profile: str | None, profiles_dir: str | None) -> dict[str, Any]:
    """The warehouse the flags name; a missing or malformed one is a usage error (exit 2)."""
    try:
        return resolve_target(target, profile, profiles_dir)
    except RioError as exc:  # NoTarget, a malformed profile, an unknown URL scheme
        raise click.UsageError(str(exc)) from exc


_STORAGE_META = "rio.storage"


def _remember_storage(ctx: click.Context, param: click.Parameter, value: object) -> object:
    ctx.meta.setdefault(_STORAGE_META, {})[param.name] = value
    return value


def s3_options(function: F) -> F:
    """``--s3-endpoint-url``, ``--s3-region``, ``--s3-addressing-style``: how to reach S3.

    The values are not passed to the command; :func:`storage_settings` gathers them into one
    :class:`~rio.storage_settings.StorageSettings`, which the command hands to every layer.
    """
    function = click.option(
        "--s3-addressing-style",
        "addressing_style",
        type=click.Choice(["auto", "path", "virtual"]),
        envvar="RIO_S3_ADDRESSING_STYLE",
        expose_value=False,
        callback=_remember_storage,
        help="How bucket names go into S3 URLs; most S3-compatible servers want 'path' "
        "(also $RIO_S3_ADDRESSING_STYLE).",
    )(function)
    function = click.option(
        "--s3-region",
        "region",
        metavar="REGION",
        envvar="RIO_S3_REGION",
        expose_value=False,
        callback=_remember_storage,
        help="The bucket's region (also $RIO_S3_REGION). Default: asked of S3.",
    )(function)
    return click.option(
        "--s3-endpoint-url",
        "endpoint_url",
        metavar="URL",
        envvar="RIO_S3_ENDPOINT_URL",
        expose_value=False,
        callback=_remember_storage,
        help="Talk to this S3-compatible endpoint (MinIO, LocalStack, moto) instead of AWS (also "
        "$RIO_S3_ENDPOINT_URL). Credentials come from boto3's chain: AWS_ACCESS_KEY_ID, AWS_PROFILE, an "
        "instance role, ….",
    )(function)


def storage_settings() -> StorageSettings:
    """The :class:`~rio.storage_settings.StorageSettings` the current command's S3 flags describe."""
    given = click.get_current_context().meta.get(_STORAGE_META, {})
    with rio_errors(usage=(StorageError,)):
        return StorageSettings(**{name: value for name, value in given.items() if value})


def job_endpoint_options(function: F) -> F:
    """``--job-timeout`` and ``--job-attempts``: how long posting a job to ``--endpoint`` may take."""
    from rio.executors import DEFAULT_JOB_ATTEMPTS, DEFAULT_JOB_TIMEOUT

    function = click.option(
        "--job-attempts",
        type=click.IntRange(min=1),
        metavar="N",
        help=f"With --endpoint: post the job at most N times (network errors, timeouts, 5xx) before "
        f"failing (default {DEFAULT_JOB_ATTEMPTS}).",
    )(function)
    return click.option(
        "--job-timeout",
        type=click.FloatRange(min=0, min_open=True, max=86400),
        metavar="SECONDS",
        help=f"With --endpoint: how long each attempt to post the job waits for an answer "
        f"(default {DEFAULT_JOB_TIMEOUT:g}).",
    )(function)


def job_submission(endpoint: str | None, timeout: float | None, attempts: int | None) -> dict[str, Any]:
    """The keyword arguments ``--job-timeout`` and ``--job-attempts`` give a job's submission.

    Either flag without ``--endpoint`` is a usage error: nothing would be posted.
    """
    from rio.executors import DEFAULT_JOB_ATTEMPTS, DEFAULT_JOB_TIMEOUT

    if endpoint is None:
        given = [flag for flag, value in (("--job-timeout", timeout), ("--job-attempts", attempts)) if value]
        if given:
            raise click.UsageError(f"{given[0]} goes with --endpoint: without it no job is posted")
    return {
        "timeout": DEFAULT_JOB_TIMEOUT if timeout is None else timeout,
        "attempts": DEFAULT_JOB_ATTEMPTS if attempts is None else attempts,
    }


def _upsert_keys(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Every ``--upsert-key`` and ``--upsert-keys`` value, split at commas, in the order given."""
    keys: list[str] = []
    for value in values:
        for name in (part.strip() for part in value.split(",")):
            if not name:
                continue
            if name in keys:
                raise click.BadParameter(
                    f"the key column {name!r} is named twice; name each one once, e.g. --upsert-keys "
                    f"{','.join(keys)} or --upsert-key {' --upsert-key '.join(keys)}",
                    ctx=ctx,
                    param=param,
                )
            keys.append(name)
    return tuple(keys)


def upsert_key_option(help: str) -> Callable[[F], F]:
    """``--upsert-key K`` (repeatable) and ``--upsert-keys A,B``: one option, two spellings, merged in order.

    The command receives ``upsert_keys``, a tuple of column names; a column named twice is refused.
    """
    return click.option(
        "--upsert-key",
        "--upsert-keys",
        "upsert_keys",
        multiple=True,
        metavar="COLUMN[,COLUMN]",
        callback=_upsert_keys,
        help=f"{help} Repeat it (--upsert-key a --upsert-key b) or list them (--upsert-keys a,b).",
    )


def emit_json(value: object) -> None:
    """Print one JSON document on stdout (for ``--json``)."""
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


def progress(*, transient: bool = False) -> Progress:
    """A rich progress display on stderr, shown only when stderr is a terminal and not with ``-q``."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
        disable=not console.is_terminal or quiet(),
    )


def say(message: str, *, err: bool = False) -> None:
    """Print a line that says how things went, unless ``-q`` asked for what went wrong only."""
    if not quiet():
        click.echo(message, err=err)


def _outcome_line(outcome: TableOutcome) -> str:
    """The outcome's line, a failed table named once (the loader's errors often start with its name)."""
    if outcome.status is not Status.FAILED:
        return outcome.line()
    when = f" for {contract.format_data_date(outcome.date)}" if outcome.date is not None else ""
    reason = str(outcome.error).removeprefix(f"{outcome.name}: ")
    return f"{outcome.name}: failed{when}: {reason}"


def _colour(statuses: Iterable[Status]) -> str | None:
    """Red when something failed, yellow when something was stale."""
    seen = set(statuses)
    return "red" if Status.FAILED in seen else "yellow" if Status.STALE in seen else None


def print_outcome(outcome: TableOutcome, *, dry_run: bool = False) -> None:
    """One table's outcome as its line (failures red, stale yellow); in a dry run, its SQL first.

    With ``-q`` only the lines of tables that failed or were stale are printed (a dry run's SQL is
    what it was asked for, so it is printed all the same).
    """
    colour = _colour([outcome.status])
    if dry_run:
        click.echo(f"-- {outcome.name}: the load would run:")
        for statement in outcome.statements:
            click.echo(statement.rstrip(";") + ";")
        if outcome.status is not Status.LOADED:
            click.secho(f"-- {_outcome_line(outcome)}", fg=colour)
        return
    if colour is None and quiet():
        return
    click.secho(_outcome_line(outcome), fg=colour)


def run_summary(outcomes: Iterable[TableOutcome]) -> str:
    """``2 loaded (1,234,567 rows), 1 already loaded, 1 failed``: how many tables ended how.

    A failure's reason is on its table's line, so it is not repeated here.
    """
    outcomes = list(outcomes)
    tally = {status: sum(1 for o in outcomes if o.status is status) for status in Status}
    rows = sum(outcome.rows for outcome in outcomes if outcome.status is Status.LOADED)
    parts = [f"{tally[Status.LOADED]} loaded ({plural(rows, 'row')})"] if tally[Status.LOADED] else []
    parts += [
        f"{tally[status]} {status.value}"
        for status in Status
        if status is not Status.LOADED and tally[status]
    ]
    return ", ".join(parts)


def print_summary(outcomes: Iterable[TableOutcome]) -> None:
    """The run's summary line after several tables' lines (none for one table, or with ``-q``)."""
    outcomes = list(outcomes)
    if len(outcomes) > 1 and not quiet():
        click.secho(run_summary(outcomes), fg=_colour(outcome.status for outcome in outcomes))
