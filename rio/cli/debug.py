"""``rio debug``: check, one line each, that a load could run — profile, driver, connection, rights,
ledger, base and COPY's credentials — without changing anything."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import click

from rio.adapters.base import Adapter, Session
from rio.cli._common import emit_json, rio_errors, s3_options, storage_settings, warehouse_options
from rio.cli._verbosity import quiet
from rio.contract import Base
from rio.errors import ContractError, RioError
from rio.loader.report import EXIT_FAILED
from rio.redaction import logger, mask_text
from rio.storage_settings import StorageSettings

__all__ = ["Check", "debug"]

log = logger(__name__)  # a driver's traceback, at -vv, with its secrets masked

OK, FAIL, SKIP = "ok", "fail", "skip"
#: How each status starts its line: plain words, so a log without colours reads the same.
_MARKS = {OK: "ok", FAIL: "FAIL", SKIP: "skip"}


@dataclass(frozen=True)
class Check:
    """One thing checked: its name, ``ok``, ``fail`` or ``skip``, and what was found."""

    name: str
    status: str
    detail: str


class _Report:
    """The checks so far, in the order they ran."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def add(self, name: str, status: str, detail: str) -> None:
        self.checks.append(Check(name, status, detail))

    @contextmanager
    def failing_as(self, name: str) -> Iterator[None]:
        """Whatever goes wrong inside is the check ``name`` failing, with the reason, never a traceback."""
        try:
            yield
        except Exception as exc:
            self.add(name, FAIL, _reason(exc))

    @property
    def ok(self) -> bool:
        return all(check.status != FAIL for check in self.checks)


def _reason(exc: Exception) -> str:
    """A failure in one line, with no credential in it."""
    if isinstance(exc, RioError):
        return " ".join(str(exc).split())  # rio's messages are masked when made
    # A driver's or the OS's own error: its class says what kind, and -vv shows where.
    log.debug("check failed", exc_info=True)
    return f"{type(exc).__name__}: {mask_text(' '.join(str(exc).split()))}"


@click.command()
@click.option(
    "--schema",
    metavar="SCHEMA",
    help="The schema loads go to, checked for the right to create tables (default: the target's "
    "schema, else public, or main for DuckDB).",
)
@click.option("--ledger-schema", metavar="SCHEMA", help="Where the rio_loads ledger is (default: --schema).")
@click.option(
    "--base",
    metavar="BASE",
    help="Also check this base, s3://bucket/prefix or a directory: a probe object is written under "
    "_rio_debug/, read back and removed.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1, max=600),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the warehouse to connect (unless the target sets its own timeout) and "
    "for each S3 request.",
)
@warehouse_options
@s3_options
@click.option("--json", "as_json", is_flag=True, help="Print the checks as one JSON document.")
@click.pass_context
def debug(
    ctx: click.Context,
    schema: str | None,
    ledger_schema: str | None,
    base: str | None,
    timeout: float,
    target: str | None,
    profile: str | None,
    profiles_dir: str | None,
    as_json: bool,
) -> None:
    """Check that loads could run: the target, its driver, the connection, the right to create
    tables, the ledger, the base, and (for Redshift) COPY's credentials. Nothing is changed.

    One line per check, starting with ok, FAIL or skip. Passwords and keys are never printed. A
    DuckDB file that does not exist is reported, not created; the probe object written under
    --base is removed even when reading it back fails.

    \b
    Exit codes: 0 every check passed or was skipped; 1 some check failed; 2 bad flags.
    With --json: {"checks": [{"name", "status", "detail"}, …], "ok": true|false},
    each status one of ok, fail, skip.

    \b
    Examples:
      # a PostgreSQL warehouse and the bucket its loads read
      rio debug --target postgresql://loader@db.internal/warehouse --base s3://lake/exports
      # a profile's target, into the schema analytics, through MinIO
      rio debug --profile warehouse --schema analytics --base s3://lake/exports \\
          --s3-endpoint-url http://127.0.0.1:9000 --s3-addressing-style path
      # the Go worker's REDSHIFT_HOST/PORT/DB/USER/PASSWORD, for a scheduler's log
      rio debug --base s3://metrics --json
      # a DuckDB file and a local directory
      rio debug --target duckdb:///w.duckdb --base ./data
    """
    storage = storage_settings()
    with rio_errors(usage=(ContractError,)):
        parsed_base = Base.parse(base) if base is not None else None  # a malformed --base is a bad flag
    report = _Report()
    settings = _check_profile(report, target, profile, profiles_dir)
    adapter = _check_driver(report, settings, timeout)
    # Why the checks that need the warehouse cannot ask it, when they cannot.
    unasked = "no target" if settings is None else "no driver"
    session = _check_connection(report, adapter, unasked)
    try:
        if adapter is None or settings is None:
            report.add("create", SKIP, unasked)
            report.add("ledger", SKIP, unasked)
        else:
            from rio.adapters.probe import fallback_schema
            from rio.profiles import default_schema

            schema = schema or default_schema(settings) or fallback_schema(adapter)
            _check_create(report, adapter, session, [schema, ledger_schema or schema])
            _check_ledger(report, adapter, session, ledger_schema or schema)
    finally:
        if session is not None:
            session.close()
    _check_base(report, parsed_base, storage, timeout)
    _check_copy(report, adapter, parsed_base, unasked)
    if as_json:
        emit_json({"checks": [asdict(check) for check in report.checks], "ok": report.ok})
    else:
        _print(report)
    ctx.exit(0 if report.ok else EXIT_FAILED)


