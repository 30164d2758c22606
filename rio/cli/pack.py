"""``rio pack``: NDJSON or CSV from files or stdin into gzip parts, a manifest and a load config."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import IO, Any, cast

import click

from rio.cli._common import (
    CommandFailed,
    emit_json,
    progress,
    rio_errors,
    s3_options,
    store_options,
    target_settings,
    warehouse_options,
)
from rio.errors import ConfigError, ContractError, RowError

__all__ = ["pack"]

_GZIP_MAGIC = b"\x1f\x8b"
#: Rows between two refreshes of the progress bar (a refresh per row would cost more than packing).
_PROGRESS_EVERY = 20_000
_ONE_SECOND = timedelta(seconds=1)


@dataclass
class _Source:
    """One input: a file or stdin, its name for messages, and its size when known."""

    name: str
    opener: Callable[[], IO[bytes]]
    size: int | None


class _HandOff:
    """An executor that runs nothing: ``send`` writes the manifest and config, and the job comes back."""

    def submit(self, job: Any) -> Any:
        from rio.executors import JobReceipt

        return JobReceipt(job.id, job)


def _sources(files: tuple[str, ...]) -> list[_Source]:
    if not files or files == ("-",):
        return [_Source("<stdin>", lambda: sys.stdin.buffer, None)]
    sources = []
    for name in files:
        if name == "-":
            raise click.UsageError("stdin (-) cannot be mixed with files")
        path = Path(name)
        if not path.is_file():
            raise click.UsageError(f"input {name!r} is not a file")
        sources.append(_Source(name, partial(_open_binary, path), path.stat().st_size))
    return sources


def _open_binary(path: Path) -> IO[bytes]:
    return path.open("rb")


def _decompressed(raw: IO[bytes]) -> IO[bytes]:
    """``raw`` itself, or a gzip reader over it when it starts with gzip's magic bytes."""
    buffered: Any = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(cast(Any, raw))
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
    return cast(IO[bytes], buffered)


def _format_of(name: str, given: str | None) -> str:
    if given is not None:
        return given
    lowered = name.lower().removesuffix(".gz")
    return "csv" if lowered.endswith((".csv", ".tsv")) else "ndjson"


