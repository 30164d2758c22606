"""Existing data as a stream of rows: files, globs, S3 objects, manifests, DataFrames, queries.

:func:`open_source` turns what a user names into a :class:`Source`; a source streams rows (dicts) and
says what it knows of their columns up front. :class:`ColumnTracker` and :func:`infer_columns` find
the column types a load needs from the rows themselves.

============================================  ==================================================
``open_source(...)`` given                    source
============================================  ==================================================
a :class:`Source`                             itself
an iterable of dicts, or of tuples with       :class:`RowsSource`
``columns=[...]``
a pandas DataFrame                            :class:`DataFrameSource`
``postgresql://…`` with ``query=``            :class:`PostgresQuerySource`
a path or ``s3://…`` ending in ``manifest``   :class:`ManifestSource` (``x.manifest``, or
                                              UNLOAD's ``<prefix>manifest``)
a path, ``file://…``, ``s3://…``, or a glob   :class:`FileSource` (CSV, TSV, NDJSON, JSON array,
of either                                     each plain or gzip)
============================================  ==================================================

Bad input raises a :class:`~rio.errors.SourceError` that names the file or URL and the line or row.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
from collections.abc import Iterable, Sequence
from typing import Any

from rio.errors import UnknownOption, UnsupportedSource
from rio.profiles import safe_url
from rio.sources.base import Source, clip
from rio.sources.files import FileSource, ManifestSource
from rio.sources.formats import FORMATS
from rio.sources.infer import ColumnStats, ColumnTracker, infer_columns, measured_widths
from rio.sources.memory import DataFrameSource, RowsSource, is_dataframe
from rio.sources.postgres import Params, PostgresQuerySource
from rio.storage import S3Store, open_store
from rio.storage_settings import StorageSettings

__all__ = [
    "FORMATS",
    "STORE_KEYWORDS",
    "ColumnStats",
    "ColumnTracker",
    "DataFrameSource",
    "FileSource",
    "ManifestSource",
    "PostgresQuerySource",
    "RowsSource",
    "Source",
    "infer_columns",
    "measured_widths",
    "open_source",
    "source_option_names",
    "store_option_names",
]

_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_POSTGRES_SCHEMES = ("postgresql", "postgres")


@functools.cache
def store_option_names() -> frozenset[str]:
    """The keyword arguments of :func:`rio.storage.open_store` (an S3 store's included)."""
    names = set()
    for function in (open_store, S3Store.__init__):
        for parameter in inspect.signature(function).parameters.values():
            if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
                names.add(parameter.name)
    return frozenset(names)


def source_option_names() -> frozenset[str]:
    """The keyword arguments of :func:`open_source` besides those it passes on to open a store
    (:func:`store_option_names`): its own, and ``store=``."""
    own = {
        parameter.name
        for parameter in inspect.signature(open_source).parameters.values()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY
    }
    return frozenset(own | {"store"})


#: How messages name the keywords that are passed on to open a store.
STORE_KEYWORDS = "the object store's"


def open_source(
    spec: Any,
    *,
    format: str | None = None,
    delimiter: str | None = None,
    columns: Sequence[str] | None = None,
    query: str | None = None,
    params: Params = None,
    name: str | None = None,
    storage: StorageSettings | None = None,
    **store_options: Any,
) -> Source:
    """The :class:`Source` for ``spec`` (see the module docstring for what each kind gives).

    ``format`` (``csv``, ``tsv``, ``ndjson``/``jsonl``, ``json``) and ``delimiter`` apply to files;
    ``columns`` names the fields of tuple rows; ``query`` and ``params`` go with a PostgreSQL URL;
    ``name`` labels in-memory data in messages. ``storage`` says how to reach S3 for files read
    from there (see :class:`~rio.storage_settings.StorageSettings`); other keyword arguments
    (``store=``, credentials, ``endpoint_url``, ``region``, ``page_size``…) open those stores too,
    the loose settings folded into ``storage``. They are ignored by sources that read no files, and
    any other name is a :class:`TypeError`.
    """
    UnknownOption.check(
        "open_source()",
        store_options,
        source_option_names(),
        passed_on={STORE_KEYWORDS: store_option_names()},
    )
    if isinstance(spec, Source):
        return spec
    if isinstance(spec, (str, os.PathLike)):
        text = os.fspath(spec)
        scheme = _SCHEME_RE.match(text)
        kind = scheme.group(1).lower() if scheme else None
        if kind in _POSTGRES_SCHEMES:
            if query is None:
                raise UnsupportedSource(
                    f"{safe_url(text)}: a PostgreSQL URL needs query= (the SELECT whose rows to read)",
                    source=safe_url(text),
                )
            return PostgresQuerySource(text, query, params)
        if kind not in (None, "s3", "file"):
            raise UnsupportedSource(
                f"{clip(safe_url(text))}: rio reads no {kind}:// URLs; use a local path, file://, s3://, or "
                "postgresql:// with query=",
                source=safe_url(text),
            )
        options: dict[str, Any] = {
            "format": format,
            "delimiter": delimiter,
            "storage": storage,
            **store_options,
        }
        # rio's manifests end in .manifest; Redshift's UNLOAD names its own <prefix>manifest.
        if text.lower().endswith("manifest"):
            return ManifestSource(text, **options)
        return FileSource(text, **options)
    if is_dataframe(spec):
        return DataFrameSource(spec, name=name or "DataFrame")
    if isinstance(spec, (bytes, bytearray, dict)) or not isinstance(spec, Iterable):
        raise UnsupportedSource(
            f"rio cannot read rows from a {type(spec).__name__}; give a path or URL, an iterable of dicts "
            "or tuples, a DataFrame or a Source"
        )
    return RowsSource(spec, columns=columns, name=name or "rows")
