"""The loader: the s3-to-redshift worker, rebuilt.

Given a job (schema, tables, base, a data date or none, config, mode, truncate, force), it finds each
table's data and config, plans the table's changes, and loads each table in one transaction through
a warehouse adapter. :func:`run_job` loads; with ``LoadOptions(dry_run=True)`` it only reports the SQL
it would run.
"""

from __future__ import annotations

from rio.loader.report import LoadReport, Status, TableOutcome
from rio.loader.runner import LEDGER_TABLE, LoadOptions, load_table, run_job

__all__ = ["LEDGER_TABLE", "LoadOptions", "LoadReport", "Status", "TableOutcome", "load_table", "run_job"]