def _ndjson_rows(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(stream, start=1):
        stripped = line.strip()
        if stripped:
            yield number, stripped


_TRUE = frozenset({"true", "t", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "f", "0", "no", "n", "off"})


def _csv_converters(config: Any) -> dict[str, Callable[[str], Any]]:
    """How each typed column's CSV text becomes a JSON value (an empty field is NULL outside text)."""

    def boolean(text: str) -> Any:
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return text  # the packer refuses it, naming the column

    def number(kind: type) -> Callable[[str], Any]:
        def convert(text: str) -> Any:
            try:
                return kind(text.strip())
            except ValueError:
                return text  # the packer refuses it, naming the column

        return convert

    by_type: dict[str, Callable[[str], Any]] = {
        "boolean": boolean,
        "int": number(int),
        "bigint": number(int),
        "float": number(float),
    }
    converters = {}
    for column in config.columns if config is not None else ():
        if column.type in by_type:
            converters[column.name.lower()] = by_type[column.type]
        elif column.type in ("date", "timestamp"):
            converters[column.name.lower()] = str
    return converters


def _csv_rows(stream: IO[bytes], delimiter: str, config: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return
    converters = _csv_converters(config)
    typed = {name: converters.get(name.lower()) for name in header}
    for record in reader:
        if not record:
            continue
        if len(record) != len(header):
            raise _BadInput(
                reader.line_num, f"has {len(record)} fields, and the header has {len(header)} ({header})"
            )
        row: dict[str, Any] = {}
        for name, value in zip(header, record, strict=True):
            convert = typed[name]
            if convert is None:
                row[name] = value
            else:
                row[name] = None if value == "" else convert(value)
        yield reader.line_num, row


class _BadInput(Exception):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line


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
    type=click.Choice(["ndjson", "csv"]),
    help="Input format. Default: csv for *.csv[.gz] and *.tsv[.gz], else ndjson (one JSON object a line).",
)
@click.option("--delimiter", default=",", show_default=True, help="CSV field delimiter.")
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
@click.option("--send", "then_send", is_flag=True, help="Load the data too, into --target or via --endpoint.")
@click.option(
    "--mode",
    type=click.Choice(["append", "refresh", "truncate", "upsert"]),
    default="append",
    show_default=True,
    help="The load's mode (with --send, or in the job printed).",
)
@click.option("--upsert-keys", multiple=True, metavar="A,B", help="Key columns of --mode upsert.")
@warehouse_options
@s3_options
@click.option("--endpoint", metavar="URL", help="With --send: post the job to a running `rio serve`.")
@click.option("--token", envvar="RIO_SERVE_TOKEN", metavar="TOKEN", help="--endpoint's bearer token.")
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
    delimiter: str,
    date: str | None,
    buffer_size: int,
    truncate_long_text: bool,
    then_send: bool,
    mode: str,
    upsert_keys: tuple[str, ...],
    target: str | None,
    profile: str | None,
    profiles_dir: str | None,
    s3_endpoint_url: str | None,
    endpoint: str | None,
    token: str | None,
    as_json: bool,
    files: tuple[str, ...],
) -> None:
    """Pack rows from FILES (or stdin) into gzip'd NDJSON parts, a COPY manifest and a load config.

    Each row is checked against the config's columns the way Redshift's COPY will read it; a bad
    row stops the pack with its file and line, and nothing is left behind. Inputs may be gzip'd.
    Without --send, rio prints the `rio send` command that loads what it wrote.

    \b
    Examples:
      rio pack --schema analytics --table events --base s3://lake/events --config events.yml events.ndjson
      zcat export.ndjson.gz | rio pack --schema analytics --table events --base ./data --config events.yml -
      rio pack --schema analytics --table users --base ./data --config users.yml users.csv \\
          --send --target duckdb:///w.duckdb --mode upsert --upsert-keys id
    """
    from rio import contract
    from rio.cli.send import split_names
    from rio.config import DestinationConfig
    from rio.pipe import RedshiftIO

    sources = _sources(files)
    keys = split_names(upsert_keys)
    if then_send and config_path is None:
        raise click.UsageError("--send needs --config: the load creates and checks the table from it")
    if keys and mode != "upsert":
        raise click.UsageError("--upsert-keys goes with --mode upsert")
    with rio_errors(usage=(ContractError, ConfigError)):
        when = contract.parse_date_argument(date) if date is not None else None
        config = (
            DestinationConfig.from_yaml(
                Path(config_path).read_bytes(), table=table, schema=schema, source=config_path
            )
            if config_path is not None
            else DestinationConfig(schema, table, [])
        )
    executor: Any = None
    if then_send and endpoint is not None:
        from rio.executors import HttpExecutor

        if not token:
            raise click.UsageError("--endpoint needs the server's bearer token: --token or RIO_SERVE_TOKEN")
        executor = HttpExecutor(endpoint.rstrip("/") + "/jobs", token=token)
    elif then_send:
        from rio.executors import EmbeddedExecutor

        executor = EmbeddedExecutor(target_settings(target, profile, profiles_dir))
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
            **store_options(s3_endpoint_url),
        )
    try:
        rows = _pack_sources(pipe, sources, input_format, delimiter, config if config_path else None)
    except BaseException:
        # Nothing half-done stays behind: the parts stored so far are removed.
        pipe.reset(delete_uploaded=True)
        pipe.close_without_sending()
        raise
    with rio_errors(usage=(ContractError,)):
        try:
            written = _finish(pipe, when, mode, keys, has_config=config_path is not None)
        except BaseException:
            pipe.close_without_sending()
            raise
        pipe.close_without_sending()
    written["rows"] = rows
    code = _report(written, then_send=then_send, endpoint=endpoint, token=token, as_json=as_json)
    ctx.exit(code)


