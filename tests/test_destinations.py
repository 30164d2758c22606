"""No load ever writes to a system schema or to the load ledger's table, whichever way it starts.

One rule (:func:`rio.contract.check_destination`) answers for every entry: the pipe refuses such a
destination as it is built, ``rio send`` and ``rio pack`` refuse it as a bad flag or config, and
``rio.load`` refuses it before a row is staged. Each case runs for real (DuckDB files, a real job
endpoint), as a user would, again on the same data, and with the spellings an attacker would try.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import rio
from rio import RedshiftIO
from rio.cli import cli
from rio.config import Column, DestinationConfig
from rio.contract import LEDGER_TABLE
from rio.errors import InvalidIdentifier, ReservedName
from support.job_endpoint import JobEndpoint

COLUMNS = [Column("ts", "timestamp", sort_ord=1), Column("id", "bigint")]
ROW = {"ts": "2026-11-21T10:15:00", "id": 1}
#: (schema, table) pairs no load may write to, with the name each refusal must give.
RESERVED = [
    pytest.param("analytics", LEDGER_TABLE, "table 'rio_loads'", id="ledger"),
    pytest.param("pg_catalog", "events", "schema 'pg_catalog'", id="pg_catalog"),
    pytest.param("information_schema", "events", "schema 'information_schema'", id="information_schema"),
    pytest.param("pg_temp_1", "events", "schema 'pg_temp_1'", id="pg_temp"),
]


def duckdb_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as db:
        return db.execute(sql).fetchall()


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


@pytest.fixture
def endpoint() -> Iterator[JobEndpoint]:
    server = JobEndpoint().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize(("schema", "table", "named"), RESERVED)
def test_a_pipe_for_a_reserved_destination_is_refused_as_it_is_built(
    tmp_path: Path, endpoint: JobEndpoint, schema: str, table: str, named: str
) -> None:
    base = tmp_path / "parts"
    config = DestinationConfig(schema, table, COLUMNS, data_timestamp_column="ts")
    builds = [
        lambda: RedshiftIO(config, base=str(base), target=f"duckdb:///{tmp_path}/w.duckdb"),
        lambda: RedshiftIO(config, base=str(base), job_endpoint=endpoint.url, job_token="t"),
        lambda: RedshiftIO(config, base=str(base)),  # no executor: it could not name its parts either
    ]
    for _ in range(2):
        for build in builds:
            with pytest.raises(ReservedName, match=f"^{named} "):
                build()
    assert files_under(base) == []
    assert endpoint.received == []
    assert not (tmp_path / "w.duckdb").exists()


def test_rio_load_refuses_the_ledger_as_a_target_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    staging = tmp_path / "staging"
    loaded = rio.load([ROW], f"duckdb:///{warehouse}::x.events", base=str(staging))
    assert loaded.status.value == "loaded"
    ledger_before = duckdb_rows(warehouse, "SELECT table_name, rows_loaded, job_id FROM w.x.rio_loads")
    # The ledger's own columns, as a forger would send them.
    forged = [{"schema_name": "x", "table_name": "events", "data_date": "2099-01-01T00:00:00",
               "mode": "append", "rows_loaded": 0, "job_id": "forged",
               "loaded_at": "2099-01-01T00:00:00"}]  # fmt: skip
    for target in ("x.rio_loads", "x.RIO_LOADS", "x.Rio_Loads"):
        for _ in range(2):
            with pytest.raises(InvalidIdentifier) as caught:
                rio.load(forged, f"duckdb:///{warehouse}::{target}", base=str(staging))
            assert "load ledger" in str(caught.value) or "capital" in str(caught.value)
    assert (
        duckdb_rows(warehouse, "SELECT table_name, rows_loaded, job_id FROM w.x.rio_loads") == ledger_before
    )
    assert files_under(staging) == []
    # The next real load is not skipped as "already loaded" by a forged row.
    again = rio.load([{**ROW, "id": 2}], f"duckdb:///{warehouse}::x.events", base=str(staging))
    assert again.status.value == "loaded"
    assert duckdb_rows(warehouse, "SELECT id FROM w.x.events ORDER BY id") == [(1,), (2,)]


@pytest.mark.parametrize("schema", ["information_schema", "pg_catalog", "pg_toast"])
def test_rio_load_refuses_a_system_schema(tmp_path: Path, schema: str) -> None:
    warehouse = tmp_path / "w.duckdb"
    with pytest.raises(ReservedName, match=f"^schema '{schema}' is a system schema"):
        rio.load([ROW], f"duckdb:///{warehouse}::{schema}.t", base=str(tmp_path / "staging"))
    assert files_under(tmp_path / "staging") == []


@pytest.mark.parametrize(("schema", "table", "named"), RESERVED)
def test_rio_send_refuses_a_reserved_destination_as_a_bad_flag(
    tmp_path: Path, schema: str, table: str, named: str
) -> None:
    args = ["send", "--base", str(tmp_path), "--schema", schema, "--tables", f"other,{table}"]
    args += ["--target", f"duckdb:///{tmp_path}/w.duckdb"]
    for _ in range(2):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert named in result.output
    assert not (tmp_path / "w.duckdb").exists()


def test_rio_pack_refuses_a_config_for_the_ledger_before_it_packs(tmp_path: Path) -> None:
    config = tmp_path / "ledger.yml"
    config.write_text(DestinationConfig("analytics", LEDGER_TABLE, COLUMNS, "ts").to_yaml())
    rows = tmp_path / "rows.ndjson"
    rows.write_text('{"ts": "2026-11-21T10:15:00", "id": 1}\n')
    base = tmp_path / "base"
    args = ["pack", "--schema", "analytics", "--table", LEDGER_TABLE, "--base", str(base)]
    result = CliRunner().invoke(cli, [*args, "--config", str(config), str(rows)])
    assert result.exit_code != 0, result.output
    assert "table 'rio_loads' is named like rio's load ledger" in result.output
    assert files_under(base) == []
