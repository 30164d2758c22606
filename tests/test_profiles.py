"""Warehouse targets from dbt-style profiles, URLs and the Go worker's environment."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

import rio
from rio.adapters import adapter_class, available_adapters, resolve_adapter
from rio.adapters.base import Adapter
from rio.adapters.duckdb import DuckDBAdapter
from rio.adapters.postgres import PostgresAdapter
from rio.adapters.redshift import RedshiftAdapter
from rio.errors import ConfigFileError, UnknownAdapter
from rio.profiles import (
    NoTarget,
    default_schema,
    describe_target,
    find_profiles_file,
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


@pytest.mark.parametrize(
    ("url", "refused", "takes"),
    [
        ("duckdb:///w.duckdb?memory_limt=1GB", "'memory_limt'", "lock_wait, memory_limit"),
        ("duckdb:///w.duckdb?path=/etc/passwd", "'path'", "lock_wait, memory_limit"),
        ("postgresql://u:hunter2@h/db?sslmod=require", "'sslmod'", "connect_timeout"),
        ("postgresql://u:hunter2@h:5432/db?port=6543", "'port'", "sslmode"),
        ("redshift://u:hunter2@h:5439/dev?iam_rol=arn", "'iam_rol'", "iam_role"),
    ],
)
def test_a_url_setting_its_adapter_does_not_take_is_refused_naming_it(
    url: str, refused: str, takes: str
) -> None:
    # A misspelt setting would otherwise be dropped silently, and the load run without it.
    with pytest.raises(UnknownAdapter) as caught:
        target_from_url(url)
    message = str(caught.value)
    assert f"{refused} is not a setting a URL gives a" in message
    assert takes in message
    assert "hunter2" not in message


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


# --- a dbt user's profiles.yml, as written ------------------------------------------------------------

#: Secrets of the dbt profiles below: none may reach a log line.
SECRETS = {
    "DBT_ENV_SECRET_RS_PASSWORD": "rs-Pa55word-x9",
    "DBT_ENV_SECRET_PG_PASS": "pg-Pa55-dbt-k7",
    "AWS_KEY": "AKIAEXAMPLEKEY77",
    "AWS_SECRET": "aws-S3cret/Access+Key-q2",
    "S3_SECRET": "duck-S3cret-v4",
}

DBT_REDSHIFT = """
jaffle_shop:
  target: "{{ env_var('DBT_TARGET', 'dev') }}"
  outputs:
    dev:
      type: redshift
      host: jaffle.abc123.us-east-1.redshift.amazonaws.com
      port: "{{ env_var('RS_PORT', '5439') | as_number }}"
      user: dbt_loader
      password: "{{ env_var('DBT_ENV_SECRET_RS_PASSWORD') }}"
      dbname: analytics
      schema: dbt_alice
      threads: 8
      connect_timeout: 30
      sslmode: prefer
      ra3_node: true
      autocommit: true
      retries: 2
    iam:
      type: redshift
      method: iam
      cluster_id: jaffle
      host: jaffle.abc123.us-east-1.redshift.amazonaws.com
      port: 5439
      user: alice
      iam_profile: analytics
      iam_duration_seconds: 900
      autocreate: true
      db_groups: [analysts, loaders]
      region: us-east-1
      dbname: analytics
      schema: dbt_alice
      threads: 4
      sslmode: verify-full
    serverless:
      type: redshift
      method: iam
      host: jaffle.123456789012.us-east-1.redshift-serverless.amazonaws.com
      port: 5439
      user: alice
      access_key_id: "{{ env_var('AWS_KEY') }}"
      secret_access_key: "{{ env_var('AWS_SECRET') }}"
      dbname: dev
      schema: public
    role_on_a_cluster:
      type: redshift
      method: iam_role
      cluster_id: jaffle
      host: jaffle.abc123.us-east-1.redshift.amazonaws.com
      port: 5439
      dbname: dev
      schema: public
    no_cluster:
      type: redshift
      method: iam
      host: jaffle.abc123.us-east-1.redshift.amazonaws.com
      port: 5439
      user: alice
      dbname: dev
      schema: public
    browser:
      type: redshift
      method: browser_identity_center
      host: jaffle.abc123.us-east-1.redshift.amazonaws.com
      port: 5439
      idc_region: us-east-1
      issuer_url: https://identitycenter.example
      dbname: dev
      schema: public