def _print(report: _Report) -> None:
    for check in report.checks:
        if check.status != FAIL and quiet():
            continue
        line = f"{_MARKS[check.status]:<4}  {check.name:<10}  {check.detail}"
        click.secho(line, fg="red" if check.status == FAIL else None)
    failed = sum(check.status == FAIL for check in report.checks)
    skipped = sum(check.status == SKIP for check in report.checks)
    if failed:
        click.secho(f"{failed} of {len(report.checks)} checks failed", fg="red")
    elif not quiet():
        click.echo(f"all checks passed{f' ({skipped} skipped)' if skipped else ''}")


# --- the checks, in the order they run ------------------------------------------------------------


def _check_profile(
    report: _Report, target: str | None, profile: str | None, profiles_dir: str | None
) -> dict[str, Any] | None:
    """Where the target comes from, and that it reads: a URL, a profile's output, or REDSHIFT_*."""
    from rio.profiles import describe_target, find_profiles_file, resolve_target, safe_url

    settings: dict[str, Any] | None = None
    with report.failing_as("profile"):
        settings = resolve_target(target, profile, profiles_dir)
    if settings is None:
        return None
    if target is not None and "://" in target:
        source = f"the URL {safe_url(target)}"
    elif profile is not None:
        output = f"target {target}" if target else "its default target"
        source = f"profile {profile} ({output}) in {find_profiles_file(profiles_dir)}"
    else:
        source = "REDSHIFT_HOST, REDSHIFT_PORT, REDSHIFT_DB, REDSHIFT_USER and REDSHIFT_PASSWORD"
    report.add("profile", OK, f"{describe_target(settings)}, from {source}")
    return settings


def _check_driver(report: _Report, settings: dict[str, Any] | None, timeout: float) -> Adapter | None:
    """The target's adapter, with its driver imported: else what to install."""
    if settings is None:
        report.add("driver", SKIP, "no target")
        return None
    from rio.adapters import adapter_class
    from rio.adapters.probe import bounded_settings

    adapter: Adapter | None = None
    with report.failing_as("driver"):
        adapter = adapter_class(str(settings["type"]))(bounded_settings(settings, timeout))
        module = adapter.import_driver()
        if module is None:
            report.add("driver", OK, f"the {adapter.type} adapter needs no driver")
        else:
            version = getattr(module, "__version__", "")
            extra = adapter.driver_extra or adapter.type
            report.add("driver", OK, f"{adapter.driver} {version} (from pip install 'rio[{extra}]')".strip())
        return adapter
    return None


