"""Where no load may write: the warehouses' system schemas and the load ledger's table.

:func:`check_destination` is the one rule; jobs, destination configs and the key builders all apply it.
"""

from __future__ import annotations

from rio.errors import ReservedName

__all__ = ["LEDGER_TABLE", "SYSTEM_SCHEMAS", "check_destination"]

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
