"""Object stores: every read, write, listing and deletion of rio's artefacts goes through here.

Two stores implement :class:`ObjectStore`, picked from a base by :func:`open_store`:

- :class:`S3Store` for ``s3://bucket[/prefix]``: boto3, with the default credential chain or the
  explicit key, secret and token, which then sign **every** request, the bucket's region lookup
  included. botocore retries throttling, 5xx and dropped connections (standard mode); objects are
  encrypted at rest by default (``AES256``, or ``aws:kms`` with a key); large objects go up in parts.
- :class:`LocalStore` for ``file:///path`` or a directory path, created on first write. A write goes
  to a hidden temporary file in the key's directory, is flushed and ``fsync``'d, then renamed into
  place, so a reader sees the old object or the new one, never a partial file.

Keys are relative to the base and checked by :func:`rio.contract.check_key`. Nothing is gzipped here:
a store writes exactly the bytes it is given (parts arrive gzipped from the core, manifests and configs
stay plain, as Redshift and the Go worker need them).

**Create-if-absent** (:meth:`ObjectStore.put_if_absent`) is what keeps a manifest from ever being
overwritten, and each store guarantees it with one atomic operation:

- S3: ``PutObject`` with ``If-None-Match: *``, S3's conditional write. S3 refuses with 412
  ``PreconditionFailed`` when the key exists, however many writers race. A 409
  ``ConditionalRequestConflict`` (a concurrent write or delete was in flight) is settled by checking
  whether the key now exists, and writing again if it does not. When botocore had to resend the
  request, a 412 may answer this very call's first attempt, which landed but whose response was lost:
  the object is then read back, and counts as written when it holds exactly these bytes.
- Local: the complete, ``fsync``'d temporary file is hard-linked to the key's name. ``link`` fails
  when the name exists, atomically and exclusively even against other processes.

Errors from botocore and the OS are translated in one place per store into :class:`StorageError`
(:class:`ObjectNotFound` for a missing object), whose message names the URL and says what to do.
Credentials never appear in messages, logs or ``repr``.
"""

from __future__ import annotations

import errno
import importlib
import io
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any, BinaryIO, Protocol, runtime_checkable

from rio import redaction
from rio.contract import Base, check_key, s3_url, split_s3_url
from rio.errors import InvalidBase, InvalidKey, ObjectNotFound, StorageError
from rio.storage_settings import StorageSettings

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "DELETE_BATCH",
    "MAX_PUT_IF_ABSENT_BYTES",
    "MULTIPART_CHUNKSIZE",
    "MULTIPART_THRESHOLD",
    "LocalStore",
    "ObjectStore",
    "S3Store",
    "StoredObject",
    "open_store",
]

#: Objects of at least this many bytes go to S3 as a multipart upload.
MULTIPART_THRESHOLD = 64 * 1024 * 1024
#: The size of each part of a multipart upload (S3 wants at least 5 MiB for all but the last).
MULTIPART_CHUNKSIZE = 16 * 1024 * 1024
#: S3's largest single PUT; a conditional write cannot be split into parts.
MAX_PUT_IF_ABSENT_BYTES = 5 * 1024**3
#: S3's limit on keys per DeleteObjects request.
DELETE_BATCH = 1000
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 60.0

_MIN_CHUNKSIZE = 5 * 1024 * 1024
_SSE_MODES = ("AES256", "aws:kms", "aws:kms:dsse")
# Enough for a pipe's upload workers and a loader's readers to share one client without churn.
_MAX_POOL_CONNECTIONS = 32
# How often put_if_absent writes again after a 409 that left no object behind.
_CONFLICT_ROUNDS = 3
_STREAM_BUFFER = 1024 * 1024
_BUCKET_IN_URL_RE = re.compile(r"[A-Za-z0-9._-]{3,255}")
# What link(2) answers on file systems without hard links (FAT, some network and FUSE mounts).
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})
_TEMP_NAME_RE = re.compile(r"\..*\.[0-9a-f]{16}\.tmp", re.DOTALL)
_ACCESS_CODES = frozenset(
    {
        "AccessDenied",
        "AllAccessDisabled",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "TokenRefreshRequired",
        "KMS.AccessDeniedException",
        "KMS.DisabledException",
    }
)
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "404", "NotFound"})
# What each action needs from an IAM policy, for access-denied messages.
_PERMISSIONS = {
    "read": "s3:GetObject",
    "stat": "s3:GetObject (and s3:ListBucket, without which S3 answers 403 for a missing key)",
    "write": "s3:PutObject",
    "list": "s3:ListBucket",
    "delete": "s3:DeleteObject",
    "find the region of": "s3:GetBucketLocation (or pass region= to skip the lookup)",
}

