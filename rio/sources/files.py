"""Sources over files: a local file or glob, an S3 object or glob, and the files of a COPY manifest.

A source is a list of *parts* read one after another as one stream of rows. Each part's format comes
from ``format=``, else from its name (``.csv``, ``.tsv``, ``.ndjson``, ``.jsonl``, ``.json``, each
optionally ``.gz``), else from its first non-blank byte (see :func:`rio.sources.formats.read_rows`).
gzip is recognised by its magic bytes. The parts of a CSV source must share one header.

- Local globs (``data/*.csv``, ``data/**/*.csv``) match with :func:`glob.glob`, sorted; a glob
  matching no file is an error that names it.
- ``s3://bucket/key`` is one object; ``s3://bucket/prefix*.csv.gz`` lists the keys under the text
  before the first wildcard (paginated) and keeps those that :func:`fnmatch.fnmatchcase` matches, in
  key order. ``*`` matches ``/`` too, as in odo.
- A manifest (``*.manifest``, local or on S3) lists the files in Redshift's format. A missing entry is
  an error when it is ``mandatory`` and skipped otherwise, as COPY does; an entry listed twice is read
  twice.

A missing file, object or match is :class:`~rio.errors.NoSuchSource`, raised when the source is made
(for manifest entries, when they are reached). Other S3 failures (access, network, a missing bucket)
are the store's :class:`~rio.errors.StorageError`, which names the URL.
"""

from __future__ import annotations

import fnmatch
import functools
import glob
import os
from collections.abc import Callable, Collection, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from rio import redaction
from rio._core import CsvReader, Packer
from rio.contract import Manifest, s3_url, split_s3_url
from rio.errors import (
    InvalidBase,
    InvalidKey,
    InvalidManifest,
    MalformedInput,
    NoSuchSource,
    ObjectNotFound,
    SourceError,
    UnsupportedSource,
)
from rio.sources.base import Counter, Source, clip
from rio.sources.formats import CHUNK, format_of_name, normal_format, open_stream, read_rows, sniff_delimiter
from rio.storage import ObjectStore
from rio.storage_settings import StorageSettings, split_store_options

__all__ = ["FileSource", "ManifestSource"]

_log = redaction.logger("rio.sources")
_WILDCARDS = "*?["


def _has_wildcard(text: str) -> bool:
    return any(char in text for char in _WILDCARDS)


@dataclass
class _Part:
    """One file of a source: its name for messages, how to open it and its size when known."""

    name: str
    opener: Callable[[], BinaryIO | None]
    sizer: Callable[[], int | None] = field(default=lambda: None)


class _Stores:
    """The object stores of a source, one per bucket, opened on first use and closed together.

    Each is reached with one :class:`StorageSettings`: ``storage``, with the loose settings among
    ``options`` (``endpoint_url=``…) folded in (and ``RIO_S3_*`` for the rest, read as each store
    opens); the other options (timeouts, ``page_size``…) go to every store.
    """

    def __init__(
        self, store: ObjectStore | None, storage: StorageSettings | None, options: dict[str, Any]
    ) -> None:
        loose, rest = split_store_options(options)
        self._given = store
        self.storage = StorageSettings.resolve(storage, env={}, **loose)
        self._options = rest
        self._opened: dict[str, ObjectStore] = {}

    def for_bucket(self, bucket: str) -> ObjectStore:
        given = self._given
        if given is not None and given.base.scheme == "s3" and given.base.bucket == bucket:
            return given
        store = self._opened.get(bucket)
        if store is None:
            try:
                store = self.storage.open(s3_url(bucket), **self._options)
            except InvalidBase as exc:
                raise UnsupportedSource(f"{s3_url(bucket)}: not a bucket rio can read ({exc})") from exc
            self._opened[bucket] = store
        return store

    def close(self) -> None:
        opened, self._opened = self._opened, {}
        for store in opened.values():
            store.close()


def _split_s3(url: str) -> tuple[str, str]:
    bucket, key = split_s3_url(url)
    if not bucket:
        raise NoSuchSource(f"{url}: names no bucket; write s3://bucket/key", source=url)
    return bucket, key


def _relative(store: ObjectStore, key: str, url: str) -> str:
    """``key`` (of the store's bucket) relative to the store's base, which may have a prefix."""
    prefix = store.base.prefix
    if not prefix:
        return key
    if not key.startswith(prefix + "/"):
        raise UnsupportedSource(f"{url}: lies outside the store's base {store.base}", source=url)
    return key[len(prefix) + 1 :]


