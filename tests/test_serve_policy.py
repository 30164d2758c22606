"""What a job posted to ``rio serve`` may touch: allowed bases and schemas, reads confined to them, files
that are no rio format never echoed, and 413 for any body over the limit, never a reset connection.

The policy and its store wrapper are checked first on their own, against real directories (with real
symlinks) and moto's S3; then through the real ``rio serve`` process, loading into PostgreSQL: each
path as a producer uses it, a second time on the same data, and as an attacker would.
"""

from __future__ import annotations

import gzip
import json
import random
import socket
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from rio import contract
from rio.config import Column, DestinationConfig
from rio.contract import Job, Manifest, ManifestEntry
from rio.errors import AccessRefused, InvalidBase, InvalidJob, ReservedName
from rio.server.policy import AccessPolicy, ConfinedStore
from rio.server.state import StateStore
from rio.storage import LocalStore, S3Store
from support.rio_serve import ServeProcess, publish_local, rows_for, server_pool
from support.s3 import S3Server

SCHEMA = "analytics"
D1 = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)
D2 = datetime(2026, 11, 21, 10, 0, 0, tzinfo=timezone.utc)
MiB = 1 << 20


def config_for(table: str, schema: str = SCHEMA) -> DestinationConfig:
    return DestinationConfig(
        schema,
        table,
        [Column("ts", "timestamp", sort_ord=1), Column("id", "bigint"), Column("name", "text")],
        data_timestamp_column="ts",
    )


def publish(base: Path, table: str, date: datetime = D2, count: int = 20, schema: str = SCHEMA) -> None:
    publish_local(base, config_for(table, schema), date, rows_for(count, date))


def ndjson_part(path: Path, count: int, start: int = 0) -> Path:
    """A gzip'd NDJSON part of ``count`` rows, written the way a producer writes one."""
    rows = rows_for(count, D2, start)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(b"".join(json.dumps(row).encode() + b"\n" for row in rows)))
    return path


def publish_manifest(base: Path, table: str, urls: list[str], date: datetime = D2) -> Path:
    """A manifest of ``urls`` and the load config, as a producer would write them in ``base``."""
    (base / contract.config_key(SCHEMA, table, date)).write_text(config_for(table).to_yaml())
    manifest = Manifest(tuple(ManifestEntry(url, mandatory=True) for url in urls))
    path = base / contract.manifest_key(SCHEMA, table, date)
    path.write_bytes(manifest.to_json())
    return path


def pg_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def table_exists(url: str, table: str) -> bool:
    found = pg_rows(
        url,
        "SELECT count(*) FROM information_schema.tables "
        f"WHERE table_schema = '{SCHEMA}' AND table_name = '{table}'",
    )
    return bool(found[0][0])


def ledger_rows(url: str) -> list[tuple[Any, ...]]:
    if not table_exists(url, "rio_loads"):
        return []
    return pg_rows(url, f"SELECT table_name, data_date, job_id FROM {SCHEMA}.rio_loads ORDER BY loaded_at")


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Callable[..., ServeProcess]]:
    """Start servers of a test's own (allowing only what each is given); each is stopped at the end."""
    with server_pool(tmp_path) as make:
        yield make


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """``allowed`` (a base the tests allow), ``outside`` (another user's directory), and tricks on them."""
    allowed = tmp_path / "data"
    outside = tmp_path / "other-user"
    sibling = tmp_path / "database"  # shares the allowed directory's leading characters
    for path in (allowed, outside, sibling):
        path.mkdir()
    (allowed / "to-outside").symlink_to(outside, target_is_directory=True)
    (outside / "secret.txt").write_text("root:x:0:0:root:/root:/bin/bash\n")
    return {"allowed": allowed, "outside": outside, "sibling": sibling, "root": tmp_path}


# --- the policy on its own ---------------------------------------------------------------------------


def _job(base: str | Path, **fields: Any) -> Job:
    fields.setdefault("schema", SCHEMA)
    fields.setdefault("tables", ("events",))
    return Job(base=str(base), **fields)


def _refused(policy: AccessPolicy, job: Job) -> str:
    with pytest.raises(InvalidJob) as caught:
        policy.check_job(job)
    return str(caught.value)


def test_a_policy_without_bases_refuses_every_job_and_says_which_flag_to_give(
    layout: dict[str, Path],
) -> None:
    policy = AccessPolicy()
    assert policy.refuses_every_job
    for base in (layout["allowed"], "s3://bucket"):
        message = _refused(policy, _job(base))
        assert message.startswith("job base: ")
        assert "--allow-base" in message


