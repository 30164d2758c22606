"""Object stores against real parts: moto's S3 server over HTTP, and real temporary directories."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from rio.contract import Base
from rio.errors import InvalidBase, InvalidKey, ObjectNotFound, StorageError
from rio.storage import (
    LocalStore,
    ObjectStore,
    S3Store,
    StoredObject,
    _region_from_location,
    open_store,
)
from support.s3 import S3Server

MiB = 1024 * 1024


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def local_store(tmp_path: Path) -> LocalStore:
    return LocalStore(str(tmp_path / "store"))


@pytest.fixture
def make_s3_store(s3_server: S3Server, s3_bucket: str) -> Iterator[Callable[..., S3Store]]:
    """Make S3 stores on this test's bucket (or another base), closed after the test."""
    made: list[S3Store] = []

    def make(base: str | None = None, **options: Any) -> S3Store:
        options.setdefault("endpoint_url", s3_server.endpoint_url)
        store = S3Store(base or f"s3://{s3_bucket}", **options)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


@pytest.fixture
def s3_store(make_s3_store: Callable[..., S3Store]) -> S3Store:
    return make_s3_store()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest) -> ObjectStore:
    """Each behaviour both stores share runs against both."""
    chosen: ObjectStore = request.getfixturevalue(f"{request.param}_store")
    return chosen


def _files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


