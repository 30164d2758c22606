"""Which schema, table and column names rio accepts.

rio always quotes identifiers in SQL, so reserved words are fine. What it refuses is any name that
Redshift would reject or silently change, because a name that changes on the way in can never be
matched again (the next load would try to add the column a second time):

- 1 to 127 bytes of UTF-8 (Redshift truncates longer names);
- a letter, ``_`` or a non-ASCII character first, then letters, digits, ``_``, ``$`` or non-ASCII;
- no ASCII capitals: Redshift folds even quoted names to lower case, PostgreSQL and DuckDB do not;
- for columns, none of the system column names every table already has.
"""

from __future__ import annotations

from rio.errors import InvalidIdentifier

MAX_IDENTIFIER_BYTES = 127

SYSTEM_COLUMNS = frozenset({"oid", "tableoid", "xmin", "cmin", "xmax", "cmax", "ctid"})


def _allowed_first(char: str) -> bool:
    return char == "_" or ("a" <= char <= "z") or ord(char) > 0x7F


def _allowed_next(char: str) -> bool:
    return _allowed_first(char) or char == "$" or ("0" <= char <= "9")


def identifier_problem(name: object, *, kind: str = "column") -> str | None:
    """Say why ``name`` cannot be a Redshift identifier of this kind, or return ``None``."""
    if not isinstance(name, str):
        return f"must be a string, not {type(name).__name__}"
    if name == "":
        return "is empty"
    size = len(name.encode("utf-8", errors="surrogatepass"))
    if size > MAX_IDENTIFIER_BYTES:
        return f"is {size} bytes long; Redshift allows at most {MAX_IDENTIFIER_BYTES} bytes"
    for position, char in enumerate(name):
        if "\ud800" <= char <= "\udfff":
            return f"holds a lone surrogate at position {position}"
        if "A" <= char <= "Z":
            return (
                f"holds the capital {char!r} at position {position}; Redshift folds names to lower "
                f"case, so write {name.lower()!r}"
            )
        allowed = _allowed_first(char) if position == 0 else _allowed_next(char)
        if not allowed:
            what = "start with" if position == 0 else "contain"
            return (
                f"cannot {what} {char!r} (position {position}); use a letter or '_' first, then "
                "letters, digits, '_' or '$'"
            )
    if kind == "column" and name in SYSTEM_COLUMNS:
        return f"is the name of a system column every table already has ({', '.join(sorted(SYSTEM_COLUMNS))})"
    return None


def check_identifier(name: object, *, kind: str = "column") -> str:
    """Return ``name`` if it is a valid identifier of this kind, else raise :class:`InvalidIdentifier`."""
    problem = identifier_problem(name, kind=kind)
    if problem is not None:
        raise InvalidIdentifier(f"{kind} name {name!r} {problem}.")
    assert isinstance(name, str)
    return name