def test_a_local_base_is_allowed_inside_an_allowed_directory_only(layout: dict[str, Path]) -> None:
    policy = AccessPolicy.from_lists([str(layout["allowed"])])
    for inside in (layout["allowed"], layout["allowed"] / "sub", layout["allowed"] / "a" / "b"):
        policy.check_job(_job(inside))
    attacks = [
        layout["outside"],
        layout["sibling"],  # /…/database is not inside /…/data
        f"{layout['allowed']}/../other-user",  # '..' resolved before the check
        layout["allowed"] / "to-outside",  # a symlink inside, pointing out
        layout["allowed"] / "to-outside" / "deeper",
        "/",
        "/etc",
        f"file://{layout['outside']}",
    ]
    for attack in attacks:
        message = _refused(policy, _job(attack))
        assert message.startswith("job base: "), attack
        assert "outside every base this rio serve allows" in message


def test_a_relative_base_is_resolved_against_the_working_directory(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = AccessPolicy.from_lists([str(layout["allowed"])])
    work = layout["allowed"] / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    policy.check_job(_job("../.."))  # the allowed directory itself
    assert _refused(policy, _job("../../..")).startswith("job base: ")


def test_a_config_must_lie_inside_an_allowed_base_too(layout: dict[str, Path]) -> None:
    allowed = layout["allowed"]
    (allowed / "leak.yml").symlink_to(layout["outside"] / "secret.txt")
    policy = AccessPolicy.from_lists([str(allowed), "s3://configs/rio"])
    for config in ("config.yml", f"{allowed}/c.yml", f"file://{allowed}/c.yml", "s3://configs/rio/c.yml"):
        policy.check_job(_job(allowed, config=config))
    attacks = [
        "/etc/passwd",
        "file:///etc/passwd",
        f"{allowed}/../other-user/secret.txt",
        "leak.yml",  # a key inside the base, linked out
        "to-outside/secret.txt",
        "s3://configs/rio-other/c.yml",
        "s3://configs/c.yml",
        "s3://elsewhere/rio/c.yml",
    ]
    for config in attacks:
        message = _refused(policy, _job(allowed, config=config))
        assert message.startswith(f"job config: {config!r} "), config


def test_s3_bases_match_the_bucket_and_whole_prefix_segments(layout: dict[str, Path]) -> None:
    policy = AccessPolicy.from_lists(["s3://lake/data", "s3://whole-bucket"])
    for base in ("s3://lake/data", "s3://lake/data/2026", "s3://whole-bucket", "s3://whole-bucket/x/y"):
        policy.check_job(_job(base))
    for base in ("s3://lake", "s3://lake/database", "s3://lake/dat", "s3://lake/other", "s3://lake2/data",
                 "s3://whole-bucket2", layout["allowed"]):  # fmt: skip
        assert _refused(policy, _job(base)).startswith("job base: "), base


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("s3://lake/data/part.json.gz", True),
        ("s3://lake/data/a/b/part.json.gz", True),
        ("s3://lake/database/part.json.gz", False),
        ("s3://lake/data/../secrets/key", False),
        ("s3://lake/data/./part.json.gz", False),
        ("s3://lake/data/%2e%2e/secrets/key", False),
        ("s3://lake/data/%2E%2e/secrets/key", False),
        ("s3://LAKE/data/part.json.gz", False),
        ("s3://other/data/part.json.gz", False),
        ("file:///etc/passwd", False),
        ("https://lake.s3.amazonaws.com/data/part.json.gz", False),
        ("data/part.json.gz", False),
    ],
)
def test_a_url_is_allowed_only_inside_an_allowed_base(url: str, allowed: bool) -> None:
    policy = AccessPolicy.from_lists(["s3://lake/data"])
    assert (policy.url_problem(url) is None) is allowed


def test_allowed_schemas_are_compared_case_blind(layout: dict[str, Path]) -> None:
    policy = AccessPolicy.from_lists([str(layout["allowed"])], ["Analytics", "STAGING"])
    for schema in ("analytics", "staging"):
        policy.check_job(_job(layout["allowed"], schema=schema))
    message = _refused(policy, _job(layout["allowed"], schema="marketing"))
    assert message.startswith("job schema: 'marketing' is not a schema this rio serve loads into")
    assert "--allow-schema" in message
    # Without the list, any schema but a system one.
    AccessPolicy.from_lists([str(layout["allowed"])]).check_job(_job(layout["allowed"], schema="marketing"))


