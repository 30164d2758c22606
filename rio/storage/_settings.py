"""How to reach object storage: one object, handed from the pipe, the CLI and ``rio serve`` to every layer.

A :class:`StorageSettings` holds everything that decides *which* S3 a store talks to and *as whom*:
the endpoint (MinIO, LocalStack, moto, or AWS when unset), the region, the addressing style and the
credentials (boto3's default chain when unset). The pipe packs through it, and hands the same
object to the executor, the loader and the sources, so that parts written to one S3 are never
looked for in another.

Values left unset are read from the environment (:meth:`StorageSettings.from_environment`) when
an S3 store is opened (:meth:`StorageSettings.open`): ``RIO_S3_ENDPOINT_URL``, ``RIO_S3_REGION``
and ``RIO_S3_ADDRESSING_STYLE``. botocore's own variables (``AWS_ENDPOINT_URL_S3``,
``AWS_ENDPOINT_URL``, ``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID``…) keep working underneath, as boto3
reads them itself.

Where a caller gives both an object and loose values (``RedshiftIO(storage=…, endpoint_url=…)``,
``rio.load(…, storage=…, store_options={…})``), :meth:`StorageSettings.resolve` folds them into one:
the loose values fill the object's unset fields, and a field the two set differently is an error,
so that no layer has to guess which one was meant.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from rio import redaction
from rio.errors import StorageError

if TYPE_CHECKING:
    from rio.contract import Base
    from rio.storage._base import ObjectStore

__all__ = ["ADDRESSING_STYLES", "ENVIRONMENT", "SETTING_NAMES", "StorageSettings", "split_store_options"]

#: The S3 addressing styles botocore knows.
ADDRESSING_STYLES = ("auto", "path", "virtual")

#: The environment variable that fills each setting left unset.
ENVIRONMENT: Mapping[str, str] = {
    "endpoint_url": "RIO_S3_ENDPOINT_URL",
    "region": "RIO_S3_REGION",
    "addressing_style": "RIO_S3_ADDRESSING_STYLE",
}


#: The fields that hold credentials: never shown, and registered with :mod:`rio.redaction`.
_SECRET_FIELDS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


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
        for name in _SECRET_FIELDS:
            redaction.register(getattr(self, name))
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None and not isinstance(value, str):
                raise StorageError(
                    f"storage setting {item.name} must be a string, not {type(value).__name__}"
                )
        if self.endpoint_url is not None and not self.endpoint_url.startswith(("http://", "https://")):
            raise StorageError(
                f"the S3 endpoint URL must start with http:// or https://, not "
                f"{redaction.mask_url(self.endpoint_url[:60])!r} "
                "(for example http://127.0.0.1:9000 for MinIO)"
            )
        if self.addressing_style is not None and self.addressing_style not in ADDRESSING_STYLES:
            raise StorageError(
                f"the S3 addressing style must be one of {', '.join(ADDRESSING_STYLES)}, "
                f"not {self.addressing_style!r}"
            )

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None, **given: str | None) -> StorageSettings:
        """Settings from ``given`` (explicit values win), the rest from ``RIO_S3_*`` variables.

        A malformed variable is a :class:`~rio.errors.StorageError` that names it.
        """
        env = os.environ if env is None else env
        _check_names(given, "StorageSettings.from_environment()")
        values: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
        for name, variable in ENVIRONMENT.items():
            if name in values or not env.get(variable):
                continue
            try:
                cls(**{name: env[variable]})
            except StorageError as exc:
                raise StorageError(f"${variable}: {exc}; fix or unset the variable") from exc
            values[name] = env[variable]
        return cls(**values)

    @classmethod
    def resolve(
        cls,
        storage: StorageSettings | None = None,
        *,
        env: Mapping[str, str] | None = None,
        **given: str | None,
    ) -> StorageSettings:
        """One object from ``storage`` and loose ``given`` values, the rest from ``RIO_S3_*`` variables.

        A loose value fills a field ``storage`` leaves unset; one that differs from what ``storage``
        says is a :class:`~rio.errors.StorageError` naming the field (never a credential's value).
        ``env={}`` reads no environment. Unknown names are a :class:`TypeError`, as for any call.
        """
        _check_names(given, "StorageSettings.resolve()")
        if storage is not None and not isinstance(storage, StorageSettings):
            raise StorageError(
                f"storage= must be a rio.StorageSettings, not {type(storage).__name__}; for loose values "
                "use the keywords endpoint_url=, region=, …"
            )
        chosen = storage or cls()
        for name, value in given.items():
            held = getattr(chosen, name)
            if value is None or held == value:
                continue
            if held is not None:
                shown = "" if name in _SECRETS else f" ({value!r} as a keyword, {held!r} in storage)"
                raise StorageError(
                    f"two different values were given for {name}{shown}; give {name} in one place only, "
                    "as a keyword or in the StorageSettings"
                )
            chosen = replace(chosen, **{name: value})
        # The environment is read only for the fields still unset.
        return cls.from_environment(env, **{item.name: getattr(chosen, item.name) for item in fields(chosen)})

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
        """The store for ``base``, reached with these settings (``options``: see ``open_store``).

        For an S3 base, fields left unset are read from ``RIO_S3_*`` here, so every layer that
        opens a store through its settings gets them; a local directory needs no settings, and
        reads none. ``options`` are the store's other keywords (timeouts, ``page_size``…); a
        storage setting among them is folded in as :meth:`resolve` does, never dropped.
        """
        from rio.contract import Base
        from rio.storage import open_store

        loose, rest = split_store_options(options)
        on_s3 = Base.parse(base).scheme == "s3"
        chosen = StorageSettings.resolve(self, env=None if on_s3 else {}, **loose)
        return open_store(base, **chosen.store_options(), **rest)

    def __repr__(self) -> str:
        shown = [
            f"{item.name}={redaction.masked(getattr(self, item.name))!r}"
            for item in fields(self)
            if item.repr and getattr(self, item.name) is not None
        ]
        shown += [f"{item.name}='***'" for item in fields(self) if not item.repr and getattr(self, item.name)]
        return f"StorageSettings({', '.join(shown)})"


#: The names of the settings, which are also keyword arguments of :func:`rio.storage.open_store`.
SETTING_NAMES: frozenset[str] = frozenset(item.name for item in fields(StorageSettings))
_SECRETS = frozenset(item.name for item in fields(StorageSettings) if not item.repr)


def split_store_options(options: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``open_store`` keyword arguments in two: the storage settings, and the rest (timeouts, …)."""
    settings = {name: value for name, value in (options or {}).items() if name in SETTING_NAMES}
    rest = {name: value for name, value in (options or {}).items() if name not in SETTING_NAMES}
    return settings, rest


def _check_names(given: Mapping[str, Any], where: str) -> None:
    unknown = sorted(set(given) - SETTING_NAMES)
    if unknown:
        raise TypeError(f"{where} got an unexpected keyword argument {unknown[0]!r}")
