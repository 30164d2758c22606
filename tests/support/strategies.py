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
    st.text(max_size=300).filter(lambda text: "\x00" not in text),
)

#: Values near the edges of each column type: None, booleans, integers in and out of 32 and 64 bits,
#: floats, and :data:`EDGE_STRINGS`.
EDGE_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.sampled_from([2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    EDGE_STRINGS,
)