def _pack_sources(
    pipe: Any, sources: list[_Source], input_format: str | None, delimiter: str, config: Any
) -> int:
    total = sum(source.size or 0 for source in sources) if all(s.size for s in sources) else None
    rows = 0
    with progress() as bar:
        task = bar.add_task("packing", total=total, detail="0 rows")
        done_before = 0
        for source in sources:
            with ExitStack() as stack:
                raw = stack.enter_context(source.opener()) if source.name != "<stdin>" else source.opener()
                stream = _decompressed(raw)
                kind = _format_of(source.name, input_format)
                produced: Iterator[tuple[int, Any]] = (
                    _csv_rows(stream, delimiter, config) if kind == "csv" else _ndjson_rows(stream)
                )
                line = 0
                try:
                    for number, row in produced:
                        line = number
                        pipe.pack(row)
                        rows += 1
                        if rows % _PROGRESS_EVERY == 0:
                            position = raw.tell() if source.size else 0
                            bar.update(task, completed=done_before + position, detail=f"{rows:,} rows")
                except RowError as exc:
                    raise CommandFailed(f"{source.name}: line {line}: {exc}; nothing was kept") from exc
                except _BadInput as exc:
                    raise CommandFailed(f"{source.name}: line {exc.line}: {exc}; nothing was kept") from exc
                except (UnicodeDecodeError, csv.Error, OSError, EOFError) as exc:
                    raise CommandFailed(
                        f"{source.name}: cannot be read after line {line}: {exc}; nothing was kept"
                    ) from exc
            done_before += source.size or 0
            bar.update(task, completed=done_before, detail=f"{rows:,} rows")
    return rows


def _finish(pipe: Any, when: Any, mode: str, keys: tuple[str, ...], *, has_config: bool) -> dict[str, Any]:
    """Write the manifest (and, with a config, the load config) and hand the job over."""
    from rio import contract

    destination = pipe.destination
    if not has_config:
        # Parts and a manifest only: there is no config to load them with yet.
        pipe.seal()
        date = when or contract.data_date_now()
        while pipe.store.exists(contract.manifest_key(destination.schema, destination.table, date)):
            if when is not None:
                raise CommandFailed(f"a manifest for {contract.format_data_date(date)} already exists")
            date += _ONE_SECOND
        url = pipe.create_and_upload_custom_manifest(
            contract.manifest_key(destination.schema, destination.table, date)
        )
        return {"manifest": url, "config": None, "date": contract.format_data_date(date), "job": None}
    receipt = pipe.send(date=when, mode=mode, upsert_keys=keys or None)
    if receipt is None:
        raise CommandFailed("no rows were read, so nothing was written (COPY refuses an empty manifest)")
    return {"receipt": receipt}


def _report(
    written: dict[str, Any], *, then_send: bool, endpoint: str | None, token: str | None, as_json: bool
) -> int:
    from rio.contract import Job
    from rio.loader.report import LoadReport, TableOutcome, exit_code_of

    rows = written["rows"]
    receipt = written.get("receipt")
    if receipt is None:
        if as_json:
            emit_json({"rows": rows, "manifest": written["manifest"], "date": written["date"]})
        else:
            click.echo(f"packed {rows:,} rows; manifest: {written['manifest']}")
            click.echo("no --config was given, so no load config was written beside it")
        return 0
    detail = receipt.detail
    if not then_send:
        job: Job = detail
        if as_json:
            emit_json({"rows": rows, "job": job.id, "job_payload": _job_dict(job)})
        else:
            click.echo(f"packed {rows:,} rows for {job.schema}.{job.tables[0]} ({_date_of(job)})")
            click.echo("load it with:")
            click.echo(f"  rio send --base {job.base} --schema {job.schema} --tables {job.tables[0]} "
                       f"--date {_date_of(job)} --target …")  # fmt: skip
        return 0
    if endpoint is not None:
        from rio.server.client import wait

        assert token is not None
        result = wait(endpoint, receipt.job_id, token, timeout=3600.0, poll_interval=0.5)
        outcomes = [TableOutcome.from_dict(answered) for answered in result.get("outcomes") or []]
        code = exit_code_of(outcome.status for outcome in outcomes)
    else:
        report: LoadReport = detail
        outcomes = list(report.outcomes)
        code = report.exit_code
    if as_json:
        emit_json({"rows": rows, "job": receipt.job_id, "outcomes": [o.to_dict() for o in outcomes],
                   "exit_code": code})  # fmt: skip
    else:
        click.echo(f"packed {rows:,} rows")
        for outcome in outcomes:
            click.secho(outcome.line(), fg={"failed": "red", "stale": "yellow"}.get(outcome.status.value))
    return code


def _date_of(job: Any) -> str:
    from rio import contract

    return contract.format_data_date(job.date)


def _job_dict(job: Any) -> Any:
    return json.loads(job.to_json())
