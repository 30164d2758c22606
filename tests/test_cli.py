"""The command line: ``rio send``, ``rio pack``, ``rio manifest``, ``rio history`` and ``make demo``'s module.

Most cases run through click's runner (one process, exact output and exit codes); a few run ``rio``
as a real subprocess, as a scheduler would. Data is laid out with plain ``json`` and ``gzip`` where
the case is about reading what producers wrote.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rio import contract
from rio.cli import cli
from rio.config import Column, DestinationConfig
from rio.contract import CopyOptions

SCHEMA, TABLE = "analytics", "events"
CONFIG = DestinationConfig(
    SCHEMA,
    TABLE,
    [Column("ts", "timestamp", sort_ord=1), Column("id", "bigint", dist_key=True), Column("name", "text")],
    data_timestamp_column="ts",
)
D1 = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)
D2 = datetime(2026, 11, 21, 10, 0, 0, tzinfo=timezone.utc)
#: Variables that would point a test at a real warehouse or profile.
_WAREHOUSE_ENV = ("REDSHIFT_HOST", "REDSHIFT_PORT", "REDSHIFT_DB", "REDSHIFT_USER", "REDSHIFT_PASSWORD")


@pytest.fixture(autouse=True)
def _no_ambient_warehouse(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (*_WAREHOUSE_ENV, "RIO_PROFILES_DIR", "RIO_SERVE_TOKEN", "RIO_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def rio(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def event(i: int, day: datetime = D2) -> dict[str, Any]:
    return {"ts": (day.replace(tzinfo=None) + timedelta(seconds=i)).isoformat(), "id": i, "name": f"e{i}"}


def ndjson(rows: Sequence[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def publish_go_style(base: Path, rows: Sequence[dict[str, Any]], date: datetime, table: str = TABLE) -> None:
    """The Go tools' layout: one ``<schema>_<table>_<D>.json.gz`` and its config, side by side."""
    config = DestinationConfig(SCHEMA, table, CONFIG.columns, data_timestamp_column="ts")
    (base / contract.config_key(SCHEMA, table, date)).write_text(config.to_yaml())
    (base / contract.data_key(SCHEMA, table, date, "json.gz")).write_bytes(gzip.compress(ndjson(rows)))


def duckdb_rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as db:
        return db.execute(sql).fetchall()


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base"
    path.mkdir()
    return path


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.yml"
    path.write_text(CONFIG.to_yaml())
    return path