def _local_path(spec: str) -> str:
    path = spec[len("file://") :] if spec.startswith("file://") else spec
    return os.path.expanduser(path)


def _local_part(path: str) -> _Part:
    def opener() -> BinaryIO:
        try:
            return open(path, "rb", buffering=0)  # the reader closes it
        except FileNotFoundError as exc:
            raise NoSuchSource(f"{path}: no such file", source=path) from exc
        except IsADirectoryError as exc:
            raise NoSuchSource(
                f"{path}: is a directory; name its files with a glob such as {path.rstrip('/')}/*.csv",
                source=path,
            ) from exc
        except OSError as exc:
            raise SourceError(f"could not open {path}: {exc.strerror or exc}", source=path) from exc

    def sizer() -> int | None:
        try:
            return os.path.getsize(path)
        except OSError:
            return None

    return _Part(path, opener, sizer)


def _s3_part(stores: _Stores, url: str, size: int | None = None) -> _Part:
    bucket, _ = _split_s3(url)
    known: list[int | None] = [size]

    def opener() -> BinaryIO:
        try:
            return stores.for_bucket(bucket).open_url(url)
        except ObjectNotFound as exc:
            raise NoSuchSource(f"{url}: no such object", source=url) from exc
        except InvalidKey as exc:
            raise NoSuchSource(f"{url}: {exc}", source=url) from exc

    def sizer() -> int | None:
        if known[0] is None:
            store = stores.for_bucket(bucket)
            key = store.base.key_of(url)
            known[0] = store.size(key) if key is not None else None
        return known[0]

    return _Part(url, opener, sizer)


