"""A loader killed in the middle of a load, then run again: every row is there exactly once."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from rio import contract
from rio.config import Column, DestinationConfig
from rio.contract import Manifest, ManifestEntry

SCHEMA, TABLE = "analytics", "big"
DATE = datetime(2026, 11, 21, 12, 0, 0, tzinfo=timezone.utc)
CONFIG = DestinationConfig(
    SCHEMA, TABLE, [Column("ts", "timestamp"), Column("id", "bigint"), Column("payload", "longtext")], "ts"
)
ROWS = 200_000
TESTS = Path(__file__).resolve().parent

LOADER = textwrap.dedent(
    """
    import logging, sys
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr, format="%(name)s %(message)s")
    from rio.contract import Job, parse_data_date
    from rio.loader import run_job
    job = Job(base=sys.argv[1], schema="analytics", tables=("big",), date=parse_data_date(sys.argv[3]))
    report = run_job(job, sys.argv[2])
    print(report.outcomes[0].line(), flush=True)
    """
)


def publish(base: Path) -> None:
    run_id = contract.new_run_id()
    entries = []
    per_part = ROWS // 8
    for number in range(8):
        lines = (
            json.dumps({"ts": "2026-11-21T12:00:00", "id": number * per_part + i, "payload": "x" * 100})
            for i in range(per_part)
        )
        path = base / contract.part_key(SCHEMA, TABLE, run_id, number)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1))
        entries.append(ManifestEntry(f"file://{path}", mandatory=True))
    (base / contract.manifest_key(SCHEMA, TABLE, DATE)).write_bytes(Manifest(tuple(entries)).to_json())
    (base / contract.config_key(SCHEMA, TABLE, DATE)).write_text(CONFIG.to_yaml())


#: The loader for the Redshift adapter, through the double (whose settings are ``argv[2]``, JSON).
REDSHIFT_LOADER = LOADER.replace(
    "report = run_job(job, sys.argv[2])",
    "import json\n"
    "from support.redshift_double import RedshiftDouble\n"
    "given = json.loads(sys.argv[2])\n"
    "double = RedshiftDouble(given['settings'], postgres_url=given['postgres_url'], "
    "s3_endpoint_url=given['s3_endpoint_url'])\n"
    "report = run_job(job, double, endpoint_url=given['s3_endpoint_url'])",
)


def run_loader(base: Path | str, target: str, kill_after: str | None) -> str:
    """Run a loader in its own process; with ``kill_after``, SIGKILL it once that line is logged.

    A ``target`` that is a JSON object describes a Redshift double (see ``REDSHIFT_LOADER``).
    """
    script = REDSHIFT_LOADER if target.startswith("{") else LOADER
    command = [sys.executable, "-c", script, str(base), target, contract.format_data_date(DATE)]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    assert child.stderr is not None
    assert child.stdout is not None
    if kill_after is None:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        return out.strip()
    deadline = time.monotonic() + 300
    for line in child.stderr:
        if kill_after in line:
            os.kill(child.pid, signal.SIGKILL)
            break
        assert time.monotonic() < deadline
    child.wait(60)
    return f"killed ({child.returncode})"


def count(target: str, path: Path | None) -> tuple[int, int]:
    sql = f"SELECT count(*), count(DISTINCT id) FROM {SCHEMA}.{TABLE}"
    if path is None:
        import psycopg

        with psycopg.connect(target) as conn:
            exists = conn.execute("SELECT to_regclass('analytics.big')").fetchone()
            return tuple(conn.execute(sql).fetchone()) if exists and exists[0] else (0, 0)  # type: ignore[return-value]
    import duckdb

    with duckdb.connect(str(path)) as conn:
        found = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'analytics' AND table_name = 'big'"
        ).fetchone()
        return tuple(conn.execute(sql).fetchone()) if found and found[0] else (0, 0)  # type: ignore[return-value]


@pytest.mark.parametrize("warehouse", ["postgres", "duckdb"])
@pytest.mark.parametrize("kill_after", ["LOCK TABLE", "COPY", "INSERT INTO", "rio.copy"])
def test_a_load_killed_midway_and_run_again_loads_every_row_once(
    warehouse: str, kill_after: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    base = tmp_path / "base"
    base.mkdir()
    publish(base)
    if warehouse == "postgres":
        target, path = request.getfixturevalue("pg_url"), None
    else:
        path = tmp_path / "warehouse.duckdb"
        target = f"duckdb:///{path}"
    if warehouse == "duckdb" and kill_after == "LOCK TABLE":
        kill_after = "CREATE TABLE IF NOT EXISTS"  # DuckDB takes no table lock
    run_loader(base, target, kill_after)
    rows, distinct = count(target, path)
    assert rows in (0, ROWS)  # killed before the commit, or (rarely) just after it: never half a load
    assert distinct == rows
    line = run_loader(base, target, None)
    assert line.startswith((f"{SCHEMA}.{TABLE}: loaded {ROWS:,} rows", f"{SCHEMA}.{TABLE}: already loaded"))
    assert count(target, path) == (ROWS, ROWS)
    assert run_loader(base, target, None).startswith(f"{SCHEMA}.{TABLE}: already loaded")
    assert count(target, path) == (ROWS, ROWS)


def test_a_redshift_load_killed_in_its_copy_and_run_again_loads_every_row_once(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The same, through the Redshift adapter and its double (the data mirrored into moto's S3)."""
    kill_after = "redshift COPY"
    base = tmp_path / "base"
    base.mkdir()
    publish(base)
    s3, bucket = request.getfixturevalue("s3"), request.getfixturevalue("s3_bucket")
    for path in base.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".manifest":
                data = data.replace(f"file://{base}/".encode(), f"s3://{bucket}/".encode())
            s3.put_object(Bucket=bucket, Key=path.relative_to(base).as_posix(), Body=data)
    double = request.getfixturevalue("redshift_double")
    double.install()
    target = json.dumps(
        {
            "settings": double.settings,
            "postgres_url": double.postgres_url,
            "s3_endpoint_url": double.s3_endpoint_url,
        }
    )
    assert run_loader(f"s3://{bucket}", target, kill_after) == f"killed ({-signal.SIGKILL})"
    rows, distinct = count(double.postgres_url, None)
    assert rows in (0, ROWS)
    assert distinct == rows
    line = run_loader(f"s3://{bucket}", target, None)
    assert line.startswith((f"{SCHEMA}.{TABLE}: loaded {ROWS:,} rows", f"{SCHEMA}.{TABLE}: already loaded"))
    assert count(double.postgres_url, None) == (ROWS, ROWS)
    assert run_loader(f"s3://{bucket}", target, None).startswith(f"{SCHEMA}.{TABLE}: already loaded")
    assert count(double.postgres_url, None) == (ROWS, ROWS)
