"""``rio load SOURCE TARGET``: odo's URIs — files, globs, S3 objects, manifests, queries — into a table."""

from __future__ import annotations

from typing import Any

import click

from rio._words import plural
from rio.cli._common import (
    emit_json,
    progress,
    rio_errors,
    s3_options,
    say,
    storage_settings,
    upsert_key_option,
)
from rio.cli._verbosity import outcomes_printed_here
from rio.errors import ConfigError, ContractError, UnknownAdapter

__all__ = ["load"]


@click.command()
@click.argument("source")
@click.argument("target")
@upsert_key_option("Upsert on these key columns: the last write of a key wins, NULL keys match.")
@click.option(
    "--mode",
    type=click.Choice(["append", "upsert", "truncate"]),
    help="append (default), upsert (the default with --upsert-key), or truncate: replace every row.",
)
@click.option(
    "--create/--no-create",
    default=True,
    show_default=True,
    help="Create a missing table from types inferred over the whole input.",
)
@click.option(
    "--table-columns",
    metavar="'NAME TYPE, …'",
    help="Create a missing table with these columns instead of inferring them, e.g. "
    "'id bigint not null, amount decimal(12,2), seen timestamptz, doc super' (any type a config takes).",
)
@click.option(
    "--base",
    metavar="STAGING",
    help="Where to stage the parts: s3://bucket/prefix or a directory. Default: $RIO_S3_BASE_PATH, "
    "else (PostgreSQL, DuckDB) a temporary directory.",
)
@click.option("--keep-staged", is_flag=True, help="Keep the staged parts and manifest after the load.")
@click.option(
    "--format",
    "input_format",
    type=click.Choice(["csv", "tsv", "ndjson", "json"]),
    help="The files' format (default: from the name, else sniffed).",
)
@click.option("--delimiter", metavar="CHAR", help="CSV delimiter (default: sniffed).")
@click.option("--query", metavar="SQL", help="With a postgresql:// SOURCE: the query whose rows to load.")
@s3_options
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@click.pass_context
def load(
    ctx: click.Context,
    source: str,
    target: str,
    upsert_keys: tuple[str, ...],
    mode: str | None,
    create: bool,
    table_columns: str | None,
    base: str | None,
    keep_staged: bool,
    input_format: str | None,
    delimiter: str | None,
    query: str | None,
    as_json: bool,
) -> None:
    """Load SOURCE into the table TARGET names, through rio's staging and loader.

    \b
    SOURCE: a file or glob (data/*.csv, events.ndjson.gz, export.json), an S3 object
    or glob (s3://bucket/exports/users*.csv.gz), a COPY manifest (….manifest), or
    a PostgreSQL URL with --query.
    TARGET: a warehouse URL and a table after '::' —
      postgresql://user:pw@host:5432/db::schema.table
      redshift://user:pw@host:5439/db::schema.table   (stages in S3: $RIO_S3_BASE_PATH)
      duckdb:///warehouse.duckdb::schema.table

    A missing table is created from types inferred over the whole input (rio says which), with
    VARCHAR widths from the longest values. A bad row, a ragged CSV line or a glob that matches
    nothing fails the load and leaves the table as it was.

    \b
    Examples:
      rio load users.csv duckdb:///w.duckdb::shop.users --upsert-key id
      rio load visits.csv duckdb:///w.duckdb::shop.visits --upsert-keys user_id,day
      rio load 's3://lake/exports/events*.csv.gz' redshift://loader@cluster:5439/dw::analytics.events
      rio load postgresql://app@db/app duckdb:///w.duckdb::copy.orders --query 'SELECT * FROM orders'
      rio load 's3://lake/users*.csv' duckdb:///w.duckdb::crm.users --s3-endpoint-url http://127.0.0.1:9000
      rio load orders.csv duckdb:///w.duckdb::shop.orders \\
          --table-columns 'id bigint not null, total decimal(12,2), placed timestamptz, note varchar(64)'
    """
    from rio.transfer import load as load_source

    options: dict[str, Any] = {}
    if input_format is not None:
        options["format"] = input_format
    if delimiter is not None:
        options["delimiter"] = delimiter
    if query is not None:
        options["query"] = query
    if upsert_keys and mode not in (None, "upsert"):
        raise click.UsageError(f"--upsert-key goes with --mode upsert, not --mode {mode}")
    if mode == "upsert" and not upsert_keys:
        raise click.UsageError("--mode upsert needs --upsert-key COLUMN")
    declared = None
    if table_columns is not None:
        from rio.config import parse_column_list

        with rio_errors(usage=(ConfigError,)):
            declared = parse_column_list(table_columns)
    with progress() as bar, outcomes_printed_here():
        task = bar.add_task("loading", total=None, detail="")

        def advanced(rows: int, read: int, size: int | None) -> None:
            shown = f"{plural(rows, 'row')}, {read / 1e6:,.1f}" + (
                f" of {size / 1e6:,.1f} MB" if size else " MB"
            )
            bar.update(task, total=size, completed=read, detail=shown)

        with rio_errors(usage=(ContractError, ConfigError, UnknownAdapter)):
            result = load_source(
                source,
                target,
                upsert_keys=upsert_keys,
                mode=mode,
                create=create,
                table_columns=declared,
                base=base,
                keep_staged=keep_staged,
                storage=storage_settings(),
                on_progress=advanced,
                **options,
            )
    outcome = result.outcome
    if as_json:
        emit_json(
            {
                **outcome.to_dict(),
                "source": result.source,
                "rows_read": result.rows,
                # null when the table was not created from inferred types (it existed, or was declared)
                "inferred": [{"name": c.name, "type": c.type} for c in result.inferred] or None,
                "staged": result.staged,
            }
        )
    else:
        if result.inferred:
            described = ", ".join(f"{column.name} {column.type}" for column in result.inferred)
            say(f"created {outcome.name} from types inferred over {plural(result.rows, 'row')}: {described}")
        say(f"{outcome.name}: {outcome.status.value} {plural(outcome.rows, 'row')} from {result.source}")
        for url in result.staged:
            say(f"kept {url}")
    ctx.exit(0)
