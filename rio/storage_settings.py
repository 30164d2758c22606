"""How to reach object storage: one object, handed from the pipe, the CLI and ``rio serve`` to every layer.

A :class:`StorageSettings` holds everything that decides *which* S3 a store talks to and *as whom*:
the endpoint (MinIO, LocalStack, moto, or AWS when unset), the region, the addressing style and the
credentials (boto3's default chain when unset). The pipe packs through it, and hands the same
object to the executor, the loader and the sources, so that parts written to one S3 are never
looked for in another.

Values left unset are read from the environment by :meth:`StorageSettings.from_environment`:
``RIO_S3_ENDPOINT_URL``, ``RIO_S3_REGION`` and ``RIO_S3_ADDRESSING_STYLE``. botocore's own
variables (``AWS_ENDPOINT_URL_S3``, ``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID``…)
keep working underneath, as boto3 reads them itself.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from rio.errors import StorageError

if TYPE_CHECKING:
    from rio.contract import Base
    from rio.storage import ObjectStore

__all__ = ["ADDRESSING_STYLES", "ENVIRONMENT", "StorageSettings"]

#: The S3 addressing styles botocore knows.
ADDRESSING_STYLES = ("auto", "path", "virtual")

#: The environment variable that fills each setting left unset.
ENVIRONMENT: Mapping[str, str] = {
    "endpoint_url": "RIO_S3_ENDPOINT_URL",
    "region": "RIO_S3_REGION",
    "addressing_style": "RIO_S3_ADDRESSING_STYLE",
}


@dataclass(frozen=True)
class StorageSettings:
    """Which S3 to talk to, and as whom. Every field is optional; ``None`` means boto3's default.

    The credentials are never shown: ``repr`` says only whether each one is set.
    """

    endpoint_url: str | None = None
    region: str | None = None
    addressing_style: str | None = None
    aws_access_key_id: str | None = field(default=None, repr=False)
    aws_secret_access_key: str | None = field(default=None, repr=False)
    aws_session_token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None and not isinstance(value, str):
                raise StorageError(
                    f"storage setting {item.name} must be a string, not {type(value).__name__}"
                )
        if self.endpoint_url is not None and not self.endpoint_url.startswith(("http://", "https://")):
            raise StorageError(
                f"the S3 endpoint URL must start with http:// or https://, not {self.endpoint_url[:60]!r} "
                "(for example http://127.0.0.1:9000 for MinIO)"
            )
        if self.addressing_style is not None and self.addressing_style not in ADDRESSING_STYLES:
            raise StorageError(
                f"the S3 addressing style must be one of {', '.join(ADDRESSING_STYLES)}, "
                f"not {self.addressing_style!r}"
            )

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None, **given: str | None) -> StorageSettings:
        """Settings from ``given`` (explicit values win), the rest from ``RIO_S3_*`` variables."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for name, value in given.items():
            if value is not None:
                values[name] = value
        for name, variable in ENVIRONMENT.items():
            if name not in values and env.get(variable):
                values[name] = env[variable]
        return cls(**values)

    def with_defaults(self, other: StorageSettings) -> StorageSettings:
        """These settings, with every unset field taken from ``other``."""
        missing = {
            item.name: getattr(other, item.name) for item in fields(self) if getattr(self, item.name) is None
        }
        return replace(self, **missing)

    def store_options(self) -> dict[str, Any]:
        """The keyword arguments of :func:`rio.storage.open_store` these settings stand for."""
        return {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if getattr(self, item.name) is not None
        }

    def open(self, base: str | os.PathLike[str] | Base, **options: Any) -> ObjectStore:
        """The store for ``base``, reached with these settings (``options``: see ``open_store``)."""
        from rio.storage import open_store

        return open_store(base, **self.store_options(), **options)

    def __repr__(self) -> str:
        shown = [
            f"{item.name}={getattr(self, item.name)!r}"
            for item in fields(self)
            if item.repr and getattr(self, item.name) is not None
        ]
        shown += [f"{item.name}='***'" for item in fields(self) if not item.repr and getattr(self, item.name)]
        return f"StorageSettings({', '.join(shown)})"
