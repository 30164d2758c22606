"""Key names: run ids, data parts, data keys in both of the Go worker's layouts, and load configs.

Keys are relative to a base (:mod:`rio.contract._bases` roots them). Every key rio builds passes
:func:`check_key` and names a destination :func:`~rio.contract.check_destination` allows; every key
rio reads is parsed strictly, so a listing's other files are never mistaken for a table's.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rio._identifiers import check_identifier, identifier_problem
from rio.contract._dates import _D_PATTERN, _UTC, _to_utc, format_data_date, parse_data_date
from rio.contract._destinations import check_destination
from rio.contract._messages import _clip, _describe
from rio.errors import InvalidDataDate, InvalidKey

__all__ = [
    "DATA_SUFFIXES",
    "LAYOUTS",
    "MAX_KEY_BYTES",
    "DataKey",
    "PartKey",
    "candidate_config_keys",
    "candidate_data_keys",
    "check_key",
    "config_key",
    "data_key",
    "is_run_id",
    "latest_data_key",
    "listing_prefixes",
    "manifest_key",
    "new_run_id",
    "parse_config_key",
    "parse_data_key",
    "parse_part_key",
    "part_key",
    "partition_prefix",
]

#: The Go worker's probe order for one date's data; a manifest wins over bare data files.
DATA_SUFFIXES: tuple[str, ...] = ("manifest", "json.gz", "json")
#: Where a date's data may sit, in order of preference.
LAYOUTS: tuple[str, ...] = ("flat", "partitioned")
#: S3's limit on the length of a key.
MAX_KEY_BYTES = 1024

_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


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


# --- keys ------------------------------------------------------------------------------------------


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
