"""``rio pack``: NDJSON or CSV from files or stdin into gzip parts, a manifest and a load config."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rio._words import plural
from rio.cli._common import (
    CommandFailed,
    emit_json,
    job_endpoint_options,
    job_submission,
    print_outcome,
    progress,
    rio_errors,
    s3_options,
    say,
    storage_settings,
    target_settings,
    upsert_key_option,
    warehouse_options,
)
from rio.cli._verbosity import outcomes_printed_here
from rio.cli.send import copy_option_flags
from rio.errors import ConfigError, ContractError, JobSubmissionFailed, RowError, SourceError

if TYPE_CHECKING:  # the CLI imports these only when a command runs
    from rio.contract import Job
    from rio.executors import Executor, JobReceipt
    from rio.pipe import RedshiftIO
    from rio.sources import Source

__all__ = ["pack"]


class _HandOff:
    """An executor that runs nothing: ``send`` writes the manifest and config, and the job comes back."""

    def submit(self, job: Job) -> JobReceipt:
        from rio.executors import JobReceipt

        return JobReceipt(job.id, job)


def _sources(files: tuple[str, ...], input_format: str | None, delimiter: str | None) -> list[Source]:
    """A :class:`rio.sources.FileSource` per input file, or one for standard input."""
    from rio.sources import FileSource

    if not files or files == ("-",):
        return [FileSource.of_stream(sys.stdin.buffer, "<stdin>", format=input_format, delimiter=delimiter)]
    sources: list[Source] = []
    for name in files:
        if name == "-":
            raise click.UsageError("stdin (-) cannot be mixed with files")
        if not Path(name).is_file():
            raise click.UsageError(f"input {name!r} is not a file")
        sources.append(FileSource(name, format=input_format, delimiter=delimiter))
    return sources


@click.command()
@click.option("--schema", required=True, help="The table's schema.")
@click.option("--table", required=True, help="The table.")
@click.option(
    "--base",
    required=True,
    metavar="BASE",
    help="Where parts, manifest and config go: s3://bucket/prefix, or a local directory.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    help="The table's load config YAML (s3-to-redshift's shape). Rows are checked against its columns, "
    "and it is written beside the manifest so the data can be loaded. Needed by --send.",
)
@click.option(
    "--format",
    "input_format",
    type=click.Choice(["csv", "tsv", "ndjson", "json"]),
    help="Input format. Default: from the file name, else sniffed from the first bytes.",
)
@click.option("--delimiter", metavar="CHAR", help="CSV delimiter (default: sniffed).")
@click.option("--date", metavar="RFC3339", help="The data date naming manifest and config (default: now).")
@click.option(
    "--buffer-size",
    type=click.IntRange(min=1024),
    default=10_000_000,
    show_default=True,
    help="Uncompressed bytes per part.",
)
@click.option(
    "--truncate-long-text", is_flag=True, help="Cut text longer than its VARCHAR instead of failing."
)
@copy_option_flags
@click.option("--send", "then_send", is_flag=True, help="Load the data too, into --target or via --endpoint.")
@click.option(
    "--mode",
    type=click.Choice(["append", "refresh", "truncate", "upsert"]),
    default="append",
    show_default=True,
    help="The load's mode (with --send, or in the job printed).",
)
@upsert_key_option("Key columns of --mode upsert.")
@warehouse_options
@s3_options
@click.option(
    "--endpoint",
    metavar="URL",
    help="With --send: post the job to a running `rio serve` (its address, http://host:port, or its "
    "/jobs URL), which reaches S3 with its own --s3-* settings.",
)
@click.option("--token", envvar="RIO_SERVE_TOKEN", metavar="TOKEN", help="--endpoint's bearer token.")
@job_endpoint_options
@click.option("--json", "as_json", is_flag=True, help="Print what was written as one JSON document.")
@click.argument("files", nargs=-1, type=click.Path(allow_dash=True))
@click.pass_context
def pack(
    ctx: click.Context,
    schema: str,
    table: str,
    base: str,
    config_path: str | None,
    input_format: str | None,
    delimiter: str | None,
    date: str | None,
    buffer_size: int,
    truncate_long_text: bool,
    time_format: str | None,
    date_format: str | None,
    accept_invalid_chars: str | None,
    round_decimals: bool | None,
    truncate_columns: bool | None,
    max_errors: int | None,
    then_send: bool,
    mode: str,
    upsert_keys: tuple[str, ...],
    target: str | None,
    profile: str | None,
    profiles_dir: str | None,
    endpoint: str | None,
    token: str | None,
    job_timeout: float | None,
    job_attempts: int | None,
    as_json: bool,
    files: tuple[str, ...],
) -> None:
    """Pack rows from FILES (or stdin) into gzip'd NDJSON parts, a COPY manifest and a load config.

    Each row is checked against the config's columns the way Redshift's COPY will read it; a bad
    row stops the pack with its file and line, and nothing is left behind. Inputs may be gzip'd.
    Without --send, rio prints the `rio send` command that loads what it wrote.

    COPY's data-conversion options (--time-format, --date-format, --accept-invalid-chars,
    --round-decimals, --truncate-columns, --max-errors) win over the config's meta: the rows are
    checked with them, and they are written into the load config beside the data and into the job.

    \b
    Examples:
      rio pack --schema analytics --table events --base s3://lake/events --config events.yml events.ndjson
      zcat export.ndjson.gz | rio pack --schema analytics --table events --base ./data --config events.yml -
      rio pack --schema analytics --table users --base ./data --config users.yml users.csv \\
          --send --target duckdb:///w.duckdb --mode upsert --upsert-key id
      rio pack --schema analytics --table events --base s3://lake/events --config events.yml \\
          --s3-endpoint-url http://127.0.0.1:9000 events.ndjson --send --target duckdb:///w.duckdb
    """
    from rio import contract
    from rio.config import DestinationConfig
    from rio.contract import CopyOptions
    from rio.pipe import RedshiftIO

    flags = CopyOptions(
        time_format=time_format,
        date_format=date_format,
        accept_invalid_chars=accept_invalid_chars,
        round_decimals=round_decimals,
        truncate_columns=truncate_columns,
        max_errors=max_errors,
    )
    if flags.said() and config_path is None:
        given = ", ".join("--" + name.replace("_", "-") for name in flags.said())
        raise click.UsageError(f"{given} apply to the load config's columns and its load: give --config")
    sources = _sources(files, input_format, delimiter)
    keys = upsert_keys
    if then_send and config_path is None:
        raise click.UsageError("--send needs --config: the load creates and checks the table from it")
    if keys and mode != "upsert":
        raise click.UsageError("--upsert-key/--upsert-keys goes with --mode upsert")
    if endpoint is not None and not then_send:
        raise click.UsageError("--endpoint goes with --send: without it no job is posted")
    submission = job_submission(endpoint, job_timeout, job_attempts)
    # One object says how to reach S3: the pipe stores with it, the embedded loader reads with it.
    storage = storage_settings()
    with rio_errors(usage=(ContractError, ConfigError)):
        when = contract.parse_date_argument(date) if date is not None else None
        config = (
            DestinationConfig.from_yaml(
                Path(config_path).read_bytes(), table=table, schema=schema, source=config_path
            )
            if config_path is not None
            else DestinationConfig(schema, table, [])
        )
        # The flags win over the config's meta, as a job's options do; the config written beside the
        # data carries the result, so its load (here, by a job endpoint, or by `rio send`) uses them.
        config = DestinationConfig(
            config.schema,
            config.table,
            config.columns,
            config.data_timestamp_column,
            copy_options=flags.over(config.copy_options),
        )
    executor: Executor | None = None
    if then_send and endpoint is not None:
        from rio.executors import HttpExecutor

        if not token:
            raise click.UsageError("--endpoint needs the server's bearer token: --token or RIO_SERVE_TOKEN")
        with rio_errors(usage=(JobSubmissionFailed,)):
            executor = HttpExecutor(endpoint, token=token, **submission)
    elif then_send:
        from rio.executors import EmbeddedExecutor

        executor = EmbeddedExecutor(target_settings(target, profile, profiles_dir), storage=storage)
    elif config_path is not None:
        executor = _HandOff()
    with rio_errors(usage=(ContractError,)):
        pipe = RedshiftIO(
            config,
            base=base,
            buffer_size=buffer_size,
            executor=executor,
            check_columns=config_path is not None,
            truncate_long_text=truncate_long_text,
            storage=storage,
        )
    try:
        rows = _pack_sources(pipe, sources)
    except BaseException:
        # Nothing half-done stays behind: the parts stored so far are removed.
        pipe.reset(delete_uploaded=True)
        pipe.close_without_sending()
        raise
    with rio_errors(usage=(ContractError,)), outcomes_printed_here():
        try:
            written = _finish(pipe, when, mode, keys, has_config=config_path is not None)
        except BaseException:
            pipe.close_without_sending()
            raise
        pipe.close_without_sending()
    written["rows"] = rows
    with rio_errors():
        code = _report(written, then_send=then_send, endpoint=endpoint, token=token, as_json=as_json)
    ctx.exit(code)


def _pack_sources(pipe: RedshiftIO, sources: list[Source]) -> int:
    """Every source's rows into the pipe, with a progress bar over the input bytes."""
    from rio.transfer import pack_rows

    sizes = [source.size for source in sources]
    total = sum(size for size in sizes if size is not None) if None not in sizes else None
    rows = 0
    with progress() as bar:
        task = bar.add_task("packing", total=total, detail=plural(0, "row"))
        done_before = 0
        for source, size in zip(sources, sizes, strict=True):
            # Bound now: the callback runs while this source is read.
            def advanced(
                count: int, source: Source = source, before: int = done_before, rows: int = rows
            ) -> None:
                bar.update(task, completed=before + source.bytes_read, detail=plural(rows + count, "row"))

            with source:
                try:
                    rows += pack_rows(pipe, source.rows(), source.name, advanced)
                except (RowError, SourceError) as exc:
                    raise CommandFailed(f"{exc}; nothing was kept") from exc
            done_before += size or 0
    return rows


