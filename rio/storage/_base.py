"""What every store is: the :class:`ObjectStore` protocol, the :class:`StoredObject` a write returns,
and the checks both stores make on keys and listing prefixes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol, runtime_checkable

from rio import redaction
from rio.contract import Base, check_key
from rio.errors import InvalidKey

__all__ = ["ObjectStore", "StoredObject"]

# Both stores log as rio.storage, whichever module they live in.
_log = redaction.logger("rio.storage")


@dataclass(frozen=True)
class StoredObject:
    """An object a store has written: its key under the base, its full URL and its size in bytes."""

    key: str
    url: str
    size: int


@runtime_checkable
class ObjectStore(Protocol):
    """Where rio's artefacts live. Keys are relative to :attr:`base`; see :mod:`rio.storage`."""

    @property
    def base(self) -> Base: ...

    def url(self, key: str) -> str:
        """The full URL of ``key``."""
        ...

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject:
        """Write ``data`` to ``key``, replacing any object there."""
        ...

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject | None:
        """Write ``data`` to ``key`` only if no object is there; ``None`` when one was (nothing written)."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes of ``key``; :class:`ObjectNotFound` if there is no such object."""
        ...

    def get_url(self, url: str) -> bytes:
        """The bytes of a full URL (a manifest entry), which may lie outside the base."""
        ...

    def open_url(self, url: str) -> BinaryIO:
        """A binary reader streaming a full URL; :class:`ObjectNotFound` if there is no such object."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is at ``key``."""
        ...

    def size(self, key: str) -> int | None:
        """The size of ``key`` in bytes, or ``None`` if there is no such object."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key that starts with ``prefix`` (a string prefix, not a folder), in lexicographic order."""
        ...

    def list_sized(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """Like :meth:`list`, with each object's size in bytes, as the listing gives it."""
        ...

    def delete(self, keys: Iterable[str]) -> None:
        """Delete ``keys``; keys with no object are fine."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _check_prefix(prefix: str) -> str:
    if not isinstance(prefix, str):
        raise InvalidKey(f"a listing prefix must be a string, not {type(prefix).__name__}")
    if prefix.startswith("/"):
        raise InvalidKey(f"listing prefix {_clip(prefix)!r} starts with '/'; keys are relative to the base")
    return prefix


def _prefix_url(base: Base, prefix: str) -> str:
    return f"{base}/{prefix}" if prefix else str(base)


def _valid_key(key: str) -> bool:
    try:
        check_key(key)
    except InvalidKey:
        return False
    return True
