"""Questions asked of a warehouse and of a base without changing either.

Does the warehouse exist (without creating it)? Which version is its server? May this user create
tables in a schema? How many rows has a table? How would Redshift's COPY prove who it is to S3? Can
the base be written, read back and cleaned up? ``rio debug`` asks them all, and ``rio history`` asks
the first before it connects, so that a typo in a DuckDB path is an error rather than a new, empty
file.

Every statement here only reads, and the one write — the base's probe object — is removed again
whatever happens after it was made. The statements live here, with the adapters, because nothing
above them writes SQL.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rio.adapters.base import Adapter, Session
from rio.errors import StorageError, WarehouseError
from rio.storage import ObjectStore

__all__ = [
    "PROBE_PREFIX",
    "CreatePermission",
    "bounded_settings",
    "copy_authorization",
    "count_rows",
    "fallback_schema",
    "may_create",
    "missing_warehouse",
    "probe_store",
    "server_version",
]

#: Where under a base the probe object is written (and removed from): ``_rio_debug/<random>.probe``.
PROBE_PREFIX = "_rio_debug"

#: Warehouses that speak PostgreSQL's catalogue: pg_namespace, has_schema_privilege, current_user.
_POSTGRES_LIKE = frozenset({"postgres", "redshift"})

#: Each adapter's setting that bounds how long opening a connection may wait.
_WAIT_SETTINGS = {"postgres": "connect_timeout", "redshift": "timeout", "duckdb": "lock_wait"}

_POSTGRES_VERSION_SQL = "SHOW server_version"
_REDSHIFT_VERSION_SQL = "SELECT version()"
_DUCKDB_VERSION_SQL = "SELECT library_version FROM pragma_version()"

_PG_SCHEMA_EXISTS_SQL = "SELECT 1 FROM pg_namespace WHERE nspname = %s"
_DUCKDB_SCHEMA_EXISTS_SQL = (
    "SELECT 1 FROM information_schema.schemata WHERE catalog_name = current_database() AND schema_name = %s"
)
_MAY_CREATE_IN_SCHEMA_SQL = "SELECT current_user, has_schema_privilege(current_user, %s, 'CREATE')"
_MAY_CREATE_SCHEMA_SQL = (
    "SELECT current_user, current_database(), "
    "has_database_privilege(current_user, current_database(), 'CREATE')"
)

#: DuckDB paths that name no local file: a database in memory, or MotherDuck's.
_NOT_A_FILE = re.compile(r"^(:memory:|md:|motherduck:)")


def _duckdb_file(adapter: Adapter) -> str | None:
    """The local file a DuckDB target opens, ``~`` expanded as DuckDB does; None for another
    warehouse, or a DuckDB path that names no local file."""
    path = adapter.settings.get("path") if adapter.type == "duckdb" else None
    if not isinstance(path, str) or not path or _NOT_A_FILE.match(path):
        return None
    return os.path.expanduser(path)


def _shown_path(path: str) -> str:
    """A path as given, with where it is when it is relative."""
    absolute = os.path.abspath(path)
    return path if absolute == path else f"{path} ({absolute})"


def missing_warehouse(adapter: Adapter) -> str | None:
    """Why the warehouse cannot be opened without being created, or None when it is there.

    A DuckDB file that does not exist would be created, empty, by connecting to it; a server's
    database is never created by connecting, so for a server this says None and the connection
    itself says whether the database is there.
    """
    path = _duckdb_file(adapter)
    if path is None or os.path.exists(path):
        return None
    return f"no such DuckDB file: {_shown_path(path)}"


def bounded_settings(settings: Mapping[str, Any], seconds: float) -> dict[str, Any]:
    """``settings`` with opening a connection bounded by ``seconds``, unless they bound it already.

    PostgreSQL's ``connect_timeout`` (whole seconds, at least 2 as libpq counts), redshift_connector's
    ``timeout`` (its socket's, so each answer is bounded too) and DuckDB's ``lock_wait`` (how long to
    wait for another process to let go of the file). Another adapter's settings are returned as
    they are.
    """
    bounded = dict(settings)
    name = _WAIT_SETTINGS.get(str(settings.get("type")))
    if name is not None and bounded.get(name) in (None, ""):
        bounded[name] = seconds if name == "lock_wait" else max(2, math.ceil(seconds))
    return bounded


def fallback_schema(adapter: Adapter) -> str:
    """The schema tables go to when neither a flag nor the target names one: DuckDB's ``main``,
    else ``public``."""
    return "main" if adapter.type == "duckdb" else "public"


def server_version(adapter: Adapter, session: Session) -> str | None:
    """The warehouse's version as it reports it; None for a warehouse this module does not know."""
    if adapter.type == "postgres":
        return f"PostgreSQL {_first(session, _POSTGRES_VERSION_SQL)}"
    if adapter.type == "redshift":
        text = str(_first(session, _REDSHIFT_VERSION_SQL))
        # "PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by …, Redshift 1.0.77467": the last part says it.
        found = re.search(r"Redshift [\d.]+", text)
        return found.group(0) if found else text.split(",")[0]
    if adapter.type == "duckdb":
        return f"DuckDB {_first(session, _DUCKDB_VERSION_SQL)}"
    return None


def _first(session: Session, sql: str, params: tuple[Any, ...] = ()) -> Any:
    rows = session.query(sql, params)
    if not rows:
        raise WarehouseError(f"no answer to: {sql}")
    return rows[0][0]


def count_rows(adapter: Adapter, session: Session, schema: str, table: str) -> int:
    """How many rows ``schema.table`` holds."""
    rows = session.query(f"SELECT COUNT(*) FROM {adapter.qualified(schema, table)}")
    return int(rows[0][0]) if rows else 0


@dataclass(frozen=True)
class CreatePermission:
    """Whether tables may be created in a schema, and why, in a sentence."""

    allowed: bool
    detail: str


def may_create(adapter: Adapter, session: Session | None, schema: str) -> CreatePermission | None:
    """Whether a load may create its tables in ``schema`` (and the schema, if it is absent); None for
    a warehouse this module does not know, or a server's without a ``session``.

    PostgreSQL and Redshift say it through ``has_schema_privilege(…, 'CREATE')``, or, for a schema
    that does not exist yet, ``has_database_privilege(…, 'CREATE')``. DuckDB keeps no grants: the
    file and its directory (where DuckDB writes its WAL and rio its COPY scratch) must be writable —
    or, for a file not there yet, the directory it would be made in.
    """
    if adapter.type in _POSTGRES_LIKE:
        return None if session is None else _may_create_on_server(session, schema)
    path = _duckdb_file(adapter)
    if path is None:
        return None
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(path):
        if os.access(directory, os.W_OK | os.X_OK):
            return CreatePermission(
                True, f"the directory {directory}, where the file would be made, is writable"
            )
        return CreatePermission(False, f"the directory {directory} is not writable (or does not exist)")
    unwritable = [name for name in (path, directory) if not os.access(name, os.W_OK)]
    if unwritable:
        return CreatePermission(False, f"not writable: {', '.join(unwritable)}")
    if session is None:
        found = f"schema {schema} not looked for"
    elif session.query(_DUCKDB_SCHEMA_EXISTS_SQL, (schema,)):
        found = f"schema {schema} is there"
    else:
        found = f"schema {schema} is made by the first load"
    return CreatePermission(True, f"{path} and its directory are writable ({found})")


def _may_create_on_server(session: Session, schema: str) -> CreatePermission:
    if session.query(_PG_SCHEMA_EXISTS_SQL, (schema,)):
        ((user, allowed),) = session.query(_MAY_CREATE_IN_SCHEMA_SQL, (schema,))
        if allowed:
            return CreatePermission(True, f"user {user} may create tables in schema {schema}")
        return CreatePermission(
            False,
            f"user {user} may not create tables in schema {schema} (GRANT CREATE ON SCHEMA {schema} TO …)",
        )
    ((user, database, allowed),) = session.query(_MAY_CREATE_SCHEMA_SQL)
    if allowed:
        return CreatePermission(
            True, f"schema {schema} is not there yet, and user {user} may create it in database {database}"
        )
    return CreatePermission(
        False,
        f"schema {schema} does not exist, and user {user} may not create schemas in database {database}: "
        f"create it, or GRANT CREATE ON DATABASE {database} TO …",
    )


def copy_authorization(adapter: Adapter) -> str | None:
    """How Redshift's COPY proves to S3 who it is, in a few words; None for a warehouse whose COPY
    rio emulates (rio reads the files itself, with the base's own S3 settings).

    The same order as the Redshift adapter's: the target's ``iam_role``, else its
    ``aws_access_key_id`` and ``aws_secret_access_key``, else boto3's credential chain. Nothing to
    use is a :class:`~rio.errors.WarehouseError` saying what to set. No credential is shown.
    """
    if adapter.type != "redshift":
        return None
    settings = adapter.settings
    if settings.get("iam_role"):
        return f"IAM_ROLE {settings['iam_role']}"
    if settings.get("aws_access_key_id") and settings.get("aws_secret_access_key"):
        token = " and a session token" if settings.get("aws_session_token") else ""
        return f"the target's aws_access_key_id and aws_secret_access_key{token}"
    import boto3

    found = boto3.Session().get_credentials()
    if found is None:
        raise WarehouseError(
            "redshift: COPY has no credentials to read S3 with: give the target an iam_role (the role "
            "the cluster assumes), or aws_access_key_id and aws_secret_access_key, or make them "
            "available to boto3 (environment, profile, instance role)"
        )
    return f"keys from boto3's credential chain ({found.method})"


def probe_store(store: ObjectStore) -> str:
    """Write a small object under the store's base, read it back and remove it; say what was done.

    A failure is a :class:`~rio.errors.StorageError` naming the step. The object is removed whatever
    happens after it was written; a local base that does not exist is not created (a failure), and
    the probe's directory in it is removed with the object.
    """
    base = store.base
    root = base.path if base.scheme == "file" else None
    if root is not None and not os.path.isdir(root):
        raise StorageError(f"no such directory: {root}", url=str(base))
    made_directory = root is not None and not os.path.exists(os.path.join(root, PROBE_PREFIX))
    key = f"{PROBE_PREFIX}/{secrets.token_hex(8)}.probe"
    data = f"rio probe {key}\n".encode()
    store.put(key, data, content_type="text/plain")
    try:
        if store.get(key) != data:
            raise StorageError(
                f"{store.url(key)} read back other bytes than were written", url=store.url(key)
            )
    finally:
        try:
            store.delete([key])
        finally:
            if made_directory and root is not None:
                # Not empty: another probe's object is in it still, and that probe removes it.
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(root, PROBE_PREFIX))
    return f"wrote, read back and removed {key}"
