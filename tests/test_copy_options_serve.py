"""COPY's data-conversion options through ``rio serve``: a job that carries them is queued, kept and run
with them, whether ``rio send --endpoint`` posted it from its flags or a producer posted the JSON."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from rio import contract
from rio.config import Column, DestinationConfig
from rio.contract import Job, Manifest, ManifestEntry
from support.rio_serve import ServeProcess, server_pool

SCHEMA = "analytics"
D2 = datetime(2026, 11, 21, 10, 0, 0, tzinfo=timezone.utc)


def config_for(table: str) -> DestinationConfig:
    columns = [Column("ts", "timestamp"), Column("id", "bigint"), Column("price", "decimal(6,2)")]
    return DestinationConfig(SCHEMA, table, columns, data_timestamp_column="ts")


def publish(base: Path, table: str, lines: Sequence[bytes]) -> None:
    """A manifest of one gzip'd part holding ``lines``, and the config, as a producer lays them out."""
    (base / contract.config_key(SCHEMA, table, D2)).write_text(config_for(table).to_yaml())
    path = base / contract.part_key(SCHEMA, table, contract.new_run_id(), 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b"".join(line + b"\n" for line in lines)))
    entry = ManifestEntry(f"file://{path}", mandatory=True, content_length=path.stat().st_size)
    (base / contract.manifest_key(SCHEMA, table, D2)).write_bytes(Manifest((entry,)).to_json())


def pg_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


#: Epoch seconds, a price with a third decimal, and one row whose id is no number.
LINES = [
    b'{"ts": 1763719201, "id": 1, "price": "1.239"}',
    b'{"ts": 1763719202, "id": "two", "price": "2.00"}',
    b'{"ts": 1763719203, "id": 3, "price": 3.005}',
]
EXPECTED = [
    (1, datetime(2025, 11, 21, 10, 0, 1), 1.24),
    (3, datetime(2025, 11, 21, 10, 0, 3), 3.01),
]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base"
    path.mkdir()
    return path


@pytest.fixture
def server(tmp_path: Path, pg_url: str) -> Iterator[ServeProcess]:
    with server_pool(tmp_path, allow_bases=[str(tmp_path)]) as make:
        yield make(pg_url)


def loaded(url: str, table: str) -> list[tuple[Any, ...]]:
    rows = pg_rows(url, f"SELECT id, ts, price FROM {SCHEMA}.{table} ORDER BY id")
    return [(i, ts, float(price)) for i, ts, price in rows]


def test_rio_send_to_an_endpoint_posts_its_copy_options_and_the_server_loads_with_them(
    server: ServeProcess, pg_url: str, base: Path
) -> None:
    publish(base, "t_flags", LINES)
    command = [sys.executable, "-m", "rio.cli", "send", "--base", str(base), "--schema", SCHEMA]
    command += ["--tables", "t_flags", "--date", "2026-11-21T10:00:00Z", "--endpoint", server.url]
    command += ["--time-format", "epochsecs", "--round-decimals", "--max-errors", "2", "--job-id", "flags-1"]
    env = {**os.environ, "RIO_SERVE_TOKEN": server.token}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout
    assert f"{SCHEMA}.t_flags: loaded 2 rows" in done.stdout
    assert loaded(pg_url, "t_flags") == EXPECTED
    # The server kept the job as posted, options and all.
    kept = server.job("flags-1")["job"]
    assert {key: kept[key] for key in ("time_format", "round_decimals", "max_errors")} == {
        "time_format": "epochsecs",
        "round_decimals": True,
        "max_errors": 2,
    }


def test_a_json_job_with_copy_options_is_run_with_them_and_one_without_is_not(
    server: ServeProcess, pg_url: str, base: Path
) -> None:
    publish(base, "t_json", LINES)
    plain = Job(base=str(base), schema=SCHEMA, tables=("t_json",), date=D2, id="plain-1")
    assert server.post_job(plain).status == 202
    failed = server.wait_for("plain-1")
    assert failed["outcomes"][0]["status"] == "failed"
    assert "Invalid timestamp format" in json.dumps(failed["outcomes"][0])
    with_options = Job(
        base=str(base),
        schema=SCHEMA,
        tables=("t_json",),
        date=D2,
        id="options-1",
        time_format="epochsecs",
        round_decimals=True,
        max_errors=2,
    )
    assert server.post_job(with_options).status == 202
    assert server.wait_for("options-1")["outcomes"][0]["status"] == "loaded"
    assert loaded(pg_url, "t_json") == EXPECTED


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("max_errors", -1, "job max_errors: MAXERROR is a whole number of rejected rows from 0 to 100000"),
        ("accept_invalid_chars", "^^", "job accept_invalid_chars: "),
        ("time_format", "YYYY-MM-DD HH:MI:SS TZ", "job time_format: "),
    ],
)
def test_the_server_refuses_a_job_with_a_bad_copy_option_before_queueing_it(
    server: ServeProcess, base: Path, field: str, value: object, problem: str
) -> None:
    body = {"version": 1, "base": str(base), "schema": SCHEMA, "tables": ["t_bad"], field: value}
    answer = server.post_job(json.dumps(body))
    assert answer.status == 400, answer
    assert problem in answer.body.decode()
