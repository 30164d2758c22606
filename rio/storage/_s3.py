"""The store on S3 (or anything that speaks its API): boto3 with standard retries, encryption at rest,
multipart uploads, and create-if-absent through S3's conditional write.

boto3 and botocore are imported when the first store is made, never with this module.
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, BinaryIO

from rio import redaction
from rio.contract import Base, check_key, s3_url, split_s3_url
from rio.errors import InvalidBase, InvalidKey, ObjectNotFound, StorageError
from rio.storage._base import StoredObject, _check_prefix, _clip, _log, _prefix_url, _valid_key
from rio.storage._s3_answers import _answer_error, _region_from_location
from rio.storage._settings import StorageSettings

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "DELETE_BATCH",
    "MAX_PUT_IF_ABSENT_BYTES",
    "MULTIPART_CHUNKSIZE",
    "MULTIPART_THRESHOLD",
    "S3Store",
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


def _import(name: str) -> Any:
    """A module of boto3 or botocore, typed ``Any`` (they ship no type hints).

    Imported on first use, so that ``import rio.storage`` does not load them.
    """
    return importlib.import_module(name)


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
            return _answer_error(
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
                error = _answer_error(
                    str(first.get("Code", "")), None, str(first.get("Message", "")), 1, "delete", failed_url
                )
                raise StorageError(
                    f"{len(failures)} of {len(batch)} deletions failed; the first: {error}", url=failed_url
                )
            _log.debug("deleted %d objects under %s", len(batch), self.base)

    def close(self) -> None:
        self._client.close()
