"""RedshiftIO: the Go rio's lifecycle and error classes, exact artefacts, uploads and faults."""

from __future__ import annotations

import contextlib
import gc
import gzip
import json
import re
import threading
import time
import weakref
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import rio.pipe
from rio import contract
from rio._core import Packer
from rio.config import Column, DestinationConfig, read_table_config
from rio.contract import CopyOptions, Manifest, parse_job
from rio.errors import (
    ConfigError,
    IncompleteArgs,
    IncompleteTableName,
    InvalidColumnValue,
    InvalidKey,
    JobSubmissionFailed,
    NoJobEndpoint,
    PackageNotSealed,
    PipeError,
    PipeIsClosed,
    PipeIsSealed,
    SendingInProgress,
    StorageError,
    UploadFailed,
)
from rio.executors import HttpExecutor, JobReceipt
from rio.pipe import PipeState, RedshiftIO
from rio.storage import LocalStore, ObjectStore, S3Store, StoredObject, open_store
from rio.storage_settings import StorageSettings
from support.job_endpoint import JobEndpoint
from support.s3 import S3Server

CONFIG = DestinationConfig(
    "analytics",
    "events",
    [Column("ts", "timestamp", sort_ord=1), Column("id", "bigint", dist_key=True), Column("name", "text")],
    data_timestamp_column="ts",
)


def row(i: int) -> dict[str, Any]:
    return {"ts": f"2026-11-21T10:{i // 60 % 60:02d}:{i % 60:02d}", "id": i, "name": f"event {i}"}


class Recorder:
    """An executor that keeps the jobs it is given (the HTTP one is tested against a real server)."""

    def __init__(self, fail: int = 0) -> None:
        self.jobs: list[contract.Job] = []
        self.fail = fail

    def submit(self, job: contract.Job) -> JobReceipt:
        if self.fail:
            self.fail -= 1
            raise JobSubmissionFailed("the endpoint is down")
        self.jobs.append(job)
        return JobReceipt(job.id)


def read_manifest(store: ObjectStore, job: contract.Job) -> Manifest:
    assert job.date is not None
    key = contract.manifest_key(job.schema, job.tables[0], job.date)
    return Manifest.from_json(store.get(key), source=key)


def rows_of(store: ObjectStore, manifest: Manifest) -> list[dict[str, Any]]:
    rows = []
    for entry in manifest.entries:
        text = gzip.decompress(store.get_url(entry.url)).decode()
        rows.extend(json.loads(line) for line in text.splitlines())
    return rows


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield LocalStore(tmp_path / "base")
        return
    server: S3Server = request.getfixturevalue("s3_server")
    bucket: str = request.getfixturevalue("s3_bucket")
    opened = open_store(f"s3://{bucket}/exports", endpoint_url=server.endpoint_url, max_attempts=2)
    yield opened


def make_pipe(store: ObjectStore, **options: Any) -> RedshiftIO:
    options.setdefault("executor", Recorder())
    options.setdefault("buffer_size", 4096)
    return RedshiftIO(CONFIG, store=store, **options)


# --- artefacts ---------------------------------------------------------------------------------------


def test_send_writes_parts_an_uncompressed_manifest_and_the_config(store: ObjectStore) -> None:
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)
    for i in range(2000):
        pipe.pack(row(i))
    receipt = pipe.send()
    (job,) = recorder.jobs
    assert receipt is not None
    assert receipt.job_id == job.id
    assert job.base == str(store.base)
    assert job.schema == "analytics"
    assert job.tables == ("events",)
    assert job.date is not None
    assert job.date.microsecond == 0
    manifest_key = contract.manifest_key("analytics", "events", job.date)
    raw = store.get(manifest_key)
    assert raw.startswith(b'{"entries":[{"url":')  # plain JSON, not gzip
    manifest = Manifest.from_json(raw)
    assert len(manifest.entries) > 1
    assert len(set(manifest.urls)) == len(manifest.entries)
    assert all(entry.mandatory for entry in manifest.entries)
    for entry in manifest.entries:
        key = store.base.key_of(entry.url)
        assert key is not None
        assert contract.parse_part_key(key) is not None
        assert entry.content_length == store.size(key)
    assert sorted(r["id"] for r in rows_of(store, manifest)) == list(range(2000))
    assert job.config == contract.config_key("analytics", "events", job.date)
    entry = read_table_config(store.get(job.config), table="events", schema="analytics")
    assert entry.destination == CONFIG
    assert entry.facts is not None
    assert entry.facts.rows == 2000
    assert entry.facts.max_byte_lengths == {"name": len("event 1999")}
    pipe.close()


