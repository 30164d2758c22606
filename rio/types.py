"""Column types: the one table of what Python needs to know about each type.

rio's column types are every type Redshift's ``COPY … FORMAT AS JSON`` can load — smallint, integer,
bigint, decimal(p,s), real, double precision, boolean, char(n), varchar(n), date, time, timetz,
timestamp, timestamptz and super — and the Go tools' names beside their SQL spellings (``boolean``,
``float``, ``int``, ``bigint``, ``date``, ``timestamp``, ``text`` = varchar(256), ``longtext`` =
varchar(65535)). Who owns what:

- **The core reads every name.** :func:`column_type` asks ``rio._core.parse_column_type`` — spellings,
  aliases, parameters and their ranges, and the refusal of types COPY cannot load from JSON all live
  there, with the per-type rules for which JSON values COPY accepts and how they convert (the packer's
  checks and the emulated COPY share that code). Nothing in Python reads a type's name itself.
- **This table holds what only Python needs,** keyed by the core's answers: :data:`TYPES` (one row per
  type name) and :data:`FAMILIES` (one per family: integer, decimal, float, boolean, character, date,
  time, timestamp, super) give each type's DDL on every warehouse, how each warehouse prints it back,
  a default value's literal rules (:func:`parse_default`), and the JSON inputs COPY accepts (for the
  README and for hints); :data:`REDSHIFT`, :data:`POSTGRES` and :data:`DUCKDB` apply them per warehouse,
  with what the schema diff may widen there; :func:`inferred_varchar` and :func:`inferred_decimal` are
  the sizes inference gives what it finds.

``rio.config``, the adapters, the schema planner and inference ask this module; none keeps a copy of a
type rule. Spellings: a config keeps a type as written (``DECIMAL(12, 2)`` stays so in its YAML); the
rest of rio speaks the core's canonical spelling (``numeric(12,2)``), which is what a table's columns
hold, what the emulated COPY is given, and what DDL is built from.

The default values' literal rules and the families that hold them live in :mod:`rio._type_families`;
each of their public names is public here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from types import MappingProxyType

from rio._core import ColumnTypeInfo, parse_column_type
from rio._type_families import (
    FAMILIES,
    DefaultValue,
    Family,
    SqlFunction,
    _article,
    _Rejected,
    parse_timestamp_literal,
)
from rio.errors import InvalidDefault, UnsupportedType

__all__ = [
    "DUCKDB",
    "FAMILIES",
    "GO_NAMES",
    "POSTGRES",
    "REDSHIFT",
    "TYPES",
    "WAREHOUSES",
    "ColumnTypeInfo",
    "DefaultValue",
    "Family",
    "SqlFunction",
    "TypeRules",
    "WarehouseTypes",
    "accepted_defaults",
    "canonical",
    "column_type",
    "config_spelling",
    "inferred_decimal",
    "inferred_varchar",
    "markdown_table",
    "parse_default",
    "parse_timestamp_literal",
]

#: The Go tools' type names, which configs keep using beside the SQL spellings.
GO_NAMES = ("boolean", "float", "int", "bigint", "date", "timestamp", "text", "longtext")


# --- reading a type's name: the core's job ---------------------------------------------------------


@lru_cache(maxsize=4096)
def _read(spec: str, warehouse: bool) -> ColumnTypeInfo:
    return parse_column_type(spec, warehouse=warehouse)


def column_type(spec: object, *, warehouse: bool = False) -> ColumnTypeInfo:
    """What the core reads from a type's name: as a config writes it, or (``warehouse=True``) as a
    warehouse reports an existing column's (where a bare ``text`` has no width).

    Raises :class:`~rio.errors.UnsupportedType` saying why, with the allowed range.
    """
    if isinstance(spec, Enum):
        spec = spec.value  # rio.config.ColumnType
    if not isinstance(spec, str):
        raise UnsupportedType(
            f"a column type is a string such as 'bigint' or 'varchar(32)', not {type(spec).__name__}"
        )
    return _read(str(spec), warehouse)


def canonical(spec: object, *, warehouse: bool = False) -> str:
    """The one spelling rio uses for a type everywhere but in configs (``numeric(12,2)``, ``varchar(32)``)."""
    return column_type(spec, warehouse=warehouse).canonical


@lru_cache(maxsize=1)
def _go_spellings() -> Mapping[str, str]:
    return MappingProxyType({column_type(name).canonical: name for name in GO_NAMES})


def config_spelling(kind: ColumnTypeInfo) -> str:
    """How a config writes ``kind``: its Go name where it has one (``int``, ``float``, ``text``,
    ``longtext``, …), else its canonical SQL spelling (``numeric(12,2)``, ``varchar(512)``, ``super``)."""
    return _go_spellings().get(kind.canonical, kind.canonical)


# --- the table ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeRules:
    """One type's row of the table, keyed by the core's name of the type (``numeric``, ``varchar``, …).

    ``spellings`` is how a config may write the type (documentation: the core reads them, and a test
    checks that it reads each as this type). The DDL and printed templates take ``{p}``, ``{s}`` (a
    numeric's precision and scale) and ``{n}`` (a character type's width in bytes): ``redshift``,
    ``postgres`` and ``duckdb`` are the DDL; ``printed_*`` is how each warehouse's catalogue prints the
    type back (``format_type`` on Redshift and PostgreSQL, ``information_schema.columns.data_type`` on
    DuckDB). ``json_inputs`` is what COPY's ``JSON 'auto'`` accepts for it.
    """

    name: str
    family: str
    spellings: str
    redshift: str
    postgres: str
    duckdb: str
    printed_redshift: str
    printed_postgres: str
    printed_duckdb: str
    json_inputs: str


_WHOLE = (
    "a whole number from {low} to {high} in digits: a JSON number or a string of one, blanks around it "
    "allowed (`42.0` and `1e3` are refused)"
)
_CUT = "cut at a character boundary with TRUNCATECOLUMNS, else refused"

TYPES: Mapping[str, TypeRules] = MappingProxyType(
    {
        rules.name: rules
        for rules in (
            TypeRules(
                "smallint", "integer", "`smallint`, `int2`",
                "smallint", "smallint", "smallint",
                "smallint", "smallint", "SMALLINT",
                _WHOLE.format(low=-(2**15), high=2**15 - 1),
            ),
            TypeRules(
                "integer", "integer", "`integer`, `int`, `int4`",
                "integer", "integer", "integer",
                "integer", "integer", "INTEGER",
                _WHOLE.format(low=-(2**31), high=2**31 - 1),
            ),
            TypeRules(
                "bigint", "integer", "`bigint`, `int8`",
                "bigint", "bigint", "bigint",
                "bigint", "bigint", "BIGINT",
                _WHOLE.format(low=-(2**63), high=2**63 - 1),
            ),
            TypeRules(
                "numeric", "decimal", "`decimal(p,s)`, `numeric(p,s)` (p ≤ 38; `decimal` is (18,0))",
                "numeric({p},{s})", "numeric({p},{s})", "decimal({p},{s})",
                "numeric({p},{s})", "numeric({p},{s})", "DECIMAL({p},{s})",
                "a JSON number or a string of one (`12.5`, `\"1.5e3\"`), never through a float; digits past "
                "the scale are cut (rounded with ROUNDEC); too many before the point are refused",
            ),
            TypeRules(
                "real", "float", "`real`, `float4`",
                "real", "real", "real",
                "real", "real", "FLOAT",
                "a JSON number or a string of one, finite and within ±3.4e38",
            ),
            TypeRules(
                "double precision", "float", "`double precision`, `float8`, `float`",
                "double precision", "double precision", "double",
                "double precision", "double precision", "DOUBLE",
                "a JSON number or a string of one, finite (not NaN or Infinity)",
            ),
            TypeRules(
                "boolean", "boolean", "`boolean`, `bool`",
                "boolean", "boolean", "boolean",
                "boolean", "boolean", "BOOLEAN",
                "`true`, `false`, `1`, `0`, or a string `t`, `true`, `y`, `yes`, `1`, `f`, `false`, `n`, "
                "`no`, `0` in any case",
            ),
            TypeRules(
                "char", "character", "`char(n)`, `character(n)`, `nchar(n)`, `bpchar` (n ≤ 4096 bytes)",
                "char({n})", "char({n})", "varchar",
                "character({n})", "character({n})", "VARCHAR",
                f"a string of single-byte characters, at most n bytes ({_CUT}); other values as their JSON "
                "text",
            ),
            TypeRules(
                "varchar", "character",
                "`varchar(n)`, `character varying(n)`, `nvarchar(n)` (n ≤ 65535 bytes), `text` = "
                "varchar(256), `longtext` = varchar(65535)",
                "varchar({n})", "varchar({n})", "varchar",
                "character varying({n})", "character varying({n})", "VARCHAR",
                f"a string of at most n bytes of UTF-8 ({_CUT}); numbers, booleans, objects and arrays as "
                "their compact JSON text",
            ),
            TypeRules(
                # A warehouse's own text without a width (PostgreSQL's text, DuckDB's VARCHAR); a config
                # cannot name it, and Redshift has none (its widest VARCHAR stands in).
                "text", "character", "a warehouse's text without a width (not a config type)",
                "varchar(65535)", "text", "varchar",
                "character varying(65535)", "text", "VARCHAR",
                "any string; numbers, booleans, objects and arrays as their compact JSON text",
            ),
            TypeRules(
                "date", "date", "`date`",
                "date", "date", "date",
                "date", "date", "DATE",
                "a string DATEFORMAT reads (`'auto'`: `2026-11-21`, `21.11.2026`, `20261121`, month names, "
                "…); a time part is dropped",
            ),
            TypeRules(
                "time", "time", "`time`, `time without time zone`",
                "time", "time", "time",
                "time without time zone", "time without time zone", "TIME",
                "a string `HH:MI[:SS[.ffffff]]`; a zone written in it is ignored",
            ),
            TypeRules(
                "timetz", "time", "`timetz`, `time with time zone`",
                "timetz", "timetz", "timetz",
                "time with time zone", "time with time zone", "TIME WITH TIME ZONE",
                "a string `HH:MI[:SS[.ffffff]]` with an offset (`+02`, `Z`) or a zone name; without one, UTC",
            ),
            TypeRules(
                "timestamp", "timestamp", "`timestamp`, `timestamp without time zone`",
                "timestamp", "timestamp", "timestamp",
                "timestamp without time zone", "timestamp without time zone", "TIMESTAMP",
                "a string TIMEFORMAT reads (`'auto'`: ISO 8601 with `T` or a space, fractions, and the other "
                "documented forms), or epoch seconds or milliseconds with `'epochsecs'`/`'epochmillisecs'`; "
                "a zone written in the text is ignored",
            ),
            TypeRules(
                "timestamptz", "timestamp", "`timestamptz`, `timestamp with time zone`",
                "timestamptz", "timestamptz", "timestamptz",
                "timestamp with time zone", "timestamp with time zone", "TIMESTAMP WITH TIME ZONE",
                "as timestamp, and an offset or zone name converts the instant to UTC; without one, UTC",
            ),
            TypeRules(
                "super", "super", "`super`",
                "super", "jsonb", "json",
                "super", "jsonb", "JSON",
                "any JSON value — object, array, string, number, boolean — kept as a value, at most 16 MB",
            ),
        )
    }
)  # fmt: skip
"""Each type's row, keyed by the core's name of the type."""


def _fill(template: str, kind: ColumnTypeInfo) -> str:
    return template.format(p=kind.precision, s=kind.scale, n=kind.max_bytes)


def parse_default(column_type_spec: object, raw: str, *, warehouse: bool = False) -> DefaultValue:
    """Parse the default ``raw`` of a column of type ``column_type_spec`` into a typed value.

    Returns a ``bool``, ``int``, ``float``, ``decimal.Decimal``, ``datetime.date``, naive or aware
    ``datetime.datetime``, ``datetime.time``, ``str`` or a :class:`SqlFunction`. Literals may be
    wrapped in one pair of single quotes; a text default written as a SQL string literal (``'it''s'``)
    is unquoted, so ``"''"`` is the empty string. ``warehouse=True`` reads the type as a warehouse
    reports it (a bare ``text`` without a width).

    Raises :class:`~rio.errors.InvalidDefault` saying why and what is accepted, and
    :class:`~rio.errors.UnsupportedType` for a type that is not one.
    """
    kind = column_type(column_type_spec, warehouse=warehouse)
    if not isinstance(raw, str):
        raise TypeError(f"a raw default must be a str, not {type(raw).__name__}")
    spec = column_type_spec.value if isinstance(column_type_spec, Enum) else column_type_spec
    written = str(spec).strip()
    family = FAMILIES[kind.family]
    try:
        return family.default(kind, written, raw)
    except _Rejected as exc:
        raise InvalidDefault(
            f"{raw!r} is not a valid default for {_article(written)} {written} column: {exc}. "
            f"Accepted: {family.accepted(kind)}."
        ) from None


def accepted_defaults(column_type_spec: object) -> str:
    """What a default of a column of this type may be, in words."""
    kind = column_type(column_type_spec)
    return FAMILIES[kind.family].accepted(kind)


# --- the warehouses ----------------------------------------------------------------------------------

_PRECISION_OF_TIME = re.compile(r"(time|timetz|timestamp|timestamptz)\s*\(\s*\d+\s*\)(.*)")


@dataclass(frozen=True)
class WarehouseTypes:
    """The table applied to one warehouse: DDL, what its catalogue prints, what the schema diff may widen.

    ``aliases`` maps names the catalogue prints (in lower case) that the core does not read as meant
    there — PostgreSQL's width-less ``character varying`` is text without a width, DuckDB's ``FLOAT``
    is a REAL — to canonical spellings. ``keeps_widths``: whether VARCHAR/CHAR widths exist in the
    warehouse (DuckDB's do not: the emulated COPY enforces them). ``widens_varchar`` and
    ``widens_decimal_precision``: what ``ALTER COLUMN … TYPE`` may change in a load.
    """

    name: str
    ddl_of: Callable[[TypeRules], str] = field(repr=False)
    printed_of: Callable[[TypeRules], str] = field(repr=False)
    aliases: Mapping[str, str] = field(repr=False)
    keeps_widths: bool = True
    widens_varchar: bool = True
    widens_decimal_precision: bool = False
    lower_unknown: bool = False

    def ddl(self, kind: ColumnTypeInfo | str, *, warehouse: bool = True) -> str:
        """The type in this warehouse's CREATE TABLE (a canonical spelling, or a config's with
        ``warehouse=False``)."""
        if isinstance(kind, str):
            kind = column_type(kind, warehouse=warehouse)
        return _fill(self.ddl_of(TYPES[kind.name]), kind)

    def printed(self, kind: ColumnTypeInfo) -> str:
        """How this warehouse's catalogue prints a column of type ``kind``."""
        return _fill(self.printed_of(TYPES[kind.name]), kind)

    def read(self, printed: str) -> str:
        """The canonical spelling of a type as this warehouse's catalogue (or driver) prints it.

        A type rio does not have (``uuid``, an array, …) comes back as printed, so that a message can
        show it and the emulated COPY refuses it by name.
        """
        text = " ".join(printed.split())
        folded = text.lower()
        if folded in self.aliases:
            return self.aliases[folded]
        # A fractional-second precision (``timestamp(3) without time zone``) is the warehouse's own
        # rounding of what COPY writes; the type is the same.
        folded = _PRECISION_OF_TIME.sub(r"\1\2", folded)
        try:
            return column_type(folded, warehouse=True).canonical
        except UnsupportedType:
            return folded if self.lower_unknown else text

    def holds(self, have: ColumnTypeInfo, want: ColumnTypeInfo) -> bool:
        """Whether a column of type ``have`` takes every value of a config's ``want`` as it is.

        The same type does; so does a width-less text for any character type (COPY enforces the
        config's width), a wider VARCHAR for a VARCHAR, and a DECIMAL of more precision and the same
        scale for a DECIMAL.
        """
        if have == want:
            return True
        if have.canonical == "text":
            return want.family == "character"
        if have.name == want.name == "varchar":
            return (have.max_bytes or 0) >= (want.max_bytes or 0)
        if have.name == want.name == "numeric":
            return have.scale == want.scale and (have.precision or 0) >= (want.precision or 0)
        return False

    def widens(self, have: ColumnTypeInfo, want: ColumnTypeInfo) -> bool:
        """Whether this warehouse's ``ALTER COLUMN … TYPE`` may turn a column of ``have`` into ``want``:
        a wider VARCHAR, or (where allowed) a DECIMAL of more precision and the same scale."""
        if have.name == want.name == "varchar":
            return self.widens_varchar and (want.max_bytes or 0) > (have.max_bytes or 0)
        if have.name == want.name == "numeric":
            return (
                self.widens_decimal_precision
                and have.scale == want.scale
                and (want.precision or 0) > (have.precision or 0)
            )
        return False


