"""What a job posted to ``rio serve`` may touch: the bases, configs, files and schemas the operator allowed.

The operator names the **allowed bases** when starting the server (``--allow-base``, also
``RIO_SERVE_ALLOW_BASES`` and ``allow_bases:`` in the profile's target): local directories, and S3
buckets or prefixes. A job's ``base``, its ``config`` and every file its manifests list must lie inside
one of them; with none given, no job runs at all. Local paths are compared after
:func:`os.path.realpath`, so ``..`` and every symlink on the way are resolved first; S3 URLs are compared
by bucket and by key prefix on ``/`` boundaries (``s3://b/data`` holds ``s3://b/data/x``, not
``s3://b/database``), and a key with a ``.`` or ``..`` segment is refused outright. The **allowed
schemas** (``--allow-schema``), when given, are the only schemas a job may load into, compared
case-blind as Redshift folds names; system schemas and the ledger's table are refused everywhere, by
:func:`rio.contract.check_destination`.

Every check runs twice: :meth:`AccessPolicy.check_job` when a job is posted (400, naming the field) and
again when it runs, because a job stored in the state database may come back after a restart under a
narrower policy. While a job runs, :meth:`AccessPolicy.confine` wraps its store so that every read, by
key or by URL, whole or streamed, is checked before it happens; a manifest is checked entry by entry as
soon as it is read, so a table whose manifest lists a file outside fails before any file is opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import unquote

from rio._identifiers import check_identifier
from rio.contract import Base, Job, Manifest, check_destination, split_s3_url
from rio.errors import AccessRefused, InvalidBase, InvalidJob, InvalidManifest, StorageError
from rio.storage import ObjectStore, StoredObject

__all__ = ["NO_BASES", "AccessPolicy", "ConfinedStore"]

#: Why every job is refused by a server started without an allowed base, and what to do about it.
NO_BASES = (
    "this rio serve was started with no allowed base, so it runs no job: restart it with --allow-base "
    "s3://bucket[/prefix] or --allow-base DIRECTORY for the data its jobs may read (repeatable; also "
    "RIO_SERVE_ALLOW_BASES, or allow_bases: in the profile's target)"
)
_OUTSIDE = "lies outside every base this rio serve allows (the operator names them with --allow-base)"


def _inside_prefix(key: str, prefix: str) -> bool:
    return not prefix or key == prefix or key.startswith(prefix + "/")


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _config_url(base: Base, config: str) -> str:
    """The URL a job's config names, read exactly as the loader reads it (:mod:`rio.loader.discover`)."""
    if "://" in config:
        return config
    if config.startswith("/"):
        return f"file://{config}"
    return base.url(config)


@dataclass(frozen=True)
class AccessPolicy:
    """The bases (S3 or local) and schemas jobs may touch. The default allows nothing.

    Build one from the operator's words with :meth:`from_lists`. ``schemas`` empty means any schema
    that is not a system schema.
    """

    bases: tuple[Base, ...] = ()
    schemas: frozenset[str] = frozenset()

    @classmethod
    def from_lists(cls, bases: Iterable[str], schemas: Iterable[str] = ()) -> AccessPolicy:
        """A policy of ``bases`` (``s3://bucket[/prefix]``, ``file:///dir`` or a directory, made absolute
        against the current directory) and ``schemas``.

        Raises :class:`~rio.errors.InvalidBase` or :class:`~rio.errors.InvalidIdentifier` (a system
        schema among them is :class:`~rio.errors.ReservedName`) naming the value.
        """
        parsed: list[Base] = []
        for text in bases:
            try:
                base = Base.parse(text)
            except InvalidBase as exc:
                raise InvalidBase(f"allowed base {text!r}: {exc}") from exc
            if base not in parsed:
                parsed.append(base)
        names: set[str] = set()
        for name in schemas:
            folded = name.casefold()  # compared case-blind, as Redshift folds names
            check_destination(folded)
            check_identifier(folded, kind="schema")
            names.add(folded)
        return cls(tuple(parsed), frozenset(names))

    @property
    def refuses_every_job(self) -> bool:
        return not self.bases

    def describe(self) -> str:
        """The policy in one line, for the server's log."""
        if not self.bases:
            return "no allowed base: every job is refused"
        shown = f"allowed bases {', '.join(str(base) for base in self.bases)}"
        if self.schemas:
            shown += f"; allowed schemas {', '.join(sorted(self.schemas))}"
        return shown

    # --- the checks ---------------------------------------------------------------------------------

    def check_job(self, job: Job) -> None:
        """Refuse, with :class:`~rio.errors.InvalidJob` naming the field, a job that reaches outside.

        Nothing is read: the base and the config are resolved where they are named, the schema is
        compared with the allowed ones.
        """
        if not self.bases:
            raise InvalidJob(f"job base: {NO_BASES}")
        base = Base.parse(job.base)
        problem = self._base_problem(base)
        if problem is not None:
            raise InvalidJob(f"job base: {job.base} {problem}")
        if job.config is not None:
            problem = self.url_problem(_config_url(base, job.config))
            if problem is not None:
                raise InvalidJob(f"job config: {job.config!r} {problem}")
        if self.schemas and job.schema.casefold() not in self.schemas:
            raise InvalidJob(
                f"job schema: {job.schema!r} is not a schema this rio serve loads into (the operator names "
                "them with --allow-schema)"
            )

    def _base_problem(self, base: Base) -> str | None:
        if base.scheme == "s3":
            assert base.bucket is not None
            return self._s3_problem(base.bucket, base.prefix)
        assert base.path is not None
        return None if self.local_path_allowed(base.path) else _OUTSIDE

    def url_problem(self, url: str) -> str | None:
        """Why reading ``url`` (``s3://bucket/key`` or ``file:///path``) is not allowed, or ``None``."""
        if url.startswith("s3://"):
            bucket, key = split_s3_url(url)
            return self._s3_problem(bucket, key)
        if url.startswith("file://"):
            path = url[len("file://") :]  # used literally, as the local store does
            if not path.startswith("/"):
                return "is not a file:///absolute/path URL"
            return None if self.local_path_allowed(path) else _OUTSIDE
        return "is neither an s3:// nor a file:// URL"

    def _s3_problem(self, bucket: str, key: str) -> str | None:
        for segment in key.split("/"):
            # S3 keeps '..' literally, but nothing rio serve reads ever needs one.
            if unquote(segment) in (".", ".."):
                return f"has a {segment!r} segment, which rio serve never follows"
        for base in self.bases:
            if base.scheme == "s3" and base.bucket == bucket and _inside_prefix(key, base.prefix):
                return None
        return _OUTSIDE

    def local_path_allowed(self, path: str) -> bool:
        """Whether ``path``, once ``..`` and every symlink are resolved, lies in an allowed directory."""
        real = os.path.realpath(path)
        return any(
            base.scheme == "file" and base.path is not None and _within(real, os.path.realpath(base.path))
            for base in self.bases
        )

    def confine(self, store: ObjectStore) -> ConfinedStore:
        """``store``, reading only what this policy allows."""
        return ConfinedStore(store, self)