@pytest.mark.parametrize("schema", ["pg_catalog", "PG_CATALOG", "information_schema", "pg_temp_1"])
def test_a_system_schema_cannot_be_allowed(schema: str) -> None:
    with pytest.raises(ReservedName, match="is a system schema"):
        AccessPolicy.from_lists(["s3://lake"], [schema])


@pytest.mark.parametrize("base", ["ftp://host/dir", "s3://", "s3://x", "s3://lake/../etc", ""])
def test_a_malformed_allowed_base_is_refused_naming_it(base: str) -> None:
    with pytest.raises(InvalidBase, match=f"^allowed base {base!r}: "):
        AccessPolicy.from_lists([base])


# --- the confined store ------------------------------------------------------------------------------


@pytest.fixture
def confined(layout: dict[str, Path]) -> ConfinedStore:
    policy = AccessPolicy.from_lists([str(layout["allowed"])])
    return policy.confine(LocalStore(str(layout["allowed"])))


def test_reads_inside_the_base_pass_through(confined: ConfinedStore, layout: dict[str, Path]) -> None:
    allowed = layout["allowed"]
    (allowed / "k.txt").write_bytes(b"inside")
    (allowed / "alias.txt").symlink_to(allowed / "k.txt")  # a link that stays inside is fine
    assert confined.get("k.txt") == b"inside"
    assert confined.get("alias.txt") == b"inside"
    assert confined.get_url(f"file://{allowed}/k.txt") == b"inside"
    with confined.open_url(f"file://{allowed}/alias.txt") as stream:
        assert stream.read() == b"inside"
    assert confined.base == contract.Base.parse(str(allowed))
    assert sorted(confined.list("")) == ["alias.txt", "k.txt"]


def test_a_link_inside_the_base_that_points_out_is_never_read(
    confined: ConfinedStore, layout: dict[str, Path]
) -> None:
    allowed = layout["allowed"]
    (allowed / "passwd.json").symlink_to(layout["outside"] / "secret.txt")
    reads: list[Callable[[], object]] = [
        lambda: confined.get("passwd.json"),
        lambda: confined.get("to-outside/secret.txt"),
        lambda: confined.get_url(f"file://{allowed}/passwd.json"),
        lambda: confined.open_url(f"file://{allowed}/to-outside/secret.txt"),
        lambda: confined.open_url(f"file://{allowed}/../other-user/secret.txt"),
        lambda: confined.get_url("file:///etc/passwd"),
    ]
    for read in reads:
        with pytest.raises(AccessRefused) as caught:
            read()
        assert "outside every base this rio serve allows" in str(caught.value)
        assert "root:x" not in str(caught.value)


def test_a_manifest_listing_a_file_outside_is_refused_as_it_is_read(
    confined: ConfinedStore, layout: dict[str, Path]
) -> None:
    allowed = layout["allowed"]
    inside = ndjson_part(allowed / "p" / "0.json.gz", 3)
    leaked = ndjson_part(layout["outside"] / "their.json.gz", 3)
    good = publish_manifest(allowed, "good", [f"file://{inside}"])
    assert Manifest.from_json(confined.get(good.name)).urls == (f"file://{inside}",)
    for index, url in enumerate([f"file://{leaked}", "file:///etc/passwd", f"file://{allowed}/to-outside/x"]):
        bad = publish_manifest(allowed, f"bad{index}", [f"file://{inside}", url])
        with pytest.raises(AccessRefused) as caught:
            confined.get_url(f"file://{bad}")
        assert str(caught.value) == (
            f"manifest file://{bad}: entries[1].url {url!r} lies outside every base this rio serve allows "
            "(the operator names them with --allow-base); none of the manifest's files was read"
        )


def test_a_file_that_is_no_manifest_passes_as_bytes_for_the_loader_to_refuse(
    confined: ConfinedStore, layout: dict[str, Path]
) -> None:
    (layout["allowed"] / "x.manifest").write_bytes(b"not json")
    assert confined.get("x.manifest") == b"not json"


def test_writes_are_held_to_the_bases_too(confined: ConfinedStore, layout: dict[str, Path]) -> None:
    confined.put("ok/k.txt", b"x")
    assert (layout["allowed"] / "ok" / "k.txt").read_bytes() == b"x"
    for write in (
        lambda: confined.put("to-outside/planted.txt", b"x"),
        lambda: confined.put_if_absent("to-outside/planted.txt", b"x"),
        lambda: confined.delete(["to-outside/secret.txt"]),
    ):
        with pytest.raises(AccessRefused):
            write()
    assert sorted(path.name for path in layout["outside"].iterdir()) == ["secret.txt"]


