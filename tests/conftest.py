"""Fixtures with real parts: a PostgreSQL cluster, moto's S3 server over HTTP, DuckDB files, and
the Redshift adapter's real driver reaching that PostgreSQL through a loopback proxy.

When ``CI`` or ``RIO_REQUIRE_SERVERS`` is set (``make test`` sets the latter), a server that cannot
be found or started fails the tests that need it; elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support.job_endpoint import JobEndpoint
from support.policy import server_unavailable, servers_required
from support.postgres import PostgresServer, find_postgres_bindir, start_postgres
from support.redshift_double import RedshiftDouble, adapter_settings
from support.redshift_proxy import RedshiftProxy
from support.s3 import FAKE_AWS_ENVIRONMENT, UNSET_AWS_VARIABLES, S3Server


def pytest_configure(config: pytest.Config) -> None:
    # No test may ever reach real AWS with real credentials.
    for name in UNSET_AWS_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(FAKE_AWS_ENVIRONMENT)


# --- PostgreSQL -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster for the whole session, on a free port of 127.0.0.1."""
    bindir = find_postgres_bindir()
    if bindir is None:
        server_unavailable(
            "PostgreSQL server binaries not found (looked at RIO_PG_BINDIR, pg_config, "
            "/usr/lib/postgresql/*/bin and PATH); `make test` installs Debian's postgresql",
            required=servers_required(),
        )
    try:
        server = start_postgres(bindir)
    except (RuntimeError, OSError) as exc:
        pytest.fail(f"could not start PostgreSQL from {bindir}: {exc}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


_database_numbers = itertools.count(1)


@pytest.fixture
def pg_database_factory(postgres_server: PostgresServer) -> Iterator[Callable[[], str]]:
    """Make fresh, empty databases on the session's server; each is dropped after the test."""
    import psycopg

    created: list[str] = []

    def make() -> str:
        name = f"rio_test_{next(_database_numbers)}"
        with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return postgres_server.url(name)

    yield make
    with psycopg.connect(postgres_server.url(), autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_database_factory: Callable[[], str]) -> str:
    """A libpq URL of a fresh, empty database of its own."""
    return pg_database_factory()


# --- S3 ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on a free port of 127.0.0.1 for the whole session."""
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:
        server_unavailable(f"moto's server mode is not installed ({exc})", required=servers_required())
    server = S3Server().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3(s3_server: S3Server) -> Any:
    """A boto3 S3 client that talks HTTP to the session's moto server."""
    if not s3_server.running:  # a test that stopped the server must not break the next one
        s3_server.start()
    return s3_server.client()


@pytest.fixture
def s3_bucket(s3: Any) -> str:
    """The name of a new, empty bucket of this test's own."""
    name = f"rio-test-{secrets.token_hex(6)}"
    s3.create_bucket(Bucket=name)
    return name


# --- Redshift (the driver against PostgreSQL, through the proxy) ------------------------------------


@pytest.fixture(scope="session")
def redshift_proxy(postgres_server: PostgresServer) -> Iterator[RedshiftProxy]:
    """A loopback proxy on 127.0.0.1 through which redshift_connector reaches the test PostgreSQL server."""
    proxy = RedshiftProxy(postgres_server.host, postgres_server.port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def redshift_double_factory(
    redshift_proxy: RedshiftProxy, s3: Any, s3_server: S3Server, pg_url: str
) -> Iterator[Callable[..., RedshiftDouble]]:
    """Make Redshift doubles on the test's PostgreSQL database, COPY reading moto's S3.

    Keyword arguments override the adapter's settings (None removes one); ``serialization_failures``
    and ``serverless`` go to the double. The test fails if a double refused any statement, even one
    whose error something caught.
    """
    made: list[RedshiftDouble] = []

    def make(
        *, serialization_failures: int = 0, serverless: bool = False, **overrides: Any
    ) -> RedshiftDouble:
        settings = adapter_settings(redshift_proxy.host, redshift_proxy.port, pg_url)
        settings.update(overrides)
        double = RedshiftDouble(
            {key: value for key, value in settings.items() if value is not None},
            postgres_url=pg_url,
            s3_endpoint_url=s3_server.endpoint_url,
            serialization_failures=serialization_failures,
            serverless=serverless,
        )
        made.append(double)
        return double

    yield make
    refused = [message for double in made for message in double.refused]
    assert not refused, f"the Redshift double refused: {refused}"


@pytest.fixture
def redshift_double(redshift_double_factory: Callable[..., RedshiftDouble]) -> RedshiftDouble:
    """The Redshift adapter on the test's PostgreSQL database, with the fake AWS keys for COPY."""
    return redshift_double_factory()


# --- DuckDB -----------------------------------------------------------------------------------------


@pytest.fixture
def duckdb_path(tmp_path: Path) -> Path:
    """The path of a DuckDB database file (not yet created) in this test's temporary directory."""
    return tmp_path / "warehouse.duckdb"


# --- job endpoint -----------------------------------------------------------------------------------


@pytest.fixture
def job_endpoint() -> Iterator[JobEndpoint]:
    """A real HTTP job endpoint on a free port of 127.0.0.1 that records the jobs it is sent."""
    endpoint = JobEndpoint().start()
    try:
        yield endpoint
    finally:
        endpoint.stop()