class FileSource(Source):
    """Rows from a local file or glob, or an S3 object or glob (see the module docstring).

    ``format`` forces one format for every part; ``delimiter`` forces a CSV delimiter. S3 objects are
    read through ``store`` when it is on their bucket, else through stores reached with ``storage``
    and ``store_options`` (the keyword arguments of :func:`rio.storage.open_store`: credentials,
    ``endpoint_url``, ``region``, ``page_size``…; the settings among them are folded into
    ``storage``, the rest from ``RIO_S3_*``). Globs are expanded when the source is made, so a glob
    that matches nothing fails at once.
    """

    def __init__(
        self,
        spec: str | os.PathLike[str],
        *,
        format: str | None = None,
        delimiter: str | None = None,
        store: ObjectStore | None = None,
        storage: StorageSettings | None = None,
        **store_options: Any,
    ) -> None:
        text = os.fspath(spec)
        self._start(text, format, delimiter, _Stores(store, storage, store_options))
        self._parts = self._find_parts(text)

    @classmethod
    def of_stream(
        cls, stream: BinaryIO, name: str, *, format: str | None = None, delimiter: str | None = None
    ) -> FileSource:
        """Rows from an open binary stream (standard input, a pipe), read once and then closed."""
        source = cls.__new__(cls)
        source._start(name, format, delimiter, _Stores(None, None, {}))
        source._parts = [_Part(name, lambda: stream)]
        return source

    def _start(self, name: str, format: str | None, delimiter: str | None, stores: _Stores) -> None:
        if delimiter is not None and (
            not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n'
        ):
            raise UnsupportedSource(
                f"{name}: delimiter= is one character other than a quote or a line end, not {delimiter!r}",
                source=name,
            )
        self.name = name
        self._format = normal_format(format)
        self._delimiter = delimiter
        self._stores = stores
        self._counter = Counter()
        self._columns: list[str] | None = None
        self._columns_read = False
        self._size: int | None = None
        self._size_read = False
        self._json_columns: frozenset[str] = frozenset()

    def parse_json_fields(self, columns: Collection[str]) -> None:
        self._json_columns = frozenset(columns)

    # -- parts --

    def _find_parts(self, spec: str) -> list[_Part]:
        return self._s3_parts(spec) if spec.startswith("s3://") else self._local_parts(spec)

    def _local_parts(self, spec: str) -> list[_Part]:
        path = _local_path(spec)
        if os.path.lexists(path) or not _has_wildcard(path):
            if not os.path.exists(path):
                raise NoSuchSource(f"{path}: no such file", source=path)
            if os.path.isdir(path):
                raise NoSuchSource(
                    f"{path}: is a directory; name its files with a glob such as "
                    f"{os.path.join(path, '*.csv')}",
                    source=path,
                )
            return [_local_part(path)]
        matches = sorted(match for match in glob.glob(path, recursive=True) if os.path.isfile(match))
        if not matches:
            raise NoSuchSource(f"{path}: the glob matches no file", source=path)
        return [_local_part(match) for match in matches]

    def _s3_parts(self, url: str) -> list[_Part]:
        bucket, pattern = _split_s3(url)
        if not _has_wildcard(pattern):
            if not pattern or pattern.endswith("/"):
                raise NoSuchSource(
                    f"{url}: names a bucket or a prefix, not an object; add a key or a glob such as "
                    f"{url.rstrip('/')}/*.csv",
                    source=url,
                )
            store = self._stores.for_bucket(bucket)
            try:
                size = store.size(_relative(store, pattern, url))
            except InvalidKey as exc:
                raise NoSuchSource(f"{url}: {exc}", source=url) from exc
            if size is None:
                raise NoSuchSource(f"{url}: no such object", source=url)
            return [_s3_part(self._stores, url, size)]
        first = min(pattern.find(char) for char in _WILDCARDS if char in pattern)
        store = self._stores.for_bucket(bucket)
        prefix = _relative(store, pattern[:first], url)
        root = f"{store.base.prefix}/" if store.base.prefix else ""
        # The listing gives each size, so a progress bar's total costs no request per object.
        matches = [
            (root + key, size)
            for key, size in store.list_sized(prefix)
            if fnmatch.fnmatchcase(root + key, pattern)
        ]
        if not matches:
            raise NoSuchSource(f"{url}: the glob matches no object", source=url)
        return [_s3_part(self._stores, s3_url(bucket, key), size) for key, size in matches]

    # -- facts --

    @property
    def parts(self) -> list[str]:
        """The names (paths or URLs) of the files read, in order."""
        return [part.name for part in self._parts]

    @property
    def size(self) -> int | None:
        """The bytes of all parts (as stored, compressed or not); one request per S3 object at first."""
        if not self._size_read:
            self._size_read = True
            total = 0
            for part in self._parts:
                size = part.sizer()
                if size is None:
                    return None
                total += size
            self._size = total
        return self._size

    @property
    def bytes_read(self) -> int:
        return self._counter.value

    @property
    def columns(self) -> list[str] | None:
        """The CSV header of the first non-empty part, or ``None`` for JSON (read on first use)."""
        if not self._columns_read:
            self._columns = self._first_header()
            self._columns_read = True
        return self._columns

    def _format_of(self, part: _Part) -> str | None:
        return self._format if self._format is not None else format_of_name(part.name)

    def _first_header(self) -> list[str] | None:
        counter = Counter()  # peeking at the header is not progress
        for part in self._parts:
            if self._format_of(part) in ("ndjson", "json"):
                return None  # JSON carries no header; no need to open anything
            raw = part.opener()
            if raw is None:
                continue
            with closing(open_stream(raw, part.name, counter)) as stream:
                if stream.first == b"":
                    continue
                header, _ = read_rows(stream, part.name, self._format_of(part), self._delimiter)
                return header
        return None

    # -- rows --

    def rows(self) -> Iterator[dict[str, Any]]:
        self._counter.value = 0
        return self._rows()

    def _rows(self) -> Iterator[dict[str, Any]]:
        header: list[str] | None = None
        header_from = ""
        for part in self._parts:
            raw = part.opener()
            if raw is None:
                continue
            with closing(open_stream(raw, part.name, self._counter)) as stream:
                part_header, rows = read_rows(
                    stream, part.name, self._format_of(part), self._delimiter, self._json_columns
                )
                if part_header is not None:
                    if header is None:
                        header, header_from = part_header, part.name
                    elif part_header != header:
                        raise MalformedInput(
                            f"{part.name}: its header {clip(str(part_header))} differs from the header of "
                            f"{header_from}, {clip(str(header))}; the parts of one source share one header",
                            source=part.name,
                            line=1,
                        )
                yield from rows

    # -- CSV read by the core --

    @property
    def csv_in_core(self) -> bool:
        """Whether every part is CSV or TSV by ``format=`` or its name, so that :meth:`pack_csv` reads
        them in the core (a part whose format its first byte decides is read by :meth:`rows`, and so
        is a delimiter of more than one byte, which the core's reader does not take)."""
        one_byte = self._delimiter is None or self._delimiter.isascii()
        return (
            one_byte
            and bool(self._parts)
            and all(self._format_of(part) in ("csv", "tsv") for part in self._parts)
        )

    def pack_csv(
        self,
        pack: Callable[[Callable[[Packer], int]], int],
        *,
        infer: bool,
        row_number_key: str | None = None,
        on_rows: Callable[[int], None] | None = None,
    ) -> CsvReader:
        """Read every part with the core's :class:`rio._core.CsvReader`, the rows of each chunk packed
        by ``pack(fill)``, which calls ``fill`` with the packer (a pipe's ``_pack_through``).

        The rows are those :meth:`rows` gives, as JSON objects: the same header checks, fields as
        strings, SUPER columns' fields (:meth:`parse_json_fields`) as JSON values. With ``infer`` the
        reader keeps each column's inferred type; ``row_number_key`` numbers the rows from 1.
        ``on_rows`` hears the rows read so far after each chunk. Returns the reader.
        """
        self._counter.value = 0
        reader = CsvReader(
            json_columns=sorted(self._json_columns), row_number_key=row_number_key, infer=infer
        )
        for part in self._parts:
            raw = part.opener()
            if raw is None:
                continue
            with closing(open_stream(raw, part.name, self._counter)) as stream:
                if stream.first == b"":
                    continue  # empty or blank: no header, no rows
                chunk = stream.read(CHUNK)
                delimiter = self._delimiter
                if delimiter is None:
                    delimiter = "\t" if self._format_of(part) == "tsv" else sniff_delimiter(chunk)
                reader.start_part(part.name, delimiter)
                while chunk:
                    pack(functools.partial(reader.feed, chunk))
                    if on_rows is not None:
                        on_rows(reader.rows)
                    chunk = stream.read(CHUNK)
                pack(reader.finish_part)
        if on_rows is not None:
            on_rows(reader.rows)
        return reader

    def close(self) -> None:
        self._stores.close()


