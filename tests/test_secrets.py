"""No credential reaches a repr, a log record, an error, a recorded statement or a state row.

Distinctive secrets are handed to every public class that takes settings, and to a full load (a
pipe to S3 with explicit keys, COPY with keys on the Redshift double, PostgreSQL with a password,
``rio serve`` with a token); then every repr, every log record rio made, every recorded statement,
every outcome and the server's state database are searched for them.
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import rio
import rio.server.policy
import rio.sources
import rio.tables
import rio.transfer
from rio import Column, DestinationConfig, RedshiftIO, StorageSettings
from rio.adapters import resolve_adapter
from rio.contract import Job, Manifest, ManifestEntry
from rio.errors import CopyFailed, RioError
from rio.executors import EmbeddedExecutor, HttpExecutor
from rio.loader import LoadReport, Status, TableOutcome
from rio.server.main import ServeSettings
from rio.storage import S3Store
from support.redshift_double import RedshiftDouble
from support.rio_serve import ServeProcess, publish_local
from support.s3 import S3Server

PG_PASSWORD = "Pg-Zx81-password"
AWS_KEY_ID = "AKIAZX81SECRETKEYID"
AWS_SECRET = "Aws-Zx81-secret-access-key"
AWS_TOKEN = "Aws-Zx81-session-token"
SERVE_TOKEN = "Serve-Zx81-bearer-token"
COPY_SECRET = "Copy-Zx81-secret-access-key"
COPY_TOKEN = "Copy-Zx81-session-token"
SECRETS = (PG_PASSWORD, AWS_KEY_ID, AWS_SECRET, AWS_TOKEN, SERVE_TOKEN, COPY_SECRET, COPY_TOKEN)

CONFIG = DestinationConfig(
    "analytics",
    "events",
    [Column("ts", "timestamp"), Column("id", "bigint"), Column("name", "text")],
    data_timestamp_column="ts",
)
DAY = datetime(2026, 11, 21, 10, tzinfo=timezone.utc)


def assert_no_secret(text: str, where: str) -> None:
    found = [secret for secret in SECRETS if secret in text]
    assert not found, f"{where} shows {found}: {text[:2000]}"


def with_password(url: str) -> str:
    """The test cluster's URL with a password (the cluster trusts local connections and ignores it)."""
    return url.replace("postgres@", f"postgres:{PG_PASSWORD}@", 1)


# --- every public class's repr -------------------------------------------------------------------------

#: Modules whose public classes are walked.
MODULES = (
    "rio",
    "rio.storage",
    "rio.storage_settings",
    "rio.executors",
    "rio.tables",
    "rio.pipe",
    "rio.adapters",
    "rio.adapters.base",
    "rio.adapters.postgres",
    "rio.adapters.duckdb",
    "rio.adapters.redshift",
    "rio.server.main",
    "rio.server.policy",
    "rio.server.state",
    "rio.server.workers",
    "rio.loader",
    "rio.sources",
    "rio.contract",
    "rio.config",
    "rio.transfer",
    "rio.unload",
)

#: Public classes that take no setting a secret could be in: values, names, formats, protocols.
HOLDS_NO_SETTINGS = {
    "Column", "ColumnType", "DataFacts", "DestinationConfig", "KeyStats", "PackStats", "Packer", "Part",
    "LocalStore", "ObjectStore", "StoredObject", "Executor", "JobReceipt", "PipeState", "UploadedManifest",
    "Adapter", "CopyRequest", "CopyResult", "DataFile", "TableColumn", "LoadErrorRow", "AccessPolicy",
    "JobRecord", "StateStore", "WorkerPool", "LoadOptions", "Status", "ColumnStats", "ColumnTracker",
    "DataFrameSource", "RowsSource", "Source", "Base", "DataKey", "Granularity", "Job", "LoadMode",
    "Manifest", "ManifestEntry", "PartKey", "SqlFunction", "TableConfig", "UnloadResult", "CopyOptions",
}  # fmt: skip


def public_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if inspect.isclass(value) and not issubclass(value, BaseException):
                found.setdefault(value.__name__, value)
    return found


