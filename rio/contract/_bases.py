"""Bases and URLs: where a pipe's artefacts live, and the checks on the URLs manifests and jobs name.

A base is ``s3://bucket[/prefix]`` or a local directory (:class:`Base`); :func:`split_s3_url` and
:func:`s3_url` are the one place an S3 URL is taken apart and put together.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from rio.contract._keys import _CONTROL_RE, MAX_KEY_BYTES, _key_problem, _segments_problem, check_key
from rio.contract._messages import _clip, _describe
from rio.errors import InvalidBase, InvalidKey

__all__ = ["Base", "s3_url", "split_s3_url"]

_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
_IPV4_RE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
# Buckets created before 2018 in us-east-1 may hold capitals and '_'; manifests may name them.
_LEGACY_BUCKET_RE = re.compile(r"[A-Za-z0-9._-]{3,255}")
_BASE_FORMS = "s3://bucket, s3://bucket/prefix, file:///absolute/path or a directory path"
_NOT_AN_OBJECT = "COPY with MANIFEST parameter requires full path of an Amazon S3 object"


def split_s3_url(url: str) -> tuple[str, str]:
    """``(bucket, key)`` of ``s3://bucket/key`` as written, either possibly empty (callers judge them);
    ``s3://bucket`` has the key ``""``. The one place an S3 URL is taken apart."""
    if not url.startswith("s3://"):
        raise ValueError(f"{_clip(url)!r} is not an s3:// URL")
    bucket, _, key = url[len("s3://") :].partition("/")
    return bucket, key


def s3_url(bucket: str, key: str = "") -> str:
    """``s3://bucket/key``, or ``s3://bucket`` when ``key`` is empty; slashes around the key are
    dropped. The one place an S3 URL is put together."""
    key = key.strip("/")
    return f"s3://{bucket}/{key}" if key else f"s3://{bucket}"


def _bucket_problem(bucket: str) -> str | None:
    if bucket == "":
        return "names no bucket"
    if not 3 <= len(bucket) <= 63:
        return f"bucket {bucket!r} has {len(bucket)} characters; S3 bucket names have 3 to 63"
    if _BUCKET_RE.fullmatch(bucket) is None:
        return (
            f"bucket {bucket!r} may hold only lower-case letters, digits, '.' and '-', and must start "
            "and end with a letter or digit"
        )
    if ".." in bucket:
        return f"bucket {bucket!r} has two adjacent periods"
    if _IPV4_RE.fullmatch(bucket):
        return f"bucket {bucket!r} is formatted as an IP address"
    return None


def _utf8_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8 (it holds a lone surrogate)"
    return None


def _local_path_problem(path: str) -> str | None:
    if not path.startswith("/"):
        return "is not an absolute path"
    control = _CONTROL_RE.search(path)
    if control is not None:
        return f"holds the control character {control.group()!r} at position {control.start()}"
    return _utf8_problem(path)


def _normal_path(path: str, text: str) -> str:
    problem = _local_path_problem(path)
    if problem is not None:
        raise InvalidBase(f"base {_clip(text)!r}: the path {problem}; accepted: {_BASE_FORMS}")
    normal = os.path.normpath(path)
    # POSIX keeps a leading '//' apart from '/'; rio does not.
    return "/" + normal.lstrip("/")