_log = redaction.logger("rio.storage")


@dataclass(frozen=True)
class StoredObject:
    """An object a store has written: its key under the base, its full URL and its size in bytes."""

    key: str
    url: str
    size: int


@runtime_checkable
class ObjectStore(Protocol):
    """Where rio's artefacts live. Keys are relative to :attr:`base`; see the module docstring."""

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


def open_store(
    base: str | os.PathLike[str] | Base,
    *,
    aws_access_key_id: str | None = None,
    aws_secret_access_key: str | None = None,
    aws_session_token: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    addressing_style: str | None = None,
    server_side_encryption: str | None = "AES256",
    kms_key_id: str | None = None,
    max_attempts: int = 10,
    **s3_options: Any,
) -> ObjectStore:
    """The store for ``base``: :class:`S3Store` for ``s3://…``, :class:`LocalStore` for a directory.

    The AWS arguments, and any other keyword argument of :class:`S3Store` (timeouts, multipart
    sizes), apply to S3 only. A malformed base raises :class:`~rio.errors.InvalidBase`.
    """
    parsed = Base.parse(base)
    if parsed.scheme == "s3":
        return S3Store(
            parsed,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
            region=region,
            endpoint_url=endpoint_url,
            addressing_style=addressing_style,
            server_side_encryption=server_side_encryption,
            kms_key_id=kms_key_id,
            max_attempts=max_attempts,
            **s3_options,
        )
    return LocalStore(parsed)


# --- shared helpers --------------------------------------------------------------------------------


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


def _import(name: str) -> Any:
    """A module of boto3 or botocore, typed ``Any`` (they ship no type hints).

    Imported on first use, so that ``import rio.storage`` does not load them.
    """
    return importlib.import_module(name)


# --- S3 ----------------------------------------------------------------------------------------------


def _region_from_location(constraint: str | None) -> str:
    """The region of a bucket from ``GetBucketLocation``'s ``LocationConstraint``.

    S3 answers nothing for us-east-1, and the legacy ``EU`` for buckets made in eu-west-1 long ago.
    """
    if not constraint:
        return "us-east-1"
    if constraint == "EU":
        return "eu-west-1"
    return constraint


def _split_s3_url(url: str) -> tuple[str, str]:
    """``(bucket, key)`` of ``s3://bucket/key``; any bucket, since manifests may name legacy ones."""
    if not isinstance(url, str) or not url.startswith("s3://"):
        raise InvalidKey(f"{_clip(str(url))!r} is not an s3://bucket/key URL; an S3 store reads only those")
    bucket, key = split_s3_url(url)
    if _BUCKET_IN_URL_RE.fullmatch(bucket) is None:
        raise InvalidKey(f"URL {_clip(url)!r} names no valid bucket")
    if key == "" or key.endswith("/"):
        raise InvalidKey(f"URL {_clip(url)!r} names a bucket or a prefix, not an object")
    return bucket, key