def test_s3_reads_are_confined_to_the_allowed_prefix(s3_server: S3Server, s3: Any, s3_bucket: str) -> None:
    s3.put_object(Bucket=s3_bucket, Key="data/k.json", Body=b"inside")
    s3.put_object(Bucket=s3_bucket, Key="database/k.json", Body=b"their data")
    policy = AccessPolicy.from_lists([f"s3://{s3_bucket}/data"])
    store = S3Store(f"s3://{s3_bucket}/data", endpoint_url=s3_server.endpoint_url)
    try:
        confined = policy.confine(store)
        assert confined.get("k.json") == b"inside"
        assert confined.get_url(f"s3://{s3_bucket}/data/k.json") == b"inside"
        assert confined.region == store.region  # the Redshift adapter asks the store for it
        for url in (f"s3://{s3_bucket}/database/k.json", f"s3://{s3_bucket}/data/../database/k.json"):
            with pytest.raises(AccessRefused):
                confined.get_url(url)
            with pytest.raises(AccessRefused):
                confined.open_url(url)
    finally:
        store.close()


# --- through rio serve: bases ------------------------------------------------------------------------


def _post(server: ServeProcess, body: dict[str, Any] | str, **headers: str) -> Any:
    raw = body if isinstance(body, str) else json.dumps({"version": 1, **body})
    return server.post_job(raw, headers)


def test_rio_serve_refuses_a_job_outside_its_bases_with_400_naming_the_field(
    servers: Callable[..., ServeProcess], pg_url: str, layout: dict[str, Path]
) -> None:
    allowed, outside = layout["allowed"], layout["outside"]
    publish(allowed, "events")
    publish(outside, "events")
    publish(layout["sibling"], "events")
    (allowed / "leak.yml").symlink_to(outside / "secret.txt")
    server = servers(pg_url, allow_bases=[str(allowed)])
    date = "2026-11-21T10:00:00Z"
    fine = {"schema": SCHEMA, "tables": ["events"], "date": date}

    # As a producer: the job loads, and the same data again is "already loaded".
    for attempt, expected in enumerate(("loaded", "already loaded")):
        answer = _post(server, {**fine, "base": str(allowed), "id": f"ok-{attempt}"})
        assert answer.status == 202, answer
        assert server.wait_for(f"ok-{attempt}")["outcomes"][0]["status"] == expected

    # As an attacker, twice: each is refused, names its field, and nothing is stored or read.
    attacks = [
        ("base", {"base": str(outside)}),
        ("base", {"base": str(layout["sibling"])}),
        ("base", {"base": f"{allowed}/../other-user"}),
        ("base", {"base": f"{allowed}/to-outside"}),
        ("base", {"base": "../.."}),  # resolved against the server's directory
        ("base", {"base": "/"}),
        ("config", {"base": str(allowed), "config": "/etc/passwd"}),
        ("config", {"base": str(allowed), "config": "file:///etc/passwd"}),
        ("config", {"base": str(allowed), "config": f"{outside}/secret.txt"}),
        ("config", {"base": str(allowed), "config": "leak.yml"}),
        ("config", {"base": str(allowed), "config": "to-outside/secret.txt"}),
    ]
    for round_ in range(2):
        for number, (field, fields) in enumerate(attacks):
            job_id = f"attack-{round_}-{number}"
            answer = _post(server, {**fine, **fields, "id": job_id})
            assert answer.status == 400, (fields, answer)
            assert answer.json["error"].startswith(f"job {field}: "), answer.json
            assert "root:x" not in answer.json["error"]
            assert server.request("GET", f"/jobs/{job_id}").status == 404
    flag_line = f"--bucket not-allowed --schema {SCHEMA} --tables events --date {date}"
    refused = server.post_job(flag_line)
    assert (refused.status, refused.json["error"][:10]) == (400, "job base: ")
    assert [row[2] for row in ledger_rows(pg_url)] == ["ok-0"]
    assert pg_rows(pg_url, f"SELECT count(*) FROM {SCHEMA}.events") == [(20,)]


