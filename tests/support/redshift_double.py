"""A Redshift double: rio's Redshift adapter, its real driver, and PostgreSQL in place of Redshift.

:class:`RedshiftDouble` is :class:`rio.adapters.redshift.RedshiftAdapter` with one change: each
statement the adapter sends passes through :meth:`RedshiftDouble.execute`, which hands it to the
real ``redshift_connector`` connection (through :mod:`support.redshift_proxy` to the test
PostgreSQL server) either as it is or translated. Everything else — the SQL text, BEGIN, COMMIT,
ROLLBACK, the error handling, reading ``stl_load_errors`` — is the adapter's own code.

What is translated, what Redshift does, what PostgreSQL gets instead, and why the test still means
something:

``CREATE TABLE … DISTSTYLE KEY DISTKEY (c) COMPOUND SORTKEY (a, b)``, ``PRIMARY KEY``
    Redshift keeps the distribution and sort keys and an informational (unenforced) primary key.
    PostgreSQL gets the statement without them — a primary key would *enforce* uniqueness, which
    Redshift does not — and the keys are written to the side table ``rio_double.column_keys`` in the
    same transaction, so they vanish with a rollback as the table does. The Redshift rules are
    checked first and broken ones fail like Redshift: one DISTKEY, DISTSTYLE KEY only with it, key
    columns that exist, a table-level and a column-level SORTKEY not both. ``ENCODE`` and ``BACKUP``
    are dropped. ``INTERLEAVED``, ``IDENTITY``, ``UNIQUE``, ``REFERENCES`` are refused (not emulated).
``SUPER`` (in CREATE TABLE and ALTER TABLE … ADD COLUMN)
    Redshift's type for any JSON value. PostgreSQL gets ``jsonb``, which keeps a document as a value
    and is queryable; Redshift's rule that a SUPER column is no DISTKEY or SORTKEY is checked first and
    fails like Redshift. Every other type rio creates (smallint, numeric(p,s), real, char(n),
    varchar(n), time, timetz, timestamptz, …) is PostgreSQL's too, and passes as it is.
The catalogue query (``a.attisdistkey``, ``a.attsortkeyord``, the primary-key EXISTS, ``format_type``)
    Redshift's ``pg_attribute`` has the two key columns; PostgreSQL's has not. The adapter's own query
    runs with those two references, and the primary-key test, rewritten to read the side table
    (joined on the table's oid and the column's number), and ``format_type`` printing a ``jsonb``
    column as ``super``, as Redshift prints it. The rest of the query is untouched.
``DEFAULT GETDATE()``, ``SELECT GETDATE()``
    Not translated: the double creates a PostgreSQL function ``getdate()`` (the statement's time in
    UTC, without time zone, in whole seconds, as Redshift's), so the catalogue prints the default back
    as Redshift does and the adapter reads the server's clock before a COPY.
``LOCK "s"."t"``
    Valid PostgreSQL as it is (an ACCESS EXCLUSIVE lock in both). ``LOCK … IN … MODE`` is PostgreSQL
    only, and refused.
``ALTER TABLE … ADD COLUMN``
    Passed on after Redshift's rules: one column per statement, no key properties, and NOT NULL only
    with a DEFAULT (else Redshift's error).
``ALTER TABLE … ALTER COLUMN … TYPE varchar(n)``
    Redshift refuses it inside a transaction block ("ALTER TABLE ALTER COLUMN cannot run inside a
    transaction block"), and for a column that is not a VARCHAR, has a DEFAULT or is a key. The double
    fails the same way (the server's own ReadyForQuery status says whether a transaction is open), so
    a test that widens proves rio does it outside the load's transaction; otherwise it is passed on.
``TRUNCATE``
    Commits the transaction it runs in on Redshift. Refused: rio must never use it.
``COPY "s"."t" (cols) FROM 's3://…' …``
    Redshift reads S3 itself. The double parses the statement (keywords in any order, each at most
    once), fails like Redshift without credentials, with IAM_ROLE and keys together, or without the
    bucket's REGION; reads the manifest (or every object under the key prefix, as Redshift does without
    MANIFEST) from moto's S3 over HTTP; checks each file's bytes against GZIP; decodes the rows with
    :func:`rio.adapters.emulated.decode_files` (Redshift's JSON 'auto ignorecase' semantics, with the
    statement's TIMEFORMAT, DATEFORMAT, ACCEPTINVCHARS [AS 'c'], ROUNDEC, TRUNCATECOLUMNS and MAXERROR;
    a format or replacement character rio's core cannot read fails as Redshift's invalid option), and
    inserts them with multi-row ``INSERT … VALUES (%s::type, …)`` **on the same connection**, so they
    are inside the load's transaction (redshift_connector cannot run COPY FROM STDIN). Rejected rows
    go to a real ``stl_load_errors`` table with Redshift's columns, written over a separate autocommit
    connection (Redshift's system tables survive the rollback), with ``session`` the loading
    connection's ``pg_backend_pid()``. At MAXERROR the COPY fails as on Redshift: SQLSTATE XX000,
    ``Load into table '<t>' failed.  Check 'stl_load_errors' system table for details.``, raised by the
    server (``RAISE EXCEPTION … USING ERRCODE``), so redshift_connector raises its real error. On
    success the server sends Redshift's INFO notices.
``SELECT pg_last_copy_count()``
    A PostgreSQL function of that name reads the setting ``rio_double.last_copy_count``, which the
    emulated COPY sets for the session.
``UNLOAD ('query') TO 's3://…/prefix' … FORMAT AS JSON MANIFEST GZIP``
    Redshift writes the query's rows to S3 itself. The double checks credentials and REGION as for
    COPY, fails like Redshift when objects already sit under the prefix (no ALLOWOVERWRITE), runs
    the query on the same connection, and writes ``<prefix>0000_part_00.gz`` (gzip'd JSON lines, keys
    lower case, timestamps as ``YYYY-MM-DD HH:MM:SS``, NULLs left out as Redshift does) and the
    manifest ``<prefix>manifest`` with each file's ``content_length``. ``SELECT
    pg_last_unload_count()`` reads the count back like the COPY's.

Anything else is passed on only if it holds none of the words that are Redshift-only (DISTKEY,
IAM_ROLE, …) or PostgreSQL-only (SAVEPOINT, ON CONFLICT, RETURNING, STDIN, ctid, DISTINCT ON, a
subquery after DELETE … USING, …); an untranslated
Redshift statement, or PostgreSQL syntax Redshift would refuse, raises :class:`DoubleRefused`, and so
does any fault of the double's own code. :class:`DoubleRefused` is not an :class:`Exception`, so no
``except Exception`` of rio's turns it into an ordinary warehouse failure that a test expecting one
would accept; every refusal is also kept in :attr:`RedshiftDouble.refused` for the test to check.
Errors of the server (the driver's ``redshift_connector.Error``) reach the adapter untouched. The
double never catches an error of the adapter's and never skips a statement.

The double's cluster has no region of its own: a COPY must give the REGION of the bucket it reads
(on Redshift it may leave it out for a bucket in the cluster's region).

``serialization_failures`` makes the next COPYs fail with Redshift's serialisation error (XX000,
message ``1023``), so that the retry of a whole load can be tested.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, NoReturn

from rio.adapters.base import CopyRequest, DataFile, TableColumn
from rio.adapters.emulated import decode_files
from rio.adapters.postgres import canonical_type
from rio.adapters.redshift import RedshiftAdapter
from rio.contract import COPY_KEYWORDS, copy_option
from rio.errors import ConfigError, CopyFailed, StorageError
from rio.storage import open_store

__all__ = [
    "FAILED_LOAD_MESSAGE",
    "CopyCommand",
    "DoubleRefused",
    "RedshiftDouble",
    "adapter_settings",
    "mask_credentials",
    "parse_copy",
]

FAILED_LOAD_MESSAGE = "Load into table '{table}' failed.  Check 'stl_load_errors' system table for details."

_SETUP_SQL = r"""
CREATE SCHEMA IF NOT EXISTS rio_double;
CREATE TABLE IF NOT EXISTS rio_double.column_keys (
  relid oid NOT NULL,
  attnum smallint NOT NULL,
  distkey boolean NOT NULL,
  sortkeyord integer NOT NULL,
  primarykey boolean NOT NULL,
  PRIMARY KEY (relid, attnum)
);
CREATE OR REPLACE FUNCTION rio_double.raise_error(code text, message text, detail text DEFAULT '')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF detail = '' THEN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
  END IF;
  RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message, DETAIL = detail;