_POSTGRES_ALIASES = {
    # Width-less character types hold any length in PostgreSQL (a bare VARCHAR is varchar(256) only in
    # a config and on Redshift).
    "character varying": "text",
    "varchar": "text",
    "bpchar": "text",
    "json": "super",
    "jsonb": "super",
}

REDSHIFT = WarehouseTypes(
    "redshift",
    ddl_of=lambda rules: rules.redshift,
    printed_of=lambda rules: rules.printed_redshift,
    aliases=MappingProxyType({}),
    # ALTER COLUMN TYPE on Redshift changes a VARCHAR's size and nothing else.
    widens_decimal_precision=False,
)
POSTGRES = WarehouseTypes(
    "postgres",
    ddl_of=lambda rules: rules.postgres,
    printed_of=lambda rules: rules.printed_postgres,
    aliases=MappingProxyType(_POSTGRES_ALIASES),
    widens_decimal_precision=True,
)
DUCKDB = WarehouseTypes(
    "duckdb",
    ddl_of=lambda rules: rules.duckdb,
    printed_of=lambda rules: rules.printed_duckdb,
    aliases=MappingProxyType(
        {"varchar": "text", "json": "super", "float": "real", "double": "double precision"}
    ),
    keeps_widths=False,
    widens_varchar=False,
    widens_decimal_precision=True,
    lower_unknown=True,
)

