"""Job endpoints: one rule for their URL, the bearer token from the environment, and bounded waits.

The rule is checked against the real ``rio serve`` (which answers 404 off its routes), for the pipe,
``rio send --endpoint`` and ``rio pack --send --endpoint``, with the server's address and its
``/jobs`` URL alike; a path prefix (a proxy's) against a small server that records each path. The
bounds are checked against a socket that takes requests and never answers.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from rio import RedshiftIO
from rio.cli import cli
from rio.config import Column, DestinationConfig
from rio.contract import Job
from rio.errors import JobSubmissionFailed, PipeError
from rio.executors import (
    DEFAULT_JOB_ATTEMPTS,
    DEFAULT_JOB_TIMEOUT,
    HttpExecutor,
    endpoint_base,
    jobs_url,
)
from rio.server import client
from support.job_endpoint import JobEndpoint
from support.postgres import PostgresServer, named_database
from support.rio_serve import ServeProcess, publish_local, rows_for

SCHEMA = "analytics"
D1 = datetime(2026, 11, 21, 10, 0, 0, tzinfo=timezone.utc)


def config_for(table: str) -> DestinationConfig:
    return DestinationConfig(
        SCHEMA,
        table,
        [Column("ts", "timestamp", sort_ord=1), Column("id", "bigint"), Column("name", "text")],
        data_timestamp_column="ts",
    )


def pg_count(url: str, table: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*), count(DISTINCT id) FROM {SCHEMA}.{table}").fetchone()
    assert row is not None
    assert row[0] == row[1], f"{table} holds duplicates"
    return int(row[0])


def rio(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


# --- the rule ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/jobs", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/jobs/", "http://127.0.0.1:8080"),
        ("https://proxy.example.com/rio", "https://proxy.example.com/rio"),
        ("https://proxy.example.com/rio/", "https://proxy.example.com/rio"),
        ("https://proxy.example.com/rio/jobs", "https://proxy.example.com/rio"),
        ("https://proxy.example.com/a/b/jobs/", "https://proxy.example.com/a/b"),
        ("http://[::1]:8080/jobs", "http://[::1]:8080"),
        # Only a last segment that is exactly "jobs" is rio serve's route.
        ("http://host/jobs-queue", "http://host/jobs-queue"),
    ],
)
def test_an_endpoint_is_its_base_with_or_without_jobs(given: str, base: str) -> None:
    assert endpoint_base(given) == base
    assert jobs_url(given) == base + "/jobs"
    assert HttpExecutor(given).endpoint == base + "/jobs"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("127.0.0.1:8080", "is not an http:// or https:// URL"),
        ("ftp://host/jobs", "is not an http:// or https:// URL"),
        ("http://", "names no host"),
        ("http://host:port/", "is not a URL"),
        ("http://user:s3cr3t@host:8080", "must not hold a user or password"),
        ("http://host:8080/jobs?token=abc", "must not carry a query or a fragment"),
        ("http://host:8080/#jobs", "must not carry a query or a fragment"),
    ],
)
def test_a_malformed_endpoint_is_refused_with_the_reason(given: str, message: str) -> None:
    with pytest.raises(JobSubmissionFailed, match=message) as caught:
        jobs_url(given)
    assert "s3cr3t" not in str(caught.value)
    assert "token=abc" not in str(caught.value)
    with pytest.raises(JobSubmissionFailed, match=message):
        RedshiftIO(config_for("t_bad"), base="unused", job_endpoint=given)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"attempts": 0}, "attempts must be a whole number of at least 1, not 0"),
        ({"attempts": True}, "attempts must be a whole number of at least 1, not True"),
        ({"timeout": 0}, "the timeout must be a number of seconds above 0, not 0"),
        ({"timeout": -1.5}, "the timeout must be a number of seconds above 0, not -1.5"),
        ({"timeout": float("inf")}, "the timeout must be a number of seconds above 0, not inf"),
        ({"backoff": -1}, "the backoff must be a number of seconds of at least 0, not -1"),
    ],
)
def test_bad_submission_settings_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(JobSubmissionFailed, match=message):
        HttpExecutor("http://127.0.0.1:8080", **options)


def test_the_pipe_refuses_bad_job_settings_before_storing_anything(tmp_path: Path) -> None:
    base = tmp_path / "base"
    with pytest.raises(JobSubmissionFailed, match="attempts must be a whole number of at least 1, not 0"):
        RedshiftIO(config_for("t"), base=str(base), job_endpoint="http://127.0.0.1:8080", job_attempts=0)
    with pytest.raises(JobSubmissionFailed, match="the timeout must be a number of seconds above 0"):
        RedshiftIO(config_for("t"), base=str(base), job_endpoint="http://127.0.0.1:8080", job_timeout=0)
    with pytest.raises(PipeError, match="job_timeout= and job_attempts= are for job_endpoint="):
        RedshiftIO(config_for("t"), base=str(base), target="duckdb:///w.duckdb", job_timeout=5)
    assert not base.exists()


def test_the_defaults_bound_a_silent_endpoint_to_well_under_a_minute() -> None:
    executor = HttpExecutor("http://127.0.0.1:8080")
    assert (executor.timeout, executor.attempts) == (DEFAULT_JOB_TIMEOUT, DEFAULT_JOB_ATTEMPTS)
    assert worst_case(executor.timeout, executor.attempts, executor.backoff) < 40


# --- a path prefix, as behind a proxy ------------------------------------------------------------------


class PathRecorder:
    """An HTTP server on 127.0.0.1 that answers 202 to a POST on ``accept`` and 404 elsewhere."""

    def __init__(self, accept: str) -> None:
        self.accept = accept
        self.posts: list[tuple[str, dict[str, str]]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                recorder.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                found = self.path == recorder.accept
                answer = json.dumps({"id": json.loads(body)["id"]} if found else {"error": "no route"})
                self.send_response(202 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer.encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.mark.parametrize("suffix", ["/rio", "/rio/", "/rio/jobs", "/rio/jobs/"])
def test_a_pipe_posts_to_the_jobs_route_under_a_path_prefix(tmp_path: Path, suffix: str) -> None:
    recorder = PathRecorder(accept="/rio/jobs")
    try:
        pipe = RedshiftIO(
            config_for("t_prefix"), base=str(tmp_path), job_endpoint=recorder.url + suffix, job_token="tk-1"
        )
        pipe.pack(rows_for(1, D1)[0])
        receipt = pipe.send()
        pipe.close()
    finally:
        recorder.stop()
    assert receipt is not None
    assert [path for path, _ in recorder.posts] == ["/rio/jobs"]
    assert recorder.posts[0][1]["authorization"] == "Bearer tk-1"


# --- the real rio serve ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serve_pg(postgres_server: PostgresServer) -> Iterator[str]:
    with named_database(postgres_server, "rio_test_job_endpoint") as url:
        yield url


@pytest.fixture(scope="module")
def serve_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("served")


@pytest.fixture(scope="module")
def serve(
    tmp_path_factory: pytest.TempPathFactory, serve_pg: str, serve_base: Path
) -> Iterator[ServeProcess]:
    """One rio serve, loading into ``serve_pg`` what lies under ``serve_base``."""
    state = tmp_path_factory.mktemp("serve-state") / "state.sqlite3"
    process = ServeProcess(serve_pg, state, extra=["--allow-base", str(serve_base)]).start()
    try:
        yield process
    finally:
        code = process.stop()
        assert code == 0, process.log()


FORMS: dict[str, Callable[[str], str]] = {
    "address": lambda url: url,
    "address_slash": lambda url: url + "/",
    "jobs_url": lambda url: url + "/jobs",
}


@pytest.mark.parametrize("form", FORMS)
def test_a_pipe_sends_to_rio_serve_with_the_token_from_the_environment(
    form: str, serve: ServeProcess, serve_pg: str, serve_base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = f"t_pipe_{form}"
    monkeypatch.setenv("RIO_SERVE_TOKEN", serve.token)
    pipe = RedshiftIO(config_for(table), base=str(serve_base / table), job_endpoint=FORMS[form](serve.url))
    pipe.pack_many(rows_for(300, D1))
    receipt = pipe.send()
    pipe.close()
    assert receipt is not None
    assert receipt.job_id is not None
    finished = serve.wait_for(receipt.job_id)
    assert finished["exit_code"] == 0, finished
    assert pg_count(serve_pg, table) == 300


def test_a_pipe_without_a_token_is_refused_by_rio_serve_with_its_answer(
    serve: ServeProcess, serve_base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RIO_SERVE_TOKEN", raising=False)
    pipe = RedshiftIO(config_for("t_no_token"), base=str(serve_base / "t_no_token"), job_endpoint=serve.url)
    pipe.pack(rows_for(1, D1)[0])
    with pytest.raises(JobSubmissionFailed, match="401") as refused:
        pipe.send()
    assert refused.value.status == 401
    pipe.close_without_sending()


@pytest.mark.parametrize("form", FORMS)
def test_rio_send_posts_to_rio_serve_in_either_form(
    form: str, serve: ServeProcess, serve_pg: str, serve_base: Path
) -> None:
    table = f"t_send_{form}"
    base = serve_base / table
    base.mkdir()
    publish_local(base, config_for(table), D1, rows_for(40, D1))
    endpoint = FORMS[form](serve.url)
    result = rio(
        "send", "--base", str(base), "--schema", SCHEMA, "--tables", table, "--endpoint", endpoint,
        env={"RIO_SERVE_TOKEN": serve.token},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"\n{SCHEMA}.{table}: loaded 40 rows" in result.output
    assert pg_count(serve_pg, table) == 40


@pytest.mark.parametrize("form", FORMS)
def test_rio_pack_send_posts_to_rio_serve_in_either_form(
    form: str, serve: ServeProcess, serve_pg: str, serve_base: Path, tmp_path: Path
) -> None:
    table = f"t_pack_{form}"
    config_file = tmp_path / "config.yml"
    config_file.write_text(config_for(table).to_yaml())
    data = tmp_path / "rows.ndjson"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows_for(25, D1)))
    result = rio(
        "pack", "--schema", SCHEMA, "--table", table, "--base", str(serve_base / table),
        "--config", str(config_file), str(data), "--send", "--endpoint", FORMS[form](serve.url),
        env={"RIO_SERVE_TOKEN": serve.token},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{SCHEMA}.{table}: loaded 25 rows" in result.output
    assert pg_count(serve_pg, table) == 25


def test_the_client_follows_a_job_by_the_jobs_url_too(serve: ServeProcess, serve_base: Path) -> None:
    table = "t_client"
    base = serve_base / table
    base.mkdir()
    publish_local(base, config_for(table), D1, rows_for(5, D1))
    job = Job(base=str(base), schema=SCHEMA, tables=(table,), date=D1, id="client-jobs-url")
    job_id = client.submit(serve.url + "/jobs/", job, serve.token)
    outcomes, code = client.wait_outcomes(serve.url + "/jobs", job_id, serve.token, timeout=30)
    assert (job_id, code, [outcome.rows for outcome in outcomes]) == ("client-jobs-url", 0, [5])


# --- retries ---------------------------------------------------------------------------------------------


def test_retries_wait_the_documented_backoff_with_jitter(job_endpoint: JobEndpoint) -> None:
    job_endpoint.fail_times = 3
    waits: list[float] = []
    executor = HttpExecutor(job_endpoint.url, attempts=4, backoff=0.2, sleep=waits.append)
    executor.submit(Job(base="/data", schema=SCHEMA, tables=("t",), id="backoff"))
    assert len(job_endpoint.received) == 4
    # backoff * 2 ** (retry - 1), times 1 to 1.5: the first retry waits too.
    assert len(waits) == 3
    for retry, waited in enumerate(waits, start=1):
        assert 0.2 * 2 ** (retry - 1) <= waited <= 0.2 * 2 ** (retry - 1) * 1.5


def test_a_job_without_an_id_keeps_one_idempotency_key_across_attempts(job_endpoint: JobEndpoint) -> None:
    job_endpoint.fail_times = 1
    executor = HttpExecutor(job_endpoint.url, attempts=2, backoff=0)
    receipt = executor.submit(Job(base="/data", schema=SCHEMA, tables=("t",)))
    keys = {item.headers["idempotency-key"] for item in job_endpoint.received}
    assert len(job_endpoint.received) == 2
    assert len(keys) == 1
    assert receipt.detail == {"id": keys.pop()}


def test_a_retry_is_announced_once_in_rios_words(caplog: pytest.LogCaptureFixture) -> None:
    endpoint = JobEndpoint().start()
    url = endpoint.url
    endpoint.stop()
    executor = HttpExecutor(url, attempts=2, backoff=0)
    with caplog.at_level("WARNING"), pytest.raises(JobSubmissionFailed, match="after 2 attempts"):
        executor.submit(Job(base="/data", schema=SCHEMA, tables=("t",), id="announced"))
    warnings = [
        (record.name, record.getMessage()) for record in caplog.records if record.levelname == "WARNING"
    ]
    assert len(warnings) == 1, warnings
    name, message = warnings[0]
    assert name == "rio.executors"
    assert message.startswith("job announced: it could not be reached (")
    assert message.endswith("trying again in 0.0 s (1/2)")


# --- an endpoint that takes the request and never answers ----------------------------------------------


class SilentEndpoint:
    """A socket on 127.0.0.1 that accepts every connection, reads the request, and never answers."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.requests = 0
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            connection.recv(65536)
            self.requests += 1
            self._held.append(connection)  # open, and silent

    def stop(self) -> None:
        self._stopped.set()
        self._listener.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def silent() -> Iterator[SilentEndpoint]:
    endpoint = SilentEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.stop()