@pytest.fixture
def warehouse(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "w.duckdb"
    return f"duckdb:///{path}", path


# --- help -------------------------------------------------------------------------------------------


def test_help_lists_every_command_and_teaches_by_example() -> None:
    result = rio("--help")
    assert result.exit_code == 0
    for command in ("send", "serve", "pack", "manifest", "history"):
        assert f"  {command} " in result.output
    for command in ("send", "load", "pack", "manifest", "history"):
        shown = rio(command, "--help")
        assert shown.exit_code == 0, shown.output
        assert "Examples:" in shown.output
        assert f"rio {command} " in shown.output
    serve = rio("serve", "--help")
    assert serve.exit_code == 0
    assert "rio serve --target postgresql://" in serve.output
    assert "--profiles-dir" in serve.output
    assert "--s3-endpoint-url" in serve.output


def test_importing_the_cli_loads_no_warehouse_driver_or_web_server() -> None:
    code = (
        "import sys, rio.cli; rio.cli.cli.main(['--help'], standalone_mode=False); "
        "heavy = ('psycopg', 'duckdb', 'redshift_connector', 'starlette', 'uvicorn', 'boto3'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --- rio send: outcomes and exit codes --------------------------------------------------------------


def test_send_loads_the_latest_data_and_prints_one_line_per_table(
    base: Path, warehouse: tuple[str, Path]
) -> None:
    url, path = warehouse
    publish_go_style(base, [event(i, D1) for i in range(5)], D1)
    publish_go_style(base, [event(i) for i in range(7)], D2)
    result = rio("send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url)
    assert result.exit_code == 0, result.output
    assert result.output == f"{SCHEMA}.{TABLE}: loaded 7 rows for 2026-11-21T10:00:00Z\n"
    assert duckdb_rows(path, f"SELECT count(*) FROM {SCHEMA}.{TABLE}") == [(7,)]


def test_send_again_is_already_loaded_and_exits_zero(base: Path, warehouse: tuple[str, Path]) -> None:
    url, path = warehouse
    publish_go_style(base, [event(i) for i in range(3)], D2)
    args = ("send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url)
    assert rio(*args, "--job-id", "first").exit_code == 0
    again = rio(*args)
    assert again.exit_code == 0
    assert again.output.startswith(
        f"{SCHEMA}.{TABLE}: already loaded for 2026-11-21T10:00:00Z (3 rows by job first"
    )
    assert duckdb_rows(path, f"SELECT count(*) FROM {SCHEMA}.{TABLE}") == [(3,)]


def test_stale_data_exits_three_and_force_loads_it(base: Path, warehouse: tuple[str, Path]) -> None:
    url, path = warehouse
    publish_go_style(base, [event(i) for i in range(3)], D2)
    publish_go_style(base, [event(i + 100, D1) for i in range(2)], D1)
    args = ("send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url)
    assert rio(*args, "--date", "2026-11-21T10:00:00Z").exit_code == 0
    stale = rio(*args, "--date", "2026-11-20T10:00:00Z")
    assert stale.exit_code == 3
    assert "stale, skipped for 2026-11-20T10:00:00Z" in stale.output
    forced = rio(*args, "--date", "2026-11-20T10:00:00Z", "--force")
    assert forced.exit_code == 0, forced.output
    assert duckdb_rows(path, f"SELECT count(*) FROM {SCHEMA}.{TABLE}") == [(5,)]


def test_a_failed_table_exits_one_and_never_stops_the_others(base: Path, warehouse: tuple[str, Path]) -> None:
    url, path = warehouse
    publish_go_style(base, [event(i) for i in range(4)], D2, table="users")
    result = rio("send", "--base", str(base), "--schema", SCHEMA, "--tables", "events,users", "--target", url)
    assert result.exit_code == 1
    first, second, summary = result.output.splitlines()
    assert first.startswith(f"{SCHEMA}.events: failed: ")
    assert "no data" in first.lower() or "not found" in first.lower()
    assert second == f"{SCHEMA}.users: loaded 4 rows for 2026-11-21T10:00:00Z"
    assert summary == "1 loaded (4 rows), 1 failed"
    assert duckdb_rows(path, f"SELECT count(*) FROM {SCHEMA}.users") == [(4,)]


def test_send_json_reports_every_outcome_and_the_exit_code(base: Path, warehouse: tuple[str, Path]) -> None:
    url, _ = warehouse
    publish_go_style(base, [event(i) for i in range(2)], D2)
    result = rio(
        "send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url, "--json",
        "--job-id", "nightly-1",
    )  # fmt: skip
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["exit_code"] == 0
    assert report["job"] == "nightly-1"
    (outcome,) = report["outcomes"]
    assert (outcome["table"], outcome["status"], outcome["rows"], outcome["date"]) == (
        TABLE,
        "loaded",
        2,
        "2026-11-21T10:00:00Z",
    )


def test_dry_run_prints_the_sql_and_changes_nothing(base: Path, warehouse: tuple[str, Path]) -> None:
    url, path = warehouse
    publish_go_style(base, [event(i) for i in range(2)], D2)
    result = rio(
        "send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url, "--dry-run",
        "--mode", "refresh",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"-- {SCHEMA}.{TABLE}: the load would run:" in result.output
    # DuckDB's names carry its database ("w", after the file) before the schema.
    assert 'CREATE TABLE IF NOT EXISTS "w"."analytics"."events"' in result.output
    assert 'DELETE FROM "w"."analytics"."events" WHERE "ts" >=' in result.output
    assert not path.exists() or duckdb_rows(
        path, f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{TABLE}'"
    ) == [(0,)]


def test_upsert_keys_alone_mean_upsert_mode(base: Path, warehouse: tuple[str, Path]) -> None:
    url, path = warehouse
    publish_go_style(base, [event(1), {**event(2), "name": "old"}], D1)
    publish_go_style(base, [{**event(2), "name": "new"}, event(3)], D2)
    args = ("send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url)
    assert rio(*args, "--date", "2026-11-20T10:00:00Z").exit_code == 0
    result = rio(*args, "--date", "2026-11-21T10:00:00Z", "--upsert-keys", "id")
    assert result.exit_code == 0, result.output
    assert duckdb_rows(path, f"SELECT id, name FROM {SCHEMA}.{TABLE} ORDER BY id") == [
        (1, "e1"),
        (2, "new"),
        (3, "e3"),
    ]


def test_the_go_workers_flags_load_from_a_bucket_into_postgres(
    s3: Any, s3_bucket: str, s3_server: Any, pg_url: str, tmp_path: Path
) -> None:
    import psycopg

    local = tmp_path / "go"
    local.mkdir()
    publish_go_style(local, [event(i) for i in range(6)], D2)
    for item in local.iterdir():
        s3.put_object(Bucket=s3_bucket, Key=item.name, Body=item.read_bytes())
    result = rio(
        "send", "--bucket", s3_bucket, "--schema", SCHEMA, "--tables", TABLE,
        "--date", "2026-11-21T10:00:00Z", "--gzip", "--granularity", "day",
        "--target", pg_url, "--s3-endpoint-url", s3_server.endpoint_url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"{SCHEMA}.{TABLE}: loaded 6 rows for 2026-11-21T10:00:00Z\n"
    with psycopg.connect(pg_url) as conn:
        assert conn.execute(f"SELECT count(*) FROM {SCHEMA}.{TABLE}").fetchone() == (6,)


def test_the_go_workers_environment_names_the_redshift_target(base: Path) -> None:
    """REDSHIFT_* become the target; an unreachable host fails the table with a clear error."""
    publish_go_style(base, [event(1)], D2)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "REDSHIFT_HOST": "127.0.0.1",
        "REDSHIFT_PORT": str(port),
        "REDSHIFT_DB": "dev",
        "REDSHIFT_USER": "loader",
        "REDSHIFT_PASSWORD": "s3cret-pw",
    }
    result = rio("send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, env=env)
    assert result.exit_code == 1
    assert result.output.startswith(f"{SCHEMA}.{TABLE}: failed")
    assert f"redshift: cannot connect to 127.0.0.1:{port}/dev" in result.output
    assert "s3cret-pw" not in result.output


# --- rio send: bad flags -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--tables", TABLE, "--base", "."], {}, "Missing option '--schema'"),
        (["--schema", SCHEMA, "--base", "."], {}, "Missing option '--tables'"),
        (["--schema", SCHEMA, "--tables", TABLE], {}, "where is the data?"),
        (["--schema", SCHEMA, "--tables", TABLE, "--bucket", "s3://b"], {}, "without s3://"),
        (["--schema", SCHEMA, "--tables", TABLE, "--bucket", "b", "--base", "."], {}, "not both"),
        (["--schema", SCHEMA, "--tables", ",", "--base", "."], {}, "--tables names no table"),
        (["--schema", SCHEMA, "--tables", TABLE, "--base", ".", "--date", "2026-11-21"], {}, "2026-11-21"),
        (
            ["--schema", SCHEMA, "--tables", TABLE, "--base", ".", "--date", "2026-11-21 10:00:00 +0000 UTC"],
            {},
            "2026-11-21 10:00:00 +0000 UTC",
        ),
        (["--schema", SCHEMA, "--tables", TABLE, "--base", ".", "--mode", "upsert"], {}, "upsert_keys"),
        (["--schema", "bad schema!", "--tables", TABLE, "--base", "."], {}, "schema"),
        (["--schema", SCHEMA, "--tables", TABLE, "--base", ".", "--granularity", "week"], {}, "week"),
        (["--schema", SCHEMA, "--tables", TABLE, "--base", "."], {}, "no warehouse to load into"),
        (["--schema", SCHEMA, "--tables", TABLE, "--base", ".", "--target", "mysql://h/db"], {}, "mysql"),
        (["--schema", SCHEMA, "--tables", TABLE, "--base", ".", "--target", "prod"], {}, "--profile"),
        (
            ["--schema", SCHEMA, "--tables", TABLE, "--base", "."],
            {"REDSHIFT_DB": "dev", "REDSHIFT_USER": "u"},
            "REDSHIFT_PASSWORD",
        ),
        (
            ["--schema", SCHEMA, "--tables", TABLE, "--base", "."],
            {"REDSHIFT_DB": "dev", "REDSHIFT_USER": "u", "REDSHIFT_PASSWORD": "p", "REDSHIFT_PORT": "x"},
            "REDSHIFT_PORT",
        ),
        (
            [
                "--schema",
                SCHEMA,
                "--tables",
                TABLE,
                "--base",
                ".",
                "--profile",
                "nope",
                "--profiles-dir",
                ".",
            ],
            {},
            "profiles.yml",
        ),
        (
            ["--schema", SCHEMA, "--tables", TABLE, "--base", ".", "--endpoint", "http://127.0.0.1:9"],
            {},
            "token",
        ),
        (
            [*("--schema", SCHEMA, "--tables", TABLE, "--base", "."), "--endpoint", "http://x", "--dry-run"],
            {"RIO_SERVE_TOKEN": "t"},
            "--dry-run",
        ),
    ],
)
def test_bad_flags_exit_two_with_a_message_naming_them(
    args: list[str], env: dict[str, str], message: str
) -> None:
    result = CliRunner().invoke(cli, ["send", *args], env=env)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


# --- COPY's data-conversion options as flags ---------------------------------------------------------


def publish_lines(base: Path, lines: Sequence[bytes], config: DestinationConfig = CONFIG) -> None:
    """The Go tools' layout, with each row's line as given (epoch numbers, invalid UTF-8, …)."""
    (base / contract.config_key(SCHEMA, TABLE, D2)).write_text(config.to_yaml())
    data = b"".join(line + b"\n" for line in lines)
    (base / contract.data_key(SCHEMA, TABLE, D2, "json.gz")).write_bytes(gzip.compress(data))


def send_args(base: Path, url: str) -> list[str]:
    return ["send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url]


def test_send_loads_with_the_copy_options_its_flags_give(base: Path, warehouse: tuple[str, Path]) -> None:
    url, path = warehouse
    lines = [
        b'{"ts": 1763719201, "id": 1, "name": "a\xffb"}',
        b'{"ts": 1763719202, "id": "two", "name": "bad id"}',
        b'{"ts": 1763719203, "id": 3, "name": "' + b"x" * 300 + b'"}',
    ]
    publish_lines(base, lines)
    refused = rio(*send_args(base, url))
    assert refused.exit_code == 1
    assert "Invalid timestamp format" in refused.output
    result = rio(
        *send_args(base, url), "--time-format", "epochsecs", "--accept-invalid-chars", "--truncate-columns",
        "--max-errors", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{SCHEMA}.{TABLE}: loaded 2 rows")
    # The rejected row is logged on stderr, apart from the outcome.
    assert "1 row could not be loaded (below MAXERROR 2)" in result.stderr
    assert duckdb_rows(path, f"SELECT id, ts, name FROM {SCHEMA}.{TABLE} ORDER BY id") == [
        (1, datetime(2025, 11, 21, 10, 0, 1), "a?b"),
        (3, datetime(2025, 11, 21, 10, 0, 3), "x" * 256),
    ]


def test_send_flags_win_over_the_configs_meta(base: Path, warehouse: tuple[str, Path]) -> None:
    url, path = warehouse
    config = DestinationConfig(
        SCHEMA, TABLE, CONFIG.columns, "ts", copy_options=CopyOptions(truncate_columns=True, max_errors=5)
    )
    publish_lines(base, [b'{"ts": "2026-11-21 10:00:00", "id": 1, "name": "' + b"y" * 300 + b'"}'], config)
    refused = rio(*send_args(base, url), "--no-truncate-columns", "--max-errors", "0")
    assert refused.exit_code == 1
    assert "String length exceeds DDL length" in refused.output
    loaded = rio(*send_args(base, url))
    assert loaded.exit_code == 0, loaded.output
    assert duckdb_rows(path, f"SELECT length(name) FROM {SCHEMA}.{TABLE}") == [(256,)]


@pytest.mark.parametrize(
    ("args", "flag", "problem"),
    [
        (["--max-errors", "-1"], "--max-errors", "-1 is not in the range 0<=x<=100000"),
        (["--max-errors", "100001"], "--max-errors", "100001 is not in the range"),
        (["--accept-invalid-chars", "^^"], "--accept-invalid-chars", '"^^"'),
        (["--accept-invalid-chars=é"], "--accept-invalid-chars", "one ASCII character"),
        (["--time-format", "YYYY-MM-DD HH:MI:SS TZ"], "--time-format", "TZ"),
        (["--date-format", "epochsecs"], "--date-format", "epochsecs"),
    ],
)
def test_send_refuses_a_bad_copy_option_naming_the_flag_before_loading_anything(
    base: Path, warehouse: tuple[str, Path], args: list[str], flag: str, problem: str
) -> None:
    url, path = warehouse
    publish_go_style(base, [event(1)], D2)
    result = CliRunner().invoke(cli, [*send_args(base, url), *args])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{flag}'" in result.output
    assert problem in result.output
    assert "Traceback" not in result.output
    assert not path.exists()


def test_pack_checks_rows_with_its_copy_option_flags_and_writes_them_into_the_config(
    tmp_path: Path, base: Path, config_file: Path, warehouse: tuple[str, Path]
) -> None:
    rows = tmp_path / "rows.ndjson"
    rows.write_bytes(b'{"ts": 1763719201, "id": 1, "name": "a"}\n{"ts": 1763719202, "id": 2, "name": "b"}\n')
    args = ["pack", "--schema", SCHEMA, "--table", TABLE, "--base", str(base), "--config", str(config_file)]
    args += ["--date", "2026-11-21T10:00:00Z"]
    refused = rio(*args, str(rows))
    assert refused.exit_code == 1
    assert "row 1: " in refused.output
    assert "Invalid timestamp format" in refused.output
    packed = rio(*args, "--time-format", "epochsecs", "--max-errors", "3", str(rows))
    assert packed.exit_code == 0, packed.output
    written = DestinationConfig.from_yaml((base / contract.config_key(SCHEMA, TABLE, D2)).read_bytes())
    assert written.copy_options == CopyOptions(time_format="epochsecs", max_errors=3)
    url, path = warehouse
    # `rio send` without flags loads what pack wrote with the options its config now holds.
    sent = rio(*send_args(base, url))
    assert sent.exit_code == 0, sent.output
    assert duckdb_rows(path, f"SELECT id, ts FROM {SCHEMA}.{TABLE} ORDER BY id") == [
        (1, datetime(2025, 11, 21, 10, 0, 1)),
        (2, datetime(2025, 11, 21, 10, 0, 2)),
    ]


def test_pack_copy_option_flags_need_a_config(tmp_path: Path, base: Path) -> None:
    (tmp_path / "rows.ndjson").write_bytes(ndjson([event(1)]))
    result = CliRunner().invoke(
        cli,
        ["pack", "--schema", SCHEMA, "--table", TABLE, "--base", str(base), "--round-decimals",
         "--max-errors", "2", str(tmp_path / "rows.ndjson")],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert (
        "--round-decimals, --max-errors apply to the load config's columns and its load: give --config"
        in (result.output)
    )
    assert _files_under(base) == []


# --- rio pack ----------------------------------------------------------------------------------------


def test_pack_writes_parts_manifest_and_config_and_says_how_to_load_them(
    tmp_path: Path, base: Path, config_file: Path, warehouse: tuple[str, Path]
) -> None:
    rows = [event(i) for i in range(2000)]
    (tmp_path / "events.ndjson").write_bytes(ndjson(rows))
    result = rio(
        "pack", "--schema", SCHEMA, "--table", TABLE, "--base", str(base), "--config", str(config_file),
        "--date", "2026-11-21T10:00:00Z", "--buffer-size", "20000", str(tmp_path / "events.ndjson"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.startswith("packed 2,000 rows for analytics.events (2026-11-21T10:00:00Z)\n")
    assert "rio send --base file://" in result.output
    manifest = json.loads((base / contract.manifest_key(SCHEMA, TABLE, D2)).read_bytes())
    assert len(manifest["entries"]) > 1  # small parts, so several
    packed = []
    for entry in manifest["entries"]:
        packed += gzip.decompress(Path(entry["url"].removeprefix("file://")).read_bytes()).splitlines()
    assert sorted(json.loads(line)["id"] for line in packed) == list(range(2000))
    assert DestinationConfig.from_yaml(
        (base / contract.config_key(SCHEMA, TABLE, D2)).read_bytes(), table=TABLE
    )
    url, path = warehouse
    sent = rio("send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url)
    assert sent.exit_code == 0, sent.output
    assert duckdb_rows(path, f"SELECT count(*), count(DISTINCT id) FROM {SCHEMA}.{TABLE}") == [(2000, 2000)]


def test_pack_reads_gzip_csv_with_quotes_newlines_and_a_bom_and_sends(
    tmp_path: Path, base: Path, config_file: Path, warehouse: tuple[str, Path]
) -> None:
    text = (
        "\ufeffts,id,name\r\n"
        '2026-11-21T10:00:00,1,"Smith, Jane"\r\n'
        '2026-11-21T10:00:01,2,"two\nlines"\r\n'
        '2026-11-21T10:00:02,3,"say ""hi"""\r\n'
        "2026-11-21T10:00:03,4,\r\n"
    )
    (tmp_path / "users.csv.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    url, path = warehouse
    result = rio(
        "pack", "--schema", SCHEMA, "--table", TABLE, "--base", str(base), "--config", str(config_file),
        str(tmp_path / "users.csv.gz"), "--send", "--target", url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "analytics.events: loaded 4 rows" in result.output
    assert duckdb_rows(path, f"SELECT id, name FROM {SCHEMA}.{TABLE} ORDER BY id") == [
        (1, "Smith, Jane"),
        (2, "two\nlines"),
        (3, 'say "hi"'),
        (4, ""),
    ]


def test_pack_reads_stdin(base: Path, config_file: Path, warehouse: tuple[str, Path]) -> None:
    url, path = warehouse
    result = rio(
        "pack", "--schema", SCHEMA, "--table", TABLE, "--base", str(base), "--config", str(config_file),
        "-", "--send", "--target", url, "--json",
        input=ndjson([event(i) for i in range(10)]) + b"\n\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["rows"] == 10
    assert report["outcomes"][0]["status"] == "loaded"
    assert duckdb_rows(path, f"SELECT count(*) FROM {SCHEMA}.{TABLE}") == [(10,)]


def test_pack_without_a_config_writes_parts_and_a_manifest_only(tmp_path: Path, base: Path) -> None:
    (tmp_path / "rows.ndjson").write_bytes(ndjson([{"anything": i} for i in range(5)]))
    result = rio(
        "pack", "--schema", SCHEMA, "--table", TABLE, "--base", str(base), "--date", "2026-11-21T10:00:00Z",
        str(tmp_path / "rows.ndjson"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "packed 5 rows; manifest: file://" in result.output
    assert [p.name for p in base.iterdir() if p.is_file()] == [contract.manifest_key(SCHEMA, TABLE, D2)]
    assert not list(base.glob("config_*"))


def _files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


def test_a_bad_row_stops_pack_naming_file_and_line_and_leaves_nothing(
    tmp_path: Path, base: Path, config_file: Path
) -> None:
    rows = ndjson([event(i) for i in range(3000)]) + b'{"ts": "2026-11-21T10:00:00", "id": "x"}\n'
    (tmp_path / "events.ndjson").write_bytes(rows)
    result = rio(
        "pack", "--schema", SCHEMA, "--table", TABLE, "--base", str(base), "--config", str(config_file),
        "--buffer-size", "10000", str(tmp_path / "events.ndjson"),
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"{tmp_path / 'events.ndjson'}: row 3001: " in result.output
    assert "id" in result.output
    assert _files_under(base) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.ndjson", b'{"id": 1}\n[1, 2]\n', "line 2"),
        ("bad.ndjson", b'{"id": 1}\n{"id": 2} trailing\n', "line 2"),
        (
            "ragged.csv",
            b"ts,id,name\n2026-11-21T10:00:00,1,a\n2026-11-21T10:00:00,2\n",
            "ragged.csv: line 3: 2 fields where the header has 3",
        ),
        (
            "broken.ndjson.gz",
            gzip.compress(b'{"id": 1}\n' * 100)[:-30],
            "broken.ndjson.gz: the gzip data is corrupt",
        ),
        (
            "latin1.csv",
            "ts,id,name\n2026-11-21T10:00:00,1,caf\xe9\n".encode("latin-1"),
            "latin1.csv: line 2: invalid UTF-8",
        ),
        ("empty.ndjson", b"", "no rows were read"),
        ("header-only.csv", b"ts,id,name\n", "no rows were read"),
    ],
)
def test_bad_input_files_fail_pack_clearly(
    tmp_path: Path, base: Path, config_file: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    result = rio(
        "pack", "--schema", SCHEMA, "--table", TABLE, "--base", str(base), "--config", str(config_file),
        str(tmp_path / name),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert not list(base.glob("*.manifest"))
    assert not list((base / SCHEMA).rglob("*.json.gz")) if (base / SCHEMA).exists() else True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--send"], "--send needs --config"),
        (["--upsert-keys", "id"], "--upsert-keys goes with --mode upsert"),
        (["missing.ndjson"], "is not a file"),
        (["--date", "yesterday"], "yesterday"),
    ],
)
def test_pack_refuses_bad_flags(base: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(
        cli, ["pack", "--schema", SCHEMA, "--table", TABLE, "--base", str(base), *args]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_pack_refuses_a_config_of_another_table(tmp_path: Path, base: Path, config_file: Path) -> None:
    (tmp_path / "rows.ndjson").write_bytes(ndjson([event(1)]))
    result = rio(
        "pack", "--schema", SCHEMA, "--table", "users", "--base", str(base), "--config", str(config_file),
        str(tmp_path / "rows.ndjson"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert str(config_file) in result.output


# --- rio manifest ------------------------------------------------------------------------------------


def test_manifest_lists_the_data_files_under_a_prefix(s3: Any, s3_bucket: str, s3_server: Any) -> None:
    for name in (
        "exports/events_1.json.gz",
        "exports/events_2.json.gz",
        "exports/events.yml",
        "other/x.json.gz",
    ):
        s3.put_object(Bucket=s3_bucket, Key=name, Body=b"0123456789")
    args = ["--s3-endpoint-url", s3_server.endpoint_url]
    result = rio("manifest", f"s3://{s3_bucket}/exports/events_", "--out", "loads/events.manifest", *args)
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote s3://{s3_bucket}/loads/events.manifest: 2 files, 20 bytes\n"
    body = json.loads(s3.get_object(Bucket=s3_bucket, Key="loads/events.manifest")["Body"].read())
    assert body == {
        "entries": [
            {
                "url": f"s3://{s3_bucket}/exports/events_1.json.gz",
                "mandatory": True,
                "meta": {"content_length": 10},
            },
            {
                "url": f"s3://{s3_bucket}/exports/events_2.json.gz",
                "mandatory": True,
                "meta": {"content_length": 10},
            },
        ]
    }
    again = rio("manifest", f"s3://{s3_bucket}/exports/events_", "--out", "loads/events.manifest", *args)
    assert again.exit_code == 1
    assert "already exists" in again.output
    nothing = rio("manifest", f"s3://{s3_bucket}/exports/none_", "--out", "n.manifest", *args)
    assert nothing.exit_code == 1
    assert "no data files" in nothing.output


def test_manifest_of_a_local_directory_with_a_suffix_filter(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    for name in ("a.json.gz", "b.json.gz", "notes.txt"):
        (parts / name).write_bytes(b"xx")
    result = rio(
        "manifest", str(parts), "--out", "all.manifest", "--suffix", ".json.gz", "--optional", "--json"
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert (printed["files"], printed["bytes"]) == (2, 4)
    listed = json.loads((parts / "all.manifest").read_bytes())["entries"]
    assert printed["entries"] == listed
    assert [(e["url"].rsplit("/", 1)[1], e["mandatory"]) for e in listed] == [
        ("a.json.gz", False),
        ("b.json.gz", False),
    ]


def test_manifest_refuses_a_bad_out_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["manifest", str(tmp_path), "--out", "../escape.manifest"])
    assert result.exit_code == 2
    assert "escape.manifest" in result.output


# --- rio history -------------------------------------------------------------------------------------


def test_history_shows_the_ledger(base: Path, warehouse: tuple[str, Path]) -> None:
    url, _ = warehouse
    publish_go_style(base, [event(i) for i in range(3)], D2)
    rio(
        "send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url, "--job-id", "j-1"
    )
    shown = rio("history", "--table", f"{SCHEMA}.{TABLE}", "--target", url)
    assert shown.exit_code == 0, shown.output
    assert "analytics.events" in shown.output
    assert "2026-11-21T10:00:00Z" in shown.output
    assert "j-1" in shown.output
    as_json = rio("history", "--schema", SCHEMA, "--target", url, "--json")
    (record,) = json.loads(as_json.output)
    assert (record["table_name"], record["rows_loaded"], record["job_id"], record["data_date"]) == (
        TABLE,
        3,
        "j-1",
        "2026-11-21T10:00:00Z",
    )


def test_history_without_a_ledger_or_a_schema_is_an_error(warehouse: tuple[str, Path]) -> None:
    import duckdb

    url, path = warehouse
    duckdb.connect(str(path)).close()  # a warehouse with nothing loaded (a missing file is refused)
    missing = CliRunner().invoke(cli, ["history", "--schema", "nothing_here", "--target", url])
    assert missing.exit_code == 1
    assert "no ledger in schema 'nothing_here'" in missing.output
    unnamed = CliRunner().invoke(cli, ["history", "--target", url])
    assert unnamed.exit_code == 2
    bad = CliRunner().invoke(cli, ["history", "--table", "events", "--target", url])
    assert bad.exit_code == 2
    assert "SCHEMA.TABLE" in bad.output


# --- as a scheduler runs it -------------------------------------------------------------------------


def run_rio(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if k not in _WAREHOUSE_ENV}, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "rio.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_exit_codes_of_a_real_process(tmp_path: Path, base: Path, warehouse: tuple[str, Path]) -> None:
    url, _ = warehouse
    publish_go_style(base, [event(i) for i in range(3)], D2)
    publish_go_style(base, [event(i, D1) for i in range(3)], D1)
    args = ("send", "--base", str(base), "--schema", SCHEMA, "--tables", TABLE, "--target", url)
    loaded = run_rio(*args, cwd=tmp_path)
    assert (loaded.returncode, loaded.stdout) == (
        0,
        f"{SCHEMA}.{TABLE}: loaded 3 rows for 2026-11-21T10:00:00Z\n",
    )
    stale = run_rio(*args, "--date", "2026-11-20T10:00:00Z", cwd=tmp_path)
    assert stale.returncode == 3, stale.stderr
    usage = run_rio("send", "--schema", SCHEMA, cwd=tmp_path)
    assert usage.returncode == 2
    assert "Missing option '--tables'" in usage.stderr


def test_the_demo_packs_sends_and_queries(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rio.demo", "--rows", "20000", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "packed   20,000 rows" in done.stdout
    assert "demo.events: loaded 20,000 rows" in done.stdout
    assert "page_view" in done.stdout
    assert duckdb_rows(tmp_path / "rio-demo.duckdb", "SELECT count(*) FROM demo.events") == [(20000,)]


# --- how to reach S3: the --s3-* flags and RIO_S3_* reach every layer ---------------------------------------


def pack_and_send_to_s3(tmp_path: Path, config_file: Path, bucket: str, target: str) -> list[str]:
    """``rio pack … --send`` of 500 rows into ``s3://bucket/events``, loaded into ``target``."""
    data = tmp_path / "events.ndjson"
    data.write_bytes(ndjson([event(i) for i in range(500)]))
    return [
        "pack", "--schema", SCHEMA, "--table", TABLE, "--base", f"s3://{bucket}/events",
        "--config", str(config_file), "--buffer-size", "4096", str(data), "--send", "--target", target,
    ]  # fmt: skip


@pytest.mark.parametrize("process", ["in_process", "real_process"])
@pytest.mark.parametrize("given_by", ["flag", "environment"])
def test_pack_send_loads_through_the_s3_endpoint_it_wrote_to(
    given_by: str,
    process: str,
    tmp_path: Path,
    config_file: Path,
    warehouse: tuple[str, Path],
    s3_server: Any,
    s3_bucket: str,
) -> None:
    url, path = warehouse
    args = pack_and_send_to_s3(tmp_path, config_file, s3_bucket, url)
    flag = ["--s3-endpoint-url", s3_server.endpoint_url] if given_by == "flag" else []
    env = {} if given_by == "flag" else {"RIO_S3_ENDPOINT_URL": s3_server.endpoint_url}
    if process == "in_process":
        result = rio(*args, *flag, env=env)
        code, output = result.exit_code, result.output
    else:
        done = run_rio(*args, *flag, cwd=tmp_path, env=env)
        code, output = done.returncode, done.stdout + done.stderr
    assert code == 0, output
    assert f"{SCHEMA}.{TABLE}: loaded 500 rows" in output
    assert duckdb_rows(path, f"SELECT count(*), count(DISTINCT id) FROM {SCHEMA}.{TABLE}") == [(500, 500)]


@pytest.mark.parametrize("given_by", ["flag", "environment"])
def test_send_reads_through_the_s3_endpoint_of_its_flag_or_the_environment(
    given_by: str, tmp_path: Path, warehouse: tuple[str, Path], s3: Any, s3_server: Any, s3_bucket: str
) -> None:
    local = tmp_path / "go"
    local.mkdir()
    publish_go_style(local, [event(i) for i in range(8)], D2)
    for item in local.iterdir():
        s3.put_object(Bucket=s3_bucket, Key=item.name, Body=item.read_bytes())
    url, path = warehouse
    args = ["send", "--bucket", s3_bucket, "--schema", SCHEMA, "--tables", TABLE, "--target", url]
    if given_by == "flag":
        result = rio(*args, "--s3-endpoint-url", s3_server.endpoint_url)
    else:
        result = rio(*args, env={"RIO_S3_ENDPOINT_URL": s3_server.endpoint_url})
    assert result.exit_code == 0, result.output
    assert result.output == f"{SCHEMA}.{TABLE}: loaded 8 rows for 2026-11-21T10:00:00Z\n"
    assert duckdb_rows(path, f"SELECT count(*) FROM {SCHEMA}.{TABLE}") == [(8,)]


@pytest.mark.parametrize("given_by", ["flag", "environment"])
def test_load_reads_an_s3_glob_through_the_s3_endpoint(
    given_by: str, tmp_path: Path, s3: Any, s3_server: Any, s3_bucket: str
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="exports/users_1.csv", Body=b"id,name\n1,Ann\n2,Bo\n")
    s3.put_object(Bucket=s3_bucket, Key="exports/users_2.csv", Body=b"id,name\n3,Cy\n")
    target = f"duckdb:///{tmp_path / 'w.duckdb'}::crm.users"
    args = ["load", f"s3://{s3_bucket}/exports/users_*.csv", target]
    if given_by == "flag":
        result = rio(*args, "--s3-endpoint-url", s3_server.endpoint_url)
    else:
        result = rio(*args, env={"RIO_S3_ENDPOINT_URL": s3_server.endpoint_url})
    assert result.exit_code == 0, result.output
    assert "crm.users: loaded 3 rows" in result.output
    assert duckdb_rows(tmp_path / "w.duckdb", "SELECT id, name FROM crm.users ORDER BY id") == [
        (1, "Ann"),
        (2, "Bo"),
        (3, "Cy"),
    ]


def test_load_stages_in_s3_through_the_same_endpoint(
    tmp_path: Path, s3: Any, s3_server: Any, s3_bucket: str
) -> None:
    (tmp_path / "users.csv").write_text("id,name\n1,Ann\n")
    target = f"duckdb:///{tmp_path / 'w.duckdb'}::crm.users"
    result = rio(
        "load", str(tmp_path / "users.csv"), target, "--base", f"s3://{s3_bucket}/staging", "--keep-staged",
        "--s3-endpoint-url", s3_server.endpoint_url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    kept = s3.list_objects_v2(Bucket=s3_bucket, Prefix="staging/")["Contents"]
    assert any(item["Key"].endswith(".manifest") for item in kept)


def test_an_unreachable_s3_endpoint_ends_send_with_one_line_and_no_traceback(
    tmp_path: Path, warehouse: tuple[str, Path]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        unreachable = f"http://127.0.0.1:{probe.getsockname()[1]}"
    url, _ = warehouse
    done = run_rio(
        "send", "--bucket", "metrics-bucket", "--schema", SCHEMA, "--tables", TABLE, "--target", url,
        cwd=tmp_path, env={"AWS_ENDPOINT_URL": unreachable},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(
        "Error: could not find the region of s3://metrics-bucket: "
        f"the S3 endpoint {unreachable} could not be reached"
    )


def test_load_creates_the_table_with_the_declared_table_columns(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "id,total,placed,doc\n"
        '1,12.50,2026-11-21 10:00:00+02,"{""a"": [1, 2]}"\n'  # a SUPER field holds JSON, as in COPY CSV
        "2,0.1,2026-11-21T08:00:00Z,[]\n"
    )
    target = f"duckdb:///{tmp_path / 'w.duckdb'}::shop.orders"
    declared = "id bigint not null, total decimal(12,2), placed timestamptz, doc super"
    for _ in range(2):  # a second run appends to the table the first one made
        result = rio("load", str(tmp_path / "orders.csv"), target, "--table-columns", declared)
        assert result.exit_code == 0, result.output
    types = duckdb_rows(
        tmp_path / "w.duckdb",
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'shop' AND table_name = 'orders' ORDER BY ordinal_position",
    )
    assert types == [
        ("id", "BIGINT", "NO"),
        ("total", "DECIMAL(12,2)", "YES"),
        ("placed", "TIMESTAMP WITH TIME ZONE", "YES"),
        ("doc", "JSON", "YES"),
    ]
    rows = duckdb_rows(
        tmp_path / "w.duckdb",
        "SELECT id, total::VARCHAR, epoch(placed)::BIGINT, doc->>'$.a[1]' FROM shop.orders ORDER BY id",
    )
    instant = int(datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc).timestamp())
    assert rows == [(1, "12.50", instant, "2"), (1, "12.50", instant, "2"), (2, "0.10", instant, None),
                    (2, "0.10", instant, None)]  # fmt: skip


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ("id", "--table-columns: item 1: 'id' is not 'name type'"),
        ("id bigint, total decimal(40,2)", "the precision of decimal(p,s) is 1 to 38, not 40"),
        ("id bigint, shape geometry", "item 2 (shape)"),
        ("id bigint primary key", "--table-columns: item 1 (id)"),  # a constraint is not a type
    ],
)
def test_load_refuses_bad_table_columns_as_a_usage_error_before_reading(
    tmp_path: Path, declared: str, message: str
) -> None:
    (tmp_path / "orders.csv").write_text("id\n1\n")
    result = rio(
        "load", str(tmp_path / "orders.csv"), f"duckdb:///{tmp_path / 'w.duckdb'}::shop.orders",
        "--table-columns", declared,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "w.duckdb").exists()


def test_load_names_the_line_and_column_of_a_super_field_that_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "docs.csv").write_text('id,doc\n1,"{""ok"": true}"\n2,{not json}\n')
    target = f"duckdb:///{tmp_path / 'w.duckdb'}::shop.docs"
    result = rio("load", str(tmp_path / "docs.csv"), target, "--table-columns", "id int, doc super")
    assert result.exit_code == 1, result.output
    assert "docs.csv: line 3: column 'doc': not a JSON value" in result.output
    assert "not json" not in result.output  # the field's text is not echoed
    assert duckdb_rows(tmp_path / "w.duckdb", "SELECT count(*) FROM information_schema.tables "
                       "WHERE table_name = 'docs'") == [(0,)]  # fmt: skip


def test_send_takes_its_schema_from_the_profile_output_when_not_given(tmp_path: Path) -> None:
    base = tmp_path / "data"
    base.mkdir()
    (tmp_path / "profiles.yml").write_text(
        "warehouse:\n  target: dev\n  outputs:\n    dev:\n"
        f"      type: duckdb\n      path: {tmp_path / 'w.duckdb'}\n      schema: {SCHEMA}\n"
    )
    result = rio(
        "send", "--base", str(base), "--tables", TABLE, "--profile", "warehouse",
        "--profiles-dir", str(tmp_path), "--dry-run",
    )  # fmt: skip
    assert f"{SCHEMA}.{TABLE}" in result.output, result.output
    without = rio(
        "send", "--base", str(base), "--tables", TABLE, "--target", f"duckdb:///{tmp_path / 'x.db'}"
    )
    assert without.exit_code == 2, without.output
    assert "Missing option '--schema'. (a profile output's 'schema:' gives it by default)" in without.output
