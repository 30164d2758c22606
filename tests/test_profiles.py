"""Warehouse targets from dbt-style profiles, URLs and the Go worker's environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from rio.adapters import adapter_class, available_adapters, resolve_adapter
from rio.adapters.duckdb import DuckDBAdapter
from rio.adapters.postgres import PostgresAdapter
from rio.adapters.redshift import RedshiftAdapter
from rio.errors import ConfigFileError, UnknownAdapter
from rio.profiles import (
    NoTarget,
    describe_target,
    load_profile,
    resolve_target,
    target_from_environment,
    target_from_url,
)

PROFILES = """
rio:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('RIO_TEST_DB', 'local.duckdb') }}"
    prod:
      type: redshift
      host: example.redshift.amazonaws.com
      port: 5439
      user: "{{ env_var('RS_USER') }}"
      password: "{{ env_var('RS_PASSWORD') }}"
      dbname: analytics
      iam_role: arn:aws:iam::123456789012:role/rio-copy
"""


@pytest.fixture
def profiles_dir(tmp_path: Path) -> Path:
    (tmp_path / "profiles.yml").write_text(PROFILES)
    return tmp_path


def test_the_profiles_default_target_is_used(profiles_dir: Path) -> None:
    settings = load_profile("rio", profiles_dir=profiles_dir, env={})
    assert settings == {"type": "duckdb", "path": "local.duckdb"}


def test_env_var_is_substituted_and_its_default_used_when_unset(profiles_dir: Path) -> None:
    assert (
        load_profile("rio", profiles_dir=profiles_dir, env={"RIO_TEST_DB": "x.duckdb"})["path"] == "x.duckdb"
    )
    settings = load_profile(
        "rio", "prod", profiles_dir=profiles_dir, env={"RS_USER": "loader", "RS_PASSWORD": "pw"}
    )
    assert (settings["user"], settings["password"], settings["port"]) == ("loader", "pw", 5439)


def test_a_missing_env_var_names_the_variable_and_the_field(profiles_dir: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"rio.outputs.prod.user: uses env_var\('RS_USER'\)"):
        load_profile("rio", "prod", profiles_dir=profiles_dir, env={})


def test_unknown_profiles_and_targets_list_what_exists(profiles_dir: Path) -> None:
    with pytest.raises(ConfigFileError, match="profiles in the file: rio"):
        load_profile("nope", profiles_dir=profiles_dir, env={})
    with pytest.raises(ConfigFileError, match="targets: dev, prod"):
        load_profile("rio", "staging", profiles_dir=profiles_dir, env={})


@pytest.mark.parametrize(
    "text",
    [
        "rio:\n  outputs:\n    prod:\n      password: hunter2-S3CRET\n     user: [broken\n",
        "rio:\n  outputs: {prod: {password: hunter2-S3CRET, user: *S3CRET}}\n",
        'rio:\n  outputs:\n    prod:\n      password: "hunter2-S3CRET\\q"\n',
        "rio:\n\tpassword: hunter2-S3CRET\n",
    ],
    ids=["bad-indent", "undefined-alias", "bad-escape", "tab"],
)
def test_a_profiles_file_that_is_not_yaml_is_refused_without_showing_its_lines(
    tmp_path: Path, text: str
) -> None:
    (tmp_path / "profiles.yml").write_text(text)
    with pytest.raises(ConfigFileError) as caught:
        load_profile("rio", "prod", profiles_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'profiles.yml'}: cannot be read as YAML: ")
    assert "line " in message
    for fragment in ("hunter2", "S3CRET", "password", "^"):
        assert fragment not in message, message


def test_a_missing_profiles_file_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="no profiles file found"):
        load_profile("rio", profiles_dir=tmp_path)


@pytest.mark.parametrize(
    ("url", "settings"),
    [
        ("duckdb:///rio-demo.duckdb", {"type": "duckdb", "path": "rio-demo.duckdb"}),
        ("duckdb:////tmp/w.duckdb", {"type": "duckdb", "path": "/tmp/w.duckdb"}),
        (
            "postgresql://loader:p%40ss@db.local:6543/analytics?sslmode=require",
            {"type": "postgres", "host": "db.local", "port": 6543, "user": "loader", "password": "p@ss",
             "dbname": "analytics", "sslmode": "require"},
        ),
        (
            "redshift://loader:pw@cluster.example:5439/dev?iam_role=arn:aws:iam::1:role/copy",
            {"type": "redshift", "host": "cluster.example", "port": 5439, "user": "loader", "password": "pw",
             "dbname": "dev", "iam_role": "arn:aws:iam::1:role/copy"},
        ),
    ],
)  # fmt: skip
def test_warehouse_urls_become_targets(url: str, settings: dict[str, object]) -> None:
    assert target_from_url(url) == settings


def test_a_url_with_an_unknown_scheme_is_refused_without_showing_its_password() -> None:
    with pytest.raises(UnknownAdapter, match="unknown scheme") as refused:
        target_from_url("mysql://u:secret@h/db")
    assert "secret" not in str(refused.value)


def test_the_go_workers_environment_is_a_redshift_target() -> None:
    env = {"REDSHIFT_DB": "dev", "REDSHIFT_USER": "u", "REDSHIFT_PASSWORD": "p", "REDSHIFT_HOST": "h"}
    assert target_from_environment(env) == {
        "type": "redshift", "host": "h", "port": 5439, "dbname": "dev", "user": "u", "password": "p",
    }  # fmt: skip
    assert target_from_environment({}) is None
    with pytest.raises(ConfigFileError, match="REDSHIFT_PASSWORD must be set too"):
        target_from_environment({"REDSHIFT_DB": "dev", "REDSHIFT_USER": "u"})
    with pytest.raises(ConfigFileError, match="not a port number"):
        target_from_environment({**env, "REDSHIFT_PORT": "lots"})


def test_a_target_is_resolved_from_a_url_then_a_profile_then_the_environment(profiles_dir: Path) -> None:
    redshift_env = {"REDSHIFT_DB": "dw", "REDSHIFT_USER": "u", "REDSHIFT_PASSWORD": "p"}
    assert resolve_target("duckdb:///w.duckdb", "rio", str(profiles_dir), env=redshift_env) == {
        "type": "duckdb",
        "path": "w.duckdb",
    }
    assert resolve_target(None, "rio", str(profiles_dir), env=redshift_env)["type"] == "duckdb"
    assert resolve_target(None, None, None, env=redshift_env)["dbname"] == "dw"
    with pytest.raises(NoTarget, match="no warehouse to load into"):
        resolve_target(None, None, None, env={})
    with pytest.raises(ConfigFileError, match="neither a warehouse URL"):
        resolve_target("prod", None, None, env=redshift_env)


def test_a_target_is_described_without_its_credentials() -> None:
    settings = target_from_url("postgresql://loader:s3cret@db.example.com:5432/warehouse")
    assert describe_target(settings) == "postgres db.example.com:5432/warehouse"
    assert describe_target({"type": "duckdb", "path": "w.duckdb"}) == "duckdb w.duckdb"


def test_adapters_are_found_through_their_entry_points() -> None:
    known = available_adapters()
    assert {"postgres", "duckdb", "redshift"} <= set(known)
    assert adapter_class("duckdb") is DuckDBAdapter
    assert isinstance(resolve_adapter("postgresql://h/db"), PostgresAdapter)
    assert isinstance(resolve_adapter({"type": "redshift", "host": "h"}), RedshiftAdapter)


def test_an_adapter_repr_masks_passwords() -> None:
    adapter = resolve_adapter("redshift://u:hunter2@h/db")
    assert "hunter2" not in repr(adapter)


def test_a_third_party_adapter_is_found_through_the_entry_point_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = tmp_path / "rio_memory-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rio-memory\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[rio.adapters]\nmemory = rio_memory_adapter:MemoryAdapter\n")
    (tmp_path / "rio_memory_adapter.py").write_text(
        "from rio.adapters.duckdb import DuckDBAdapter\n\n"
        "class MemoryAdapter(DuckDBAdapter):\n    type = 'memory'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert available_adapters()["memory"] == "rio_memory_adapter:MemoryAdapter"
    adapter = resolve_adapter({"type": "memory", "path": ":memory:"})
    assert type(adapter).__name__ == "MemoryAdapter"