END $$;
CREATE OR REPLACE FUNCTION rio_double.notice(message text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE INFO '%', message;
END $$;
CREATE OR REPLACE FUNCTION public.pg_last_copy_count() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT COALESCE(NULLIF(current_setting('rio_double.last_copy_count', true), ''), '-1')::bigint
$$;
CREATE OR REPLACE FUNCTION public.pg_last_unload_count() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT COALESCE(NULLIF(current_setting('rio_double.last_unload_count', true), ''), '-1')::bigint
$$;
CREATE OR REPLACE FUNCTION public.getdate() RETURNS timestamp LANGUAGE sql STABLE AS $$
  SELECT date_trunc('second', statement_timestamp() AT TIME ZONE 'UTC')
$$;
CREATE TABLE IF NOT EXISTS public.stl_load_errors (
  userid integer,
  slice integer,
  tbl integer,
  starttime timestamp,
  session integer,
  query integer,
  filename character(256),
  line_number bigint,
  colname character(127),
  type character(10),
  col_length character(10),
  position integer,
  raw_line character(1024),
  raw_field_value character(1024),
  err_code integer,
  err_reason character(100)
);
CREATE TABLE IF NOT EXISTS public.sys_load_error_detail (
  user_id integer,
  query_id bigint,
  transaction_id bigint,
  session_id integer,
  database_name character(64),
  table_id integer,
  start_time timestamp,
  file_name character(256),
  line_number bigint,
  column_name character(127),
  column_type character(10),
  column_length character(10),
  position integer,
  error_code integer,
  error_message character(512)
);
"""

#: Words that only Redshift understands; a statement holding one must have been translated.
_REDSHIFT_ONLY = frozenset(
    {
        *("DISTKEY", "SORTKEY", "DISTSTYLE", "ENCODE", "INTERLEAVED", "COMPOUND", "BACKUP", "IDENTITY"),
        *("IAM_ROLE", "CREDENTIALS", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "MANIFEST"),
        *("STATUPDATE", "COMPUPDATE", "MAXERROR", "TRUNCATECOLUMNS", "GZIP", "UNLOAD", "VACUUM", "APPEND"),
        *("ACCEPTINVCHARS", "ROUNDEC"),
        *("SYSDATE", "ATTISDISTKEY", "ATTSORTKEYORD", "SUPER"),
    }
)
#: Words of PostgreSQL syntax that Redshift refuses (PostgreSQL would run it, hiding the problem).
_POSTGRES_ONLY = frozenset({"SAVEPOINT", "CONFLICT", "RETURNING", "STDIN", "STDOUT", "CTID", "NOWAIT"})
#: Statements passed on when they hold none of the words above.
_PASSED_ON = frozenset(
    {"SELECT", "INSERT", "DELETE", "UPDATE", "WITH", "DROP", "CREATE", "BEGIN", "COMMIT", "ROLLBACK", "END"}
)

_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<comment>--[^\n]*)
    |(?P<string>'(?:[^']|'')*')
    |(?P<ident>"(?:[^"]|"")*")
    |(?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    |(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
    |(?P<param>%s)
    |(?P<op>::|<=|>=|<>|!=|\|\||[(),.;=*<>+\-/%\[\]])""",
    re.VERBOSE,
)
_CREDENTIAL_VALUE = re.compile(
    r"\b(IAM_ROLE|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|CREDENTIALS)(\s+(?:AS\s+)?)'(?:[^']|'')*'",
    re.IGNORECASE,
)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+")


def adapter_settings(host: str, port: int, postgres_url: str, **extra: Any) -> dict[str, Any]:
    """The Redshift adapter's settings for the database of ``postgres_url`` behind a proxy at
    ``host``:``port``, with the tests' fake AWS keys for COPY."""
    from support.s3 import FAKE_AWS_ENVIRONMENT

    return {
        "type": "redshift",
        "host": host,
        "port": port,
        "user": "postgres",
        "password": "",
        "dbname": postgres_url.rsplit("/", 1)[1],
        "ssl": False,
        "aws_access_key_id": FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
        **extra,
    }


class DoubleRefused(BaseException):
    """A statement the double does not translate: Redshift-only syntax it does not know, or
    PostgreSQL syntax that Redshift would refuse; or a fault of the double itself.

    Not an :class:`Exception`: no ``except Exception`` of rio's may turn it into an ordinary
    warehouse failure that a test expecting one would accept.
    """


def mask_credentials(text: str) -> str:
    """``text`` with the quoted value after every credential keyword replaced by ``'***'``."""
    return _CREDENTIAL_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}'***'", text)


# --- tokens --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    def value(self) -> str:
        """A string literal's value, or an identifier's name as Redshift folds it."""
        if self.kind == "string":
            return self.text[1:-1].replace("''", "'")
        if self.kind == "ident":
            return self.text[1:-1].replace('""', '"')
        return self.text.lower()