@pytest.fixture
def instances(tmp_path: Path, s3_server: S3Server, s3_bucket: str, pg_url: str) -> Iterator[dict[str, Any]]:
    """One instance of every public class that holds settings, each given every secret it can take."""
    url = with_password(pg_url)
    storage = StorageSettings(
        endpoint_url=s3_server.endpoint_url,
        aws_access_key_id=AWS_KEY_ID,
        aws_secret_access_key=AWS_SECRET,
        aws_session_token=AWS_TOKEN,
    )
    redshift_settings = {
        "type": "redshift",
        "host": "cluster.example.com",
        "user": "loader",
        "password": PG_PASSWORD,
        "aws_access_key_id": AWS_KEY_ID,
        "aws_secret_access_key": COPY_SECRET,
        "aws_session_token": COPY_TOKEN,
    }
    s3_store = S3Store(
        f"s3://{s3_bucket}",
        endpoint_url=s3_server.endpoint_url,
        aws_access_key_id=AWS_KEY_ID,
        aws_secret_access_key=AWS_SECRET,
        aws_session_token=AWS_TOKEN,
    )
    csv = s3_store.put("data/a.csv", b"id\n1\n")
    s3_store.put("data.manifest", Manifest((ManifestEntry(csv.url, mandatory=True),)).to_json())
    database = rio.RedshiftDatabase(
        {"database_name": "dw", "username": "loader", "password": PG_PASSWORD, "host": "h", "port": 5439,
         "aws_secret_access_key": COPY_SECRET, "aws_session_token": COPY_TOKEN}
    )  # fmt: skip
    pipe = RedshiftIO(
        CONFIG,
        base=f"s3://{s3_bucket}",
        aws_key=AWS_KEY_ID,
        aws_password=AWS_SECRET,
        aws_token=AWS_TOKEN,
        endpoint_url=s3_server.endpoint_url,
        target=url,
        job_token=SERVE_TOKEN,
    )
    job = Job(base=str(s3_store.base), schema="analytics", tables=("events",))
    failure = RioError(f"could not connect to {url} (password={PG_PASSWORD})")
    outcome = TableOutcome("analytics", "events", Status.FAILED, error=failure)
    made: dict[str, Any] = {
        "RedshiftIO": pipe,
        "StorageSettings": storage,
        "S3Store": s3_store,
        "RedshiftDatabase": database,
        "PostgresDatabase": rio.PostgresDatabase.from_url(url),
        "DuckDBDatabase": rio.DuckDBDatabase(tmp_path / "w.duckdb"),
        "Database": rio.tables.Database.from_url(url),
        "RedshiftTable": rio.RedshiftTable(database, "analytics.events", upsert_uniqueness_key=("id",)),
        "EmbeddedExecutor": EmbeddedExecutor(url, storage=storage),
        "HttpExecutor": HttpExecutor("http://127.0.0.1:8080", token=SERVE_TOKEN),
        "PostgresAdapter": resolve_adapter(url),
        "DuckDBAdapter": resolve_adapter(f"duckdb:///{tmp_path / 'w.duckdb'}"),
        "RedshiftAdapter": resolve_adapter(redshift_settings),
        "ServeSettings": ServeSettings(SERVE_TOKEN, redshift_settings, tmp_path / "state.sqlite3"),
        "ConfinedStore": rio.server.policy.AccessPolicy().confine(s3_store),
        "Session": resolve_adapter(f"duckdb:///{tmp_path / 'w.duckdb'}").connect(),
        "TableOutcome": outcome,
        "LoadReport": LoadReport(job, [outcome]),
        "TransferResult": rio.transfer.TransferResult(outcome, url, 0),
        "PostgresQuerySource": rio.sources.PostgresQuerySource(url, "SELECT 1"),
        "FileSource": rio.sources.FileSource(f"s3://{s3_bucket}/data/*.csv", storage=storage),
        "ManifestSource": rio.sources.ManifestSource(f"s3://{s3_bucket}/data.manifest", storage=storage),
    }  # fmt: skip
    yield made
    pipe.close_without_sending()
    made["Session"].close()
    s3_store.close()


def test_every_public_class_is_classified() -> None:
    # A new public class must either get an instance in `instances` or be declared free of settings.
    classes = set(public_classes())
    holding = {
        "RedshiftIO", "StorageSettings", "S3Store", "RedshiftDatabase", "PostgresDatabase", "DuckDBDatabase",
        "Database", "RedshiftTable", "EmbeddedExecutor", "HttpExecutor", "PostgresAdapter", "DuckDBAdapter",
        "RedshiftAdapter", "ServeSettings", "ConfinedStore", "Session", "TableOutcome", "LoadReport",
        "TransferResult", "PostgresQuerySource", "FileSource", "ManifestSource",
    }  # fmt: skip
    assert classes - holding - HOLDS_NO_SETTINGS == set()


def test_no_repr_or_str_shows_a_secret(instances: dict[str, Any]) -> None:
    for name, instance in instances.items():
        assert_no_secret(repr(instance), f"repr of {name}")
        assert_no_secret(str(instance), f"str of {name}")
    outcome: TableOutcome = instances["TableOutcome"]
    assert_no_secret(str(outcome.to_dict()), "TableOutcome.to_dict()")
    assert_no_secret(outcome.line(), "TableOutcome.line()")