def worst_case(timeout: float, attempts: int, backoff: float = 0.5) -> float:
    """The longest a submission may take: every attempt timing out, every backoff at its most."""
    return attempts * timeout + sum(backoff * 2**i * 1.5 for i in range(attempts - 1))


def test_a_silent_endpoint_fails_send_within_the_configured_bound(
    silent: SilentEndpoint, tmp_path: Path
) -> None:
    pipe = RedshiftIO(
        config_for("t_silent"),
        base=str(tmp_path),
        job_endpoint=silent.url,
        job_token="tk",
        job_timeout=0.5,
        job_attempts=2,
    )
    pipe.pack(rows_for(1, D1)[0])
    started = time.monotonic()
    with pytest.raises(JobSubmissionFailed, match="after 2 attempts: it could not be reached"):
        pipe.send()
    elapsed = time.monotonic() - started
    assert 2 * 0.5 <= elapsed < worst_case(0.5, 2) + 2  # + the manifest and config writes
    assert silent.requests == 2
    pipe.close_without_sending()


def test_rio_send_gives_up_on_a_silent_endpoint_within_its_flags(silent: SilentEndpoint) -> None:
    started = time.monotonic()
    result = rio(
        "send", "--bucket", "metrics", "--schema", SCHEMA, "--tables", "events", "--endpoint", silent.url,
        "--token", "tk", "--job-timeout", "0.4", "--job-attempts", "2",
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "could not be submitted" in result.output
    assert "after 2 attempts" in result.output
    assert elapsed < worst_case(0.4, 2) + 2
    assert silent.requests == 2


def test_rio_pack_send_gives_up_on_a_silent_endpoint_within_its_flags(
    silent: SilentEndpoint, tmp_path: Path
) -> None:
    config_file = tmp_path / "config.yml"
    config_file.write_text(config_for("t_silent_pack").to_yaml())
    data = tmp_path / "rows.ndjson"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows_for(3, D1)))
    started = time.monotonic()
    result = rio(
        "pack", "--schema", SCHEMA, "--table", "t_silent_pack", "--base", str(tmp_path / "base"),
        "--config", str(config_file), str(data), "--send", "--endpoint", silent.url, "--token", "tk",
        "--job-timeout", "0.4", "--job-attempts", "1",
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert "after 1 attempts" in result.output
    assert elapsed < worst_case(0.4, 1) + 3
    assert silent.requests == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--job-timeout", "5"], "--job-timeout goes with --endpoint"),
        (["--job-attempts", "2"], "--job-attempts goes with --endpoint"),
        (
            ["--endpoint", "http://127.0.0.1:1", "--token", "t", "--job-timeout", "0"],
            "Invalid value for '--job-timeout': 0.0 is not in the range",
        ),
        (
            ["--endpoint", "http://127.0.0.1:1", "--token", "t", "--job-attempts", "0"],
            "Invalid value for '--job-attempts': 0 is not in the range",
        ),
    ],
)
def test_job_flags_are_checked(tmp_path: Path, args: list[str], message: str) -> None:
    result = rio(
        "send", "--base", str(tmp_path), "--schema", SCHEMA, "--tables", "events", "--target",
        f"duckdb:///{tmp_path / 'w.duckdb'}", *args,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_rio_pack_refuses_an_endpoint_without_send(tmp_path: Path) -> None:
    data = tmp_path / "rows.ndjson"
    data.write_text('{"id": 1}\n')
    result = rio(
        "pack", "--schema", SCHEMA, "--table", "t", "--base", str(tmp_path / "base"), str(data),
        "--endpoint", "http://127.0.0.1:1",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--endpoint goes with --send" in result.output


def test_a_silent_endpoint_bounds_a_real_rio_send_process(silent: SilentEndpoint) -> None:
    started = time.monotonic()
    command = [
        sys.executable, "-m", "rio.cli", "send", "--bucket", "metrics", "--schema", SCHEMA, "--tables",
        "events", "--endpoint", silent.url + "/jobs", "--token", "tk", "--job-timeout", "0.5",
        "--job-attempts", "1",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 0.5 + 10  # the interpreter's start included
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert f"could not be submitted to {silent.url}/jobs after 1 attempts" in done.stderr


@pytest.mark.parametrize("command", ["send", "pack"])
def test_a_malformed_endpoint_flag_is_a_usage_error(command: str, tmp_path: Path) -> None:
    config_file = tmp_path / "config.yml"
    config_file.write_text(config_for("t").to_yaml())
    data = tmp_path / "rows.ndjson"
    data.write_text(json.dumps(rows_for(1, D1)[0]) + "\n")
    if command == "send":
        args = ["send", "--base", str(tmp_path), "--schema", SCHEMA, "--tables", "t"]
    else:
        args = ["pack", "--schema", SCHEMA, "--table", "t", "--base", str(tmp_path / "base"),
                "--config", str(config_file), str(data), "--send"]  # fmt: skip
    result = rio(*args, "--endpoint", "127.0.0.1:8080", "--token", "tk")
    assert result.exit_code == 2, result.output
    assert "job endpoint '127.0.0.1:8080' is not an http:// or https:// URL" in result.output
    assert not (tmp_path / "base").exists()