class ConfinedStore:
    """An :class:`~rio.storage.ObjectStore` whose every read and write is checked against a policy first.

    A refused one raises :class:`~rio.errors.AccessRefused` and touches nothing. Local files are opened
    by their resolved path, and the file actually opened is checked again by its descriptor, so a link
    swapped in between the check and the open is not followed out. A manifest (a URL ending in
    ``.manifest``) is checked entry by entry as soon as it is read.
    """

    def __init__(self, store: ObjectStore, policy: AccessPolicy) -> None:
        self._store = store
        self._policy = policy

    def __repr__(self) -> str:
        return f"ConfinedStore({self._store!r})"

    @property
    def base(self) -> Base:
        return self._store.base

    @property
    def region(self) -> str | None:
        """The S3 store's region (the Redshift adapter asks), or ``None`` for a local one."""
        region = getattr(self._store, "region", None)
        return region if isinstance(region, str) else None

    def _check(self, url: str) -> None:
        problem = self._policy.url_problem(url)
        if problem is not None:
            raise AccessRefused(f"{url} {problem}; it was not read", url=url)

    # --- reads ----------------------------------------------------------------------------------------

    def url(self, key: str) -> str:
        return self._store.url(key)

    def get(self, key: str) -> bytes:
        return self.get_url(self._store.url(key))

    def get_url(self, url: str) -> bytes:
        self._check(url)
        if url.startswith("file://"):
            with self._open_local(url) as stream:
                try:
                    data = stream.read()
                except OSError as exc:
                    raise StorageError(f"could not read {url}: {exc.strerror or exc}", url=url) from exc
        else:
            data = self._store.get_url(url)
        if url.endswith(".manifest"):
            self._check_manifest(url, data)
        return data

    def open_url(self, url: str) -> BinaryIO:
        self._check(url)
        if url.startswith("file://"):
            return self._open_local(url)
        return self._store.open_url(url)

    def _open_local(self, url: str) -> BinaryIO:
        # The resolved path: nothing on the way is a link any more when the store opens it.
        real = os.path.realpath(url[len("file://") :])
        stream = self._store.open_url(f"file://{real}")
        try:
            opened = os.readlink(f"/proc/self/fd/{stream.fileno()}")
        except (OSError, ValueError):
            return stream  # no /proc to ask: the check before the open stands
        if not self._policy.local_path_allowed(opened):
            stream.close()
            raise AccessRefused(
                f"{url} {_OUTSIDE} (a link changed while it was opened); it was not read", url=url
            )
        return stream

    def _check_manifest(self, url: str, data: bytes) -> None:
        try:
            manifest = Manifest.from_json(data, source=url)
        except InvalidManifest:
            return  # not a manifest: the loader refuses it in the same words
        for index, entry in enumerate(manifest.entries):
            problem = self._policy.url_problem(entry.url)
            if problem is not None:
                raise AccessRefused(
                    f"manifest {url}: entries[{index}].url {entry.url!r} {problem}; none of the manifest's "
                    "files was read",
                    url=entry.url,
                )

    def exists(self, key: str) -> bool:
        return self._store.exists(key)

    def size(self, key: str) -> int | None:
        return self._store.size(key)

    def list(self, prefix: str = "") -> Iterator[str]:
        return self._store.list(prefix)

    def list_sized(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        return self._store.list_sized(prefix)

    # --- writes (a load writes nothing, but a write is held to the same bases) --------------------------

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject:
        self._check(self._store.url(key))
        return self._store.put(key, data, content_type=content_type)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject | None:
        self._check(self._store.url(key))
        return self._store.put_if_absent(key, data, content_type=content_type)

    def delete(self, keys: Iterable[str]) -> None:
        chosen = list(keys)
        for key in chosen:
            self._check(self._store.url(key))
        self._store.delete(chosen)

    def close(self) -> None:
        self._store.close()
