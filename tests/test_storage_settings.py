"""StorageSettings: one object for how to reach S3, folded from an object, loose values and RIO_S3_*."""

from __future__ import annotations

from typing import Any

import pytest

from rio import StorageSettings
from rio.errors import StorageError
from rio.storage import S3Store
from rio.storage_settings import SETTING_NAMES, split_store_options
from support.s3 import S3Server

ENVIRONMENT = {
    "RIO_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "RIO_S3_REGION": "eu-central-1",
    "RIO_S3_ADDRESSING_STYLE": "virtual",
}


def test_the_environment_fills_every_unset_field() -> None:
    assert StorageSettings.from_environment(ENVIRONMENT) == StorageSettings(
        endpoint_url="http://127.0.0.1:9000", region="eu-central-1", addressing_style="virtual"
    )
    assert StorageSettings.from_environment({}) == StorageSettings()
    # An empty variable is as good as unset.
    assert StorageSettings.from_environment({"RIO_S3_REGION": ""}) == StorageSettings()


def test_resolve_takes_loose_values_over_the_environment_and_the_object_over_both() -> None:
    given = StorageSettings(region="us-west-2")
    resolved = StorageSettings.resolve(given, env=ENVIRONMENT, endpoint_url="http://minio:9000")
    assert resolved == StorageSettings(
        endpoint_url="http://minio:9000", region="us-west-2", addressing_style="virtual"
    )


def test_resolve_without_an_object_builds_one_from_loose_values() -> None:
    resolved = StorageSettings.resolve(
        env={}, endpoint_url="http://minio:9000", aws_access_key_id="AKIA0001", aws_secret_access_key="s"
    )
    assert resolved == StorageSettings(
        endpoint_url="http://minio:9000", aws_access_key_id="AKIA0001", aws_secret_access_key="s"
    )


def test_resolve_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIO_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.delenv("RIO_S3_REGION", raising=False)
    assert StorageSettings.resolve().endpoint_url == "http://127.0.0.1:9000"
    assert StorageSettings.resolve(env={}).endpoint_url is None


def test_resolve_accepts_a_loose_value_equal_to_the_objects() -> None:
    given = StorageSettings(endpoint_url="http://minio:9000")
    assert StorageSettings.resolve(given, env={}, endpoint_url="http://minio:9000") == given


def test_resolve_refuses_a_loose_value_that_contradicts_the_object() -> None:
    given = StorageSettings(endpoint_url="http://minio:9000")
    with pytest.raises(StorageError, match="two different values were given for endpoint_url") as caught:
        StorageSettings.resolve(given, env={}, endpoint_url="http://other:9000")
    assert "('http://other:9000' as a keyword, 'http://minio:9000' in storage)" in str(caught.value)


def test_a_contradicting_secret_is_refused_without_showing_either_value() -> None:
    given = StorageSettings(aws_access_key_id="AKIA0001", aws_secret_access_key="first-s3cr3t")
    with pytest.raises(
        StorageError, match="two different values were given for aws_secret_access_key;"
    ) as caught:
        StorageSettings.resolve(given, env={}, aws_secret_access_key="second-s3cr3t")
    assert "first-s3cr3t" not in str(caught.value)
    assert "second-s3cr3t" not in str(caught.value)


def test_a_malformed_environment_variable_is_named() -> None:
    with pytest.raises(
        StorageError, match=r"^\$RIO_S3_ADDRESSING_STYLE: the S3 addressing style must be one"
    ):
        StorageSettings.from_environment({"RIO_S3_ADDRESSING_STYLE": "sideways"})
    with pytest.raises(StorageError, match=r"^\$RIO_S3_ENDPOINT_URL: the S3 endpoint URL must start with"):
        StorageSettings.resolve(env={"RIO_S3_ENDPOINT_URL": "minio:9000"})


def test_a_malformed_variable_is_not_read_when_the_field_is_given() -> None:
    env = {"RIO_S3_ENDPOINT_URL": "minio:9000"}
    assert (
        StorageSettings.resolve(env=env, endpoint_url="http://minio:9000").endpoint_url == "http://minio:9000"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"endpoint_url": "127.0.0.1:9000"}, "must start with http:// or https://"),
        ({"addressing_style": "sideways"}, "must be one of auto, path, virtual"),
        ({"region": 7}, "storage setting region must be a string, not int"),
    ],
)
def test_bad_values_are_refused_with_the_field(values: dict[str, Any], message: str) -> None:
    with pytest.raises(StorageError, match=message):
        StorageSettings(**values)
    with pytest.raises(StorageError, match=message):
        StorageSettings.resolve(env={}, **values)


def test_an_unknown_name_is_a_type_error_as_in_any_call() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'endpoint'"):
        StorageSettings.resolve(env={}, endpoint="http://minio:9000")
    with pytest.raises(TypeError, match="unexpected keyword argument 'bucket'"):
        StorageSettings.from_environment({}, bucket="b")


def test_storage_that_is_not_a_storage_settings_is_refused() -> None:
    with pytest.raises(StorageError, match=r"storage= must be a rio\.StorageSettings, not dict"):
        StorageSettings.resolve({"endpoint_url": "http://minio:9000"})  # type: ignore[arg-type]


def test_with_defaults_fills_only_unset_fields() -> None:
    own = StorageSettings(region="us-west-2")
    other = StorageSettings(endpoint_url="http://minio:9000", region="eu-west-1")
    assert own.with_defaults(other) == StorageSettings(endpoint_url="http://minio:9000", region="us-west-2")


def test_split_store_options_separates_settings_from_the_stores_other_keywords() -> None:
    settings, rest = split_store_options({"endpoint_url": "http://m:1", "page_size": 5, "region": "r"})
    assert (settings, rest) == ({"endpoint_url": "http://m:1", "region": "r"}, {"page_size": 5})
    assert split_store_options(None) == ({}, {})
    assert {
        "endpoint_url",
        "region",
        "addressing_style",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
    } == SETTING_NAMES


def test_repr_hides_credentials() -> None:
    settings = StorageSettings(
        endpoint_url="http://minio:9000", aws_access_key_id="AKIA0001", aws_secret_access_key="s3cr3t"
    )
    assert repr(settings) == (
        "StorageSettings(endpoint_url='http://minio:9000', "
        "aws_access_key_id='***', aws_secret_access_key='***')"
    )


def test_region_and_addressing_style_reach_the_boto_client(s3_server: S3Server, s3_bucket: str) -> None:
    settings = StorageSettings(
        endpoint_url=s3_server.endpoint_url, region="eu-west-1", addressing_style="path"
    )
    store = settings.open(f"s3://{s3_bucket}")
    try:
        assert isinstance(store, S3Store)
        meta = store.client.meta
        assert (meta.region_name, meta.config.s3, meta.endpoint_url) == (
            "eu-west-1",
            {"addressing_style": "path"},
            s3_server.endpoint_url,
        )
    finally:
        store.close()


def test_open_folds_settings_given_beside_the_stores_other_keywords(
    s3_server: S3Server, s3_bucket: str
) -> None:
    store = StorageSettings(region="eu-west-1").open(
        f"s3://{s3_bucket}", endpoint_url=s3_server.endpoint_url, page_size=7
    )
    try:
        assert isinstance(store, S3Store)
        assert (store.endpoint_url, store.region) == (s3_server.endpoint_url, "eu-west-1")
    finally:
        store.close()
    with pytest.raises(StorageError, match="two different values were given for region"):
        StorageSettings(region="eu-west-1").open(f"s3://{s3_bucket}", region="us-east-1")