def test_a_manifest_listing_files_outside_fails_its_table_before_any_file_is_read(
    servers: Callable[..., ServeProcess], pg_url: str, layout: dict[str, Path]
) -> None:
    allowed, outside = layout["allowed"], layout["outside"]
    inside = ndjson_part(allowed / "parts" / "0.json.gz", 5)
    theirs = ndjson_part(outside / "their-rows.json.gz", 7, start=100)  # another user's NDJSON
    (allowed / "linked.json.gz").symlink_to(theirs)
    publish_manifest(allowed, "t_ok", [f"file://{inside}"])
    entries = {
        "t_theirs": f"file://{theirs}",
        "t_passwd": "file:///etc/passwd",
        "t_dotdot": f"file://{allowed}/../other-user/their-rows.json.gz",
        "t_link": f"file://{allowed}/linked.json.gz",
        "t_linkdir": f"file://{allowed}/to-outside/their-rows.json.gz",
    }
    for table, url in entries.items():
        publish_manifest(allowed, table, [f"file://{inside}", url])
    server = servers(pg_url, allow_bases=[str(allowed)])

    def run(job_id: str, table: str) -> dict[str, Any]:
        answer = _post(server, {"base": str(allowed), "schema": SCHEMA, "tables": [table],
                                "date": "2026-11-21T10:00:00Z", "id": job_id})  # fmt: skip
        assert answer.status == 202, answer
        return server.wait_for(job_id)

    assert run("ok", "t_ok")["outcomes"][0]["rows"] == 5
    for attempt in range(2):  # and the same job again: refused again, never half loaded
        for table, url in entries.items():
            finished = run(f"{table}-{attempt}", table)
            outcome = finished["outcomes"][0]
            assert (finished["exit_code"], outcome["status"]) == (1, "failed"), finished
            assert outcome["error_type"] == "AccessRefused"
            assert f"entries[1].url {url!r} lies outside every base" in outcome["error"]
            # Refused while the manifest was read: the table was never even created.
            assert not table_exists(pg_url, table)
    assert [row[0] for row in ledger_rows(pg_url)] == ["t_ok"]


def test_s3_jobs_stay_in_the_allowed_bucket_and_prefix(
    servers: Callable[..., ServeProcess], pg_url: str, s3_server: S3Server, s3: Any, tmp_path: Path
) -> None:
    import secrets

    lake, other = (f"rio-policy-{secrets.token_hex(4)}-{name}" for name in ("lake", "other"))
    for bucket in (lake, other):
        s3.create_bucket(Bucket=bucket)

    def put_part(bucket: str, key: str, count: int) -> str:
        rows = rows_for(count, D2)
        s3.put_object(
            Bucket=bucket, Key=key, Body=gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in rows))
        )
        return f"s3://{bucket}/{key}"

    def put_manifest(prefix: str, table: str, urls: list[str]) -> None:
        s3.put_object(Bucket=lake, Key=f"{prefix}/{contract.config_key(SCHEMA, table, D2)}",
                      Body=config_for(table).to_yaml().encode())  # fmt: skip
        manifest = Manifest(tuple(ManifestEntry(url, mandatory=True) for url in urls))
        s3.put_object(
            Bucket=lake, Key=f"{prefix}/{contract.manifest_key(SCHEMA, table, D2)}", Body=manifest.to_json()
        )

    inside = put_part(lake, "data/parts/0.json.gz", 4)
    put_manifest("data", "t_ok", [inside])
    put_manifest("data", "t_bucket", [inside, put_part(other, "data/parts/0.json.gz", 4)])
    put_manifest("data", "t_prefix", [inside, put_part(lake, "database/parts/0.json.gz", 4)])
    put_manifest("data", "t_dots", [inside, f"s3://{lake}/data/../database/parts/0.json.gz"])
    put_manifest("database", "t_ok", [put_part(lake, "database/parts/1.json.gz", 4)])
    server = servers(
        pg_url, allow_bases=[f"s3://{lake}/data"], extra=["--s3-endpoint-url", s3_server.endpoint_url]
    )
    job = {"schema": SCHEMA, "date": "2026-11-21T10:00:00Z"}
    for attempt, expected in enumerate(("loaded", "already loaded")):
        answer = _post(
            server, {**job, "base": f"s3://{lake}/data", "tables": ["t_ok"], "id": f"ok-{attempt}"}
        )
        assert answer.status == 202, answer
        assert server.wait_for(f"ok-{attempt}")["outcomes"][0]["status"] == expected
    for attempt in range(2):
        for base in (f"s3://{other}/data", f"s3://{lake}/database", f"s3://{lake}", f"s3://{lake}/dat"):
            answer = _post(server, {**job, "base": base, "tables": ["t_ok"]})
            assert (answer.status, answer.json["error"][:10]) == (400, "job base: "), (base, answer)
        answer = _post(server, {**job, "base": f"s3://{lake}/data", "tables": ["t_ok"],
                                "config": f"s3://{other}/c.yml"})  # fmt: skip
        assert (answer.status, answer.json["error"][:12]) == (400, "job config: ")
        for table in ("t_bucket", "t_prefix", "t_dots"):
            job_id = f"{table}-{attempt}"
            answer = _post(server, {**job, "base": f"s3://{lake}/data", "tables": [table], "id": job_id})
            assert answer.status == 202, answer
            outcome = server.wait_for(job_id)["outcomes"][0]
            assert outcome["status"] == "failed"
            assert "entries[1].url" in outcome["error"]
            assert not table_exists(pg_url, table)
    assert pg_rows(pg_url, f"SELECT count(*) FROM {SCHEMA}.t_ok") == [(4,)]


