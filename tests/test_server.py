"""``rio serve`` as a real process: HTTP over a socket, jobs loaded into real PostgreSQL and DuckDB.

Most tests share one server on a PostgreSQL database of its own (each uses its own tables). The
tests of restarts, stops and races start their own servers. A job is held "running" by holding a
real lock on its table from the test, which the loader's transaction waits for.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from rio import RedshiftIO, contract
from rio.config import Column, DestinationConfig
from rio.contract import Job
from rio.errors import JobSubmissionFailed
from rio.server import client
from support.postgres import PostgresServer, named_database
from support.rio_serve import ServeProcess, publish_local, publish_s3, rows_for, server_pool
from support.s3 import S3Server

SCHEMA = "analytics"
D1 = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)
D2 = datetime(2026, 11, 21, 10, 0, 0, tzinfo=timezone.utc)
D3 = datetime(2026, 11, 22, 10, 0, 0, tzinfo=timezone.utc)


def config_for(table: str) -> DestinationConfig:
    return DestinationConfig(
        SCHEMA,
        table,
        [Column("ts", "timestamp", sort_ord=1), Column("id", "bigint"), Column("name", "text")],
        data_timestamp_column="ts",
    )


def pg_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def pg_count(url: str, table: str) -> int:
    return int(pg_rows(url, f"SELECT count(*) FROM {SCHEMA}.{table}")[0][0])


def ledger(url: str, table: str) -> list[tuple[Any, ...]]:
    return pg_rows(
        url,
        f"SELECT data_date, rows_loaded, job_id FROM {SCHEMA}.rio_loads WHERE table_name = '{table}' "
        "ORDER BY data_date",
    )


class TableLock:
    """An open transaction that holds ACCESS EXCLUSIVE on a table: loads of it wait until release()."""

    def __init__(self, url: str, table: str) -> None:
        import psycopg

        self._conn = psycopg.connect(url)
        self._conn.execute(f"LOCK TABLE {SCHEMA}.{table} IN ACCESS EXCLUSIVE MODE")

    def release(self) -> None:
        if not self._conn.closed:
            self._conn.rollback()
            self._conn.close()


def publish(base: Path, table: str, date: datetime, count: int = 50) -> None:
    publish_local(base, config_for(table), date, rows_for(count, date))


def job(base: Path, table: str, date: datetime, **fields: Any) -> Job:
    return Job(base=str(base), schema=SCHEMA, tables=(table,), date=date, **fields)


# --- servers ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_pg(postgres_server: PostgresServer) -> Iterator[str]:
    """A database of this module's own, for the shared server."""
    with named_database(postgres_server, "rio_test_serve") as url:
        yield url