def test_the_job_is_posted_as_json_with_its_id_as_idempotency_key(
    tmp_path: Path, job_endpoint: JobEndpoint
) -> None:
    pipe = RedshiftIO(CONFIG, base=str(tmp_path), job_endpoint=job_endpoint.url, job_token="secret-token")
    pipe.pack(row(1))
    pipe.send()
    (received,) = job_endpoint.received
    job = parse_job(received.body, content_type=received.headers["content-type"])
    assert received.headers["content-type"] == "application/json"
    assert received.headers["idempotency-key"] == job.id
    assert received.headers["authorization"] == "Bearer secret-token"
    assert job.base == f"file://{tmp_path}"
    pipe.close()


PRICED = DestinationConfig(
    "analytics",
    "orders",
    [
        Column("ts", "timestamp"),
        Column("id", "bigint"),
        Column("price", "decimal(3,2)"),
        Column("note", "text"),
    ],
    data_timestamp_column="ts",
)
EPOCH_OPTIONS = CopyOptions(time_format="epochsecs", round_decimals=True, truncate_columns=True, max_errors=4)


def test_the_configs_copy_options_reach_the_packers_checks_the_job_and_the_config(store: ObjectStore) -> None:
    epoch_row = {"ts": 1763719201, "id": 1, "price": "9.994", "note": "é" * 200}
    # Without the options an epoch is no timestamp, and text over 256 bytes does not fit.
    plain = RedshiftIO(PRICED, store=store, executor=Recorder())
    with pytest.raises(InvalidColumnValue, match=r'column "ts": Invalid timestamp format'):
        plain.pack(epoch_row)
    with pytest.raises(InvalidColumnValue, match=r'column "note": String length exceeds DDL length'):
        plain.pack({**epoch_row, "ts": "2026-11-21 10:00:00"})
    plain.close_without_sending()

    recorder = Recorder()
    config = DestinationConfig(PRICED.schema, PRICED.table, PRICED.columns, "ts", copy_options=EPOCH_OPTIONS)
    pipe = RedshiftIO(config, store=store, executor=recorder)
    pipe.pack(epoch_row)
    # ROUNDEC: 9.995 rounds to 10.00, which decimal(3,2) cannot hold (cut, it would be 9.99).
    with pytest.raises(InvalidColumnValue, match=r'column "price": Numeric data overflow'):
        pipe.pack({**epoch_row, "price": "9.995"})
    pipe.send()
    (job,) = recorder.jobs
    assert job.copy_options == EPOCH_OPTIONS
    assert job.config is not None
    assert read_table_config(store.get(job.config), table="orders").destination.copy_options == EPOCH_OPTIONS
    (packed,) = rows_of(store, read_manifest(store, job))
    assert packed["ts"] == 1763719201
    assert packed["note"] == "é" * 128  # cut at a character boundary, as TRUNCATECOLUMNS would
    pipe.close()


def test_a_job_posted_to_an_endpoint_carries_the_configs_copy_options(
    tmp_path: Path, job_endpoint: JobEndpoint
) -> None:
    config = DestinationConfig(CONFIG.schema, CONFIG.table, CONFIG.columns, "ts", copy_options=EPOCH_OPTIONS)
    pipe = RedshiftIO(config, base=str(tmp_path), job_endpoint=job_endpoint.url, job_token="secret-token")
    pipe.pack({"ts": 1763719201, "id": 1, "name": "n"})
    pipe.send()
    (received,) = job_endpoint.received
    body = json.loads(received.body)
    assert {key: body[key] for key in EPOCH_OPTIONS.said()} == {
        "time_format": "epochsecs",
        "round_decimals": True,
        "truncate_columns": True,
        "max_errors": 4,
    }
    pipe.close()


def test_an_empty_pipe_sends_nothing(store: ObjectStore) -> None:
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)
    assert pipe.send() is None
    assert recorder.jobs == []
    assert list(store.list()) == []
    pipe.close()


def test_generations_get_their_own_run_ids_and_dates(store: ObjectStore) -> None:
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)
    for generation in range(3):
        for i in range(100):
            pipe.pack(row(generation * 100 + i))
        pipe.send()
    dates = [job.date for job in recorder.jobs]
    assert len(set(dates)) == 3  # one second apart at least: a manifest is never overwritten
    run_ids = set()
    for job in recorder.jobs:
        manifest = read_manifest(store, job)
        keys = [contract.parse_part_key(store.base.key_of(url) or "") for url in manifest.urls]
        run_ids |= {key.run_id for key in keys if key is not None}
        assert len(rows_of(store, manifest)) == 100
    assert len(run_ids) == 3
    pipe.close()


def test_a_taken_data_date_moves_on_by_a_second(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    now = contract.data_date_now()
    for second in range(3):
        taken = contract.manifest_key("analytics", "events", now + timedelta(seconds=second))
        store.put(taken, b"{}")
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)
    pipe.pack(row(1))
    pipe.send()
    (job,) = recorder.jobs
    assert job.date is not None
    assert job.date >= now + timedelta(seconds=3)
    pipe.close()


