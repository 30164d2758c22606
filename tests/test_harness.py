"""The test fixtures are real: a PostgreSQL server, an S3 server over HTTP, DuckDB files on disk."""

from __future__ import annotations

import os
import stat
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError

from support.policy import server_unavailable, servers_required
from support.postgres import PostgresServer, find_postgres_bindir


def test_postgres_query_round_trips(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE events (id integer PRIMARY KEY, name varchar(256))")
        conn.execute("INSERT INTO events VALUES (%s, %s), (%s, %s)", (1, "ünïcode", 2, None))
        rows = conn.execute("SELECT id, name FROM events ORDER BY id").fetchall()
    assert rows == [(1, "ünïcode"), (2, None)]


def test_postgres_listens_on_loopback_at_its_own_port(postgres_server: PostgresServer, pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        listen = conn.execute("SHOW listen_addresses").fetchone()
        port = conn.execute("SHOW port").fetchone()
    assert listen == ("127.0.0.1",)
    assert port == (str(postgres_server.port),)


def test_postgres_server_runs_unprivileged(postgres_server: PostgresServer) -> None:
    owner = postgres_server.datadir.stat().st_uid
    assert owner != 0
    assert owner == (os.geteuid() if os.geteuid() != 0 else postgres_server.run_as.pw_uid)  # type: ignore[union-attr]


def test_postgres_databases_are_separate(pg_database_factory) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    first, second = pg_database_factory(), pg_database_factory()
    with psycopg.connect(first) as conn:
        conn.execute("CREATE TABLE only_here (x integer)")
    with psycopg.connect(second) as conn:
        found = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'").fetchone()
    assert found == (0,)


def test_find_postgres_bindir_prefers_rio_pg_bindir(tmp_path: Path) -> None:
    for name in ("initdb", "pg_ctl"):
        (tmp_path / name).write_text("#!/bin/sh\n")
    found = find_postgres_bindir({"RIO_PG_BINDIR": str(tmp_path), "PATH": ""}, search_globs=())
    assert found == tmp_path


def test_find_postgres_bindir_returns_none_without_binaries(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {"RIO_PG_BINDIR": str(empty), "PATH": str(empty)}
    assert find_postgres_bindir(env, search_globs=(str(tmp_path / "nothing*"),)) is None


def test_missing_server_fails_in_ci() -> None:
    assert servers_required({"CI": "true"})
    assert servers_required({"RIO_REQUIRE_SERVERS": "1"})
    with pytest.raises(pytest.fail.Exception, match="missing server is a failure"):
        server_unavailable("PostgreSQL server binaries not found", required=True)


def test_missing_server_skips_outside_ci() -> None:
    assert not servers_required({})
    with pytest.raises(pytest.skip.Exception, match="binaries not found"):
        server_unavailable("PostgreSQL server binaries not found", required=False)


def test_s3_object_round_trips_over_http(s3_server, s3, s3_bucket: str) -> None:  # type: ignore[no-untyped-def]
    assert urlparse(s3_server.endpoint_url).hostname == "127.0.0.1"
    s3.put_object(Bucket=s3_bucket, Key="a/b.json.gz", Body=b"\x1f\x8bpayload")
    got = s3.get_object(Bucket=s3_bucket, Key="a/b.json.gz")["Body"].read()
    # The same bytes come back to a plain HTTP GET: the objects live behind a real socket.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": s3_bucket, "Key": "a/b.json.gz"})
    assert url.startswith(s3_server.endpoint_url)
    with urllib.request.urlopen(url, timeout=10) as resp:
        raw = resp.read()
    assert got == raw == b"\x1f\x8bpayload"


def test_s3_conditional_put_refuses_to_overwrite(s3, s3_bucket: str) -> None:  # type: ignore[no-untyped-def]
    # rio's manifests rely on this: they are created only if absent, never overwritten.
    s3.put_object(Bucket=s3_bucket, Key="m.manifest", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=s3_bucket, Key="m.manifest", Body=b"second", IfNoneMatch="*")
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert s3.get_object(Bucket=s3_bucket, Key="m.manifest")["Body"].read() == b"first"


def test_s3_server_restarts_on_the_same_port_with_its_objects(s3_server, s3, s3_bucket: str) -> None:  # type: ignore[no-untyped-def]
    s3.put_object(Bucket=s3_bucket, Key="kept", Body=b"still here")
    port = s3_server.port
    s3_server.stop()
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        urllib.request.urlopen(f"{s3_server.endpoint_url}/{s3_bucket}/kept", timeout=5)
    s3_server.start()
    assert s3_server.port == port
    assert s3.get_object(Bucket=s3_bucket, Key="kept")["Body"].read() == b"still here"


def test_duckdb_file_round_trips(duckdb_path: Path) -> None:
    import duckdb

    with duckdb.connect(str(duckdb_path)) as conn:
        conn.execute("CREATE TABLE t (id INTEGER, name VARCHAR)")
        conn.execute("INSERT INTO t VALUES (?, ?)", [7, "seven"])
    assert stat.S_ISREG(duckdb_path.stat().st_mode)
    with duckdb.connect(str(duckdb_path), read_only=True) as conn:
        assert conn.execute("SELECT id, name FROM t").fetchall() == [(7, "seven")]
