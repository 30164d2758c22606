"""The file and job contract, version 1: every key name and format rio writes or reads.

Keys are relative to a **base**: ``s3://bucket``, ``s3://bucket/prefix``, ``file:///absolute/path`` or a
directory path. ``D`` is a **data date**: RFC 3339, UTC, whole seconds, ``2026-11-21T10:15:00Z``.

======================  ==================================================================================
artefact                exact form
======================  ==================================================================================
run id                  a ULID: 26 characters of Crockford base32, upper case (48-bit millisecond time,
                        then 80 random bits), e.g. ``01JD7X5Q2C8Z4W6Y0V3N1B9KTM``
data part               ``<schema>/<table>/parts/<run_id>/<n:06d>.json.gz``: gzip'd NDJSON
manifest                ``<schema>_<table>_<D>.manifest``: Redshift's manifest, uncompressed UTF-8, exactly
                        ``{"entries":[{"url":"s3://…","mandatory":true,"meta":{"content_length":N}}]}``
load config             ``config_<schema>_<table>_<D>.yml`` (its YAML shape belongs to :mod:`rio.config`)
Go worker data, read    ``<schema>_<table>_<D>.<manifest|json.gz|json>``, and the same names under
                        ``<schema>/<table>/_data_timestamp_year=YYYY/_data_timestamp_month=MM/``
                        ``_data_timestamp_day=DD/`` (the load config may sit there too)
job                     one line of compact JSON, keys in this order: ``{"version":1,"id"?,"base",
                        "schema","tables":[…],"date":D|null,"config"?,"mode","granularity"?,"truncate",
                        "force","upsert_keys"?,"time_format"?,"date_format"?,"accept_invalid_chars"?,
                        "round_decimals"?,"truncate_columns"?,"max_errors"?}`` (``?``: only when set;
                        the last six are COPY's options, see :class:`CopyOptions`)
Go tools' job, read     the flag line ``--bucket B --schema S --tables a,b --date D --gzip --truncate
                        --force``, split like a POSIX shell would but never run by one; and the later Go
                        worker's JSON with string values, maybe wrapped as ``{"current":{…}}``
======================  ==================================================================================

Parsing is strict wherever rio reads a name: a key belongs to a table only if, after the
``<schema>_<table>_`` prefix, it holds exactly one canonical ``D`` and a known suffix. The flat names of
``a_b.c`` and ``a.b_c`` are the same string (the Go worker's naming); parts and the partitioned layout
keep them apart. Dates a person typed (``--date``, job payloads) are read leniently by
:func:`parse_date_argument`. Local paths and ``file://`` URLs are used literally, never percent-decoded.

COPY's options in a job are optional fields of version 1: a job that sets none is byte for byte the job
of before they existed, so every rio reads it, and one without them loads with its config's options
(else Redshift's defaults). A job that sets one is refused by a rio that predates them (an unknown
field), never loaded without it; the Go tools' job forms have no such fields and read as before.

No destination is a system schema (``information_schema``, ``catalog_history``, any ``pg_`` name) or the
load ledger's table (``rio_loads``), in any case: :func:`check_destination` is the one rule, which jobs,
destination configs and the key builders all apply. A manifest's or a job's own text is echoed in a
message only once it has been read as one; before that, messages name positions and kinds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, NoReturn, TypeVar

from rio._identifiers import check_identifier, identifier_problem
from rio.errors import (
    ConfigError,
    InvalidBase,
    InvalidDataDate,
    InvalidIdentifier,
    InvalidJob,
    InvalidKey,
    InvalidManifest,
    ReservedName,
)

__all__ = [
    "CONTRACT_VERSION",
    "COPY_KEYWORDS",
    "DATA_SUFFIXES",
    "LAYOUTS",
    "LEDGER_TABLE",
    "MAX_ERRORS_LIMIT",
    "MAX_JOB_BYTES",
    "MAX_KEY_BYTES",
    "SYSTEM_SCHEMAS",
    "Base",
    "CopyOptions",
    "DataKey",
    "Granularity",
    "Job",
    "LoadMode",
    "Manifest",
    "ManifestEntry",
    "PartKey",
    "candidate_config_keys",
    "candidate_data_keys",
    "check_destination",
    "check_key",
    "config_key",
    "copy_option",
    "data_date_now",
    "data_key",
    "format_data_date",
    "is_run_id",
    "latest_data_key",
    "listing_prefixes",
    "manifest_digest",
    "manifest_key",
    "new_run_id",
    "parse_config_key",
    "parse_data_date",
    "parse_data_key",
    "parse_date_argument",
    "parse_job",
    "parse_part_key",
    "part_key",
    "partition_prefix",
    "s3_url",
    "split_s3_url",
]

CONTRACT_VERSION = 1

#: The Go worker's probe order for one date's data; a manifest wins over bare data files.
DATA_SUFFIXES: tuple[str, ...] = ("manifest", "json.gz", "json")
#: Where a date's data may sit, in order of preference.
LAYOUTS: tuple[str, ...] = ("flat", "partitioned")
#: S3's limit on the length of a key.
MAX_KEY_BYTES = 1024
#: The largest job payload rio reads; a real job is a few hundred bytes.
MAX_JOB_BYTES = 1 << 20

_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_EXAMPLE_DATE = "2026-11-21T10:15:00Z"
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _describe(value: object) -> str:
    """Name a value the way JSON would, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {_clip(json.dumps(value, ensure_ascii=False))}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _json_kind(value: object) -> str:
    """Name only the kind of a JSON value, for messages about input not known to be rio's own."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else f"a {type(value).__name__}"


# --- data dates ------------------------------------------------------------------------------------

_D_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"
_DATA_DATE_RE = re.compile(_D_PATTERN)
_RFC3339_RE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?P<fraction>\.[0-9]+)?(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# Go's time.String(): "2016-08-22 01:06:40.123456789 +0000 UTC m=+0.000123".
_GO_TIME_RE = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}) (?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})(?P<fraction>\.[0-9]{1,9})?"
    r" (?P<offset>[+-][0-9]{4}) (?:[A-Za-z]+|[+-][0-9]{2,4})(?: m=[+-][0-9]+\.[0-9]+)?"
)
_DATE_ONLY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _to_utc(dt: datetime) -> datetime:
    """Naive datetimes are UTC already; aware ones are converted."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        return dt.replace(tzinfo=_UTC)
    try:
        return dt.astimezone(_UTC)
    except OverflowError as exc:
        raise InvalidDataDate(f"{dt.isoformat()} has no UTC equivalent (out of range)") from exc


def _canonical(utc: datetime) -> str:
    # Formatted by hand: strftime("%Y") does not pad years below 1000 on every platform.
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"


def format_data_date(dt: datetime) -> str:
    """Format a data date as ``D`` (``2026-11-21T10:15:00Z``); naive datetimes are taken as UTC.

    A fraction of a second is an error rather than dropped: a data date names files, so callers
    truncate on purpose (``dt.replace(microsecond=0)``).
    """
    if not isinstance(dt, datetime):
        raise InvalidDataDate(f"a data date must be a datetime, not {type(dt).__name__} ({dt!r})")
    utc = _to_utc(dt)
    if utc.microsecond:
        raise InvalidDataDate(
            f"data date {dt.isoformat()} has a fraction of a second; a data date names files and must "
            "be whole seconds (use .replace(microsecond=0))"
        )
    return _canonical(utc)


def data_date_now() -> datetime:
    """The current time as a data date: aware UTC, whole seconds."""
    return datetime.now(_UTC).replace(microsecond=0)


