"""A warehouse whose driver is not installed: one line naming the extra to install, never a traceback.

Each case runs in a process of its own where importing the driver fails: ``sys.modules[driver] = None``
makes Python refuse the import as if the package were absent, and a package on the path whose
``__init__`` raises ImportError stands for one that is installed but broken.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: type, URL, driver module, extra
WAREHOUSES = [
    ("postgres", "postgresql://loader@127.0.0.1:1/dw", "psycopg", "postgres"),
    ("duckdb", "duckdb:///{tmp}/w.duckdb", "duckdb", "duckdb"),
    ("redshift", "redshift://loader:pw@127.0.0.1:1/dw", "redshift_connector", "redshift"),
]
IDS = [kind for kind, *_ in WAREHOUSES]


def missing(kind: str, driver: str, extra: str) -> str:
    return (
        f"{kind}: a {kind} target needs the {driver} driver, which is not installed; install it with: "
        f"pip install 'rio[{extra}]'"
    )


def run(
    driver: str, code: str, *args: str, cwd: Path, path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter where ``driver`` cannot be imported (or, with ``path``, is the
    broken package there)."""
    prelude = (
        f"import sys; sys.modules[{driver!r}] = None\n"
        if path is None
        else f"import sys; sys.path.insert(0, {str(path)!r})\n"
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


CLI = "from rio.cli import main\nmain(sys.argv[1:])\n"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A CSV file, and a local base with nothing in it for ``rio send``."""
    (tmp_path / "people.csv").write_text("id,name\n1,Ann\n")
    (tmp_path / "base").mkdir()
    return tmp_path


@pytest.mark.parametrize(("kind", "url", "driver", "extra"), WAREHOUSES, ids=IDS)
def test_rio_load_says_which_extra_to_install(
    kind: str, url: str, driver: str, extra: str, data: Path
) -> None:
    target = url.format(tmp=data) + "::shop.people"
    done = run(driver, CLI, "load", "people.csv", target, "--base", str(data / "base"), cwd=data)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [f"Error: {missing(kind, driver, extra)}"]
    assert done.stdout == ""


@pytest.mark.parametrize(("kind", "url", "driver", "extra"), WAREHOUSES, ids=IDS)
def test_rio_send_says_which_extra_to_install(
    kind: str, url: str, driver: str, extra: str, data: Path
) -> None:
    args = ["send", "--base", str(data / "base"), "--schema", "shop", "--tables", "people,orders"]
    done = run(driver, CLI, *args, "--target", url.format(tmp=data), cwd=data)
    assert done.returncode == 1, done.stderr
    # One line, not one per table.
    assert done.stderr.splitlines() == [f"Error: {missing(kind, driver, extra)}"]


@pytest.mark.parametrize(("kind", "url", "driver", "extra"), WAREHOUSES, ids=IDS)
def test_the_python_api_raises_a_warehouse_error_naming_the_extra(
    kind: str, url: str, driver: str, extra: str, data: Path
) -> None:
    code = """
        import rio
        from rio.contract import Job
        from rio.errors import WarehouseError
        from rio.loader import run_job

        url = sys.argv[1]
        for attempt in (
            lambda: rio.load([{"id": 1}], url + "::shop.people", base=sys.argv[2]),
            lambda: run_job(Job(base=sys.argv[2], schema="shop", tables=("people",)), url),
        ):
            try:
                attempt()
            except WarehouseError as exc:
                print(exc)
    """
    done = run(driver, code, url.format(tmp=data), str(data / "base"), cwd=data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [missing(kind, driver, extra)] * 2


def test_an_adapter_made_by_hand_fails_at_connect_with_the_same_line(data: Path) -> None:
    code = """
        from rio.adapters.postgres import PostgresAdapter
        from rio.errors import WarehouseError

        try:
            PostgresAdapter({"type": "postgres", "host": "127.0.0.1", "port": 1}).connect()
        except WarehouseError as exc:
            print(exc)
    """
    done = run("psycopg", code, cwd=data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [missing("postgres", "psycopg", "postgres")]


def test_a_driver_that_is_installed_but_cannot_be_imported_says_why(data: Path) -> None:
    broken = data / "site" / "psycopg"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text(
        'raise ImportError("no pq wrapper available.\\nAttempts made:\\n- libpq library not found")\n'
    )
    done = run(
        "psycopg", CLI, "load", "people.csv", "postgresql://127.0.0.1:1/dw::t", cwd=data, path=data / "site"
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "Error: postgres: a postgres target needs the psycopg driver, which cannot be imported (no pq "
        "wrapper available. Attempts made: - libpq library not found); reinstall it with: "
        "pip install 'rio[postgres]'"
    ]


def test_a_missing_driver_fails_before_anything_is_written(data: Path) -> None:
    temporary = data / "tmp"
    temporary.mkdir()
    code = f"import os; os.environ['TMPDIR'] = {str(temporary)!r}\n" + CLI
    done = run("duckdb", code, "load", "people.csv", "duckdb:///w.duckdb::shop.people", cwd=data)
    assert done.returncode == 1
    assert not (data / "w.duckdb").exists()
    assert list(temporary.iterdir()) == []  # nothing staged


def test_rio_serve_says_which_extra_to_install_before_it_listens(data: Path) -> None:
    args = ["serve", "--target", "postgresql://loader@127.0.0.1:1/dw", "--token", "t0ken", "--port", "0"]
    done = run("psycopg", CLI, *args, cwd=data)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [f"Error: {missing('postgres', 'psycopg', 'postgres')}"]


def test_a_postgresql_query_source_says_which_extra_to_install(tmp_path: Path) -> None:
    # The rows come from PostgreSQL, the table goes to DuckDB: only the source needs psycopg.
    args = ["load", "postgresql://app@127.0.0.1:1/app", f"duckdb:///{tmp_path}/w.duckdb::copy.orders"]
    done = run("psycopg", CLI, *args, "--query", "SELECT 1 AS id", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines() == [
        "Error: postgresql://app@127.0.0.1:1/app query 'SELECT 1 AS id': reading a PostgreSQL query needs "
        "the psycopg driver, which is not installed; install it with: pip install 'rio[postgres]'"
    ]
