"""Amazon Redshift, through redshift_connector, with COPY run by Redshift itself from S3.

Tables get Redshift's keys: DISTSTYLE KEY with the config's DISTKEY, a COMPOUND SORTKEY in sortord
order, and an informational PRIMARY KEY. COPY reads the manifest from S3 with
``MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' DATEFORMAT 'auto'``, the bucket's
REGION, and ``IAM_ROLE`` or key, secret and session token; the load's data-conversion options go in
as Redshift spells them (``TIMEFORMAT 'epochsecs'``, ``DATEFORMAT 'MON DD, YYYY'``, ``MAXERROR 10``,
``TRUNCATECOLUMNS``, ``ACCEPTINVCHARS AS '^'``, ``ROUNDEC``). Credentials are inlined as quoted
literals — COPY takes no bind parameters — and never logged: the statement is recorded and logged
with them masked. A failed COPY is reported with the rows of ``stl_load_errors`` (or
``sys_load_error_detail`` on Serverless) that this session wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rio.adapters.base import (
    Adapter,
    CopyRequest,
    CopyResult,
    Session,
    TableColumn,
    concurrent_creation_reason,
    quote_literal,
)
from rio.config import Column, DestinationConfig
from rio.errors import CopyFailed, WarehouseError
from rio.storage import ObjectStore
from rio.types import REDSHIFT, WarehouseTypes

__all__ = ["LoadErrorRow", "RedshiftAdapter", "copy_statement", "unload_statement"]

_MASK = "'***'"
#: The catalogue index a unique violation names when two sessions create one table or schema at once.
_CATALOGUE_CONSTRAINT = re.compile(r'unique constraint "(pg_\w+)"')


def _clause(credentials: list[tuple[str, str]], *, masked: bool = False) -> str:
    """The authorization clause; ``masked`` shows the keywords with every value as ``'***'``."""
    return " ".join(
        f"{keyword} {_MASK if masked else quote_literal(value)}" for keyword, value in credentials
    )


_COLUMNS_SQL = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid),
       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'
               AND a.attnum = ANY (k.conkey)),
       a.attisdistkey, a.attsortkeyord
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %s AND c.relname = %s AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_LOAD_ERRORS_SQL = """
SELECT TRIM(filename), line_number, TRIM(colname), TRIM(type), TRIM(col_length), position,
       TRIM(raw_line), TRIM(raw_field_value), err_code, TRIM(err_reason)
FROM stl_load_errors WHERE session = pg_backend_pid() AND starttime >= %s
ORDER BY starttime, line_number LIMIT 100
"""
_SERVERLESS_LOAD_ERRORS_SQL = """
SELECT TRIM(file_name), line_number, TRIM(column_name), TRIM(column_type), TRIM(column_length), position,
       '', '', error_code, TRIM(error_message)
FROM sys_load_error_detail WHERE session_id = pg_backend_pid() AND start_time >= %s
ORDER BY start_time, line_number LIMIT 100
"""

#: Settings that go to redshift_connector.connect as they are.
_CONNECT = (
    "host",
    "port",
    "user",
    "password",
    "iam",
    "cluster_identifier",
    "region",
    "db_user",
    "db_groups",
    "auto_create",
    "profile",
    "is_serverless",
    "serverless_work_group",
    "serverless_acct_id",
    "ssl",
    "sslmode",
    "timeout",
)

_BOOLEAN_SETTINGS = ("iam", "ssl", "auto_create", "is_serverless")
_TRUE, _FALSE = frozenset({"true", "1", "yes", "on"}), frozenset({"false", "0", "no", "off"})


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise WarehouseError(f"redshift: setting {key} must be true or false, not {value!r}")


@dataclass(frozen=True)
class LoadErrorRow:
    """One row of Redshift's load errors, with the fields of the emulated COPY's rejected rows."""

    file: str
    line: int
    column: str
    column_type: str
    column_length: str
    position: int
    raw_line: str
    value: str
    reason: str
    code: int


def copy_statement(
    request: CopyRequest,
    *,
    target: str,
    region: str | None,
    credentials: str,
) -> str:
    """Redshift's COPY for a request, with ``credentials`` the authorization clause as given."""
    source = request.manifest_url or request.files[0].url
    columns = ", ".join('"' + column.name.replace('"', '""') + '"' for column in request.columns)
    clauses = [f"COPY {target} ({columns})", f"FROM {quote_literal(source)}"]
    if request.manifest_url is not None:
        clauses.append("MANIFEST")
    if request.gzip:
        clauses.append("GZIP")
    clauses.append(f"FORMAT AS JSON 'auto ignorecase' TIMEFORMAT {quote_literal(request.time_format)}")
    clauses.append(f"DATEFORMAT {quote_literal(request.date_format)}")
    if region:
        clauses.append(f"REGION {quote_literal(region)}")
    if request.max_errors:
        clauses.append(f"MAXERROR {int(request.max_errors)}")
    if request.truncate_columns:
        clauses.append("TRUNCATECOLUMNS")
    if request.accept_invalid_chars is not None:
        clauses.append(f"ACCEPTINVCHARS AS {quote_literal(request.accept_invalid_chars)}")
    if request.round_decimals:
        clauses.append("ROUNDEC")
    clauses.append("STATUPDATE OFF")
    clauses.append(credentials)
    return " ".join(clauses)