def _tokens(sql: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(sql):
        match = _TOKEN.match(sql, position)
        if match is None:
            raise DoubleRefused(f"cannot read the statement at {sql[position : position + 20]!r}")
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append(_Token(kind, match.group(), match.start(), match.end()))
        position = match.end()
    while tokens and tokens[-1].text == ";":
        tokens.pop()
    return tokens


def _closing(tokens: Sequence[_Token], opening: int) -> int:
    """The index of the parenthesis that closes the one at ``opening``."""
    depth = 0
    for index in range(opening, len(tokens)):
        if tokens[index].text == "(":
            depth += 1
        elif tokens[index].text == ")":
            depth -= 1
            if depth == 0:
                return index
    raise DoubleRefused("unbalanced parentheses")


def _split_top(tokens: Sequence[_Token]) -> list[list[_Token]]:
    """Tokens split at the commas outside parentheses."""
    parts: list[list[_Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        if token.text == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _name_list(tokens: Sequence[_Token], opening: int) -> tuple[list[str], int]:
    """The identifiers of ``( a, b, … )`` at ``opening``, and the index after the ``)``."""
    if opening >= len(tokens) or tokens[opening].text != "(":
        raise DoubleRefused("expected a parenthesised column list")
    closing = _closing(tokens, opening)
    names = []
    for part in _split_top(tokens[opening + 1 : closing]):
        if len(part) != 1 or part[0].kind not in ("word", "ident"):
            raise DoubleRefused("expected a column name in the list")
        names.append(part[0].value())
    return names, closing + 1


def _qualified_name(tokens: Sequence[_Token], index: int) -> tuple[str, str | None, str, int]:
    """``(text as written, schema, table, next index)`` of a possibly qualified name at ``index``."""
    first = tokens[index]
    if first.kind not in ("word", "ident"):
        raise DoubleRefused(f"expected a table name, found {first.text!r}")
    if (
        index + 2 < len(tokens)
        and tokens[index + 1].text == "."
        and tokens[index + 2].kind in ("word", "ident")
    ):
        second = tokens[index + 2]
        return f"{first.text}.{second.text}", first.value(), second.value(), index + 3
    return first.text, None, first.value(), index + 1


def _without(
    sql: str, removed: Sequence[tuple[int, int]], replaced: Sequence[tuple[int, int, str]] = ()
) -> str:
    """``sql`` without the character spans ``removed``, each with the whitespace before it, and with
    each span of ``replaced`` (start, end, text) replaced by its text."""
    edits = sorted([(start, end, None) for start, end in removed] + list(replaced))
    pieces = []
    position = 0
    for start, end, text in edits:
        pieces.append(sql[position:start].rstrip() if text is None else sql[position:start] + text)
        position = end
    pieces.append(sql[position:])
    return "".join(pieces)


def _super_types(tokens: Sequence[_Token]) -> list[tuple[int, int, str]]:
    """Redshift's SUPER, wherever it is a type in the tokens, replaced by PostgreSQL's jsonb (a column
    named super is a quoted identifier in rio's DDL, never a word)."""
    return [(token.start, token.end, "jsonb") for token in tokens if token.upper == "SUPER"]


def _check_words(tokens: Sequence[_Token], shown: str) -> None:
    for index, token in enumerate(tokens):
        word = token.upper
        if word in _REDSHIFT_ONLY:
            raise DoubleRefused(f"untranslated Redshift-only {word} in: {shown}")
        if word in _POSTGRES_ONLY:
            raise DoubleRefused(f"PostgreSQL-only {word}, which Redshift refuses, in: {shown}")
        if word == "DISTINCT" and index + 1 < len(tokens) and tokens[index + 1].upper == "ON":
            raise DoubleRefused(f"PostgreSQL-only DISTINCT ON, which Redshift refuses, in: {shown}")
        if (
            word == "USING"
            and tokens[0].upper == "DELETE"
            and index + 1 < len(tokens)
            and tokens[index + 1].text == "("
        ):
            # Redshift's DELETE … USING takes table names only.
            raise DoubleRefused(f"a subquery after DELETE … USING, which Redshift refuses, in: {shown}")


# --- COPY ----------------------------------------------------------------------------------------------


@dataclass
class CopyCommand:
    """A parsed Redshift COPY from S3."""

    target: str  # as written
    schema: str | None
    table: str
    columns: list[str] | None
    source: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def max_errors(self) -> int:
        return int(self.options.get("MAXERROR", 0))


_FLAG_OPTIONS = frozenset({"MANIFEST", "GZIP", "TRUNCATECOLUMNS", "ROUNDEC"})
_STRING_OPTIONS = frozenset(
    {"TIMEFORMAT", "DATEFORMAT", "REGION", "IAM_ROLE", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN"}
)
_SWITCH_OPTIONS = {
    "STATUPDATE": frozenset({"ON", "OFF", "TRUE", "FALSE"}),
    "COMPUPDATE": frozenset({"ON", "OFF", "TRUE", "FALSE", "PRESET"}),
}


class _CopySyntaxError(Exception):
    """A COPY that Redshift refuses as written (it becomes a server error)."""


def parse_copy(sql: str) -> CopyCommand:
    """Parse a COPY from S3 in JSON format, its parameters in any order, as Redshift takes them."""
    tokens = _tokens(sql)
    if not tokens or tokens[0].upper != "COPY":
        raise DoubleRefused("not a COPY")
    written, schema, table, index = _qualified_name(tokens, 1)
    columns: list[str] | None = None
    if index < len(tokens) and tokens[index].text == "(":
        columns, index = _name_list(tokens, index)
    if index + 1 >= len(tokens) or tokens[index].upper != "FROM" or tokens[index + 1].kind != "string":
        raise _CopySyntaxError("syntax error: COPY needs FROM 's3://…'")
    command = CopyCommand(written, schema, table, columns, tokens[index + 1].value())
    index += 2
    options = command.options

    def take(name: str, value: Any) -> None:
        if name in options:
            raise _CopySyntaxError(f"conflicting or redundant options: {name} is given twice")
        options[name] = value

    def argument(position: int) -> tuple[_Token, int]:
        if position < len(tokens) and tokens[position].upper == "AS":
            position += 1
        if position >= len(tokens):
            raise _CopySyntaxError(f"syntax error at end of input after {tokens[-1].text}")
        return tokens[position], position + 1

    while index < len(tokens):
        token = tokens[index]
        word = token.upper
        index += 1
        if word in _FLAG_OPTIONS:
            take(word, True)
        elif word in ("FORMAT", "JSON"):
            if word == "FORMAT":
                kind, index = argument(index)
                if kind.upper != "JSON":
                    raise DoubleRefused(f"COPY FORMAT {kind.text} is not emulated (only JSON)")
            value, index = argument(index)
            if value.kind != "string":
                raise _CopySyntaxError(
                    "syntax error: JSON needs 'auto', 'auto ignorecase' or a JSONPaths file"
                )
            take("JSON", value.value())
        elif word in _STRING_OPTIONS:
            value, index = argument(index)
            if word == "IAM_ROLE" and value.upper == "DEFAULT":
                take(word, "default")
                continue
            if value.kind != "string":
                raise _CopySyntaxError(
                    f"syntax error at or near {value.text!r}: {word} takes a quoted string"
                )
            take(word, value.value())
        elif word == "ACCEPTINVCHARS":
            # ACCEPTINVCHARS [AS] ['c']: the replacement is optional, '?' by default.
            if index < len(tokens) and (tokens[index].upper == "AS" or tokens[index].kind == "string"):
                value, index = argument(index)
                if value.kind != "string":
                    raise _CopySyntaxError(
                        f"syntax error at or near {value.text!r}: ACCEPTINVCHARS AS takes a quoted character"
                    )
                take(word, value.value())
            else:
                take(word, "?")
        elif word == "MAXERROR":
            value, index = argument(index)
            if value.kind != "number" or not value.text.isdigit() or int(value.text) > 100000:
                raise _CopySyntaxError("MAXERROR takes a whole number from 0 to 100000")
            take(word, int(value.text))
        elif word in _SWITCH_OPTIONS:
            switch = "ON"
            if index < len(tokens) and tokens[index].upper in _SWITCH_OPTIONS[word]:
                switch = tokens[index].upper
                index += 1
            take(word, switch)
        elif word in ("BZIP2", "LZOP", "ZSTD", "CSV", "AVRO", "PARQUET", "ORC", "FIXEDWIDTH", "DELIMITER"):
            raise DoubleRefused(f"COPY {word} is not emulated")
        elif word:
            raise DoubleRefused(f"COPY parameter {word} is not emulated")
        else:
            raise _CopySyntaxError(f"syntax error at or near {token.text!r}")
    return command


# --- PostgreSQL's text format, read back ---------------------------------------------------------------

_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|(.))", re.DOTALL)


def _text_field(raw: bytes) -> str | None:
    if raw == b"\\N":
        return None
    text = raw.decode("utf-8")
    if "\\" not in text:
        return text

    def unescape(match: re.Match[str]) -> str:
        octal, hexa, other = match.groups()
        if octal is not None:
            return chr(int(octal, 8))
        if hexa is not None:
            return chr(int(hexa, 16))
        return _ESCAPES.get(other, other)

    return _ESCAPE.sub(unescape, text)


def _text_rows(data: bytes, width: int) -> list[list[str | None]]:
    """The rows of PostgreSQL's ``COPY … FROM STDIN`` text format."""
    rows = []
    for line in data.split(b"\n"):
        if not line:
            continue
        fields = [_text_field(raw) for raw in line.split(b"\t")]
        if len(fields) != width:
            raise AssertionError(f"the decoder wrote a row of {len(fields)} fields for {width} columns")
        rows.append(fields)
    return rows


def _unloaded(value: Any) -> Any:
    """A value as Redshift's UNLOAD writes it in JSON."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def _fit(text: str, size: int, *, dots: bool = False) -> str:
    if dots:
        text = "".join(ch if ord(ch) < 128 else "." for ch in text)
    return text[:size]


# --- the double ----------------------------------------------------------------------------------------


class RedshiftDouble(RedshiftAdapter):
    """The Redshift adapter on PostgreSQL: real redshift_connector connections (to the proxy), with
    Redshift-only statements translated as the module docstring says.

    ``settings`` are the adapter's (host and port of the proxy, ``ssl: False``, credentials for
    COPY, …); ``postgres_url`` reaches the same database directly, for the double's own objects and
    for ``stl_load_errors``; ``s3_endpoint_url`` is moto's server.
    """

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        postgres_url: str,
        s3_endpoint_url: str,
        serialization_failures: int = 0,
        serverless: bool = False,
    ) -> None:
        super().__init__(settings)
        #: Whether load errors go only to ``sys_load_error_detail``, as on Redshift Serverless (whose
        #: workgroups have no STL tables; here ``stl_load_errors`` stays empty instead).
        self.serverless = serverless
        self.postgres_url = postgres_url
        self.s3_endpoint_url = s3_endpoint_url
        #: How many of the next COPYs fail with Redshift's serialisation error 1023.
        self.serialization_failures = serialization_failures
        #: Statements as PostgreSQL ran them for the adapter (credentials masked), in order.
        self.ran: list[str] = []
        #: Each COPY the adapter sent, exactly as sent (credentials included), for assertions on them.
        self.copies_received: list[str] = []
        #: Every refusal (and fault) of the double, even one that something caught.
        self.refused: list[str] = []
        self._lock = threading.Lock()
        self._installed = False
        self._copy_number = 0

    # --- set-up --------------------------------------------------------------------------------------

    def install(self) -> None:
        """Create the double's objects in the database (once)."""
        with self._lock:
            if self._installed:
                return
            import psycopg

            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                conn.execute(_SETUP_SQL)  # type: ignore[arg-type]
            self._installed = True

    def connect(self, *, dry_run: bool = False) -> Any:
        self.install()
        return super().connect(dry_run=dry_run)

    # --- statements ----------------------------------------------------------------------------------

    def execute(self, connection: Any, sql: str, params: Sequence[Any]) -> Any:
        import redshift_connector

        try:
            return self._dispatch(connection, sql, params)
        except redshift_connector.Error:
            raise  # the server's answer, for the adapter to handle
        except DoubleRefused as refused:
            self.refused.append(str(refused))
            raise
        except Exception as fault:
            message = f"the double failed on {mask_credentials(sql)}: {fault!r}"
            self.refused.append(message)
            raise DoubleRefused(message) from fault

    def _dispatch(self, connection: Any, sql: str, params: Sequence[Any]) -> Any:
        tokens = _tokens(sql)
        shown = mask_credentials(sql)
        if not tokens:
            raise DoubleRefused("an empty statement")
        first = tokens[0].upper
        second = tokens[1].upper if len(tokens) > 1 else ""
        if first == "COPY":
            return self._copy(connection, sql, shown)
        if first == "UNLOAD":
            return self._unload(connection, tokens, shown)
        if first == "TRUNCATE":
            raise DoubleRefused(
                f"TRUNCATE commits the transaction it runs in on Redshift; rio must use DELETE: {shown}"
            )
        if first == "LOCK":
            return self._lock_table(connection, tokens, sql, params)
        if first == "CREATE" and self._is_create_table(tokens):
            return self._create_table(connection, tokens, sql, params)
        if first == "ALTER" and second == "TABLE":
            return self._alter_table(connection, tokens, sql, params)
        if first == "SELECT" and any(t.upper in ("ATTISDISTKEY", "ATTSORTKEYORD") for t in tokens):
            return self._run(connection, self._catalogue_query(sql), params)
        if first not in _PASSED_ON:
            raise DoubleRefused(f"the double does not know the statement: {shown}")
        _check_words(tokens, shown)
        return self._run(connection, sql, params)

    def _run(self, connection: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        self.ran.append(mask_credentials(sql))
        cursor = connection.cursor()
        cursor.execute(sql, tuple(params) if params else None)
        return cursor

    def _fail(self, connection: Any, code: str, message: str, detail: str = "") -> NoReturn:
        """Fail the way the server does: an ErrorResponse with ``code`` that the driver raises."""
        cursor = connection.cursor()
        cursor.execute("SELECT rio_double.raise_error(%s, %s, %s)", (code, message, detail))
        raise AssertionError("rio_double.raise_error returned")

    # --- LOCK, CREATE TABLE, ALTER TABLE -------------------------------------------------------------

    def _lock_table(self, connection: Any, tokens: Sequence[_Token], sql: str, params: Sequence[Any]) -> Any:
        index = 2 if len(tokens) > 1 and tokens[1].upper == "TABLE" else 1
        while True:
            _, _, _, index = _qualified_name(tokens, index)
            if index < len(tokens) and tokens[index].text == ",":
                index += 1
                continue
            break
        if index != len(tokens):
            raise DoubleRefused(f"Redshift's LOCK takes table names only (no lock mode): {sql}")
        return self._run(connection, sql, params)

    @staticmethod
    def _is_create_table(tokens: Sequence[_Token]) -> bool:
        words = [token.upper for token in tokens[1:4]]
        return "TABLE" in words

    def _create_table(
        self, connection: Any, tokens: Sequence[_Token], sql: str, params: Sequence[Any]
    ) -> Any:
        index = 1
        while tokens[index].upper in ("LOCAL", "TEMP", "TEMPORARY"):
            index += 1
        if tokens[index].upper != "TABLE":
            raise DoubleRefused(f"the double does not know the statement: {sql}")
        index += 1
        if [t.upper for t in tokens[index : index + 3]] == ["IF", "NOT", "EXISTS"]:
            index += 3
        written, _, _, index = _qualified_name(tokens, index)
        if index >= len(tokens) or tokens[index].text != "(":
            raise DoubleRefused(f"the double translates CREATE TABLE (…) only: {sql}")
        closing = _closing(tokens, index)
        body = tokens[index + 1 : closing]
        if body and body[0].upper == "LIKE":
            # CREATE TABLE … (LIKE parent): the same in both (Redshift also inherits the keys).
            _check_words(tokens, sql)
            return self._run(connection, sql, params)
        removed: list[tuple[int, int]] = []
        replaced = _super_types(body)
        columns: list[str] = []
        supers: list[str] = []
        primary: list[str] = []
        dist: list[str] = []
        column_sort: list[str] = []
        for element in _split_top(body):
            if not element:
                raise DoubleRefused(f"an empty column definition in: {sql}")
            head = element[0].upper
            if head == "PRIMARY" and len(element) > 1 and element[1].upper == "KEY":
                names, end = _name_list(element, 2)
                if end != len(element):
                    raise DoubleRefused(f"unexpected words after PRIMARY KEY (…) in: {sql}")
                primary.extend(names)
                # The element goes, with the comma that separates it from the one before.
                commas = [t for t in body if t.text == "," and t.end <= element[0].start]
                if not commas:
                    raise DoubleRefused(f"PRIMARY KEY (…) before any column in: {sql}")
                removed.append((commas[-1].start, element[-1].end))
                continue
            if head in ("UNIQUE", "FOREIGN", "CONSTRAINT", "CHECK", "LIKE"):
                raise DoubleRefused(f"the double does not translate {head} in CREATE TABLE: {sql}")
            name = element[0].value()
            columns.append(name)
            if len(element) > 1 and element[1].upper == "SUPER":
                supers.append(name)
            position = 1
            while position < len(element):
                token = element[position]
                word = token.upper
                if word == "DISTKEY":
                    dist.append(name)
                    removed.append((token.start, token.end))
                elif word == "SORTKEY":
                    column_sort.append(name)
                    removed.append((token.start, token.end))
                elif (
                    word == "PRIMARY" and position + 1 < len(element) and element[position + 1].upper == "KEY"
                ):
                    primary.append(name)
                    removed.append((token.start, element[position + 1].end))
                    position += 1
                elif word == "ENCODE" and position + 1 < len(element):
                    removed.append((token.start, element[position + 1].end))
                    position += 1
                elif word in ("UNIQUE", "REFERENCES", "IDENTITY", "GENERATED", "COLLATE"):
                    raise DoubleRefused(f"the double does not translate {word} in CREATE TABLE: {sql}")
                position += 1
        # Table attributes after the column list.
        diststyle: str | None = None
        sort: list[str] = []
        index = closing + 1
        if index < len(tokens):
            removed.append((tokens[index].start, tokens[-1].end))
        while index < len(tokens):
            word = tokens[index].upper
            if word == "DISTSTYLE" and index + 1 < len(tokens):
                diststyle = tokens[index + 1].upper
                index += 2
            elif word == "DISTKEY":
                names, index = _name_list(tokens, index + 1)
                dist.extend(names)
            elif word in ("COMPOUND", "SORTKEY"):
                if word == "COMPOUND":
                    index += 1
                    if index >= len(tokens) or tokens[index].upper != "SORTKEY":
                        raise DoubleRefused(f"COMPOUND without SORTKEY in: {sql}")
                names, index = _name_list(tokens, index + 1)
                sort.extend(names)
            elif word in ("BACKUP", "ENCODE") and index + 1 < len(tokens):
                index += 2
            else:
                raise DoubleRefused(
                    f"the double does not translate {tokens[index].text!r} in CREATE TABLE: {sql}"
                )
        # Redshift's rules, checked as Redshift would before creating anything.
        if len(dist) > 1:
            self._fail(connection, "42601", "Multiple DISTKEY columns are not supported")
        if diststyle == "KEY" and not dist:
            self._fail(connection, "42601", "DISTSTYLE KEY requires a DISTKEY column")
        if diststyle not in (None, "KEY", "AUTO", "EVEN", "ALL"):
            self._fail(connection, "42601", f"syntax error at or near {diststyle!r}")
        if dist and diststyle not in (None, "KEY"):
            self._fail(connection, "42601", f"DISTSTYLE {diststyle} cannot have a DISTKEY column")
        if sort and column_sort:
            self._fail(connection, "42601", "a column SORTKEY and a table SORTKEY cannot both be given")
        for name in [*dist, *sort, *column_sort, *primary]:
            if name not in columns:
                self._fail(connection, "42703", f'column "{name}" named in key does not exist')
        if len(set(sort)) != len(sort):
            self._fail(connection, "42701", "a column appears twice in the SORTKEY")
        for name in supers:
            if name in [*dist, *sort, *column_sort]:
                self._fail(
                    connection,
                    "0A000",
                    f'column "{name}" has type SUPER, which cannot be a distribution key or a sort key',
                )
        translated = _without(sql, removed, replaced)
        self.ran.append(translated)
        cursor = connection.cursor()
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (written,))
        (existed,) = cursor.fetchone()
        cursor.execute(translated)
        sort_order = {name: number for number, name in enumerate(sort or column_sort, start=1)}
        keyed = set(dist) | set(sort_order) | set(primary)
        if not existed and keyed:
            cursor.execute(
                "SELECT attname, attnum FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
                "AND NOT attisdropped",
                (written,),
            )
            numbers = {str(name): int(number) for name, number in cursor.fetchall()}
            for name in sorted(keyed, key=lambda n: numbers[n]):
                cursor.execute(
                    "INSERT INTO rio_double.column_keys (relid, attnum, distkey, sortkeyord, primarykey) "
                    "VALUES (to_regclass(%s)::oid, %s, %s, %s, %s)",
                    (written, numbers[name], name in dist, sort_order.get(name, 0), name in primary),
                )
        return cursor

    def _alter_table(self, connection: Any, tokens: Sequence[_Token], sql: str, params: Sequence[Any]) -> Any:
        written, _, _, index = _qualified_name(tokens, 2)
        action = [t.upper for t in tokens[index : index + 2]]
        if action[:1] == ["ADD"] and action[1:] != ["CONSTRAINT"]:
            index += 2 if action[1:] == ["COLUMN"] else 1
            definition = tokens[index:]
            if len(_split_top(definition)) > 1:
                self._fail(connection, "42601", 'syntax error at or near ","')
            words = [t.upper for t in definition]
            for word in ("DISTKEY", "SORTKEY", "PRIMARY", "UNIQUE", "REFERENCES", "IDENTITY", "GENERATED"):
                if word in words:
                    self._fail(connection, "0A000", f"ALTER TABLE ADD COLUMN does not support {word}")
            pairs = set(itertools.pairwise(words))
            if ("NOT", "NULL") in pairs and ("DEFAULT" not in words or ("DEFAULT", "NULL") in pairs):
                self._fail(
                    connection,
                    "0A000",
                    "ALTER TABLE ADD COLUMN defined as NOT NULL must have a non-null default expression",
                )
            translated = _without(sql, (), _super_types(definition))
            _check_words(_tokens(translated), sql)
            return self._run(connection, translated, params)
        if action[:1] == ["ALTER"]:
            index += 2 if action[1:] == ["COLUMN"] else 1
            column = tokens[index].value()
            rest = [t.upper or t.text for t in tokens[index + 1 :]]
            if rest[:1] != ["TYPE"]:
                raise DoubleRefused(f"Redshift's ALTER COLUMN changes a VARCHAR's size only: {sql}")
            if connection.in_transaction:
                self._fail(
                    connection, "25001", "ALTER TABLE ALTER COLUMN cannot run inside a transaction block"
                )
            new_type = rest[1:]
            if new_type[:2] == ["CHARACTER", "VARYING"]:
                new_type = ["VARCHAR", *new_type[2:]]
            if len(new_type) != 4 or new_type[:2] != ["VARCHAR", "("] or new_type[3] != ")":
                self._fail(connection, "0A000", "ALTER COLUMN TYPE changes only the size of a VARCHAR column")
            cursor = connection.cursor()
            cursor.execute(
                "SELECT format_type(a.atttypid, a.atttypmod), a.atthasdef, "
                "COALESCE(k.distkey OR k.sortkeyord > 0 OR k.primarykey, false) FROM pg_attribute a "
                "LEFT JOIN rio_double.column_keys k ON k.relid = a.attrelid AND k.attnum = a.attnum "
                "WHERE a.attrelid = to_regclass(%s) AND a.attname = %s",
                (written, column),
            )
            found = cursor.fetchone()
            if found is None:
                self._fail(connection, "42703", f'column "{column}" does not exist')
            printed, has_default, keyed = found
            if not str(printed).startswith("character varying("):
                self._fail(
                    connection, "0A000", f'column "{column}" is {printed}: only a VARCHAR can change its size'
                )
            if has_default:
                self._fail(
                    connection, "0A000", f'cannot alter the type of column "{column}", which has a default'
                )
            if keyed:
                self._fail(connection, "0A000", f'cannot alter the type of column "{column}", which is a key')
            return self._run(connection, sql, params)
        if action[:1] == ["APPEND"]:
            raise DoubleRefused(f"ALTER TABLE APPEND is not emulated: {sql}")
        _check_words(tokens, sql)
        return self._run(connection, sql, params)

    # --- the catalogue -------------------------------------------------------------------------------

    @staticmethod
    def _catalogue_query(sql: str) -> str:
        """The adapter's column query, reading the keys from the side table."""
        rewritten, found = re.subn(r"\ba\.attisdistkey\b", "COALESCE(rio_keys.distkey, false)", sql)
        rewritten, found_sort = re.subn(
            r"\ba\.attsortkeyord\b", "COALESCE(rio_keys.sortkeyord, 0)", rewritten
        )
        primary = re.compile(
            r"EXISTS\s*\((?:[^()]|\([^()]*\))*?contype\s*=\s*'p'(?:[^()]|\([^()]*\))*\)", re.IGNORECASE
        )
        rewritten, found_primary = primary.subn(
            lambda m: f"(COALESCE(rio_keys.primarykey, false) OR {m.group(0)})", rewritten
        )
        rewritten, found_format = re.subn(
            r"\bformat_type\(a\.atttypid, a\.atttypmod\)",
            "CASE WHEN a.atttypid = 'jsonb'::regtype THEN 'super' "
            "ELSE format_type(a.atttypid, a.atttypmod) END",
            rewritten,
        )
        rewritten, found_where = re.subn(
            r"\nWHERE\b",
            "\nLEFT JOIN rio_double.column_keys rio_keys ON rio_keys.relid = a.attrelid "
            "AND rio_keys.attnum = a.attnum\nWHERE",
            rewritten,
            count=1,
        )
        if (found, found_sort, found_primary, found_format, found_where) != (
            1,
            1,
            1,
            1,
            1,
        ) or "FROM pg_attribute a" not in sql:
            raise DoubleRefused(f"the double cannot rewrite this catalogue query: {sql}")
        return rewritten

    # --- COPY ----------------------------------------------------------------------------------------

    def _copy(self, connection: Any, sql: str, shown: str) -> Any:
        self.copies_received.append(sql)
        self.ran.append(shown)
        started = datetime.now(timezone.utc).replace(tzinfo=None)
        try:
            command = parse_copy(sql)
        except _CopySyntaxError as exc:
            self._fail(connection, "42601", str(exc))
        with self._lock:
            failing = self.serialization_failures > 0
            if failing:
                self.serialization_failures -= 1
            self._copy_number += 1
        cursor = connection.cursor()
        if failing:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
            self._fail(
                connection,
                "XX000",
                "1023",
                "Serializable isolation violation on table - 104857, transactions forming the cycle are: "
                f"{9000 + self._copy_number}, {9001 + self._copy_number} (pid:{pid})",
            )
        options = command.options
        credentials = self._copy_credentials(connection, options)
        if not command.source.startswith("s3://"):
            self._fail(connection, "XX000", f"COPY from this data source is not supported: {command.source}")
        if options.get("JSON") not in ("auto ignorecase",):
            raise DoubleRefused(f"the double emulates FORMAT AS JSON 'auto ignorecase' only: {shown}")
        conversions = {
            "time_format": options.get("TIMEFORMAT", "auto"),
            "date_format": options.get("DATEFORMAT", "auto"),
            "accept_invalid_chars": options.get("ACCEPTINVCHARS"),
        }
        for name, value in conversions.items():
            try:
                copy_option(name, value)  # what rio's core cannot read, Redshift refuses too
            except ConfigError as exc:
                self._fail(connection, "XX000", f"Invalid {COPY_KEYWORDS[name]}: {exc}")
        bucket = command.source[len("s3://") :].partition("/")[0]
        s3 = self._s3_client(credentials)
        region = self._bucket_region(s3, bucket)
        if options.get("REGION") != region:
            self._fail(
                connection,
                "XX000",
                "S3ServiceException:The bucket you are attempting to access must be addressed using the "
                f"specified endpoint. Please send all future requests to this endpoint.,Status 301,Error "
                f"PermanentRedirect (COPY gave REGION {options.get('REGION')!r}; the bucket is in {region})",
            )
        files = self._files(connection, s3, command)
        columns, printed_types, table_oid = self._columns(connection, command)
        for data_file in files:
            self._check_compression(connection, s3, data_file.url, bool(options.get("GZIP")))
        request = CopyRequest(
            schema=command.schema,
            table=command.table,
            columns=columns,
            files=files,
            manifest_url=command.source if options.get("MANIFEST") else None,
            gzip=bool(options.get("GZIP")),
            max_errors=command.max_errors,
            truncate_columns=bool(options.get("TRUNCATECOLUMNS")),
            round_decimals=bool(options.get("ROUNDEC")),
            **conversions,
        )
        store = open_store(
            f"s3://{bucket}",
            endpoint_url=self.s3_endpoint_url,
            region=region,
            aws_access_key_id=credentials.get("ACCESS_KEY_ID"),
            aws_secret_access_key=credentials.get("SECRET_ACCESS_KEY"),
            aws_session_token=credentials.get("SESSION_TOKEN"),
            max_attempts=2,
        )
        data = bytearray()
        try:
            result = decode_files(request, store, "postgres", data.extend)
        except CopyFailed as failure:
            rejected = list(failure.errors)
            if rejected:
                self._record_load_errors(connection, started, table_oid, rejected)
                self._fail(connection, "XX000", FAILED_LOAD_MESSAGE.format(table=command.table))
            self._fail(connection, "XX000", str(failure))
        except StorageError as failure:
            self._fail(connection, "XX000", f"S3ServiceException:{failure}")
        finally:
            store.close()
        rows = _text_rows(bytes(data), len(columns))
        self._insert(connection, command.target, columns, printed_types, rows)
        if result.rejected:
            self._record_load_errors(connection, started, table_oid, result.rejected)
        cursor.execute("SELECT set_config('rio_double.last_copy_count', %s, false)", (str(len(rows)),))
        cursor.execute(
            "SELECT rio_double.notice(%s)",
            (f"Load into table '{command.table}' completed, {len(rows)} record(s) loaded successfully.",),
        )
        if result.rejected:
            cursor.execute(
                "SELECT rio_double.notice(%s)",
                (
                    f"Load into table '{command.table}' completed, {len(result.rejected)} record(s) could "
                    "not be loaded.  Check 'stl_load_errors' system table for details.",
                ),
            )
        return cursor

    def _unload(self, connection: Any, tokens: Sequence[_Token], shown: str) -> Any:
        """Redshift's UNLOAD to JSON: the query's rows into gzip'd JSON lines and a manifest in S3."""
        self.ran.append(shown)
        if len(tokens) < 6 or tokens[1].text != "(" or tokens[2].kind != "string" or tokens[3].text != ")":
            raise DoubleRefused(f"the double emulates UNLOAD ('query') TO 's3://…' only: {shown}")
        query = tokens[2].value()
        if tokens[4].upper != "TO" or tokens[5].kind != "string":
            self._fail(connection, "42601", "syntax error: UNLOAD needs TO 's3://…'")
        prefix = tokens[5].value()
        options: dict[str, Any] = {}
        index = 6
        while index < len(tokens):
            word = tokens[index].upper
            index += 1
            if word in ("MANIFEST", "GZIP", "ALLOWOVERWRITE"):
                options[word] = True
            elif word == "FORMAT":
                if [t.upper for t in tokens[index : index + 2]] == ["AS", "JSON"]:
                    index += 2
                elif index < len(tokens) and tokens[index].upper == "JSON":
                    index += 1
                else:
                    raise DoubleRefused(f"the double emulates UNLOAD … FORMAT AS JSON only: {shown}")
                options["JSON"] = True
            elif word in _STRING_OPTIONS and index < len(tokens) and tokens[index].kind == "string":
                options[word] = tokens[index].value()
                index += 1
            else:
                raise DoubleRefused(f"UNLOAD parameter {tokens[index - 1].text!r} is not emulated: {shown}")
        if not (options.get("JSON") and options.get("MANIFEST") and options.get("GZIP")):
            raise DoubleRefused(f"the double emulates UNLOAD … FORMAT AS JSON MANIFEST GZIP only: {shown}")
        credentials = self._copy_credentials(connection, options)
        bucket, _, key_prefix = prefix[len("s3://") :].partition("/")
        s3 = self._s3_client(credentials)
        region = self._bucket_region(s3, bucket)
        if options.get("REGION") != region:
            self._fail(
                connection, "XX000", f"S3ServiceException:PermanentRedirect (the bucket is in {region})"
            )
        if not options.get("ALLOWOVERWRITE") and s3.list_objects_v2(Bucket=bucket, Prefix=key_prefix).get(
            "KeyCount"
        ):
            self._fail(
                connection,
                "XX000",
                f"Specified unload destination on S3 is not empty. Consider using a different bucket / "
                f"prefix, manually removing the target files in S3, or using the ALLOWOVERWRITE option. "
                f"({prefix})",
            )
        cursor = connection.cursor()
        cursor.execute(query)
        names = [str(column[0]).lower() for column in cursor.description or []]
        lines = []
        for record in cursor.fetchall():
            row = {
                name: _unloaded(value) for name, value in zip(names, record, strict=True) if value is not None
            }
            lines.append(json.dumps(row, separators=(",", ":")).encode())
        body = gzip.compress(b"\n".join(lines) + (b"\n" if lines else b""))
        part_key = f"{key_prefix}0000_part_00.gz"
        s3.put_object(Bucket=bucket, Key=part_key, Body=body)
        manifest = {"entries": [{"url": f"s3://{bucket}/{part_key}", "meta": {"content_length": len(body)}}]}
        s3.put_object(Bucket=bucket, Key=f"{key_prefix}manifest", Body=json.dumps(manifest).encode())
        cursor.execute("SELECT set_config('rio_double.last_unload_count', %s, false)", (str(len(lines)),))
        return cursor

    def _copy_credentials(self, connection: Any, options: Mapping[str, Any]) -> dict[str, str]:
        keys = {
            name: options[name]
            for name in ("ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN")
            if name in options
        }
        role = options.get("IAM_ROLE")
        invalid = (
            "Invalid credentials. Must be of the format: credentials 'aws_iam_role=...' or "
            "'aws_access_key_id=...;aws_secret_access_key=...[;token=...]'"
        )
        if role is not None and keys:
            self._fail(
                connection, "42601", "conflicting or redundant options: IAM_ROLE cannot go with access keys"
            )
        if role is None and not ("ACCESS_KEY_ID" in keys and "SECRET_ACCESS_KEY" in keys):
            self._fail(connection, "XX000", invalid)
        if role is not None and role != "default" and _ROLE_ARN.fullmatch(role) is None:
            self._fail(
                connection, "XX000", "IAM_ROLE is not a valid role ARN (arn:aws:iam::<account>:role/<name>)"
            )
        return keys

    def _s3_client(self, credentials: Mapping[str, str]) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=credentials.get("ACCESS_KEY_ID"),
            aws_secret_access_key=credentials.get("SECRET_ACCESS_KEY"),
            aws_session_token=credentials.get("SESSION_TOKEN"),
        )

    @staticmethod
    def _bucket_region(s3: Any, bucket: str) -> str:
        constraint = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
        return str(constraint or "us-east-1")

    def _files(self, connection: Any, s3: Any, command: CopyCommand) -> list[DataFile]:
        from botocore.exceptions import ClientError

        bucket, _, key = command.source[len("s3://") :].partition("/")
        if not command.options.get("MANIFEST"):
            # Without MANIFEST the FROM names a key prefix, and every object under it is loaded.
            listed = s3.list_objects_v2(Bucket=bucket, Prefix=key).get("Contents", [])
            if not listed:
                self._fail(connection, "XX000", f"The specified S3 prefix '{key}' does not exist")
            return [DataFile(f"s3://{bucket}/{item['Key']}", mandatory=True) for item in listed]
        try:
            raw = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            self._fail(
                connection,
                "XX000",
                f"Problem reading manifest file - S3ServiceException:The specified key does not exist.,"
                f"Status 404,Error {code}",
            )
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._fail(connection, "XX000", "Manifest file is not in correct json format")
        if not isinstance(manifest, dict):
            self._fail(connection, "XX000", "Root must be a json object in the manifest file")
        files = []
        for entry in manifest.get("entries", []):
            url = entry.get("url") if isinstance(entry, dict) else None
            if not isinstance(url, str):
                self._fail(
                    connection,
                    "XX000",
                    "Manifest file is not in expected format - 'url' field missing. Please check the user "
                    "documentation for the correct format of manifest file during copy command.",
                )
            _, _, entry_key = url[len("s3://") :].partition("/")
            if not url.startswith("s3://") or not entry_key or entry_key.endswith("/"):
                self._fail(
                    connection,
                    "XX000",
                    f"COPY with MANIFEST parameter requires full path of an S3 object: {url}",
                )
            files.append(DataFile(url, mandatory=entry.get("mandatory") is True))
        return files

    def _check_compression(self, connection: Any, s3: Any, url: str, gzip: bool) -> None:
        from botocore.exceptions import ClientError

        bucket, _, key = url[len("s3://") :].partition("/")
        try:
            head = s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-1")["Body"].read()
        except ClientError:
            return  # a missing file is the manifest's business (mandatory or not)
        if head and (head == b"\x1f\x8b") != gzip:
            said = "GZIP" if gzip else "no compression"
            self._fail(connection, "XX000", f"{url}: the file's bytes do not match the COPY ({said})")

    def _columns(self, connection: Any, command: CopyCommand) -> tuple[list[TableColumn], list[str], int]:
        """The COPY's columns (canonical types), their types as PostgreSQL prints them, the table's oid."""
        cursor = connection.cursor()
        cursor.execute(
            "SELECT c.oid::integer, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.oid = to_regclass(%s) "
            "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            (command.target,),
        )
        found = cursor.fetchall()
        if not found:
            self._fail(connection, "42P01", f'relation "{command.table}" does not exist')
        table_oid = int(found[0][0])
        by_name = {str(name): (str(printed), bool(not_null)) for _, name, printed, not_null in found}
        names = command.columns if command.columns is not None else list(by_name)
        columns, printed_types = [], []
        for name in names:
            if name not in by_name:
                self._fail(
                    connection, "42703", f'column "{name}" of relation "{command.table}" does not exist'
                )
            printed, not_null = by_name[name]
            columns.append(TableColumn(name, canonical_type(printed), not_null))
            printed_types.append(printed)
        return columns, printed_types, table_oid

    def _insert(
        self,
        connection: Any,
        target: str,
        columns: Sequence[TableColumn],
        printed_types: Sequence[str],
        rows: Sequence[Sequence[Any]],
    ) -> None:
        if not rows:
            return
        names = ", ".join('"' + column.name.replace('"', '""') + '"' for column in columns)
        # A VARCHAR value goes in as text, so that PostgreSQL checks its width on assignment (a cast to
        # varchar(n) would cut it silently).
        casts = [
            "%s::text" if printed.startswith(("character varying", "character(")) else f"%s::{printed}"
            for printed in printed_types
        ]
        row_sql = "(" + ", ".join(casts) + ")"
        per_statement = max(1, 20000 // max(len(columns), 1))
        cursor = connection.cursor()
        for start in range(0, len(rows), per_statement):
            batch = rows[start : start + per_statement]
            values = [value for row in batch for value in row]
            cursor.execute(
                f"INSERT INTO {target} ({names}) VALUES " + ", ".join([row_sql] * len(batch)), values
            )

    def _record_load_errors(
        self, connection: Any, started: datetime, table_oid: int, rejected: Sequence[Any]
    ) -> None:
        """Write rejected rows to the load-error table on a connection of their own, which commits at once."""
        import psycopg

        cursor = connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
        # What both tables keep of a rejected row, in the order of the columns listed below.
        kept = [
            (
                _fit(row.file, 256),
                row.line,
                _fit(row.column, 127),
                _fit(row.column_type, 10),
                _fit(row.column_length, 10),
                row.position,
                row.code,
            )
            for row in rejected
        ]
        with psycopg.connect(self.postgres_url, autocommit=True) as conn, conn.cursor() as writer:
            if self.serverless:
                writer.executemany(
                    "INSERT INTO sys_load_error_detail (user_id, transaction_id, database_name, query_id, "
                    "session_id, table_id, start_time, file_name, line_number, column_name, column_type, "
                    "column_length, position, error_code, error_message) VALUES "
                    "(100, 0, current_database(), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    [
                        (self._copy_number, pid, table_oid, started, *fields, _fit(row.reason, 512))
                        for fields, row in zip(kept, rejected, strict=True)
                    ],
                )
                return
            writer.executemany(
                "INSERT INTO stl_load_errors (userid, slice, query, session, tbl, starttime, filename, "
                "line_number, colname, type, col_length, position, err_code, raw_line, raw_field_value, "
                "err_reason) VALUES (100, 0, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        self._copy_number,
                        pid,
                        table_oid,
                        started,
                        *fields,
                        _fit(row.raw_line, 1024, dots=True),
                        _fit(row.value, 1024),
                        _fit(row.reason, 100),
                    )
                    for fields, row in zip(kept, rejected, strict=True)
                ],
            )