class ManifestSource(FileSource):
    """Rows from the files a COPY manifest lists (local path or ``s3://…``), in its order.

    The files are read like any file source's parts (rio's parts are gzip'd NDJSON). A missing
    ``mandatory`` entry is a :class:`~rio.errors.NoSuchSource`; a missing optional one is skipped.
    """

    manifest: Manifest

    def _read_manifest(self, spec: str) -> Manifest:
        if spec.startswith("s3://"):
            bucket, _ = _split_s3(spec)
            try:
                data = self._stores.for_bucket(bucket).get_url(spec)
            except ObjectNotFound as exc:
                raise NoSuchSource(f"{spec}: no such manifest", source=spec) from exc
        else:
            path = _local_path(spec)
            try:
                with open(path, "rb") as file:
                    data = file.read()
            except FileNotFoundError as exc:
                raise NoSuchSource(f"{path}: no such manifest", source=path) from exc
            except OSError as exc:
                raise SourceError(f"could not read {path}: {exc.strerror or exc}", source=path) from exc
        try:
            return Manifest.from_json(data, source=spec)
        except InvalidManifest as exc:
            raise MalformedInput(str(exc), source=spec) from exc

    def _find_parts(self, spec: str) -> list[_Part]:
        """The files the manifest lists (read through this source's own stores), in its order."""
        self.manifest = self._read_manifest(spec)
        parts = []
        for entry in self.manifest.entries:
            if entry.url.startswith("s3://"):
                part = _s3_part(self._stores, entry.url, entry.content_length)
            else:
                part = _local_part(entry.url[len("file://") :])
                part.name = entry.url
            parts.append(self._entry_part(part, entry.mandatory, spec, entry.content_length))
        return parts

    @staticmethod
    def _entry_part(part: _Part, mandatory: bool, manifest: str, length: int | None) -> _Part:
        open_file = part.opener

        def opener() -> BinaryIO | None:
            try:
                return open_file()
            except NoSuchSource as exc:
                if mandatory:
                    raise NoSuchSource(
                        f"{part.name}, a mandatory entry of {manifest}, does not exist", source=part.name
                    ) from exc
                _log.info("skipping %s, listed in %s but missing (not mandatory)", part.name, manifest)
                return None

        sizer = part.sizer if length is None else (lambda: length)
        return _Part(part.name, opener, sizer)
