"""``rio debug`` against real parts — PostgreSQL, DuckDB files, moto's S3, Redshift's driver through
the proxy — and ``rio history``'s refusal to create a DuckDB file.

Each check is one line that starts with ok, FAIL or skip; a failure is a line, never a traceback,
and no password is ever in the output. Nothing is left behind: no DuckDB file, no probe object.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from rio.adapters.probe import PROBE_PREFIX, probe_store
from rio.cli.debug import debug
from rio.cli.history import history
from rio.errors import StorageError
from rio.storage import LocalStore
from support.postgres import free_port
from support.redshift_double import RedshiftDouble
from support.redshift_proxy import RedshiftProxy
from support.s3 import FAKE_AWS_ENVIRONMENT, S3Server

CHECKS = ["profile", "driver", "connection", "create", "ledger", "base", "copy"]
PASSWORD = "s3cr3t-Pa55word"
_AMBIENT = (
    "REDSHIFT_HOST",
    "REDSHIFT_PORT",
    "REDSHIFT_DB",
    "REDSHIFT_USER",
    "REDSHIFT_PASSWORD",
    "RIO_PROFILES_DIR",
    "RIO_S3_ENDPOINT_URL",
    "RIO_S3_REGION",
    "RIO_S3_ADDRESSING_STYLE",
    "DBT_PROFILES_DIR",
)


@pytest.fixture(autouse=True)
def _no_ambient_warehouse(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _AMBIENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def run_debug(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(debug, list(args), env=env, catch_exceptions=False)


def lines_of(result: Result) -> dict[str, tuple[str, str]]:
    """Each check's mark and detail, by name, from the text output; the order is checked too."""
    checks = [line.split(None, 2) for line in result.output.splitlines()[: len(CHECKS)]]
    assert [name for _, name, _ in checks] == CHECKS, result.output
    return {name: (mark, detail) for mark, name, detail in checks}


def marks(result: Result) -> dict[str, str]:
    return {name: mark for name, (mark, _) in lines_of(result).items()}


