"""The command line's habits: the Go worker's flag syntax, -v/-q and RIO_LOG_LEVEL, --json when a
command fails, one spelling of upsert keys, a run's summary, shell completion, and --out's key.

Most cases run through click's runner; what a scheduler or a shell sees (stderr against stdout, the
completion protocol) runs ``rio`` as a real process.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from rio import contract
from rio.cli import cli
from rio.cli._goflags import go_flags_as_click
from rio.cli._verbosity import Verbosity
from rio.config import Column, DestinationConfig

SCHEMA = "analytics"
DATE = datetime(2026, 11, 21, 10, 0, 0, tzinfo=timezone.utc)
DATE_TEXT = "2026-11-21T10:00:00Z"
COLUMNS = [
    Column("ts", "timestamp", sort_ord=1),
    Column("id", "bigint", dist_key=True),
    Column("name", "text"),
]
_AMBIENT = (
    "REDSHIFT_HOST", "REDSHIFT_PORT", "REDSHIFT_DB", "REDSHIFT_USER", "REDSHIFT_PASSWORD", "RIO_PROFILES_DIR",
    "RIO_SERVE_TOKEN", "RIO_S3_ENDPOINT_URL", "RIO_LOG_LEVEL",
)  # fmt: skip
RIO = Path(sys.executable).parent / "rio"


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _AMBIENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def rio(*args: str, env: dict[str, str] | None = None, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)


def run_rio(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``rio`` as a scheduler runs it: its own process, stdout and stderr apart."""
    environment = {k: v for k, v in os.environ.items() if k not in _AMBIENT}
    return subprocess.run(
        [str(RIO), *args], env={**environment, **(env or {})}, capture_output=True, text=True, timeout=120
    )


def publish(base: Path, table: str, rows: int) -> None:
    """The Go tools' layout: one ``<schema>_<table>_<date>.json.gz`` and its config."""
    config = DestinationConfig(SCHEMA, table, COLUMNS, data_timestamp_column="ts")
    (base / contract.config_key(SCHEMA, table, DATE)).write_text(config.to_yaml())
    lines = b"".join(
        json.dumps({"ts": (DATE.replace(tzinfo=None) + timedelta(seconds=i)).isoformat(), "id": i,
                    "name": f"n{i}"}).encode() + b"\n"
        for i in range(rows)
    )  # fmt: skip
    (base / contract.data_key(SCHEMA, table, DATE, "json.gz")).write_bytes(gzip.compress(lines))


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base"
    path.mkdir()
    publish(path, "events", 3)
    publish(path, "users", 1)
    return path


@pytest.fixture
def target(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'w.duckdb'}"


def count(target: str, table: str) -> int:
    import duckdb

    with duckdb.connect(target.removeprefix("duckdb:///"), read_only=True) as db:
        row = db.execute(f"SELECT count(*) FROM {SCHEMA}.{table}").fetchone()
    assert row is not None
    return int(row[0])


# --- the Go worker's flags, as it took them ----------------------------------------------------------


def as_click(*args: str) -> list[str]:
    with click.Context(cli) as group:
        command = cli.get_command(group, "send")  # as rio runs it: with -v and -q
        assert command is not None
        with click.Context(command, parent=group) as ctx:
            return go_flags_as_click(command, ctx, list(args))


@pytest.mark.parametrize(
    ("given", "read"),
    [
        (["-schema=analytics", "-tables", "a,b"], ["--schema=analytics", "--tables", "a,b"]),
        (["--schema=analytics", "--tables", "a"], ["--schema=analytics", "--tables", "a"]),
        (["-truncate", "-force=true"], ["--truncate", "--force"]),
        (["-force=false"], []),
        (["-force", "-force=0"], []),  # Go's last word wins
        (["-force=F", "-force=T"], ["--force"]),
        (["-gzip=false"], ["--no-gzip"]),
        (["--gzip=true", "-no-gzip=false"], ["--gzip", "--gzip"]),
        (["-max-errors", "-1"], ["--max-errors", "-1"]),  # a value is never read as a flag
        (["-accept-invalid-chars", "-truncate-columns"], ["--accept-invalid-chars", "--truncate-columns"]),
        (["-h"], ["-h"]),
        (["-help"], ["--help"]),
        (["-vv", "-q"], ["-vv", "-q"]),  # click's short options stay as they are
        (["--", "-schema=x"], ["--", "-schema=x"]),
    ],
)
def test_the_go_workers_flag_syntax_reads_as_clicks(given: list[str], read: list[str]) -> None:
    assert as_click(*given) == read


