"""The Redshift adapter: its driver, its exact SQL, its COPY failures and retries, its secrets.

- The real ``redshift_connector`` driver talks to the test PostgreSQL server through
  :class:`~support.redshift_proxy.RedshiftProxy`.
- Whole loads run through :class:`~support.redshift_double.RedshiftDouble`: the adapter's own SQL
  and error handling, Redshift-only statements translated for PostgreSQL, COPY reading moto's S3.
- Golden files in ``tests/golden/redshift/`` pin the SQL the adapter sends (rewrite them with
  ``RIO_UPDATE_GOLDEN=1`` after an intended change, and review the diff).
- A live suite runs against a real cluster when ``RIO_TEST_REDSHIFT_URL`` is set.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from rio import contract
from rio.adapters.base import CopyRequest, DataFile, Session, TableColumn, quote_literal
from rio.adapters.redshift import LoadErrorRow, RedshiftAdapter
from rio.config import Column, DestinationConfig
from rio.contract import Job, LoadMode, Manifest, ManifestEntry
from rio.errors import CopyFailed, SchemaMismatch, WarehouseError
from rio.loader import LoadOptions, Status, TableOutcome, load_table, run_job
from rio.loader.schema import plan_schema
from rio.storage import ObjectStore, open_store
from rio.types import canonical
from support.golden import assert_matches_golden
from support.postgres import PostgresServer, free_port
from support.redshift_double import RedshiftDouble, adapter_settings, mask_credentials, parse_copy
from support.redshift_proxy import RedshiftProxy

SCHEMA, TABLE = "analytics", "orders"
D1 = datetime(2026, 11, 20, 9, 0, 0, tzinfo=timezone.utc)
D2 = datetime(2026, 11, 21, 9, 0, 0, tzinfo=timezone.utc)
ORDERS = DestinationConfig(
    SCHEMA,
    TABLE,
    [
        Column("ordered_at", "timestamp", sort_ord=1, not_null=True),
        Column("id", "bigint", sort_ord=2, dist_key=True, not_null=True, primary_key=True),
        Column("customer", "text"),
        Column("total", "float", default_val="0"),
        Column("paid", "boolean", default_val="false"),
        Column("loaded_at", "timestamp", default_val="getdate()"),
    ],
    data_timestamp_column="ordered_at",
)
#: The next version of the config: a wider ``customer`` and a new ``country``.
ORDERS_V2 = DestinationConfig(
    SCHEMA,
    TABLE,
    [
        *(Column("customer", "longtext") if c.name == "customer" else c for c in ORDERS.columns),
        Column("country", "text"),
    ],
    data_timestamp_column="ordered_at",
)

ROLE = "arn:aws:iam::123456789012:role/rio-loader"
# Distinctive values, so that finding them anywhere they must not be is unambiguous. moto accepts any.
KEY_ID = "AKIARIOTESTKEY7Q2Z9X"
SECRET = "rio/Secret+Access+Key/0123456789abcdefGHIJ"
TOKEN = "rio-session-token-FwoGZXIvYXdzEJr"
PASSWORD = "rio-warehouse-password-5eT9"
CREDENTIALS = (KEY_ID, SECRET, TOKEN, PASSWORD)


def order(i: int, day: datetime = D1, **extra: Any) -> dict[str, Any]:
    stamp = day.replace(tzinfo=None) + timedelta(minutes=i)
    return {"ordered_at": stamp.isoformat(), "id": i, "customer": f"customer {i}", "total": i * 2.5, **extra}


def publish(
    s3: Any,
    bucket: str,
    rows: Sequence[dict[str, Any] | str],
    date: datetime,
    config: DestinationConfig = ORDERS,
    parts: int = 2,
) -> None:
    """Lay out a config, gzip'd parts and their manifest in the bucket, as a producer would."""
    s3.put_object(Bucket=bucket, Key=contract.config_key(SCHEMA, TABLE, date), Body=config.to_yaml())
    run_id = contract.new_run_id()
    size = max(1, -(-len(rows) // parts))
    entries = []
    for number, start in enumerate(range(0, max(len(rows), 1), size)):
        lines = [r if isinstance(r, str) else json.dumps(r) for r in rows[start : start + size]]
        body = gzip.compress("".join(line + "\n" for line in lines).encode())
        key = contract.part_key(SCHEMA, TABLE, run_id, number)
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        entries.append(ManifestEntry(f"s3://{bucket}/{key}", mandatory=True, content_length=len(body)))
    s3.put_object(
        Bucket=bucket,
        Key=contract.manifest_key(SCHEMA, TABLE, date),
        Body=Manifest(tuple(entries)).to_json(),
    )


def s3_job(bucket: str, date: datetime, **fields: Any) -> Job:
    return Job(base=f"s3://{bucket}", schema=SCHEMA, tables=(TABLE,), date=date, **fields)


def load(double: RedshiftDouble, the_job: Job, **options: Any) -> TableOutcome:
    report = run_job(
        the_job,
        double,
        options=LoadOptions(**options) if options else None,
        endpoint_url=double.s3_endpoint_url,
    )
    (outcome,) = report.outcomes
    return outcome


def query(pg_url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        return conn.execute(sql).fetchall()


def dbname(pg_url: str) -> str:
    return pg_url.rsplit("/", 1)[1]


# --- the driver, through the proxy ----------------------------------------------------------------------


@pytest.fixture
def driver(redshift_proxy: RedshiftProxy, pg_url: str) -> Iterator[Any]:
    """A redshift_connector connection (the driver's defaults: no autocommit) to the test database."""
    import redshift_connector

    connection = redshift_connector.connect(
        host=redshift_proxy.host,
        port=redshift_proxy.port,
        user="postgres",
        password="",
        database=dbname(pg_url),
        ssl=False,
    )
    yield connection
    connection.close()


@pytest.fixture
def adapter(redshift_proxy: RedshiftProxy, pg_url: str) -> RedshiftAdapter:
    """The plain Redshift adapter (no double), reaching the test database through the proxy."""
    return RedshiftAdapter(adapter_settings(redshift_proxy.host, redshift_proxy.port, pg_url))


def test_the_driver_reaches_postgresql_only_through_the_proxy(
    postgres_server: PostgresServer, redshift_proxy: RedshiftProxy, driver: Any, pg_url: str
) -> None:
    import redshift_connector

    with pytest.raises(redshift_connector.ProgrammingError) as refused:
        redshift_connector.connect(
            host=postgres_server.host,
            port=postgres_server.port,
            user="postgres",
            password="",
            database=dbname(pg_url),
            ssl=False,
        )
    assert refused.value.args[0]["C"] == "42704"
    assert "client_protocol_version" in refused.value.args[0]["M"]
    # Through the proxy: the Redshift-only startup parameters are dropped, the rest reach the server.
    assert redshift_proxy.dropped == {
        "client_protocol_version",
        "driver_version",
        "os_version",
        "driver_discovery_version",
    }
    cursor = driver.cursor()
    cursor.execute("SELECT current_database(), current_user")
    assert cursor.fetchall() == ([dbname(pg_url), "postgres"],)
    assert str(driver._server_version) == query(pg_url, "SHOW server_version")[0][0].split()[0]


def test_the_driver_runs_queries_with_parameters(driver: Any, pg_url: str) -> None:
    cursor = driver.cursor()
    moment = datetime(2026, 11, 20, 9, 30, 15, 250000)
    cursor.execute("SELECT %s::integer + %s::integer, %s::text, %s::timestamp", (40, 2, "it's", moment))
    assert cursor.fetchall() == ([42, "it's", moment],)
    cursor.execute("CREATE TABLE t (id integer, name varchar(20))")
    cursor.executemany("INSERT INTO t VALUES (%s, %s)", [(1, "one"), (2, None)])
    driver.commit()
    assert query(pg_url, "SELECT id, name FROM t ORDER BY id") == [(1, "one"), (2, None)]


def test_the_driver_rolls_back_and_commits(driver: Any, pg_url: str) -> None:
    cursor = driver.cursor()
    cursor.execute("CREATE TABLE t (id integer)")
    driver.commit()
    cursor.execute("INSERT INTO t VALUES (1)")  # the driver opened a transaction itself
    assert query(pg_url, "SELECT count(*) FROM t") == [(0,)]
    driver.rollback()
    assert query(pg_url, "SELECT count(*) FROM t") == [(0,)]
    cursor.execute("INSERT INTO t VALUES (2)")
    driver.commit()
    assert query(pg_url, "SELECT id FROM t") == [(2,)]


def test_the_adapters_own_transactions_roll_back_and_commit(adapter: RedshiftAdapter, pg_url: str) -> None:
    session = adapter.connect()
    try:
        session.execute("CREATE TABLE t (id integer)")  # autocommit outside BEGIN … COMMIT
        session.begin()
        session.execute("INSERT INTO t VALUES (%s)", (1,))
        assert session.query("SELECT count(*) FROM t") == [[1]]
        assert query(pg_url, "SELECT count(*) FROM t") == [(0,)]
        session.rollback()
        assert query(pg_url, "SELECT count(*) FROM t") == [(0,)]
        with session.transaction():
            session.execute("INSERT INTO t VALUES (%s)", (2,))
        assert query(pg_url, "SELECT id FROM t") == [(2,)]
    finally:
        session.close()
    assert session.statements == [
        "CREATE TABLE t (id integer)",
        "BEGIN",
        "INSERT INTO t VALUES (%s)",
        "ROLLBACK",
        "BEGIN",
        "INSERT INTO t VALUES (%s)",
        "COMMIT",
    ]


def test_a_failing_statement_is_a_warehouse_error_naming_it(adapter: RedshiftAdapter) -> None:
    import redshift_connector

    session = adapter.connect()
    try:
        with pytest.raises(WarehouseError) as failed:
            session.query("SELECT id FROM no_such_table WHERE id = %s", (7,))
        cause = failed.value.__cause__
        assert isinstance(cause, redshift_connector.ProgrammingError)
        assert cause.args[0]["C"] == "42P01"
        assert str(failed.value) == (
            'redshift: relation "no_such_table" does not exist '
            "(while running: SELECT id FROM no_such_table WHERE id = %s)"
        )
        assert not adapter.is_serialization_failure(cause)
        assert session.query("SELECT 1") == [[1]]  # the connection is still usable
    finally:
        session.close()


@pytest.mark.parametrize(
    ("code", "message", "reason"),
    [
        ("XX000", "1023", "serialisation conflict (Redshift error 1023)"),
        ("40001", "could not serialize access due to concurrent update", "serialisation conflict (40001)"),
        (
            "23505",
            'duplicate key violates unique constraint "pg_class_relname_nsp_index"',
            "another loader created the same table at the same moment (unique violation in pg_class)",
        ),
        (
            "23505",
            'duplicate key violates unique constraint "pg_namespace_nspname_index"',
            "another loader created the same schema at the same moment (unique violation in pg_namespace)",
        ),
        ("23505", 'duplicate key value violates unique constraint "orders_pkey"', None),
        (
            "XX000",
            "Load into table 'orders' failed.  Check 'stl_load_errors' system table for details.",
            None,
        ),
        ("42601", 'syntax error at or near "1023"', None),
    ],
)
def test_serialization_failures_are_told_from_other_errors(
    adapter: RedshiftAdapter, code: str, message: str, reason: str | None
) -> None:
    import redshift_connector

    session = adapter.connect()
    try:
        with pytest.raises(WarehouseError) as failed:
            session.execute(
                "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = "
                f"{quote_literal(code)}, MESSAGE = {quote_literal(message)}, DETAIL = 'transactions "
                "forming the cycle are: 1, 2'; END $$"
            )
    finally:
        session.close()
    cause = failed.value.__cause__
    assert isinstance(cause, redshift_connector.Error)
    assert cause.args[0]["C"] == code
    # The reason is what the loader logs when it runs the load again; None: never run again.
    assert adapter.retry_reason(cause) == reason
    assert adapter.is_serialization_failure(cause) is (reason is not None)


@pytest.mark.filterwarnings("ignore::DeprecationWarning:redshift_connector.core")  # its TLS set-up
def test_settings_given_as_strings_mean_what_they_say(redshift_proxy: RedshiftProxy, pg_url: str) -> None:
    """A URL's query gives strings; the driver tests ``ssl is True``, so "true" must not mean plaintext."""
    from rio.adapters import resolve_adapter

    where = f"redshift://postgres:@{redshift_proxy.host}:{redshift_proxy.port}/{dbname(pg_url)}"
    plain = resolve_adapter(f"{where}?ssl=false&timeout=20")
    assert plain.settings["ssl"] == "false"
    session = plain.connect()
    try:
        assert session.query("SELECT current_database()") == [[dbname(pg_url)]]
    finally:
        session.close()
    # The proxy speaks no TLS, so a connection that asks for it is refused rather than made in the clear.
    with pytest.raises(WarehouseError, match="cannot connect"):
        resolve_adapter(f"{where}?ssl=true").connect()
    with pytest.raises(WarehouseError, match="setting ssl must be true or false, not 'maybe'"):
        resolve_adapter(f"{where}?ssl=maybe").connect()


def test_a_connection_failure_names_the_server_and_not_the_password() -> None:
    adapter = RedshiftAdapter(
        {"host": "127.0.0.1", "port": str(free_port()), "user": "u", "password": PASSWORD, "ssl": "false"}
    )
    with pytest.raises(WarehouseError, match=r"cannot connect to 127\.0\.0\.1:\d+/") as failed:
        adapter.connect()
    shown = f"{failed.value} {failed.value.__cause__!r} {adapter!r}"
    assert PASSWORD not in shown
    assert "'password': '***'" in repr(adapter)


# --- golden SQL -----------------------------------------------------------------------------------------


def _script(statements: Sequence[str], bucket: str) -> str:
    """A load's statements as a SQL script, with what differs between runs made constant."""
    text = "".join(statement + ";\n\n" for statement in statements)
    text = text.replace(bucket, "<bucket>")
    return re.sub(r"rio_stage_[0-9a-f]{12}", "rio_stage_<random>", text)


def test_the_sql_of_a_first_load_and_of_an_upsert_with_schema_changes(
    redshift_double_factory: Callable[..., RedshiftDouble], s3: Any, s3_bucket: str, pg_url: str
) -> None:
    first = redshift_double_factory(aws_access_key_id=None, aws_secret_access_key=None, iam_role=ROLE)
    publish(s3, s3_bucket, [order(i) for i in range(1, 4)], D1)
    outcome = load(first, s3_job(s3_bucket, D1))
    assert outcome.status is Status.LOADED, outcome.error
    assert_matches_golden("redshift/first_load.sql", _script(outcome.statements, s3_bucket))
    (shown_copy,) = [s for s in outcome.statements if s.startswith("COPY")]
    assert "IAM_ROLE '***'" in shown_copy
    assert first.copies_received == [shown_copy.replace("IAM_ROLE '***'", f"IAM_ROLE '{ROLE}'")]

    second = redshift_double_factory(
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, aws_session_token=TOKEN
    )
    rows = [order(2, D2, customer="x" * 300, country="NL"), order(4, D2, country="BE")]
    publish(s3, s3_bucket, rows, D2, config=ORDERS_V2, parts=1)
    outcome = load(second, s3_job(s3_bucket, D2, mode=LoadMode.UPSERT, upsert_keys=("id",)))
    assert outcome.status is Status.LOADED, outcome.error
    assert_matches_golden("redshift/upsert_load.sql", _script(outcome.statements, s3_bucket))
    statements = outcome.statements
    widen = next(i for i, s in enumerate(statements) if "TYPE varchar(65535)" in s)
    assert widen < statements.index("BEGIN")  # Redshift cannot widen inside a transaction
    (shown_copy,) = [s for s in statements if s.startswith("COPY")]
    assert shown_copy.endswith("ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***'")
    assert second.copies_received == [
        shown_copy.replace(
            "ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***'",
            f"ACCESS_KEY_ID '{KEY_ID}' SECRET_ACCESS_KEY '{SECRET}' SESSION_TOKEN '{TOKEN}'",
        )
    ]

    got = query(pg_url, f"SELECT id, length(customer), country FROM {SCHEMA}.{TABLE} ORDER BY id")
    assert got == [(1, 10, None), (2, 300, "NL"), (3, 10, None), (4, 10, "BE")]


def test_the_copy_statement_in_each_form() -> None:
    columns = [TableColumn("ts", "timestamp"), TableColumn("name", "varchar(256)")]
    manifest = CopyRequest(
        schema="analytics",
        table="events",
        columns=columns,
        files=[DataFile("s3://bucket/analytics/events/parts/r/000000.json.gz")],
        manifest_url="s3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest",
    )
    single = CopyRequest(
        schema=None,
        table="rio_stage_0123456789ab",
        columns=columns,
        files=[DataFile("s3://bucket/analytics_events_2026-11-21T09:00:00Z.json")],
        gzip=False,
        max_errors=10,
        truncate_columns=True,
        time_format="epochmillisecs",
    )
    role = RedshiftAdapter({"iam_role": ROLE, "region": "eu-west-1"})
    keys = RedshiftAdapter(
        {"aws_access_key_id": KEY_ID, "aws_secret_access_key": SECRET, "aws_session_token": TOKEN}
    )
    forms = {}
    for name, adapter, request in [
        ("a manifest, an IAM role, the region", role, manifest),
        ("one plain file into a staging table, keys and a token, no region", keys, single),
    ]:
        session = Session(adapter, None, dry_run=True)  # what is recorded, without a warehouse
        assert adapter.copy(session, request, store=None).rows == 0
        (forms[name],) = session.statements
    text = "".join(f"-- {name}\n{sql};\n\n" for name, sql in forms.items())
    assert_matches_golden("redshift/copy_forms.sql", text)


def test_the_copy_statement_with_each_data_conversion_option() -> None:
    plain = CopyRequest(
        schema="analytics",
        table="events",
        columns=[
            TableColumn("ts", "timestamp"),
            TableColumn("day", "date"),
            TableColumn("price", "numeric(8,2)"),
        ],
        files=[DataFile("s3://bucket/analytics/events/parts/r/000000.json.gz")],
        manifest_url="s3://bucket/analytics_events_2026-11-21T09:00:00Z.manifest",
    )
    forms = {
        "TIMEFORMAT and DATEFORMAT strings": {
            "time_format": "YYYY-MM-DD HH:MI:SS",
            "date_format": "MON DD, YYYY",
        },
        "TIMEFORMAT epochsecs": {"time_format": "epochsecs"},
        "TIMEFORMAT epochmillisecs": {"time_format": "epochmillisecs"},
        "ACCEPTINVCHARS with its replacement": {"accept_invalid_chars": "^"},
        "ACCEPTINVCHARS with a quote as its replacement": {"accept_invalid_chars": "'"},
        "ROUNDEC": {"round_decimals": True},
        "TRUNCATECOLUMNS": {"truncate_columns": True},
        "MAXERROR": {"max_errors": 10},
        "every option at once": {
            "time_format": "epochmillisecs",
            "date_format": "DD.MM.YYYY",
            "accept_invalid_chars": "?",
            "round_decimals": True,
            "truncate_columns": True,
            "max_errors": 100000,
        },
    }
    adapter = RedshiftAdapter({"iam_role": ROLE, "region": "eu-west-1"})
    text = ""
    for name, options in forms.items():
        session = Session(adapter, None, dry_run=True)
        adapter.copy(session, replace(plain, **options), store=None)
        (statement,) = session.statements
        text += f"-- {name}\n{statement};\n\n"
    assert_matches_golden("redshift/copy_options.sql", text)
    # The double reads each form back as Redshift would.
    parsed = parse_copy(text.split("\n")[-3].removesuffix(";"))
    assert {key: parsed.options[key] for key in ("TIMEFORMAT", "DATEFORMAT", "MAXERROR")} == {
        "TIMEFORMAT": "epochmillisecs",
        "DATEFORMAT": "DD.MM.YYYY",
        "MAXERROR": 100000,
    }
    assert (
        parsed.options["ACCEPTINVCHARS"],
        parsed.options["ROUNDEC"],
        parsed.options["TRUNCATECOLUMNS"],
    ) == (
        "?",
        True,
        True,
    )
    # Without options the COPY is Redshift's defaults spelled out, as before.
    session = Session(adapter, None, dry_run=True)
    adapter.copy(session, plain, store=None)
    assert "TIMEFORMAT 'auto' DATEFORMAT 'auto' REGION 'eu-west-1' STATUPDATE OFF" in session.statements[0]


@pytest.mark.parametrize(
    ("clause", "replacement"),
    [("ACCEPTINVCHARS", "?"), ("ACCEPTINVCHARS '^'", "^"), ("ACCEPTINVCHARS AS '^'", "^"), ("", None)],
)
def test_the_double_reads_acceptinvchars_with_or_without_its_character(
    clause: str, replacement: str | None
) -> None:
    sql = f"""COPY "s"."t" FROM 's3://b/k' GZIP FORMAT AS JSON 'auto ignorecase' {clause} ROUNDEC"""
    options = parse_copy(sql).options
    assert options.get("ACCEPTINVCHARS") == replacement
    assert options["ROUNDEC"] is True


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("ACCEPTINVCHARS AS '^^'", "Invalid ACCEPTINVCHARS: "),
        ("TIMEFORMAT 'YYYY-MM-DD HH:MI:SS TZ'", "Invalid TIMEFORMAT: "),
        ("DATEFORMAT 'epochsecs'", "Invalid DATEFORMAT: "),
    ],
)
def test_the_double_fails_a_copy_with_an_option_rio_cannot_read_as_a_server_error(
    redshift_double: RedshiftDouble, s3: Any, s3_bucket: str, option: str, message: str
) -> None:
    import redshift_connector

    publish(s3, s3_bucket, [order(1, D1)], D1)
    manifest = f"s3://{s3_bucket}/{contract.manifest_key(SCHEMA, TABLE, D1)}"
    session = redshift_double.connect()
    try:
        with session.transaction():
            for statement in redshift_double.create_table_sql(ORDERS):
                session.execute(statement)
        with pytest.raises(WarehouseError) as refused:
            session.execute(
                f"COPY {SCHEMA}.{TABLE} FROM '{manifest}' MANIFEST GZIP FORMAT AS JSON 'auto ignorecase' "
                f"{option} REGION 'us-east-1' ACCESS_KEY_ID 'k' SECRET_ACCESS_KEY 's'"
            )
    finally:
        session.close()
    assert isinstance(refused.value.__cause__, redshift_connector.Error)
    assert message in str(refused.value)


# --- every column type --------------------------------------------------------------------------------

EVERY_TYPE = DestinationConfig(
    SCHEMA,
    "typed",
    [
        Column("ts", "timestamp", sort_ord=1, not_null=True),
        Column("small", "smallint", default_val=-1),
        Column("whole", "int4"),
        Column("big", "bigint", dist_key=True, primary_key=True, not_null=True),
        Column("price", "DECIMAL(12, 2)", default_val="0.50"),
        Column("ratio", "float4", default_val=0.25),
        Column("score", "float"),
        Column("ok", "bool", default_val=True),
        Column("code", "character(3)", default_val="'NLD'"),
        Column("word", "character varying(32)"),
        Column("note", "text"),
        Column("body", "longtext"),
        Column("day", "date", default_val="2026-11-21"),
        Column("clock", "time", default_val="10:15:00"),
        Column("clock_tz", "time with time zone", default_val="10:15:00+02"),
        Column("seen", "timestamptz", default_val="2026-11-21 10:15:00Z"),
        Column("doc", "super"),
    ],
    data_timestamp_column="ts",
)


def test_the_sql_of_every_type() -> None:
    adapter = RedshiftAdapter({})
    statements = [*adapter.create_table_sql(EVERY_TYPE)]
    for spelling in ("int2", "numeric(38,37)", "real", "char(max)", "varchar(max)", "timetz", "super"):
        added = Column(f"added_{spelling.split('(')[0]}", spelling)
        statements.append(adapter.add_column_sql(SCHEMA, "typed", added))
    statements.append(adapter.widen_sql(SCHEMA, "typed", "word", "varchar(64)") or "")
    assert_matches_golden("redshift/every_type.sql", "".join(f"{statement};\n\n" for statement in statements))


def test_the_double_creates_and_reads_back_every_type(redshift_double: RedshiftDouble, pg_url: str) -> None:
    EVERY_TYPE.validate()
    session = redshift_double.connect()
    try:
        with session.transaction():
            for statement in redshift_double.create_table_sql(EVERY_TYPE):
                session.execute(statement)
            session.execute(redshift_double.add_column_sql(SCHEMA, "typed", Column("extra", "super")))
        columns = redshift_double.read_columns(session, SCHEMA, "typed")
    finally:
        session.close()
    assert columns is not None
    wanted = [*EVERY_TYPE.columns, Column("extra", "super")]
    assert [(c.name, c.type) for c in columns] == [(c.name, canonical(c.type)) for c in wanted]
    by_name = {column.name: column for column in columns}
    # The defaults read back as the literals they were, whatever the catalogue printed.
    assert [by_name[name].default for name in ("small", "price", "ratio", "ok", "code", "day")] == [
        -1, Decimal("0.50"), 0.25, True, "NLD", date(2026, 11, 21),
    ]  # fmt: skip
    assert by_name["clock"].default == time(10, 15)
    assert by_name["clock_tz"].default == time(8, 15, tzinfo=timezone.utc)
    assert by_name["seen"].default == datetime(2026, 11, 21, 10, 15, tzinfo=timezone.utc)
    assert (by_name["big"].dist_key, by_name["big"].primary_key, by_name["ts"].sort_ord) == (True, True, 1)
    # SUPER went to PostgreSQL as jsonb, which keeps documents as values.
    assert query(pg_url, f"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE "
                 f"attrelid = '{SCHEMA}.typed'::regclass AND attname = 'doc'") == [("jsonb",)]  # fmt: skip
    # Loading again compares the table with the config: every type matches itself.
    assert plan_schema(redshift_double, EVERY_TYPE, columns).widen == ()


def test_the_double_refuses_a_super_key_as_redshift_does(redshift_double: RedshiftDouble) -> None:
    import redshift_connector

    session = redshift_double.connect()
    try:
        with pytest.raises(WarehouseError) as refused:
            session.execute('CREATE TABLE "keyed" ("doc" super) DISTSTYLE KEY DISTKEY ("doc")')
    finally:
        session.close()
    assert isinstance(refused.value.__cause__, redshift_connector.Error)
    assert "cannot be a distribution key or a sort key" in str(refused.value)


def test_redshift_widens_a_varchar_but_never_a_decimals_precision(redshift_double: RedshiftDouble) -> None:
    table = [
        TableColumn("ts", "timestamp", not_null=True, sort_ord=1),
        TableColumn("id", "bigint", not_null=True, primary_key=True, dist_key=True),
        TableColumn("customer", "varchar(10)"),
        TableColumn("total", "numeric(10,2)"),
    ]
    config = DestinationConfig(
        SCHEMA,
        TABLE,
        [
            Column("ts", "timestamp", sort_ord=1, not_null=True),
            Column("id", "bigint", sort_ord=0, dist_key=True, not_null=True, primary_key=True),
            Column("customer", "text"),
            Column("total", "decimal(10,2)"),
        ],
        data_timestamp_column="ts",
    )
    assert plan_schema(redshift_double, config, table).widen == (("customer", "varchar(256)"),)
    wider = DestinationConfig(
        SCHEMA, TABLE, [*config.columns[:3], Column("total", "decimal(14,2)")], data_timestamp_column="ts"
    )
    with pytest.raises(SchemaMismatch) as refused:
        plan_schema(redshift_double, wider, table)
    assert str(refused.value) == (
        f"{SCHEMA}.{TABLE}: mismatched column 'total' property type: the config says 'numeric(14,2)', the "
        "table has 'numeric(10,2)'; redshift cannot widen a DECIMAL's precision (its ALTER COLUMN changes "
        "only a VARCHAR's size): give the config the table's type, or load into a new table"
    )


# --- a failed COPY, retries ------------------------------------------------------------------------------


def test_a_failed_copy_reports_the_rows_of_stl_load_errors_and_leaves_the_table_untouched(
    redshift_double: RedshiftDouble, s3: Any, s3_bucket: str, pg_url: str
) -> None:
    publish(s3, s3_bucket, [order(1), order(2)], D1)
    assert load(redshift_double, s3_job(s3_bucket, D1)).status is Status.LOADED
    before = query(pg_url, f"SELECT * FROM {SCHEMA}.{TABLE} ORDER BY id")
    publish(s3, s3_bucket, [order(3, D2), {**order(4, D2), "id": "four"}, order(5, D2)], D2, parts=1)
    outcome = load(redshift_double, s3_job(s3_bucket, D2))
    assert outcome.status is Status.FAILED
    error = outcome.error
    assert isinstance(error, CopyFailed)
    (row,) = error.errors
    assert isinstance(row, LoadErrorRow)  # read back from stl_load_errors, not the decoder's own
    assert row.file.startswith(f"s3://{s3_bucket}/{SCHEMA}/{TABLE}/parts/")
    assert row.file.endswith("/000000.json.gz")
    assert (row.line, row.column, row.value, row.code) == (2, "id", "four", 1207)
    assert row.reason.startswith("Invalid digit")
    assert str(error).startswith(
        f"Load into table '{TABLE}' failed: redshift: Load into table '{TABLE}' failed."
    )
    assert "line 2, column id, value 'four': Invalid digit" in str(error)
    # The error rows outlived the COPY's rollback, as Redshift's system tables do; the table did not change.
    assert query(pg_url, "SELECT trim(raw_field_value), err_code FROM stl_load_errors") == [("four", 1207)]
    assert query(pg_url, f"SELECT * FROM {SCHEMA}.{TABLE} ORDER BY id") == before
    assert query(pg_url, f"SELECT count(*) FROM {SCHEMA}.rio_loads") == [(1,)]
    assert len(redshift_double.copies_received) == 2  # a load error is not run again


@pytest.mark.parametrize(
    ("serverless", "settings", "tables_read"),
    [
        pytest.param(True, {}, ["stl_load_errors", "sys_load_error_detail"], id="serverless-after-empty-stl"),
        pytest.param(True, {"is_serverless": "true"}, ["sys_load_error_detail"], id="serverless-by-setting"),
        pytest.param(False, {"is_serverless": "false"}, ["stl_load_errors"], id="provisioned-false-as-text"),
    ],
)
def test_load_errors_come_from_the_system_table_the_warehouse_keeps(
    redshift_double_factory: Callable[..., RedshiftDouble],
    s3: Any,
    s3_bucket: str,
    serverless: bool,
    settings: dict[str, str],
    tables_read: list[str],
) -> None:
    double = redshift_double_factory(serverless=serverless, **settings)
    publish(s3, s3_bucket, [order(3, D2), {**order(4, D2), "id": "four"}, order(5, D2)], D2, parts=1)
    outcome = load(double, s3_job(s3_bucket, D2))
    assert isinstance(outcome.error, CopyFailed)
    (row,) = outcome.error.errors
    assert (row.line, row.column, row.code) == (2, "id", 1207)
    assert row.reason.startswith("Invalid digit")
    # Only stl_load_errors keeps the raw value; sys_load_error_detail has no such column.
    assert row.value == ("" if serverless else "four")
    reads = [sql for sql in double.ran if re.search(r"\bFROM (stl_load_errors|sys_load_error_detail)\b", sql)]
    assert [re.search(r"\bFROM (\w+)", sql).group(1) for sql in reads] == tables_read  # type: ignore[union-attr]


def _load_one(
    double: RedshiftDouble, the_job: Job, options: LoadOptions, sleeps: list[float]
) -> TableOutcome:
    store = open_store(the_job.base, endpoint_url=double.s3_endpoint_url)
    try:
        return load_table(double, store, the_job, TABLE, options, sleep=sleeps.append)
    finally:
        store.close()


def test_a_serialization_failure_is_retried_after_a_pause_and_then_loads_once(
    redshift_double_factory: Callable[..., RedshiftDouble],
    s3: Any,
    s3_bucket: str,
    pg_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="rio.loader")
    double = redshift_double_factory(serialization_failures=1)
    publish(s3, s3_bucket, [order(i) for i in range(10)], D1)
    sleeps: list[float] = []
    outcome = _load_one(double, s3_job(s3_bucket, D1), LoadOptions(backoff=0.5), sleeps)
    assert outcome.status is Status.LOADED, outcome.error
    assert len(sleeps) == 1
    assert 0.5 <= sleeps[0] < 1.0  # the first pause: backoff * (1 + jitter)
    assert len(double.copies_received) == 2
    assert query(pg_url, f"SELECT count(*), count(DISTINCT id) FROM {SCHEMA}.{TABLE}") == [(10, 10)]
    assert query(pg_url, f"SELECT count(*) FROM {SCHEMA}.rio_loads") == [(1,)]
    (retried,) = [
        r.getMessage() for r in caplog.records if r.name == "rio.loader" and r.levelname == "WARNING"
    ]
    assert retried.startswith(
        f"{SCHEMA}.{TABLE}: serialisation conflict (Redshift error 1023); running again in {sleeps[0]:.2f} s "
        "(attempt 2 of 5): redshift: 1023 (while running: COPY"
    )


def test_serialization_failures_stop_after_the_attempts(
    redshift_double_factory: Callable[..., RedshiftDouble], s3: Any, s3_bucket: str, pg_url: str
) -> None:
    double = redshift_double_factory(serialization_failures=5)
    publish(s3, s3_bucket, [order(1)], D1)
    sleeps: list[float] = []
    outcome = _load_one(double, s3_job(s3_bucket, D1), LoadOptions(attempts=3, backoff=0.01), sleeps)
    assert outcome.status is Status.FAILED
    assert isinstance(outcome.error, WarehouseError)
    assert "redshift: 1023 (while running: COPY" in str(outcome.error)
    assert len(sleeps) == 2
    assert sleeps[1] >= 2 * 0.01  # the pause doubles
    assert len(double.copies_received) == 3
    assert query(pg_url, f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{TABLE}'") == [
        (0,)
    ]


def test_a_load_error_is_not_retried(redshift_double: RedshiftDouble, s3: Any, s3_bucket: str) -> None:
    publish(s3, s3_bucket, [{**order(1), "ordered_at": "not a time"}], D1)
    sleeps: list[float] = []
    outcome = _load_one(redshift_double, s3_job(s3_bucket, D1), LoadOptions(backoff=0.01), sleeps)
    assert isinstance(outcome.error, CopyFailed)
    assert sleeps == []
    assert len(redshift_double.copies_received) == 1


# --- credentials ----------------------------------------------------------------------------------------


def test_credentials_never_appear_in_errors_logs_statements_or_repr(
    redshift_double_factory: Callable[..., RedshiftDouble],
    s3: Any,
    s3_bucket: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    double = redshift_double_factory(
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, aws_session_token=TOKEN, password=PASSWORD
    )
    publish(s3, s3_bucket, [order(1)], D1)
    publish(s3, s3_bucket, [{**order(2, D2), "id": "two"}], D2)
    with caplog.at_level(logging.DEBUG):
        loaded = load(double, s3_job(s3_bucket, D1))
        failed = load(double, s3_job(s3_bucket, D2))
    assert loaded.status is Status.LOADED
    assert isinstance(failed.error, CopyFailed)
    chain: list[BaseException] = []
    error: BaseException | None = failed.error
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert len(chain) >= 3  # CopyFailed, the WarehouseError, the driver's error
    seen = {
        # The client's logs: rio's and the driver's. (boto3's debug logs here are the double reading
        # S3 with the COPY's keys, which is Redshift's side of the wire.)
        "logs": "\n".join(
            record.getMessage()
            for record in caplog.records
            if record.name.startswith(("rio", "redshift_connector"))
        ),
        "errors": "\n".join(f"{e}\n{e!r}" for e in chain),
        "statements": "\n".join(loaded.statements + failed.statements),
        "repr": f"{double!r} {loaded!r} {failed!r}",
    }
    for where, text in seen.items():
        for secret in CREDENTIALS:
            assert secret not in text, f"a credential in the {where}"
    assert "SECRET_ACCESS_KEY '***'" in seen["logs"]
    # They did reach the warehouse, so the checks above could fail.
    assert all(KEY_ID in sql and SECRET in sql and TOKEN in sql for sql in double.copies_received)
    assert mask_credentials(double.copies_received[0]) in loaded.statements


def test_a_dry_run_shows_the_copy_with_its_credentials_masked_and_the_values_in_place(
    redshift_double_factory: Callable[..., RedshiftDouble], s3: Any, s3_bucket: str, pg_url: str
) -> None:
    double = redshift_double_factory(
        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET, aws_session_token=TOKEN, password=PASSWORD
    )
    publish(s3, s3_bucket, [order(1, D2)], D2)
    outcome = load(double, s3_job(s3_bucket, D2, mode=LoadMode.REFRESH), dry_run=True)
    assert outcome.status is Status.LOADED, outcome.error
    text = "\n".join(outcome.statements)
    for secret in CREDENTIALS:
        assert secret not in text
    assert "%s" not in text
    (shown_copy,) = [s for s in outcome.statements if s.startswith("COPY")]
    assert shown_copy.endswith("ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***'")
    assert (
        """DELETE FROM "analytics"."orders" WHERE "ordered_at" >= '2026-11-21 00:00:00' """
        """AND "ordered_at" < '2026-11-22 00:00:00'"""
    ) in outcome.statements
    assert "VALUES ('analytics', 'orders', '2026-11-21 09:00:00', 'refresh', 's3://" in text
    # Nothing reached the warehouse: no COPY, no table.
    assert double.copies_received == []
    assert query(pg_url, f"SELECT count(*) FROM pg_tables WHERE tablename = '{TABLE}'") == [(0,)]


# --- a real cluster --------------------------------------------------------------------------------------

LIVE_URL = os.environ.get("RIO_TEST_REDSHIFT_URL")
LIVE_BASE = os.environ.get("RIO_TEST_REDSHIFT_BASE")


@pytest.mark.skipif(
    not (LIVE_URL and LIVE_BASE),
    reason="no Redshift cluster: set RIO_TEST_REDSHIFT_URL (redshift://user:password@host:5439/db"
    "?iam_role=…&region=…) and RIO_TEST_REDSHIFT_BASE (s3://bucket/prefix the cluster can read); "
    "RIO_TEST_AWS_ACCESS_KEY_ID, RIO_TEST_AWS_SECRET_ACCESS_KEY and RIO_TEST_AWS_SESSION_TOKEN give "
    "the test the S3 credentials (the test run hides the usual AWS variables)",
)
def test_a_live_load_into_redshift() -> None:
    from rio.profiles import target_from_url

    assert LIVE_URL is not None
    assert LIVE_BASE is not None
    aws = {
        name: os.environ.get(f"RIO_TEST_{name.upper()}")
        for name in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
    }
    settings = target_from_url(LIVE_URL)
    if "iam_role" not in settings:
        settings.update({key: value for key, value in aws.items() if value})
    adapter = RedshiftAdapter(settings)
    schema = f"rio_live_{secrets.token_hex(4)}"
    base = f"{LIVE_BASE.rstrip('/')}/{schema}"
    store = open_store(base, **aws)
    config = DestinationConfig(schema, TABLE, ORDERS.columns, data_timestamp_column="ordered_at")
    try:
        _live_publish(store, config, [order(i) for i in range(1, 101)], D1)
        _live_publish(store, config, [order(200, D2), {**order(201, D2), "id": "x"}], D2)
        live_job = Job(base=base, schema=schema, tables=(TABLE,), date=D1)
        loaded = load_table(adapter, store, live_job, TABLE)
        assert loaded.status is Status.LOADED, loaded.error
        assert loaded.rows == 100
        again = load_table(adapter, store, live_job, TABLE)
        assert again.status is Status.ALREADY_LOADED
        failed = load_table(adapter, store, Job(base=base, schema=schema, tables=(TABLE,), date=D2), TABLE)
        assert isinstance(failed.error, CopyFailed)
        (row,) = failed.error.errors
        assert (row.line, row.column, row.code) == (2, "id", 1207)
        session = adapter.connect()
        try:
            assert session.query(f'SELECT count(*), count(DISTINCT id) FROM "{schema}"."{TABLE}"') == [
                [100, 100]
            ]
            # The adapter's own catalogue query, against Redshift's catalogue.
            columns = adapter.read_columns(session, schema, TABLE)
            assert columns is not None
            keys = [
                (c.name, c.dist_key, c.sort_ord, c.primary_key)
                for c in columns
                if c.name in ("id", "ordered_at")
            ]
            assert keys == [("ordered_at", False, 1, False), ("id", True, 2, True)]
        finally:
            session.close()
        # The table back out with Redshift's own UNLOAD, and its manifest read by rio.load.
        from rio.transfer import load as load_source
        from rio.unload import unload

        unloaded = unload(f"{schema}.{TABLE}", adapter, base, name="unloaded", store_options=aws)
        assert unloaded.rows == 100
        copied = load_source(
            unloaded.manifest_url,
            adapter,
            table=f"{schema}.copied",
            base=f"{base}/staging",
            store_options=aws,
        )
        assert copied.outcome.rows == 100
    finally:
        session = adapter.connect()
        try:
            session.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            session.close()
        store.delete(list(store.list("")))
        store.close()


def _live_publish(
    store: ObjectStore, config: DestinationConfig, rows: Sequence[dict[str, Any]], date: datetime
) -> None:
    body = gzip.compress("".join(json.dumps(row) + "\n" for row in rows).encode())
    key = contract.part_key(config.schema, config.table, contract.new_run_id(), 0)
    store.put(key, body)
    manifest = Manifest((ManifestEntry(store.url(key), mandatory=True, content_length=len(body)),))
    store.put(contract.manifest_key(config.schema, config.table, date), manifest.to_json())
    store.put(contract.config_key(config.schema, config.table, date), config.to_yaml().encode())
