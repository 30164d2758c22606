"""``rio history``: what the ``rio_loads`` ledger says was loaded, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from rio.cli._common import CommandFailed, emit_json, rio_errors, target_settings, warehouse_options

__all__ = ["history"]


@click.command()
@click.option("--table", "qualified", metavar="SCHEMA.TABLE", help="Only this table's loads.")
@click.option(
    "--schema",
    metavar="SCHEMA",
    help="The schema whose ledger to read (default: --table's schema). Needed without --table.",
)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most this many.")
@warehouse_options
@click.option("--json", "as_json", is_flag=True, help="Print the rows as a JSON array.")
def history(
    qualified: str | None,
    schema: str | None,
    limit: int,
    target: str | None,
    profile: str | None,
    profiles_dir: str | None,
    as_json: bool,
) -> None:
    """Show the loads recorded in the rio_loads ledger, newest first.

    Every load rio commits writes one ledger row in the same transaction: table, data date, mode,
    rows, job id, manifest. A date in the ledger is "already loaded" to later jobs. A DuckDB file
    that does not exist is an error (exit 1), never created.

    \b
    Examples:
      rio history --table analytics.events --target duckdb:///w.duckdb
      rio history --schema analytics --profile warehouse --json
    """
    from rio.adapters import resolve_adapter
    from rio.adapters.probe import missing_warehouse
    from rio.ledger import Ledger

    table: str | None = None
    if qualified is not None:
        if qualified.count(".") != 1 or not all(qualified.split(".")):
            raise click.UsageError(f"--table takes SCHEMA.TABLE, not {qualified!r}")
        table_schema, table = qualified.split(".")
        schema = schema or table_schema
    if schema is None:
        raise click.UsageError("which ledger? give --table SCHEMA.TABLE or --schema SCHEMA")
    settings = target_settings(target, profile, profiles_dir)
    with rio_errors():
        adapter = resolve_adapter(settings)
        # Connecting to a DuckDB file that is not there would make an empty one: a typo would pass
        # for a warehouse where nothing was ever loaded.
        missing = missing_warehouse(adapter)
        if missing is not None:
            raise CommandFailed(
                f"{missing}; rio history only reads a warehouse, and created none: check the path in "
                "--target or the profile"
            )
        session = adapter.connect()
        try:
            loads = Ledger(adapter, schema).history(session, table=table, limit=limit)
        finally:
            session.close()
    if loads is None:
        raise CommandFailed(f"no ledger in schema {schema!r}: nothing has been loaded there by rio")
    records = [{name: _plain(value) for name, value in load.items()} for load in loads]
    if as_json:
        emit_json(records)
        return
    if not records:
        click.echo(f"no loads recorded{f' for {qualified}' if qualified else ''}")
        return
    _print_table(records)


def _plain(value: Any) -> Any:
    """Ledger times as RFC 3339 in UTC (the ledger keeps them naive, in UTC)."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value


def _print_table(records: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("table", "data date", "mode", "rows", "job", "loaded at")
    for record in records:
        table.add_row(
            f"{record['schema_name']}.{record['table_name']}",
            str(record["data_date"]),
            str(record["mode"]),
            f"{record['rows_loaded']:,}",
            str(record["job_id"] or ""),
            str(record["loaded_at"]),
        )
    Console(width=max(Console().width, 120)).print(table)