"""


@pytest.fixture
def dbt_profiles(tmp_path: Path) -> Path:
    directory = tmp_path / "dbt"
    directory.mkdir()
    (directory / "profiles.yml").write_text(DBT_REDSHIFT)
    return directory


def connect_arguments(settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What rio's adapter for ``settings`` passes to its driver's connect(), the driver faked."""
    adapter = resolve_adapter(settings)
    seen: dict[str, Any] = {}

    def connect(**kwargs: Any) -> SimpleNamespace:
        seen.update(kwargs)
        return SimpleNamespace()

    monkeypatch.setattr(adapter, "import_driver", lambda: SimpleNamespace(connect=connect))
    adapter.connect()
    return seen


def test_a_dbt_redshift_profile_with_a_password_connects_as_dbt_does(
    dbt_profiles: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="rio.profiles")
    settings = resolve_target(None, "jaffle_shop", str(dbt_profiles), env=SECRETS)
    assert settings == {
        "type": "redshift",
        "host": "jaffle.abc123.us-east-1.redshift.amazonaws.com",
        "port": 5439,
        "user": "dbt_loader",
        "password": SECRETS["DBT_ENV_SECRET_RS_PASSWORD"],
        "dbname": "analytics",
        "schema": "dbt_alice",
        "timeout": 30,
        "ssl": True,
        "sslmode": "verify-ca",
    }
    assert connect_arguments(settings, monkeypatch) == {
        "host": "jaffle.abc123.us-east-1.redshift.amazonaws.com",
        "port": 5439,
        "user": "dbt_loader",
        "password": SECRETS["DBT_ENV_SECRET_RS_PASSWORD"],
        "database": "analytics",
        "timeout": 30,
        "ssl": True,
        "sslmode": "verify-ca",
    }
    ignored = {record.getMessage().split(" is dbt's")[0].rsplit(".", 1)[1] for record in caplog.records}
    assert ignored == {"threads", "ra3_node", "autocommit", "retries"}
    assert all(record.levelno == logging.DEBUG for record in caplog.records)


def test_a_dbt_redshift_profile_with_method_iam_signs_in_through_redshift_connector(
    dbt_profiles: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="rio.profiles")
    settings = load_profile("jaffle_shop", "iam", profiles_dir=dbt_profiles, env={})
    assert connect_arguments(settings, monkeypatch) == {
        "host": "jaffle.abc123.us-east-1.redshift.amazonaws.com",
        "port": 5439,
        "database": "analytics",
        "iam": True,
        "db_user": "alice",
        "user": "",
        "password": "",
        "cluster_identifier": "jaffle",
        "profile": "analytics",
        "auto_create": True,
        "db_groups": ["analysts", "loaders"],
        "region": "us-east-1",
        "ssl": True,
        "sslmode": "verify-full",
    }
    assert default_schema(settings) == "dbt_alice"
    assert "iam.iam_duration_seconds is dbt's and ignored" in caplog.text
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_iam_on_serverless_needs_no_cluster_and_access_keys_are_not_passed_on(
    dbt_profiles: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="rio.profiles")
    settings = load_profile("jaffle_shop", "serverless", profiles_dir=dbt_profiles, env=SECRETS)
    assert settings["is_serverless"] is True
    assert "cluster_identifier" not in settings
    assert (settings["iam"], settings["db_user"]) == (True, "alice")
    assert not {"access_key_id", "secret_access_key"} & set(settings)
    (warning,) = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert "serverless: access_key_id and secret_access_key not applied" in warning
    for secret in SECRETS.values():
        assert secret not in caplog.text


def test_redshift_sign_ins_rio_cannot_do_are_said_plainly(
    dbt_profiles: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="rio.profiles")
    settings = load_profile("jaffle_shop", "role_on_a_cluster", profiles_dir=dbt_profiles, env={})
    assert (settings["iam"], settings["cluster_identifier"]) == (True, "jaffle")
    assert "group_federation" in caplog.text
    with pytest.raises(ConfigFileError, match=r"no_cluster\.cluster_id: method: iam needs the cluster_id"):
        load_profile("jaffle_shop", "no_cluster", profiles_dir=dbt_profiles, env={})
    with pytest.raises(ConfigFileError, match=r"browser\.method: 'browser_identity_center': rio signs in"):
        load_profile("jaffle_shop", "browser", profiles_dir=dbt_profiles, env={})


