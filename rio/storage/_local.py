"""The store in a local directory: atomic writes through a hidden temporary file, and create-if-absent
through a hard link."""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import BinaryIO

from rio.contract import Base, check_key
from rio.errors import InvalidBase, InvalidKey, ObjectNotFound, StorageError
from rio.storage._base import StoredObject, _check_prefix, _clip, _log, _prefix_url, _valid_key

__all__ = ["LocalStore"]

# What link(2) answers on file systems without hard links (FAT, some network and FUSE mounts).
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})
_TEMP_NAME_RE = re.compile(r"\..*\.[0-9a-f]{16}\.tmp", re.DOTALL)


class LocalStore:
    """An :class:`ObjectStore` in a local directory, created on first write.

    Keys map to files under the directory, ``/`` separating directories. Unlike S3, a key cannot be
    both an object and a directory (``a`` and ``a/b``). Deleting leaves empty directories in place:
    removing them could race a writer about to create a file in one. ``content_type`` is S3 metadata
    and is ignored here.
    """

    def __init__(self, base: str | os.PathLike[str] | Base) -> None:
        parsed = Base.parse(base)
        if parsed.scheme != "file":
            raise InvalidBase(f"a local store needs a directory base, not {parsed}")
        assert parsed.path is not None
        self.base = parsed
        self._root = parsed.path
        if os.path.exists(self._root) and not os.path.isdir(self._root):
            raise self._base_is_a_file()

    def __repr__(self) -> str:
        return f"LocalStore(base={str(self.base)!r})"

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- error translation: the one place OS errors become rio's --

    def _base_is_a_file(self) -> StorageError:
        return StorageError(
            f"base {self.base} is a file, not a directory; point the base at a directory (it is created "
            "on first write if missing)",
            url=str(self.base),
        )

    @contextmanager
    def _translated(self, action: str, url: str) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise self._error(exc, action, url) from exc

    def _error(self, exc: OSError, action: str, url: str) -> StorageError:
        reading = action in ("read", "stat")
        if isinstance(exc, (NotADirectoryError, FileExistsError)) and os.path.isfile(self._root):
            return self._base_is_a_file()
        if reading and isinstance(exc, (FileNotFoundError, NotADirectoryError)):
            return ObjectNotFound(f"{url} does not exist; check the key and the base", url=url)
        if reading and isinstance(exc, IsADirectoryError):
            return ObjectNotFound(f"{url} is a directory, not an object", url=url)
        if isinstance(exc, PermissionError):
            return StorageError(
                f"could not {action} {url}: permission denied ({exc.strerror}); check that this user may "
                f"{'read' if reading or action == 'list' else 'write to'} {self._root}",
                url=url,
            )
        if isinstance(exc, (NotADirectoryError, FileExistsError)):
            return StorageError(
                f"could not {action} {url}: a part of its path is a file, not a directory ({exc.filename}); "
                "a local key cannot sit under another key",
                url=url,
            )
        if isinstance(exc, IsADirectoryError):
            return StorageError(f"could not {action} {url}: a directory is in the way", url=url)
        if exc.errno == errno.ENOSPC:
            return StorageError(
                f"could not {action} {url}: no space left on the device of {self._root}", url=url
            )
        if exc.errno == errno.ENAMETOOLONG:
            return StorageError(
                f"could not {action} {url}: a name in the key is too long for this file system (most allow "
                "255 bytes per name)",
                url=url,
            )
        return StorageError(f"could not {action} {url}: {exc.strerror or exc}", url=url)

    # -- keys --

    def url(self, key: str) -> str:
        return self.base.url(key)

    def _path(self, key: str) -> str:
        check_key(key)
        return os.path.join(self._root, *key.split("/"))

    # -- writes --

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject:
        url = self.url(key)
        path = self._path(key)
        _log.debug("put %s (%d bytes)", url, len(data))
        with self._translated("write", url):
            temp = _write_file(path, data)
            try:
                os.replace(temp, path)
            except BaseException:
                _remove(temp)
                raise
            _sync_directory(os.path.dirname(path))
        return StoredObject(key, url, len(data))

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject | None:
        url = self.url(key)
        path = self._path(key)
        _log.debug("put %s if absent (%d bytes)", url, len(data))
        with self._translated("write", url):
            temp = _write_file(path, data)
            try:
                os.link(temp, path)
            except FileExistsError:
                if os.path.isdir(path):
                    raise IsADirectoryError(errno.EISDIR, "is a directory", path) from None
                _log.debug("%s exists; nothing written", url)
                return None
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise
                raise StorageError(
                    f"could not write {url}: the file system of {self._root} has no hard links, which "
                    "create-if-absent needs to be atomic and exclusive; use a base on another file system",
                    url=url,
                ) from exc
            finally:
                _remove(temp)
            _sync_directory(os.path.dirname(path))
        return StoredObject(key, url, len(data))

    # -- reads --

    def get(self, key: str) -> bytes:
        return self._read(self._path(key), self.url(key))

    def get_url(self, url: str) -> bytes:
        return self._read(self._path_of_url(url), url)

    def _read(self, path: str, url: str) -> bytes:
        with self._translated("read", url), open(path, "rb") as file:
            data = file.read()
        _log.debug("got %s (%d bytes)", url, len(data))
        return data

    def open_url(self, url: str) -> BinaryIO:
        path = self._path_of_url(url)
        with self._translated("read", url):
            file = open(path, "rb")  # noqa: SIM115 - the caller closes it
        _log.debug("streaming %s", url)
        return file

    def _path_of_url(self, url: str) -> str:
        if not isinstance(url, str) or not url.startswith("file:///"):
            raise InvalidKey(
                f"{_clip(str(url))!r} is not a file:///absolute/path URL; a local store reads only those"
            )
        path = url[len("file://") :]  # used literally, never percent-decoded
        if "\x00" in path or path.endswith("/"):
            raise InvalidKey(f"URL {_clip(url)!r} names no file")
        return path

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def size(self, key: str) -> int | None:
        url = self.url(key)
        path = self._path(key)
        try:
            with self._translated("stat", url):
                info = os.stat(path)
        except ObjectNotFound:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        return info.st_size

    def list(self, prefix: str = "") -> Iterator[str]:
        return (key for key, _ in self.list_sized(prefix))

    def list_sized(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        _check_prefix(prefix)
        url = _prefix_url(self.base, prefix)
        # Start at the deepest directory the prefix names in full; nothing outside it can match.
        start = prefix.rpartition("/")[0]
        if start and not _valid_key(start):
            return
        yield from self._walk(start, prefix, url)

    def _walk(self, relative: str, prefix: str, url: str) -> Iterator[tuple[str, int]]:
        directory = os.path.join(self._root, *relative.split("/")) if relative else self._root
        # (sort order, key, size; None for a directory)
        entries: list[tuple[str, str, int | None]] = []
        with self._translated("list", url):
            try:
                with os.scandir(directory) as scan:
                    for entry in scan:
                        key = f"{relative}/{entry.name}" if relative else entry.name
                        if entry.is_dir(follow_symlinks=False):
                            # Every key inside sorts as key + "/…", which orders it among its siblings.
                            entries.append((key + "/", key, None))
                        elif entry.is_file() and _TEMP_NAME_RE.fullmatch(entry.name) is None:
                            entries.append((key, key, entry.stat().st_size))
            except (FileNotFoundError, NotADirectoryError):
                if relative == "" and os.path.exists(self._root):
                    raise
                return  # no directory yet, so no keys
        entries.sort()
        for order, key, size in entries:
            if size is None:
                if order.startswith(prefix) or prefix.startswith(order):
                    yield from self._walk(key, prefix, url)
            elif key.startswith(prefix) and _valid_key(key):
                yield key, size

    # -- deletes --

    def delete(self, keys: Iterable[str]) -> None:
        targets = [(self.url(key), self._path(key)) for key in keys]  # all checked before any goes
        for url, path in targets:
            with self._translated("delete", url), suppress(FileNotFoundError, NotADirectoryError):
                os.unlink(path)
        if targets:
            _log.debug("deleted %d objects under %s", len(targets), self.base)

    def close(self) -> None:
        """Nothing to release; here so both stores are used alike."""


def _write_file(path: str, data: bytes) -> str:
    """Write ``data`` to a new hidden temporary file beside ``path``; its name, once it is on disk."""
    directory, name = os.path.split(path)
    os.makedirs(directory, exist_ok=True)
    # A short stem keeps the temporary name within the file system's limit on names.
    stem = name.encode("utf-8")[:64].decode("utf-8", "ignore")
    temp = os.path.join(directory, f".{stem}.{secrets.token_hex(8)}.tmp")
    # 0o666 before the umask, like any file this user writes (mkstemp would give 0o600).
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        _remove(temp)
        raise
    return temp


def _remove(path: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(path)


def _sync_directory(directory: str) -> None:
    """Make a rename or link in ``directory`` durable; best effort where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