class _S3Stream(io.RawIOBase):
    """A botocore ``StreamingBody`` as a raw binary stream whose read errors become StorageErrors."""

    def __init__(self, body: Any, url: str, store: S3Store) -> None:
        super().__init__()
        self._body = body
        self._url = url
        self._store = store

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        with self._store._translated("read", self._url):
            chunk = self._body.read(len(view))
        view[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3Store:
    """An :class:`ObjectStore` on S3 (or anything that speaks its API, given ``endpoint_url``).

    ``aws_access_key_id`` and ``aws_secret_access_key`` (and ``aws_session_token``) are used for every
    request when given, else boto3's default credential chain. ``region`` skips the lookup of the
    bucket's region. ``max_attempts`` counts every attempt of a request, the first included.
    ``server_side_encryption`` is ``"AES256"``, ``"aws:kms"`` (implied by ``kms_key_id``),
    ``"aws:kms:dsse"`` or ``None`` for none. ``multipart_threshold``, ``multipart_chunksize`` and
    ``page_size`` are there for tests and tuning.
    """

    def __init__(
        self,
        base: str | Base,
        *,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        addressing_style: str | None = None,
        server_side_encryption: str | None = "AES256",
        kms_key_id: str | None = None,
        max_attempts: int = 10,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        multipart_threshold: int = MULTIPART_THRESHOLD,
        multipart_chunksize: int = MULTIPART_CHUNKSIZE,
        page_size: int = 1000,
    ) -> None:
        parsed = Base.parse(base)
        if parsed.scheme != "s3":
            raise InvalidBase(f"an S3 store needs an s3://bucket[/prefix] base, not {parsed}")
        assert parsed.bucket is not None
        self.base = parsed
        self._bucket = parsed.bucket
        self._endpoint_url = endpoint_url
        self._addressing_style = addressing_style
        self._explicit_credentials = aws_access_key_id is not None
        # The URL the client in use talks to, botocore's choice included (AWS_ENDPOINT_URL, the
        # region's own); error messages name it. Known once a client exists, before any request.
        self._client_endpoint: str | None = None
        self._max_attempts = max_attempts
        where = str(parsed)
        if aws_access_key_id is None and aws_secret_access_key is None and aws_session_token is not None:
            raise StorageError(
                f"for {where}: aws_session_token was given without aws_access_key_id and "
                "aws_secret_access_key; give all three, or none to use the default credential chain",
                url=where,
            )
        if (aws_access_key_id is None) != (aws_secret_access_key is None):
            given = "aws_access_key_id" if aws_access_key_id is not None else "aws_secret_access_key"
            raise StorageError(
                f"for {where}: {given} was given alone; give aws_access_key_id and aws_secret_access_key "
                "together, or neither to use the default credential chain",
                url=where,
            )
        if kms_key_id is not None and server_side_encryption in (None, "AES256"):
            if server_side_encryption is None:
                raise StorageError(
                    f"for {where}: kms_key_id was given with server_side_encryption=None; drop the key, or "
                    "use server_side_encryption='aws:kms'",
                    url=where,
                )
            server_side_encryption = "aws:kms"  # a KMS key can only mean KMS encryption
        if server_side_encryption is not None and server_side_encryption not in _SSE_MODES:
            raise StorageError(
                f"for {where}: server_side_encryption {server_side_encryption!r} is not one of "
                f"{', '.join(_SSE_MODES)} or None",
                url=where,
            )
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise StorageError(
                f"for {where}: max_attempts must be an integer >= 1, not {max_attempts!r}", url=where
            )
        if not _MIN_CHUNKSIZE <= multipart_chunksize <= MAX_PUT_IF_ABSENT_BYTES:
            raise StorageError(
                f"for {where}: multipart_chunksize must lie between 5 MiB and 5 GiB, "
                f"not {multipart_chunksize}",
                url=where,
            )
        if not 1 <= multipart_threshold <= MAX_PUT_IF_ABSENT_BYTES:
            raise StorageError(
                f"for {where}: multipart_threshold must lie between 1 byte and 5 GiB, "
                f"not {multipart_threshold}",
                url=where,
            )
        if not 1 <= page_size <= 1000:
            raise StorageError(
                f"for {where}: page_size must lie between 1 and 1000, not {page_size}", url=where
            )
        self._sse = server_side_encryption
        self._kms_key_id = kms_key_id
        self._multipart_threshold = multipart_threshold
        self._page_size = page_size

        botocore_exceptions = _import("botocore.exceptions")
        boto3_exceptions = _import("boto3.exceptions")
        transfer = _import("boto3.s3.transfer")
        boto3_session = _import("boto3.session")
        botocore_config = _import("botocore.config")

        self._exceptions = botocore_exceptions
        self._sdk_errors: tuple[type[BaseException], ...] = (
            botocore_exceptions.BotoCoreError,
            botocore_exceptions.ClientError,
            boto3_exceptions.Boto3Error,
        )
        self._transfer_config = transfer.TransferConfig(
            multipart_threshold=multipart_threshold, multipart_chunksize=multipart_chunksize
        )
        # The session holds the credentials; no other attribute of the store does.
        self._session = session = boto3_session.Session(
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
        )
        config = botocore_config.Config(
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=_MAX_POOL_CONNECTIONS,
            s3={"addressing_style": addressing_style} if addressing_style else None,
        )
        self._region = region if region is not None else self._find_region(session, config)
        self._client: Any = session.client(
            "s3", region_name=self._region, endpoint_url=endpoint_url, config=config
        )
        self._client_endpoint = self._client.meta.endpoint_url
        _log.debug("opened %r", self)

    # -- read-only facts --

    @property
    def region(self) -> str:
        """The bucket's region: the one given, or the one S3 reported."""
        return self._region

    @property
    def endpoint_url(self) -> str | None:
        """The endpoint given to the store (``None``: botocore's choice)."""
        return self._endpoint_url

    @property
    def addressing_style(self) -> str | None:
        return self._addressing_style

    @property
    def storage(self) -> StorageSettings:
        """The settings that reach this store again: its endpoint, region and addressing style, and
        its credentials when they were given (else boto3's chain finds them again).

        This is how a loader reads from the very S3 a pipe given only a store wrote to.
        """
        credentials: dict[str, str | None] = {}
        if self._explicit_credentials:
            frozen = self._session.get_credentials().get_frozen_credentials()
            credentials = {
                "aws_access_key_id": frozen.access_key,
                "aws_secret_access_key": frozen.secret_key,
                "aws_session_token": frozen.token,
            }
        return StorageSettings(
            endpoint_url=self._endpoint_url,
            region=self._region,
            addressing_style=self._addressing_style,
            **credentials,
        )

    @property
    def client(self) -> Any:
        """The boto3 S3 client (thread-safe), for event hooks and operations rio does not wrap."""
        return self._client

    def __repr__(self) -> str:
        return (
            f"S3Store(base={str(self.base)!r}, region={self._region!r}, "
            f"endpoint_url={redaction.masked(self._endpoint_url)!r})"
        )

    def __enter__(self) -> S3Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- error translation: the one place botocore's errors become rio's --

    @contextmanager
    def _translated(self, action: str, url: str) -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except Exception as exc:
            if not isinstance(exc, self._sdk_errors):
                raise
            raise self._error(exc, action, url) from exc

    def _error(self, exc: BaseException, action: str, url: str) -> StorageError:
        exceptions = self._exceptions
        cause: BaseException = exc
        # boto3 wraps a failed upload's ClientError in S3UploadFailedError.
        inner = exc.__cause__ or exc.__context__
        if not isinstance(exc, exceptions.ClientError) and isinstance(inner, exceptions.ClientError):
            cause = inner
        if isinstance(cause, exceptions.ClientError):
            error = cause.response.get("Error", {})
            meta = cause.response.get("ResponseMetadata", {})
            return self._answer_error(
                str(error.get("Code", "")),
                meta.get("HTTPStatusCode"),
                str(error.get("Message", "")),
                int(meta.get("RetryAttempts", 0)) + 1,
                action,
                url,
            )
        if isinstance(cause, (exceptions.NoCredentialsError, exceptions.PartialCredentialsError)):
            return StorageError(
                f"could not {action} {url}: no complete AWS credentials were found; pass "
                "aws_access_key_id and aws_secret_access_key, or set up the default chain (environment, "
                "~/.aws/credentials, an instance or task role)",
                url=url,
            )
        if isinstance(cause, exceptions.ReadTimeoutError):
            return StorageError(
                f"could not {action} {url}: the S3 endpoint {self._endpoint_label()} stopped answering "
                f"(no reply within the read timeout, {self._max_attempts} attempts); check the network "
                "and the endpoint, or raise read_timeout",
                url=url,
            )
        if isinstance(cause, (exceptions.ConnectionError, exceptions.HTTPClientError)):
            return StorageError(
                f"could not {action} {url}: the S3 endpoint {self._endpoint_label()} could not be reached "
                f"after {self._max_attempts} attempts ({type(cause).__name__}: {_clip(str(cause))}); check "
                "the network, the endpoint URL and the region",
                url=url,
            )
        return StorageError(f"could not {action} {url}: {type(cause).__name__}: {_clip(str(cause))}", url=url)

    def _answer_error(
        self, code: str, status: object, message: str, attempts: int, action: str, url: str
    ) -> StorageError:
        said = f"{code}: {_clip(message)}" if message else code
        if code in _NOT_FOUND_CODES:
            return ObjectNotFound(f"{url} does not exist ({code}); check the key and the base", url=url)
        if code == "NoSuchBucket":
            return StorageError(
                f"could not {action} {url}: the bucket does not exist ({said}); check the bucket's name "
                "and the endpoint",
                url=url,
            )
        if code in _ACCESS_CODES or status == 403:
            needs = _PERMISSIONS.get(action, "access to the bucket")
            return StorageError(
                f"S3 refused to {action} {url} ({said}); check the AWS credentials and that they grant "
                f"{needs}, and use of the KMS key if objects are encrypted with one",
                url=url,
            )
        if code == "SlowDown" or (isinstance(status, int) and status >= 500):
            return StorageError(
                f"could not {action} {url}: S3 kept failing after {attempts} attempts ({said}); try again "
                "later, or raise max_attempts",
                url=url,
            )
        return StorageError(f"could not {action} {url}: S3 answered {said}", url=url)

    def _endpoint_label(self) -> str:
        # Only what exists at any moment of __init__: the region is not known during its own lookup.
        return redaction.mask_url(self._endpoint_url or self._client_endpoint or "") or "(botocore's default)"

    # -- setup --

    def _find_region(self, session: Any, config: Any) -> str:
        # The us-east-1 endpoint answers for any bucket of the aws partition; other partitions
        # (China, GovCloud) have their own, which the session's configured region names.
        lookup = session.region_name or "us-east-1"
        if not lookup.startswith(("cn-", "us-gov-", "us-iso")):
            lookup = "us-east-1"
        where = s3_url(self._bucket)
        client = session.client("s3", region_name=lookup, endpoint_url=self._endpoint_url, config=config)
        self._client_endpoint = client.meta.endpoint_url
        try:
            with self._translated("find the region of", where):
                answer = client.get_bucket_location(Bucket=self._bucket)
        finally:
            client.close()
        region = _region_from_location(answer.get("LocationConstraint"))
        _log.debug("bucket %s is in %s", self._bucket, region)
        return region

    # -- keys --

    def url(self, key: str) -> str:
        return self.base.url(key)

    def _object_key(self, key: str) -> str:
        check_key(key)
        return f"{self.base.prefix}/{key}" if self.base.prefix else key

    def _write_args(self, content_type: str | None) -> dict[str, str]:
        args: dict[str, str] = {}
        if self._sse is not None:
            args["ServerSideEncryption"] = self._sse
        if self._kms_key_id is not None:
            args["SSEKMSKeyId"] = self._kms_key_id
        if content_type is not None:
            args["ContentType"] = content_type
        return args

    # -- writes --

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject:
        url = self.url(key)
        object_key = self._object_key(key)
        args = self._write_args(content_type)
        size = len(data)
        with self._translated("write", url):
            if size >= self._multipart_threshold:
                _log.debug("put %s (%d bytes, multipart)", url, size)
                self._client.upload_fileobj(
                    io.BytesIO(data), self._bucket, object_key, ExtraArgs=args, Config=self._transfer_config
                )
            else:
                _log.debug("put %s (%d bytes)", url, size)
                self._client.put_object(Bucket=self._bucket, Key=object_key, Body=data, **args)
        return StoredObject(key, url, size)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject | None:
        url = self.url(key)
        object_key = self._object_key(key)
        size = len(data)
        if size > MAX_PUT_IF_ABSENT_BYTES:
            raise StorageError(
                f"could not write {url}: {size} bytes is more than S3 writes in one conditional PUT "
                f"({MAX_PUT_IF_ABSENT_BYTES} bytes); create-if-absent is meant for manifests and configs",
                url=url,
            )
        args = self._write_args(content_type)
        stored = StoredObject(key, url, size)
        for _ in range(_CONFLICT_ROUNDS):
            _log.debug("put %s if absent (%d bytes)", url, size)
            outcome, resent = self._create(object_key, data, args, url)
            if outcome == "created":
                return stored
            if outcome == "conflict" and not self.exists(key):
                continue  # the write or delete that raced this one left nothing: write again
            # The key exists. If botocore resent the request, the object may be this call's own
            # first attempt, which landed although its response was lost.
            if resent and self._holds(key, data):
                _log.debug("%s: an earlier attempt of this write landed", url)
                return stored
            _log.debug("%s exists; nothing written", url)
            return None
        raise StorageError(
            f"could not write {url}: S3 reported a conflicting write {_CONFLICT_ROUNDS} times in a row, and "
            "no object is there; try again",
            url=url,
        )

    def _create(self, object_key: str, data: bytes, args: dict[str, str], url: str) -> tuple[str, bool]:
        """One conditional PUT: its outcome, and whether botocore had to send it more than once.

        The outcome is ``created``, ``exists`` (412) or ``conflict`` (409).
        """
        with self._translated("write", url):
            try:
                self._client.put_object(
                    Bucket=self._bucket, Key=object_key, Body=data, IfNoneMatch="*", **args
                )
            except self._exceptions.ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                meta = exc.response.get("ResponseMetadata", {})
                status = meta.get("HTTPStatusCode")
                resent = int(meta.get("RetryAttempts", 0)) > 0
                if code == "PreconditionFailed" or status == 412:
                    return "exists", resent
                if code == "ConditionalRequestConflict" or status == 409:
                    return "conflict", resent
                raise
        return "created", False

    def _holds(self, key: str, data: bytes) -> bool:
        try:
            return self.size(key) == len(data) and self.get(key) == data
        except ObjectNotFound:
            return False

    # -- reads --

    def get(self, key: str) -> bytes:
        return self._read(self._bucket, self._object_key(key), self.url(key))

    def get_url(self, url: str) -> bytes:
        bucket, object_key = _split_s3_url(url)
        return self._read(bucket, object_key, url)

    def _read(self, bucket: str, object_key: str, url: str) -> bytes:
        with self._translated("read", url):
            response = self._client.get_object(Bucket=bucket, Key=object_key)
            data: bytes = response["Body"].read()
        _log.debug("got %s (%d bytes)", url, len(data))
        return data

    def open_url(self, url: str) -> BinaryIO:
        bucket, object_key = _split_s3_url(url)
        with self._translated("read", url):
            response = self._client.get_object(Bucket=bucket, Key=object_key)
        _log.debug("streaming %s", url)
        return io.BufferedReader(_S3Stream(response["Body"], url, self), buffer_size=_STREAM_BUFFER)

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def size(self, key: str) -> int | None:
        url = self.url(key)
        object_key = self._object_key(key)
        try:
            with self._translated("stat", url):
                response = self._client.head_object(Bucket=self._bucket, Key=object_key)
        except ObjectNotFound:
            return None
        return int(response["ContentLength"])

    def list(self, prefix: str = "") -> Iterator[str]:
        return (key for key, _ in self.list_sized(prefix))

    def list_sized(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        _check_prefix(prefix)
        url = _prefix_url(self.base, prefix)
        root = f"{self.base.prefix}/" if self.base.prefix else ""
        paginator = self._client.get_paginator("list_objects_v2")
        pages = iter(
            paginator.paginate(
                Bucket=self._bucket, Prefix=root + prefix, PaginationConfig={"PageSize": self._page_size}
            )
        )
        while True:
            # Fetch under translation, yield outside it: the caller's code runs between pages.
            with self._translated("list", url):
                page = next(pages, None)
            if page is None:
                return
            for item in page.get("Contents", ()):
                key = str(item["Key"])[len(root) :]
                if _valid_key(key):
                    yield key, int(item["Size"])
                else:
                    # Folder markers ("prefix/") and names no rio key can take (written by other tools).
                    _log.debug("skipping %r under %s: not a key rio can use", item["Key"], self.base)

    # -- deletes --

    def delete(self, keys: Iterable[str]) -> None:
        object_keys = [(key, self._object_key(key)) for key in keys]  # all checked before any goes
        for start in range(0, len(object_keys), DELETE_BATCH):
            batch = object_keys[start : start + DELETE_BATCH]
            first_url = self.url(batch[0][0])
            with self._translated("delete", first_url):
                response = self._client.delete_objects(
                    Bucket=self._bucket,
                    Delete={"Objects": [{"Key": object_key} for _, object_key in batch], "Quiet": True},
                )
            failures = response.get("Errors") or []
            if failures:
                first = failures[0]
                failed_url = s3_url(self._bucket, first.get("Key", ""))
                error = self._answer_error(
                    str(first.get("Code", "")), None, str(first.get("Message", "")), 1, "delete", failed_url
                )
                raise StorageError(
                    f"{len(failures)} of {len(batch)} deletions failed; the first: {error}", url=failed_url
                )
            _log.debug("deleted %d objects under %s", len(batch), self.base)

    def close(self) -> None:
        self._client.close()


# --- a local directory -------------------------------------------------------------------------------


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