class _Requests:
    """Records each request an S3 client sends: its operation and headers (after signing)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []

    def __call__(self, request: Any, event_name: str, **_: Any) -> None:
        headers = {name: _text(value) for name, value in request.headers.items()}
        self.seen.append((event_name.rsplit(".", 1)[-1], headers))

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.seen]


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


# --- round trips (both stores) -------------------------------------------------------------------------


def test_store_is_an_object_store(store: ObjectStore) -> None:
    assert isinstance(store, ObjectStore)


def test_put_then_get_returns_the_same_bytes(store: ObjectStore) -> None:
    store.put("a.json.gz", b"\x1f\x8b\x00binary\xff")
    assert store.get("a.json.gz") == b"\x1f\x8b\x00binary\xff"


def test_put_returns_the_key_url_and_size(store: ObjectStore) -> None:
    stored = store.put("s/t/parts/x/000001.json.gz", b"12345")
    assert stored == StoredObject(
        key="s/t/parts/x/000001.json.gz", url=f"{store.base}/s/t/parts/x/000001.json.gz", size=5
    )


def test_url_joins_the_base_and_the_key(store: ObjectStore) -> None:
    assert store.url("s_t_2026-11-21T10:15:00Z.manifest") == f"{store.base}/s_t_2026-11-21T10:15:00Z.manifest"


def test_exists_and_size_of_a_stored_object(store: ObjectStore) -> None:
    store.put("k", b"abc")
    assert (store.exists("k"), store.size("k")) == (True, 3)


def test_exists_and_size_of_an_absent_object(store: ObjectStore) -> None:
    assert (store.exists("nothing"), store.size("nothing")) == (False, None)


def test_an_empty_object_round_trips(store: ObjectStore) -> None:
    store.put("empty", b"")
    assert (store.get("empty"), store.size("empty")) == (b"", 0)


def test_put_overwrites(store: ObjectStore) -> None:
    store.put("k", b"first, and longer")
    store.put("k", b"second")
    assert store.get("k") == b"second"


@pytest.mark.parametrize("key", ["with space.json", "ünï/cödé ✓.yml", "a b/c d/e f", "日本/データ.json.gz"])
def test_keys_with_unicode_and_spaces_round_trip(store: ObjectStore, key: str) -> None:
    store.put(key, key.encode())
    assert (store.get(key), list(store.list())) == (key.encode(), [key])


def test_nested_keys_round_trip(store: ObjectStore) -> None:
    store.put("s/t/parts/run/000000.json.gz", b"0")
    store.put("s/t/parts/run/000001.json.gz", b"1")
    assert [store.get(key) for key in store.list("s/t/parts/run/")] == [b"0", b"1"]


def test_get_of_a_missing_key_raises_object_not_found_naming_the_url(store: ObjectStore) -> None:
    url = store.url("s/missing.manifest")
    with pytest.raises(ObjectNotFound, match=f"^{url} does not exist") as caught:
        store.get("s/missing.manifest")
    assert caught.value.url == url


def test_get_of_a_key_under_a_missing_directory_raises_object_not_found(store: ObjectStore) -> None:
    store.put("file", b"x")
    with pytest.raises(ObjectNotFound):
        store.get("file/below")


@pytest.mark.parametrize("key", ["", "/abs", "a//b", "../up", "a/./b", "trailing/", "nul\x00"])
def test_invalid_keys_are_refused_before_any_request(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        store.put(key, b"x")


def test_delete_removes_keys_and_ignores_absent_ones(store: ObjectStore) -> None:
    for key in ("a", "b", "n/c"):
        store.put(key, b"x")
    store.delete(["a", "n/c", "never-there"])
    assert list(store.list()) == ["b"]


def test_delete_of_nothing_does_nothing(store: ObjectStore) -> None:
    store.put("a", b"x")
    store.delete([])
    assert list(store.list()) == ["a"]


def test_delete_checks_every_key_before_deleting_any(store: ObjectStore) -> None:
    store.put("a", b"x")
    with pytest.raises(InvalidKey):
        store.delete(["a", "../b"])
    assert store.exists("a")


# --- listing (both stores) ----------------------------------------------------------------------------


def test_list_of_an_empty_store_is_empty(store: ObjectStore) -> None:
    assert list(store.list()) == []


def test_list_returns_only_keys_with_the_prefix_in_order(store: ObjectStore) -> None:
    for key in ("s_users_2026-11-21T10:15:00Z.manifest", "s_orders_x", "s_users_1", "t_users_1"):
        store.put(key, b"x")
    assert list(store.list("s_users_")) == ["s_users_1", "s_users_2026-11-21T10:15:00Z.manifest"]


def test_list_prefix_is_a_string_prefix_not_a_folder(store: ObjectStore) -> None:
    for key in ("s_users_archive_1", "s_users/x", "s_users_1"):
        store.put(key, b"x")
    assert (list(store.list("s_users_")), list(store.list("s_users"))) == (
        ["s_users_1", "s_users_archive_1"],
        ["s_users/x", "s_users_1", "s_users_archive_1"],
    )


def test_list_prefix_may_end_inside_a_directory_name(store: ObjectStore) -> None:
    for key in ("s/table_a/parts/1", "s/table_b/parts/1", "s/other/1"):
        store.put(key, b"x")
    assert list(store.list("s/table_")) == ["s/table_a/parts/1", "s/table_b/parts/1"]


def test_list_order_is_lexicographic_across_directories(store: ObjectStore) -> None:
    # '-' and '.' sort before '/', which sorts before '0': a directory's keys sit among its siblings.
    keys = ["a/x", "a-b", "a.b", "a0", "a/b/c", "b", "A", "é"]
    for key in keys:
        store.put(key, b"x")
    assert list(store.list()) == sorted(keys)


def test_a_sized_listing_gives_each_key_with_its_size(store: ObjectStore) -> None:
    for key, size in (("p/a", 3), ("p/b/c", 0), ("p/d", 1024), ("q", 7)):
        store.put(key, b"x" * size)
    assert list(store.list_sized("p/")) == [("p/a", 3), ("p/b/c", 0), ("p/d", 1024)]
    assert list(store.list("p/")) == ["p/a", "p/b/c", "p/d"]


def test_list_with_a_prefix_naming_no_directory_is_empty(store: ObjectStore) -> None:
    store.put("a/b", b"x")
    assert list(store.list("zzz/y")) == []


# --- create-if-absent (both stores) ------------------------------------------------------------------


def test_put_if_absent_creates_an_absent_key(store: ObjectStore) -> None:
    stored = store.put_if_absent("m.manifest", b"first")
    assert (stored, store.get("m.manifest")) == (
        StoredObject("m.manifest", store.url("m.manifest"), 5),
        b"first",
    )


def test_put_if_absent_returns_none_when_the_key_exists_and_writes_nothing(store: ObjectStore) -> None:
    store.put_if_absent("m.manifest", b"first")
    assert store.put_if_absent("m.manifest", b"second") is None
    assert store.get("m.manifest") == b"first"


def test_put_if_absent_returns_none_for_the_same_bytes_written_earlier(store: ObjectStore) -> None:
    store.put_if_absent("m.manifest", b"same")
    assert store.put_if_absent("m.manifest", b"same") is None


def test_put_if_absent_from_eight_threads_has_exactly_one_winner(store: ObjectStore) -> None:
    start = threading.Barrier(8)

    def attempt(number: int) -> StoredObject | None:
        start.wait()
        return store.put_if_absent("race.manifest", f"writer {number}".encode())

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    winners = [number for number, result in enumerate(results) if result is not None]
    assert len(winners) == 1
    assert store.get("race.manifest") == f"writer {winners[0]}".encode()


# --- full URLs (both stores) --------------------------------------------------------------------------


def test_get_url_reads_a_full_url(store: ObjectStore) -> None:
    stored = store.put("s/t/parts/r/000000.json.gz", b"part")
    assert store.get_url(stored.url) == b"part"


def test_open_url_streams_in_pieces(store: ObjectStore) -> None:
    data = os.urandom(3 * MiB + 17)
    stored = store.put("big", data)
    with store.open_url(stored.url) as reader:
        first = reader.read(10)
        rest = b"".join(iter(lambda: reader.read(64 * 1024), b""))
    assert (first, first + rest) == (data[:10], data)


def test_open_url_of_a_missing_object_raises_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        store.open_url(store.url("absent"))


def test_get_url_of_a_missing_object_raises_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        store.get_url(store.url("absent"))


def test_get_url_refuses_the_other_stores_urls(store: ObjectStore) -> None:
    other = "file:///tmp/x" if store.base.scheme == "s3" else "s3://bucket/x"
    with pytest.raises(InvalidKey):
        store.get_url(other)


def test_debug_log_names_urls_and_sizes(store: ObjectStore, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="rio.storage"):
        store.put("k", b"abc")
        store.get("k")
    messages = [record.getMessage() for record in caplog.records if record.name == "rio.storage"]
    assert messages == [f"put {store.url('k')} (3 bytes)", f"got {store.url('k')} (3 bytes)"]


# --- local directories ----------------------------------------------------------------------------------


def test_local_directory_is_created_on_first_write(tmp_path: Path) -> None:
    store = LocalStore(str(tmp_path / "new" / "dir"))
    assert not (tmp_path / "new").exists()
    store.put("k", b"x")
    assert (tmp_path / "new" / "dir" / "k").read_bytes() == b"x"


def test_local_keys_are_files_under_the_base(local_store: LocalStore) -> None:
    local_store.put("s/t/parts/r/000000.json.gz", b"x")
    assert _files_under(Path(local_store.base.path or "")) == ["s/t/parts/r/000000.json.gz"]


def test_local_writes_leave_no_temp_files(local_store: LocalStore) -> None:
    local_store.put("a/k", b"1")
    local_store.put("a/k", b"2")
    local_store.put_if_absent("a/m", b"3")
    local_store.put_if_absent("a/m", b"4")  # the losing write's temporary file goes too
    assert _files_under(Path(local_store.base.path or "")) == ["a/k", "a/m"]


def test_local_temp_files_are_never_seen_as_keys(local_store: LocalStore) -> None:
    local_store.put("a/other", b"x")
    root = Path(local_store.base.path or "")
    (root / "a" / ".k.0123456789abcdef.tmp").write_bytes(b"half a wri")
    assert (list(local_store.list()), local_store.exists("a/k")) == (["a/other"], False)


def test_local_readers_never_see_a_partial_object(local_store: LocalStore) -> None:
    versions = {b"a" * (4 * MiB), b"b" * (4 * MiB)}
    local_store.put("k", b"a" * (4 * MiB))
    stop = threading.Event()
    seen: list[tuple[bytes, list[str]]] = []

    def read() -> None:
        while not stop.is_set():
            seen.append((local_store.get("k"), list(local_store.list())))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for round_ in range(20):
            local_store.put("k", b"ab"[round_ % 2 : round_ % 2 + 1] * (4 * MiB))
    finally:
        stop.set()
        reader.join()
    assert seen
    assert all(data in versions and keys == ["k"] for data, keys in seen)


def test_local_files_get_the_usual_permissions(local_store: LocalStore) -> None:
    old = os.umask(0o022)
    try:
        local_store.put("k", b"x")
        local_store.put_if_absent("m", b"x")
    finally:
        os.umask(old)
    root = Path(local_store.base.path or "")
    modes = [stat.S_IMODE((root / name).stat().st_mode) for name in ("k", "m")]
    assert modes == [0o644, 0o644]


def test_local_base_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(StorageError, match=r"is a file, not a directory"):
        LocalStore(str(tmp_path / "file"))


def test_local_base_that_became_a_file_fails_writes_with_storage_error(tmp_path: Path) -> None:
    store = LocalStore(str(tmp_path / "base"))
    (tmp_path / "base").write_bytes(b"x")
    with pytest.raises(StorageError, match=r"is a file, not a directory"):
        store.put("k", b"x")


def test_local_base_that_became_a_file_fails_reads_with_storage_error(tmp_path: Path) -> None:
    store = LocalStore(str(tmp_path / "base"))
    (tmp_path / "base").write_bytes(b"x")
    with pytest.raises(StorageError, match=r"is a file, not a directory") as caught:
        list(store.list())
    assert not isinstance(caught.value, ObjectNotFound)


def test_local_key_under_another_key_is_a_storage_error(local_store: LocalStore) -> None:
    local_store.put("a", b"x")
    with pytest.raises(StorageError, match=r"a part of its path is a file"):
        local_store.put("a/b", b"y")


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root may write to any directory, so a directory without write permission cannot fail",
)
def test_local_directory_without_write_permission_is_a_storage_error(tmp_path: Path) -> None:
    base = tmp_path / "read-only"
    base.mkdir()
    base.chmod(0o555)
    try:
        with pytest.raises(StorageError, match=r"permission denied.*check that this user may write"):
            LocalStore(str(base)).put("k", b"x")
    finally:
        base.chmod(0o755)


def test_local_store_from_a_file_url_and_a_plain_path_is_the_same_directory(tmp_path: Path) -> None:
    LocalStore(f"file://{tmp_path}").put("k", b"x")
    assert LocalStore(str(tmp_path)).get("k") == b"x"


def test_local_get_url_reads_any_absolute_file(local_store: LocalStore, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.json").write_bytes(b"{}")
    assert local_store.get_url(f"file://{tmp_path}/elsewhere.json") == b"{}"


def test_local_open_url_returns_an_open_binary_file(local_store: LocalStore) -> None:
    stored = local_store.put("k", b"abc")
    with local_store.open_url(stored.url) as file:
        assert (isinstance(file, io.BufferedReader), file.read()) == (True, b"abc")


def test_local_exists_is_false_for_a_directory(local_store: LocalStore) -> None:
    local_store.put("d/k", b"x")
    assert (local_store.exists("d"), local_store.size("d")) == (False, None)


def test_local_repr_shows_the_base() -> None:
    assert repr(LocalStore("file:///srv/rio")) == "LocalStore(base='file:///srv/rio')"


# --- S3: layout, paging, encryption, multipart ----------------------------------------------------------


def test_s3_keys_under_a_base_prefix_are_relative_to_it(
    make_s3_store: Callable[..., S3Store], s3: Any, s3_bucket: str
) -> None:
    store = make_s3_store(f"s3://{s3_bucket}/some/prefix")
    store.put("s/a", b"x")
    for outside in ("other", "some/prefixed", "some/x"):
        s3.put_object(Bucket=s3_bucket, Key=outside, Body=b"o")
    listed = [item["Key"] for item in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]]
    assert (list(store.list()), listed) == (["s/a"], ["other", "some/prefix/s/a", "some/prefixed", "some/x"])


def test_s3_url_under_a_base_prefix(make_s3_store: Callable[..., S3Store], s3_bucket: str) -> None:
    store = make_s3_store(f"s3://{s3_bucket}/some/prefix")
    assert store.put("k", b"x").url == f"s3://{s3_bucket}/some/prefix/k"


def test_s3_list_skips_objects_no_key_can_name(s3_store: S3Store, s3: Any, s3_bucket: str) -> None:
    for key in ("folder/", "a//b", "ok"):
        s3.put_object(Bucket=s3_bucket, Key=key, Body=b"")
    assert list(s3_store.list()) == ["ok"]


def test_s3_list_follows_every_page(make_s3_store: Callable[..., S3Store]) -> None:
    store = make_s3_store(page_size=2)
    for number in range(5):
        store.put(f"k{number}", b"x")
    requests = _Requests()
    store.client.meta.events.register("before-send.s3.ListObjectsV2", requests)
    assert (list(store.list("k")), len(requests.seen)) == (["k0", "k1", "k2", "k3", "k4"], 3)


def test_s3_delete_goes_in_batches_of_1000(s3_store: S3Store, s3: Any, s3_bucket: str) -> None:
    keys = [f"k{number:04d}" for number in range(1001)]
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda key: s3.put_object(Bucket=s3_bucket, Key=key, Body=b""), keys))
    assert list(s3_store.list()) == keys  # two pages of the default 1000
    requests = _Requests()
    s3_store.client.meta.events.register("before-send.s3.DeleteObjects", requests)
    s3_store.delete(keys)
    assert (len(requests.seen), list(s3_store.list())) == (2, [])


def test_s3_objects_are_encrypted_with_aes256_by_default(s3_store: S3Store, s3: Any, s3_bucket: str) -> None:
    s3_store.put("k", b"x")
    s3_store.put_if_absent("m", b"x")
    encryption = [s3.head_object(Bucket=s3_bucket, Key=key).get("ServerSideEncryption") for key in ("k", "m")]
    assert encryption == ["AES256", "AES256"]


def test_s3_encryption_none_writes_without_it(
    make_s3_store: Callable[..., S3Store], s3: Any, s3_bucket: str
) -> None:
    make_s3_store(server_side_encryption=None).put("k", b"x")
    assert "ServerSideEncryption" not in s3.head_object(Bucket=s3_bucket, Key="k")


def test_s3_kms_key_implies_kms_encryption(
    make_s3_store: Callable[..., S3Store], s3: Any, s3_bucket: str
) -> None:
    make_s3_store(kms_key_id="alias/rio").put("k", b"x")
    head = s3.head_object(Bucket=s3_bucket, Key="k")
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", "alias/rio")


def test_s3_kms_key_without_encryption_is_refused(make_s3_store: Callable[..., S3Store]) -> None:
    with pytest.raises(StorageError, match="kms_key_id was given with server_side_encryption=None"):
        make_s3_store(kms_key_id="alias/rio", server_side_encryption=None)


def test_s3_unknown_encryption_is_refused(make_s3_store: Callable[..., S3Store]) -> None:
    with pytest.raises(StorageError, match="server_side_encryption 'aes256' is not one of"):
        make_s3_store(server_side_encryption="aes256")


def test_s3_content_type_is_stored(s3_store: S3Store, s3: Any, s3_bucket: str) -> None:
    s3_store.put("m.manifest", b"{}", content_type="application/json")
    assert s3.head_object(Bucket=s3_bucket, Key="m.manifest")["ContentType"] == "application/json"


def test_s3_large_objects_go_up_in_parts_encrypted(
    make_s3_store: Callable[..., S3Store], s3: Any, s3_bucket: str
) -> None:
    store = make_s3_store(multipart_threshold=1 * MiB, multipart_chunksize=5 * MiB)
    data = os.urandom(11 * MiB)
    assert store.put("big.json.gz", data).size == 11 * MiB
    head = s3.head_object(Bucket=s3_bucket, Key="big.json.gz")
    assert (head["ETag"].strip('"').endswith("-3"), head["ServerSideEncryption"]) == (True, "AES256")
    assert store.get("big.json.gz") == data


def test_s3_small_objects_go_up_in_one_request(s3_store: S3Store, s3: Any, s3_bucket: str) -> None:
    s3_store.put("small", b"abc")
    etag = s3.head_object(Bucket=s3_bucket, Key="small")["ETag"].strip('"')
    assert etag == hashlib.md5(b"abc").hexdigest()


def test_s3_put_if_absent_refuses_more_than_one_put_can_hold(
    s3_store: S3Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("rio.storage._s3.MAX_PUT_IF_ABSENT_BYTES", 10)
    with pytest.raises(StorageError, match="11 bytes is more than S3 writes in one conditional PUT"):
        s3_store.put_if_absent("m", b"x" * 11)
    assert not s3_store.exists("m")


def test_s3_get_url_reads_another_bucket(s3_store: S3Store, s3: Any) -> None:
    s3.create_bucket(Bucket="rio-test-other-bucket")
    s3.put_object(Bucket="rio-test-other-bucket", Key="go/part 1.json.gz", Body=b"theirs")
    assert s3_store.get_url("s3://rio-test-other-bucket/go/part 1.json.gz") == b"theirs"


@pytest.mark.parametrize(
    "url", ["s3://bucket", "s3://bucket/", "s3://bucket/dir/", "s3://b/x", "https://x/y"]
)
def test_s3_get_url_refuses_urls_that_name_no_object(s3_store: S3Store, url: str) -> None:
    with pytest.raises(InvalidKey):
        s3_store.get_url(url)


# --- S3: conditional writes under faults ---------------------------------------------------------------


def _lose_the_first_response(store: S3Store, write_first: Callable[[], None]) -> None:
    """Make the first PutObject run ``write_first`` instead, then fail as a dropped connection would."""
    from botocore.exceptions import ConnectionClosedError

    calls = []

    def handler(request: Any, **_: Any) -> None:
        calls.append(request)
        if len(calls) == 1:
            write_first()
            raise ConnectionClosedError(endpoint_url=request.url)

    store.client.meta.events.register("before-send.s3.PutObject", handler)


def test_s3_put_if_absent_whose_first_attempt_landed_counts_as_written(
    s3_store: S3Store, s3: Any, s3_bucket: str
) -> None:
    _lose_the_first_response(s3_store, lambda: s3.put_object(Bucket=s3_bucket, Key="m", Body=b"mine"))
    assert s3_store.put_if_absent("m", b"mine") == StoredObject("m", s3_store.url("m"), 4)


def test_s3_put_if_absent_retried_into_another_writers_object_returns_none(
    s3_store: S3Store, s3: Any, s3_bucket: str
) -> None:
    _lose_the_first_response(s3_store, lambda: s3.put_object(Bucket=s3_bucket, Key="m", Body=b"theirs"))
    assert (s3_store.put_if_absent("m", b"mine"), s3_store.get("m")) == (None, b"theirs")


def _answer_first_put_with_409(store: S3Store, before: Callable[[], None], times: int = 1) -> None:
    from botocore.awsrequest import AWSResponse

    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>ConditionalRequestConflict</Code>'
        b"<Message>A conflicting conditional operation is in progress</Message></Error>"
    )

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield body

    calls = []

    def handler(request: Any, **_: Any) -> AWSResponse | None:
        calls.append(request)
        if len(calls) > times:
            return None
        before()
        return AWSResponse(request.url, 409, {"Content-Type": "application/xml"}, Raw())

    store.client.meta.events.register("before-send.s3.PutObject", handler)


def test_s3_put_if_absent_after_a_conflict_that_left_nothing_writes_again(s3_store: S3Store) -> None:
    _answer_first_put_with_409(s3_store, lambda: None)
    assert (s3_store.put_if_absent("m", b"mine"), s3_store.get("m")) == (
        StoredObject("m", s3_store.url("m"), 4),
        b"mine",
    )


def test_s3_put_if_absent_gives_up_after_three_conflicts_that_left_nothing(s3_store: S3Store) -> None:
    _answer_first_put_with_409(s3_store, lambda: None, times=3)
    with pytest.raises(StorageError, match="conflicting write 3 times in a row") as caught:
        s3_store.put_if_absent("m", b"mine")
    assert (caught.value.url, s3_store.exists("m")) == (s3_store.url("m"), False)


def test_s3_put_if_absent_after_a_conflict_with_a_winner_returns_none(
    s3_store: S3Store, s3: Any, s3_bucket: str
) -> None:
    _answer_first_put_with_409(s3_store, lambda: s3.put_object(Bucket=s3_bucket, Key="m", Body=b"theirs"))
    assert (s3_store.put_if_absent("m", b"mine"), s3_store.get("m")) == (None, b"theirs")


# --- S3: region, credentials, retries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "region"),
    [(None, "us-east-1"), ("", "us-east-1"), ("EU", "eu-west-1"), ("eu-central-1", "eu-central-1")],
)
def test_location_constraint_maps_to_a_region(constraint: str | None, region: str) -> None:
    assert _region_from_location(constraint) == region


def test_s3_region_is_found_from_the_bucket(
    s3_server: S3Server, make_s3_store: Callable[..., S3Store]
) -> None:
    import boto3

    eu = boto3.client("s3", endpoint_url=s3_server.endpoint_url, region_name="eu-west-1")
    eu.create_bucket(
        Bucket="rio-test-eu-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    try:
        store = make_s3_store("s3://rio-test-eu-bucket")
        assert (store.region, store.client.meta.region_name) == ("eu-west-1", "eu-west-1")
    finally:
        eu.delete_bucket(Bucket="rio-test-eu-bucket")


def test_s3_region_of_a_us_east_1_bucket(s3_store: S3Store) -> None:
    assert s3_store.region == "us-east-1"


def test_s3_given_region_skips_the_lookup(
    make_s3_store: Callable[..., S3Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = _recording_sessions(monkeypatch)
    store = make_s3_store(region="ap-southeast-2")
    assert (store.region, requests.operations()) == ("ap-southeast-2", [])


def _recording_sessions(monkeypatch: pytest.MonkeyPatch) -> _Requests:
    """Record every request of every client made from a boto3 session made from now on."""
    import boto3.session

    requests = _Requests()

    class RecordingSession(boto3.session.Session):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.events.register("before-send.s3", requests)

    monkeypatch.setattr(boto3.session, "Session", RecordingSession)
    return requests


def test_s3_explicit_credentials_sign_every_request_and_the_region_lookup(
    make_s3_store: Callable[..., S3Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"  # the default chain would find this one
    requests = _recording_sessions(monkeypatch)
    store = make_s3_store(
        aws_access_key_id="AKIAEXPLICITKEY00001",
        aws_secret_access_key="explicit-secret",
        aws_session_token="explicit-token",
    )
    store.put("k", b"x")
    store.put_if_absent("m", b"x")
    store.get("k")
    store.exists("k")
    list(store.list())
    store.delete(["k"])
    assert requests.operations() == [
        "GetBucketLocation",
        "PutObject",
        "PutObject",
        "GetObject",
        "HeadObject",
        "ListObjectsV2",
        "DeleteObjects",
    ]
    assert all("Credential=AKIAEXPLICITKEY00001/" in headers["Authorization"] for _, headers in requests.seen)
    assert all(headers["X-Amz-Security-Token"] == "explicit-token" for _, headers in requests.seen)


def test_s3_default_chain_signs_with_the_environments_credentials(
    make_s3_store: Callable[..., S3Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = _recording_sessions(monkeypatch)
    make_s3_store().put("k", b"x")
    assert [headers["Authorization"].split("Credential=")[1][:8] for _, headers in requests.seen] == [
        "testing/",
        "testing/",
    ]


@pytest.mark.parametrize(
    "credentials",
    [
        {"aws_access_key_id": "AKIAEXPLICITKEY00001"},
        {"aws_secret_access_key": "s3cr3t-never-shown"},
        {"aws_session_token": "t0ken-never-shown"},
    ],
)
def test_s3_incomplete_explicit_credentials_are_refused(
    make_s3_store: Callable[..., S3Store], credentials: dict[str, str]
) -> None:
    with pytest.raises(StorageError, match="default credential chain") as caught:
        make_s3_store(**credentials)
    assert all(value not in str(caught.value) for value in credentials.values())


def test_s3_retries_are_botocores_standard_mode(make_s3_store: Callable[..., S3Store]) -> None:
    config = make_s3_store(max_attempts=4, connect_timeout=2, read_timeout=3).client.meta.config
    assert (config.retries, config.connect_timeout, config.read_timeout) == (
        {"mode": "standard", "total_max_attempts": 4},
        2,
        3,
    )


def test_s3_repr_shows_no_credentials(make_s3_store: Callable[..., S3Store], s3_server: S3Server) -> None:
    store = make_s3_store(
        "s3://rio-test-repr/p",
        aws_access_key_id="AKIAEXPLICITKEY00001",
        aws_secret_access_key="s3cr3t",
        region="eu-west-1",
    )
    assert repr(store) == (
        f"S3Store(base='s3://rio-test-repr/p', region='eu-west-1', endpoint_url='{s3_server.endpoint_url}')"
    )


def test_s3_repr_masks_the_endpoints_password(make_s3_store: Callable[..., S3Store]) -> None:
    store = make_s3_store(endpoint_url="http://user:s3cr3t@127.0.0.1:9/", region="us-east-1")
    assert repr(store).endswith("endpoint_url='http://user:***@127.0.0.1:9/')")
    assert "s3cr3t" not in repr(store)


# --- S3: faults ---------------------------------------------------------------------------------------


def test_s3_get_of_a_missing_bucket_is_a_storage_error(make_s3_store: Callable[..., S3Store]) -> None:
    store = make_s3_store("s3://rio-test-no-such-bucket", region="us-east-1")
    with pytest.raises(StorageError, match="the bucket does not exist") as caught:
        store.get("k")
    assert (type(caught.value), caught.value.url) == (StorageError, "s3://rio-test-no-such-bucket/k")


def test_s3_stopped_server_is_a_storage_error_naming_the_url_then_works_after_restart(
    make_s3_store: Callable[..., S3Store], s3_server: S3Server
) -> None:
    store = make_s3_store(
        aws_access_key_id="AKIAEXPLICITKEY00001",
        aws_secret_access_key="s3cr3t-never-shown",
        max_attempts=2,
        connect_timeout=1,
        read_timeout=1,
    )
    store.put("k", b"x")
    s3_server.stop()
    try:
        started = time.monotonic()
        with pytest.raises(StorageError) as caught:
            store.get("k")
        elapsed = time.monotonic() - started
    finally:
        s3_server.start()
    message = str(caught.value)
    assert not isinstance(caught.value, ObjectNotFound)
    assert caught.value.url == store.url("k")
    assert message.startswith(f"could not read {store.url('k')}: the S3 endpoint {s3_server.endpoint_url}")
    assert "could not be reached after 2 attempts" in message
    assert "s3cr3t-never-shown" not in message
    assert elapsed < 10
    assert store.get("k") == b"x"


def test_s3_stopped_server_fails_the_region_lookup_with_a_storage_error(
    make_s3_store: Callable[..., S3Store], s3_server: S3Server, s3_bucket: str
) -> None:
    s3_server.stop()
    try:
        with pytest.raises(
            StorageError, match=f"could not find the region of s3://{s3_bucket}: the S3 endpoint"
        ):
            make_s3_store(max_attempts=1, connect_timeout=1)
    finally:
        s3_server.start()


# --- open_store -----------------------------------------------------------------------------------------


def test_open_store_picks_s3_for_an_s3_base(s3_server: S3Server, s3_bucket: str) -> None:
    store = open_store(f"s3://{s3_bucket}/pre", endpoint_url=s3_server.endpoint_url, max_attempts=3)
    try:
        assert (type(store), store.base, store.client.meta.config.retries["total_max_attempts"]) == (
            S3Store,
            Base("s3", s3_bucket, "pre"),
            3,
        )
    finally:
        store.close()


def test_open_store_picks_local_for_a_file_url(tmp_path: Path) -> None:
    store = open_store(f"file://{tmp_path}")
    assert (type(store), store.base) == (LocalStore, Base("file", path=str(tmp_path)))


def test_open_store_picks_local_for_a_plain_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store("relative/dir")
    assert (type(store), store.base) == (LocalStore, Base("file", path=str(tmp_path / "relative" / "dir")))


@pytest.mark.parametrize("base", ["", "ftp://host/x", "s3://", "s3://Bad_Bucket", "file://relative"])
def test_open_store_refuses_bad_bases(base: str) -> None:
    with pytest.raises(InvalidBase):
        open_store(base)


def test_stores_refuse_the_other_kind_of_base(tmp_path: Path) -> None:
    with pytest.raises(InvalidBase):
        LocalStore("s3://bucket")
    with pytest.raises(InvalidBase):
        S3Store(str(tmp_path))


def test_importing_the_module_does_not_import_boto3() -> None:
    code = (
        "import sys, rio.storage\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --- S3: an endpoint that cannot be reached while the region is looked up --------------------------


def _closed_port() -> int:
    """A port of 127.0.0.1 on which nothing listens (it was free a moment ago)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_botocore_endpoint_during_the_region_lookup_is_a_storage_error_naming_it(
    monkeypatch: pytest.MonkeyPatch, s3_bucket: str
) -> None:
    # botocore's own variable picks the endpoint, so the store itself was given none.
    unreachable = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", unreachable)
    with pytest.raises(StorageError) as caught:
        S3Store(f"s3://{s3_bucket}", max_attempts=1, connect_timeout=1)
    assert str(caught.value).startswith(
        f"could not find the region of s3://{s3_bucket}: the S3 endpoint {unreachable} could not be "
        "reached after 1 attempts"
    )
    assert caught.value.url == f"s3://{s3_bucket}"


