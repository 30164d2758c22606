"""The families of column types and their default values: how a default's literal reads for each
family (integer, decimal, float, boolean, character, date, time, timestamp, super), what it may be in
words, and whether a column of the family may be a key.

:mod:`rio.types` re-exports every public name here and keeps :func:`~rio.types.parse_default`, which
reads the type first.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeAlias

from rio._core import ColumnTypeInfo

__all__ = ["FAMILIES", "DefaultValue", "Family", "SqlFunction", "parse_timestamp_literal"]


# --- default values ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SqlFunction:
    """A default computed by SQL when the row is inserted, e.g. ``getdate()`` or ``current_date``."""

    name: str

    def __str__(self) -> str:
        return self.name


DefaultValue: TypeAlias = (
    bool | int | float | decimal.Decimal | str | dt.date | dt.datetime | dt.time | SqlFunction
)
"""A parsed default: a typed literal, or one of the allowed SQL functions."""


class _Rejected(Exception):
    """Why a default is not a literal of its type (turned into :class:`InvalidDefault`)."""


_BOOLEANS = {
    **dict.fromkeys(("true", "t", "yes", "y", "1"), True),
    **dict.fromkeys(("false", "f", "no", "n", "0"), False),
}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NOT_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_ZONE = r"(Z|[+-][0-9]{2}(?::?[0-9]{2})?)"
_TIME = re.compile(rf"([0-9]{{2}}):([0-9]{{2}})(?::([0-9]{{2}})(?:\.([0-9]{{1,6}}))?)?{_ZONE}?")
_TIMESTAMP = re.compile(
    rf"([0-9]{{4}})-([0-9]{{2}})-([0-9]{{2}})[ T]([0-9]{{2}}):([0-9]{{2}}):([0-9]{{2}})(?:\.([0-9]{{1,6}}))?"
    rf"{_ZONE}?"
)
_DATE_FUNCTIONS = frozenset({"current_date"})
_TIMESTAMP_FUNCTIONS = frozenset({"getdate()", "sysdate", "current_timestamp"})
#: The largest finite REAL (a 32-bit float).
_REAL_MAX = 3.4028234663852886e38
_INTEGER_RANGES = {
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}


def _unquote(raw: str) -> str:
    # The Go tools pasted the default verbatim after DEFAULT, so literals were often written quoted.
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        return raw[1:-1]
    return raw


def _zone(zone: str) -> dt.timezone:
    if zone == "Z":
        return dt.timezone.utc
    digits = zone[1:].replace(":", "")
    offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or "0"))
    try:
        return dt.timezone(-offset if zone[0] == "-" else offset)
    except ValueError as exc:
        raise _Rejected(f"its time zone {zone!r} is out of range ({exc})") from None


def _match_timestamp(text: str) -> tuple[dt.datetime, str | None]:
    """``YYYY-MM-DD[ T]HH:MM:SS[.ffffff][zone]`` as a naive datetime and the zone as written."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise _Rejected("it is not a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    micro = int(fraction.ljust(6, "0")) if fraction else 0
    try:
        return dt.datetime(year, month, day, hour, minute, second, micro), zone
    except ValueError as exc:
        raise _Rejected(f"it is not a real date and time ({exc})") from None


def parse_timestamp_literal(text: str) -> dt.datetime:
    """``YYYY-MM-DD[ T]HH:MM:SS[.ffffff]`` with an optional zone (``Z``, ``±HH``, ``±HHMM``, ``±HH:MM``):
    naive without a zone, aware with one. Raises ``ValueError`` saying what is wrong."""
    try:
        value, zone = _match_timestamp(text)
        return value if zone is None else value.replace(tzinfo=_zone(zone))
    except _Rejected as exc:
        raise ValueError(str(exc)) from None


def _default_boolean(kind: ColumnTypeInfo, written: str, raw: str) -> DefaultValue:
    value = _BOOLEANS.get(_unquote(raw).lower())
    if value is None:
        raise _Rejected("it is not a boolean literal")
    return value


def _default_integer(kind: ColumnTypeInfo, written: str, raw: str) -> DefaultValue:
    text = _unquote(raw)
    if not _INTEGER.fullmatch(text):
        raise _Rejected("it is not a whole number")
    low, high = _INTEGER_RANGES[kind.name]
    # Python refuses to convert very long digit strings; any that long is out of range anyway.
    if len(text.lstrip("+-").lstrip("0")) > 20 or not low <= int(text) <= high:
        raise _Rejected(f"it is outside the range of {written} ({low} to {high})")
    return int(text)