def _check_connection(report: _Report, adapter: Adapter | None, unasked: str) -> Session | None:
    """A session on the warehouse and its version; a DuckDB file that is not there is not made."""
    if adapter is None:
        report.add("connection", SKIP, unasked)
        return None
    from rio.adapters.probe import missing_warehouse, server_version
    from rio.profiles import describe_target

    missing = missing_warehouse(adapter)
    if missing is not None:
        report.add("connection", FAIL, f"{missing}; not created (check the path: a load would make it empty)")
        return None
    session: Session | None = None
    with report.failing_as("connection"):
        session = adapter.connect()
        version = server_version(adapter, session)
        report.add("connection", OK, f"{describe_target(adapter.settings)}: {version or 'connected'}")
    return session


def _check_create(report: _Report, adapter: Adapter, session: Session | None, schemas: list[str]) -> None:
    """The right to create the load's tables (and the ledger) in their schemas."""
    from rio.adapters.probe import may_create

    with report.failing_as("create"):
        answers = [may_create(adapter, session, schema) for schema in dict.fromkeys(schemas)]
        known = [answer for answer in answers if answer is not None]
        if not known:
            why = "no connection" if session is None else f"rio cannot ask a {adapter.type} warehouse"
            report.add("create", SKIP, why)
            return
        allowed = all(answer.allowed for answer in known)
        report.add("create", OK if allowed else FAIL, "; ".join(answer.detail for answer in known))


def _check_ledger(report: _Report, adapter: Adapter, session: Session | None, schema: str) -> None:
    """Whether ``schema.rio_loads`` is there, is rio's ledger, and how many loads it holds."""
    if session is None:
        report.add("ledger", SKIP, "no connection")
        return
    from rio.adapters.probe import count_rows
    from rio.ledger import LEDGER_TABLE, Ledger

    with report.failing_as("ledger"):
        columns = adapter.read_columns(session, schema, LEDGER_TABLE)
        if columns is None:
            report.add("ledger", OK, f"no {schema}.{LEDGER_TABLE} yet: the first load creates it")
            return
        Ledger(adapter, schema).check(columns)  # a table of its name that is not the ledger fails here
        loads = count_rows(adapter, session, schema, LEDGER_TABLE)
        latest = adapter.max_value(session, schema, LEDGER_TABLE, "loaded_at") if loads else None
        when = f", the latest at {_utc(latest)}" if isinstance(latest, datetime) else ""
        noun = "load" if loads == 1 else "loads"
        report.add("ledger", OK, f"{schema}.{LEDGER_TABLE} holds {loads:,} {noun}{when}")


def _utc(moment: datetime) -> str:
    """A ledger time (naive, in UTC) as RFC 3339."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def _check_base(report: _Report, base: Base | None, storage: StorageSettings, timeout: float) -> None:
    """That the base takes a small object, gives it back, and lets it be removed."""
    if base is None:
        report.add("base", SKIP, "no --base given")
        return
    from rio.adapters.probe import probe_store

    with report.failing_as("base"):
        # Two attempts, not a load's ten: a base that is not there should say so in seconds.
        store = storage.open(base, connect_timeout=timeout, read_timeout=timeout, max_attempts=2)
        try:
            report.add("base", OK, f"{base}: {probe_store(store)}")
        finally:
            store.close()


def _check_copy(report: _Report, adapter: Adapter | None, base: Base | None, unasked: str) -> None:
    """For Redshift, which credentials its COPY reads S3 with (elsewhere rio reads the files itself)."""
    if adapter is None:
        report.add("copy", SKIP, unasked)
        return
    from rio.adapters.probe import copy_authorization

    with report.failing_as("copy"):
        authorization = copy_authorization(adapter)
        if authorization is None:
            report.add("copy", SKIP, f"{adapter.type}: rio reads the files and feeds COPY itself")
        elif base is not None and base.scheme != "s3":
            report.add("copy", FAIL, f"Redshift's COPY reads only from S3, and {base} is a local directory")
        else:
            report.add("copy", OK, f"COPY authorizes with {authorization}")