def test_eight_threads_put_every_row_in_one_part_and_every_part_in_one_manifest(store: ObjectStore) -> None:
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder, buffer_size=64 * 1024)

    def produce(thread: int) -> None:
        for i in range(50_000):
            pipe.pack({"ts": "2026-11-21T10:00:00", "id": thread * 1_000_000 + i, "name": "x"})

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pipe.send()
    (job,) = recorder.jobs
    manifest = read_manifest(store, job)
    assert len(set(manifest.urls)) == len(manifest.urls)
    ids = sorted(r["id"] for r in rows_of(store, manifest))
    assert ids == sorted(t * 1_000_000 + i for t in range(8) for i in range(50_000))
    stored_parts = list(store.list("analytics/events/parts/"))
    assert sorted(store.url(key) for key in stored_parts) == sorted(manifest.urls)
    pipe.close()


def test_compression_uses_every_core_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Packer] = []

    def packer(**options: Any) -> Packer:
        made.append(Packer(**options))
        return made[-1]

    monkeypatch.setattr(rio.pipe, "Packer", packer)
    RedshiftIO(CONFIG, base=str(tmp_path)).close_without_sending()
    RedshiftIO(CONFIG, base=str(tmp_path), compression_threads=1).close_without_sending()
    assert [p.threads for p in made] == [Packer().threads, 1]


