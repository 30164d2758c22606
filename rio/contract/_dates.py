"""Data dates: ``D``, the date in every data and config key's name, and the dates people type.

``D`` is RFC 3339 in UTC with whole seconds (``2026-11-21T10:15:00Z``). :func:`parse_data_date` reads
it strictly, as keys hold it; :func:`parse_date_argument` reads what a person or a Go tool typed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from rio.contract._messages import _clip, _describe
from rio.errors import InvalidDataDate

__all__ = ["data_date_now", "format_data_date", "parse_data_date", "parse_date_argument"]

_UTC = timezone.utc
_EXAMPLE_DATE = "2026-11-21T10:15:00Z"

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