def test_send_takes_the_go_workers_command_line_from_a_bucket(
    s3: Any, s3_bucket: str, s3_server: Any, base: Path, target: str
) -> None:
    for item in base.iterdir():
        s3.put_object(Bucket=s3_bucket, Key=item.name, Body=item.read_bytes())
    result = rio(
        "send", "-schema=analytics", "-tables=events,users", f"-bucket={s3_bucket}", "-truncate",
        "-force=true", f"-date={DATE_TEXT}", "-gzip", "-granularity", "day", "-delimiter=", "--target",
        target,
        "-s3-endpoint-url", s3_server.endpoint_url,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{SCHEMA}.events: loaded 3 rows for {DATE_TEXT}",
        f"{SCHEMA}.users: loaded 1 row for {DATE_TEXT}",
        "2 loaded (4 rows)",
    ]
    assert (count(target, "events"), count(target, "users")) == (3, 1)


def test_go_flags_work_before_and_after_rios_own(base: Path, target: str) -> None:
    result = rio("send", "--target", target, "-base", str(base), "-schema", SCHEMA, "-tables=events", "-v")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{SCHEMA}.events: loaded 3 rows for {DATE_TEXT}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-force=maybe"], "-force=maybe: 'maybe' is not a boolean; write true or false"),
        (["-tabls=events"], "No such option '-tabls'. Did you mean '--tables'?"),
        (["-delimiter=,"], "',' means CSV data"),
    ],
)
def test_a_bad_go_flag_is_a_usage_error_naming_it(base: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["send", "-schema=analytics", "-tables=events", f"-base={base}", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


# --- verbosity ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verbosity", "environment", "rio_level", "other_level"),
    [
        (Verbosity(), None, logging.WARNING, logging.WARNING),
        (Verbosity(verbose=1), None, logging.INFO, logging.WARNING),
        (Verbosity(verbose=2), None, logging.DEBUG, logging.WARNING),
        (Verbosity(verbose=3), None, logging.DEBUG, logging.DEBUG),
        (Verbosity(quiet=True), None, logging.ERROR, logging.ERROR),
        (Verbosity(), "debug", logging.DEBUG, logging.WARNING),
        (Verbosity(), "Error", logging.ERROR, logging.ERROR),
        (Verbosity(verbose=1), "ERROR", logging.INFO, logging.WARNING),  # a flag wins over the variable
    ],
)
def test_the_levels_of_rios_loggers_and_everyone_elses(
    monkeypatch: pytest.MonkeyPatch, verbosity: Verbosity, environment: str | None, rio_level: int,
    other_level: int,
) -> None:  # fmt: skip
    if environment is not None:
        monkeypatch.setenv("RIO_LOG_LEVEL", environment)
    assert verbosity.levels() == (rio_level, other_level)


@pytest.mark.parametrize("where", ["before", "after"])
def test_vv_logs_rios_sql_before_or_after_the_command(base: Path, target: str, where: str) -> None:
    args = ["send", "--base", str(base), "--schema", SCHEMA, "--tables", "events", "--target", target]
    result = rio("-vv", *args) if where == "before" else rio(*args, "-v", "-v")
    assert result.exit_code == 0, result.output
    assert " DEBUG rio.sql: " in result.stderr
    assert result.stdout == f"{SCHEMA}.events: loaded 3 rows for {DATE_TEXT}\n"


def test_rio_log_level_sets_rios_level_and_a_bad_one_is_a_usage_error(base: Path, target: str) -> None:
    args = ["send", "--base", str(base), "--schema", SCHEMA, "--tables", "events", "--target", target]
    logged = rio(*args, env={"RIO_LOG_LEVEL": "debug"})
    assert logged.exit_code == 0, logged.output
    assert " DEBUG rio.sql: " in logged.stderr
    bad = CliRunner().invoke(cli, [*args, "-v"], env={"RIO_LOG_LEVEL": "loud"})
    assert bad.exit_code == 2
    assert "RIO_LOG_LEVEL='loud' is not a log level" in bad.output


def test_other_libraries_debug_logs_only_at_vvv(
    s3: Any, s3_bucket: str, s3_server: Any, tmp_path: Path
) -> None:
    s3.put_object(Bucket=s3_bucket, Key="parts/a.json.gz", Body=b"0123")
    args = ["manifest", f"s3://{s3_bucket}/parts/", "--s3-endpoint-url", s3_server.endpoint_url]
    vv = run_rio("-vv", *args, "--out", "vv.manifest")
    assert vv.returncode == 0, vv.stderr
    assert " DEBUG botocore" not in vv.stderr
    vvv = run_rio(*args, "--out", "vvv.manifest", "-vvv")
    assert vvv.returncode == 0, vvv.stderr
    assert " DEBUG botocore" in vvv.stderr


def test_a_failed_table_is_reported_once_and_only_on_stdout(base: Path, target: str) -> None:
    done = run_rio(
        "send", "--base", str(base), "--schema", SCHEMA, "--tables", "events,missing", "--target", target
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""  # no log line repeats the failure
    lines = done.stdout.splitlines()
    assert lines[0] == f"{SCHEMA}.events: loaded 3 rows for {DATE_TEXT}"
    assert lines[1].startswith(f"{SCHEMA}.missing: failed: no data for any date in ")
    assert lines[2] == "1 loaded (3 rows), 1 failed"
    assert done.stdout.count("no data") == 1
    assert done.stdout.count(f"{SCHEMA}.missing") == 1


def test_a_failed_load_is_reported_once(tmp_path: Path, target: str) -> None:
    (tmp_path / "bad.csv").write_text("id\n1\nx\n")
    done = run_rio("load", str(tmp_path / "bad.csv"), f"{target}::shop.bad", "--table-columns", "id int")
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("Error: ")


def test_quiet_says_only_what_went_wrong(base: Path, target: str) -> None:
    args = ["send", "--base", str(base), "--schema", SCHEMA, "--target", target]
    loaded = run_rio("-q", *args, "--tables", "events,users")
    assert (loaded.returncode, loaded.stdout, loaded.stderr) == (0, "", "")
    failed = run_rio(*args, "--tables", "events,missing", "--quiet")
    assert failed.returncode == 1
    (line,) = failed.stdout.splitlines()
    assert line.startswith(f"{SCHEMA}.missing: failed")
    assert failed.stderr == ""


def test_quiet_and_verbose_contradict() -> None:
    result = CliRunner().invoke(cli, ["-q", "history", "-v"])
    assert result.exit_code == 2
    assert "-q and -v contradict each other" in result.output


def test_the_command_line_leaves_no_log_handler_behind(base: Path, target: str) -> None:
    handlers = list(logging.getLogger().handlers)
    rio("send", "--base", str(base), "--schema", SCHEMA, "--tables", "events", "--target", target, "-v")
    CliRunner().invoke(cli, ["--no-such-flag"])
    CliRunner().invoke(cli, ["send", "--no-such-flag"])
    assert logging.getLogger().handlers == handlers


# --- --json, also when a command fails ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kind", "option"),
    [
        (["send", "--tables", "events", "--base", "."], "MissingParameter", "--schema"),
        (["send", "-schema=x", "-tables=y", "-base=.", "-force=maybe"], "UsageError", None),
        (["load", "only-a-source.csv"], "MissingParameter", "target"),
        (["pack", "--table", "t", "--base", "."], "MissingParameter", "--schema"),
        (["manifest", ".", "--out", "s3://lake/x.manifest"], "BadParameter", "--out"),
        (["history"], "UsageError", None),
        (["send", "--schema", "s", "--tables", "t", "--base", ".", "--nope"], "NoSuchOption", "--nope"),
        (["--nope", "history"], "NoSuchOption", "--nope"),
    ],
)
def test_json_reports_bad_flags_as_one_document_exiting_two(
    args: list[str], kind: str, option: str | None
) -> None:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 2, result.output
    assert result.stderr == ""
    error = json.loads(result.stdout)["error"]
    assert error["type"] == kind
    assert error["exit_code"] == 2
    assert error["message"]
    assert error.get("option") == option


def test_json_reports_a_failure_with_its_class_and_attributes(tmp_path: Path, target: str) -> None:
    (tmp_path / "bad.csv").write_text("id,name\n1,a\n2\n")
    result = CliRunner().invoke(cli, ["load", str(tmp_path / "bad.csv"), f"{target}::shop.bad", "--json"])
    assert result.exit_code == 1, result.output
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "MalformedInput"
    assert (error["source"], error["line"]) == (str(tmp_path / "bad.csv"), 3)
    assert "2 fields where the header has 1" in error["message"] or "line 3" in error["message"]


def test_json_reports_a_bad_rio_log_level(base: Path) -> None:
    result = CliRunner().invoke(cli, ["history", "--json"], env={"RIO_LOG_LEVEL": "chatty"})
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["message"].startswith("RIO_LOG_LEVEL='chatty'")


def test_json_of_a_failed_command_line_in_a_real_process(tmp_path: Path) -> None:
    done = run_rio("manifest", str(tmp_path), "--out", "none.manifest", "--json")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {
        "error": {
            "type": "CommandFailed",
            "message": f"no data files under file://{tmp_path}; a manifest that lists no files fails every "
            "COPY, so none was written",
            "exit_code": 1,
        }
    }


def test_ctrl_c_with_json_is_a_json_document_too(tmp_path: Path) -> None:
    # The source is a named pipe nobody writes: the load waits in it until the interrupt.
    source = tmp_path / "waiting.csv"
    os.mkfifo(source)
    environment = {k: v for k, v in os.environ.items() if k not in _AMBIENT}
    child = subprocess.Popen(
        [str(RIO), "load", str(source), f"duckdb:///{tmp_path / 'w.duckdb'}::shop.t", "--json"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = datetime.now() + timedelta(seconds=60)
    writer = None
    while writer is None:  # a writer can open the pipe once rio has it open to read
        try:
            writer = os.open(source, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            assert child.poll() is None, child.communicate()
            assert datetime.now() < deadline, "rio never opened its source"
    try:
        # The write end stays open and empty: rio waits in its first read.
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        os.close(writer)
    assert child.returncode == 1, err
    assert json.loads(out) == {
        "error": {"type": "KeyboardInterrupt", "message": "interrupted (Ctrl-C)", "exit_code": 1}
    }
    assert "Aborted!" not in out + err


def test_manifest_json_lists_the_entries_it_wrote(tmp_path: Path) -> None:
    (tmp_path / "a.json.gz").write_bytes(b"abc")
    result = rio("manifest", str(tmp_path), "--out", "m.manifest", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "manifest": f"file://{tmp_path}/m.manifest",
        "entries": [
            {"url": f"file://{tmp_path}/a.json.gz", "mandatory": True, "meta": {"content_length": 3}}
        ],
        "files": 1,
        "bytes": 3,
    }
    text = rio("manifest", str(tmp_path), "--out", "n.manifest")
    assert text.stdout == f"wrote file://{tmp_path}/n.manifest: 1 file, 3 bytes\n"


# --- one spelling of upsert keys -----------------------------------------------------------------------


def pack_job(tmp_path: Path, *keys: str) -> Result:
    """``rio pack`` of one row, printing the job it would hand over, with ``keys``' flags."""
    config = tmp_path / "users.yml"
    config.write_text(DestinationConfig(SCHEMA, "users", COLUMNS, data_timestamp_column="ts").to_yaml())
    return CliRunner().invoke(
        cli,
        ["pack", "--schema", SCHEMA, "--table", "users", "--base", str(tmp_path / "out"), "--config",
         str(config), "--mode", "upsert", *keys, "--json", "-"],
        input=b'{"ts": "2026-11-21T10:00:00", "id": 1, "name": "a"}\n',
    )  # fmt: skip


def test_upsert_key_and_upsert_keys_merge_in_order(tmp_path: Path) -> None:
    result = pack_job(tmp_path, "--upsert-key", "ts", "--upsert-keys", "id,name", "--upsert-key", "x")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["job_payload"]["upsert_keys"] == ["ts", "id", "name", "x"]


@pytest.mark.parametrize("command", ["send", "load", "pack"])
def test_a_key_named_twice_is_refused_on_every_command_that_upserts(tmp_path: Path, command: str) -> None:
    given = {
        "send": ["send", "--schema", SCHEMA, "--tables", "t", "--base", "."],
        "load": ["load", "x.csv", "duckdb:///w.duckdb::s.t"],
        "pack": ["pack", "--schema", SCHEMA, "--table", "t", "--base", ".", "--mode", "upsert"],
    }[command]
    result = CliRunner().invoke(cli, [*given, "--upsert-keys", "id,day", "--upsert-key", "id"])
    assert result.exit_code == 2, result.output
    assert "the key column 'id' is named twice" in result.output


def test_send_and_load_upsert_with_either_spelling(base: Path, target: str, tmp_path: Path) -> None:
    sent = rio("send", "--base", str(base), "--schema", SCHEMA, "--tables", "events", "--target", target,
               "--upsert-key", "id")  # fmt: skip
    assert sent.exit_code == 0, sent.output
    (tmp_path / "users.csv").write_text("id,name\n1,a\n1,b\n")
    loaded = rio("load", str(tmp_path / "users.csv"), f"{target}::crm.users", "--upsert-keys", "id")
    assert loaded.exit_code == 0, loaded.output
    assert "crm.users: loaded 1 row from " in loaded.stdout


# --- the run's summary ---------------------------------------------------------------------------------


def test_a_multi_table_send_ends_with_a_summary(base: Path, target: str) -> None:
    args = ["send", "--base", str(base), "--schema", SCHEMA, "--target", target]
    assert rio(*args, "--tables", "events").exit_code == 0
    result = rio(*args, "--tables", "events,users,missing")
    assert result.exit_code == 1
    *tables, summary = result.stdout.splitlines()
    assert tables[1] == f"{SCHEMA}.users: loaded 1 row for {DATE_TEXT}"
    assert summary == "1 loaded (1 row), 1 already loaded, 1 failed"
    one = rio(*args, "--tables", "users")
    assert one.stdout.startswith(f"{SCHEMA}.users: already loaded for {DATE_TEXT}")
    assert len(one.stdout.splitlines()) == 1  # one table: its line says it all


def test_pack_says_one_row(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["pack", "--schema", SCHEMA, "--table", "t", "--base", str(tmp_path), "--date", DATE_TEXT, "-"],
        input=b'{"a": 1}\n',
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("packed 1 row; manifest: ")


# --- shell completion ------------------------------------------------------------------------------------


def test_bash_completion_script_and_completing_a_command() -> None:
    script = run_rio(env={"_RIO_COMPLETE": "bash_source"})
    assert script.returncode == 0, script.stderr
    assert "_rio_completion()" in script.stdout
    assert "complete -o nosort -F _rio_completion rio" in script.stdout
    offered = run_rio(env={"_RIO_COMPLETE": "bash_complete", "COMP_WORDS": "rio se", "COMP_CWORD": "1"})
    assert offered.returncode == 0, offered.stderr
    assert offered.stdout.split() == ["plain,send", "plain,serve"]
    flags = run_rio(
        env={"_RIO_COMPLETE": "bash_complete", "COMP_WORDS": "rio send --upsert", "COMP_CWORD": "2"}
    )
    assert flags.stdout.split() == ["plain,--upsert-key", "plain,--upsert-keys"]
    printed = run_rio("completion", "bash")
    assert printed.stdout == script.stdout


def test_help_says_how_to_turn_completion_on() -> None:
    shown = rio("--help").stdout
    assert 'eval "$(_RIO_COMPLETE=bash_source rio)"' in shown
    assert "RIO_LOG_LEVEL" in shown


# --- rio manifest --out takes a key ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "out", "message"),
    [
        ("s3://lake/exports/", "s3://lake/loads/e.manifest",
         "is a URL; --out takes a key in s3://lake: write --out loads/e.manifest"),
        ("s3://lake/exports/", "s3://other/e.manifest", "--out loads/events.manifest writes "
         "s3://lake/loads/events.manifest"),
        ("s3://lake/exports/", "/tmp/e.manifest", "is a local path; --out takes a key in s3://lake"),
        (".", "./sub/e.manifest", "is a path from here; --out takes one relative to"),
        (".", "../e.manifest", "is outside"),
    ],
)  # fmt: skip
def test_manifest_out_explains_that_it_takes_a_key(location: str, out: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["manifest", location, "--out", out])
    assert result.exit_code == 2, result.output
    assert message in result.output
    if out.startswith("./"):
        assert "write --out sub/e.manifest" in result.output