WAREHOUSES: Mapping[str, WarehouseTypes] = MappingProxyType(
    {warehouse.name: warehouse for warehouse in (REDSHIFT, POSTGRES, DUCKDB)}
)
"""The table applied to each warehouse rio ships an adapter for, by adapter type."""


# --- inference's sizes ---------------------------------------------------------------------------

#: The narrowest VARCHAR inference creates: Redshift's own default width (a config's ``text``).
_INFERRED_VARCHAR_MIN = 256
_VARCHAR_MAX = 65535
_DECIMAL_MAX = 38
#: The least precision inference gives a DECIMAL: Redshift's default, ``decimal`` alone.
_INFERRED_DECIMAL_MIN = 18


def inferred_varchar(longest: int) -> int:
    """The VARCHAR width inference gives a column whose longest value has ``longest`` bytes of UTF-8.

    The rule, with headroom for the next load: the smallest power of two that is at least 1.5 times
    the longest value, but at least 256 (Redshift's default width) and at most 65535 (its widest
    VARCHAR, which any value of more than 21845 bytes gets). A value longer than 65535 bytes fits no
    VARCHAR: the caller refuses it, or truncates it to 65535.
    """
    wanted = -(-3 * max(longest, 0) // 2)  # 1.5 times the longest, rounded up
    width = _INFERRED_VARCHAR_MIN
    while width < wanted:
        width *= 2
    return min(width, _VARCHAR_MAX)


def inferred_decimal(whole_digits: int, scale: int) -> ColumnTypeInfo | None:
    """The DECIMAL inference gives values with at most ``whole_digits`` digits before the point and
    exactly ``scale`` after it: ``decimal(p,scale)`` with p the digits they need but at least 18
    (Redshift's default precision, room to grow) — or None when more than 38 digits are needed.

    Never 19: Redshift stores a precision of 19 or less in 64 bits, so 19 digits such as
    9223372036854776.000 overflow ``decimal(19,3)``; such values get 20."""
    needed = whole_digits + scale
    if needed > _DECIMAL_MAX or scale < 0:
        return None
    precision = min(max(needed, _INFERRED_DECIMAL_MIN), _DECIMAL_MAX)
    if precision == 19:
        precision = 20
    return column_type(f"numeric({precision},{scale})")


# --- the README's table ------------------------------------------------------------------------------


def markdown_table() -> str:
    """The README's table of types: config name → Redshift → PostgreSQL → DuckDB → accepted JSON inputs."""
    lines = [
        "| config type | Redshift | PostgreSQL | DuckDB | JSON values COPY loads into it |",
        "|---|---|---|---|---|",
    ]
    for rules in TYPES.values():
        if rules.name == "text":
            continue  # a warehouse's own type, which configs cannot name
        redshift, postgres, duckdb = (
            template.format(p="p", s="s", n="n")
            for template in (rules.redshift, rules.postgres, rules.duckdb)
        )
        lines.append(
            f"| {rules.spellings} | `{redshift}` | `{postgres}` | `{duckdb}` | {rules.json_inputs} |"
        )
    return "\n".join(lines) + "\n"