def test_a_dbt_postgres_profile_with_pass_connects(
    pg_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import psycopg

    server = urlsplit(pg_url)
    role = f"dbt_role_{server.port}_{tmp_path.name[-12:]}".replace("-", "_")
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" NOLOGIN')
        admin.execute('CREATE SCHEMA "dbt marts"')
    (tmp_path / "profiles.yml").write_text(
        f"""
jaffle_shop:
  target: dev
  outputs:
    dev:
      type: postgres
      host: {server.hostname}
      port: {server.port}
      user: {unquote(server.username or "")}
      pass: "{{{{ env_var('DBT_ENV_SECRET_PG_PASS') }}}}"
      dbname: {server.path.lstrip("/")}
      schema: dbt_alice
      threads: 4
      keepalives_idle: 0
      connect_timeout: 10
      search_path: '"dbt marts",public'
      role: {role}
"""
    )
    caplog.set_level(logging.DEBUG, logger="rio.profiles")
    try:
        settings = resolve_target(None, "jaffle_shop", str(tmp_path), env=SECRETS)
        assert settings["password"] == SECRETS["DBT_ENV_SECRET_PG_PASS"]
        assert "pass" not in settings
        assert default_schema(settings) == "dbt_alice"
        session = resolve_adapter(settings).connect()
        try:
            ((user, search_path),) = session.query("SELECT current_user, current_setting('search_path')")
        finally:
            session.close()
        assert (user, search_path) == (role, '"dbt marts",public')
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f'DROP ROLE "{role}"')
    assert "dev.keepalives_idle is dbt's and ignored" in caplog.text
    assert SECRETS["DBT_ENV_SECRET_PG_PASS"] not in caplog.text


def test_a_dbt_duckdb_profile_loads_a_row_into_its_schema(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import duckdb

    warehouse = tmp_path / "jaffle.duckdb"
    (tmp_path / "profiles.yml").write_text(
        f"""
jaffle_shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: {warehouse}
      schema: marts
      threads: 4
      extensions: [httpfs, parquet]
      settings:
        s3_region: us-east-1
        s3_secret_access_key: "{{{{ env_var('S3_SECRET') }}}}"
      secrets:
        - type: s3
          key_id: "{{{{ env_var('AWS_KEY') }}}}"
          secret: "{{{{ env_var('AWS_SECRET') }}}}"
"""
    )
    caplog.set_level(logging.DEBUG, logger="rio")
    settings = resolve_target(None, "jaffle_shop", str(tmp_path), env=SECRETS)
    assert settings == {"type": "duckdb", "path": str(warehouse), "schema": "marts"}
    schema = default_schema(settings)
    rio.load(
        [{"id": 1, "name": "jaffle"}], settings, table=f"{schema}.orders", base=str(tmp_path / "staging")
    )
    with duckdb.connect(str(warehouse)) as connection:
        assert connection.execute("SELECT id, name FROM marts.orders").fetchall() == [(1, "jaffle")]
    assert "dev.extensions is dbt's and ignored" in caplog.text
    for secret in SECRETS.values():
        assert secret not in caplog.text


def test_profiles_are_looked_for_in_rios_places_then_dbts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, work = tmp_path / "home", tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    monkeypatch.delenv("RIO_PROFILES_DIR", raising=False)
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    assert find_profiles_file() is None
    with pytest.raises(ConfigFileError, match=r"\$DBT_PROFILES_DIR or ~/\.dbt/profiles\.yml"):
        load_profile("p")

    def write(directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "profiles.yml").write_text(
            f"p:\n  target: t\n  outputs:\n    t: {{type: duckdb, path: {directory.name}.duckdb}}\n"
        )

    # Each place, made in turn from the last looked at to the first, takes over from those after it.
    places = [
        (home / ".dbt", None),
        (tmp_path / "dbt_dir", "DBT_PROFILES_DIR"),
        (home / ".rio", None),
        (work, None),
        (tmp_path / "rio_dir", "RIO_PROFILES_DIR"),
    ]
    for directory, variable in places:
        write(directory)
        if variable is not None:
            monkeypatch.setenv(variable, str(directory))
        assert find_profiles_file() == directory / "profiles.yml"
        assert load_profile("p", env={})["path"] == f"{directory.name}.duckdb"


def test_unknown_settings_are_warned_about_and_dbts_own_logged_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "profiles.yml").write_text(
        """
jaffle_shop:
  target: dev
  outputs:
    dev:
      type: postgres
      hots: db.example.com
      user: alice
      pass: pg-Pa55-dbt-k7
      dbname: analytics
      schema: dbt_alice
      threads: 4
      sslrootcert: /etc/ssl/rds.pem
"""
    )
    caplog.set_level(logging.DEBUG, logger="rio.profiles")
    settings = load_profile("jaffle_shop", profiles_dir=tmp_path, env={})
    assert settings["hots"] == "db.example.com"  # kept: rio's adapter ignores it, a wrapper may not
    assert not {"threads", "sslrootcert", "pass"} & set(settings)
    messages = {(record.levelno, record.getMessage().split(": ", 1)[1]) for record in caplog.records}
    assert messages == {
        (
            logging.WARNING,
            "jaffle_shop.outputs.dev.hots is a setting neither rio nor dbt-postgres knows; ignored "
            "(did you mean host?)",
        ),
        (
            logging.DEBUG,
            "jaffle_shop.outputs.dev.threads is dbt's and ignored: dbt runs its models in parallel with it",
        ),
        (
            logging.WARNING,
            "jaffle_shop.outputs.dev.sslrootcert is not applied: rio's postgres adapter does not pass it "
            "to libpq; set $PGSSLROOTCERT instead",
        ),
    }  # fmt: skip
    assert "pg-Pa55-dbt-k7" not in caplog.text