def test_rio_serve_without_an_allowed_base_starts_warns_and_refuses_every_job(
    servers: Callable[..., ServeProcess], pg_url: str, layout: dict[str, Path]
) -> None:
    publish(layout["allowed"], "events")
    server = servers(pg_url, allow_bases=[])
    assert server.request("GET", "/healthz", token=None).status == 200
    assert "every job will be refused" in server.log()
    for _ in range(2):
        answer = _post(server, {"base": str(layout["allowed"]), "schema": SCHEMA, "tables": ["events"]})
        assert answer.status == 400
        assert answer.json["error"].startswith("job base: this rio serve was started with no allowed base")
        assert "--allow-base" in answer.json["error"]
    assert not table_exists(pg_url, "events")


def test_a_job_stored_under_a_wider_policy_is_checked_again_when_it_runs(
    servers: Callable[..., ServeProcess], pg_url: str, layout: dict[str, Path], tmp_path: Path
) -> None:
    allowed, outside = layout["allowed"], layout["outside"]
    publish(allowed, "kept")
    publish(outside, "events")
    state = tmp_path / "state.sqlite3"
    # Stored by a server that allowed both directories, and still queued when it stopped.
    store = StateStore(state)
    try:
        store.add(_job(outside, tables=("events",), date=D2, id="stored-wide"))
        store.add(_job(allowed, tables=("kept",), date=D2, id="stored-kept"))
    finally:
        store.close()
    server = servers(pg_url, state, allow_bases=[str(allowed)])
    refused = server.wait_for("stored-wide")
    assert refused["exit_code"] == 1
    assert refused["outcomes"][0]["error"].startswith(f"job base: file://{outside} lies outside every base")
    assert server.wait_for("stored-kept")["exit_code"] == 0
    assert not table_exists(pg_url, "events")
    # Sent again now, it is refused at once.
    answer = server.post_job(_job(outside, tables=("events",), date=D2, id="again"))
    assert answer.status == 400


def test_allowed_bases_come_from_the_environment_and_the_profile_too(
    servers: Callable[..., ServeProcess], pg_url: str, layout: dict[str, Path], tmp_path: Path
) -> None:
    from urllib.parse import urlsplit as split

    first, second, third = (layout["root"] / name for name in ("env-a", "env-b", "profile-c"))
    for base in (first, second, third):
        base.mkdir()
        publish(base, "events")
    parts = split(pg_url)
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "warehouse:\n  target: local\n  outputs:\n    local:\n      type: postgres\n"
        f"      host: {parts.hostname}\n      port: {parts.port}\n      user: {parts.username}\n"
        f"      dbname: {parts.path.lstrip('/')}\n"
        f"      allow_bases: [{third}]\n      allow_schemas: '{SCHEMA.upper()} staging'\n"
    )
    server = servers(
        "local",
        allow_bases=[],
        extra=["--profile", "warehouse", "--profiles-dir", str(profiles)],
        environment={"RIO_SERVE_ALLOW_BASES": f"{first}  {second}"},
    )
    for number, base in enumerate((first, second, third)):
        answer = server.post_job(_job(base, date=D2, id=f"from-{number}"))
        assert answer.status == 202, answer
        assert server.wait_for(f"from-{number}")["exit_code"] == 0
    assert server.post_job(_job(layout["outside"], date=D2)).status == 400
    schema_refused = server.post_job(_job(first, schema="marketing", date=D2))
    assert (schema_refused.status, schema_refused.json["error"][:12]) == (400, "job schema: ")


# --- through rio serve: schemas and reserved names ----------------------------------------------------


