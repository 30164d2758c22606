"""Redshift's COPY from S3, emulated for warehouses that cannot read S3 themselves.

Each data file is streamed from the store through the Rust core's decoder, which applies Redshift's
``FORMAT AS JSON 'auto ignorecase'`` rules with the request's data-conversion options (TIMEFORMAT,
DATEFORMAT, ACCEPTINVCHARS, ROUNDEC, TRUNCATECOLUMNS) and writes rows in the warehouse's bulk-load
format; the adapter feeds that to its bulk path inside the load's transaction. The manifest's rules are
Redshift's: a mandatory file that is missing fails the COPY, a missing optional one is skipped, a
file listed twice loads twice, and finding no file at all fails. Rejected rows count toward
``MAXERROR``; reaching it fails the COPY with every rejected row's file, line, column, value, reason
and Redshift error code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from rio import redaction
from rio._words import plural
from rio.adapters.base import CopyRequest, CopyResult, DataFile
from rio.errors import CopyFailed, ObjectNotFound
from rio.storage import ObjectStore

__all__ = ["Sink", "decode_files", "decode_files_in_parallel", "describe_rejected"]

log = redaction.logger("rio.copy")

#: Bytes read from a store per call; the decoder keeps its own state between calls.
CHUNK_BYTES = 1 << 20
#: Rejected rows shown in an error message; all are on the exception.
_SHOWN = 5


class Sink(Protocol):
    """Where the rows decoded from one file go, opened and closed as a context manager."""

    def __enter__(self) -> Sink: ...
    def __exit__(self, *exc: object) -> None: ...
    def write(self, data: bytes) -> object: ...


def describe_rejected(row: object) -> str:
    """One rejected row as a line: file, line, column, value, reason and code."""
    fields = {name: getattr(row, name, "") for name in ("file", "line", "column", "value", "reason", "code")}
    column = f", column {fields['column']}" if fields["column"] else ""
    value = f", value {fields['value']!r}" if fields["value"] else ""
    return (
        f"{fields['file']} line {fields['line']}{column}{value}: {fields['reason']} (error {fields['code']})"
    )


def _none_exists(files: int) -> str:
    """That not one of a manifest's ``files`` exists, as COPY's failure says it."""
    if files == 1:
        return "the one file of the manifest does not exist"
    return f"none of the {plural(files, 'file')} of the manifest exists"


@dataclass
class _Tally:
    """What the files of one COPY have given so far, shared by the threads decoding them."""

    request: CopyRequest
    rows: int = 0
    rejected: int = 0
    rejected_rows: list[Any] = field(default_factory=list)
    files_read: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def limit(self) -> int:
        # MAXERROR 0 and 1 both fail on the first rejected row.
        return max(self.request.max_errors, 1)

    def over_limit(self, pending: int = 0) -> bool:
        return self.rejected + pending >= self.limit

    def failure(self) -> CopyFailed:
        lines = "\n  ".join(describe_rejected(row) for row in self.rejected_rows[:_SHOWN])
        more = f"\n  … and {self.rejected - _SHOWN} more" if self.rejected > _SHOWN else ""
        return CopyFailed(
            f"Load into table '{self.request.table}' failed: {plural(self.rejected, 'row')} rejected, "
            f"MAXERROR {self.request.max_errors}:\n  {lines}{more}",
            errors=list(self.rejected_rows),
        )

    def result(self) -> CopyResult:
        if self.files_read == 0:
            raise CopyFailed(
                f"Load into table '{self.request.table}' failed: {_none_exists(len(self.request.files))}, "
                "and COPY fails when it finds no files"
            )
        if self.rejected:
            log.warning(
                "%s: %s could not be loaded (below MAXERROR %d)",
                self.request.table,
                plural(self.rejected, "row"),
                self.request.max_errors,
            )
        return CopyResult(self.rows, self.rejected_rows)


def _decode_file(
    file: DataFile, tally: _Tally, store: ObjectStore, output: str, write: Callable[[bytes], object]
) -> None:
    """Decode one file into ``write``, adding its rows and rejections to the tally."""
    from rio._core import Decoder

    request = tally.request
    try:
        stream = store.open_url(file.url)
    except ObjectNotFound as exc:
        if file.mandatory:
            raise CopyFailed(
                f"Load into table '{request.table}' failed: the manifest's mandatory file {file.url} "
                "does not exist (error 1212)"
            ) from exc
        log.warning("skipping %s: it does not exist and is not mandatory", file.url)
        return
    log.debug("reading %s into %s", file.url, request.table)
    with stream:
        first = stream.read(CHUNK_BYTES)
        decoder = Decoder(
            [(column.name, column.type, column.not_null) for column in request.columns],
            output=output,
            # Redshift's GZIP applies to every file; rio tells each file by its own bytes, so a
            # manifest mixing plain and gzip'd files loads as it would with the right keyword.
            gzip=first[:2] == b"\x1f\x8b",
            truncate_columns=request.truncate_columns,
            time_format=request.time_format,
            date_format=request.date_format,
            accept_invalid_chars=request.accept_invalid_chars,
            round_decimals=request.round_decimals,
            source=file.url,
        )
        chunk = first
        while chunk:
            write(decoder.feed(chunk))
            if tally.over_limit(decoder.rejected):
                break
            chunk = stream.read(CHUNK_BYTES)
        else:
            write(decoder.finish())
    with tally.lock:
        tally.files_read += 1
        tally.rows += decoder.rows
        tally.rejected += decoder.rejected
        tally.rejected_rows.extend(decoder.rejected_rows)


def decode_files(
    request: CopyRequest, store: ObjectStore, output: str, write: Callable[[bytes], object]
) -> CopyResult:
    """Decode every file of the request, in order, into ``write`` ("postgres" or "csv" output)."""
    tally = _Tally(request)
    for file in request.files:
        _decode_file(file, tally, store, output, write)
        if tally.over_limit():
            raise tally.failure()
    return tally.result()


def decode_files_in_parallel(
    request: CopyRequest,
    store: ObjectStore,
    output: str,
    open_sink: Callable[[int], Sink],
    workers: int,
    *,
    consume: Callable[[], object] | None = None,
    abort: Callable[[str], object] | None = None,
) -> CopyResult:
    """Decode the request's files on ``workers`` threads, file ``i`` into ``open_sink(i)``.

    The decoder releases the GIL, so files decode side by side; each goes to its own sink, so a
    warehouse that reads several files at once keeps the manifest's order by sink index.

    ``consume``, when given, runs on the calling thread while the files decode: the warehouse reading
    what the sinks are given (DuckDB's ``INSERT`` from a stream). ``abort(reason)`` stops it and the
    sinks when a file fails or MAXERROR is reached, and stops the sinks when ``consume`` fails. The
    error raised is the first file's failure, else MAXERROR's, else ``consume``'s own.
    """
    tally = _Tally(request)
    files: Sequence[DataFile] = request.files
    # What went wrong, in the order it happened: an exception, or None for MAXERROR. The first is the
    # cause; the later ones are mostly what aborting did to the others.
    failures: list[BaseException | None] = []
    failed = threading.Lock()

    def fail(failure: BaseException | None, reason: str) -> None:
        with failed:
            failures.append(failure)
        if abort is not None:
            abort(reason)

    def run(index: int) -> None:
        try:
            if tally.over_limit() or failures:
                return
            with open_sink(index) as sink:
                _decode_file(files[index], tally, store, output, sink.write)
        except BaseException as exc:
            fail(exc, f"decoding {files[index].url} failed: {exc}")
            return
        if tally.over_limit():
            fail(None, f"MAXERROR {request.max_errors} reached")

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="rio-decode") as pool:
        futures = [pool.submit(run, index) for index in range(len(files))]
        if consume is not None:
            try:
                consume()
            except BaseException as exc:
                fail(exc, "the load stopped reading rows")
            # Nothing reads the sinks any more: a worker still writing must stop, not wait.
            if abort is not None:
                abort("the load stopped reading rows")
        for future in futures:
            future.result()
    if failures:
        first = failures[0]
        raise tally.failure() if first is None else first
    return tally.result()
