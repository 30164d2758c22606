"""A table's rows (or a query's) out to gzip'd NDJSON parts and a COPY manifest.

On Redshift this is Redshift's own ``UNLOAD … FORMAT AS JSON MANIFEST GZIP``, run by the cluster
into S3. On PostgreSQL and DuckDB rio reads the rows through a cursor, a batch at a time, and writes
them with its core's encoder: the same NDJSON a COPY reads back, so what one warehouse unloads
another loads (``rio.load("…/manifest", target)``). Either way the manifest is
``<base>/<name>/manifest`` and the parts sit beside it; nothing already there is overwritten.

Every type unloads as the text its COPY reads back exactly: a DECIMAL's digits, a TIMESTAMPTZ's instant
with its offset, a TIME WITH TIME ZONE's offset, a CHAR's padding, and a JSON/JSONB (SUPER) value as
the document itself, not as a string holding it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from rio.adapters import resolve_adapter
from rio.adapters.base import Adapter, Session
from rio.contract import Manifest, ManifestEntry
from rio.errors import PipeError, RowError, StorageError, UnknownOption, WarehouseError
from rio.storage_settings import StorageSettings, split_store_options

__all__ = ["UnloadResult", "unload"]

_TABLE_NAME = re.compile(r"[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?")
#: Rows fetched from the cursor at a time.
_BATCH = 10_000


@dataclass(frozen=True)
class UnloadResult:
    manifest_url: str
    rows: int
    parts: int


def _query_of(query_or_table: str, adapter: Adapter) -> str:
    if _TABLE_NAME.fullmatch(query_or_table):
        schema, _, table = query_or_table.rpartition(".")
        return f"SELECT * FROM {adapter.qualified(schema or None, table)}"
    return query_or_table


def _reader(adapter: Adapter, session: Session, query: str) -> tuple[list[str], Iterator[dict[str, Any]]]:
    """The query's document columns (JSON, JSONB: SUPER's values), and its rows as dicts, a batch at a
    time (through a server-side cursor on PostgreSQL). The query runs here, so it fails here."""
    if adapter.type == "postgres":
        from rio.adapters.postgres import libpq_url
        from rio.sources import PostgresQuerySource

        source = PostgresQuerySource(libpq_url(adapter.settings), query, itersize=_BATCH)
        try:
            types = source.column_types or {}
        except BaseException:
            source.close()
            raise

        def fetched() -> Iterator[dict[str, Any]]:
            with source:
                yield from source.rows()

        return [name for name, kind in types.items() if kind == "super"], fetched()
    cursor = session.connection.execute(query)
    description = cursor.description or []
    names = [column[0] for column in description]
    # DuckDB hands a JSON value over as its text: it is unloaded as the document it holds, its numbers
    # as written, never through a float.
    documents = [index for index, column in enumerate(description) if str(column[1]).upper() == "JSON"]

    def converted() -> Iterator[dict[str, Any]]:
        while batch := cursor.fetchmany(_BATCH):
            for record in batch:
                row = dict(zip(names, record, strict=True))
                for index in documents:
                    text = record[index]
                    if isinstance(text, str):
                        row[names[index]] = json.loads(text, parse_float=Decimal)
                yield row

    return [names[index] for index in documents], converted()


def unload(
    query_or_table: str,
    target: str | Mapping[str, Any] | Adapter,
    base: str,
    *,
    name: str | None = None,
    store_options: Mapping[str, Any] | None = None,
    storage: StorageSettings | None = None,
) -> UnloadResult:
    """Unload a table (``schema.table``) or a query's rows to ``base`` (``s3://…`` or a directory).

    ``base`` is reached with ``storage``; storage settings among ``store_options`` (such as
    ``endpoint_url``) are folded into it, the rest from ``RIO_S3_*``, and the other ``open_store``
    keywords (timeouts…) go to the store.
    """
    from rio._core import Packer
    from rio.sources import store_option_names
    from rio.transfer import pack_rows

    UnknownOption.check("rio.unload.unload(store_options=…)", store_options or {}, store_option_names())
    adapter = resolve_adapter(target)
    folder = name or f"unload_{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    loose, options = split_store_options(store_options)
    store = StorageSettings.resolve(storage, env={}, **loose).open(base, **options)
    manifest_key = f"{folder}/manifest"
    try:
        if store.exists(manifest_key):
            raise PipeError(f"{store.url(manifest_key)} already exists; an unload never overwrites one")
        query = _query_of(query_or_table, adapter)
        session = adapter.connect()
        try:
            if adapter.type == "redshift":
                rows = adapter.unload(  # type: ignore[attr-defined]
                    session, query, store.url(folder) + "/", region=getattr(store, "region", None)
                )
                written = Manifest.from_json(store.get(manifest_key), source=store.url(manifest_key))
                return UnloadResult(store.url(manifest_key), rows, len(written.entries))
            entries: list[ManifestEntry] = []
            failures: list[BaseException] = []
            try:
                documents, rows = _reader(adapter, session, query)
            except (WarehouseError, RowError):
                raise
            except Exception as exc:
                raise WarehouseError(f"{adapter.type}: unloading {query!r} failed: {exc}") from exc
            # Document columns are SUPER to the packer, so a document that is a bare number is written
            # as that number (a Decimal value of no declared column is written as a string of its digits).
            packer = Packer(columns=[(name, "super") for name in documents] or None)

            def store_parts() -> None:
                try:
                    for part in packer:
                        key = f"{folder}/part_{part.number:05d}.json.gz"
                        stored = store.put(key, part.data, content_type="application/gzip")
                        entries.append(ManifestEntry(stored.url, mandatory=True, content_length=stored.size))
                except BaseException as exc:  # reported after the packer is closed
                    failures.append(exc)

            uploader = threading.Thread(target=store_parts, name="rio-unload", daemon=True)
            uploader.start()
            try:
                # A row the packer refuses is named by its number in the query's result, from 1.
                pack_rows(packer, rows, f"unloading {query!r}")
            except Exception as exc:
                packer.close()
                uploader.join()
                store.delete([store.base.key_of(entry.url) or "" for entry in entries])
                if isinstance(exc, (WarehouseError, RowError)):
                    raise
                raise WarehouseError(f"{adapter.type}: unloading {query!r} failed: {exc}") from exc
            packer.close()
            uploader.join()
            if failures:
                raise StorageError(f"unloading to {store.url(folder)} failed: {failures[0]}") from failures[0]
            rows = packer.stats().rows
            if not entries:
                raise PipeError(f"{query!r} returned no rows, so there is nothing to unload")
            manifest = Manifest(tuple(sorted(entries, key=lambda entry: entry.url)))
            if store.put_if_absent(manifest_key, manifest.to_json(), content_type="application/json") is None:
                raise PipeError(f"{store.url(manifest_key)} was written by someone else meanwhile")
            return UnloadResult(store.url(manifest_key), rows, len(entries))
        finally:
            session.close()
    finally:
        store.close()