# --- every log record, statement and outcome of full loads --------------------------------------------


def rows(count: int, bad: int | None = None) -> Iterator[dict[str, Any]]:
    for i in range(count):
        yield {"ts": "2026-11-21T10:15:00Z", "id": "not a number" if i == bad else i, "name": f"n{i}"}


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    lines = []
    for record in caplog.records:
        lines.append(record.getMessage())
        if record.exc_text:
            lines.append(record.exc_text)
        elif record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    # rio's own records at DEBUG (every statement, every store call), everyone else's at INFO.
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="rio")
    return caplog


@pytest.mark.parametrize("target_kind", ["postgres", "redshift"])
def test_a_full_load_and_a_failed_one_log_and_record_no_secret(
    target_kind: str,
    debug_logs: pytest.LogCaptureFixture,
    s3_server: S3Server,
    s3_bucket: str,
    pg_url: str,
    redshift_double_factory: Callable[..., RedshiftDouble],
) -> None:
    target: Any = with_password(pg_url)
    if target_kind == "redshift":
        target = redshift_double_factory(
            password=PG_PASSWORD, aws_secret_access_key=COPY_SECRET, aws_session_token=COPY_TOKEN
        )
    options: dict[str, Any] = {
        "base": f"s3://{s3_bucket}/secrets",
        "aws_key": AWS_KEY_ID,
        "aws_password": AWS_SECRET,
        "aws_token": AWS_TOKEN,
        "endpoint_url": s3_server.endpoint_url,
        "target": target,
    }
    reports: list[LoadReport] = []
    with RedshiftIO(CONFIG, **options) as pipe:
        pipe.pack_many(rows(500))
        receipt = pipe.send()
        assert receipt is not None
        reports.append(receipt.detail)
        assert_no_secret(repr(pipe), "the pipe's repr")
    # The same with a row the warehouse refuses: the error carries the COPY statement and its file.
    failing = DestinationConfig("analytics", "events", [Column("ts", "timestamp"), Column("id", "text")],
                                data_timestamp_column="ts")  # fmt: skip
    pipe = RedshiftIO(failing, **options)
    pipe.pack_many(rows(20, bad=7))
    with pytest.raises(RioError) as failed:
        pipe.send()
    pipe.close_without_sending()
    assert reports[0].outcomes[0].status is Status.LOADED
    texts = [str(failed.value), everything_logged(debug_logs)]
    for report in reports:
        for outcome in report.outcomes:
            texts += [outcome.line(), str(outcome.to_dict()), *outcome.statements]
    if isinstance(failed.value, CopyFailed):
        texts += [str(row) for row in failed.value.errors]
    assert any("COPY" in text for text in texts), "the load's COPY should have been logged or recorded"
    for number, text in enumerate(texts):
        assert_no_secret(text, f"text {number}")


def test_a_failed_connection_names_no_password(debug_logs: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    url = f"postgresql://loader:{PG_PASSWORD}@127.0.0.1:9/dw"
    with pytest.raises(RioError) as failed:
        rio.load([{"id": 1}], f"{url}::analytics.events")
    assert_no_secret(str(failed.value), "the error")
    assert_no_secret(everything_logged(debug_logs), "the log")


def test_rio_serve_keeps_no_secret_in_its_answers_its_log_or_its_state(tmp_path: Path, pg_url: str) -> None:
    base = tmp_path / "base"
    base.mkdir()
    bad = DestinationConfig("analytics", "events", [Column("ts", "timestamp"), Column("id", "bigint")],
                            data_timestamp_column="ts")  # fmt: skip
    publish_local(base, bad, DAY, [{"ts": "2026-11-21T10:00:00", "id": "twelve"}])
    server = ServeProcess(
        target=with_password(pg_url),
        state=tmp_path / "state.sqlite3",
        token=SERVE_TOKEN,
        allow_bases=(str(base),),
    ).start()
    try:
        job = Job(base=str(base), schema="analytics", tables=("events",), date=DAY, id="secrets-1")
        answer = server.post_job(job)
        assert answer.status == 202, answer
        finished = server.wait_for("secrets-1")
        assert finished["outcomes"][0]["status"] == "failed"
        assert_no_secret(str(finished), "GET /jobs/{id}")
    finally:
        server.stop()
    assert_no_secret(server.log(), "the server's log")
    for path in tmp_path.glob("state.sqlite3*"):
        assert_no_secret(path.read_bytes().decode("utf-8", "replace"), f"the state file {path.name}")
