"""Manifests: Redshift's list of the files one COPY loads, written and read in exactly its format.

A manifest's digest (:func:`manifest_digest`) is how the load ledger recognises data it already loaded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from rio.contract._bases import _object_url_problem
from rio.contract._json import _JSONProblem, _load_json
from rio.contract._messages import _clip, _describe, _json_kind
from rio.errors import InvalidManifest

__all__ = ["Manifest", "ManifestEntry", "manifest_digest"]

#: The keys of Redshift's manifest format: the only ones a message about an unread file may name.
_MANIFEST_KEYS = frozenset({"entries", "url", "mandatory", "meta", "content_length"})


def manifest_digest(raw: bytes) -> str:
    """The SHA-256 (hex) of a manifest's bytes, as the ledger records it: a load recognises data it
    already loaded by it, wherever the manifest was copied to."""
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class ManifestEntry:
    """One file of a COPY manifest. Redshift's default for ``mandatory`` is false; rio writes true."""

    url: str
    mandatory: bool = False
    content_length: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.url, str):
            raise InvalidManifest(f"manifest url must be a string, not {_describe(self.url)}")
        problem = _object_url_problem(self.url)
        if problem is not None:
            raise InvalidManifest(f"manifest url {_clip(self.url)!r} {problem}")
        if not isinstance(self.mandatory, bool):
            raise InvalidManifest(
                f"manifest 'mandatory' must be true or false, not {_describe(self.mandatory)}"
            )
        length = self.content_length
        if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 0):
            raise InvalidManifest(f"manifest content_length must be an integer >= 0, not {_describe(length)}")

    def _to_object(self) -> dict[str, object]:
        obj: dict[str, object] = {"url": self.url, "mandatory": self.mandatory}
        if self.content_length is not None:
            obj["meta"] = {"content_length": self.content_length}
        return obj


@dataclass(frozen=True)
class Manifest:
    """A COPY manifest, in exactly Redshift's format. A URL listed twice is loaded twice."""

    entries: tuple[ManifestEntry, ...]

    def __post_init__(self) -> None:
        entries = tuple(self.entries)
        for entry in entries:
            if not isinstance(entry, ManifestEntry):
                raise InvalidManifest(f"a manifest entry must be a ManifestEntry, not {_describe(entry)}")
        object.__setattr__(self, "entries", entries)

    @property
    def urls(self) -> tuple[str, ...]:
        """The URLs of the entries, in order."""
        return tuple(entry.url for entry in self.entries)

    def to_json(self) -> bytes:
        """The manifest's bytes: compact UTF-8 JSON, keys ``url``, ``mandatory``, ``meta``.

        An empty manifest is refused: COPY fails when it finds no files (the Go rio wrote
        ``{"entries":null}`` for an empty pipe).
        """
        if not self.entries:
            raise InvalidManifest(
                "a manifest needs at least one entry: COPY fails when it finds no files, so an empty pipe "
                "sends nothing"
            )
        body = {"entries": [entry._to_object() for entry in self.entries]}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str, *, source: str = "<manifest>") -> Manifest:
        """Read a manifest, refusing what Redshift would refuse; every message names ``source``."""

        def fail(why: str) -> InvalidManifest:
            return InvalidManifest(f"{source}: {why}")

        if isinstance(data, (bytes, bytearray, memoryview)):
            raw = bytes(data)
            if raw.strip() == b"":
                raise fail("is empty; a manifest lists the files COPY loads")
            if raw.startswith(b"\x1f\x8b"):
                raise fail(
                    "is gzip-compressed; Redshift requires an uncompressed manifest, even when the data "
                    "files are compressed (the Go rio gzip'd its manifests)"
                )
            if raw.startswith(b"\xef\xbb\xbf"):
                raise fail("starts with a UTF-8 byte order mark; write the manifest as UTF-8 without one")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise fail(
                    f"is not UTF-8 ({exc.reason} at byte {exc.start}); Redshift reads manifests as UTF-8"
                ) from exc
        elif isinstance(data, str):
            text = data
            if text.strip() == "":
                raise fail("is empty; a manifest lists the files COPY loads")
            if text.startswith("\ufeff"):
                raise fail("starts with a UTF-8 byte order mark; write the manifest as UTF-8 without one")
        else:
            raise fail(f"must be bytes or str, not {type(data).__name__}")

        try:
            # Until the file shows itself a manifest, its text is nobody's to echo: it may be any file.
            root = _load_json(text, named_keys=_MANIFEST_KEYS)
        except _JSONProblem as exc:
            raise fail(f"Manifest file is not in correct json format: {exc}") from exc
        if not isinstance(root, dict):
            raise fail(f"Root must be a json object in the manifest file; this one is {_json_kind(root)}")
        if "entries" not in root:
            raise fail("Manifest file is not in expected format - 'entries' field missing")
        listed = root["entries"]
        if listed is None:
            raise fail(
                "'entries' is null, so COPY would find no files (the Go rio wrote {\"entries\":null} for "
                "an empty pipe)"
            )
        if not isinstance(listed, list):
            raise fail(f"'entries' must be a list, not {_describe(listed)}")
        if not listed:
            raise fail("'entries' is empty; COPY fails when a manifest names no files")
        return cls(tuple(_read_entry(item, f"entries[{index}]", fail) for index, item in enumerate(listed)))


def _read_entry(item: object, where: str, fail: Callable[[str], InvalidManifest]) -> ManifestEntry:
    if not isinstance(item, dict):
        raise fail(f"{where} must be a json object, not {_describe(item)}")
    # Unknown keys are ignored, as Redshift reads only 'url' and 'mandatory'.
    if "url" not in item:
        raise fail(f"Manifest file is not in expected format - 'url' field missing ({where})")
    url = item["url"]
    if not isinstance(url, str):
        raise fail(f"{where}.url must be a string, not {_describe(url)}")
    problem = _object_url_problem(url)
    if problem is not None:
        raise fail(f"{where}.url {_clip(url)!r} {problem}")
    mandatory = item.get("mandatory", False)
    if not isinstance(mandatory, bool):
        raise fail(f"{where}.mandatory must be true or false, not {_describe(mandatory)}")
    length: int | None = None
    if "meta" in item:
        meta = item["meta"]
        if not isinstance(meta, dict):
            raise fail(f"{where}.meta must be a json object, not {_describe(meta)}")
        if "content_length" in meta:
            value = meta["content_length"]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise fail(f"{where}.meta.content_length must be an integer >= 0, not {_describe(value)}")
            length = value
    return ManifestEntry(url, mandatory, length)