def _build_date(text: str, date: str, time: str, offset_minutes: int) -> datetime:
    try:
        local = datetime.fromisoformat(f"{date}T{time}")
        return (local - timedelta(minutes=offset_minutes)).replace(tzinfo=_UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidDataDate(f"date {_clip(text)!r} is not a real date-time ({exc})") from exc


def parse_data_date(text: str) -> datetime:
    """Read ``D`` exactly as rio writes it (``2026-11-21T10:15:00Z``), as an aware UTC datetime.

    Strict on purpose: it reads dates out of keys, where any other spelling is another file.
    """
    if not isinstance(text, str) or _DATA_DATE_RE.fullmatch(text) is None:
        raise InvalidDataDate(
            f"{_clip(str(text))!r} is not a data date; a data date is RFC 3339 in UTC with whole "
            f"seconds, such as {_EXAMPLE_DATE}"
        )
    return _build_date(text, text[:10], text[11:19], 0)


def _go_time_problem(text: str, match: re.Match[str]) -> str:
    offset = match["offset"]
    minutes = (int(offset[1:3]) * 60 + int(offset[3:5])) * (-1 if offset[0] == "-" else 1)
    utc = _build_date(text, match["date"], match["time"], minutes)
    # The Go rio named the manifest after this time rounded (half up) to the hour.
    nanos = int((match["fraction"] or ".")[1:].ljust(9, "0"))
    into_hour = (utc.minute * 60 + utc.second) * 10**9 + nanos
    hour = utc.replace(minute=0, second=0)
    if 2 * into_hour >= 3600 * 10**9:
        hour += timedelta(hours=1)
    return (
        f"date {_clip(text)!r} is in the form Go's time.String() prints: the Go rio sent --date this "
        "way, and no file is named with it. Pass an RFC 3339 date-time instead; the Go rio named the "
        f"manifest of that run after the nearest hour, {_canonical(hour)}"
    )


def parse_date_argument(text: str) -> datetime:
    """Read a date a person or a Go tool typed (``--date``, job payloads), as an aware UTC datetime.

    Accepts any RFC 3339 date-time: ``T``, ``t`` or a space between date and time, ``Z``, ``z`` or
    ``±HH:MM``; offsets are converted to UTC. Refuses fractional seconds, a date alone and Go's
    ``time.String()`` form, each with a message that quotes the input and says what to write.
    """
    if not isinstance(text, str):
        raise InvalidDataDate(f"a date must be a string, not {_describe(text)}")
    stripped = text.strip()
    match = _RFC3339_RE.fullmatch(stripped)
    if match is not None:
        offset = match["offset"]
        minutes = 0
        if offset not in ("Z", "z"):
            hours, mins = int(offset[1:3]), int(offset[4:6])
            if hours > 23 or mins > 59:
                raise InvalidDataDate(f"date {_clip(text)!r} has the impossible UTC offset {offset}")
            minutes = (hours * 60 + mins) * (-1 if offset[0] == "-" else 1)
        when = _build_date(text, match["date"], match["time"], minutes)
        if match["fraction"] is not None:
            raise InvalidDataDate(
                f"date {_clip(text)!r} has fractional seconds; a data date names files and must be whole "
                f"seconds, such as {_canonical(when)}"
            )
        return when
    go_match = _GO_TIME_RE.fullmatch(stripped)
    if go_match is not None:
        raise InvalidDataDate(_go_time_problem(text, go_match))
    if _DATE_ONLY_RE.fullmatch(stripped):
        raise InvalidDataDate(
            f"date {_clip(text)!r} has no time of day; a data date names files to the second, so write "
            f"the full date-time, such as {stripped}T00:00:00Z"
        )
    raise InvalidDataDate(
        f"date {_clip(text)!r} is not an RFC 3339 date-time; write one such as {_EXAMPLE_DATE} or "
        "2026-11-21T11:15:00+01:00"
    )


# --- run ids ---------------------------------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# 26 base32 characters hold 130 bits, so a 128-bit ULID starts with 0-7.
_RUN_ID_RE = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")


def new_run_id(now: datetime | None = None) -> str:
    """A new run id: a ULID, time-ordered to the millisecond and random after it.

    80 random bits from :mod:`secrets` make a collision between two processes in the same millisecond
    practically impossible, which the Go rio's Unix-second keys were not.
    """
    moment = datetime.now(_UTC) if now is None else _to_utc(now)
    millis = (moment - _EPOCH) // timedelta(milliseconds=1)
    if not 0 <= millis < 1 << 48:
        raise InvalidKey(f"a run id's time must lie between 1970 and 10889, not {moment.isoformat()}")
    value = (millis << 80) | secrets.randbits(80)
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def is_run_id(text: object) -> bool:
    """Whether ``text`` is a run id as :func:`new_run_id` writes it."""
    return isinstance(text, str) and _RUN_ID_RE.fullmatch(text) is not None


# --- bases and keys --------------------------------------------------------------------------------

_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
_IPV4_RE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
# Buckets created before 2018 in us-east-1 may hold capitals and '_'; manifests may name them.
_LEGACY_BUCKET_RE = re.compile(r"[A-Za-z0-9._-]{3,255}")
_BASE_FORMS = "s3://bucket, s3://bucket/prefix, file:///absolute/path or a directory path"


def _segments_problem(text: str) -> str | None:
    """Why a relative ``/``-separated path could not name a rio artefact, or ``None``."""
    control = _CONTROL_RE.search(text)
    if control is not None:
        return f"holds the control character {control.group()!r} at position {control.start()}"
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid UTF-8 (it holds a lone surrogate)"
    if size > MAX_KEY_BYTES:
        return f"is {size} bytes long; S3 keys hold at most {MAX_KEY_BYTES} bytes of UTF-8"
    for segment in text.split("/"):
        if segment == "":
            return "has an empty segment (a leading or trailing '/', or '//')"
        if segment in (".", ".."):
            return f"has a {segment!r} segment; a key never climbs out of its base"
    return None


def _key_problem(key: object) -> str | None:
    if not isinstance(key, str):
        return f"must be a string, not {_describe(key)}"
    if key == "":
        return "is empty"
    if key.startswith("/"):
        return "starts with '/'; keys are relative to the base"
    return _segments_problem(key)


def check_key(key: str) -> str:
    """Return ``key`` if it can name an artefact relative to a base, else raise :class:`InvalidKey`.

    A key is non-empty, relative, has no empty, ``.`` or ``..`` segment, no control character and at
    most 1024 bytes of UTF-8.
    """
    problem = _key_problem(key)
    if problem is not None:
        raise InvalidKey(f"key {_clip(str(key))!r} {problem}")
    return key


def _bucket_problem(bucket: str) -> str | None:
    if bucket == "":
        return "names no bucket"
    if not 3 <= len(bucket) <= 63:
        return f"bucket {bucket!r} has {len(bucket)} characters; S3 bucket names have 3 to 63"
    if _BUCKET_RE.fullmatch(bucket) is None:
        return (
            f"bucket {bucket!r} may hold only lower-case letters, digits, '.' and '-', and must start "
            "and end with a letter or digit"
        )
    if ".." in bucket:
        return f"bucket {bucket!r} has two adjacent periods"
    if _IPV4_RE.fullmatch(bucket):
        return f"bucket {bucket!r} is formatted as an IP address"
    return None


def _utf8_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8 (it holds a lone surrogate)"
    return None


def _local_path_problem(path: str) -> str | None:
    if not path.startswith("/"):
        return "is not an absolute path"
    control = _CONTROL_RE.search(path)
    if control is not None:
        return f"holds the control character {control.group()!r} at position {control.start()}"
    return _utf8_problem(path)


def _normal_path(path: str, text: str) -> str:
    problem = _local_path_problem(path)
    if problem is not None:
        raise InvalidBase(f"base {_clip(text)!r}: the path {problem}; accepted: {_BASE_FORMS}")
    normal = os.path.normpath(path)
    # POSIX keeps a leading '//' apart from '/'; rio does not.
    return "/" + normal.lstrip("/")


@dataclass(frozen=True)
class Base:
    """Where a pipe's artefacts live: an S3 bucket with an optional prefix, or a local directory.

    Build one with :meth:`Base.parse`; ``str(base)`` is its canonical form (``s3://bucket/prefix`` or
    ``file:///path``).
    """

    scheme: str
    bucket: str | None = None
    prefix: str = ""
    path: str | None = None

    def __post_init__(self) -> None:
        if self.scheme == "s3":
            problem = _bucket_problem(self.bucket) if isinstance(self.bucket, str) else "names no bucket"
            if problem is None and self.prefix:
                segments = _segments_problem(self.prefix)
                problem = None if segments is None else f"prefix {self.prefix!r} {segments}"
            if problem is None and self.path is not None:
                problem = "an s3 base has no local path"
        elif self.scheme == "file":
            problem = None
            if self.bucket is not None or self.prefix:
                problem = "a local directory has no bucket or prefix"
            elif not isinstance(self.path, str) or _local_path_problem(self.path) is not None:
                problem = f"path {self.path!r} is not an absolute path"
            elif _normal_path(self.path, self.path) != self.path:
                problem = f"path {self.path!r} is not normalised (use Base.parse)"
        else:
            problem = f"scheme {self.scheme!r} is neither 's3' nor 'file'"
        if problem is not None:
            raise InvalidBase(f"base {self!r}: {problem}; accepted: {_BASE_FORMS}")

    @classmethod
    def parse(cls, text: str | os.PathLike[str] | Base) -> Base:
        """Read ``s3://bucket``, ``s3://bucket/prefix``, ``file:///absolute/path`` or a directory path.

        A plain path (a str or a path object) is made absolute against the current directory.
        """
        if isinstance(text, Base):
            return text
        if isinstance(text, os.PathLike):
            text = os.fspath(text)
        if not isinstance(text, str):
            raise InvalidBase(f"a base must be a string, not {_describe(text)}; accepted: {_BASE_FORMS}")
        if text.strip() == "":
            raise InvalidBase(f"base {text!r} is empty; accepted: {_BASE_FORMS}")
        if text.startswith("s3://"):
            bucket, prefix = split_s3_url(text)
            problem = _bucket_problem(bucket)
            prefix = prefix.strip("/")
            if problem is None and prefix:
                segments = _segments_problem(prefix)
                problem = None if segments is None else f"the prefix {segments}"
            if problem is not None:
                raise InvalidBase(f"base {_clip(text)!r}: {problem}; accepted: {_BASE_FORMS}")
            return cls("s3", bucket, prefix)
        if text.startswith("file://"):
            path = text[len("file://") :]
            if not path.startswith("/"):
                raise InvalidBase(
                    f"base {_clip(text)!r}: a file URL names an absolute path on this machine, "
                    f"file:///absolute/path (three slashes, no host); accepted: {_BASE_FORMS}"
                )
            return cls("file", path=_normal_path(path, text))
        if _SCHEME_RE.match(text) or "://" in text:
            raise InvalidBase(
                f"base {_clip(text)!r} is not one rio can use; accepted: {_BASE_FORMS} (scheme in lower "
                "case; write a directory whose name holds ':' as ./name)"
            )
        return cls("file", path=_normal_path(os.path.abspath(text), text))

    def _root(self) -> str:
        if self.scheme == "s3":
            return s3_url(self.bucket or "", self.prefix)
        assert self.path is not None
        return "file://" + self.path.rstrip("/")

    def __str__(self) -> str:
        return "file:///" if self.scheme == "file" and self.path == "/" else self._root()

    def url(self, key: str) -> str:
        """The full URL of ``key`` under this base (``s3://bucket/prefix/key``, ``file:///path/key``)."""
        check_key(key)
        if self.scheme == "s3" and self.prefix:
            size = len(f"{self.prefix}/{key}".encode())
            if size > MAX_KEY_BYTES:
                raise InvalidKey(
                    f"key {_clip(key)!r} under the prefix {self.prefix!r} makes an S3 key of {size} bytes; "
                    f"S3 keys hold at most {MAX_KEY_BYTES}"
                )
        return f"{self._root()}/{key}"

    def key_of(self, url: str) -> str | None:
        """The key of ``url`` under this base, or ``None`` when the URL lies outside it."""
        if not isinstance(url, str):
            return None
        root = self._root() + "/"
        if not url.startswith(root):
            return None
        key = url[len(root) :]
        return key if _key_problem(key) is None else None


@dataclass(frozen=True)
class PartKey:
    """The pieces of a data part's key."""

    schema: str
    table: str
    run_id: str
    number: int


@dataclass(frozen=True)
class DataKey:
    """A key that holds one table's data for one date, in one of the Go worker's layouts."""

    key: str
    schema: str
    table: str
    date: datetime
    suffix: str
    layout: str


# --- destinations ----------------------------------------------------------------------------------

#: The load ledger's table, which every schema rio loads into holds beside the tables it loaded.
LEDGER_TABLE = "rio_loads"
#: Schemas no load ever writes to, beside every name that starts with ``pg_`` (PostgreSQL reserves
#: the prefix; Redshift keeps ``pg_catalog``, ``pg_internal``, ``pg_automv`` and its temporary
#: ``pg_temp_N`` schemas there): the SQL standard's catalog views, and Redshift's record of its
#: catalog. DuckDB's internal schemas are ``information_schema`` and ``pg_catalog`` too; it also marks
#: each database's ``main`` internal, but that is where ``duckdb:///w.duckdb::events`` loads, and its
#: ``temp`` and ``system`` are databases, not schemas (rio names the file's database in every table, so a
#: schema called ``temp`` in the file is an ordinary one).
SYSTEM_SCHEMAS: frozenset[str] = frozenset({"information_schema", "pg_catalog", "catalog_history"})
_SYSTEM_PREFIX = "pg_"


def _system_schema_reason(schema: str) -> str | None:
    # Case-blind: Redshift folds names to lower case, so PG_CATALOG is pg_catalog there.
    folded = schema.casefold()
    if folded.startswith(_SYSTEM_PREFIX):
        return "every name that starts with pg_ belongs to the warehouse's own catalog"
    if folded == "information_schema":
        return "it holds the SQL standard's catalog views"
    if folded in SYSTEM_SCHEMAS:
        return "the warehouse keeps its own records there"
    return None


def check_destination(schema: object, table: object = None) -> None:
    """Refuse, with :class:`ReservedName`, a schema (and table) rio must never load into.

    System schemas — :data:`SYSTEM_SCHEMAS` and every ``pg_`` name — and the load ledger's table
    (:data:`LEDGER_TABLE`), compared case-blind. The one rule every destination goes through: jobs,
    destination configs and the keys of a table's artefacts. Values that are not strings are left to
    the identifier checks.
    """
    if isinstance(schema, str):
        reason = _system_schema_reason(schema)
        if reason is not None:
            raise ReservedName(
                f"schema {schema!r} is a system schema ({reason}); rio never loads into one, so pick a "
                "schema of your own"
            )
    if isinstance(table, str) and table.casefold() == LEDGER_TABLE:
        raise ReservedName(
            f"table {table!r} is named like rio's load ledger ({LEDGER_TABLE}), which records every load "
            "into its schema; rows loaded into it would forge that record, so name the table otherwise"
        )


def _names(schema: str, table: str) -> None:
    # No key is ever made for a destination rio refuses, so a pipe for one fails before it packs.
    check_destination(schema, table)
    check_identifier(schema, kind="schema")
    check_identifier(table, kind="table")


def _built(key: str) -> str:
    # Identifiers may hold characters a key may not (C1 controls), so every built key is checked.
    return check_key(key)


_PART_NAME_RE = re.compile(r"([0-9]{6}|[1-9][0-9]{6,})\.json\.gz")


def part_key(schema: str, table: str, run_id: str, number: int) -> str:
    """``<schema>/<table>/parts/<run_id>/<number:06d>.json.gz``.

    Zero-padded so that a listing sorts in part order (up to a million parts per run).
    """
    _names(schema, table)
    if not is_run_id(run_id):
        raise InvalidKey(f"run id {run_id!r} is not a ULID as new_run_id() makes")
    if isinstance(number, bool) or not isinstance(number, int) or number < 0:
        raise InvalidKey(f"part number {number!r} must be an integer >= 0")
    return _built(f"{schema}/{table}/parts/{run_id}/{number:06d}.json.gz")


def parse_part_key(key: str) -> PartKey | None:
    """The pieces of a data part's key, or ``None`` if ``key`` is not one."""
    if not isinstance(key, str):
        return None
    segments = key.split("/")
    if len(segments) != 5 or segments[2] != "parts":
        return None
    schema, table, _, run_id, name = segments
    if identifier_problem(schema, kind="schema") or identifier_problem(table, kind="table"):
        return None
    match = _PART_NAME_RE.fullmatch(name)
    if not is_run_id(run_id) or match is None:
        return None
    return PartKey(schema, table, run_id, int(match.group(1)))


def manifest_key(schema: str, table: str, date: datetime) -> str:
    """``<schema>_<table>_<D>.manifest``: the name the Go worker probes first."""
    return data_key(schema, table, date, "manifest")


def config_key(schema: str, table: str, date: datetime) -> str:
    """``config_<schema>_<table>_<D>.yml``: the load config's name the Go worker looks for."""
    _names(schema, table)
    return _built(f"config_{schema}_{table}_{format_data_date(date)}.yml")


def partition_prefix(schema: str, table: str, date: datetime) -> str:
    """The later Go worker's folder for one date, with a trailing ``/``."""
    _names(schema, table)
    format_data_date(date)  # refuses what every other builder refuses (fractions, non-datetimes)
    utc = _to_utc(date)
    return (
        f"{schema}/{table}/_data_timestamp_year={utc.year:04d}/_data_timestamp_month={utc.month:02d}/"
        f"_data_timestamp_day={utc.day:02d}/"
    )


def data_key(schema: str, table: str, date: datetime, suffix: str, *, partitioned: bool = False) -> str:
    """``<schema>_<table>_<D>.<suffix>``, inside :func:`partition_prefix` if ``partitioned``."""
    _names(schema, table)
    if suffix not in DATA_SUFFIXES:
        raise InvalidKey(f"data suffix {suffix!r} is not one of {', '.join(DATA_SUFFIXES)}")
    name = f"{schema}_{table}_{format_data_date(date)}.{suffix}"
    return _built(partition_prefix(schema, table, date) + name if partitioned else name)


def candidate_data_keys(schema: str, table: str, date: datetime) -> list[str]:
    """The keys that may hold one date's data, in the order to probe them: flat, then partitioned."""
    return [
        data_key(schema, table, date, suffix, partitioned=partitioned)
        for partitioned in (False, True)
        for suffix in DATA_SUFFIXES
    ]


def candidate_config_keys(schema: str, table: str, date: datetime) -> list[str]:
    """The keys that may hold one date's load config: flat, then in the partition folder."""
    name = config_key(schema, table, date)
    return [name, _built(partition_prefix(schema, table, date) + name)]


def listing_prefixes(schema: str, table: str) -> list[str]:
    """The prefixes to list to find every data key of a table, whatever its date.

    They also match other tables' keys (``s_users_`` lists ``s_users_archive_…``); filter the listing
    with :func:`parse_data_key`.
    """
    _names(schema, table)
    return [f"{schema}_{table}_", f"{schema}/{table}/_data_timestamp_year="]


_DATA_REST_RE = re.compile(rf"({_D_PATTERN})\.({'|'.join(re.escape(s) for s in DATA_SUFFIXES)})")
_CONFIG_REST_RE = re.compile(rf"({_D_PATTERN})\.yml")


def _parse_located(
    key: object, schema: str, table: str, name_prefix: str, rest_re: re.Pattern[str]
) -> tuple[datetime, str, str] | None:
    """Read ``[<partition folder>]<name_prefix><D>.<suffix>`` as (date, suffix, layout), strictly."""
    if not isinstance(key, str):
        return None
    folder, _, name = key.rpartition("/")
    if not name.startswith(name_prefix):
        return None
    match = rest_re.fullmatch(name[len(name_prefix) :])
    if match is None:
        return None
    try:
        date = parse_data_date(match.group(1))
    except InvalidDataDate:
        return None
    suffix = match.group(2) if match.lastindex == 2 else "yml"
    if not folder:
        return (date, suffix, "flat") if "/" not in key else None
    # The folder must be exactly the one this date would go to.
    if folder + "/" != partition_prefix(schema, table, date):
        return None
    return date, suffix, "partitioned"


def parse_data_key(key: str, schema: str, table: str) -> DataKey | None:
    """Read ``key`` as one of ``schema.table``'s data keys, or return ``None``.

    Strict: after ``<schema>_<table>_`` comes exactly one canonical ``D``, then ``.`` and a known
    suffix; a partition folder must agree with ``D``. Keys of other tables that share the prefix,
    fractional seconds, offsets, configs, parts and unknown suffixes are all ``None``.
    """
    _names(schema, table)
    located = _parse_located(key, schema, table, f"{schema}_{table}_", _DATA_REST_RE)
    if located is None:
        return None
    date, suffix, layout = located
    return DataKey(key, schema, table, date, suffix, layout)


def parse_config_key(key: str, schema: str, table: str) -> datetime | None:
    """The date of ``schema.table``'s load config at ``key`` (flat or partitioned), or ``None``."""
    _names(schema, table)
    located = _parse_located(key, schema, table, f"config_{schema}_{table}_", _CONFIG_REST_RE)
    return None if located is None else located[0]


def latest_data_key(keys: Iterable[str], schema: str, table: str) -> DataKey | None:
    """The data key of ``schema.table`` with the latest date in its name, or ``None``.

    Listing order never matters. For one date the key :func:`candidate_data_keys` probes first wins:
    flat before partitioned, then manifest, json.gz, json.
    """
    _names(schema, table)
    best: DataKey | None = None
    best_rank: tuple[datetime, int, int] | None = None
    for key in keys:
        parsed = parse_data_key(key, schema, table)
        if parsed is None:
            continue
        rank = (parsed.date, -LAYOUTS.index(parsed.layout), -DATA_SUFFIXES.index(parsed.suffix))
        if best_rank is None or rank > best_rank:
            best, best_rank = parsed, rank
    return best


# --- JSON reading shared by manifests and jobs -----------------------------------------------------


class _JSONProblem(Exception):
    """Raised inside the JSON reader; turned into the caller's error with its context."""


def _duplicates_refused(
    named: frozenset[str] | None,
) -> Callable[[list[tuple[str, object]]], dict[str, object]]:
    def refuse(pairs: list[tuple[str, object]]) -> dict[str, object]:
        obj: dict[str, object] = {}
        for key, value in pairs:
            if key in obj:
                shown = named is None or key in named
                raise _JSONProblem(
                    f"the key {key!r} appears twice in one object"
                    if shown
                    else "a key appears twice in one object"
                )
            obj[key] = value
        return obj

    return refuse


def _reject_constant(name: str) -> object:
    raise _JSONProblem(f"{name} is not a JSON number")


def _load_json(text: str, *, named_keys: frozenset[str] | None = None) -> object:
    """Strict JSON: no duplicate keys, no NaN or Infinity; problems as :class:`_JSONProblem`.

    Problems give positions, never the text. A repeated key is named when ``named_keys`` is ``None``
    or holds it: a file whose kind is not known until it has been read names only its format's keys.
    """
    try:
        value: object = json.loads(
            text, object_pairs_hook=_duplicates_refused(named_keys), parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise _JSONProblem(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise _JSONProblem("it nests too deeply") from exc
    return value


# --- manifests -------------------------------------------------------------------------------------

_NOT_AN_OBJECT = "COPY with MANIFEST parameter requires full path of an Amazon S3 object"
#: The keys of Redshift's manifest format: the only ones a message about an unread file may name.
_MANIFEST_KEYS = frozenset({"entries", "url", "mandatory", "meta", "content_length"})


def split_s3_url(url: str) -> tuple[str, str]:
    """``(bucket, key)`` of ``s3://bucket/key`` as written, either possibly empty (callers judge them);
    ``s3://bucket`` has the key ``""``. The one place an S3 URL is taken apart."""
    if not url.startswith("s3://"):
        raise ValueError(f"{_clip(url)!r} is not an s3:// URL")
    bucket, _, key = url[len("s3://") :].partition("/")
    return bucket, key


def s3_url(bucket: str, key: str = "") -> str:
    """``s3://bucket/key``, or ``s3://bucket`` when ``key`` is empty; slashes around the key are
    dropped. The one place an S3 URL is put together."""
    key = key.strip("/")
    return f"s3://{bucket}/{key}" if key else f"s3://{bucket}"


def manifest_digest(raw: bytes) -> str:
    """The SHA-256 (hex) of a manifest's bytes, as the ledger records it: a load recognises data it
    already loaded by it, wherever the manifest was copied to."""
    return hashlib.sha256(raw).hexdigest()


def _object_url_problem(url: str) -> str | None:
    """Why ``url`` names no single object (``s3://bucket/key`` or ``file:///path``), or ``None``."""
    problem = _utf8_problem(url)
    if problem is not None:
        return problem
    if url.startswith("s3://"):
        bucket, key = split_s3_url(url)
        if _LEGACY_BUCKET_RE.fullmatch(bucket) is None:
            return f"names no valid bucket; {_NOT_AN_OBJECT}"
        if key == "":
            return f"names a bucket, not an object; {_NOT_AN_OBJECT}"
        if key.endswith("/"):
            return f"ends in '/', so it names a prefix, not an object; {_NOT_AN_OBJECT}"
        return None
    if url.startswith("file://"):
        path = url[len("file://") :]
        problem = _local_path_problem(path)
        if problem is not None:
            return f"is not file:///absolute/path: the path {problem}"
        if path.endswith("/"):
            return "ends in '/', so it names a directory, not a file"
        return None
    return "is neither s3://bucket/key nor file:///absolute/path"


@dataclass(frozen=True)
class ManifestEntry:
    """One file of a COPY manifest. Redshift's default for ``mandatory`` is false; rio writes true."""

    url: str
    mandatory: bool = False
    content_length: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.url, str):
            raise InvalidManifest(f"manifest url must be a string, not {_describe(self.url)}")
        problem = _object_url_problem(self.url)
        if problem is not None:
            raise InvalidManifest(f"manifest url {_clip(self.url)!r} {problem}")
        if not isinstance(self.mandatory, bool):
            raise InvalidManifest(
                f"manifest 'mandatory' must be true or false, not {_describe(self.mandatory)}"
            )
        length = self.content_length
        if length is not None and (isinstance(length, bool) or not isinstance(length, int) or length < 0):
            raise InvalidManifest(f"manifest content_length must be an integer >= 0, not {_describe(length)}")

    def _to_object(self) -> dict[str, object]:
        obj: dict[str, object] = {"url": self.url, "mandatory": self.mandatory}
        if self.content_length is not None:
            obj["meta"] = {"content_length": self.content_length}
        return obj


@dataclass(frozen=True)
class Manifest:
    """A COPY manifest, in exactly Redshift's format. A URL listed twice is loaded twice."""

    entries: tuple[ManifestEntry, ...]

    def __post_init__(self) -> None:
        entries = tuple(self.entries)
        for entry in entries:
            if not isinstance(entry, ManifestEntry):
                raise InvalidManifest(f"a manifest entry must be a ManifestEntry, not {_describe(entry)}")
        object.__setattr__(self, "entries", entries)

    @property
    def urls(self) -> tuple[str, ...]:
        """The URLs of the entries, in order."""
        return tuple(entry.url for entry in self.entries)

    def to_json(self) -> bytes:
        """The manifest's bytes: compact UTF-8 JSON, keys ``url``, ``mandatory``, ``meta``.

        An empty manifest is refused: COPY fails when it finds no files (the Go rio wrote
        ``{"entries":null}`` for an empty pipe).
        """
        if not self.entries:
            raise InvalidManifest(
                "a manifest needs at least one entry: COPY fails when it finds no files, so an empty pipe "
                "sends nothing"
            )
        body = {"entries": [entry._to_object() for entry in self.entries]}
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str, *, source: str = "<manifest>") -> Manifest:
        """Read a manifest, refusing what Redshift would refuse; every message names ``source``."""

        def fail(why: str) -> InvalidManifest:
            return InvalidManifest(f"{source}: {why}")

        if isinstance(data, (bytes, bytearray, memoryview)):
            raw = bytes(data)
            if raw.strip() == b"":
                raise fail("is empty; a manifest lists the files COPY loads")
            if raw.startswith(b"\x1f\x8b"):
                raise fail(
                    "is gzip-compressed; Redshift requires an uncompressed manifest, even when the data "
                    "files are compressed (the Go rio gzip'd its manifests)"
                )
            if raw.startswith(b"\xef\xbb\xbf"):
                raise fail("starts with a UTF-8 byte order mark; write the manifest as UTF-8 without one")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise fail(
                    f"is not UTF-8 ({exc.reason} at byte {exc.start}); Redshift reads manifests as UTF-8"
                ) from exc
        elif isinstance(data, str):
            text = data
            if text.strip() == "":
                raise fail("is empty; a manifest lists the files COPY loads")
            if text.startswith("\ufeff"):
                raise fail("starts with a UTF-8 byte order mark; write the manifest as UTF-8 without one")
        else:
            raise fail(f"must be bytes or str, not {type(data).__name__}")

        try:
            # Until the file shows itself a manifest, its text is nobody's to echo: it may be any file.
            root = _load_json(text, named_keys=_MANIFEST_KEYS)
        except _JSONProblem as exc:
            raise fail(f"Manifest file is not in correct json format: {exc}") from exc
        if not isinstance(root, dict):
            raise fail(f"Root must be a json object in the manifest file; this one is {_json_kind(root)}")
        if "entries" not in root:
            raise fail("Manifest file is not in expected format - 'entries' field missing")
        listed = root["entries"]
        if listed is None:
            raise fail(
                "'entries' is null, so COPY would find no files (the Go rio wrote {\"entries\":null} for "
                "an empty pipe)"
            )
        if not isinstance(listed, list):
            raise fail(f"'entries' must be a list, not {_describe(listed)}")
        if not listed:
            raise fail("'entries' is empty; COPY fails when a manifest names no files")
        return cls(tuple(_read_entry(item, f"entries[{index}]", fail) for index, item in enumerate(listed)))


def _read_entry(item: object, where: str, fail: Callable[[str], InvalidManifest]) -> ManifestEntry:
    if not isinstance(item, dict):
        raise fail(f"{where} must be a json object, not {_describe(item)}")
    # Unknown keys are ignored, as Redshift reads only 'url' and 'mandatory'.
    if "url" not in item:
        raise fail(f"Manifest file is not in expected format - 'url' field missing ({where})")
    url = item["url"]
    if not isinstance(url, str):
        raise fail(f"{where}.url must be a string, not {_describe(url)}")
    problem = _object_url_problem(url)
    if problem is not None:
        raise fail(f"{where}.url {_clip(url)!r} {problem}")
    mandatory = item.get("mandatory", False)
    if not isinstance(mandatory, bool):
        raise fail(f"{where}.mandatory must be true or false, not {_describe(mandatory)}")
    length: int | None = None
    if "meta" in item:
        meta = item["meta"]
        if not isinstance(meta, dict):
            raise fail(f"{where}.meta must be a json object, not {_describe(meta)}")
        if "content_length" in meta:
            value = meta["content_length"]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise fail(f"{where}.meta.content_length must be an integer >= 0, not {_describe(value)}")
            length = value
    return ManifestEntry(url, mandatory, length)


# --- jobs ------------------------------------------------------------------------------------------


class LoadMode(str, Enum):
    """What a load does to the table's rows before its COPY."""

    APPEND = "append"
    REFRESH = "refresh"
    TRUNCATE = "truncate"
    UPSERT = "upsert"


class Granularity(str, Enum):
    """The slice of time around the data date that refresh replaces and staleness compares."""

    HOUR = "hour"
    DAY = "day"


# --- COPY's data-conversion options ----------------------------------------------------------------

#: The most rejected rows a load may skip: Redshift's limit for MAXERROR.
MAX_ERRORS_LIMIT = 100_000
#: Each option's COPY keyword, by its name in a job (and in Python).
COPY_KEYWORDS = {
    "time_format": "TIMEFORMAT",
    "date_format": "DATEFORMAT",
    "accept_invalid_chars": "ACCEPTINVCHARS",
    "round_decimals": "ROUNDEC",
    "truncate_columns": "TRUNCATECOLUMNS",
    "max_errors": "MAXERROR",
}


def copy_option(name: str, value: object) -> object:
    """``value`` as a load keeps COPY option ``name`` (a field of :class:`CopyOptions`).

    ``None`` (not said) stays ``None``; an ACCEPTINVCHARS of ``True`` is its default replacement,
    ``'?'``. The format strings and the replacement character are read by the core, the very code the
    emulated COPY and the packer's checks run, so what passes here loads everywhere. Raises
    :class:`~rio.errors.ConfigError` saying what is wrong and what is allowed, naming the COPY keyword
    but not where the value came from: the caller names its field, config key or flag.
    """
    keyword = COPY_KEYWORDS.get(name)
    if keyword is None:
        raise ConfigError(f"{name!r} is not a COPY option; rio's are {', '.join(COPY_KEYWORDS)}")
    if value is None:
        return None
    if name in ("round_decimals", "truncate_columns"):
        if not isinstance(value, bool):
            raise ConfigError(f"{keyword} is true or false, not {_describe(value)}")
        return value
    if name == "max_errors":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ERRORS_LIMIT:
            raise ConfigError(
                f"{keyword} is a whole number of rejected rows from 0 to {MAX_ERRORS_LIMIT}, not "
                f"{_describe(value)}"
            )
        return value
    if name == "accept_invalid_chars":
        if value is False:
            return False  # said, and off: a job turns off what its config turned on
        if value is True:
            value = "?"
        if not isinstance(value, str):
            raise ConfigError(
                f"{keyword} takes its replacement character (one ASCII character, '?' by default), or true "
                f"or false; not {_describe(value)}"
            )
    elif not isinstance(value, str):
        example = "'auto' or 'YYYY-MM-DD HH:MI:SS'" if name == "time_format" else "'auto' or 'YYYY-MM-DD'"
        raise ConfigError(f"{keyword} is a string such as {example}, not {_describe(value)}")
    _core_reads(name, value)
    return value


def _core_reads(name: str, value: str) -> None:
    """Refuse an option the core cannot read, in the core's words (without its own field name)."""
    from rio._core import Decoder

    option: dict[str, Any] = {name: value}
    try:
        Decoder([("value", "varchar(1)", False)], gzip=False, **option)
    except (ConfigError, ValueError) as exc:
        raise ConfigError(str(exc).removeprefix(f"{name}: ")) from None


@dataclass(frozen=True)
class CopyOptions:
    """COPY's data-conversion options, as one source of them (a job, a config's ``meta``) sets them.

    ``None`` means "not said here": a load takes each option from its job, else from its config, else
    Redshift's default (:meth:`over` stacks them). ``time_format`` is TIMEFORMAT (``'auto'``,
    ``'epochsecs'``, ``'epochmillisecs'`` or a format string such as ``'YYYY-MM-DD HH:MI:SS'``),
    ``date_format`` DATEFORMAT (``'auto'`` or a format string), ``accept_invalid_chars`` ACCEPTINVCHARS
    (its one ASCII replacement character; ``True`` is ``'?'``, ``False`` says it is off),
    ``round_decimals`` ROUNDEC, ``truncate_columns`` TRUNCATECOLUMNS and ``max_errors`` MAXERROR (0 to
    100000). Every value is checked when made (:func:`copy_option`); a bad one raises
    :class:`~rio.errors.ConfigError` naming the option.
    """

    time_format: str | None = None
    date_format: str | None = None
    accept_invalid_chars: str | bool | None = None
    round_decimals: bool | None = None
    truncate_columns: bool | None = None
    max_errors: int | None = None

    def __post_init__(self) -> None:
        for name in COPY_KEYWORDS:
            try:
                object.__setattr__(self, name, copy_option(name, getattr(self, name)))
            except ConfigError as exc:
                raise ConfigError(f"{name}: {exc}") from None

    def said(self) -> dict[str, object]:
        """The options set here, by name, in the contract's order."""
        return {name: getattr(self, name) for name in COPY_KEYWORDS if getattr(self, name) is not None}

    def over(self, fallback: CopyOptions) -> CopyOptions:
        """These options, and ``fallback``'s where these say nothing."""
        return CopyOptions(**{**fallback.said(), **self.said()})  # type: ignore[arg-type]

    @property
    def replacement_char(self) -> str | None:
        """ACCEPTINVCHARS' replacement character, or None when invalid UTF-8 fails its row."""
        value = self.accept_invalid_chars
        return value if isinstance(value, str) else None


_JOB_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_RIO_JOB_FIELDS = (
    "version",
    "id",
    "base",
    "schema",
    "tables",
    "date",
    "config",
    "mode",
    "granularity",
    "truncate",
    "force",
    "upsert_keys",
    *COPY_KEYWORDS,
)
_EnumT = TypeVar("_EnumT", LoadMode, Granularity)


def _job_error(field: str, problem: str) -> InvalidJob:
    return InvalidJob(f"job {field}: {problem}")


def _identifier_for(field: str, name: object, kind: str) -> str:
    try:
        return check_identifier(name, kind=kind)
    except InvalidIdentifier as exc:
        raise _job_error(field, str(exc)) from exc


def _destination_for(field: str, schema: object, table: object = None) -> None:
    try:
        check_destination(schema, table)
    except ReservedName as exc:
        raise _job_error(field, str(exc)) from exc


def _identifiers_for(field: str, value: object, kind: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise _job_error(field, f"must be a list of {kind} names, not {_describe(value)}")
    names = tuple(_identifier_for(field, name, kind) for name in value)
    if not names:
        raise _job_error(field, f"names no {kind}")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _job_error(field, f"names the {kind} {name!r} twice")
        seen.add(name)
    return names


def _member(field: str, kind: type[_EnumT], value: object) -> _EnumT:
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    choices = ", ".join(member.value for member in kind)
    raise _job_error(field, f"must be one of {choices}, not {_describe(value)}")


def _config_problem(config: object) -> str | None:
    """Why ``config`` is neither a key, an ``s3://`` URL nor an absolute local path, or ``None``."""
    if not isinstance(config, str):
        return f"must be a string, not {_describe(config)}"
    if config.startswith(("s3://", "file://")):
        return _object_url_problem(config)
    if config.startswith("/"):
        problem = _local_path_problem(config)
        if problem is None and config.endswith("/"):
            problem = "ends in '/', so it names a directory, not a file"
        return problem
    if _SCHEME_RE.match(config) or "://" in config:
        return "is neither a key relative to the base, an s3://bucket/key URL nor an absolute path"
    return _key_problem(config)


def _date_for(field: str, text: str) -> datetime:
    try:
        return parse_date_argument(text)
    except InvalidDataDate as exc:
        raise _job_error(field, str(exc)) from exc


@dataclass(frozen=True)
class Job:
    """One load request: which tables of a schema to load from a base, for which date, and how.

    ``date`` ``None`` loads the latest data. ``config`` is a key relative to the base, an ``s3://`` URL
    or an absolute local path; ``None`` means the config beside the data. ``truncate`` and ``mode``
    always agree: ``truncate=True`` turns append into truncate, and mode truncate sets ``truncate``.
    Mode refresh without a granularity refreshes a day, written out so the job says what it deletes.
    ``id`` is an idempotency key. ``time_format``, ``date_format``, ``accept_invalid_chars``,
    ``round_decimals``, ``truncate_columns`` and ``max_errors`` are COPY's data-conversion options
    (:class:`CopyOptions`): ``None`` leaves an option to the load config's ``meta``, and one the job
    sets wins over the config's. Every field is checked here; errors are :class:`InvalidJob`.
    """

    base: str
    schema: str
    tables: tuple[str, ...]
    date: datetime | None = None
    config: str | None = None
    mode: LoadMode = LoadMode.APPEND
    granularity: Granularity | None = None
    truncate: bool = False
    force: bool = False
    upsert_keys: tuple[str, ...] | None = None
    id: str | None = None
    time_format: str | None = None
    date_format: str | None = None
    accept_invalid_chars: str | bool | None = None
    round_decimals: bool | None = None
    truncate_columns: bool | None = None
    max_errors: int | None = None

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        try:
            base = Base.parse(self.base)
        except InvalidBase as exc:
            raise _job_error("base", str(exc)) from exc
        put("base", str(base))
        # Before the identifier checks, so that PG_CATALOG is refused as a system schema rather
        # than corrected to one.
        _destination_for("schema", self.schema)
        _identifier_for("schema", self.schema, "schema")
        if isinstance(self.tables, (list, tuple)):
            for table in self.tables:
                _destination_for("tables", None, table)
        put("tables", _identifiers_for("tables", self.tables, "table"))
        if self.date is not None:
            if not isinstance(self.date, datetime):
                raise _job_error("date", f"must be a datetime or None, not {_describe(self.date)}")
            try:
                format_data_date(self.date)
            except InvalidDataDate as exc:
                raise _job_error("date", str(exc)) from exc
            put("date", _to_utc(self.date))
        if self.config is not None:
            problem = _config_problem(self.config)
            if problem is not None:
                raise _job_error("config", f"{_clip(str(self.config))!r} {problem}")
        mode = _member("mode", LoadMode, self.mode)
        granularity = (
            None if self.granularity is None else _member("granularity", Granularity, self.granularity)
        )
        for name in ("truncate", "force"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise _job_error(name, f"must be true or false, not {_describe(value)}")
        truncate = self.truncate
        if truncate and mode in (LoadMode.REFRESH, LoadMode.UPSERT):
            raise _job_error(
                "truncate",
                f"contradicts mode {mode.value}: truncate deletes every row, {mode.value} only the rows "
                "it replaces",
            )
        if truncate:
            mode = LoadMode.TRUNCATE
        truncate = mode is LoadMode.TRUNCATE
        if mode is LoadMode.REFRESH and granularity is None:
            granularity = Granularity.DAY
        put("mode", mode)
        put("granularity", granularity)
        put("truncate", truncate)
        if mode is LoadMode.UPSERT:
            if self.upsert_keys is None:
                raise _job_error("upsert_keys", "mode upsert needs the key columns that identify a row")
            put("upsert_keys", _identifiers_for("upsert_keys", self.upsert_keys, "column"))
        elif self.upsert_keys is not None:
            raise _job_error(
                "upsert_keys", f"only mode upsert uses key columns; this job's mode is {mode.value}"
            )
        if self.id is not None and (not isinstance(self.id, str) or _JOB_ID_RE.fullmatch(self.id) is None):
            raise _job_error(
                "id",
                "must be 1 to 128 characters of letters, digits, '.', '_', ':' and '-', not "
                f"{_describe(self.id)}",
            )
        for name in COPY_KEYWORDS:
            try:
                put(name, copy_option(name, getattr(self, name)))
            except ConfigError as exc:
                raise _job_error(name, str(exc)) from None

    @property
    def copy_options(self) -> CopyOptions:
        """The COPY options this job sets (each ``None`` that it leaves to the config)."""
        return CopyOptions(**{name: getattr(self, name) for name in COPY_KEYWORDS})

    def to_json(self) -> bytes:
        """The job as one line of compact UTF-8 JSON, keys in the contract's order."""
        obj: dict[str, object] = {"version": CONTRACT_VERSION}
        if self.id is not None:
            obj["id"] = self.id
        obj["base"] = self.base
        obj["schema"] = self.schema
        obj["tables"] = list(self.tables)
        obj["date"] = None if self.date is None else format_data_date(self.date)
        if self.config is not None:
            obj["config"] = self.config
        obj["mode"] = self.mode.value
        if self.granularity is not None:
            obj["granularity"] = self.granularity.value
        obj["truncate"] = self.truncate
        obj["force"] = self.force
        if self.upsert_keys is not None:
            obj["upsert_keys"] = list(self.upsert_keys)
        # Only the options set: a job without any is the same bytes as before they existed.
        obj.update(self.copy_options.said())
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def to_go_flag_line(self) -> str:
        """The flag line the Go worker reads, for handing this job to one.

        ``--bucket B --schema S --tables a,b --date D --gzip [--granularity G] [--config C] [--truncate]
        [--force]``, every word quoted for a POSIX shell. The id has no Go equivalent and is left out.
        """
        base = Base.parse(self.base)
        if base.scheme != "s3" or base.prefix:
            raise _job_error(
                "base", f"the Go worker reads data at the root of an S3 bucket; {self.base!r} is not one"
            )
        if self.date is None:
            raise _job_error("date", "the Go worker needs a date; it cannot look for the latest data")
        if self.mode in (LoadMode.APPEND, LoadMode.UPSERT):
            raise _job_error(
                "mode",
                f"the Go worker cannot {self.mode.value}: it refreshes the date's hour or day, or truncates",
            )
        for name, value in self.copy_options.said().items():
            raise _job_error(
                name,
                f"the Go worker's flags cannot carry {COPY_KEYWORDS[name]} (this job sets {value!r}); it "
                "loads with its own COPY options, so send this job to rio instead",
            )
        assert base.bucket is not None
        words = ["--bucket", base.bucket, "--schema", self.schema, "--tables", ",".join(self.tables)]
        words += ["--date", format_data_date(self.date), "--gzip"]
        if self.granularity is not None:
            words += ["--granularity", self.granularity.value]
        if self.config is not None:
            config = self.config
            if config.startswith("file://"):
                config = config[len("file://") :]
            elif not config.startswith(("s3://", "/")):
                # The Go worker knows no base: a key becomes the URL it names.
                config = base.url(config)
            words += ["--config", config]
        if self.truncate:
            words.append("--truncate")
        if self.force:
            words.append("--force")
        return " ".join(shlex.quote(word) for word in words)


def parse_job(data: bytes | str, *, content_type: str | None = None) -> Job:
    """Read a job in any form rio accepts; never through a shell.

    The form is told by content: a ``content_type`` starting with ``text/plain``, or a payload that
    does not start with ``{``, is the Go tools' flag line; JSON with ``"version"`` is rio's job; other
    JSON is the later Go worker's job, maybe wrapped as ``{"current":{…},"remaining":[…]}``.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > MAX_JOB_BYTES:
            raise InvalidJob(f"job payload is {len(raw)} bytes; rio reads at most {MAX_JOB_BYTES}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJob(f"job payload is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    elif isinstance(data, str):
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise InvalidJob("job payload is not UTF-8 (it holds a lone surrogate)") from exc
        if size > MAX_JOB_BYTES:
            raise InvalidJob(f"job payload is {size} bytes; rio reads at most {MAX_JOB_BYTES}")
        text = data
    else:
        raise InvalidJob(f"job payload must be bytes or str, not {type(data).__name__}")
    if content_type is not None and not isinstance(content_type, str):
        raise InvalidJob(f"job content type must be a string, not {type(content_type).__name__}")
    if text.startswith("\ufeff"):
        raise InvalidJob("job payload starts with a UTF-8 byte order mark; send UTF-8 without one")
    if text.strip() == "":
        raise InvalidJob("job payload is empty")
    as_text = content_type is not None and content_type.strip().lower().startswith("text/plain")
    if as_text or not text.lstrip().startswith("{"):
        return _parse_flag_line(text)
    try:
        obj = _load_json(text)
    except _JSONProblem as exc:
        raise InvalidJob(f"job payload is not valid JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise InvalidJob(f"job payload must be a JSON object, not {_json_kind(obj)}")
    if "version" in obj:
        return _parse_rio_job(obj)
    return _parse_go_worker_job(obj)


def _parse_rio_job(obj: dict[str, object]) -> Job:
    for key in obj:
        if key not in _RIO_JOB_FIELDS:
            raise InvalidJob(f"job: unknown field {key!r}; a rio job has {', '.join(_RIO_JOB_FIELDS)}")
    version = obj["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version != CONTRACT_VERSION:
        raise _job_error(
            "version", f"this rio reads contract version {CONTRACT_VERSION}, not {_describe(version)}"
        )
    for key in ("base", "schema", "tables"):
        if key not in obj:
            raise _job_error(key, "is missing")
    fields: dict[str, Any] = {key: value for key, value in obj.items() if key != "version"}
    date = fields.get("date")
    if date is not None:
        if not isinstance(date, str):
            raise _job_error("date", f"must be an RFC 3339 string or null, not {_describe(date)}")
        fields["date"] = _date_for("date", date)
    return Job(**fields)


_GO_STRING_FLAGS = ("bucket", "schema", "tables", "date", "config", "granularity", "delimiter")
_GO_BOOL_FLAGS = ("gzip", "truncate", "force")
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_GO_JSON_STRINGS = (*_GO_STRING_FLAGS, "timezone", "streamStart", "streamEnd")
_GO_JSON_BOOLS = (*_GO_BOOL_FLAGS, "skipLoad")


def _go_bool(field: str, value: str) -> bool:
    """Go's strconv.ParseBool."""
    if value in _GO_TRUE:
        return True
    if value in _GO_FALSE:
        return False
    raise _job_error(
        field,
        f"{_clip(value)!r} is not a boolean Go reads (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, "
        "False)",
    )


def _parse_flag_line(text: str) -> Job:
    """Read the Go tools' flag line with Go's ``flag`` rules, split by POSIX rules and never run."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise InvalidJob(f"job flag line {_clip(text)!r} cannot be split: {exc}") from exc
    strings: dict[str, str] = {}
    flags: dict[str, bool] = {}
    known = ", ".join(f"--{name}" for name in (*_GO_STRING_FLAGS, *_GO_BOOL_FLAGS))
    index = 0
    date_end = -1
    rest: list[str] = []
    after_date = False
    while index < len(tokens):
        token = tokens[index]
        if token == "--":
            rest = tokens[index + 1 :]
            break
        if len(token) < 2 or not token.startswith("-"):
            rest = tokens[index:]
            after_date = index == date_end
            break
        body = token[2:] if token.startswith("--") else token[1:]
        if body == "" or body[0] in "-=":
            raise InvalidJob(f"job flag line: bad flag syntax {token!r}")
        name, has_value, value = body.partition("=")
        if name in _GO_BOOL_FLAGS:
            # Go's boolean flags take no separate value: '--force false' is '--force' and a stray 'false'.
            flags[name] = _go_bool(f"--{name}", value) if has_value else True
        elif name in _GO_STRING_FLAGS:
            if not has_value:
                index += 1
                if index == len(tokens):
                    raise InvalidJob(f"job flag line: flag {token} needs a value")
                value = tokens[index]
            strings[name] = value
            if name == "date":
                date_end = index + 1
        else:
            raise InvalidJob(f"job flag line: unknown flag {token!r}; rio reads {known}")
        index += 1
    if rest:
        _reject_stray(rest, strings.get("date", ""), after_date=after_date)
    return _job_from_go(strings, flags)


def _reject_stray(rest: list[str], date: str, *, after_date: bool) -> NoReturn:
    if after_date:
        # The Go rio's --date was time.String(), which a shell splits into four or five words.
        for count in (4, 3):
            candidate = " ".join([date, *rest[:count]])
            match = _GO_TIME_RE.fullmatch(candidate)
            if len(rest) >= count and match is not None:
                try:
                    problem = _go_time_problem(candidate, match)
                except InvalidDataDate as exc:
                    raise _job_error("date", str(exc)) from exc
                raise _job_error("date", problem)
    hint = ""
    if rest[0].startswith("{"):
        hint = "; it looks like JSON: send a JSON job with a content type other than text/plain"
    raise InvalidJob(
        f"job flag line: unexpected argument {_clip(rest[0])!r}; every value must follow its flag (Go's "
        f"flag package stopped at the first argument that is not a flag and ignored the rest){hint}"
    )


def _parse_go_worker_job(obj: dict[str, object]) -> Job:
    """Read the later Go worker's JSON: string values, booleans as JSON or ParseBool strings."""
    if "current" in obj:
        for key in obj:
            if key not in ("current", "remaining"):
                raise InvalidJob(
                    f"job: unknown field {key!r} beside 'current'; a wrapped job has current, remaining"
                )
        remaining = obj.get("remaining")
        if remaining is not None and not isinstance(remaining, list):
            raise _job_error("remaining", f"must be a list, not {_describe(remaining)}")
        current = obj["current"]
        if not isinstance(current, dict):
            raise _job_error("current", f"must be an object, not {_describe(current)}")
        obj = current
    strings: dict[str, str] = {}
    flags: dict[str, bool] = {}
    for key, value in obj.items():
        if key in _GO_JSON_BOOLS:
            # Go's JSON leaves a field at its zero value for null.
            if value is None or isinstance(value, bool):
                flags[key] = bool(value)
            elif isinstance(value, str):
                flags[key] = _go_bool(key, value)
            else:
                raise _job_error(
                    key, f"must be true, false or a string Go reads as one, not {_describe(value)}"
                )
        elif key in _GO_JSON_STRINGS:
            if value is None or isinstance(value, str):
                strings[key] = value or ""
            else:
                raise _job_error(key, f"must be a string, not {_describe(value)}")
        else:
            known = ", ".join((*_GO_JSON_STRINGS, *_GO_JSON_BOOLS))
            raise InvalidJob(f"job: unknown field {key!r}; the Go worker's job has {known}")
    zone = strings.pop("timezone", "")
    if zone not in ("", "UTC"):
        raise _job_error(
            "timezone", f"rio does not support the time zone {_clip(zone)!r}; its data dates are UTC"
        )
    for key in ("streamStart", "streamEnd"):
        if strings.pop(key, ""):
            raise _job_error(key, "rio does not support streamed loads (granularity 'stream')")
    if flags.pop("skipLoad", False):
        raise _job_error("skipLoad", "rio does not support skipping the load; send no job instead")
    return _job_from_go(strings, flags)


def _job_from_go(strings: dict[str, str], flags: dict[str, bool]) -> Job:
    """Build a Job from the Go tools' fields, with the Go worker's mode: truncate, else refresh."""
    for key in ("bucket", "schema", "tables"):
        if not strings.get(key):
            raise _job_error(key, f"is missing; the Go tools name it with --{key}")
    bucket = strings["bucket"]
    name = bucket.removeprefix("s3://").rstrip("/")
    if "/" in name:
        raise _job_error("bucket", f"{_clip(bucket)!r} must name a bucket, without a prefix")
    try:
        base = Base.parse(s3_url(name))
    except InvalidBase as exc:
        raise _job_error("bucket", str(exc)) from exc
    delimiter = strings.get("delimiter", "")
    if delimiter:
        raise _job_error("delimiter", f"{delimiter!r} means CSV data; rio loads JSON only, so leave it empty")
    date_text = strings.get("date", "")
    date = _date_for("date", date_text) if date_text else None
    granularity_text = strings.get("granularity", "")
    if granularity_text == "stream":
        raise _job_error("granularity", "rio does not support streamed loads (granularity 'stream')")
    granularity = _member("granularity", Granularity, granularity_text) if granularity_text else None
    truncate = flags.get("truncate", False)
    if not truncate and granularity is None:
        # The Go worker replaced the date's day when the table existed; re-runs rely on that.
        granularity = Granularity.DAY
    return Job(
        base=str(base),
        schema=strings["schema"],
        tables=tuple(strings["tables"].split(",")),
        date=date,
        config=strings.get("config") or None,
        mode=LoadMode.TRUNCATE if truncate else LoadMode.REFRESH,
        granularity=granularity,
        truncate=truncate,
        force=flags.get("force", False),
    )
