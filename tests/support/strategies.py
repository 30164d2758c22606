"""Hypothesis strategies shared by tests that check two parts of rio against each other."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rio.contract import check_destination
from rio.errors import ReservedName


def reserved(name: str) -> bool:
    """Whether ``name``, as a schema and as a table, is a destination rio refuses (a system schema's or
    the ledger's name): strategies of destination names leave those out."""
    try:
        check_destination(name, name)
    except ReservedName:
        return True
    return False


#: Strings near the edges of each column type: built from the characters numbers, booleans, dates and
#: timestamps are written with, the typed forms themselves, blanks, and any text.
EDGE_STRINGS = st.one_of(
    st.text(alphabet="0123456789+-.eE: TtZzfalsruyno", max_size=30),
    st.dates().map(str),
    st.builds(lambda moment, sep: moment.isoformat(sep=sep), st.datetimes(), st.sampled_from("T ")),
    st.sampled_from(["", " ", " 1 ", "1e400", "0x10", "2026-02-29", "2024-02-29", "24:00:00", "y", "NaN"]),
    # Numbers assembled from their parts: blanks, a sign, digits, a point, an exponent.
    st.builds(
        "".join,
        st.tuples(
            st.sampled_from(["", " ", "\t"]),
            st.sampled_from(["", "+", "-"]),
            st.text("0123456789", max_size=21),
            st.sampled_from(["", ".", ".5", ".000"]),
            st.sampled_from(["", "e3", "E-2", "e+400", "e"]),
            st.sampled_from(["", " ", "\n"]),
        ),
    ),
    # Dates and times assembled from fields of any width and separators Redshift might take.
    st.builds(
        lambda y, m, d, sep, h, mi, sec, frac, zone: f"{y}-{m}-{d}{sep}{h}:{mi}{sec}{frac}{zone}",
        st.sampled_from(["2026", "1969", "0001", "9999", "10000", "26", "0000"]),
        st.sampled_from(["11", "1", "02", "13", "00"]),
        st.sampled_from(["21", "1", "29", "30", "31", "32", "00"]),
        st.sampled_from(["T", " ", "t", "  "]),
        st.sampled_from(["10", "0", "23", "24", "1"]),
        st.sampled_from(["15", "5", "59", "60"]),
        st.sampled_from(["", ":00", ":7", ":59", ":60", ":61"]),
        st.sampled_from(["", ".1", ".123456", ".1234567", "."]),
        st.sampled_from(["", "Z", "z", "+01", "+0130", "+01:30", "-15", "-16", " UTC", "+5"]),
    ),
    st.builds(
        lambda y, m, d, blank: f"{blank}{y}-{m}-{d}{blank}",
        st.sampled_from(["2026", "2024", "1900", "0001", "10000", "26"]),
        st.sampled_from(["02", "2", "12", "13", "0"]),
        st.sampled_from(["28", "29", "30", "31", "1", "00"]),
        st.sampled_from(["", " "]),
    ),
    # Times of day, with and without zones, at the edges of time and timetz.
    st.builds(
        lambda h, m, sec, frac, zone: f"{h}:{m}{sec}{frac}{zone}",
        st.sampled_from(["00", "10", "23", "24", "25", "1"]),
        st.sampled_from(["00", "15", "59", "60"]),
        st.sampled_from(["", ":00", ":59", ":60", ":1"]),
        st.sampled_from(["", ".5", ".000001", ".9999995", "."]),
        st.sampled_from(["", "Z", " UTC", "+05:30", "-08", "+1459", "+14:59", "+15", "-1500", " PST"]),
    ),
    st.sampled_from(["101500", "240000", "235959.999999", "1015", "10:15:00 utc"]),
    # Timestamps whose offset moves them across the first or last year a timestamptz holds.
    st.builds(
        lambda moment, zone: f"{moment}{zone}",
        st.sampled_from(
            ["0001-01-01 00:30:00", "0001-01-01", "9999-12-31 23:30:00", "2026-11-21T10:15:00.5"]
        ),
        st.sampled_from(["", "Z", "+01", "-01", "+15:59", "-0130"]),
    ),
    # Decimals near the 64-bit and 128-bit limits of numeric(p,s), and halves for ROUNDEC.
    st.sampled_from(
        [
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775807",
            "9.223372036854775807",
            "9.223372036854775808",
            "9" * 38,
            "1" + "0" * 38,
            "0." + "9" * 38,
            "999.995",
            "999.994",
            "-0.005",
            "0.5",
            "1e-400",
        ]
    ),
    # Text at the edges of char and varchar: trailing blanks, multibyte characters, noncharacters.
    st.builds(
        lambda text, blanks: text + " " * blanks,
        st.sampled_from(["", "a", "abc", "ab\t", "é", "😀", "\ufdd0", "\uffff", "\U0010fffe"]),
        st.integers(min_value=0, max_value=6),
    ),
    st.text(max_size=300).filter(lambda text: "\x00" not in text),
)

#: Values near the edges of each column type: None, booleans, integers in and out of 16, 32 and 64
#: bits, floats, and :data:`EDGE_STRINGS`.
EDGE_SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.sampled_from(
        [
            2**15 - 1,
            2**15,
            -(2**15),
            -(2**15) - 1,
            2**31 - 1,
            2**31,
            -(2**31),
            -(2**31) - 1,
            2**63 - 1,
            2**63,
            -(2**63),
            -(2**63) - 1,
            1700000000,
            1700000000123,
            253402300800,
        ]
    ),
    st.floats(allow_nan=False, allow_infinity=False),
    EDGE_STRINGS,
)

#: Nested JSON values (objects and arrays of edge scalars), for SUPER and for text holding JSON.
EDGE_DOCUMENTS: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        EDGE_STRINGS,
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=5), children, max_size=4
        ),
    ),
    max_leaves=8,
)

#: Values near the edges of every column type: :data:`EDGE_SCALARS` and :data:`EDGE_DOCUMENTS`.
EDGE_VALUES: st.SearchStrategy[Any] = st.one_of(EDGE_SCALARS, EDGE_DOCUMENTS)

#: JSON number texts as they may be written in a row: signs, leading zeros, fractions, exponents far
#: beyond any float, many digits.
JSON_NUMBERS: st.SearchStrategy[str] = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(["", "-"]),
        st.sampled_from(["0", "1", "9", "32767", "32768", "2147483648", "9223372036854775808"])
        | st.text("123456789", min_size=1, max_size=1).flatmap(
            lambda first: st.text("0123456789", max_size=40).map(lambda rest: first + rest)
        ),
        st.sampled_from(["", ".0", ".5", ".005", ".9999995", "." + "9" * 39]),
        st.sampled_from(["", "e0", "E3", "e-3", "e+400", "e-400", "e18", "e-38"]),
    ),
)

#: Strings holding a NUL character, which no warehouse rio loads can store in text.
NUL_STRINGS: st.SearchStrategy[str] = st.builds(
    lambda a, b: f"{a}\x00{b}", st.text(max_size=5), st.text(max_size=5)
)