def with_password(url: str, user: str, password: str) -> str:
    """``url`` signing in as ``user`` with ``password``."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{user}:{password}@{rest.split('@', 1)[1]}"


def query(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that takes connections and never answers: a server that hangs."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as listener:
        yield listener.getsockname()[1]


# --- all passing ------------------------------------------------------------------------------------


def test_postgresql_and_an_s3_base_pass_and_the_probe_is_removed(
    pg_url: str, s3_server: S3Server, s3: Any, s3_bucket: str
) -> None:
    result = run_debug(
        "--target", pg_url, "--base", f"s3://{s3_bucket}/exports",
        "--s3-endpoint-url", s3_server.endpoint_url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = lines_of(result)
    assert marks(result) == {**dict.fromkeys(CHECKS, "ok"), "copy": "skip"}
    assert shown["profile"][1].endswith(f"from the URL {pg_url}")
    assert shown["driver"][1].startswith("psycopg 3.")
    assert "PostgreSQL 15" in shown["connection"][1]
    assert shown["create"][1] == "user postgres may create tables in schema public"
    assert shown["ledger"][1] == "no public.rio_loads yet: the first load creates it"
    assert f"s3://{s3_bucket}/exports: wrote, read back and removed {PROBE_PREFIX}/" in shown["base"][1]
    assert result.output.splitlines()[-1] == "all checks passed (1 skipped)"
    assert s3.list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0


def test_a_duckdb_file_with_a_ledger_and_a_local_base_pass(tmp_path: Path) -> None:
    from rio.adapters import resolve_adapter
    from rio.ledger import LEDGER_COLUMNS, LEDGER_TABLE, Ledger

    path, base = tmp_path / "w.duckdb", tmp_path / "data"
    base.mkdir()
    adapter = resolve_adapter(f"duckdb:///{path}")
    session = adapter.connect()
    try:
        Ledger(adapter, "analytics").ensure(session)
        row = {name: None for name, _ in LEDGER_COLUMNS}
        row.update(schema_name="analytics", table_name="events", mode="append", rows_loaded=3)
        row.update(data_date=datetime(2026, 11, 21, 10), loaded_at=datetime(2026, 11, 21, 10, 5, 7))
        adapter.insert_row(session, "analytics", LEDGER_TABLE, row)
    finally:
        session.close()

    result = run_debug("--target", f"duckdb:///{path}", "--schema", "analytics", "--base", str(base))
    assert result.exit_code == 0, result.output
    shown = lines_of(result)
    assert marks(result) == {**dict.fromkeys(CHECKS, "ok"), "copy": "skip"}
    assert shown["connection"][1].startswith(f"duckdb {path}: DuckDB v")
    assert shown["create"][1] == f"{path} and its directory are writable (schema analytics is there)"
    assert shown["ledger"][1] == "analytics.rio_loads holds 1 load, the latest at 2026-11-21T10:05:07Z"
    assert list(base.iterdir()) == []  # the probe and its directory are gone


def test_redshift_through_the_double_with_an_s3_base_passes(
    monkeypatch: pytest.MonkeyPatch,
    redshift_double_factory: Callable[..., RedshiftDouble],
    redshift_proxy: RedshiftProxy,
    pg_url: str,
    s3_server: S3Server,
    s3: Any,
    s3_bucket: str,
) -> None:
    import rio.adapters

    # The command resolves its adapter by type: the double answers for "redshift", so Redshift's
    # catalogue (attisdistkey, …) is translated for PostgreSQL as in every other Redshift test.
    chosen = rio.adapters.adapter_class
    monkeypatch.setattr(
        rio.adapters,
        "adapter_class",
        lambda kind: (
            (lambda settings: redshift_double_factory(**settings)) if kind == "redshift" else chosen(kind)
        ),
    )
    keys = FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"], FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"]
    url = (
        f"redshift://postgres:@{redshift_proxy.host}:{redshift_proxy.port}/{pg_url.rsplit('/', 1)[1]}"
        f"?ssl=false&aws_access_key_id={keys[0]}&aws_secret_access_key={keys[1]}"
    )
    result = run_debug(
        "--target", url, "--base", f"s3://{s3_bucket}", "--s3-endpoint-url", s3_server.endpoint_url
    )
    assert result.exit_code == 0, result.output
    shown = lines_of(result)
    assert marks(result) == dict.fromkeys(CHECKS, "ok")
    assert shown["profile"][1].endswith("aws_access_key_id=***&aws_secret_access_key=***")
    assert shown["driver"][1].startswith("redshift_connector ")
    assert shown["create"][1] == "user postgres may create tables in schema public"
    assert shown["ledger"][1] == "no public.rio_loads yet: the first load creates it"
    assert shown["copy"][1] == "COPY authorizes with the target's aws_access_key_id and aws_secret_access_key"
    assert s3.list_objects_v2(Bucket=s3_bucket).get("KeyCount") == 0

    # Redshift's COPY cannot read a directory of this machine.
    local = run_debug("--target", url, "--base", ".")
    assert local.exit_code == 1
    assert lines_of(local)["copy"] == (
        "FAIL",
        f"Redshift's COPY reads only from S3, and file://{Path.cwd()} is a local directory",
    )
    role = run_debug("--target", url + "&iam_role=arn:aws:iam::123456789012:role/loader")
    assert lines_of(role)["copy"] == (
        "ok",
        "COPY authorizes with IAM_ROLE arn:aws:iam::123456789012:role/loader",
    )


def test_a_profile_names_its_file_and_its_schema(pg_url: str, tmp_path: Path) -> None:
    database = pg_url.rsplit("/", 1)[1]
    port = pg_url.rsplit(":", 1)[1].split("/")[0]
    (tmp_path / "profiles.yml").write_text(
        "warehouse:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: 127.0.0.1\n"
        f"      port: {port}\n      user: postgres\n      pass: {PASSWORD}\n      dbname: {database}\n"
        "      schema: analytics\n"
    )
    result = run_debug("--profile", "warehouse", "--profiles-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    shown = lines_of(result)
    assert shown["profile"][1] == (
        f"postgres 127.0.0.1:{port}/{database}, from profile warehouse (its default target) in "
        f"{tmp_path / 'profiles.yml'}"
    )
    # The profile's schema is the one checked: not there yet, and the user may create it.
    assert shown["create"][1] == (
        f"schema analytics is not there yet, and user postgres may create it in database {database}"
    )
    assert shown["ledger"][1] == "no analytics.rio_loads yet: the first load creates it"
    assert shown["base"] == ("skip", "no --base given")
    assert PASSWORD not in result.output


# --- what fails --------------------------------------------------------------------------------------


def test_a_missing_duckdb_file_fails_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.duckdb"
    result = run_debug("--target", f"duckdb:///{path}")
    assert result.exit_code == 1
    assert lines_of(result)["connection"][0] == "FAIL"
    assert f"no such DuckDB file: {path}" in result.output
    assert marks(result)["ledger"] == "skip"
    assert result.output.splitlines()[-1] == "1 of 7 checks failed"
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_role_that_does_not_exist_is_a_fail_line_without_the_password(pg_url: str) -> None:
    result = run_debug("--target", with_password(pg_url, "nobody_here", PASSWORD))
    assert result.exit_code == 1
    mark, detail = lines_of(result)["connection"]
    assert mark == "FAIL"
    assert 'role "nobody_here" does not exist' in detail
    assert PASSWORD not in result.output
    assert "Traceback" not in result.output
    assert marks(result)["create"] == marks(result)["ledger"] == "skip"


def test_a_closed_port_fails_in_a_subprocess_without_a_traceback_or_the_password(tmp_path: Path) -> None:
    url = f"postgresql://loader:{PASSWORD}@127.0.0.1:{free_port()}/warehouse"
    done = subprocess.run(
        [sys.executable, "-c", "from rio.cli.debug import debug; debug()", "--target", url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    connection = next(line for line in done.stdout.splitlines() if line.split()[1:2] == ["connection"])
    assert connection.startswith("FAIL")
    assert "cannot connect to 127.0.0.1" in connection
    assert "Traceback" not in done.stdout + done.stderr
    assert PASSWORD not in done.stdout + done.stderr


@pytest.mark.parametrize("scheme", ["postgresql", "redshift"])
def test_a_server_that_never_answers_fails_within_the_timeout(silent_server: int, scheme: str) -> None:
    started = time.monotonic()
    result = run_debug("--target", f"{scheme}://u:{PASSWORD}@127.0.0.1:{silent_server}/db", "--timeout", "2")
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    mark, detail = lines_of(result)["connection"]
    assert mark == "FAIL"
    assert "cannot connect" in detail
    assert PASSWORD not in result.output


def test_the_redshift_environment_is_named_and_its_password_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    environment = {"REDSHIFT_HOST": "127.0.0.1", "REDSHIFT_PORT": str(port), "REDSHIFT_DB": "metrics"}
    environment.update(REDSHIFT_USER="loader", REDSHIFT_PASSWORD=PASSWORD)
    result = run_debug("--timeout", "2", env=environment)
    assert result.exit_code == 1
    shown = lines_of(result)
    assert shown["profile"] == (
        "ok",
        f"redshift 127.0.0.1:{port}/metrics, from REDSHIFT_HOST, REDSHIFT_PORT, REDSHIFT_DB, "
        "REDSHIFT_USER and REDSHIFT_PASSWORD",
    )
    assert shown["connection"][0] == "FAIL"
    assert PASSWORD not in result.output


def test_no_target_at_all_fails_the_profile_and_skips_the_rest() -> None:
    result = run_debug()
    assert result.exit_code == 1
    assert marks(result) == {**dict.fromkeys(CHECKS, "skip"), "profile": "FAIL"}
    assert "no warehouse to load into" in lines_of(result)["profile"][1]


def test_a_driver_that_is_not_installed_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # what an environment without it gives
    result = run_debug("--target", f"postgresql://loader:{PASSWORD}@127.0.0.1:{free_port()}/warehouse")
    assert result.exit_code == 1
    mark, detail = lines_of(result)["driver"]
    assert mark == "FAIL"
    assert (
        "the psycopg driver, which is not installed; install it with: pip install 'rio[postgres]'" in detail
    )
    assert marks(result)["connection"] == "skip"
    assert lines_of(result)["create"] == ("skip", "no driver")


def test_a_user_without_the_right_to_create_fails(pg_url: str) -> None:
    query(pg_url, "CREATE ROLE reader LOGIN")
    query(pg_url, "CREATE SCHEMA analytics")
    query(pg_url, "GRANT USAGE ON SCHEMA analytics TO reader")
    try:
        reader = with_password(pg_url, "reader", "unused")
        present = run_debug("--target", reader, "--schema", "analytics")
        assert present.exit_code == 1
        assert lines_of(present)["create"] == (
            "FAIL",
            "user reader may not create tables in schema analytics (GRANT CREATE ON SCHEMA analytics TO …)",
        )
        absent = run_debug("--target", reader, "--schema", "staging")
        mark, detail = lines_of(absent)["create"]
        assert mark == "FAIL"
        assert detail.startswith("schema staging does not exist, and user reader may not create schemas")
    finally:
        query(pg_url, "DROP SCHEMA analytics CASCADE")
        query(pg_url, "DROP ROLE reader")


def test_a_ledger_that_is_not_rios_fails(pg_url: str) -> None:
    query(pg_url, "CREATE TABLE public.rio_loads (id integer)")
    result = run_debug("--target", pg_url)
    assert result.exit_code == 1
    mark, detail = lines_of(result)["ledger"]
    assert mark == "FAIL"
    assert "public.rio_loads is not rio's load ledger" in detail


def test_a_missing_bucket_and_an_unreachable_s3_fail_the_base(
    tmp_path: Path, s3_server: S3Server, s3: Any
) -> None:
    path = tmp_path / "w.duckdb"
    import duckdb

    duckdb.connect(str(path)).close()
    target = ["--target", f"duckdb:///{path}"]
    missing = run_debug(
        *target, "--base", "s3://rio-no-such-bucket/x", "--s3-endpoint-url", s3_server.endpoint_url
    )
    assert missing.exit_code == 1
    mark, detail = lines_of(missing)["base"]
    assert mark == "FAIL"
    assert "rio-no-such-bucket" in detail
    assert "Traceback" not in missing.output

    unreachable = run_debug(
        *target,
        "--base",
        "s3://bucket/x",
        "--s3-endpoint-url",
        f"http://127.0.0.1:{free_port()}",
        "--timeout",
        "2",
    )
    assert unreachable.exit_code == 1
    assert lines_of(unreachable)["base"][0] == "FAIL"


def test_a_local_base_that_is_not_there_fails_and_is_not_made(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    import duckdb

    duckdb.connect(str(path)).close()
    result = run_debug("--target", f"duckdb:///{path}", "--base", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert lines_of(result)["base"] == ("FAIL", f"no such directory: {tmp_path / 'nowhere'}")
    assert not (tmp_path / "nowhere").exists()


def test_the_probe_is_removed_when_reading_it_back_fails(tmp_path: Path) -> None:
    class Unreadable(LocalStore):
        def get(self, key: str) -> bytes:
            raise StorageError(f"could not read {self.url(key)}: refused")

    with pytest.raises(StorageError, match="refused"):
        probe_store(Unreadable(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_a_malformed_base_is_a_bad_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(debug, ["--target", "duckdb:///w.duckdb", "--base", "s3://"])
    assert result.exit_code == 2
    assert not (tmp_path / "w.duckdb").exists()


# --- --json --------------------------------------------------------------------------------------------


def test_json_is_one_document_of_every_check(tmp_path: Path) -> None:
    path = tmp_path / "absent.duckdb"
    result = run_debug("--target", f"duckdb:///{path}", "--base", str(tmp_path), "--json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert set(document) == {"checks", "ok"}
    assert document["ok"] is False
    assert [check["name"] for check in document["checks"]] == CHECKS
    assert all(set(check) == {"name", "status", "detail"} for check in document["checks"])
    statuses = {check["name"]: check["status"] for check in document["checks"]}
    assert statuses == {
        "profile": "ok",
        "driver": "ok",
        "connection": "fail",
        "create": "ok",
        "ledger": "skip",
        "base": "ok",
        "copy": "skip",
    }
    assert not path.exists()


# --- rio history ----------------------------------------------------------------------------------------


def test_history_of_a_duckdb_file_that_is_not_there_creates_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(history, ["--schema", "analytics", "--target", "duckdb:///typo.duckdb"])
    assert result.exit_code == 1
    assert f"no such DuckDB file: typo.duckdb ({tmp_path / 'typo.duckdb'})" in result.output
    assert list(tmp_path.iterdir()) == []