class StuckStore(LocalStore):
    """A local directory whose puts wait until ``release`` is set; ``started`` names those begun."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.release = threading.Event()
        self.started: list[str] = []

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject:
        self.started.append(key)
        self.release.wait(60)
        return super().put(key, data, content_type=content_type)


def test_parts_wait_in_the_packer_not_in_the_pipe_while_every_upload_is_busy(tmp_path: Path) -> None:
    # Each row is a part of its own. With both uploads stuck, the pipe holds the 2 parts being
    # stored, the packer its 4 in flight and the row being filled: the 8th pack waits for room.
    store = StuckStore(tmp_path)
    pipe = RedshiftIO(CONFIG, store=store, buffer_size=10, upload_concurrency=2)
    packed = 0

    def produce() -> None:
        nonlocal packed
        for i in range(20):
            pipe.pack(row(i))
            packed += 1

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    deadline = time.monotonic() + 60
    while packed < 7 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # room for an 8th, were a part taken without an upload to start
    assert (packed, len(store.started)) == (7, 2)
    store.release.set()
    producer.join(60)
    pipe.seal()
    assert sorted(r["id"] for r in rows_of(store, pipe.upload_manifest().manifest)) == list(range(20))
    pipe.close_without_sending()


def test_a_closed_pipe_is_freed(tmp_path: Path) -> None:
    pipe = RedshiftIO(CONFIG, base=str(tmp_path))
    pipe.pack(row(1))
    pipe.close_without_sending()
    freed = weakref.ref(pipe)
    del pipe
    gc.collect()
    assert freed() is None


# --- the Go lifecycle, rule by rule --------------------------------------------------------------------


def test_a_pipe_needs_a_config_and_a_place(tmp_path: Path) -> None:
    with pytest.raises(IncompleteArgs, match="requires a destination config"):
        RedshiftIO(None, base=str(tmp_path))
    with pytest.raises(IncompleteArgs):
        RedshiftIO(CONFIG)
    with pytest.raises(IncompleteTableName, match="must include a schema and table name"):
        RedshiftIO(DestinationConfig("", "t"), base=str(tmp_path))


def test_a_pipe_that_can_send_refuses_an_invalid_config_before_storing_anything(tmp_path: Path) -> None:
    bad = DestinationConfig("s", "t", [Column("ts", "timestamp")], data_timestamp_column="missing")
    with pytest.raises(ConfigError, match="names no column"):
        RedshiftIO(bad, base=str(tmp_path), executor=Recorder())
    assert list(tmp_path.iterdir()) == []


def test_pack_is_refused_while_sealed_and_allowed_after_unseal(store: ObjectStore) -> None:
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)
    pipe.pack(row(1))
    pipe.seal()
    pipe.seal()  # harmless twice
    assert pipe.state is PipeState.SEALED
    with pytest.raises(PipeIsSealed, match=re.escape("Cannot perform action when pipe is sealed.")):
        pipe.pack(row(2))
    pipe.unseal()
    pipe.pack(row(3))
    pipe.send()
    assert sorted(r["id"] for r in rows_of(store, read_manifest(store, recorder.jobs[0]))) == [1, 3]
    pipe.close()


def test_a_pack_taken_from_the_pipe_once_follows_it_through_seal_unseal_and_send(store: ObjectStore) -> None:
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)
    pack = pipe.pack
    pack(row(1))
    pipe.seal()
    with pytest.raises(PipeIsSealed):
        pack(row(2))
    pipe.unseal()
    pack(row(3))
    pipe.send()
    pack(row(4))
    pipe.send()
    ids = [[r["id"] for r in rows_of(store, read_manifest(store, job))] for job in recorder.jobs]
    assert ids == [[1, 3], [4]]
    pipe.close()
    with pytest.raises(PipeIsClosed):
        pack(row(5))


def test_a_subclass_with_a_pack_of_its_own_is_called(tmp_path: Path) -> None:
    class Renaming(RedshiftIO):
        def pack(self, row: Any) -> None:
            super().pack({**row, "name": "renamed"})

    store = LocalStore(tmp_path)
    pipe = Renaming(CONFIG, store=store)
    pipe.pack(row(1))
    pipe.seal()
    assert rows_of(store, pipe.upload_manifest().manifest) == [{**row(1), "name": "renamed"}]
    pipe.close_without_sending()


def test_seal_returns_once_every_part_is_stored(store: ObjectStore) -> None:
    pipe = make_pipe(store)
    for i in range(1000):
        pipe.pack(row(i))
    pipe.seal()
    stored = list(store.list("analytics/events/parts/"))
    total = sum(len(gzip.decompress(store.get(key)).splitlines()) for key in stored)
    assert total == 1000
    pipe.close_without_sending()


def test_a_custom_manifest_needs_a_sealed_pipe(store: ObjectStore) -> None:
    pipe = make_pipe(store)
    pipe.pack(row(1))
    with pytest.raises(
        PackageNotSealed, match=re.escape("Can only create a custom manifest on a sealed stream.")
    ):
        pipe.create_and_upload_custom_manifest("custom/my.manifest")
    pipe.seal()
    url = pipe.create_and_upload_custom_manifest("custom/my.manifest")
    assert url == store.url("custom/my.manifest")
    manifest = Manifest.from_json(store.get("custom/my.manifest"))
    assert [r["id"] for r in rows_of(store, manifest)] == [1]
    pipe.close_without_sending()


@pytest.mark.parametrize(
    "key", ["s3://other/x.manifest", "file:///etc/x.manifest", "../x.manifest", "/abs.manifest", "a//b"]
)
def test_a_custom_manifest_key_must_be_relative_to_the_base(store: ObjectStore, key: str) -> None:
    pipe = make_pipe(store)
    pipe.pack(row(1))
    pipe.seal()
    with pytest.raises(InvalidKey):
        pipe.create_and_upload_custom_manifest(key)
    pipe.close_without_sending()


def test_a_custom_manifest_of_an_empty_pipe_is_refused(store: ObjectStore) -> None:
    pipe = make_pipe(store)
    pipe.seal()
    with pytest.raises(PipeError, match="holds no rows"):
        pipe.create_and_upload_custom_manifest("custom/empty.manifest")
    assert not store.exists("custom/empty.manifest")
    pipe.close_without_sending()


def test_send_without_an_endpoint_is_refused(store: ObjectStore) -> None:
    pipe = RedshiftIO(CONFIG, store=store)
    pipe.pack(row(1))
    with pytest.raises(NoJobEndpoint, match=re.escape("Cannot send s3-to-Redshift job without an endpoint.")):
        pipe.send()
    with pytest.raises(NoJobEndpoint, match="close_without_sending"):
        pipe.close()
    pipe.close_without_sending()


def test_a_failed_send_keeps_the_pipe_sealed_and_a_retry_reuses_the_manifest(store: ObjectStore) -> None:
    recorder = Recorder(fail=1)
    pipe = make_pipe(store, executor=recorder)
    for i in range(500):
        pipe.pack(row(i))
    with pytest.raises(JobSubmissionFailed):
        pipe.send()
    assert pipe.state is PipeState.SEALED
    manifests = [key for key in store.list() if key.endswith(".manifest")]
    assert len(manifests) == 1
    pipe.send()
    (job,) = recorder.jobs
    assert [key for key in store.list() if key.endswith(".manifest")] == manifests
    assert job.date is not None
    assert contract.manifest_key("analytics", "events", job.date) == manifests[0]
    assert len(rows_of(store, read_manifest(store, job))) == 500
    pipe.close()


def test_rows_packed_after_unsealing_a_failed_send_go_to_a_second_manifest(store: ObjectStore) -> None:
    recorder = Recorder(fail=1)
    pipe = make_pipe(store, executor=recorder)
    pipe.pack(row(1))
    with pytest.raises(JobSubmissionFailed):
        pipe.send()
    pipe.unseal()
    pipe.pack(row(2))
    pipe.send()
    first, second = recorder.jobs
    assert first.id != second.id
    assert [r["id"] for r in rows_of(store, read_manifest(store, first))] == [1]
    assert [r["id"] for r in rows_of(store, read_manifest(store, second))] == [2]
    pipe.close()


def test_every_call_but_close_is_refused_after_close(store: ObjectStore) -> None:
    pipe = make_pipe(store)
    pipe.close()
    pipe.close()  # harmless twice
    pipe.close_without_sending()
    for call in (
        lambda: pipe.pack(row(1)),
        lambda: pipe.pack_many([row(1)]),
        pipe.seal,
        pipe.unseal,
        pipe.send,
        pipe.reset,
    ):
        with pytest.raises(PipeIsClosed, match=re.escape("Cannot perform any action, pipe is closed.")):
            call()


def test_close_sends_and_close_without_sending_drops_the_buffer(store: ObjectStore) -> None:
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)
    pipe.pack(row(1))
    pipe.close()
    assert len(recorder.jobs) == 1
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)
    pipe.pack(row(2))
    pipe.close_without_sending()
    assert recorder.jobs == []
    assert pipe.state is PipeState.CLOSED


def test_the_context_manager_sends_on_success_and_not_on_an_error(store: ObjectStore) -> None:
    recorder = Recorder()
    with make_pipe(store, executor=recorder) as pipe:
        pipe.pack(row(1))
    assert len(recorder.jobs) == 1
    assert pipe.state is PipeState.CLOSED
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)

    def produce_and_fail() -> None:
        with pipe:
            pipe.pack(row(2))
            raise RuntimeError("the producer failed")

    with pytest.raises(RuntimeError):
        produce_and_fail()
    assert recorder.jobs == []
    assert pipe.state is PipeState.CLOSED


def test_reset_starts_anew_and_can_delete_what_was_stored(store: ObjectStore) -> None:
    recorder = Recorder()
    pipe = make_pipe(store, executor=recorder)
    for i in range(300):
        pipe.pack(row(i))
    pipe.seal()
    assert list(store.list("analytics/events/parts/"))
    pipe.reset(delete_uploaded=True)
    assert list(store.list("analytics/events/parts/")) == []
    assert pipe.state is PipeState.OPEN
    pipe.pack(row(1000))
    pipe.send()
    assert [r["id"] for r in rows_of(store, read_manifest(store, recorder.jobs[0]))] == [1000]
    pipe.close()


def test_every_call_is_refused_while_sending(store: ObjectStore) -> None:
    started, release = threading.Event(), threading.Event()

    class Slow:
        def submit(self, job: contract.Job) -> JobReceipt:
            started.set()
            release.wait(10)
            return JobReceipt(job.id)

    pipe = make_pipe(store, executor=Slow())
    pipe.pack(row(1))
    sender = threading.Thread(target=pipe.send)
    sender.start()
    assert started.wait(10)
    assert pipe.sending_in_progress
    for call in (lambda: pipe.pack(row(2)), pipe.seal, pipe.unseal, pipe.send, pipe.reset, pipe.close):
        with pytest.raises(
            SendingInProgress, match=re.escape("Cannot perform any action when sending is in progress.")
        ):
            call()
    release.set()
    sender.join(10)
    assert not pipe.sending_in_progress
    pipe.close()


# --- faults --------------------------------------------------------------------------------------------


def test_a_stopped_s3_server_surfaces_an_error_and_loses_no_row(s3_server: S3Server, s3_bucket: str) -> None:
    store = open_store(
        f"s3://{s3_bucket}",
        endpoint_url=s3_server.endpoint_url,
        max_attempts=1,
        connect_timeout=1,
        read_timeout=2,
    )
    recorder = Recorder()
    pipe = RedshiftIO(CONFIG, store=store, executor=recorder, buffer_size=2048)
    accepted = []
    for i in range(200):
        pipe.pack(row(i))
        accepted.append(i)
    s3_server.stop()
    try:
        deadline = time.monotonic() + 30
        with pytest.raises(UploadFailed, match="It is kept"):  # noqa: PT012 - the failure comes on a later call
            i = 200
            while time.monotonic() < deadline:
                pipe.pack(row(i))  # a row whose pack raised was not packed
                accepted.append(i)
                i += 1
    finally:
        s3_server.start()
    pipe.send()  # stores the kept parts again, then sends
    (job,) = recorder.jobs
    ids = sorted(r["id"] for r in rows_of(store, read_manifest(store, job)))
    assert ids == accepted
    pipe.close()


def test_a_job_endpoint_that_answers_500_is_tried_again(tmp_path: Path, job_endpoint: JobEndpoint) -> None:
    job_endpoint.fail_times = 2
    executor = HttpExecutor(job_endpoint.url, attempts=3, backoff=0.01)
    pipe = RedshiftIO(CONFIG, base=str(tmp_path), executor=executor)
    pipe.pack(row(1))
    pipe.send()
    assert len(job_endpoint.received) == 3
    assert len({item.headers["idempotency-key"] for item in job_endpoint.received}) == 1
    pipe.close()


def test_a_job_endpoint_that_is_down_fails_the_send_and_a_retry_succeeds(tmp_path: Path) -> None:
    endpoint = JobEndpoint().start()
    url = endpoint.url
    endpoint.stop()
    pipe = RedshiftIO(CONFIG, base=str(tmp_path), executor=HttpExecutor(url, attempts=2, backoff=0.01))
    pipe.pack(row(1))
    with pytest.raises(JobSubmissionFailed, match="could not be reached"):
        pipe.send()
    assert pipe.state is PipeState.SEALED
    endpoint.start()  # the same port
    try:
        pipe.send()
        (job,) = [parse_job(body) for body in endpoint.jobs]
        manifests = [p.name for p in tmp_path.iterdir() if p.name.endswith(".manifest")]
        assert len(manifests) == 1
        assert job.date is not None
        assert manifests[0] == contract.manifest_key("analytics", "events", job.date)
    finally:
        endpoint.stop()
    pipe.close()


def test_a_slow_job_endpoint_times_out(tmp_path: Path, job_endpoint: JobEndpoint) -> None:
    job_endpoint.delay = 2
    executor = HttpExecutor(job_endpoint.url, attempts=1, timeout=0.3)
    pipe = RedshiftIO(CONFIG, base=str(tmp_path), executor=executor)
    pipe.pack(row(1))
    started = time.monotonic()
    with pytest.raises(JobSubmissionFailed, match=r"could not be reached|timed out"):
        pipe.send()
    assert time.monotonic() - started < 2
    pipe.close_without_sending()


def test_a_job_endpoint_that_refuses_the_job_fails_at_once_with_its_answer(
    tmp_path: Path, job_endpoint: JobEndpoint
) -> None:
    job_endpoint.status = 400
    pipe = RedshiftIO(
        CONFIG, base=str(tmp_path), executor=HttpExecutor(job_endpoint.url, attempts=3, backoff=0.01)
    )
    pipe.pack(row(1))
    with pytest.raises(JobSubmissionFailed, match=r"refused.*400.*the job is refused") as refused:
        pipe.send()
    assert refused.value.status == 400
    assert len(job_endpoint.received) == 1
    pipe.close_without_sending()


# --- the embedded loader ------------------------------------------------------------------------------


@pytest.mark.parametrize("warehouse", ["postgres", "duckdb"])
def test_send_loads_a_real_table_with_the_embedded_loader(
    warehouse: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if warehouse == "postgres":
        url = request.getfixturevalue("pg_url")
    else:
        url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with RedshiftIO(CONFIG, base=str(tmp_path / "base"), target=url, buffer_size=4096) as pipe:
        for i in range(1000):
            pipe.pack(row(i))
        receipt = pipe.send()
        assert receipt is not None
        (outcome,) = receipt.detail.outcomes
        assert outcome.line().startswith("analytics.events: loaded 1,000 rows for ")
        for i in range(1000, 1500):
            pipe.pack(row(i))
    # Closing sent the rest: a second generation, a second load.
    from rio.loader import Status

    assert outcome.status is Status.LOADED
    if warehouse == "postgres":
        import psycopg

        with psycopg.connect(url) as conn:
            count, distinct = conn.execute(
                "SELECT count(*), count(DISTINCT id) FROM analytics.events"
            ).fetchone()
            loads = conn.execute("SELECT count(*) FROM analytics.rio_loads").fetchone()[0]
    else:
        import duckdb

        with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as conn:
            count, distinct = conn.execute(
                "SELECT count(*), count(DISTINCT id) FROM analytics.events"
            ).fetchone()
            loads = conn.execute("SELECT count(*) FROM analytics.rio_loads").fetchone()[0]
    assert (count, distinct, loads) == (1500, 1500, 2)


# --- how to reach S3: one StorageSettings from the pipe to its loader -----------------------------------


def warehouse_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "postgres":
        url: str = request.getfixturevalue("pg_url")
        return url
    return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


def table_counts(url: str) -> tuple[int, int, int]:
    """Rows, distinct ids and ledger rows of analytics.events."""
    sql = (
        "SELECT (SELECT count(*) FROM analytics.events), (SELECT count(DISTINCT id) FROM analytics.events), "
        "(SELECT count(*) FROM analytics.rio_loads)"
    )
    if url.startswith("duckdb:///"):
        import duckdb

        with duckdb.connect(url[len("duckdb:///") :], read_only=True) as db:
            found = db.execute(sql).fetchone()
    else:
        import psycopg

        with psycopg.connect(url) as conn:
            found = conn.execute(sql).fetchone()
    assert found is not None
    return int(found[0]), int(found[1]), int(found[2])


@pytest.mark.parametrize("warehouse", ["duckdb", "postgres"])
def test_an_endpoint_url_reaches_the_embedded_loader(
    warehouse: str, request: pytest.FixtureRequest, tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> None:
    # The environment names no endpoint: a loader that dropped it would look for the data in AWS.
    url = warehouse_url(warehouse, request, tmp_path)
    with RedshiftIO(
        CONFIG, base=f"s3://{s3_bucket}/exports", endpoint_url=s3_server.endpoint_url, target=url
    ) as pipe:
        pipe.pack_many(row(i) for i in range(1200))
    assert table_counts(url) == (1200, 1200, 1)
    assert pipe.storage.endpoint_url == s3_server.endpoint_url


@pytest.mark.parametrize("warehouse", ["duckdb", "postgres"])
def test_rio_s3_endpoint_url_alone_reaches_the_pipe_and_its_loader(
    warehouse: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    s3_server: S3Server,
    s3_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = warehouse_url(warehouse, request, tmp_path)
    monkeypatch.setenv("RIO_S3_ENDPOINT_URL", s3_server.endpoint_url)
    with RedshiftIO(CONFIG, s3_bucket=s3_bucket, target=url, buffer_size=4096) as pipe:
        pipe.pack_many(row(i) for i in range(700))
    assert table_counts(url) == (700, 700, 1)
    assert isinstance(pipe.store, S3Store)
    assert pipe.store.endpoint_url == s3_server.endpoint_url


def bucket_in(s3: Any, region: str) -> str:
    """A new bucket of this test's own in ``region`` (the Redshift double's COPY checks REGION)."""
    import secrets

    name = f"rio-test-{secrets.token_hex(6)}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return name


def test_the_region_and_addressing_style_reach_the_store_and_the_loader(
    redshift_double: Any, s3_server: S3Server, s3: Any
) -> None:
    bucket = bucket_in(s3, "eu-west-1")
    storage = StorageSettings(
        endpoint_url=s3_server.endpoint_url, region="eu-west-1", addressing_style="path"
    )
    with RedshiftIO(CONFIG, base=f"s3://{bucket}", storage=storage, target=redshift_double) as pipe:
        pipe.pack_many(row(i) for i in range(50))
    assert isinstance(pipe.store, S3Store)
    meta = pipe.store.client.meta
    assert (meta.region_name, meta.config.s3, meta.endpoint_url) == (
        "eu-west-1",
        {"addressing_style": "path"},
        s3_server.endpoint_url,
    )
    # The loader's store is in the pipe's region: the COPY it ran says so.
    (copy,) = [sql for sql in redshift_double.ran if sql.startswith("COPY")]
    assert "REGION 'eu-west-1'" in copy
    assert pipe.storage == storage


def test_an_embedded_executor_given_without_storage_reads_with_the_pipes(
    tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> None:
    from rio.executors import EmbeddedExecutor

    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    executor = EmbeddedExecutor(url)
    with RedshiftIO(
        CONFIG, base=f"s3://{s3_bucket}", endpoint_url=s3_server.endpoint_url, executor=executor
    ) as pipe:
        pipe.pack_many(row(i) for i in range(300))
    assert table_counts(url) == (300, 300, 1)
    # The pipe filled in a copy; the caller's executor is as it was, for pipes writing elsewhere.
    assert executor.storage is None


def test_an_embedded_executors_own_settings_win_and_the_pipe_fills_the_rest(
    redshift_double: Any, s3_server: S3Server, s3: Any
) -> None:
    from rio.executors import EmbeddedExecutor

    bucket = bucket_in(s3, "ap-south-1")
    executor = EmbeddedExecutor(redshift_double, storage=StorageSettings(region="ap-south-1"))
    # The pipe is told another region; the executor keeps its own, and takes the pipe's endpoint.
    pipe = RedshiftIO(
        CONFIG,
        base=f"s3://{bucket}",
        endpoint_url=s3_server.endpoint_url,
        region="us-east-1",
        executor=executor,
    )
    pipe.pack_many(row(i) for i in range(20))
    receipt = pipe.send()
    pipe.close()
    assert receipt is not None
    assert [outcome.rows for outcome in receipt.detail.outcomes] == [20]
    (copy,) = [sql for sql in redshift_double.ran if sql.startswith("COPY")]
    assert "REGION 'ap-south-1'" in copy


def test_a_pipe_given_a_store_hands_its_loader_how_that_store_is_reached(
    tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> None:
    store = open_store(
        f"s3://{s3_bucket}/given",
        endpoint_url=s3_server.endpoint_url,
        aws_access_key_id="AKIAEXPLICITKEY00001",
        aws_secret_access_key="explicit-secret",
    )
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with RedshiftIO(CONFIG, store=store, target=url) as pipe:
        pipe.pack_many(row(i) for i in range(100))
    assert table_counts(url) == (100, 100, 1)
    assert pipe.storage == StorageSettings(
        endpoint_url=s3_server.endpoint_url,
        region="us-east-1",
        aws_access_key_id="AKIAEXPLICITKEY00001",
        aws_secret_access_key="explicit-secret",
    )
    assert "explicit-secret" not in repr(pipe.storage)


def test_storage_and_a_loose_keyword_that_disagree_are_refused(tmp_path: Path) -> None:
    storage = StorageSettings(endpoint_url="http://127.0.0.1:9000")
    with pytest.raises(StorageError, match="two different values were given for endpoint_url"):
        RedshiftIO(CONFIG, base=str(tmp_path), storage=storage, endpoint_url="http://127.0.0.1:9001")
    with pytest.raises(StorageError, match=r"storage= must be a rio\.StorageSettings, not dict"):
        RedshiftIO(CONFIG, base=str(tmp_path), storage={"endpoint_url": "http://x:1"})  # type: ignore[arg-type]


def test_a_bad_rio_s3_variable_is_named_when_an_s3_pipe_opens_and_ignored_by_a_local_one(
    tmp_path: Path, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RIO_S3_ADDRESSING_STYLE", "sideways")
    with pytest.raises(StorageError, match=r"^\$RIO_S3_ADDRESSING_STYLE: the S3 addressing style must be"):
        RedshiftIO(CONFIG, base=f"s3://{s3_bucket}")
    RedshiftIO(CONFIG, base=str(tmp_path)).close_without_sending()


# --- a send that cannot store its parts ------------------------------------------------------------------


def test_a_send_that_cannot_store_its_parts_stays_sealed_and_a_retry_loads_them_once(
    tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> None:
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    storage = StorageSettings(endpoint_url=s3_server.endpoint_url, region="us-east-1")
    store = storage.open(f"s3://{s3_bucket}", max_attempts=1, connect_timeout=1, read_timeout=2)
    pipe = RedshiftIO(CONFIG, store=store, target=url, buffer_size=2048)
    accepted = []
    for i in range(150):
        pipe.pack(row(i))
        accepted.append(i)
    pipe.seal()  # every part so far is stored
    pipe.unseal()
    s3_server.stop()
    try:
        for i in range(150, 300):
            with contextlib.suppress(UploadFailed):  # a row whose pack raised was not packed
                pipe.pack(row(i))
                accepted.append(i)
        with pytest.raises(UploadFailed, match="still cannot be stored"):
            pipe.send()
        assert pipe.state is PipeState.SEALED
        with pytest.raises(PipeIsSealed):
            pipe.pack(row(1000))
    finally:
        s3_server.start()
    receipt = pipe.send()  # stores the parts it could not, then loads
    assert receipt is not None
    (outcome,) = receipt.detail.outcomes
    assert outcome.rows == len(accepted)
    pipe.close()
    assert table_counts(url) == (len(accepted), len(accepted), 1)


def test_a_failed_close_stays_sealed_and_closing_again_sends_once(
    tmp_path: Path, s3_server: S3Server, s3_bucket: str
) -> None:
    recorder = Recorder()
    store = open_store(
        f"s3://{s3_bucket}", endpoint_url=s3_server.endpoint_url, region="us-east-1", max_attempts=1,
        connect_timeout=1, read_timeout=2,
    )  # fmt: skip
    pipe = RedshiftIO(CONFIG, store=store, executor=recorder, buffer_size=2048)
    s3_server.stop()
    try:
        packed = pipe.pack_many(row(i) for i in range(40))
        with pytest.raises(UploadFailed):
            pipe.close()
        assert pipe.state is PipeState.SEALED
    finally:
        s3_server.start()
    pipe.close()
    (job,) = recorder.jobs
    assert sorted(r["id"] for r in rows_of(store, read_manifest(store, job))) == list(range(packed))
    assert pipe.state is PipeState.CLOSED


# --- custom manifests are never overwritten ---------------------------------------------------------------


def test_a_custom_manifest_refuses_an_existing_key(store: ObjectStore) -> None:
    store.put("manifests/clicks.manifest", b"someone else's")
    pipe = make_pipe(store)
    pipe.pack(row(1))
    pipe.seal()
    with pytest.raises(PipeError, match=r"already exists, and a manifest is never overwritten") as caught:
        pipe.create_and_upload_custom_manifest("manifests/clicks.manifest")
    assert store.url("manifests/clicks.manifest") in str(caught.value)
    assert "overwrite=True" in str(caught.value)
    assert store.get("manifests/clicks.manifest") == b"someone else's"
    pipe.close_without_sending()


def test_a_custom_manifest_replaces_an_existing_key_with_overwrite(store: ObjectStore) -> None:
    store.put("manifests/clicks.manifest", b"someone else's")
    pipe = make_pipe(store)
    pipe.pack_many(row(i) for i in range(10))
    pipe.seal()
    url = pipe.create_and_upload_custom_manifest("manifests/clicks.manifest", overwrite=True)
    manifest = Manifest.from_json(store.get("manifests/clicks.manifest"), source=url)
    assert sorted(r["id"] for r in rows_of(store, manifest)) == list(range(10))
    # Writing it twice without overwrite is refused, even by the pipe that wrote it.
    with pytest.raises(PipeError, match="never overwritten"):
        pipe.create_and_upload_custom_manifest("manifests/clicks.manifest")
    pipe.close_without_sending()