def test_rio_serve_loads_only_into_allowed_schemas_and_never_into_system_ones(
    servers: Callable[..., ServeProcess], pg_url: str, layout: dict[str, Path]
) -> None:
    allowed = layout["allowed"]
    publish(allowed, "events")
    publish(allowed, "events", schema="staging")
    server = servers(pg_url, allow_bases=[str(allowed)], allow_schemas=["Analytics"])
    for attempt, expected in enumerate(("loaded", "already loaded")):
        answer = server.post_job(_job(allowed, date=D2, id=f"ok-{attempt}"))
        assert answer.status == 202, answer
        assert server.wait_for(f"ok-{attempt}")["outcomes"][0]["status"] == expected
    attacks = [
        ({"schema": "staging"}, "job schema: 'staging' is not a schema this rio serve loads into"),
        ({"schema": "PG_CATALOG"}, "job schema: schema 'PG_CATALOG' is a system schema"),
        ({"schema": "pg_catalog"}, "job schema: schema 'pg_catalog' is a system schema"),
        ({"schema": "information_schema"}, "job schema: schema 'information_schema' is a system schema"),
        ({"schema": "Analytics"}, "job schema: "),  # capitals: Redshift would fold them
        ({"tables": ["rio_loads"]}, "job tables: table 'rio_loads' is named like rio's load ledger"),
        (
            {"tables": ["events", "RIO_LOADS"]},
            "job tables: table 'RIO_LOADS' is named like rio's load ledger",
        ),
    ]
    for _ in range(2):
        for fields, message in attacks:
            body = {
                "base": str(allowed),
                "schema": SCHEMA,
                "tables": ["events"],
                "date": "2026-11-21T10:00:00Z",
            }
            answer = _post(server, {**body, **fields})
            assert answer.status == 400, (fields, answer)
            assert answer.json["error"].startswith(message), answer.json
    flag_line = "--bucket lake --schema pg_catalog --tables events --date 2026-11-21T10:00:00Z"
    assert server.post_job(flag_line).status == 400
    assert [row[2] for row in ledger_rows(pg_url)] == ["ok-0"]
    assert pg_rows(pg_url, "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'events'") == [(1,)]


def test_rio_serve_will_not_start_allowing_a_system_schema_or_a_malformed_base(
    servers: Callable[..., ServeProcess], pg_url: str
) -> None:
    for options, message in (
        ({"allow_schemas": ["PG_CATALOG"]}, "schema 'pg_catalog' is a system schema"),
        ({"allow_bases": ["ftp://host/x"]}, "allowed base 'ftp://host/x'"),
    ):
        server = servers(pg_url, start=False, **options)
        assert server.launch().wait(30) == 2, options
        assert message in server.log(), server.log()


# --- through rio serve: files that are no rio format are never echoed --------------------------------


FOREIGN = {
    "t_passwd": (
        "config",
        "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice S3CRET:/home/alice:/bin/sh\n",
    ),
    "t_yaml": ("config", "database:\n  host: db.internal\n  password: hunter2-S3CRET\n"),
    "t_json": ("manifest", '{"aws_secret_access_key": "wJalrXUtnFEMI-S3CRET", "files": []}'),
}
SECRETS = [b"root:x", b"/bin/bash", b"alice", b"S3CRET", b"hunter2", b"db.internal", b"aws_secret", b"wJalr"]


def test_a_file_that_is_no_rio_format_is_never_echoed_through_rio_serve(
    servers: Callable[..., ServeProcess], pg_url: str, layout: dict[str, Path], tmp_path: Path
) -> None:
    allowed = layout["allowed"]
    for table, (kind, text) in FOREIGN.items():
        publish(allowed, table)
        key = (
            contract.config_key(SCHEMA, table, D2)
            if kind == "config"
            else contract.manifest_key(SCHEMA, table, D2)
        )
        (allowed / key).write_text(text)
    publish(allowed, "t_junk")
    junk = bytearray(random.Random(7).randbytes(4000))
    junk[2000:2000] = b"\nJUNK-S3CRET-MARK: yes\n"
    (allowed / contract.config_key(SCHEMA, "t_junk", D2)).write_bytes(bytes(junk))
    state = tmp_path / "echo.sqlite3"
    server = servers(pg_url, state, allow_bases=[str(allowed)])
    for attempt in range(2):
        for table in (*FOREIGN, "t_junk"):
            job_id = f"{table}-{attempt}"
            assert server.post_job(_job(allowed, tables=(table,), date=D2, id=job_id)).status == 202
            finished = server.wait_for(job_id)
            outcome = finished["outcomes"][0]
            assert outcome["status"] == "failed", finished
            body = server.request("GET", f"/jobs/{job_id}").body
            for secret in [*SECRETS, b"JUNK-S3CRET-MARK"]:
                assert secret not in body, (secret, outcome["error"])
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("echo.sqlite3*") if path.is_file())
    assert b"is not valid YAML" in stored or b"expected" in stored  # the errors are stored ...
    for secret in [*SECRETS, b"JUNK-S3CRET-MARK"]:
        assert secret not in stored, secret  # ... without a word of the files