@pytest.fixture(scope="module")
def serve_bucket(s3_server: S3Server) -> str:
    """A bucket of this module's own, which the shared server allows."""
    if not s3_server.running:
        s3_server.start()
    name = f"rio-serve-{secrets.token_hex(6)}"
    s3_server.client().create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, shared_pg: str, s3_server: S3Server, serve_bucket: str
) -> Iterator[ServeProcess]:
    """One rio serve for the tests of the HTTP API, loading into ``shared_pg``, reading S3 from moto.

    It allows the session's temporary directory (each test's ``base`` lies in it) and ``serve_bucket``.
    """
    if not s3_server.running:
        s3_server.start()
    state = tmp_path_factory.mktemp("serve") / "state.sqlite3"
    process = ServeProcess(
        shared_pg,
        state,
        allow_bases=[str(tmp_path_factory.getbasetemp()), f"s3://{serve_bucket}"],
        extra=["--s3-endpoint-url", s3_server.endpoint_url],
    ).start()
    try:
        yield process
    finally:
        code = process.stop()
        assert code == 0, process.log()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Start servers of a test's own, allowing the test's directory (its ``base`` lies in it)."""
    with server_pool(tmp_path, allow_bases=[str(tmp_path)]) as make:
        yield make


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base"
    path.mkdir()
    return path


# --- the HTTP API ----------------------------------------------------------------------------------------


def test_jobs_are_refused_without_the_right_token(server: ServeProcess, base: Path) -> None:
    body = job(base, "t_auth", D2, id="auth-1").to_json()
    headers = {"Content-Type": "application/json"}
    missing = server.request("POST", "/jobs", body, headers, token=None)
    assert missing.status == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in missing.json["error"]
    for wrong in ("wrong", server.token[:-1], server.token + "x", ""):
        refused = server.request("POST", "/jobs", body, headers, token=wrong)
        assert refused.status == 401, wrong
        assert refused.headers["www-authenticate"].startswith("Bearer")
    basic = {**headers, "Authorization": f"Basic {server.token}"}
    assert server.request("POST", "/jobs", body, basic, token=None).status == 401
    assert server.request("GET", "/jobs/auth-1", token=None).status == 401
    assert server.request("GET", "/jobs/auth-1", token="wrong").status == 401
    # Nothing refused was stored.
    assert server.request("GET", "/jobs/auth-1").status == 404


def test_healthz_answers_without_a_token(server: ServeProcess) -> None:
    answer = server.request("GET", "/healthz", token=None)
    assert answer.status == 200
    health = answer.json
    assert health["status"] == "ok"
    assert health["accepting"] is True
    assert health["workers"] == 2
    assert all(isinstance(health[key], int) for key in ("queued", "running", "finished"))


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b'{"version": 1, "base": ', "application/json", "not valid JSON"),
        (b'{"version":1,"base":"/tmp","schema":"analytics"}', "application/json", "tables"),
        (b'{"version":1,"base":"/tmp","schema":"a b","tables":["t"]}', "application/json", "schema"),
        (b"--bucket b1b --schema s --tables t --exec rm", "text/plain", "unknown flag '--exec'"),
        (b"--bucket b1b --schema s --tables t; rm -rf /", "text/plain", "rm"),
        (b"--bucket b1b --schema s --tables t --date", "text/plain", "needs a value"),
        (b"\xff\xfe", "text/plain", "not UTF-8"),
        (b"", "application/json", "empty"),
    ],
)
def test_a_malformed_job_is_refused_with_the_reason(
    server: ServeProcess, body: bytes, content_type: str, expected: str
) -> None:
    answer = server.request("POST", "/jobs", body, {"Content-Type": content_type})
    assert answer.status == 400, answer
    assert expected in answer.json["error"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("--bucket b1b --schema s --tables t $(touch ran)", "unexpected argument '$(touch'"),
        ("--bucket b1b --schema s --tables 't`touch ran`'", "cannot contain '`'"),
        ("--bucket b1b --schema s --tables t && touch ran", "unexpected argument '&&'"),
    ],
)
def test_a_flag_line_is_split_like_a_shell_would_but_never_run_by_one(
    server: ServeProcess, line: str, expected: str
) -> None:
    answer = server.request("POST", "/jobs", line.encode(), {"Content-Type": "text/plain"})
    assert answer.status == 400, answer
    assert expected in answer.json["error"]


def test_a_bad_idempotency_key_is_refused(server: ServeProcess, base: Path) -> None:
    answer = server.post_job(job(base, "t_key", D2), {"Idempotency-Key": "not a key!"})
    assert answer.status == 400
    assert "Idempotency-Key" in answer.json["error"]
    differ = server.post_job(job(base, "t_key", D2, id="key-1"), {"Idempotency-Key": "key-2"})
    assert differ.status == 400
    assert "differ" in differ.json["error"]
    assert server.request("GET", "/jobs/key-1").status == 404


def test_a_job_above_the_size_limit_is_413_whether_or_not_it_says_its_length(server: ServeProcess) -> None:
    huge = b'{"version":1,"pad":"' + b"x" * (1 << 20) + b'"}'
    declared = server.request("POST", "/jobs", huge, {"Content-Type": "application/json"})
    assert declared.status == 413
    assert "larger than" in declared.json["error"]

    # Chunked: no Content-Length, so only counting while reading can catch it.
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        chunks = (huge[i : i + 65536] for i in range(0, len(huge), 65536))
        connection.request(
            "POST",
            "/jobs",
            body=chunks,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {server.token}"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        assert response.status == 413
        assert "larger than" in json.loads(response.read())["error"]
    finally:
        connection.close()
    assert server.request("GET", "/healthz").status == 200


def test_an_unknown_job_is_404(server: ServeProcess) -> None:
    answer = server.request("GET", "/jobs/no-such-job")
    assert answer.status == 404
    assert "no-such-job" in answer.json["error"]


# --- jobs run, and what they report -----------------------------------------------------------------------


def test_a_finished_job_reports_its_outcomes_and_exit_code(
    server: ServeProcess, shared_pg: str, base: Path
) -> None:
    publish(base, "t_outcome", D2, 100)
    sent = job(base, "t_outcome", D2)
    job_id = client.submit(server.url, sent, server.token, 10)
    finished = client.wait(server.url, job_id, server.token, 30, 0.05)
    assert finished["id"] == job_id
    assert finished["state"] == "finished"
    assert finished["exit_code"] == 0
    assert finished["job"] == {**json.loads(sent.to_json()), "id": job_id}
    assert finished["outcomes"] == [
        {
            "schema": SCHEMA,
            "table": "t_outcome",
            "status": "loaded",
            "rows": 100,
            "date": "2026-11-21T10:00:00Z",
            "data_url": f"file://{base}/{contract.manifest_key(SCHEMA, 't_outcome', D2)}",
            "detail": "",
            "error": None,
            "error_type": None,
        }
    ]
    assert pg_count(shared_pg, "t_outcome") == 100
    assert [row[2] for row in ledger(shared_pg, "t_outcome")] == [job_id]

    # Older data than the table holds: stale, exit code 3.
    publish(base, "t_outcome", D1, 10)
    stale = client.wait(
        server.url, client.submit(server.url, job(base, "t_outcome", D1), server.token), server.token
    )
    assert (stale["exit_code"], stale["outcomes"][0]["status"]) == (3, "stale")
    assert stale["outcomes"][0]["detail"]

    # One table loads, one has no data: both reported, exit code 1.
    publish(base, "t_outcome_2", D2, 5)
    both = Job(base=str(base), schema=SCHEMA, tables=("t_outcome_2", "t_missing"), date=D2)
    failed = client.wait(server.url, client.submit(server.url, both, server.token), server.token, 30, 0.05)
    assert failed["exit_code"] == 1
    assert [(o["table"], o["status"]) for o in failed["outcomes"]] == [
        ("t_outcome_2", "loaded"),
        ("t_missing", "failed"),
    ]
    assert "t_missing" in failed["outcomes"][1]["error"]
    assert pg_count(shared_pg, "t_outcome") == 100


def test_a_job_id_posted_twice_runs_once(server: ServeProcess, shared_pg: str, base: Path) -> None:
    publish(base, "t_dup", D2, 40)
    first = server.post_job(job(base, "t_dup", D2, id="dup-1"))
    assert first.status == 202
    assert first.json == {"id": "dup-1", "state": "queued", "url": "/jobs/dup-1"}
    again = server.post_job(job(base, "t_dup", D2, id="dup-1"))
    assert again.status == 200
    assert again.json["id"] == "dup-1"
    finished = server.wait_for("dup-1")
    # After it finished, a third post still runs nothing and tells the outcome.
    third = server.post_job(job(base, "t_dup", D2, id="dup-1"))
    assert (third.status, third.json["state"], third.json["exit_code"]) == (200, "finished", 0)
    assert finished["runs"] == 1
    assert finished["outcomes"][0]["status"] == "loaded"

    # The id in the Idempotency-Key header, for a job without one.
    keyed = server.post_job(job(base, "t_dup", D2), {"Idempotency-Key": "dup-2"})
    assert (keyed.status, keyed.json["id"]) == (202, "dup-2")
    assert server.post_job(job(base, "t_dup", D2), {"Idempotency-Key": "dup-2"}).status == 200
    assert server.wait_for("dup-2")["outcomes"][0]["status"] == "already loaded"
    assert server.job("dup-2")["runs"] == 1

    # The same id for another job is a conflict, not a silent no-op.
    other = server.post_job(job(base, "t_dup", D1, id="dup-1"))
    assert other.status == 409
    assert "dup-1" in other.json["error"]
    assert pg_count(shared_pg, "t_dup") == 40
    assert [row[2] for row in ledger(shared_pg, "t_dup")] == ["dup-1"]


def test_the_go_tools_flag_line_is_accepted_and_loaded(
    server: ServeProcess, shared_pg: str, s3: Any, serve_bucket: str
) -> None:
    publish_s3(s3, serve_bucket, config_for("t_go"), D2, rows_for(30, D2))
    line = f"--bucket {serve_bucket} --schema {SCHEMA} --tables t_go --date 2026-11-21T10:00:00Z --gzip"
    answer = server.post_job(line, {"Idempotency-Key": "go-1"})
    assert answer.status == 202, answer
    finished = server.wait_for("go-1")
    assert finished["exit_code"] == 0, finished
    assert finished["job"]["base"] == f"s3://{serve_bucket}"
    assert (finished["job"]["mode"], finished["job"]["granularity"]) == ("refresh", "day")
    assert finished["outcomes"][0]["rows"] == 30
    assert pg_count(shared_pg, "t_go") == 30


def test_redshift_io_posts_its_job_to_the_server(server: ServeProcess, shared_pg: str, base: Path) -> None:
    pipe = RedshiftIO(
        config_for("t_pipe"), base=str(base), job_endpoint=f"{server.url}/jobs", job_token=server.token
    )
    with pipe:
        for row in rows_for(500, D2):
            pipe.pack(row)
        receipt = pipe.send(date=D2)
    assert receipt is not None
    assert receipt.job_id is not None
    assert receipt.detail["id"] == receipt.job_id
    finished = client.wait(server.url, receipt.job_id, server.token, 30, 0.05)
    assert finished["exit_code"] == 0, finished
    assert pg_count(shared_pg, "t_pipe") == 500

    refused = RedshiftIO(
        config_for("t_pipe"), base=str(base), job_endpoint=f"{server.url}/jobs", job_token="wrong"
    )
    refused.pack(rows_for(1, D3)[0])
    with pytest.raises(JobSubmissionFailed, match="401") as caught:
        refused.send(date=D3)
    assert caught.value.status == 401
    refused.close_without_sending()


def test_rio_send_with_an_endpoint_waits_for_the_outcome(
    server: ServeProcess, shared_pg: str, base: Path
) -> None:
    publish(base, "t_send", D2, 25)
    command = [sys.executable, "-m", "rio.cli", "send", "--base", str(base), "--schema", SCHEMA]
    command += ["--tables", "t_send", "--date", "2026-11-21T10:00:00Z", "--endpoint", server.url]
    env = {**os.environ, "RIO_SERVE_TOKEN": server.token}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "t_send: loaded 25 rows" in done.stdout
    assert pg_count(shared_pg, "t_send") == 25


def test_rio_pack_sends_through_an_endpoint_and_reports_the_load(
    server: ServeProcess, shared_pg: str, base: Path, tmp_path: Path
) -> None:
    rows = tmp_path / "rows.ndjson"
    rows.write_text("".join(json.dumps(row) + "\n" for row in rows_for(30, D2)))
    config = tmp_path / "t_pack.yml"
    config.write_text(config_for("t_pack").to_yaml())
    command = [sys.executable, "-m", "rio.cli", "pack", "--schema", SCHEMA, "--table", "t_pack"]
    command += ["--base", str(base), "--config", str(config), str(rows), "--send", "--endpoint", server.url]
    env = {**os.environ, "RIO_SERVE_TOKEN": server.token}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "packed 30 rows"
    assert f"{SCHEMA}.t_pack: loaded 30 rows" in done.stdout
    assert pg_count(shared_pg, "t_pack") == 30


def test_the_client_raises_with_the_servers_answer(server: ServeProcess, base: Path, tmp_path: Path) -> None:
    with pytest.raises(JobSubmissionFailed, match="bearer token is wrong") as wrong:
        client.submit(server.url, job(base, "t_client", D2), "wrong", 10)
    assert wrong.value.status == 401
    client.submit(server.url, job(base, "t_client", D2, id="taken"), server.token, 10)
    with pytest.raises(JobSubmissionFailed, match="409") as refused:
        client.submit(server.url, job(base, "t_other", D2, id="taken"), server.token, 10)
    assert refused.value.status == 409
    assert "different job" in str(refused.value)
    with pytest.raises(JobSubmissionFailed, match="404"):
        client.wait(server.url, "never-sent", server.token, 5, 0.05)
    with pytest.raises(JobSubmissionFailed, match="after 2 attempts: it could not be reached"):
        client.submit("http://127.0.0.1:9", job(base, "t_client", D2), server.token, 5, attempts=2)
    with pytest.raises(JobSubmissionFailed, match="not an http"):
        client.submit("127.0.0.1:9", job(base, "t_client", D2), server.token)


# --- restarts, stops, and several servers -----------------------------------------------------------------


def _make_table(server: ServeProcess, base: Path, table: str) -> None:
    """Load D1, so the table exists and the test can lock it."""
    publish(base, table, D1)
    assert server.post_job(job(base, table, D1, id=f"{table}-d1")).status == 202
    assert server.wait_for(f"{table}-d1")["exit_code"] == 0


def _hold_a_running_job(server: ServeProcess, pg_url: str, base: Path) -> TableLock:
    """Job ``j-d2`` for ``events`` running on ``server``, held there by the returned lock."""
    _make_table(server, base, "events")
    publish(base, "events", D2)
    lock = TableLock(pg_url, "events")
    try:
        assert server.post_job(job(base, "events", D2, id="j-d2")).status == 202
        server.wait_for("j-d2", "running")
    except BaseException:
        lock.release()
        raise
    return lock


def test_a_server_killed_with_jobs_queued_and_running_runs_them_after_a_restart(
    servers: Callable[..., ServeProcess], pg_url: str, base: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite3"
    first = servers(pg_url, state)
    publish(base, "events", D3)
    publish(base, "other", D2)
    lock = _hold_a_running_job(first, pg_url, base)
    try:
        assert first.post_job(job(base, "events", D3, id="j-d3")).status == 202
        assert first.post_job(job(base, "other", D2, id="j-other")).status == 202
        # Another table goes ahead; the second job for the held table waits though a worker is free.
        assert first.wait_for("j-other")["exit_code"] == 0
        assert first.job("j-d3")["state"] == "queued"
        assert first.job("j-d2")["state"] == "running"
        first.kill()
    finally:
        lock.release()
    assert [row[0].day for row in ledger(pg_url, "events")] == [20]

    second = servers(pg_url, state)
    assert second.wait_for("j-d2")["exit_code"] == 0
    assert second.wait_for("j-d3")["exit_code"] == 0
    assert second.job("j-d2")["runs"] == 2  # cut off by the kill, run again
    assert second.job("j-other")["runs"] == 1  # finished before the kill: not run again
    assert [(row[0].day, row[1], row[2]) for row in ledger(pg_url, "events")] == [
        (20, 50, "events-d1"),
        (21, 50, "j-d2"),
        (22, 50, "j-d3"),
    ]
    assert pg_count(pg_url, "events") == 150
    assert second.stop() == 0


def test_sigterm_lets_the_running_job_finish_and_keeps_the_queued_ones(
    servers: Callable[..., ServeProcess], pg_url: str, base: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite3"
    first = servers(pg_url, state, workers=1)
    publish(base, "events", D3)
    lock = _hold_a_running_job(first, pg_url, base)
    try:
        with pytest.raises(client.JobNotFinished, match="did not finish"):
            client.wait(first.url, "j-d2", first.token, 0.3, 0.05)
        assert first.post_job(job(base, "events", D3, id="j-d3")).status == 202
        assert first.process is not None
        first.process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert first.running, "the server must wait for its running job"
    finally:
        lock.release()
    assert first.process.wait(20) == 0, first.log()
    # The running job finished; the queued one did not start.
    assert [(row[0].day, row[2]) for row in ledger(pg_url, "events")] == [(20, "events-d1"), (21, "j-d2")], (
        first.log()
    )

    second = servers(pg_url, state)
    assert second.job("j-d2")["runs"] == 1, first.log()
    assert second.job("j-d2")["outcomes"][0]["status"] == "loaded"
    assert second.wait_for("j-d3")["exit_code"] == 0
    assert pg_count(pg_url, "events") == 150


def _the_cut_off_job_runs_again(servers: Callable[..., ServeProcess], pg_url: str, state: Path) -> None:
    """A server started on ``state`` runs ``j-d2`` a second time, and it loads its rows once."""
    finished = servers(pg_url, state).wait_for("j-d2")
    assert (finished["exit_code"], finished["runs"]) == (0, 2)
    assert pg_count(pg_url, "events") == 100


def test_the_grace_bounds_the_wait_and_the_cut_off_job_runs_again(
    servers: Callable[..., ServeProcess], pg_url: str, base: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite3"
    first = servers(pg_url, state, grace=1.0)
    lock = _hold_a_running_job(first, pg_url, base)
    try:
        began = time.monotonic()
        assert first.stop(timeout=15) == 0, first.log()
        assert time.monotonic() - began < 10
        assert (
            "the grace of 1 s ran out with job j-d2 running; it runs again at the next start" in first.log()
        )
    finally:
        lock.release()
    _the_cut_off_job_runs_again(servers, pg_url, state)


def test_a_second_signal_ends_the_wait_at_once(
    servers: Callable[..., ServeProcess], pg_url: str, base: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite3"
    first = servers(pg_url, state, grace=60.0)
    lock = _hold_a_running_job(first, pg_url, base)
    try:
        assert first.process is not None
        first.process.send_signal(signal.SIGINT)
        time.sleep(0.5)
        assert first.running
        began = time.monotonic()
        first.process.send_signal(signal.SIGINT)
        assert first.process.wait(10) == 0
        assert time.monotonic() - began < 5
    finally:
        lock.release()
    _the_cut_off_job_runs_again(servers, pg_url, state)


def test_one_state_file_has_one_server(
    servers: Callable[..., ServeProcess], pg_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite3"
    servers(pg_url, state)
    second = servers(pg_url, state, start=False)
    process = second.launch()
    assert process.wait(20) == 1
    assert "in use by another rio serve" in second.log()


def test_two_servers_racing_on_one_job_load_the_table_once(
    servers: Callable[..., ServeProcess], pg_url: str, base: Path
) -> None:
    publish(base, "events", D2, 2000)
    a, b = servers(pg_url), servers(pg_url)
    sent = job(base, "events", D2, id="race-1")
    answers: list[int] = []
    threads = [threading.Thread(target=lambda s=s: answers.append(s.post_job(sent).status)) for s in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [202, 202]
    statuses = sorted(s.wait_for("race-1")["outcomes"][0]["status"] for s in (a, b))
    assert statuses == ["already loaded", "loaded"]
    assert pg_count(pg_url, "events") == 2000
    assert [(row[1], row[2]) for row in ledger(pg_url, "events")] == [(2000, "race-1")]


def test_a_duckdb_warehouse_is_served(
    servers: Callable[..., ServeProcess], duckdb_path: Path, base: Path
) -> None:
    import duckdb

    publish(base, "events", D2, 70)
    publish(base, "other", D2, 30)
    server = servers(f"duckdb:///{duckdb_path}")
    ids = [client.submit(server.url, job(base, table, D2), server.token) for table in ("events", "other")]
    results = [client.wait(server.url, job_id, server.token, 30, 0.05) for job_id in ids]
    assert [r["exit_code"] for r in results] == [0, 0], results
    assert server.stop() == 0
    with duckdb.connect(str(duckdb_path), read_only=True) as conn:
        counts = [conn.execute(f"SELECT count(*) FROM {SCHEMA}.{t}").fetchone() for t in ("events", "other")]
    assert counts == [(70,), (30,)]


# --- the command ------------------------------------------------------------------------------------------


def test_rio_serve_refuses_to_start_without_a_token(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "RIO_SERVE_TOKEN"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rio.cli",
            "serve",
            "--target",
            f"duckdb:///{tmp_path}/w.duckdb",
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
    )
    assert done.returncode == 2
    assert "RIO_SERVE_TOKEN" in done.stderr
    assert not (tmp_path / "rio-serve.sqlite3").exists()


def test_import_rio_and_rio_help_never_import_the_server_stack() -> None:
    code = (
        "import sys, rio\n"
        "from click.testing import CliRunner\n"
        "from rio.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
        "assert CliRunner().invoke(cli, ['serve', '--help']).exit_code == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_state_file_is_sqlite_in_wal_mode(
    servers: Callable[..., ServeProcess], pg_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "state.sqlite3"
    servers(pg_url, state).stop()
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# --- bad state files and flags, without a server ----------------------------------------------------------


def test_a_state_file_that_is_not_sqlite_or_is_newer_is_refused(tmp_path: Path) -> None:
    from rio.errors import StateError
    from rio.server.state import StateStore

    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match=r"junk\.sqlite3 cannot be opened: .*SQLite file"):
        StateStore(junk)
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(StateError, match="layout version 99, newer than this rio's"):
        StateStore(newer)
    with pytest.raises(StateError, match=r"lock .* cannot be created"):
        StateStore(tmp_path / "no-such-dir" / "state.sqlite3")
    # A refused file leaves no lock held: it opens once fixed.
    newer.unlink()
    StateStore(newer)


def test_a_stored_job_this_rio_no_longer_accepts_is_failed_instead_of_stopping_the_start(
    tmp_path: Path,
) -> None:
    from rio.server.state import StateStore

    path = tmp_path / "state.sqlite3"
    StateStore(path).close()
    # As an older rio stored it: a job for a system schema, which rio now refuses everywhere.
    forged = json.dumps(
        {
            "version": 1,
            "id": "old-1",
            "base": str(tmp_path),
            "schema": "pg_catalog",
            "tables": ["t"],
            "date": None,
            "mode": "append",
            "truncate": False,
            "force": False,
        }
    )
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO jobs (id, job, state, received_at) VALUES (?, ?, 'running', '2026-11-21T10:00:00Z')",
            ("old-1", forged),
        )
    store = StateStore(path)
    try:
        assert store.requeue_unfinished() == []
        assert store.counts() == {"queued": 0, "running": 0, "finished": 1}
    finally:
        store.close()
    with sqlite3.connect(path) as db:
        outcomes, code = db.execute("SELECT outcomes, exit_code FROM jobs WHERE id = 'old-1'").fetchone()
    assert code == 1
    assert "is a system schema" in json.loads(outcomes)[0]["error"]


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        ([], {}, 2, "needs a bearer token"),
        (["--token", "two words"], {}, 2, "white space"),
        (["--target", "mysql://h/db"], {"RIO_SERVE_TOKEN": "t"}, 1, "mysql"),
    ],
)
def test_rio_serve_refuses_to_start_without_what_it_needs(
    args: list[str], env: dict[str, str], code: int, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from rio.cli import cli

    monkeypatch.delenv("RIO_SERVE_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", *args], env=env)
    assert result.exit_code == code, result.output
    assert message in result.output
