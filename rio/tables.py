"""aws_etl_tools' model: a database, and a table in it that sources are loaded into.

::

    db = rio.RedshiftDatabase({"database_name": "analytics", "username": "loader",
                               "password": "…", "host": "cluster.example.com", "port": 5439})
    users = rio.RedshiftTable(db, "public.users", upsert_uniqueness_key=("id",))
    users.load_from_file("users.csv.gz")          # last write wins, in one transaction

The database classes are meant to be subclassed — to add an environment, say — by overriding
:meth:`Database.settings`. Every load goes through :func:`rio.transfer.load_rows`: staged through
rio's core, upserted with duplicates in the batch resolved by input order (or by the data
timestamp column), NULL keys matching NULL keys, explicit column lists, a staging table of a
unique name; the staged objects are removed after the load unless ``keep_staged``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from rio import redaction
from rio.adapters import resolve_adapter
from rio.adapters.base import Adapter
from rio.config import Column
from rio.errors import IncompleteArgs, UnknownOption
from rio.profiles import load_profile, target_from_url
from rio.storage_settings import StorageSettings
from rio.transfer import TransferResult, check_load_options, load, split_target
from rio.unload import UnloadResult, unload

__all__ = ["Database", "DuckDBDatabase", "PostgresDatabase", "RedshiftDatabase", "RedshiftTable"]

#: The keywords of :func:`rio.load` a :class:`RedshiftTable` sets itself, and its own name for each.
_SET_BY_THE_TABLE = {
    "table": "target_table",
    "table_columns": "table_columns",
    "upsert_keys": "upsert_uniqueness_key",
    "create": "create",
    "base": "base",
    "keep_staged": "keep_staged",
    "data_timestamp_column": "data_timestamp_column",
}
_TABLE_KEYWORD_HINTS = {
    "schema": "the RedshiftTable names its schema with its table: RedshiftTable(db, 'schema.table')",
    **{
        keyword: f"the RedshiftTable sets it: RedshiftTable(…, {own}=…)"
        for keyword, own in _SET_BY_THE_TABLE.items()
    },
}

#: aws_etl_tools' credential keys and the adapter settings they are.
_CREDENTIAL_KEYS = {
    "database_name": "dbname",
    "username": "user",
    "password": "password",
    "host": "host",
    "port": "port",
}


class Database:
    """A warehouse to load into, from aws_etl_tools-style credentials, a URL or a profile."""

    #: The adapter type this class connects with.
    type: ClassVar[str]

    def __init__(self, credentials: Mapping[str, Any]) -> None:
        self.credentials = dict(credentials)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redaction.mask_mapping(self.credentials)})"

    @classmethod
    def from_url(cls, url: str) -> Database:
        """A database from a warehouse URL (``redshift://user:pw@host:5439/db``, …)."""
        return cls._from_settings(target_from_url(url))

    @classmethod
    def from_profile(
        cls, profile: str, target: str | None = None, profiles_dir: str | None = None
    ) -> Database:
        """A database from a target of a dbt-style ``profiles.yml``."""
        return cls._from_settings(load_profile(profile, target, profiles_dir=profiles_dir))

    @classmethod
    def _from_settings(cls, settings: dict[str, Any]) -> Database:
        database = _class_for(str(settings["type"]), cls)({})
        database.credentials = settings
        return database

    def settings(self) -> dict[str, Any]:
        """The adapter's settings: aws_etl_tools' keys renamed, anything else passed on.

        Override it to add what your deployment needs (an environment, a secret store).
        """
        settings = {_CREDENTIAL_KEYS.get(key, key): value for key, value in self.credentials.items()}
        settings["type"] = self.type
        return settings

    def adapter(self) -> Adapter:
        return resolve_adapter(self.settings())

    def unload(
        self,
        query_or_table: str,
        base: str,
        *,
        name: str | None = None,
        storage: StorageSettings | None = None,
        **store_options: Any,
    ) -> UnloadResult:
        """A table's (``schema.table``) or a query's rows to gzip'd NDJSON parts and a manifest in
        ``base``: Redshift's own UNLOAD on Redshift, rio's encoder elsewhere. ``base`` is reached
        with ``storage`` (and ``open_store`` keywords such as ``endpoint_url=``)."""
        from rio.sources import store_option_names

        UnknownOption.check(f"{type(self).__name__}.unload()", store_options, store_option_names())
        return unload(
            query_or_table, self.adapter(), base, name=name, store_options=store_options, storage=storage
        )


class RedshiftDatabase(Database):
    """Amazon Redshift: ``database_name``, ``username``, ``password``, ``host``, ``port`` (5439)."""

    type = "redshift"


class PostgresDatabase(Database):
    """PostgreSQL, with the same credential keys (port 5432)."""

    type = "postgres"


class DuckDBDatabase(Database):
    """A DuckDB file: ``{"path": "warehouse.duckdb"}``."""

    type = "duckdb"

    def __init__(self, credentials: Mapping[str, Any] | str | os.PathLike[str]) -> None:
        if isinstance(credentials, (str, os.PathLike)):
            credentials = {"path": os.fspath(credentials)}
        super().__init__(credentials)


def _class_for(type_name: str, asked: type[Database]) -> type[Database]:
    """``asked`` itself when it connects to ``type_name``; from :class:`Database`, the class that does."""
    if asked is not Database:
        if asked.type != type_name:
            raise IncompleteArgs(f"{asked.__name__} connects to {asked.type}, not to a {type_name} warehouse")
        return asked
    for candidate in (RedshiftDatabase, PostgresDatabase, DuckDBDatabase):
        if candidate.type == type_name:
            return candidate
    raise IncompleteArgs(f"rio has no database class for a {type_name} warehouse")


class RedshiftTable:
    """A table that sources are loaded into: appended, or upserted by ``upsert_uniqueness_key``.

    ``target_table`` is ``"schema.table"``. Each ``load_from_*`` method returns the
    :class:`~rio.transfer.TransferResult` and raises the load's error if it failed; nothing of a
    failed load is committed.

    ``storage`` says how to reach S3 (the source's objects and the staging store); a load's own
    ``storage=`` fills in over it, field by field, and storage keywords such as ``endpoint_url=``
    are folded in the same way (see :func:`rio.load`).
    """

    def __init__(
        self,
        database: Database,
        target_table: str,
        upsert_uniqueness_key: Sequence[str] = (),
        *,
        base: str | None = None,
        keep_staged: bool = False,
        data_timestamp_column: str | None = None,
        table_columns: Sequence[Column] | None = None,
        create: bool = True,
        storage: StorageSettings | None = None,
    ) -> None:
        if "." not in target_table:
            raise IncompleteArgs(f"target_table {target_table!r} must name its schema: 'schema.table'")
        self.database = database
        _, self.schema, self.table = split_target(database.settings(), target_table)
        self.upsert_uniqueness_key = tuple(upsert_uniqueness_key)
        self.base = base
        self.keep_staged = keep_staged
        self.data_timestamp_column = data_timestamp_column
        self.table_columns = list(table_columns) if table_columns is not None else None
        self.create = create
        self.storage = storage

    def __repr__(self) -> str:
        keys = f", upsert_uniqueness_key={self.upsert_uniqueness_key}" if self.upsert_uniqueness_key else ""
        return f"RedshiftTable({self.database!r}, '{self.schema}.{self.table}'{keys})"

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    def load(
        self, source: Any, *, storage: StorageSettings | None = None, **source_options: Any
    ) -> TransferResult:
        """Load any source :func:`rio.sources.open_source` reads (a path, glob, URL, rows, DataFrame…).

        ``storage`` (over the table's own) and storage keywords such as ``endpoint_url`` reach both
        the source's S3 reads and the staging store.
        """
        return self._load("load", source, storage, source_options)

    def _load(
        self, method: str, source: Any, storage: StorageSettings | None, source_options: dict[str, Any]
    ) -> TransferResult:
        """:func:`rio.load` into this table; an unknown keyword is named as ``method``'s."""
        check_load_options(
            f"RedshiftTable.{method}",
            source_options,
            source_options.get("store_options"),
            set_by_caller=_SET_BY_THE_TABLE,
            hints=_TABLE_KEYWORD_HINTS,
        )
        if storage is None:
            storage = self.storage
        elif self.storage is not None:
            storage = StorageSettings.resolve(storage, env={}).with_defaults(self.storage)
        return load(
            source,
            self.database.adapter(),
            table=self.name,
            table_columns=self.table_columns,
            upsert_keys=self.upsert_uniqueness_key,
            create=self.create,
            base=self.base,
            keep_staged=self.keep_staged,
            data_timestamp_column=self.data_timestamp_column,
            storage=storage,
            **source_options,
        )

    def load_from_rows(
        self,
        rows: Iterable[Mapping[str, Any] | Sequence[Any]],
        columns: Sequence[str] | None = None,
        *,
        storage: StorageSettings | None = None,
    ) -> TransferResult:
        """Dicts, or tuples with ``columns`` naming their fields (aws_etl_tools' ``from_in_memory``)."""
        return self.load(rows, columns=columns, name="rows in memory", storage=storage)

    def load_from_file(
        self, path: str | os.PathLike[str], *, storage: StorageSettings | None = None, **options: Any
    ) -> TransferResult:
        """A local CSV, NDJSON or JSON-array file (plain or gzip), or a glob of them."""
        return self._load("load_from_file", os.fspath(path), storage, options)

    def load_from_s3(
        self, url: str, *, storage: StorageSettings | None = None, **options: Any
    ) -> TransferResult:
        """An ``s3://`` object or glob (``s3://bucket/prefix*.csv.gz``)."""
        return self._load("load_from_s3", url, storage, options)

    def load_from_manifest(
        self, url: str, *, storage: StorageSettings | None = None, **options: Any
    ) -> TransferResult:
        """The NDJSON parts an existing COPY manifest lists."""
        return self._load("load_from_manifest", url, storage, options)

    def load_from_dataframe(self, frame: Any, *, storage: StorageSettings | None = None) -> TransferResult:
        """A pandas DataFrame (needs pandas)."""
        return self.load(frame, name="DataFrame", storage=storage)

    def load_from_postgres_query(
        self,
        database: Database | str,
        query: str,
        params: Any = None,
        *,
        storage: StorageSettings | None = None,
    ) -> TransferResult:
        """The rows of a query run on PostgreSQL (a :class:`PostgresDatabase` or a URL)."""
        from rio.adapters.postgres import libpq_url

        url = database if isinstance(database, str) else libpq_url(database.settings())
        return self.load(url, query=query, params=params, storage=storage)
