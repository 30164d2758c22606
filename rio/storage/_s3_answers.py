"""What S3's answers mean: which error codes become which :class:`~rio.errors.StorageError`, the
permission each action needs, and a bucket's region from ``GetBucketLocation``."""

from __future__ import annotations

from rio.errors import ObjectNotFound, StorageError
from rio.storage._base import _clip

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


def _region_from_location(constraint: str | None) -> str:
    """The region of a bucket from ``GetBucketLocation``'s ``LocationConstraint``.

    S3 answers nothing for us-east-1, and the legacy ``EU`` for buckets made in eu-west-1 long ago.
    """
    if not constraint:
        return "us-east-1"
    if constraint == "EU":
        return "eu-west-1"
    return constraint


def _answer_error(
    code: str, status: object, message: str, attempts: int, action: str, url: str
) -> StorageError:
    """The error for S3's answer ``code`` (HTTP ``status``) to ``action`` on ``url``, after ``attempts``."""
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