@dataclass(frozen=True)
class Base:
    """Where a pipe's artefacts live: an S3 bucket with an optional prefix, or a local directory.

    Build one with :meth:`Base.parse`; ``str(base)`` is its canonical form (``s3://bucket/prefix`` or
    ``file:///path``).
    """

    scheme: str
    bucket: str | None = None
    prefix: str = ""
    path: str | None = None

    def __post_init__(self) -> None:
        if self.scheme == "s3":
            problem = _bucket_problem(self.bucket) if isinstance(self.bucket, str) else "names no bucket"
            if problem is None and self.prefix:
                segments = _segments_problem(self.prefix)
                problem = None if segments is None else f"prefix {self.prefix!r} {segments}"
            if problem is None and self.path is not None:
                problem = "an s3 base has no local path"
        elif self.scheme == "file":
            problem = None
            if self.bucket is not None or self.prefix:
                problem = "a local directory has no bucket or prefix"
            elif not isinstance(self.path, str) or _local_path_problem(self.path) is not None:
                problem = f"path {self.path!r} is not an absolute path"
            elif _normal_path(self.path, self.path) != self.path:
                problem = f"path {self.path!r} is not normalised (use Base.parse)"
        else:
            problem = f"scheme {self.scheme!r} is neither 's3' nor 'file'"
        if problem is not None:
            raise InvalidBase(f"base {self!r}: {problem}; accepted: {_BASE_FORMS}")

    @classmethod
    def parse(cls, text: str | os.PathLike[str] | Base) -> Base:
        """Read ``s3://bucket``, ``s3://bucket/prefix``, ``file:///absolute/path`` or a directory path.

        A plain path (a str or a path object) is made absolute against the current directory.
        """
        if isinstance(text, Base):
            return text
        if isinstance(text, os.PathLike):
            text = os.fspath(text)
        if not isinstance(text, str):
            raise InvalidBase(f"a base must be a string, not {_describe(text)}; accepted: {_BASE_FORMS}")
        if text.strip() == "":
            raise InvalidBase(f"base {text!r} is empty; accepted: {_BASE_FORMS}")
        if text.startswith("s3://"):
            bucket, prefix = split_s3_url(text)
            problem = _bucket_problem(bucket)
            prefix = prefix.strip("/")
            if problem is None and prefix:
                segments = _segments_problem(prefix)
                problem = None if segments is None else f"the prefix {segments}"
            if problem is not None:
                raise InvalidBase(f"base {_clip(text)!r}: {problem}; accepted: {_BASE_FORMS}")
            return cls("s3", bucket, prefix)
        if text.startswith("file://"):
            path = text[len("file://") :]
            if not path.startswith("/"):
                raise InvalidBase(
                    f"base {_clip(text)!r}: a file URL names an absolute path on this machine, "
                    f"file:///absolute/path (three slashes, no host); accepted: {_BASE_FORMS}"
                )
            return cls("file", path=_normal_path(path, text))
        if _SCHEME_RE.match(text) or "://" in text:
            raise InvalidBase(
                f"base {_clip(text)!r} is not one rio can use; accepted: {_BASE_FORMS} (scheme in lower "
                "case; write a directory whose name holds ':' as ./name)"
            )
        return cls("file", path=_normal_path(os.path.abspath(text), text))

    def _root(self) -> str:
        if self.scheme == "s3":
            return s3_url(self.bucket or "", self.prefix)
        assert self.path is not None
        return "file://" + self.path.rstrip("/")

    def __str__(self) -> str:
        return "file:///" if self.scheme == "file" and self.path == "/" else self._root()

    def url(self, key: str) -> str:
        """The full URL of ``key`` under this base (``s3://bucket/prefix/key``, ``file:///path/key``)."""
        check_key(key)
        if self.scheme == "s3" and self.prefix:
            size = len(f"{self.prefix}/{key}".encode())
            if size > MAX_KEY_BYTES:
                raise InvalidKey(
                    f"key {_clip(key)!r} under the prefix {self.prefix!r} makes an S3 key of {size} bytes; "
                    f"S3 keys hold at most {MAX_KEY_BYTES}"
                )
        return f"{self._root()}/{key}"

    def key_of(self, url: str) -> str | None:
        """The key of ``url`` under this base, or ``None`` when the URL lies outside it."""
        if not isinstance(url, str):
            return None
        root = self._root() + "/"
        if not url.startswith(root):
            return None
        key = url[len(root) :]
        return key if _key_problem(key) is None else None


def _object_url_problem(url: str) -> str | None:
    """Why ``url`` names no single object (``s3://bucket/key`` or ``file:///path``), or ``None``."""
    problem = _utf8_problem(url)
    if problem is not None:
        return problem
    if url.startswith("s3://"):
        bucket, key = split_s3_url(url)
        if _LEGACY_BUCKET_RE.fullmatch(bucket) is None:
            return f"names no valid bucket; {_NOT_AN_OBJECT}"
        if key == "":
            return f"names a bucket, not an object; {_NOT_AN_OBJECT}"
        if key.endswith("/"):
            return f"ends in '/', so it names a prefix, not an object; {_NOT_AN_OBJECT}"
        return None
    if url.startswith("file://"):
        path = url[len("file://") :]
        problem = _local_path_problem(path)
        if problem is not None:
            return f"is not file:///absolute/path: the path {problem}"
        if path.endswith("/"):
            return "ends in '/', so it names a directory, not a file"
        return None
    return "is neither s3://bucket/key nor file:///absolute/path"
