"""What ``rio.load`` returns is usable the same way on every run: ``inferred`` is always a list, and
``rio load`` says it created a table only when it did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import rio
from rio.cli import cli
from rio.config import Column

CSV = "id,name\n1,Ann\n2,Bo\n"


@pytest.fixture(params=["duckdb", "postgres"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return f"duckdb:///{tmp_path / 'w.duckdb'}"


def test_inferred_lists_the_created_columns_then_is_empty(target: str, tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(CSV)
    first = rio.load(str(tmp_path / "people.csv"), f"{target}::shop.people", upsert_keys=["id"])
    second = rio.load(str(tmp_path / "people.csv"), f"{target}::shop.people", upsert_keys=["id"])
    assert [(c.name, c.type) for c in first.inferred] == [("id", "int"), ("name", "text")]
    assert second.inferred == []
    assert second.outcome.line() == "shop.people: loaded 2 rows"


def test_declared_columns_are_not_inferred(target: str) -> None:
    result = rio.load([{"id": 1}], f"{target}::shop.declared", table_columns=[Column("id", "bigint")])
    assert result.inferred == []
    assert result.rows == 1


def test_rio_load_says_it_created_the_table_only_when_it_did(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(CSV)
    args = ["load", str(tmp_path / "people.csv"), f"duckdb:///{tmp_path / 'w.duckdb'}::shop.people"]
    first = CliRunner().invoke(cli, [*args, "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["inferred"] == [
        {"name": "id", "type": "int"},
        {"name": "name", "type": "text"},
    ]
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert again.output.splitlines() == [f"shop.people: loaded 2 rows from {tmp_path / 'people.csv'}"]
    as_json = CliRunner().invoke(cli, [*args, "--json"])
    assert json.loads(as_json.output)["inferred"] is None  # null: nothing was inferred
