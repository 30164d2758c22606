"""``rio init --schema S --table T SAMPLE``: a load config (s3-to-redshift's YAML) inferred from data."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Generator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rio._words import plural
from rio.cli._common import CommandFailed, progress, rio_errors, s3_options, storage_settings
from rio.errors import ConfigError, InvalidDataTimestamp

if TYPE_CHECKING:
    from rio.sources import Source

__all__ = ["init"]

#: Rows between two updates of the progress bar.
_PROGRESS_EVERY = 10_000


def _open_sample(sample: str, input_format: str | None, delimiter: str | None) -> Source:
    """The :class:`rio.sources.Source` of SAMPLE: a file, glob or S3 object as ``rio load`` reads them,
    or standard input for ``-``."""
    from rio.sources import FileSource, open_source

    if sample == "-":
        return FileSource.of_stream(sys.stdin.buffer, "<stdin>", format=input_format, delimiter=delimiter)
    return open_source(sample, format=input_format, delimiter=delimiter, storage=storage_settings())


def _sample_rows(source: Source, limit: int | None, seen: list[int]) -> Generator[dict[str, Any], None, None]:
    """The rows of ``source`` (the first ``limit``, or all), counted into ``seen[0]``, with a progress bar
    over the input's bytes."""
    rows = source.rows()
    try:
        with progress(transient=True) as bar:
            task = bar.add_task("reading", total=source.size, detail="")
            for row in islice(rows, limit):
                seen[0] += 1
                if seen[0] % _PROGRESS_EVERY == 0:
                    bar.update(task, completed=source.bytes_read, detail=plural(seen[0], "row"))
                yield row
    finally:
        # A file source's rows are a generator: closing it closes the file now, not when collected.
        close = getattr(rows, "close", None)
        if close is not None:
            close()


@click.command()
@click.option("--schema", required=True, help="The table's schema.")
@click.option("--table", required=True, help="The table.")
@click.option(
    "--timestamp-column",
    metavar="NAME",
    help="The column that dates each row (meta.datadatecolumn). Default: the one timestamp column, or "
    "among several the one named like ts, timestamp, event_time, created_at, ….",
)
@click.option(
    "--rows",
    "row_limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Infer from the first N rows only (default: every row of the sample).",
)
@click.option(
    "--format",
    "input_format",
    type=click.Choice(["csv", "tsv", "ndjson", "json"]),
    help="The sample's format (default: from the name, else sniffed).",
)
@click.option("--delimiter", metavar="CHAR", help="CSV delimiter (default: sniffed).")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    help="Write the config to this file (default: standard output).",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@s3_options
@click.argument("sample")
def init(
    schema: str,
    table: str,
    timestamp_column: str | None,
    row_limit: int | None,
    input_format: str | None,
    delimiter: str | None,
    out_path: str | None,
    force: bool,
    sample: str,
) -> None:
    """Write the load config of a table for the rows of SAMPLE: its columns inferred as `rio load`
    infers them, and its data timestamp column.

    \b
    SAMPLE: NDJSON, CSV or a JSON array, plain or gzip'd — a file, a glob, an S3
    object, or - for standard input.

    Every row is read (or the first --rows N): each field's type is the narrowest that takes all
    its values (int, bigint, decimal(p,s), float, boolean, date, timestamp, timestamptz, super,
    VARCHARs sized by the longest value), and names are folded to lower case. The data timestamp
    column is the one timestamp column, or among several the one named like ts, timestamp,
    event_time, created_at, …; else name it with --timestamp-column (a column of dates or of
    timestamps with a zone is then declared timestamp).

    The YAML is what `rio pack --config` and the Go s3-to-redshift worker read. Review it —
    widths, sort and distribution keys, NOT NULL — before the first load.

    \b
    Examples:
      rio init --schema analytics --table events events.ndjson --out events.yml
      zcat export.json.gz | rio init --schema analytics --table events --timestamp-column seen_at -
      rio init --schema shop --table orders --rows 10000 orders.csv.gz > orders.yml
    """
    from rio.config import DestinationConfig

    out = Path(out_path) if out_path is not None else None
    if out is not None and out.exists() and not force:
        raise click.UsageError(f"--out {out_path}: the file exists; add --force to overwrite it")
    seen = [0]
    with rio_errors(usage=(ConfigError,)):
        source = _open_sample(sample, input_format, delimiter)
        with source, contextlib.closing(_sample_rows(source, row_limit, seen)) as rows:
            try:
                config = DestinationConfig.from_rows(
                    rows,
                    schema=schema,
                    table=table,
                    data_timestamp_column=timestamp_column,
                    source_name=source.name,
                )
            except InvalidDataTimestamp as exc:
                # The message names the column given; unasked, it says what could be chosen.
                hint = "" if timestamp_column is not None else " (--timestamp-column NAME)"
                raise click.UsageError(f"{exc}{hint}") from exc
    text = config.to_yaml()
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        # "x" refuses a file that appeared since the check above.
        with out.open("w" if force else "x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError as exc:
        raise click.UsageError(f"--out {out_path}: the file exists; add --force to overwrite it") from exc
    except OSError as exc:
        raise CommandFailed(f"--out {out_path}: cannot write it: {exc.strerror or exc}") from exc
    described = ", ".join(f"{column.name} {column.type}" for column in config.columns)
    click.echo(
        f"wrote {out_path}: {config.schema}.{config.table} from {plural(seen[0], 'row')} of {source.name}: "
        f"{described}; data timestamp column {config.data_timestamp_column}",
        err=True,
    )
