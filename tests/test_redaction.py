"""rio.redaction: what a secret is and how it is masked, checked piece by piece."""

from __future__ import annotations

import logging

import pytest

from rio import redaction
from rio.errors import RioError, WarehouseError
from rio.redaction import MASK, is_secret_name, mask_mapping, mask_sql, mask_text, mask_url


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "pass",
        "passwd",
        "PGPASSWORD",
        "sslpassword",
        "aws_password",
        "aws_key",
        "aws_token",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "AWS_SECRET_ACCESS_KEY",
        "secret",
        "token",
        "job_token",
        "api_key",
        "private_key",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-Security-Token",
        "Authorization",
        "awsSecretAccessKey",
    ],
)
def test_names_of_secrets_are_secret(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "user",
        "host",
        "iam_role",
        "region",
        "kms_key_id",
        "dist_key",
        "sort_key",
        "primary_key",
        "upsert_keys",
        "manifest_key",
        "key",
        "Idempotency-Key",
        "bypass",
        "dbname",
        "",
    ],
)
def test_structural_names_are_not_secret(name: str) -> None:
    assert not is_secret_name(name)


def test_a_url_keeps_its_user_and_loses_its_password() -> None:
    assert mask_url("postgresql://loader:Hunter2Pass@db:5432/w") == f"postgresql://loader:{MASK}@db:5432/w"
    assert mask_url("duckdb:///w.duckdb") == "duckdb:///w.duckdb"


def test_secret_query_parameters_are_masked_and_others_kept() -> None:
    url = "redshift://u@h:5439/d?iam_role=arn:aws:iam::1:role/x&aws_secret_access_key=SEKRET123&region=eu"
    assert mask_url(url) == (
        f"redshift://u@h:5439/d?iam_role=arn:aws:iam::1:role/x&aws_secret_access_key={MASK}&region=eu"
    )


def test_presigned_url_signatures_are_masked() -> None:
    url = "https://b.s3.amazonaws.com/k?X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok%2Fen&x-id=GetObject"
    masked = mask_url(url)
    assert "deadbeef" not in masked
    assert "tok%2Fen" not in masked
    assert masked.endswith("&x-id=GetObject")


def test_authorization_clauses_in_sql_are_masked() -> None:
    sql = (
        "COPY t FROM 's3://b/m' CREDENTIALS 'aws_access_key_id=AK;aws_secret_access_key=SK' "
        "ACCESS_KEY_ID 'AKIAXYZ' SECRET_ACCESS_KEY 'it''s secret' session_token 'tok' IAM_ROLE 'arn:r'"
    )
    masked = mask_sql(sql)
    for secret in ("AKIAXYZ", "it''s secret", "aws_secret_access_key=SK", "'tok'"):
        assert secret not in masked
    assert "IAM_ROLE 'arn:r'" in masked
    assert masked.startswith("COPY t FROM 's3://b/m' CREDENTIALS '***' ")


def test_pairs_in_free_text_are_masked() -> None:
    assert mask_text("host=db user=u password=Secr3t dbname=x") == f"host=db user=u password={MASK} dbname=x"
    assert mask_text("{'password': 'abc123', 'user': 'u'}") == f"{{'password': '{MASK}', 'user': 'u'}}"
    assert mask_text('{"aws_session_token":"TTTT"}') == f'{{"aws_session_token":"{MASK}"}}'
    assert "abcdef0123" not in mask_text("Authorization: Bearer abcdef0123456789")


def test_text_without_secrets_is_unchanged() -> None:
    text = "analytics.events: loaded 1,000 rows from s3://b/analytics_events_2026-11-21T10:00:00Z.manifest"
    assert mask_text(text) == text


def test_a_registered_value_is_masked_anywhere() -> None:
    redaction.register("Zq-registered-7781")
    assert (
        mask_text("FATAL: password 'Zq-registered-7781' was refused")
        == f"FATAL: password '{MASK}' was refused"
    )
    # Too short, or a plain word: masked where it stands as a secret, not in every message.
    redaction.register("ab")
    redaction.register("wrong")
    redaction.register("postgres")
    assert mask_text("a tab: the token is wrong") == "a tab: the token is wrong"
    assert mask_text("postgres: cannot connect") == "postgres: cannot connect"
    assert mask_text("postgresql://u:postgres@h/d") == f"postgresql://u:{MASK}@h/d"


def test_mask_mapping_masks_nested_secrets_and_registers_them() -> None:
    settings = {
        "type": "redshift",
        "password": "Mapping-secret-1",
        "nested": {"aws_secret_access_key": "Mapping-secret-2", "region": "eu-west-1"},
        "url": "postgresql://u:Mapping-secret-3@h/d",
        "port": 5439,
        "token": None,
    }
    shown = mask_mapping(settings)
    assert shown == {
        "type": "redshift",
        "password": MASK,
        "nested": {"aws_secret_access_key": MASK, "region": "eu-west-1"},
        "url": f"postgresql://u:{MASK}@h/d",
        "port": 5439,
        "token": None,
    }
    assert MASK in mask_text("the driver said: Mapping-secret-2")


def test_rio_errors_never_carry_a_secret() -> None:
    error = WarehouseError(
        "redshift: connection to postgresql://u:Err-secret-55@h failed (password=Err-secret-55)"
    )
    assert "Err-secret-55" not in str(error)
    assert "Err-secret-55" not in repr(error)
    assert isinstance(error, RioError)


def test_the_filter_masks_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    log = redaction.logger("rio.test_redaction")
    with caplog.at_level(logging.DEBUG, logger="rio.test_redaction"):
        log.info("connecting to %s", "postgresql://u:Log-secret-90@h/d")
        try:
            raise ValueError("password=Log-secret-91")
        except ValueError:
            log.exception("it failed")
    text = caplog.text
    assert "Log-secret-90" not in text
    assert "Log-secret-91" not in text
    assert f"postgresql://u:{MASK}@h/d" in text


def test_the_filter_is_attached_once() -> None:
    log = redaction.logger("rio.test_redaction.once")
    redaction.logger("rio.test_redaction.once")
    assert sum(isinstance(f, redaction.RedactingFilter) for f in log.filters) == 1


def test_a_clipped_statement_masks_its_cut_literal_and_keeps_the_next_line() -> None:
    text = "(while running: COPY t ACCESS_KEY_ID 'AKIAPART…)\n  s3://b/k.json.gz line 2, column id, value 'x'"
    assert mask_text(text) == (
        f"(while running: COPY t ACCESS_KEY_ID '{MASK}'\n  s3://b/k.json.gz line 2, column id, value 'x'"
    )