def _default_decimal(kind: ColumnTypeInfo, written: str, raw: str) -> DefaultValue:
    text = _unquote(raw)
    match = _DECIMAL.fullmatch(text)
    if match is None or not (match.group(2) or match.group(3)):
        raise _Rejected("it is not a decimal number such as 12.50 (no exponent)")
    precision, scale = kind.precision or 0, kind.scale or 0
    whole = match.group(2).lstrip("0")
    fraction = (match.group(3) or "").rstrip("0")
    if len(fraction) > scale:
        raise _Rejected(
            f"it has {len(fraction)} digit(s) after the point, and {kind.canonical} keeps {scale}"
        )
    if len(whole) > precision - scale:
        raise _Rejected(
            f"it has {len(whole)} digit(s) before the point, and {kind.canonical} holds at most "
            f"{precision - scale}"
        )
    return decimal.Decimal(text)


def _default_float(kind: ColumnTypeInfo, written: str, raw: str) -> DefaultValue:
    text = _unquote(raw)
    if _NOT_FINITE.fullmatch(text):
        raise _Rejected("NaN and infinity are not allowed")
    if not _NUMBER.fullmatch(text):
        raise _Rejected("it is not a decimal or scientific number")
    value = float(text)
    if not math.isfinite(value) or (kind.name == "real" and abs(value) > _REAL_MAX):
        raise _Rejected(f"it is too large for {kind.canonical}")
    return value


def _default_character(kind: ColumnTypeInfo, written: str, raw: str) -> DefaultValue:
    value = raw
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        inner = raw[1:-1]
        # Only a well-formed SQL literal body (every quote doubled) is unquoted; anything else is the
        # text itself, so no string is ever refused for its quotes.
        if "'" not in inner.replace("''", ""):
            value = inner.replace("''", "'")
    nul = value.find("\x00")
    if nul >= 0:
        raise _Rejected(f"it holds a NUL character (position {nul}), which Redshift cannot store")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise _Rejected(f"it is not valid Unicode text (a lone surrogate at position {exc.start})") from None
    if kind.name == "char" and size != len(value):
        wide = next(index for index, character in enumerate(value) if ord(character) > 0x7F)
        raise _Rejected(
            f"it holds {value[wide]!r} (position {wide}), a character of more than one byte, and a char "
            "column holds single-byte characters only; use varchar"
        )
    limit = kind.max_bytes
    if limit is not None and size > limit:
        raise _Rejected(
            f"it is {size} bytes of UTF-8, more than the {limit} {_article(written)} {written} column holds"
            f"{_wider_hint(kind, written)}"
        )
    return value


def _wider_hint(kind: ColumnTypeInfo, written: str) -> str:
    if written == "text":
        return "; use longtext for up to 65535 bytes"
    if kind.name == "varchar" and (kind.max_bytes or 0) < 65535:
        return "; use a wider varchar, up to varchar(65535)"
    if kind.name == "char":
        return "; use a wider char (up to char(4096)) or a varchar"
    return ""


def _default_date(kind: ColumnTypeInfo, written: str, raw: str) -> DefaultValue:
    if raw.lower() in _DATE_FUNCTIONS:
        return SqlFunction(raw.lower())
    match = _DATE.fullmatch(_unquote(raw))
    if match is None:
        raise _Rejected("it is not a date YYYY-MM-DD")
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise _Rejected(f"it is not a real date ({exc})") from None


def _default_time(kind: ColumnTypeInfo, written: str, raw: str) -> DefaultValue:
    match = _TIME.fullmatch(_unquote(raw))
    if match is None:
        raise _Rejected("it is not a time HH:MM:SS[.ffffff]")
    hour, minute, second, fraction, zone = match.groups()
    try:
        value = dt.time(int(hour), int(minute), int(second or 0), int((fraction or "").ljust(6, "0")))
    except ValueError as exc:
        raise _Rejected(f"it is not a real time of day ({exc})") from None
    if kind.name == "time":
        if zone is not None:
            raise _Rejected(f"it has the time zone {zone!r}, but the column is time without time zone")
        return value
    if zone is None:
        raise _Rejected("it has no offset, and a timetz default needs one (Z, +HH, +HHMM or +HH:MM)")
    return value.replace(tzinfo=_zone(zone))