def test_an_unreachable_endpoint_after_the_lookup_names_the_endpoint_the_client_used(
    monkeypatch: pytest.MonkeyPatch, s3_bucket: str
) -> None:
    unreachable = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", unreachable)
    store = S3Store(f"s3://{s3_bucket}", region="eu-west-1", max_attempts=1, connect_timeout=1)
    try:
        with pytest.raises(StorageError, match=f"the S3 endpoint {unreachable} could not be reached"):
            store.get("k")
    finally:
        store.close()


# --- S3: the settings that reach a store again ---------------------------------------------------------


def test_an_s3_store_gives_the_settings_that_reach_it_with_the_region_it_found(
    make_s3_store: Callable[..., S3Store], s3_server: S3Server
) -> None:
    from rio.storage_settings import StorageSettings

    store = make_s3_store(addressing_style="path")
    assert store.storage == StorageSettings(
        endpoint_url=s3_server.endpoint_url, region="us-east-1", addressing_style="path"
    )
    # The default chain stays the default chain: no credential is copied out of it.
    assert store.storage.aws_access_key_id is None


def test_an_s3_store_gives_its_explicit_credentials_and_hides_them_in_repr(
    make_s3_store: Callable[..., S3Store],
) -> None:
    store = make_s3_store(
        aws_access_key_id="AKIAEXPLICITKEY00001",
        aws_secret_access_key="s3cr3t-never-shown",
        aws_session_token="t0ken-never-shown",
    )
    settings = store.storage
    assert (settings.aws_access_key_id, settings.aws_secret_access_key, settings.aws_session_token) == (
        "AKIAEXPLICITKEY00001",
        "s3cr3t-never-shown",
        "t0ken-never-shown",
    )
    assert "s3cr3t-never-shown" not in repr(settings)
    assert "t0ken-never-shown" not in repr(settings)
    # The settings reach the same bucket as the same principal.
    reopened = settings.open(store.base)
    try:
        reopened.put("k", b"x")
        assert store.get("k") == b"x"
    finally:
        reopened.close()