def unload_statement(query: str, prefix_url: str, *, region: str | None, credentials: str) -> str:
    """Redshift's UNLOAD of ``query`` to gzip'd JSON files and a manifest under ``prefix_url``.

    Without ALLOWOVERWRITE: Redshift refuses to write over files already there, as rio never
    overwrites a manifest.
    """
    clauses = [
        f"UNLOAD ({quote_literal(query)})",
        f"TO {quote_literal(prefix_url)}",
        credentials,
        "FORMAT AS JSON",
        "MANIFEST",
        "GZIP",
    ]
    if region:
        clauses.append(f"REGION {quote_literal(region)}")
    return " ".join(clauses)


class RedshiftAdapter(Adapter):
    """``type: redshift`` — host, port (5439), user, password, dbname; or ``iam: true`` with
    cluster_identifier, region and db_user. COPY credentials: ``iam_role``, or ``aws_access_key_id``
    / ``aws_secret_access_key`` / ``aws_session_token``, else boto3's credential chain.
    """

    type: ClassVar[str] = "redshift"
    driver: ClassVar[str | None] = "redshift_connector"
    driver_extra: ClassVar[str | None] = "redshift"
    emulated_copy: ClassVar[bool] = False
    widen_in_transaction: ClassVar[bool] = False
    has_dist_and_sort_keys: ClassVar[bool] = True
    declares_primary_keys: ClassVar[bool] = True
    warehouse_types: ClassVar[WarehouseTypes] = REDSHIFT

    def connect(self, *, dry_run: bool = False) -> Session:
        redshift_connector = self.import_driver()

        kwargs: dict[str, Any] = {key: self.settings[key] for key in _CONNECT if key in self.settings}
        kwargs.setdefault("port", 5439)
        kwargs["database"] = self.settings.get("dbname") or self.settings.get("database")
        # Settings from a URL's query or an env_var() are strings; the driver wants bools and numbers
        # ("false" is a true value).
        for key in ("port", "timeout"):
            if key in kwargs:
                kwargs[key] = int(kwargs[key])
        for key in _BOOLEAN_SETTINGS:
            if key in kwargs:
                kwargs[key] = _boolean(key, kwargs[key])
        try:
            connection = redshift_connector.connect(**kwargs)
            # rio issues BEGIN and COMMIT itself.
            connection.autocommit = True
        except Exception as exc:
            where = f"{kwargs.get('host', '?')}:{kwargs['port']}/{kwargs.get('database') or ''}"
            raise WarehouseError(f"redshift: cannot connect to {where}: {_message(exc)}") from exc
        return Session(self, connection, dry_run=dry_run)

    def begin(self, connection: Any) -> None:
        connection.cursor().execute("BEGIN")

    def commit(self, connection: Any) -> None:
        connection.cursor().execute("COMMIT")

    def rollback(self, connection: Any) -> None:
        connection.cursor().execute("ROLLBACK")

    def translate_error(self, exc: Exception, sql: str) -> Exception:
        shown = sql if len(sql) < 300 else sql[:300] + "…"
        return WarehouseError(f"redshift: {_message(exc)} (while running: {shown})")

    def retry_reason(self, exc: BaseException) -> str | None:
        code, message = _code(exc), _message(exc)
        if code == "40001":
            return "serialisation conflict (40001)"
        if code == "XX000" and message.strip().startswith("1023"):
            return "serialisation conflict (Redshift error 1023)"
        # Two loaders creating one table or schema at once: the loser meets the catalogue's unique
        # index ("duplicate key violates unique constraint "pg_class_relname_nsp_index" (possibly
        # caused by concurrent transaction conflict)"); running again finds it there.
        catalogue = _CATALOGUE_CONSTRAINT.search(message)
        if code == "23505" and catalogue is not None:
            return concurrent_creation_reason(catalogue.group(1))
        return None

    # --- DDL ----------------------------------------------------------------------------------------

    def default_sql(self, column: Column) -> str | None:
        text = super().default_sql(column)
        return {"CURRENT_TIMESTAMP": "GETDATE()"}.get(text or "", text)

    def create_table_sql(self, config: DestinationConfig) -> list[str]:
        definitions = [self.column_sql(column) for column in config.columns]
        keys = [column.name for column in config.columns if column.primary_key]
        if keys:
            definitions.append(f"PRIMARY KEY ({', '.join(self.quote(key) for key in keys)})")
        table = f"CREATE TABLE IF NOT EXISTS {self.qualified(config.schema, config.table)} (\n  "
        table += ",\n  ".join(definitions) + "\n)"
        dist = [column.name for column in config.columns if column.dist_key]
        if dist:
            table += f"\nDISTSTYLE KEY DISTKEY ({self.quote(dist[0])})"
        sort = sorted((column for column in config.columns if column.sort_ord > 0), key=lambda c: c.sort_ord)
        if sort:
            table += f"\nCOMPOUND SORTKEY ({', '.join(self.quote(column.name) for column in sort)})"
        return [self.create_schema_sql(config.schema), table]

    def lock_sql(self, schema: str, table: str) -> str | None:
        return f"LOCK {self.qualified(schema, table)}"

    # --- catalogue, COPY ----------------------------------------------------------------------------

    def read_columns(self, session: Session, schema: str, table: str) -> list[TableColumn] | None:
        rows = session.query(_COLUMNS_SQL, (schema, table))
        if not rows:
            return None
        columns = []
        for name, printed, not_null, default, primary, dist, sort in rows:
            kind = REDSHIFT.read(printed)
            columns.append(
                TableColumn(
                    name,
                    kind,
                    bool(not_null),
                    self.parse_default_expression(kind, default),
                    bool(primary),
                    bool(dist),
                    max(int(sort or 0), 0),
                )
            )
        return columns

    def _credentials(self, *, resolve: bool = True) -> list[tuple[str, str]]:
        """COPY's authorization as (keyword, value) pairs: an IAM role, or key, secret and token.

        Without ``resolve`` (a dry run) boto3's credential chain is not consulted, and the values of
        credentials it would give are empty.
        """
        settings = self.settings
        if settings.get("iam_role"):
            return [("IAM_ROLE", str(settings["iam_role"]))]
        key, secret = settings.get("aws_access_key_id"), settings.get("aws_secret_access_key")
        token = settings.get("aws_session_token")
        if not (key and secret) and resolve:
            import boto3

            found = boto3.Session().get_credentials()
            if found is None:
                raise WarehouseError(
                    "redshift: COPY needs credentials to read S3: give the target an iam_role (the role "
                    "the cluster assumes), or aws_access_key_id and aws_secret_access_key, or make them "
                    "available to boto3 (environment, profile, instance role)"
                )
            frozen = found.get_frozen_credentials()
            key, secret, token = frozen.access_key, frozen.secret_key, frozen.token
        pairs = [("ACCESS_KEY_ID", str(key or "")), ("SECRET_ACCESS_KEY", str(secret or ""))]
        return pairs + ([("SESSION_TOKEN", str(token))] if token else [])

    def _check_source(self, request: CopyRequest, store: ObjectStore) -> None:
        source = request.manifest_url or request.files[0].url
        if not source.startswith("s3://"):
            raise WarehouseError(f"redshift: COPY reads only from S3, and {source} is not in S3")
        if request.manifest_url is None:
            # Without MANIFEST, Redshift loads every object whose key starts with the one named:
            # refuse rather than load `x.json.bak` along with `x.json`.
            key = store.base.key_of(source)
            matches = list(store.list(key)) if key is not None else []
            if len(matches) > 1:
                raise WarehouseError(
                    f"redshift: COPY of {source} would also load {', '.join(matches[1:3])}, whose keys start "
                    "with the same name; write a manifest for it, or move those objects away"
                )

    def copy(self, session: Session, request: CopyRequest, store: ObjectStore) -> CopyResult:
        target = self.qualified(request.schema, request.table)
        region = getattr(store, "region", None) or self.settings.get("region")
        if session.dry_run:
            masked = _clause(self._credentials(resolve=False), masked=True)
            session.record(copy_statement(request, target=target, region=region, credentials=masked))
            return CopyResult(0)
        self._check_source(request, store)
        statement, shown = self._authorized(
            lambda credentials: copy_statement(request, target=target, region=region, credentials=credentials)
        )
        # The server's clock, not this machine's, dates the load-error rows this COPY may write.
        started = session.query("SELECT GETDATE()")[0][0]
        try:
            session.execute(statement, shown=shown)
        except WarehouseError as failure:
            if self.is_serialization_failure(failure.__cause__ or failure):
                raise  # a conflict with another transaction, not a load error: the loader runs it again
            session.rollback()
            rejected = self._load_errors(session, started)
            details = "\n  ".join(
                f"{row.file} line {row.line}, column {row.column}, value {row.value!r}: {row.reason} "
                f"(error {row.code})"
                for row in rejected[:5]
            )
            raise CopyFailed(
                f"Load into table '{request.table}' failed: {failure}"
                + (f"\n  {details}" if details else ""),
                errors=list(rejected),
            ) from failure
        rows = session.query("SELECT pg_last_copy_count()")
        return CopyResult(int(rows[0][0]) if rows else 0)

    def unload(self, session: Session, query: str, prefix_url: str, *, region: str | None = None) -> int:
        """UNLOAD ``query`` under ``prefix_url`` (files and ``<prefix>manifest``); the rows written."""
        statement, shown = self._authorized(
            lambda credentials: unload_statement(query, prefix_url, region=region, credentials=credentials)
        )
        session.execute(statement, shown=shown)
        if session.dry_run:
            return 0
        rows = session.query("SELECT pg_last_unload_count()")
        return int(rows[0][0]) if rows else 0

    def _authorized(self, statement: Callable[[str], str]) -> tuple[str, str]:
        """``statement`` with the credentials clause, and as shown in logs and errors (masked)."""
        credentials = self._credentials()
        return statement(_clause(credentials)), statement(_clause(credentials, masked=True))

    def _load_errors(self, session: Session, since: datetime) -> list[LoadErrorRow]:
        """The rows the failed COPY of this session wrote to the load-error system table.

        A provisioned cluster's ``stl_load_errors`` also keeps the raw line and value, so it is read
        first. Serverless has only ``sys_load_error_detail`` (provisioned clusters have it too): it is
        read when the settings or the host name say Serverless, or when STL holds no rows.
        """
        queries = [_LOAD_ERRORS_SQL, _SERVERLESS_LOAD_ERRORS_SQL]
        if self._is_serverless():
            del queries[0]
        for query in queries:
            try:
                rows = session.query(query, (since,))
            except WarehouseError:
                continue
            if rows:
                return [
                    LoadErrorRow(str(f), int(line or 0), str(col or ""), str(kind or ""), str(length or ""),
                                 int(pos or 0), str(raw or ""), str(value or ""), str(reason or ""),
                                 int(code or 0))
                    for f, line, col, kind, length, pos, raw, value, code, reason in rows
                ]  # fmt: skip
        return []

    def _is_serverless(self) -> bool:
        # A setting from a URL or env_var() is a string, and "false" is a true value.
        if _boolean("is_serverless", self.settings.get("is_serverless", False)):
            return True
        return ".redshift-serverless." in str(self.settings.get("host", ""))


def _code(exc: BaseException) -> str | None:
    detail = exc.args[0] if exc.args else None
    return str(detail.get("C")) if isinstance(detail, dict) else getattr(exc, "sqlstate", None)


def _message(exc: BaseException) -> str:
    detail = exc.args[0] if exc.args else None
    if isinstance(detail, dict):
        return str(detail.get("M", detail))
    return re.sub(r"\s+", " ", str(exc)).strip()