def _finish(
    pipe: RedshiftIO, when: datetime | None, mode: str, keys: tuple[str, ...], *, has_config: bool
) -> dict[str, Any]:
    """Write the manifest (and, with a config, the load config) and hand the job over."""
    from rio import contract

    if not has_config:
        # Parts and a manifest only: there is no config to load them with yet.
        pipe.seal()
        uploaded = pipe.upload_manifest(when)
        return {"manifest": uploaded.url, "date": contract.format_data_date(uploaded.date)}
    receipt = pipe.send(date=when, mode=mode, upsert_keys=keys or None)
    if receipt is None:
        raise CommandFailed("no rows were read, so nothing was written (COPY refuses an empty manifest)")
    return {"receipt": receipt}


def _report(
    written: dict[str, Any], *, then_send: bool, endpoint: str | None, token: str | None, as_json: bool
) -> int:
    from rio.loader.report import LoadReport

    rows = written["rows"]
    receipt = written.get("receipt")
    if receipt is None:
        if as_json:
            emit_json({"rows": rows, "manifest": written["manifest"], "date": written["date"]})
        else:
            say(f"packed {plural(rows, 'row')}; manifest: {written['manifest']}")
            say("no --config was given, so no load config was written beside it")
        return 0
    detail = receipt.detail
    if not then_send:
        job: Job = detail
        if as_json:
            emit_json({"rows": rows, "job": job.id, "job_payload": _job_dict(job)})
        else:
            say(f"packed {plural(rows, 'row')} for {job.schema}.{job.tables[0]} ({_date_of(job)})")
            say("load it with:")
            say(f"  rio send --base {job.base} --schema {job.schema} --tables {job.tables[0]} "
                f"--date {_date_of(job)} --target …")  # fmt: skip
        return 0
    if endpoint is not None:
        from rio.server.client import wait_outcomes

        outcomes, code = wait_outcomes(endpoint, receipt.job_id, token)
    else:
        report: LoadReport = detail
        outcomes = list(report.outcomes)
        code = report.exit_code
    if as_json:
        emit_json({"rows": rows, "job": receipt.job_id, "outcomes": [o.to_dict() for o in outcomes],
                   "exit_code": code})  # fmt: skip
    else:
        say(f"packed {plural(rows, 'row')}")
        for outcome in outcomes:
            print_outcome(outcome)
    return code


def _date_of(job: Job) -> str:
    from rio import contract

    assert job.date is not None, "a packed job always names the date its manifest was written for"
    return contract.format_data_date(job.date)


def _job_dict(job: Job) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(job.to_json())
    return payload