def _default_timestamp(kind: ColumnTypeInfo, written: str, raw: str) -> DefaultValue:
    if raw.lower() in _TIMESTAMP_FUNCTIONS:
        return SqlFunction(raw.lower())
    value, zone = _match_timestamp(_unquote(raw))
    if kind.name == "timestamp":
        if zone is not None:
            raise _Rejected(f"it has the time zone {zone!r}, but the column is timestamp without time zone")
        return value
    if zone is None:
        raise _Rejected(
            "it has no offset, and a timestamptz default needs one (Z, +HH, +HHMM or +HH:MM), so that it "
            "names one instant"
        )
    return value.replace(tzinfo=_zone(zone))


def _default_super(kind: ColumnTypeInfo, written: str, raw: str) -> DefaultValue:
    raise _Rejected(
        "a super column takes no default (a SUPER value is built from JSON, never from a literal); "
        "leave defaultval out"
    )


def _accepted_integer(kind: ColumnTypeInfo) -> str:
    low, high = _INTEGER_RANGES[kind.name]
    return f"a whole number from {low} to {high}, optionally in single quotes"


def _accepted_decimal(kind: ColumnTypeInfo) -> str:
    precision, scale = kind.precision or 0, kind.scale or 0
    return (
        f"a decimal number with at most {precision - scale} digit(s) before the point and {scale} after it, "
        "such as 12.50, optionally in single quotes"
    )


def _accepted_character(kind: ColumnTypeInfo) -> str:
    if kind.max_bytes is None:
        return "any text without NUL, optionally as a SQL string literal"
    if kind.name == "char":
        return (
            f"text of at most {kind.max_bytes} single-byte characters without NUL, optionally as a SQL "
            "string literal"
        )
    return (
        f"any text of at most {kind.max_bytes} bytes of UTF-8 without NUL, optionally as a SQL string literal"
    )


def _accepted_time(kind: ColumnTypeInfo) -> str:
    if kind.name == "time":
        return "a time HH:MM:SS[.ffffff] with no time zone, optionally in single quotes"
    return "a time HH:MM:SS[.ffffff] and its offset (Z, +HH, +HHMM or +HH:MM), optionally in single quotes"


def _accepted_timestamp(kind: ColumnTypeInfo) -> str:
    if kind.name == "timestamp":
        return (
            "YYYY-MM-DD HH:MM:SS[.ffffff] with a space or T and no time zone, optionally in single quotes, "
            "or getdate(), sysdate or current_timestamp"
        )
    return (
        "YYYY-MM-DD HH:MM:SS[.ffffff] with a space or T and its offset (Z, +HH, +HHMM or +HH:MM), optionally "
        "in single quotes, or getdate(), sysdate or current_timestamp"
    )


def _accepted_nothing(kind: ColumnTypeInfo) -> str:
    return "no default: leave defaultval out"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeio" else "a"


# --- the families ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """The rules of one family of types (named as the core names them).

    ``default`` parses a default value's literal (a type, the type as written, the raw text) or
    raises; ``accepted`` says what a default may be, for messages. ``keyable``: whether a column of
    the family may be a DISTKEY or SORTKEY (Redshift refuses SUPER).
    """

    name: str
    default: Callable[[ColumnTypeInfo, str, str], DefaultValue] = field(repr=False)
    accepted: Callable[[ColumnTypeInfo], str] = field(repr=False)
    keyable: bool = True


FAMILIES: Mapping[str, Family] = MappingProxyType(
    {
        family.name: family
        for family in (
            Family("integer", _default_integer, _accepted_integer),
            Family("decimal", _default_decimal, _accepted_decimal),
            Family(
                "float",
                _default_float,
                lambda kind: (
                    "a finite decimal or scientific number such as 1.5 or -2e10, optionally in single quotes"
                ),
            ),
            Family(
                "boolean",
                _default_boolean,
                lambda kind: (
                    "true, false, t, f, yes, no, y, n, 1 or 0 in any case, optionally in single quotes"
                ),
            ),
            Family("character", _default_character, _accepted_character),
            Family(
                "date",
                _default_date,
                lambda kind: "a date YYYY-MM-DD, optionally in single quotes, or current_date",
            ),
            Family("time", _default_time, _accepted_time),
            Family("timestamp", _default_timestamp, _accepted_timestamp),
            Family("super", _default_super, _accepted_nothing, keyable=False),
        )
    }
)