def test_the_schema_of_a_target_is_the_default_schema(profiles_dir: Path) -> None:
    assert default_schema({"type": "postgres", "schema": "dbt_alice"}) == "dbt_alice"
    assert default_schema(target_from_url("postgresql://h/db?schema=analytics")) == "analytics"
    assert default_schema(load_profile("rio", profiles_dir=profiles_dir, env={})) is None
    assert default_schema({"type": "duckdb", "schema": " "}) is None


def test_dbts_filters_on_env_var_give_numbers_and_booleans(tmp_path: Path) -> None:
    (tmp_path / "profiles.yml").write_text(
        """
p:
  target: "{{ env_var('WHICH') }}"
  outputs:
    t:
      type: redshift
      host: "h-{{ env_var('SUFFIX') }}"
      port: "{{ env_var('PORT') | int }}"
      connect_timeout: "{{ env_var('TIMEOUT', '12') | as_number }}"
      autocreate: "{{ env_var('CREATE') | as_bool }}"
      db_groups: "{{ env_var('GROUPS') | as_native }}"
      dbname: "{{ env_var('DB') | as_text }}"
"""
    )
    env = {"WHICH": "t", "SUFFIX": "1", "PORT": "5440", "CREATE": "True", "GROUPS": "[a, b]", "DB": "007"}
    assert load_profile("p", profiles_dir=tmp_path, env=env) == {
        "type": "redshift", "host": "h-1", "port": 5440, "timeout": 12, "auto_create": True,
        "db_groups": ["a", "b"], "dbname": "007",
    }  # fmt: skip
    with pytest.raises(
        ConfigFileError, match=r"p\.outputs\.t\.port: applies int to a value that is not a number"
    ):
        load_profile("p", profiles_dir=tmp_path, env={**env, "PORT": "s3cret-port"})


def test_no_secret_of_a_dbt_profile_reaches_a_log_or_a_repr(
    dbt_profiles: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="rio")
    for target in ("dev", "iam", "serverless", "role_on_a_cluster"):
        adapter: Adapter = resolve_adapter(
            load_profile("jaffle_shop", target, profiles_dir=dbt_profiles, env=SECRETS)
        )
        logging.getLogger("rio.profiles").info("resolved %r", adapter)
    assert "resolved RedshiftAdapter(" in caplog.text
    for secret in SECRETS.values():
        assert secret not in caplog.text


def test_the_profiles_translation_knows_every_setting_the_adapters_read() -> None:
    from rio.adapters.postgres import _LIBPQ
    from rio.adapters.redshift import _CONNECT
    from rio.profiles import _DIALECTS

    assert set(_LIBPQ) <= _DIALECTS["postgres"].own
    redshift = _DIALECTS["redshift"]
    assert set(_CONNECT) <= redshift.own | redshift.translated