# --- through rio serve: bodies over the limit ---------------------------------------------------------


@pytest.fixture(scope="module")
def limit_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """A server for the body tests: DuckDB, and a base no body ever gets to name."""
    root = tmp_path_factory.mktemp("limits")
    process = ServeProcess(f"duckdb:///{root}/w.duckdb", root / "state.sqlite3", allow_bases=[str(root)])
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _exchange(
    server: ServeProcess,
    headers: dict[str, str],
    body: Iterable[bytes] = (),
    *,
    chunked: bool = False,
) -> tuple[str, dict[str, str], bytes]:
    """Send a POST /jobs over a raw socket and read the whole answer. A reset raises."""
    parts = urlsplit(server.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    head = ["POST /jobs HTTP/1.1", f"Host: {host}:{port}", f"Authorization: Bearer {server.token}",
            "Content-Type: application/json"]  # fmt: skip
    head += [f"{name}: {value}" for name, value in headers.items()]
    if chunked:
        head.append("Transfer-Encoding: chunked")
    with socket.create_connection((host, port), timeout=60) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        for chunk in body:
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        received = b""
        while True:
            data = sock.recv(65536)
            if not data:
                break
            received += data
    status_line, _, rest = received.partition(b"\r\n")
    header_block, _, payload = rest.partition(b"\r\n\r\n")
    answer_headers = {}
    for line in header_block.decode().split("\r\n"):
        name, _, value = line.partition(":")
        answer_headers[name.strip().lower()] = value.strip()
    return status_line.decode(), answer_headers, payload


def _pieces(total: int, size: int = MiB) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        yield b"x" * piece
        sent += piece


@pytest.mark.parametrize("size", [MiB + 1, 9 * MiB, 64 * MiB], ids=["1MiB+1", "9MiB", "64MiB"])
def test_a_body_over_the_limit_is_413_never_a_reset(limit_server: ServeProcess, size: int) -> None:
    for _ in range(2):
        status, headers, payload = _exchange(limit_server, {"Content-Length": str(size)}, _pieces(size))
        assert status.startswith("HTTP/1.1 413"), status
        assert headers["connection"] == "close"
        assert "larger than 1048576 bytes" in json.loads(payload)["error"]
    assert limit_server.request("GET", "/healthz").status == 200


def test_a_chunked_body_over_the_limit_is_413_never_a_reset(limit_server: ServeProcess) -> None:
    status, headers, payload = _exchange(limit_server, {}, _pieces(64 * MiB, 256 * 1024), chunked=True)
    assert status.startswith("HTTP/1.1 413"), status
    assert headers["connection"] == "close"
    assert "larger than" in json.loads(payload)["error"]


def test_a_client_that_expects_100_continue_gets_the_413_before_it_sends(limit_server: ServeProcess) -> None:
    # Nothing of the body is sent: the answer must come without it, and not be "100 Continue".
    status, headers, payload = _exchange(
        limit_server, {"Content-Length": str(64 * MiB), "Expect": "100-continue"}
    )
    assert status.startswith("HTTP/1.1 413"), status
    assert headers["connection"] == "close"
    assert "larger than" in json.loads(payload)["error"]


def test_a_body_at_the_limit_is_read_as_a_job(limit_server: ServeProcess) -> None:
    padded = b'{"version":1,"pad":"' + b"x" * (MiB - 22) + b'"}'
    assert len(padded) == MiB
    status, _, payload = _exchange(limit_server, {"Content-Length": str(MiB)}, [padded])
    assert status.startswith("HTTP/1.1 400"), status  # read and parsed: the job itself is wrong
    assert "unknown field 'pad'" in json.loads(payload)["error"]


# --- the flags' plumbing ------------------------------------------------------------------------------


def test_the_allow_lists_leave_the_profile_target_before_the_adapter_sees_it() -> None:
    from rio.cli.serve import _words
    from rio.errors import ConfigFileError

    settings: dict[str, Any] = {
        "type": "postgres",
        "allow_bases": ["s3://a", "/d"],
        "allow_schemas": " a  b ",
    }
    assert _words(settings, "allow_bases") == ["s3://a", "/d"]
    assert _words(settings, "allow_schemas") == ["a", "b"]
    assert _words(settings, "allow_schemas") == []
    assert settings == {"type": "postgres"}
    for value in (3, ["s3://a", 4], {"a": 1}):
        with pytest.raises(ConfigFileError, match=r"allow_bases: must be a list of strings"):
            _words({"allow_bases": value}, "allow_bases")
