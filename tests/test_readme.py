"""Every Python example in the README runs as pasted, and again in the same directory on what the first
run left there (a reader runs it twice); the examples that promise results give them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def run(example: str, where: Path) -> str:
    script = where / "example.py"
    script.write_text(example)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=where, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def example_with(text: str) -> str:
    (found,) = [example for example in EXAMPLES if text in example]
    return found


def test_the_readme_has_python_examples() -> None:
    assert EXAMPLES


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_readme_example_runs_twice_in_a_row(example: str, tmp_path: Path) -> None:
    run(example, tmp_path)
    run(example, tmp_path)


def test_the_existing_data_example_says_what_it_did_on_every_run(tmp_path: Path) -> None:
    import duckdb

    example = example_with('rio.load("users.csv"')
    for number in (1, 2):
        loaded, table = run(example, tmp_path).splitlines()
        line, _, inferred = loaded.partition(" [")
        # users.csv holds three rows of two keys: an upsert leaves one row per key.
        assert line == "crm.users: loaded 2 rows"
        columns = ast.literal_eval("[" + inferred)
        if number == 1:
            assert [name for name, _ in columns] == ["id", "name", "plan"]  # the table was created
        else:
            assert columns == []  # the table existed: nothing was inferred
        with duckdb.connect(str(tmp_path / "rio-tables.duckdb"), read_only=True) as db:
            rows = db.execute("SELECT id, name, plan FROM crm.users ORDER BY id").fetchall()
        # The last write wins per key: the CSV's last row of id 2, then the rows loaded after it.
        assert rows == [(1, "Smith, Jane", "pro"), (2, "Ann", "team"), (3, "Bo", "free")]
        assert ast.literal_eval(table) == rows
