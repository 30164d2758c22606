"""Redshift's COPY from S3, emulated for warehouses that cannot read S3 themselves.

Each data file is streamed from the store through the Rust core's decoder, which applies Redshift's
``FORMAT AS JSON 'auto ignorecase'`` rules and writes rows in the warehouse's bulk-load format; the
adapter feeds that to its bulk path inside the load's transaction. The manifest's rules are
Redshift's: a mandatory file that is missing fails the COPY, a missing optional one is skipped, a
file listed twice loads twice, and finding no file at all fails. Rejected rows count toward
``MAXERROR``; reaching it fails the COPY with every rejected row's file, line, column, value, reason
and Redshift error code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from rio.adapters.base import CopyRequest, CopyResult
from rio.errors import CopyFailed, ObjectNotFound
from rio.storage import ObjectStore

__all__ = ["decode_files", "describe_rejected"]

log = logging.getLogger("rio.copy")

#: Bytes read from a store per call; the decoder keeps its own state between calls.
CHUNK_BYTES = 1 << 20
#: Rejected rows shown in an error message; all are on the exception.
_SHOWN = 5


def describe_rejected(row: object) -> str:
    """One rejected row as a line: file, line, column, value, reason and code."""
    fields = {name: getattr(row, name, "") for name in ("file", "line", "column", "value", "reason", "code")}
    column = f", column {fields['column']}" if fields["column"] else ""
    value = f", value {fields['value']!r}" if fields["value"] else ""
    return (
        f"{fields['file']} line {fields['line']}{column}{value}: {fields['reason']} (error {fields['code']})"
    )


def _failed(table: str, rejected: list[object], count: int, limit: int) -> CopyFailed:
    lines = "\n  ".join(describe_rejected(row) for row in rejected[:_SHOWN])
    more = f"\n  … and {count - _SHOWN} more" if count > _SHOWN else ""
    allowed = "any error" if limit <= 1 else f"{limit} errors or more"
    return CopyFailed(
        f"Load into table '{table}' failed: {count} row(s) rejected, and MAXERROR allows fewer than "
        f"{allowed if limit > 1 else 'one'}:\n  {lines}{more}",
        errors=list(rejected),
    )


def decode_files(
    request: CopyRequest,
    store: ObjectStore,
    output: str,
    write: Callable[[bytes], object],
) -> CopyResult:
    """Decode every file of the request into ``write``, in ``output`` format ("postgres" or "csv")."""
    from rio._core import Decoder

    columns = [(column.name, column.type, column.not_null) for column in request.columns]
    limit = max(request.max_errors, 1)
    rows = 0
    count = 0
    rejected: list[object] = []
    read_any = False
    for file in request.files:
        try:
            stream = store.open_url(file.url)
        except ObjectNotFound as exc:
            if file.mandatory:
                raise CopyFailed(
                    f"Load into table '{request.table}' failed: the manifest's mandatory file {file.url} "
                    "does not exist (error 1212)",
                    errors=[],
                ) from exc
            log.warning("skipping %s: it does not exist and is not mandatory", file.url)
            continue
        read_any = True
        log.debug("reading %s into %s", file.url, request.table)
        with stream:
            first = stream.read(CHUNK_BYTES)
            decoder = Decoder(
                columns,
                output=output,
                # Redshift's GZIP applies to every file; rio tells each file by its own bytes, so a
                # manifest mixing plain and gzip'd files loads as it would with the right keyword.
                gzip=first[:2] == b"\x1f\x8b",
                truncate_columns=request.truncate_columns,
                time_format=request.time_format,
                source=file.url,
            )
            chunk = first
            while chunk:
                write(decoder.feed(chunk))
                if count + decoder.rejected >= limit:
                    break
                chunk = stream.read(CHUNK_BYTES)
            else:
                write(decoder.finish())
        rows += decoder.rows
        count += decoder.rejected
        rejected.extend(decoder.rejected_rows)
        if count >= limit:
            raise _failed(request.table, rejected, count, limit)
    if not read_any:
        raise CopyFailed(
            f"Load into table '{request.table}' failed: none of the {len(request.files)} file(s) of the "
            "manifest exists, and COPY fails when it finds no files"
        )
    if count:
        log.warning(
            "%s: %d row(s) could not be loaded (below MAXERROR %d)", request.table, count, request.max_errors
        )
    return CopyResult(rows, rejected)
