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

Each concept lives in a module of its own, and every public name is re-exported here: the protocol and
what both stores share (``_base``), the local store (``_local``), the S3 store (``_s3``) and what S3's
answers mean (``_s3_answers``: its error codes, the permission each action needs, a bucket's region).
"""

from __future__ import annotations

import os
from typing import Any

from rio.contract import Base
from rio.storage._base import ObjectStore, StoredObject
from rio.storage._local import LocalStore
from rio.storage._s3 import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DELETE_BATCH,
    MAX_PUT_IF_ABSENT_BYTES,
    MULTIPART_CHUNKSIZE,
    MULTIPART_THRESHOLD,
    S3Store,
)

# _region_from_location is not public, but the tests of the region rule import it from here.
from rio.storage._s3_answers import _region_from_location as _region_from_location

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
