"""The file and job contract: key names, data dates, run ids, bases, manifests and job payloads."""

from __future__ import annotations

import gzip
import json
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from rio._identifiers import identifier_problem
from rio.contract import (
    CONTRACT_VERSION,
    COPY_KEYWORDS,
    DATA_SUFFIXES,
    LEDGER_TABLE,
    MAX_JOB_BYTES,
    SYSTEM_SCHEMAS,
    Base,
    CopyOptions,
    DataKey,
    Granularity,
    Job,
    LoadMode,
    Manifest,
    ManifestEntry,
    PartKey,
    candidate_config_keys,
    candidate_data_keys,
    check_destination,
    check_key,
    config_key,
    copy_option,
    data_date_now,
    data_key,
    format_data_date,
    is_run_id,
    latest_data_key,
    listing_prefixes,
    manifest_key,
    new_run_id,
    parse_config_key,
    parse_data_date,
    parse_data_key,
    parse_date_argument,
    parse_job,
    parse_part_key,
    part_key,
    partition_prefix,
)
from rio.errors import (
    ConfigError,
    ContractError,
    InvalidBase,
    InvalidDataDate,
    InvalidIdentifier,
    InvalidJob,
    InvalidKey,
    InvalidManifest,
    ReservedName,
)
from support.strategies import reserved
from tests.support.golden import assert_matches_golden, read_golden

UTC = timezone.utc
D = datetime(2026, 11, 21, 10, 15, tzinfo=UTC)
RUN_ID = "01JD7X5Q2C8Z4W6Y0V3N1B9KTM"
PARTITION = "s/users/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=21/"

# --- strategies ------------------------------------------------------------------------------------


# Names a table's artefacts can have, never a system schema's or the ledger's. Half of the names use few
# letters and many underscores, so that pairs often share flat prefixes.
identifiers = st.one_of(
    st.from_regex(r"[a-c_][a-c0-9_]{0,6}", fullmatch=True),
    st.from_regex(r"[a-z_][a-z0-9_]{0,30}", fullmatch=True),
).filter(lambda name: not reserved(name))
columns = identifiers.filter(lambda name: identifier_problem(name, kind="column") is None)
data_dates = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
).map(lambda dt: dt.replace(microsecond=0))
offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


# --- the version -----------------------------------------------------------------------------------


def test_contract_version_is_one() -> None:
    assert CONTRACT_VERSION == 1


def test_every_contract_error_is_a_contract_error_and_a_value_error() -> None:
    for error in (InvalidDataDate, InvalidBase, InvalidKey, InvalidManifest, InvalidJob):
        assert issubclass(error, ContractError)
        assert issubclass(error, ValueError)


# --- data dates ------------------------------------------------------------------------------------


def test_format_data_date_writes_utc_whole_seconds_with_z() -> None:
    assert format_data_date(D) == "2026-11-21T10:15:00Z"


def test_format_data_date_takes_a_naive_datetime_as_utc() -> None:
    assert format_data_date(datetime(2026, 11, 21, 10, 15)) == "2026-11-21T10:15:00Z"


def test_format_data_date_converts_an_aware_datetime_to_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_data_date(datetime(2026, 11, 21, 12, 15, tzinfo=plus_two)) == "2026-11-21T10:15:00Z"


def test_format_data_date_pads_years_below_1000() -> None:
    assert format_data_date(datetime(987, 1, 2, 3, 4, 5)) == "0987-01-02T03:04:05Z"


def test_format_data_date_refuses_a_fraction_of_a_second() -> None:
    with pytest.raises(InvalidDataDate, match=r"fraction of a second; a data date names files"):
        format_data_date(datetime(2026, 11, 21, 10, 15, 0, 1))


def test_format_data_date_refuses_a_date_without_time() -> None:
    from datetime import date

    with pytest.raises(InvalidDataDate, match="must be a datetime, not date"):
        format_data_date(date(2026, 11, 21))  # type: ignore[arg-type]


def test_data_date_now_is_aware_utc_whole_seconds() -> None:
    now = data_date_now()
    assert now.tzinfo is UTC
    assert now.microsecond == 0
    assert abs(datetime.now(UTC) - now) < timedelta(seconds=5)


def test_parse_data_date_reads_the_canonical_form_as_aware_utc() -> None:
    assert parse_data_date("2026-11-21T10:15:00Z") == D
    assert parse_data_date("2026-11-21T10:15:00Z").tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-21T10:15:00z",
        "2026-11-21t10:15:00Z",
        "2026-11-21 10:15:00Z",
        "2026-11-21T10:15:00+00:00",
        "2026-11-21T10:15:00.000Z",
        "2026-11-21T10:15Z",
        "2026-11-21",
        " 2026-11-21T10:15:00Z",
        "2026-11-21T10:15:00Z\n",
        "2026-13-21T10:15:00Z",
        "2026-02-30T10:15:00Z",
        "2026-11-21T24:00:00Z",
        "2026-11-21T10:15:60Z",
        "\uff12\uff10\uff12\uff16-11-21T10:15:00Z",
        "",
    ],
)
def test_parse_data_date_refuses_anything_but_the_canonical_form(text: str) -> None:
    with pytest.raises(InvalidDataDate):
        parse_data_date(text)


@given(data_dates)
def test_format_and_parse_data_date_round_trip(date: datetime) -> None:
    assert parse_data_date(format_data_date(date)) == date


@given(data_dates, offsets)
def test_format_data_date_is_the_same_instant_in_any_offset(date: datetime, offset: timezone) -> None:
    assert format_data_date(date.astimezone(offset)) == format_data_date(date)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21T10:15:00Z", D),
        ("2026-11-21t10:15:00z", D),
        ("2026-11-21 10:15:00Z", D),
        ("2026-11-21T10:15:00+00:00", D),
        ("2026-11-21T10:15:00-00:00", D),
        ("2026-11-21T12:15:00+02:00", D),
        ("2026-11-21T05:15:00-05:00", D),
        ("2026-11-21T15:45:00+05:30", D),
        ("2026-11-22T00:15:00+14:00", D),
        ("2026-11-20T23:15:00-11:00", D),
        ("  2026-11-21T10:15:00Z\n", D),
    ],
)
def test_parse_date_argument_accepts_rfc3339_forms_and_converts_to_utc(text: str, expected: datetime) -> None:
    parsed = parse_date_argument(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@given(data_dates, offsets)
def test_parse_date_argument_reads_isoformat_in_any_offset_as_the_same_instant(
    date: datetime, offset: timezone
) -> None:
    assert parse_date_argument(date.astimezone(offset).isoformat()) == date


def test_parse_date_argument_refuses_fractional_seconds_and_suggests_whole_seconds() -> None:
    with pytest.raises(InvalidDataDate) as caught:
        parse_date_argument("2026-11-21T12:15:00.250+02:00")
    assert str(caught.value) == (
        "date '2026-11-21T12:15:00.250+02:00' has fractional seconds; a data date names files and must be "
        "whole seconds, such as 2026-11-21T10:15:00Z"
    )


def test_parse_date_argument_explains_go_time_string_form() -> None:
    with pytest.raises(InvalidDataDate) as caught:
        parse_date_argument("2016-08-22 01:06:40.123456789 +0000 UTC")
    assert str(caught.value) == (
        "date '2016-08-22 01:06:40.123456789 +0000 UTC' is in the form Go's time.String() prints: the Go "
        "rio sent --date this way, and no file is named with it. Pass an RFC 3339 date-time instead; the "
        "Go rio named the manifest of that run after the nearest hour, 2016-08-22T01:00:00Z"
    )


@pytest.mark.parametrize(
    ("text", "hour"),
    [
        ("2016-08-22 01:06:40.123456789 +0000 UTC m=+0.000123", "2016-08-22T01:00:00Z"),
        ("2016-08-22 01:30:00 +0000 UTC", "2016-08-22T02:00:00Z"),
        ("2016-08-22 01:29:59.999999999 +0000 UTC", "2016-08-22T01:00:00Z"),
        ("2016-08-22 23:45:00 -0700 PDT", "2016-08-23T07:00:00Z"),
        ("2016-08-22 01:06:40 +0530 +0530", "2016-08-21T20:00:00Z"),
        ("2016-08-22 01:06:40.5 +0000 UTC m=-3.5", "2016-08-22T01:00:00Z"),
    ],
)
def test_parse_date_argument_names_the_hour_the_go_rio_used_for_go_time_strings(text: str, hour: str) -> None:
    with pytest.raises(InvalidDataDate, match=re.escape("Go's time.String()")) as caught:
        parse_date_argument(text)
    assert repr(text) in str(caught.value)
    assert str(caught.value).endswith(f"after the nearest hour, {hour}")


def test_parse_date_argument_refuses_a_date_alone_and_suggests_the_full_form() -> None:
    with pytest.raises(InvalidDataDate) as caught:
        parse_date_argument("2026-11-21")
    assert str(caught.value) == (
        "date '2026-11-21' has no time of day; a data date names files to the second, so write the full "
        "date-time, such as 2026-11-21T00:00:00Z"
    )


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "1471828000",
        "2026-11-21T10:15",
        "2026-11-21T10:15:00",
        "21/11/2026 10:15",
        "2026-11-21T10:15:00+0200",
    ],
)
def test_parse_date_argument_refuses_other_text_quoting_it(text: str) -> None:
    with pytest.raises(InvalidDataDate) as caught:
        parse_date_argument(text)
    assert str(caught.value) == (
        f"date {text!r} is not an RFC 3339 date-time; write one such as 2026-11-21T10:15:00Z or "
        "2026-11-21T11:15:00+01:00"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-21T10:15:00+24:00", "impossible UTC offset +24:00"),
        ("2026-02-30T10:15:00Z", "is not a real date-time"),
        ("2026-11-21T10:15:60Z", "is not a real date-time"),
    ],
)
def test_parse_date_argument_refuses_impossible_values(text: str, reason: str) -> None:
    with pytest.raises(InvalidDataDate, match=re.escape(reason)) as caught:
        parse_date_argument(text)
    assert repr(text) in str(caught.value)


def test_parse_date_argument_refuses_a_non_string() -> None:
    with pytest.raises(InvalidDataDate, match="a date must be a string, not the number 1471828000"):
        parse_date_argument(1471828000)  # type: ignore[arg-type]


# --- run ids ---------------------------------------------------------------------------------------


def test_new_run_id_is_26_crockford_base32_characters() -> None:
    run_id = new_run_id()
    assert len(run_id) == 26
    assert set(run_id) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert is_run_id(run_id)


def test_new_run_id_encodes_the_millisecond_time_first() -> None:
    # The ULID specification's example: 1469918176385 ms encodes as 01ARYZ6S41.
    now = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=1469918176385)
    assert new_run_id(now)[:10] == "01ARYZ6S41"
    assert new_run_id(datetime(1970, 1, 1, tzinfo=UTC))[:10] == "0000000000"


def test_new_run_id_takes_a_naive_time_as_utc() -> None:
    assert new_run_id(datetime(2026, 11, 21, 10, 15))[:10] == new_run_id(D)[:10]


def test_new_run_ids_sort_in_time_order() -> None:
    ids = [new_run_id(D + timedelta(milliseconds=step)) for step in (0, 1, 999, 1000, 86_400_000)]
    assert ids == sorted(ids)


def test_new_run_ids_at_the_same_millisecond_differ_in_their_random_part() -> None:
    ids = {new_run_id(D) for _ in range(1000)}
    assert len(ids) == 1000
    assert {run_id[:10] for run_id in ids} == {new_run_id(D)[:10]}


def test_new_run_id_refuses_a_time_before_1970() -> None:
    with pytest.raises(InvalidKey, match="between 1970 and 10889"):
        new_run_id(datetime(1969, 12, 31, tzinfo=UTC))


@pytest.mark.parametrize(
    "text",
    [
        "01jd7x5q2c8z4w6y0v3n1b9ktm",
        "01JD7X5Q2C8Z4W6Y0V3N1B9KT",
        "01JD7X5Q2C8Z4W6Y0V3N1B9KTMM",
        "81JD7X5Q2C8Z4W6Y0V3N1B9KTM",
        "01JD7X5Q2C8Z4W6Y0V3N1B9KTI",
        "01JD7X5Q2C8Z4W6Y0V3N1B9KTL",
        "01JD7X5Q2C8Z4W6Y0V3N1B9KTO",
        "01JD7X5Q2C8Z4W6Y0V3N1B9KTU",
        "",
        None,
    ],
)
def test_is_run_id_refuses_other_text(text: object) -> None:
    assert not is_run_id(text)


# --- bases -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical", "bucket", "prefix"),
    [
        ("s3://bucket", "s3://bucket", "bucket", ""),
        ("s3://bucket/", "s3://bucket", "bucket", ""),
        ("s3://my.bucket-1/rio", "s3://my.bucket-1/rio", "my.bucket-1", "rio"),
        ("s3://bucket/a/b/", "s3://bucket/a/b", "bucket", "a/b"),
        ("s3://bucket//a/b//", "s3://bucket/a/b", "bucket", "a/b"),
        ("s3://" + "b" * 63, "s3://" + "b" * 63, "b" * 63, ""),
    ],
)
def test_base_parse_reads_s3_bases(text: str, canonical: str, bucket: str, prefix: str) -> None:
    base = Base.parse(text)
    assert (base.scheme, base.bucket, base.prefix, base.path) == ("s3", bucket, prefix, None)
    assert str(base) == canonical
    assert Base.parse(str(base)) == base


@pytest.mark.parametrize(
    ("text", "path", "canonical"),
    [
        ("file:///var/rio", "/var/rio", "file:///var/rio"),
        ("file:///var/rio/", "/var/rio", "file:///var/rio"),
        ("file:////var//rio/./x/..", "/var/rio", "file:///var/rio"),
        ("file:///", "/", "file:///"),
        ("/var/rio", "/var/rio", "file:///var/rio"),
        ("/var/my rio", "/var/my rio", "file:///var/my rio"),
    ],
)
def test_base_parse_reads_local_directories(text: str, path: str, canonical: str) -> None:
    base = Base.parse(text)
    assert (base.scheme, base.bucket, base.prefix, base.path) == ("file", None, "", path)
    assert str(base) == canonical
    assert Base.parse(str(base)) == base


def test_base_parse_makes_a_plain_path_absolute_against_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Base.parse("out/rio").path == os.path.join(os.getcwd(), "out", "rio")
    assert Base.parse(".").path == os.getcwd()
    assert Base.parse("./a:b").path == os.path.join(os.getcwd(), "a:b")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("http://example.com/x", "is not one rio can use"),
        ("https://bucket.s3.amazonaws.com/x", "is not one rio can use"),
        ("s3://", "names no bucket"),
        ("s3:///prefix", "names no bucket"),
        ("s3:/x", "is not one rio can use"),
        ("s3:bucket", "is not one rio can use"),
        ("S3://Bucket", "is not one rio can use"),
        ("s3://Bucket", "may hold only lower-case letters"),
        ("s3://my_bucket", "may hold only lower-case letters"),
        ("s3://-bucket", "must start and end with a letter or digit"),
        ("s3://bucket-", "must start and end with a letter or digit"),
        ("s3://ab", "has 2 characters; S3 bucket names have 3 to 63"),
        ("s3://" + "b" * 64, "has 64 characters"),
        ("s3://my..bucket", "two adjacent periods"),
        ("s3://192.168.1.1", "formatted as an IP address"),
        ("s3://bucket/a/../b", "has a '..' segment"),
        ("s3://bucket/a/./b", "has a '.' segment"),
        ("s3://bucket/a\nb", "control character '\\n'"),
        ("file://host/path", "three slashes, no host"),
        ("file:relative", "is not one rio can use"),
        ("file:///var/\x00rio", "control character '\\x00'"),
        ("ftp://bucket", "is not one rio can use"),
        ("gs://bucket", "is not one rio can use"),
        ("dir/with://inside", "is not one rio can use"),
    ],
)
def test_base_parse_refuses_other_forms_and_says_what_is_accepted(text: str, reason: str) -> None:
    with pytest.raises(InvalidBase) as caught:
        Base.parse(text)
    assert reason in str(caught.value)
    assert "s3://bucket, s3://bucket/prefix, file:///absolute/path or a directory path" in str(caught.value)


def test_base_refuses_a_non_normalised_direct_construction() -> None:
    with pytest.raises(InvalidBase, match="has an empty segment"):
        Base("s3", "bucket", "/a/")
    with pytest.raises(InvalidBase, match="is not normalised"):
        Base("file", path="/var/rio/")
    with pytest.raises(InvalidBase, match="scheme 'gs'"):
        Base("gs", "bucket")


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("s3://bucket", "s3://bucket/s/t/x.json.gz"),
        ("s3://bucket/pre/fix", "s3://bucket/pre/fix/s/t/x.json.gz"),
        ("file:///var/rio", "file:///var/rio/s/t/x.json.gz"),
        ("file:///", "file:///s/t/x.json.gz"),
    ],
)
def test_base_url_joins_a_key_and_key_of_inverts_it(base: str, url: str) -> None:
    parsed = Base.parse(base)
    assert parsed.url("s/t/x.json.gz") == url
    assert parsed.key_of(url) == "s/t/x.json.gz"


@pytest.mark.parametrize(
    "url",
    [
        "s3://other/pre/s/t/x.json.gz",
        "s3://bucket/prefix/s/t/x.json.gz",
        "s3://bucket/pre",
        "s3://bucket/pre/",
        "s3://bucket/pre/../x",
        "s3://bucket/pre//x",
        "s3://bucket/pre/x/",
        "file:///bucket/pre/x",
        "S3://bucket/pre/x",
    ],
)
def test_base_key_of_is_none_outside_the_base(url: str) -> None:
    assert Base.parse("s3://bucket/pre").key_of(url) is None


def test_base_url_refuses_an_s3_key_longer_than_1024_bytes_with_its_prefix() -> None:
    base = Base.parse("s3://bucket/" + "p" * 100)
    assert base.url("k" * 923) == "s3://bucket/" + "p" * 100 + "/" + "k" * 923
    with pytest.raises(InvalidKey, match="makes an S3 key of 1025 bytes"):
        base.url("k" * 924)


@pytest.mark.parametrize(
    "key", ["x", "a/b/c.json.gz", "config_s_t_2026-11-21T10:15:00Z.yml", "a b/ç", "k" * 1024]
)
def test_check_key_returns_a_valid_key(key: str) -> None:
    assert check_key(key) == key


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "is empty"),
        ("/abs", "starts with '/'"),
        ("/", "starts with '/'"),
        ("../x", "has a '..' segment"),
        ("a/../../x", "has a '..' segment"),
        ("..", "has a '..' segment"),
        ("./x", "has a '.' segment"),
        ("a//b", "has an empty segment"),
        ("a/", "has an empty segment"),
        ("a\x00b", "control character '\\x00'"),
        ("a\nb", "control character '\\n'"),
        ("a\x7fb", "control character '\\x7f'"),
        ("a\x85b", "control character '\\x85'"),
        ("a\ud800b", "not valid UTF-8"),
        ("k" * 1025, "is 1025 bytes long"),
        ("é" * 513, "is 1026 bytes long"),
    ],
)
def test_check_key_refuses_keys_that_escape_or_break_the_base(key: str, reason: str) -> None:
    with pytest.raises(InvalidKey, match=r"^key ") as caught:
        check_key(key)
    assert reason in str(caught.value)


def test_check_key_refuses_a_non_string() -> None:
    with pytest.raises(InvalidKey, match="must be a string, not the number 1"):
        check_key(1)  # type: ignore[arg-type]


# --- keys ------------------------------------------------------------------------------------------


def test_key_builders_match_the_golden_file() -> None:
    schema, table = "analytics", "page_views"
    lines = [
        f"part: {part_key(schema, table, RUN_ID, 7)}",
        f"manifest: {manifest_key(schema, table, D)}",
        f"config: {config_key(schema, table, D)}",
        f"data flat json.gz: {data_key(schema, table, D, 'json.gz')}",
        f"data partitioned manifest: {data_key(schema, table, D, 'manifest', partitioned=True)}",
        f"partition prefix: {partition_prefix(schema, table, D)}",
        *(f"candidate data key {n}: {key}" for n, key in enumerate(candidate_data_keys(schema, table, D))),
        *(
            f"candidate config key {n}: {key}"
            for n, key in enumerate(candidate_config_keys(schema, table, D))
        ),
        *(f"listing prefix {n}: {prefix}" for n, prefix in enumerate(listing_prefixes(schema, table))),
    ]
    assert_matches_golden("contract/keys.txt", "\n".join(lines) + "\n")


def test_part_key_zero_pads_so_a_listing_sorts_in_part_order() -> None:
    keys = [part_key("s", "t", RUN_ID, n) for n in (0, 2, 10, 999_999, 1_000_000)]
    assert keys[0] == f"s/t/parts/{RUN_ID}/000000.json.gz"
    assert keys[-1] == f"s/t/parts/{RUN_ID}/1000000.json.gz"
    assert sorted(keys[:4]) == keys[:4]


@pytest.mark.parametrize("number", [-1, True, 1.0, "1"])
def test_part_key_refuses_a_number_that_is_not_a_non_negative_integer(number: object) -> None:
    with pytest.raises(InvalidKey, match="must be an integer >= 0"):
        part_key("s", "t", RUN_ID, number)  # type: ignore[arg-type]


def test_part_key_refuses_a_run_id_that_is_not_a_ulid() -> None:
    with pytest.raises(InvalidKey, match="run id '1471828000' is not a ULID"):
        part_key("s", "t", "1471828000", 0)


@given(identifiers, identifiers, st.integers(min_value=0, max_value=10**9))
def test_part_key_round_trips_through_parse_part_key(schema: str, table: str, number: int) -> None:
    run_id = new_run_id()
    assert parse_part_key(part_key(schema, table, run_id, number)) == PartKey(schema, table, run_id, number)


@pytest.mark.parametrize(
    "key",
    [
        f"s/t/parts/{RUN_ID}/7.json.gz",
        f"s/t/parts/{RUN_ID}/0000007.json.gz",
        f"s/t/parts/{RUN_ID}/000007.json",
        f"s/t/parts/{RUN_ID}/000007.json.gz.tmp",
        f"s/t/part/{RUN_ID}/000007.json.gz",
        f"s/t/parts/{RUN_ID.lower()}/000007.json.gz",
        f"x/s/t/parts/{RUN_ID}/000007.json.gz",
        f"S/t/parts/{RUN_ID}/000007.json.gz",
        f"s/t/parts/{RUN_ID}/sub/000007.json.gz",
        "s_t_1471828000_0.json.gz",
        "s_t_2026-11-21T10:15:00Z.manifest",
    ],
)
def test_parse_part_key_refuses_other_keys(key: str) -> None:
    assert parse_part_key(key) is None


@pytest.mark.parametrize(
    ("schema", "table", "kind"),
    [
        ("S", "t", "schema"),
        ("s", "t-1", "table"),
        ("s; rm -rf /", "t", "schema"),
        ("s", "", "table"),
        ("s", "a/b", "table"),
    ],
)
def test_key_builders_refuse_invalid_identifiers(schema: str, table: str, kind: str) -> None:
    builders = [
        lambda: part_key(schema, table, RUN_ID, 0),
        lambda: manifest_key(schema, table, D),
        lambda: config_key(schema, table, D),
        lambda: data_key(schema, table, D, "json"),
        lambda: partition_prefix(schema, table, D),
        lambda: listing_prefixes(schema, table),
        lambda: parse_data_key("x", schema, table),
        lambda: parse_config_key("x", schema, table),
        lambda: latest_data_key([], schema, table),
    ]
    for build in builders:
        with pytest.raises(InvalidIdentifier, match=f"^{kind} name "):
            build()


@pytest.mark.parametrize(
    ("schema", "table", "named"),
    [("pg_catalog", "t", "schema 'pg_catalog'"), ("PG_Catalog", "t", "schema 'PG_Catalog'"),
     ("information_schema", "t", "schema 'information_schema'"), ("s", "rio_loads", "table 'rio_loads'"),
     ("s", "RIO_LOADS", "table 'RIO_LOADS'")],
)  # fmt: skip
def test_key_builders_refuse_a_destination_rio_never_loads_into(schema: str, table: str, named: str) -> None:
    # A pipe for such a table fails as it starts: it cannot name its first part.
    builders = [
        lambda: part_key(schema, table, RUN_ID, 0),
        lambda: manifest_key(schema, table, D),
        lambda: config_key(schema, table, D),
        lambda: listing_prefixes(schema, table),
    ]
    for build in builders:
        with pytest.raises(ReservedName, match=f"^{named} "):
            build()


def test_key_builders_refuse_an_identifier_with_a_control_character() -> None:
    with pytest.raises(InvalidKey, match="control character"):
        manifest_key("s", "t\x85", D)


def test_key_builders_refuse_a_fractional_date() -> None:
    with pytest.raises(InvalidDataDate):
        manifest_key("s", "t", D.replace(microsecond=5))


def test_data_key_refuses_an_unknown_suffix() -> None:
    with pytest.raises(InvalidKey, match=re.escape("data suffix 'gz' is not one of manifest, json.gz, json")):
        data_key("s", "t", D, "gz")


def test_manifest_and_config_keys_use_the_date_in_utc() -> None:
    tokyo = timezone(timedelta(hours=9))
    assert manifest_key("s", "users", D.astimezone(tokyo)) == "s_users_2026-11-21T10:15:00Z.manifest"
    assert config_key("s", "users", D.astimezone(tokyo)) == "config_s_users_2026-11-21T10:15:00Z.yml"


def test_partition_prefix_uses_the_utc_day() -> None:
    late = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    in_tokyo = late.astimezone(timezone(timedelta(hours=9)))
    assert partition_prefix("s", "users", in_tokyo) == (
        "s/users/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=21/"
    )


def test_candidate_data_keys_follow_the_go_probe_order_flat_then_partitioned() -> None:
    assert candidate_data_keys("s", "users", D) == [
        "s_users_2026-11-21T10:15:00Z.manifest",
        "s_users_2026-11-21T10:15:00Z.json.gz",
        "s_users_2026-11-21T10:15:00Z.json",
        PARTITION + "s_users_2026-11-21T10:15:00Z.manifest",
        PARTITION + "s_users_2026-11-21T10:15:00Z.json.gz",
        PARTITION + "s_users_2026-11-21T10:15:00Z.json",
    ]


def test_candidate_config_keys_are_flat_then_in_the_partition_folder() -> None:
    assert candidate_config_keys("s", "users", D) == [
        "config_s_users_2026-11-21T10:15:00Z.yml",
        PARTITION + "config_s_users_2026-11-21T10:15:00Z.yml",
    ]


def test_listing_prefixes_cover_both_layouts() -> None:
    assert listing_prefixes("s", "users") == ["s_users_", "s/users/_data_timestamp_year="]


def test_listing_prefixes_match_every_candidate_key() -> None:
    prefixes = listing_prefixes("s", "users")
    for key in candidate_data_keys("s", "users", D):
        assert any(key.startswith(prefix) for prefix in prefixes)


@given(identifiers, identifiers, data_dates, st.sampled_from(DATA_SUFFIXES), st.booleans())
def test_data_key_round_trips_through_parse_data_key(
    schema: str, table: str, date: datetime, suffix: str, partitioned: bool
) -> None:
    key = data_key(schema, table, date, suffix, partitioned=partitioned)
    layout = "partitioned" if partitioned else "flat"
    assert parse_data_key(key, schema, table) == DataKey(key, schema, table, date, suffix, layout)


@given(identifiers, identifiers, data_dates)
def test_manifest_key_round_trips_through_parse_data_key(schema: str, table: str, date: datetime) -> None:
    key = manifest_key(schema, table, date)
    assert parse_data_key(key, schema, table) == DataKey(key, schema, table, date, "manifest", "flat")


@given(identifiers, identifiers, data_dates)
def test_config_keys_round_trip_through_parse_config_key(schema: str, table: str, date: datetime) -> None:
    for key in candidate_config_keys(schema, table, date):
        assert parse_config_key(key, schema, table) == date
        assert parse_data_key(key, schema, table) is None


@given(identifiers, identifiers, identifiers, identifiers, data_dates, st.sampled_from(DATA_SUFFIXES))
@example("a_b", "c", "a", "b_c", D, "manifest")
@example("s", "users", "s", "users_archive", D, "json.gz")
def test_a_data_key_never_parses_for_a_table_with_another_flat_name(
    schema: str, table: str, other_schema: str, other_table: str, date: datetime, suffix: str
) -> None:
    flat = data_key(schema, table, date, suffix)
    partitioned = data_key(schema, table, date, suffix, partitioned=True)
    same_flat_name = f"{schema}_{table}" == f"{other_schema}_{other_table}"
    assert (parse_data_key(flat, other_schema, other_table) is not None) == same_flat_name
    same_table = (schema, table) == (other_schema, other_table)
    assert (parse_data_key(partitioned, other_schema, other_table) is not None) == same_table


@pytest.mark.parametrize(
    ("key", "schema", "table"),
    [
        ("s_users_archive_2026-11-21T10:15:00Z.manifest", "s", "users"),
        ("s_users_archive_2026-11-21T10:15:00Z.json.gz", "s", "users"),
        ("s_users_2026_2026-11-21T10:15:00Z.manifest", "s", "users"),
        ("s_users_x_2026-11-21T10:15:00Z.json", "s", "users"),
        ("s_users2_2026-11-21T10:15:00Z.manifest", "s", "users"),
        ("s_s_users_2026-11-21T10:15:00Z.manifest", "s", "users"),
        ("ss_users_2026-11-21T10:15:00Z.manifest", "s", "users"),
        ("s_users_2026-11-21T10:15:00Z.manifest", "s", "users_2026"),
        ("s_users_2026-11-21T10:15:00Z.manifest", "s", "user"),
        ("s_users_2026-11-21T10:15:00Z.manifest", "s_u", "sers"),
        (
            "s/users_archive/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=21/"
            "s_users_archive_2026-11-21T10:15:00Z.manifest",
            "s",
            "users",
        ),
        (PARTITION + "s_users_archive_2026-11-21T10:15:00Z.manifest", "s", "users"),
        (PARTITION + "s_users_2026-11-21T10:15:00Z.manifest", "s", "users_archive"),
        (
            "s_users/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=21/"
            "s_users_2026-11-21T10:15:00Z.manifest",
            "s",
            "users",
        ),
    ],
)
def test_parse_data_key_refuses_keys_of_other_tables_sharing_a_prefix(
    key: str, schema: str, table: str
) -> None:
    assert parse_data_key(key, schema, table) is None


def test_parse_data_key_reads_the_key_of_a_table_whose_name_extends_another() -> None:
    key = "s_users_archive_2026-11-21T10:15:00Z.manifest"
    parsed = parse_data_key(key, "s", "users_archive")
    assert parsed == DataKey(key, "s", "users_archive", D, "manifest", "flat")


@pytest.mark.parametrize(
    "name",
    [
        "s_users_2026-11-21T10:15:00.5Z.manifest",
        "s_users_2026-11-21T10:15:00.000Z.manifest",
        "s_users_2026-11-21T10:15:00.123456789Z.json.gz",
    ],
)
def test_parse_data_key_refuses_fractional_seconds(name: str) -> None:
    assert parse_data_key(name, "s", "users") is None
    assert parse_data_key(PARTITION + name, "s", "users") is None


@pytest.mark.parametrize(
    "name",
    [
        "s_users_2026-11-21T10:15:00+00:00.manifest",
        "s_users_2026-11-21T12:15:00+02:00.manifest",
        "s_users_2026-11-21T05:15:00-05:00.json.gz",
        "s_users_2026-11-21T10:15:00z.manifest",
        "s_users_2026-11-21t10:15:00Z.manifest",
        "s_users_2026-11-21T10:15Z.manifest",
        "s_users_1471828000.manifest",
    ],
)
def test_parse_data_key_refuses_non_canonical_timestamps(name: str) -> None:
    assert parse_data_key(name, "s", "users") is None
    assert parse_data_key(PARTITION + name, "s", "users") is None


@pytest.mark.parametrize(
    "folder",
    [
        "s/users/_data_timestamp_year=2025/_data_timestamp_month=11/_data_timestamp_day=21/",
        "s/users/_data_timestamp_year=2026/_data_timestamp_month=12/_data_timestamp_day=21/",
        "s/users/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=22/",
        "s/users/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=1/",
        "s/users/_data_timestamp_year=2026/_data_timestamp_month=011/_data_timestamp_day=21/",
        "s/users/_data_timestamp_year=2026/_data_timestamp_month=11/",
        "s/users/_data_timestamp_year=2026/_data_timestamp_day=21/_data_timestamp_month=11/",
        "s/users/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=21/extra/",
        "x/s/users/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=21/",
        "s/users/2026/11/21/",
        "t/users/_data_timestamp_year=2026/_data_timestamp_month=11/_data_timestamp_day=21/",
    ],
)
def test_parse_data_key_refuses_a_partition_folder_that_disagrees(folder: str) -> None:
    key = folder + "s_users_2026-11-21T10:15:00Z.manifest"
    assert parse_data_key(key, "s", "users") is None
    assert parse_config_key(folder + "config_s_users_2026-11-21T10:15:00Z.yml", "s", "users") is None


@pytest.mark.parametrize(
    "key",
    [
        "s_users_2026-11-21 10:15:00Z.manifest",
        "s_users_2026-11-21T10:15:00Z.manifest ",
        " s_users_2026-11-21T10:15:00Z.manifest",
        "s_users_2026-11-21T10:15:00Z .manifest",
        "s_users_2016-08-22 01:06:40.123456789 +0000 UTC.manifest",
    ],
)
def test_parse_data_key_refuses_keys_with_spaces(key: str) -> None:
    assert parse_data_key(key, "s", "users") is None


def test_parse_config_key_refuses_the_go_rio_config_name_with_spaces() -> None:
    key = "config_s_users_2016-08-22 01:06:40.123456789 +0000 UTC.yml"
    assert parse_config_key(key, "s", "users") is None


@pytest.mark.parametrize(
    "key",
    [
        "s_users_2026-11-21T10:15:00Z.json.gz.bak",
        "s_users_2026-11-21T10:15:00Z.yml",
        "s_users_2026-11-21T10:15:00Z.gz",
        "s_users_2026-11-21T10:15:00Z..gz",
        "s_users_2026-11-21T10:15:00Z.",
        "s_users_2026-11-21T10:15:00Z",
        "s_users_2026-11-21T10:15:00Z.MANIFEST",
        "s_users_2026-11-21T10:15:00Z.manifest.json",
        "s_users_2026-11-21T10:15:00Z.csv",
        "s_users_2026-11-21T10:15:00Z.manifest/",
        "config_s_users_2026-11-21T10:15:00Z.yml",
        PARTITION + "config_s_users_2026-11-21T10:15:00Z.yml",
        f"s/users/parts/{RUN_ID}/000000.json.gz",
        "s_users_1471828000_0.json.gz",
        "/s_users_2026-11-21T10:15:00Z.manifest",
        "x/s_users_2026-11-21T10:15:00Z.manifest",
        "",
    ],
)
def test_parse_data_key_refuses_other_files(key: str) -> None:
    assert parse_data_key(key, "s", "users") is None


@pytest.mark.parametrize(
    "key",
    [
        "config_s_users_2026-11-21T10:15:00Z.yaml",
        "config_s_users_2026-11-21T10:15:00Z.yml.gz",
        "config_s_users_archive_2026-11-21T10:15:00Z.yml",
        "config_s_users_2026-11-21T10:15:00.5Z.yml",
        "config_s_users_2026-11-21T10:15:00+00:00.yml",
        "s_users_2026-11-21T10:15:00Z.manifest",
        "x/config_s_users_2026-11-21T10:15:00Z.yml",
    ],
)
def test_parse_config_key_refuses_other_files(key: str) -> None:
    assert parse_config_key(key, "s", "users") is None


def test_latest_data_key_picks_by_the_timestamp_not_by_lexicographic_order() -> None:
    keys = [
        "s_users_2026-11-21T10:15:00Z.manifest",
        PARTITION.replace("day=21", "day=09").replace("month=11", "month=12")
        + "s_users_2026-12-09T00:00:00Z.json",
        "s_users_2026-12-01T00:00:00Z.manifest",
        "s_users_archive_2027-01-01T00:00:00Z.manifest",
        "s_users_2027-01-01T00:00:00.5Z.manifest",
        "s_users_2027-01-01T00:00:00Z.manifest.bak",
    ]
    # Lexicographically the partitioned key sorts first and the flat 2026-12-01 key last.
    latest = latest_data_key(keys, "s", "users")
    assert latest is not None
    assert latest.date == datetime(2026, 12, 9, tzinfo=UTC)
    assert latest.layout == "partitioned"


def test_latest_data_key_does_not_depend_on_listing_order() -> None:
    keys = [
        "s_users_2026-11-21T10:15:00Z.json",
        "s_users_2026-11-21T09:15:00Z.manifest",
        "s_users_2026-11-21T10:15:00Z.manifest",
    ]
    assert latest_data_key(keys, "s", "users") == latest_data_key(reversed(keys), "s", "users")
    latest = latest_data_key(iter(keys), "s", "users")
    assert latest is not None
    assert latest.key == "s_users_2026-11-21T10:15:00Z.manifest"


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ([0, 1, 2, 3, 4, 5], 0),
        ([1, 2, 3, 4, 5], 1),
        ([2, 3, 4, 5], 2),
        ([2, 5, 4], 2),
        ([3, 4, 5], 3),
        ([5, 4], 4),
        ([5], 5),
    ],
)
def test_latest_data_key_prefers_the_key_probed_first_for_one_date(present: list[int], expected: int) -> None:
    candidates = candidate_data_keys("s", "users", D)
    keys = [candidates[index] for index in reversed(present)]
    latest = latest_data_key(keys, "s", "users")
    assert latest is not None
    assert latest.key == candidates[expected]


def test_latest_data_key_is_none_without_a_data_key_of_the_table() -> None:
    keys = ["s_users_archive_2026-11-21T10:15:00Z.manifest", "config_s_users_2026-11-21T10:15:00Z.yml"]
    assert latest_data_key(keys, "s", "users") is None
    assert latest_data_key([], "s", "users") is None


# --- manifests -------------------------------------------------------------------------------------


def _three_part_manifest() -> Manifest:
    return Manifest(
        tuple(
            ManifestEntry(f"s3://bucket/rio/analytics/page_views/parts/{RUN_ID}/{n:06d}.json.gz", True, size)
            for n, size in enumerate((10_485_911, 10_486_002, 3_127))
        )
    )


def test_manifest_to_json_matches_the_golden_file() -> None:
    assert_matches_golden("contract/manifest.json", _three_part_manifest().to_json())


def test_manifest_golden_file_reads_back_as_the_same_manifest() -> None:
    assert Manifest.from_json(read_golden("contract/manifest.json")) == _three_part_manifest()


def test_manifest_to_json_writes_redshift_format_exactly() -> None:
    manifest = Manifest((ManifestEntry("s3://b-1/k", True, 5), ManifestEntry("s3://b-1/k2", False)))
    assert manifest.to_json() == (
        b'{"entries":[{"url":"s3://b-1/k","mandatory":true,"meta":{"content_length":5}},'
        b'{"url":"s3://b-1/k2","mandatory":false}]}'
    )


def test_manifest_to_json_keeps_non_ascii_urls_as_utf8() -> None:
    manifest = Manifest((ManifestEntry("s3://bucket/données/é.json.gz", True),))
    assert (
        manifest.to_json()
        == '{"entries":[{"url":"s3://bucket/données/é.json.gz","mandatory":true}]}'.encode()
    )


def test_manifest_entry_mandatory_defaults_to_false_as_in_redshift() -> None:
    assert ManifestEntry("s3://bucket/k").mandatory is False
    manifest = Manifest.from_json(b'{"entries":[{"url":"s3://bucket/k"}]}')
    assert manifest.entries == (ManifestEntry("s3://bucket/k", False, None),)


def test_manifest_to_json_refuses_an_empty_manifest() -> None:
    with pytest.raises(InvalidManifest, match="COPY fails when it finds no files"):
        Manifest(()).to_json()


def test_manifest_keeps_a_url_listed_twice() -> None:
    data = b'{"entries":[{"url":"s3://bucket/k","mandatory":true},{"url":"s3://bucket/k","mandatory":true}]}'
    manifest = Manifest.from_json(data)
    assert manifest.urls == ("s3://bucket/k", "s3://bucket/k")
    assert manifest.to_json() == data


def test_manifest_from_json_ignores_unknown_keys() -> None:
    data = (
        '{"entries":[{"url":"s3://bucket/k","mandatory":true,"extra":1,"meta":{"content_length":3,'
        '"record_count":9}}],"schema":{"elements":[]},"author":"UNLOAD"}'
    )
    assert Manifest.from_json(data) == Manifest((ManifestEntry("s3://bucket/k", True, 3),))


def test_manifest_from_json_reads_file_urls() -> None:
    manifest = Manifest.from_json('{"entries":[{"url":"file:///var/rio/s/t/x.json.gz","mandatory":true}]}')
    assert manifest.urls == ("file:///var/rio/s/t/x.json.gz",)


def test_manifest_from_json_reads_legacy_bucket_names() -> None:
    manifest = Manifest.from_json('{"entries":[{"url":"s3://Old_Bucket/k"}]}')
    assert manifest.urls == ("s3://Old_Bucket/k",)


def _manifest_error(data: bytes | str) -> str:
    with pytest.raises(InvalidManifest) as caught:
        Manifest.from_json(data, source="s3://bucket/s_t_2026-11-21T10:15:00Z.manifest")
    message = str(caught.value)
    assert message.startswith("s3://bucket/s_t_2026-11-21T10:15:00Z.manifest: ")
    return message.split(": ", 1)[1]


@pytest.mark.parametrize("data", [b"", b"   \n\t", "", " \n"])
def test_manifest_from_json_refuses_an_empty_file(data: bytes | str) -> None:
    assert _manifest_error(data) == "is empty; a manifest lists the files COPY loads"


def test_manifest_from_json_refuses_a_gzip_compressed_manifest() -> None:
    data = gzip.compress(_three_part_manifest().to_json())
    assert _manifest_error(data) == (
        "is gzip-compressed; Redshift requires an uncompressed manifest, even when the data files are "
        "compressed (the Go rio gzip'd its manifests)"
    )


def test_manifest_from_json_refuses_bytes_that_are_not_utf8() -> None:
    data = '{"entries":[{"url":"s3://bucket/é"}]}'.encode("latin-1")
    assert _manifest_error(data) == (
        "is not UTF-8 (invalid continuation byte at byte 32); Redshift reads manifests as UTF-8"
    )


@pytest.mark.parametrize(
    "data", [b'\xef\xbb\xbf{"entries":[{"url":"s3://bucket/k"}]}', '\ufeff{"entries":[]}']
)
def test_manifest_from_json_refuses_a_byte_order_mark(data: bytes | str) -> None:
    assert (
        _manifest_error(data)
        == "starts with a UTF-8 byte order mark; write the manifest as UTF-8 without one"
    )


@pytest.mark.parametrize(
    ("data", "position"),
    [
        (b"{bad", "Expecting property name enclosed in double quotes at line 1 column 2"),
        (b'{"entries":[{"url":"s3://bucket/k"}]', "Expecting ',' delimiter at line 1 column 37"),
        (b'{"entries":[]} x', "Extra data at line 1 column 16"),
        (b"{'entries':[]}", "Expecting property name enclosed in double quotes at line 1 column 2"),
    ],
)
def test_manifest_from_json_refuses_malformed_json_with_its_position(data: bytes, position: str) -> None:
    assert _manifest_error(data) == f"Manifest file is not in correct json format: {position}"


def test_manifest_from_json_refuses_duplicate_keys() -> None:
    data = b'{"entries":[{"url":"s3://bucket/a","url":"s3://bucket/b"}]}'
    assert _manifest_error(data) == (
        "Manifest file is not in correct json format: the key 'url' appears twice in one object"
    )


def test_manifest_from_json_names_no_repeated_key_of_another_format() -> None:
    data = b'{"db_password":"a","db_password":"hunter2"}'
    assert (
        _manifest_error(data)
        == "Manifest file is not in correct json format: a key appears twice in one object"
    )


@pytest.mark.parametrize(
    ("data", "secrets"),
    [
        (b"root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/zsh\n",
         ["root", "alice", "bash"]),
        (b'"sk-live-S3CRET"', ["sk-live", "S3CRET"]),
        (b'["S3CRET", {"url": "s3://S3CRET/k"}]', ["S3CRET"]),
        (b'{"aws_secret_access_key": "wJalr-S3CRET", "region": "eu-west-1"}',
         ["aws_secret", "wJalr", "eu-west"]),
        (b'{"files": [{"url": "s3://S3CRET/k"}]}', ["S3CRET", "files"]),
        (b'{"S3CRET": 1, "S3CRET": 2}', ["S3CRET"]),
        (b'{"a": "S3CRET\x01"}', ["S3CRET"]),
        (b"password = S3CRET\n", ["password", "S3CRET"]),
        (bytes(range(1, 128)) * 3, ["abcdef", "ABCDEF", "0123"]),
    ],
)  # fmt: skip
def test_manifest_from_json_never_echoes_a_file_that_is_not_a_manifest(
    data: bytes, secrets: list[str]
) -> None:
    message = _manifest_error(data)
    for secret in secrets:
        assert secret not in message, message


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_manifest_from_json_refuses_nan_and_infinity(constant: str) -> None:
    data = '{"entries":[{"url":"s3://bucket/k","meta":{"content_length":' + constant + "}}]}"
    assert (
        _manifest_error(data)
        == f"Manifest file is not in correct json format: {constant} is not a JSON number"
    )


def test_manifest_from_json_refuses_json_nested_too_deeply() -> None:
    assert (
        _manifest_error("[" * 100_000) == "Manifest file is not in correct json format: it nests too deeply"
    )


@pytest.mark.parametrize(
    ("data", "found"),
    [
        ('[{"url":"s3://bucket/k"}]', "a list"),
        ('"s3://bucket/k"', "a string"),
        ("42", "a number"),
        ("null", "null"),
        ("true", "a boolean"),
    ],
)
def test_manifest_from_json_refuses_a_root_that_is_not_an_object(data: str, found: str) -> None:
    # Only the kind: a file that is not a manifest may be any file, and its text is not repeated.
    assert _manifest_error(data) == f"Root must be a json object in the manifest file; this one is {found}"


def test_manifest_from_json_refuses_missing_entries() -> None:
    assert (
        _manifest_error(b'{"files":[]}')
        == "Manifest file is not in expected format - 'entries' field missing"
    )


def test_manifest_from_json_refuses_null_entries_the_go_rio_wrote() -> None:
    assert _manifest_error(b'{"entries":null}') == (
        "'entries' is null, so COPY would find no files (the Go rio wrote {\"entries\":null} for an empty "
        "pipe)"
    )


def test_manifest_from_json_refuses_entries_that_are_not_a_list() -> None:
    assert (
        _manifest_error(b'{"entries":{"url":"s3://bucket/k"}}') == "'entries' must be a list, not an object"
    )


def test_manifest_from_json_refuses_no_entries() -> None:
    assert (
        _manifest_error(b'{"entries":[]}') == "'entries' is empty; COPY fails when a manifest names no files"
    )


def test_manifest_from_json_refuses_an_entry_that_is_not_an_object() -> None:
    data = b'{"entries":[{"url":"s3://bucket/k"},"s3://bucket/k2"]}'
    assert _manifest_error(data) == 'entries[1] must be a json object, not the string "s3://bucket/k2"'


def test_manifest_from_json_refuses_an_entry_without_url() -> None:
    data = b'{"entries":[{"mandatory":true}]}'
    assert (
        _manifest_error(data) == "Manifest file is not in expected format - 'url' field missing (entries[0])"
    )


def test_manifest_from_json_refuses_a_url_that_is_not_a_string() -> None:
    assert (
        _manifest_error(b'{"entries":[{"url":["s3://bucket/k"]}]}')
        == "entries[0].url must be a string, not a list"
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("s3://bucket", "names a bucket, not an object; COPY with MANIFEST parameter requires full path"),
        ("s3://bucket/", "names a bucket, not an object"),
        ("s3://bucket/prefix/", "ends in '/', so it names a prefix, not an object"),
        ("s3://b/k", "names no valid bucket"),
        ("s3:///k", "names no valid bucket"),
        ("https://bucket.s3.amazonaws.com/k", "is neither s3://bucket/key nor file:///absolute/path"),
        ("bucket/k", "is neither s3://bucket/key nor file:///absolute/path"),
        ("S3://bucket/k", "is neither s3://bucket/key nor file:///absolute/path"),
        ("file://host/k", "the path is not an absolute path"),
        ("file:///var/rio/", "names a directory"),
        ("", "is neither"),
    ],
)
def test_manifest_from_json_refuses_a_url_that_names_no_single_object(url: str, reason: str) -> None:
    data = json.dumps({"entries": [{"url": url}]})
    message = _manifest_error(data)
    assert message.startswith(f"entries[0].url {url!r} ")
    assert reason in message


@pytest.mark.parametrize(
    ("value", "found"), [('"true"', 'the string "true"'), ("1", "the number 1"), ("null", "null")]
)
def test_manifest_from_json_refuses_a_mandatory_that_is_not_a_boolean(value: str, found: str) -> None:
    data = '{"entries":[{"url":"s3://bucket/k","mandatory":' + value + "}]}"
    assert _manifest_error(data) == f"entries[0].mandatory must be true or false, not {found}"


def test_manifest_from_json_refuses_meta_that_is_not_an_object() -> None:
    data = b'{"entries":[{"url":"s3://bucket/k","meta":5}]}'
    assert _manifest_error(data) == "entries[0].meta must be a json object, not the number 5"


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("-1", "the number -1"),
        ("1.5", "the number 1.5"),
        ("1e3", "the number 1000.0"),
        ("true", "the boolean true"),
        ('"5"', 'the string "5"'),
        ("null", "null"),
    ],
)
def test_manifest_from_json_refuses_a_content_length_that_is_not_a_non_negative_integer(
    value: str, found: str
) -> None:
    data = '{"entries":[{"url":"s3://bucket/k","meta":{"content_length":' + value + "}}]}"
    assert _manifest_error(data) == f"entries[0].meta.content_length must be an integer >= 0, not {found}"


def test_manifest_entry_refuses_invalid_fields_when_built() -> None:
    with pytest.raises(InvalidManifest, match="names a bucket, not an object"):
        ManifestEntry("s3://bucket/")
    with pytest.raises(InvalidManifest, match="'mandatory' must be true or false"):
        ManifestEntry("s3://bucket/k", "yes")  # type: ignore[arg-type]
    with pytest.raises(InvalidManifest, match="content_length must be an integer >= 0, not the boolean true"):
        ManifestEntry("s3://bucket/k", True, True)
    with pytest.raises(InvalidManifest, match="not valid UTF-8"):
        ManifestEntry("s3://bucket/\ud800")


manifest_entries = st.builds(
    ManifestEntry,
    url=st.one_of(
        st.text(st.characters(exclude_categories=("Cs",)), min_size=1)
        .filter(lambda key: not key.endswith("/"))
        .map(lambda key: f"s3://bucket-1/{key}"),
        st.from_regex(r"/[a-z0-9/._-]*[a-z0-9]", fullmatch=True).map(lambda path: f"file://{path}"),
    ),
    mandatory=st.booleans(),
    content_length=st.none() | st.integers(min_value=0, max_value=2**63),
)


@given(st.lists(manifest_entries, min_size=1, max_size=5))
def test_manifest_round_trips_through_json(entries: list[ManifestEntry]) -> None:
    manifest = Manifest(tuple(entries))
    data = manifest.to_json()
    assert Manifest.from_json(data) == manifest
    assert Manifest.from_json(data.decode("utf-8")) == manifest


# --- jobs ------------------------------------------------------------------------------------------


def _full_job() -> Job:
    return Job(
        base="s3://bucket/rio",
        schema="analytics",
        tables=("page_views", "sessions"),
        date=D,
        config="config_analytics_page_views_2026-11-21T10:15:00Z.yml",
        mode=LoadMode.UPSERT,
        granularity=Granularity.HOUR,
        truncate=False,
        force=True,
        upsert_keys=("user_id", "event_id"),
        id="orders-2026-11-21T10:15:00Z.1",
    )


def test_job_to_json_with_every_field_matches_the_golden_file() -> None:
    assert_matches_golden("contract/job.json", _full_job().to_json())


def test_minimal_job_to_json_matches_the_golden_file() -> None:
    job = Job(base="s3://bucket", schema="analytics", tables=("page_views",))
    assert_matches_golden("contract/job_minimal.json", job.to_json())


def test_job_golden_files_read_back_as_the_same_jobs() -> None:
    assert parse_job(read_golden("contract/job.json")) == _full_job()
    minimal = Job(base="s3://bucket", schema="analytics", tables=("page_views",))
    assert parse_job(read_golden("contract/job_minimal.json")) == minimal


def test_job_to_json_writes_keys_in_the_contract_order() -> None:
    assert list(json.loads(_full_job().to_json())) == [
        "version", "id", "base", "schema", "tables", "date", "config", "mode", "granularity", "truncate",
        "force", "upsert_keys",
    ]  # fmt: skip


# --- COPY's options in a job -----------------------------------------------------------------------


def _job_with_every_copy_option() -> Job:
    return Job(
        base="s3://bucket",
        schema="analytics",
        tables=("page_views",),
        date=D,
        id="with-options",
        time_format="epochmillisecs",
        date_format="auto",
        accept_invalid_chars="^",
        round_decimals=True,
        truncate_columns=False,
        max_errors=10,
    )


def test_a_job_with_every_copy_option_matches_the_golden_file_and_reads_back() -> None:
    job = _job_with_every_copy_option()
    assert_matches_golden("contract/job_copy_options.json", job.to_json())
    assert parse_job(read_golden("contract/job_copy_options.json")) == job
    # After every field of before, in the contract's order.
    assert list(json.loads(job.to_json()))[-6:] == [
        "time_format", "date_format", "accept_invalid_chars", "round_decimals", "truncate_columns",
        "max_errors",
    ]  # fmt: skip
    assert job.copy_options == CopyOptions(
        time_format="epochmillisecs",
        date_format="auto",
        accept_invalid_chars="^",
        round_decimals=True,
        truncate_columns=False,
        max_errors=10,
    )


def test_a_job_without_copy_options_writes_none_and_leaves_them_to_the_config() -> None:
    job = _full_job()
    assert set(json.loads(job.to_json())).isdisjoint(COPY_KEYWORDS)
    assert job.copy_options == CopyOptions()
    assert job.copy_options.said() == {}


def test_a_rio_json_job_reads_copy_options_null_as_unset_and_true_as_the_default_replacement() -> None:
    job = parse_job(
        '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"time_format":null,"max_errors":null,'
        '"accept_invalid_chars":true,"round_decimals":false,"truncate_columns":true}'
    )
    assert job.copy_options == CopyOptions(
        accept_invalid_chars="?", round_decimals=False, truncate_columns=True
    )
    assert json.loads(job.to_json())["accept_invalid_chars"] == "?"
    off = parse_job(
        '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"accept_invalid_chars":false}'
    )
    assert off.accept_invalid_chars is False
    assert off.copy_options.replacement_char is None


@pytest.mark.parametrize(
    ("fields", "start", "also"),
    [
        # Redshift: a TIMEFORMAT string cannot include a time zone (TZ, tz or OF).
        ({"time_format": "YYYY-MM-DD HH:MI:SS TZ"}, "job time_format: ", "TZ"),
        (
            {"time_format": 1700000000},
            "job time_format: TIMEFORMAT is a string such as 'auto' or 'YYYY-MM-DD HH:MI:SS', not the number "
            "1700000000",
            "",
        ),
        ({"date_format": "epochsecs"}, "job date_format: ", "epochsecs"),
        ({"accept_invalid_chars": "^^"}, "job accept_invalid_chars: ", '"^^"'),
        ({"accept_invalid_chars": ""}, "job accept_invalid_chars: ", "one ASCII character"),
        ({"accept_invalid_chars": "é"}, "job accept_invalid_chars: ", "one ASCII character"),
        (
            {"accept_invalid_chars": 63},
            "job accept_invalid_chars: ACCEPTINVCHARS takes its replacement character (one ASCII character, "
            "'?' by default), or true or false; not the number 63",
            "",
        ),
        (
            {"round_decimals": "true"},
            'job round_decimals: ROUNDEC is true or false, not the string "true"',
            "",
        ),
        (
            {"truncate_columns": 1},
            "job truncate_columns: TRUNCATECOLUMNS is true or false, not the number 1",
            "",
        ),
        (
            {"max_errors": -1},
            "job max_errors: MAXERROR is a whole number of rejected rows from 0 to 100000, not the number -1",
            "",
        ),
        ({"max_errors": 100001}, "job max_errors: MAXERROR is a whole number", "100001"),
        ({"max_errors": 2.5}, "job max_errors: MAXERROR is a whole number", "2.5"),
        ({"max_errors": True}, "job max_errors: MAXERROR is a whole number", "the boolean true"),
    ],
)
def test_a_job_refuses_a_bad_copy_option_naming_the_field(
    fields: dict[str, object], start: str, also: str
) -> None:
    message = _job_error(**fields)
    assert message.startswith(start), message
    assert also in message


def test_a_rio_json_job_with_a_bad_copy_option_is_refused_naming_the_field() -> None:
    message = _parse_error('{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"max_errors":-5}')
    assert message.startswith("job max_errors: MAXERROR is a whole number of rejected rows from 0 to 100000")


def test_copy_options_stack_the_job_over_the_config_over_a_default() -> None:
    config = CopyOptions(time_format="auto", round_decimals=True, accept_invalid_chars="^", max_errors=5)
    job = CopyOptions(time_format="epochsecs", round_decimals=False, accept_invalid_chars=False)
    merged = job.over(config)
    assert merged == CopyOptions(
        time_format="epochsecs", round_decimals=False, accept_invalid_chars=False, max_errors=5
    )
    assert merged.replacement_char is None  # said off by the job, though the config turned it on
    assert CopyOptions().over(config) == config
    assert merged.over(CopyOptions(truncate_columns=True, max_errors=0)).truncate_columns is True


def test_copy_options_refuse_a_bad_value_naming_the_option() -> None:
    with pytest.raises(ConfigError) as caught:
        CopyOptions(max_errors=-1)
    assert str(caught.value) == (
        "max_errors: MAXERROR is a whole number of rejected rows from 0 to 100000, not the number -1"
    )
    with pytest.raises(ConfigError, match=r"^'timeformat' is not a COPY option; rio's are time_format, "):
        copy_option("timeformat", "auto")
    assert copy_option("accept_invalid_chars", True) == "?"
    assert copy_option("time_format", None) is None


def test_job_to_json_is_one_compact_line() -> None:
    data = _full_job().to_json()
    assert b"\n" not in data
    assert b", " not in data
    assert b": " not in data


def test_job_stores_the_base_in_canonical_form() -> None:
    job = Job(base="s3://bucket/rio/", schema="s", tables=("t",))
    assert job.base == "s3://bucket/rio"
    assert Job(base=Base.parse("file:///var/rio"), schema="s", tables=("t",)).base == "file:///var/rio"  # type: ignore[arg-type]


def test_job_stores_the_date_as_aware_utc() -> None:
    job = Job(
        base="s3://bucket",
        schema="s",
        tables=("t",),
        date=datetime(2026, 11, 21, 19, 15, tzinfo=timezone(timedelta(hours=9))),
    )
    assert job.date == D
    assert job.date is not None
    assert job.date.tzinfo is UTC
    assert Job(base="s3://bucket", schema="s", tables=("t",), date=datetime(2026, 11, 21, 10, 15)).date == D


def test_job_takes_tables_and_upsert_keys_as_lists_and_stores_tuples() -> None:
    job = Job(base="s3://bucket", schema="s", tables=["a", "b"], mode=LoadMode.UPSERT, upsert_keys=["id"])  # type: ignore[arg-type]
    assert job.tables == ("a", "b")
    assert job.upsert_keys == ("id",)


def test_job_takes_mode_and_granularity_as_strings() -> None:
    job = Job(base="s3://bucket", schema="s", tables=("t",), mode="refresh", granularity="hour")  # type: ignore[arg-type]
    assert job.mode is LoadMode.REFRESH
    assert job.granularity is Granularity.HOUR


def test_job_truncate_with_mode_append_becomes_mode_truncate() -> None:
    job = Job(base="s3://bucket", schema="s", tables=("t",), truncate=True)
    assert (job.mode, job.truncate) == (LoadMode.TRUNCATE, True)


def test_job_mode_truncate_sets_truncate() -> None:
    job = Job(base="s3://bucket", schema="s", tables=("t",), mode=LoadMode.TRUNCATE)
    assert (job.mode, job.truncate) == (LoadMode.TRUNCATE, True)


def test_job_mode_refresh_without_granularity_refreshes_a_day() -> None:
    job = Job(base="s3://bucket", schema="s", tables=("t",), mode=LoadMode.REFRESH)
    assert job.granularity is Granularity.DAY


def test_job_mode_append_keeps_no_granularity() -> None:
    assert Job(base="s3://bucket", schema="s", tables=("t",)).granularity is None


@pytest.mark.parametrize("mode", [LoadMode.REFRESH, LoadMode.UPSERT])
def test_job_truncate_contradicts_refresh_and_upsert(mode: LoadMode) -> None:
    keys = ("id",) if mode is LoadMode.UPSERT else None
    with pytest.raises(InvalidJob, match=f"^job truncate: contradicts mode {mode.value}"):
        Job(base="s3://bucket", schema="s", tables=("t",), mode=mode, truncate=True, upsert_keys=keys)


def _job_error(**fields: object) -> str:
    arguments: dict[str, object] = {"base": "s3://bucket", "schema": "s", "tables": ("t",)}
    arguments.update(fields)
    with pytest.raises(InvalidJob) as caught:
        Job(**arguments)  # type: ignore[arg-type]
    return str(caught.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"base": "http://x"}, "job base: base 'http://x' is not one rio can use"),
        ({"schema": "S"}, "job schema: schema name 'S' holds the capital 'S'"),
        ({"tables": ()}, "job tables: names no table"),
        ({"tables": "a,b"}, 'job tables: must be a list of table names, not the string "a,b"'),
        ({"tables": ("a", "a")}, "job tables: names the table 'a' twice"),
        ({"tables": ("a", "b c")}, "job tables: table name 'b c' cannot contain ' '"),
        ({"tables": (1,)}, "job tables: table name 1 must be a string"),
        ({"date": "2026-11-21T10:15:00Z"}, "job date: must be a datetime or None"),
        (
            {"date": D.replace(microsecond=1)},
            "job date: data date 2026-11-21T10:15:00.000001+00:00 has a fraction",
        ),
        ({"config": "../x.yml"}, "job config: '../x.yml' has a '..' segment"),
        ({"config": "http://x/c.yml"}, "job config: 'http://x/c.yml' is neither a key"),
        ({"config": "s3://bucket/"}, "job config: 's3://bucket/' names a bucket, not an object"),
        ({"config": "/etc/"}, "job config: '/etc/' ends in '/'"),
        ({"config": ""}, "job config: '' is empty"),
        (
            {"mode": "merge"},
            'job mode: must be one of append, refresh, truncate, upsert, not the string "merge"',
        ),
        ({"granularity": "week"}, 'job granularity: must be one of hour, day, not the string "week"'),
        ({"granularity": "stream"}, "job granularity: must be one of hour, day"),
        ({"truncate": "yes"}, 'job truncate: must be true or false, not the string "yes"'),
        ({"force": 1}, "job force: must be true or false, not the number 1"),
        ({"mode": LoadMode.UPSERT}, "job upsert_keys: mode upsert needs the key columns"),
        ({"mode": LoadMode.UPSERT, "upsert_keys": ()}, "job upsert_keys: names no column"),
        (
            {"mode": LoadMode.UPSERT, "upsert_keys": ("id", "id")},
            "job upsert_keys: names the column 'id' twice",
        ),
        (
            {"mode": LoadMode.UPSERT, "upsert_keys": ("oid",)},
            "job upsert_keys: column name 'oid' is the name of a system column",
        ),
        (
            {"upsert_keys": ("id",)},
            "job upsert_keys: only mode upsert uses key columns; this job's mode is append",
        ),
        ({"id": ""}, "job id: must be 1 to 128 characters"),
        ({"id": "a b"}, "job id: must be 1 to 128 characters"),
        ({"id": "x" * 129}, "job id: must be 1 to 128 characters"),
        (
            {"id": 7},
            "job id: must be 1 to 128 characters of letters, digits, '.', '_', ':' and '-', not the number 7",
        ),
    ],
)
def test_job_refuses_invalid_fields_naming_the_field(fields: dict[str, object], message: str) -> None:
    assert _job_error(**fields).startswith(message)


@pytest.mark.parametrize(
    "schema",
    [*sorted(SYSTEM_SCHEMAS), "pg_toast", "pg_temp_12", "pg_automv", "PG_CATALOG", "Pg_Catalog",
     "INFORMATION_SCHEMA", "pg_"],
)  # fmt: skip
def test_job_refuses_a_system_schema_in_any_case(schema: str) -> None:
    message = _job_error(base="s3://bucket", schema=schema, tables=("t",))
    # Named as a system schema, never "write 'pg_catalog'" as the capital check would say.
    assert message.startswith(f"job schema: schema {schema!r} is a system schema (")
    assert "write" not in message


@pytest.mark.parametrize("table", [LEDGER_TABLE, "RIO_LOADS", "rio_Loads"])
def test_job_refuses_the_ledgers_table_among_its_tables(table: str) -> None:
    message = _job_error(base="s3://bucket", schema="analytics", tables=("events", table))
    assert message.startswith(f"job tables: table {table!r} is named like rio's load ledger (rio_loads)")


@pytest.mark.parametrize(
    "line",
    ["--bucket b1b --schema pg_catalog --tables t", "--bucket b1b --schema s --tables a,rio_loads"],
)
def test_parse_job_refuses_a_reserved_destination_in_the_go_flag_line(line: str) -> None:
    with pytest.raises(InvalidJob, match=r"never loads into one|load ledger"):
        parse_job(line)


@pytest.mark.parametrize(
    ("schema", "table"),
    [("temp", "t"), ("system", "t"), ("main", "t"), ("public", "t"), ("pg", "t"), ("catalog", "t"),
     ("pgcatalog", "t"), ("s", "rio_loads_2"), ("s", "pg_catalog"), ("s", "information_schema")],
)  # fmt: skip
def test_names_that_only_resemble_reserved_ones_are_ordinary(schema: str, table: str) -> None:
    check_destination(schema, table)
    assert Job(base="s3://bucket", schema=schema, tables=(table,)).tables == (table,)
    assert part_key(schema, table, RUN_ID, 0).startswith(f"{schema}/{table}/")


def test_job_refuses_identifiers_with_the_identifier_error_as_cause() -> None:
    with pytest.raises(InvalidJob) as caught:
        Job(base="s3://bucket", schema="s", tables=("a;b",))
    assert isinstance(caught.value.__cause__, InvalidIdentifier)


@pytest.mark.parametrize(
    "config",
    [
        "config_s_t_2026-11-21T10:15:00Z.yml",
        "s3://bucket/c.yml",
        "s3://Legacy_Bucket/c.yml",
        "/etc/rio/c.yml",
        "file:///etc/rio/c.yml",
    ],
)
def test_job_accepts_a_config_key_url_or_absolute_path(config: str) -> None:
    assert Job(base="s3://bucket", schema="s", tables=("t",), config=config).config == config


job_ids = st.from_regex(r"[A-Za-z0-9._:-]{1,128}", fullmatch=True)


@st.composite
def jobs(draw: st.DrawFn) -> Job:
    mode = draw(st.sampled_from(LoadMode))
    return Job(
        base=draw(st.sampled_from(["s3://bucket", "s3://bucket/some/prefix", "file:///var/rio"])),
        schema=draw(identifiers),
        tables=tuple(draw(st.lists(identifiers, min_size=1, max_size=4, unique=True))),
        date=draw(st.none() | data_dates),
        config=draw(st.none() | st.sampled_from(["c.yml", "s3://other-bucket/c.yml", "/etc/rio/c.yml"])),
        mode=mode,
        time_format=draw(
            st.none() | st.sampled_from(["auto", "epochsecs", "epochmillisecs", "MM/DD/YYYY HH24:MI:SS"])
        ),
        date_format=draw(st.none() | st.sampled_from(["auto", "MON DD, YYYY", "DD.MM.YYYY"])),
        accept_invalid_chars=draw(st.none() | st.booleans() | st.sampled_from(["?", "^", "'", " "])),
        round_decimals=draw(st.none() | st.booleans()),
        truncate_columns=draw(st.none() | st.booleans()),
        max_errors=draw(st.none() | st.integers(0, 100_000)),
        granularity=draw(st.none() | st.sampled_from(Granularity)),
        truncate=mode is LoadMode.TRUNCATE,
        force=draw(st.booleans()),
        upsert_keys=(
            tuple(draw(st.lists(columns, min_size=1, max_size=3, unique=True)))
            if mode is LoadMode.UPSERT
            else None
        ),
        id=draw(st.none() | job_ids),
    )


@given(jobs())
def test_job_round_trips_through_json(job: Job) -> None:
    assert parse_job(job.to_json()) == job
    assert parse_job(job.to_json().decode("utf-8"), content_type="application/json") == job


@given(jobs())
def test_job_json_has_the_contract_version_and_canonical_date(job: Job) -> None:
    obj = json.loads(job.to_json())
    assert obj["version"] == 1
    assert obj["date"] == (None if job.date is None else format_data_date(job.date))


# --- parsing rio's job JSON ----------------------------------------------------------------------------


def _parse_error(data: bytes | str, content_type: str | None = None) -> str:
    with pytest.raises(InvalidJob) as caught:
        parse_job(data, content_type=content_type)
    return str(caught.value)


def test_parse_job_reads_rio_json_with_defaults_for_missing_optional_fields() -> None:
    job = parse_job('{"version":1,"base":"s3://bucket","schema":"s","tables":["t"]}')
    assert job == Job(base="s3://bucket", schema="s", tables=("t",))


def test_parse_job_reads_null_optional_fields_in_rio_json_as_unset() -> None:
    data = (
        '{"version":1,"id":null,"base":"s3://bucket","schema":"s","tables":["t"],"date":null,"config":null,'
        '"granularity":null,"upsert_keys":null}'
    )
    assert parse_job(data) == Job(base="s3://bucket", schema="s", tables=("t",))


def test_parse_job_reads_a_rio_json_date_with_an_offset_as_utc() -> None:
    data = '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"date":"2026-11-21T11:15:00+01:00"}'
    assert parse_job(data).date == D


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"gzip":true}',
            "job: unknown field 'gzip'",
        ),
        (
            '{"version":2,"base":"s3://bucket","schema":"s","tables":["t"]}',
            "job version: this rio reads contract version 1, not the number 2",
        ),
        (
            '{"version":"1","base":"s3://bucket","schema":"s","tables":["t"]}',
            'job version: this rio reads contract version 1, not the string "1"',
        ),
        (
            '{"version":true,"base":"s3://bucket","schema":"s","tables":["t"]}',
            "job version: this rio reads contract version 1, not the boolean true",
        ),
        (
            '{"version":1.0,"base":"s3://bucket","schema":"s","tables":["t"]}',
            "job version: this rio reads contract version 1, not the number 1.0",
        ),
        ('{"version":1,"schema":"s","tables":["t"]}', "job base: is missing"),
        ('{"version":1,"base":"s3://bucket","tables":["t"]}', "job schema: is missing"),
        ('{"version":1,"base":"s3://bucket","schema":"s"}', "job tables: is missing"),
        (
            '{"version":1,"base":"s3://bucket","schema":"s","tables":"t"}',
            'job tables: must be a list of table names, not the string "t"',
        ),
        (
            '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"truncate":"yes"}',
            'job truncate: must be true or false, not the string "yes"',
        ),
        (
            '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"force":"true"}',
            'job force: must be true or false, not the string "true"',
        ),
        (
            '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"date":1479723300}',
            "job date: must be an RFC 3339 string or null, not the number 1479723300",
        ),
        (
            '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"date":"2026-11-21"}',
            "job date: date '2026-11-21' has no time of day",
        ),
        (
            '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"mode":null}',
            "job mode: must be one of append, refresh, truncate, upsert, not null",
        ),
        (
            '{"version":1,"base":7,"schema":"s","tables":["t"]}',
            "job base: a base must be a string, not the number 7",
        ),
        (
            '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"upsert_keys":"id","mode":"upsert"}',
            'job upsert_keys: must be a list of column names, not the string "id"',
        ),
        (
            '{"version":1,"version":1,"base":"s3://bucket","schema":"s","tables":["t"]}',
            "job payload is not valid JSON: the key 'version' appears twice in one object",
        ),
        (
            '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"force":NaN}',
            "job payload is not valid JSON: NaN is not a JSON number",
        ),
        (
            '{"version":1,',
            "job payload is not valid JSON: Expecting property name enclosed in double quotes at line 1 "
            "column 14",
        ),
    ],
)
def test_parse_job_is_strict_about_rio_json(data: str, message: str) -> None:
    assert _parse_error(data).startswith(message)


# --- parsing the Go tools' flag line -------------------------------------------------------------------


def test_parse_job_reads_the_go_rio_flag_line_fixture() -> None:
    job = parse_job(read_golden("contract/go_rio_flag_line.txt"), content_type="text/plain")
    assert job == Job(
        base="s3://test-bucket",
        schema="test",
        tables=("complete",),
        date=datetime(2016, 8, 22, 1, 0, tzinfo=UTC),
        mode=LoadMode.TRUNCATE,
        truncate=True,
        force=True,
    )


def test_parse_job_reads_a_flag_line_without_truncate_as_a_daily_refresh() -> None:
    job = parse_job("--bucket bkt --schema s --tables a,b --date 2016-08-22T01:00:00Z --gzip")
    assert job == Job(
        base="s3://bkt",
        schema="s",
        tables=("a", "b"),
        date=datetime(2016, 8, 22, 1, 0, tzinfo=UTC),
        mode=LoadMode.REFRESH,
        granularity=Granularity.DAY,
    )


def test_parse_job_reads_go_flag_syntax_variants() -> None:
    line = "-bucket=bkt --schema=s -tables a -date=2016-08-22T03:00:00+02:00 -granularity hour -force=true"
    assert parse_job(line) == Job(
        base="s3://bkt",
        schema="s",
        tables=("a",),
        date=datetime(2016, 8, 22, 1, 0, tzinfo=UTC),
        mode=LoadMode.REFRESH,
        granularity=Granularity.HOUR,
        force=True,
    )


def test_parse_job_keeps_a_granularity_given_with_truncate() -> None:
    job = parse_job("--bucket bkt --schema s --tables a --truncate --granularity hour")
    assert (job.mode, job.granularity, job.date) == (LoadMode.TRUNCATE, Granularity.HOUR, None)


@pytest.mark.parametrize(
    ("spelling", "value"),
    [(s, True) for s in ("1", "t", "T", "TRUE", "true", "True")]
    + [(s, False) for s in ("0", "f", "F", "FALSE", "false", "False")],
)
def test_parse_job_reads_go_parsebool_spellings_in_boolean_flags(spelling: str, value: bool) -> None:
    job = parse_job(f"--bucket bkt --schema s --tables a --force={spelling} --truncate={spelling}")
    assert (job.force, job.truncate) == (value, value)


def test_parse_job_refuses_a_boolean_flag_value_go_cannot_read() -> None:
    assert _parse_error("--bucket bkt --schema s --tables a --force=yes").startswith(
        "job --force: 'yes' is not a boolean Go reads"
    )


def test_parse_job_lets_the_last_repeat_of_a_flag_win() -> None:
    job = parse_job("--bucket one --schema s --tables a --bucket two --force --force=false --tables b,c")
    assert (job.base, job.tables, job.force) == ("s3://two", ("b", "c"), False)


def test_parse_job_accepts_a_bucket_given_as_an_s3_url() -> None:
    assert parse_job("--bucket s3://bkt/ --schema s --tables a").base == "s3://bkt"


def test_parse_job_refuses_a_bucket_with_a_prefix() -> None:
    assert _parse_error("--bucket s3://bkt/pre --schema s --tables a") == (
        "job bucket: 's3://bkt/pre' must name a bucket, without a prefix"
    )


def test_parse_job_ignores_gzip_in_either_sense() -> None:
    plain = parse_job("--bucket bkt --schema s --tables a")
    assert parse_job("--bucket bkt --schema s --tables a --gzip") == plain
    assert parse_job("--bucket bkt --schema s --tables a --gzip=false") == plain


def test_parse_job_reads_a_config_flag() -> None:
    job = parse_job("--bucket bkt --schema s --tables a --config s3://bkt/conf/c.yml")
    assert job.config == "s3://bkt/conf/c.yml"


def test_parse_job_reads_an_empty_delimiter_and_refuses_any_other() -> None:
    assert parse_job("--bucket bkt --schema s --tables a --delimiter ''").tables == ("a",)
    assert _parse_error("--bucket bkt --schema s --tables a --delimiter '|'") == (
        "job delimiter: '|' means CSV data; rio loads JSON only, so leave it empty"
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--schema s --tables a", "job bucket: is missing; the Go tools name it with --bucket"),
        ("--bucket bkt --tables a", "job schema: is missing; the Go tools name it with --schema"),
        ("--bucket bkt --schema s", "job tables: is missing; the Go tools name it with --tables"),
        ("--bucket bkt --schema s --tables ''", "job tables: is missing; the Go tools name it with --tables"),
    ],
)
def test_parse_job_requires_bucket_schema_and_tables(line: str, message: str) -> None:
    assert _parse_error(line) == message


def test_parse_job_refuses_an_unknown_flag_naming_it() -> None:
    assert _parse_error("--bucket bkt --schema s --tables a --vacuum").startswith(
        "job flag line: unknown flag '--vacuum'; rio reads --bucket, --schema, --tables, --date, --config, "
        "--granularity, --delimiter, --gzip, --truncate, --force"
    )


def test_parse_job_refuses_flags_the_go_worker_had_that_rio_does_not() -> None:
    assert _parse_error("--bucket bkt --schema s --tables a --streamStart 2016-08-22T01:00:00").startswith(
        "job flag line: unknown flag '--streamStart'"
    )


@pytest.mark.parametrize("token", ["---bucket", "-=x", "--=x"])
def test_parse_job_refuses_bad_flag_syntax(token: str) -> None:
    assert (
        _parse_error(f"--bucket bkt --schema s --tables a {token}")
        == f"job flag line: bad flag syntax {token!r}"
    )


def test_parse_job_refuses_a_flag_without_its_value() -> None:
    assert _parse_error("--bucket bkt --schema s --tables") == "job flag line: flag --tables needs a value"


def test_parse_job_refuses_a_stray_positional_token_naming_it() -> None:
    assert _parse_error("--bucket bkt --schema s --tables a extra --force") == (
        "job flag line: unexpected argument 'extra'; every value must follow its flag (Go's flag package "
        "stopped at the first argument that is not a flag and ignored the rest)"
    )


def test_parse_job_refuses_a_boolean_flag_given_a_separate_value() -> None:
    assert _parse_error("--bucket bkt --schema s --tables a --force false").startswith(
        "job flag line: unexpected argument 'false'"
    )


def test_parse_job_refuses_arguments_after_a_double_dash() -> None:
    assert parse_job("--bucket bkt --schema s --tables a --").tables == ("a",)
    assert _parse_error("--bucket bkt --schema s --tables a -- --force").startswith(
        "job flag line: unexpected argument '--force'"
    )


def test_parse_job_explains_the_go_rio_time_string_date_split_into_words() -> None:
    line = "--bucket bkt --schema s --tables a --date 2016-08-22 01:06:40.123456789 +0000 UTC --gzip --force"
    assert _parse_error(line) == (
        "job date: date '2016-08-22 01:06:40.123456789 +0000 UTC' is in the form Go's time.String() prints: "
        "the Go rio sent --date this way, and no file is named with it. Pass an RFC 3339 date-time instead; "
        "the Go rio named the manifest of that run after the nearest hour, 2016-08-22T01:00:00Z"
    )


def test_parse_job_explains_a_go_time_string_date_with_a_monotonic_reading() -> None:
    line = "--bucket bkt --schema s --tables a --date=2016-08-22 01:46:40.1 -0700 PDT m=+0.000123 --gzip"
    message = _parse_error(line)
    assert message.startswith(
        "job date: date '2016-08-22 01:46:40.1 -0700 PDT m=+0.000123' is in the form Go's"
    )
    assert message.endswith("after the nearest hour, 2016-08-22T09:00:00Z")


def test_parse_job_explains_a_quoted_go_time_string_date() -> None:
    line = "--bucket bkt --schema s --tables a --date '2016-08-22 01:06:40.123456789 +0000 UTC'"
    assert _parse_error(line).startswith(
        "job date: date '2016-08-22 01:06:40.123456789 +0000 UTC' is in the form"
    )


def test_parse_job_refuses_an_unbalanced_quote() -> None:
    assert _parse_error("--bucket bkt --schema 's --tables a") == (
        'job flag line "--bucket bkt --schema \'s --tables a" cannot be split: No closing quotation'
    )


def test_parse_job_reads_quoted_flag_values() -> None:
    job = parse_job("--bucket 'bkt' --schema \"s\" --tables a,b --config '/etc/rio/my config.yml'")
    assert job.config == "/etc/rio/my config.yml"


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("--bucket bkt --schema 's; rm -rf /' --tables a", "schema"),
        ("--bucket bkt --schema s --tables 'a,$(touch X)'", "tables"),
        ("--bucket bkt --schema s --tables 'a,`touch X`'", "tables"),
        ("--bucket bkt --schema 's`touch X`' --tables a", "schema"),
        ("--bucket bkt --schema s --tables 'a && touch X'", "tables"),
        ("--bucket bkt --schema s --tables 'a|touch X'", "tables"),
        ('--bucket bkt --schema s --tables "a;touch X"', "tables"),
        ("--bucket bkt --schema 's>X' --tables a", "schema"),
        ("--bucket bkt --schema s --tables $'a\\ntouch X'", "tables"),
    ],
)
def test_parse_job_rejects_shell_metacharacters_as_invalid_identifiers_and_runs_nothing(
    line: str, field: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidJob) as caught:
        parse_job(line, content_type="text/plain")
    assert str(caught.value).startswith(f"job {field}: ")
    assert isinstance(caught.value.__cause__, InvalidIdentifier)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("line", "stray"),
    [
        ("--bucket bkt --schema s --tables a && touch X", "&&"),
        ("--bucket bkt --schema s --tables a; touch X", "touch"),
        ("--bucket bkt --schema s --tables a | touch X", "|"),
        ("--bucket bkt --schema s --tables a $(touch X)", "$(touch"),
        ("--bucket bkt --schema s --tables a `touch X`", "`touch"),
    ],
)
def test_parse_job_rejects_unquoted_shell_commands_as_stray_arguments_and_runs_nothing(
    line: str, stray: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    message = _parse_error(line)
    assert message.startswith(f"job flag line: unexpected argument {stray!r}; ")
    assert list(tmp_path.iterdir()) == []


def test_parse_job_rejects_shell_metacharacters_in_the_bucket() -> None:
    with pytest.raises(InvalidJob, match=r"^job bucket: base 's3://bkt;x'"):
        parse_job("--bucket 'bkt;x' --schema s --tables a")


def test_parse_job_reads_text_plain_json_as_a_flag_line_and_says_so() -> None:
    data = '{"version":1,"base":"s3://bucket","schema":"s","tables":["t"]}'
    message = _parse_error(data, content_type="text/plain; charset=utf-8")
    assert message.startswith(
        "job flag line: unexpected argument '{version:1,base:s3://bucket,schema:s,tables:[t]}'"
    )
    assert message.endswith("it looks like JSON: send a JSON job with a content type other than text/plain")


def test_parse_job_chooses_the_form_by_content_without_a_content_type() -> None:
    assert parse_job("  --bucket bkt --schema s --tables a\n").mode is LoadMode.REFRESH
    assert parse_job('\n {"version":1,"base":"s3://bkt","schema":"s","tables":["a"]}').mode is LoadMode.APPEND


# --- parsing the later Go worker's JSON ------------------------------------------------------------


def test_parse_job_reads_the_go_worker_payload_fixture() -> None:
    job = parse_job(read_golden("contract/go_worker_payload.json"), content_type="application/json")
    assert job == Job(
        base="s3://analytics-exports",
        schema="mongo_raw",
        tables=("users", "sections"),
        date=datetime(2016, 8, 22, 1, 0, tzinfo=UTC),
        mode=LoadMode.REFRESH,
        granularity=Granularity.HOUR,
        truncate=False,
        force=True,
    )


def test_parse_job_reads_an_unwrapped_go_worker_payload_with_json_booleans() -> None:
    data = (
        '{"bucket":"bkt","schema":"s","tables":"a","date":"2016-08-22T01:00:00Z","truncate":true,'
        '"force":false}'
    )
    job = parse_job(data)
    assert (job.base, job.mode, job.truncate, job.force, job.granularity) == (
        "s3://bkt",
        LoadMode.TRUNCATE,
        True,
        False,
        None,
    )


def test_parse_job_reads_null_go_worker_values_as_go_zero_values() -> None:
    data = '{"bucket":"bkt","schema":"s","tables":"a","date":null,"config":null,"force":null}'
    assert parse_job(data) == Job(
        base="s3://bkt", schema="s", tables=("a",), mode=LoadMode.REFRESH, granularity=Granularity.DAY
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            '"timezone":"America/New_York"',
            "job timezone: rio does not support the time zone 'America/New_York'; its data dates are UTC",
        ),
        (
            '"granularity":"stream"',
            "job granularity: rio does not support streamed loads (granularity 'stream')",
        ),
        ('"streamStart":"2016-08-22T01:00:00"', "job streamStart: rio does not support streamed loads"),
        ('"streamEnd":"2016-08-22T02:00:00"', "job streamEnd: rio does not support streamed loads"),
        ('"skipLoad":"true"', "job skipLoad: rio does not support skipping the load"),
        ('"skipLoad":true', "job skipLoad: rio does not support skipping the load"),
        ('"vacuum":"true"', "job: unknown field 'vacuum'; the Go worker's job has bucket, schema, tables"),
        ('"truncate":"yes"', "job truncate: 'yes' is not a boolean Go reads"),
        ('"force":1', "job force: must be true, false or a string Go reads as one, not the number 1"),
        ('"date":20160822', "job date: must be a string, not the number 20160822"),
        ('"delimiter":","', "job delimiter: ',' means CSV data"),
        (
            '"date":"2016-08-22 01:06:40 +0000 UTC"',
            "job date: date '2016-08-22 01:06:40 +0000 UTC' is in the form Go's",
        ),
    ],
)
def test_parse_job_refuses_go_worker_fields_rio_cannot_honour(fields: str, message: str) -> None:
    data = '{"current":{"bucket":"bkt","schema":"s","tables":"a",' + fields + "}}"
    assert _parse_error(data).startswith(message)


def test_parse_job_accepts_the_utc_time_zone_and_empty_stream_fields() -> None:
    data = (
        '{"bucket":"bkt","schema":"s","tables":"a","timezone":"UTC","streamStart":"","streamEnd":"",'
        '"skipLoad":"false"}'
    )
    assert parse_job(data).tables == ("a",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            '{"current":{"bucket":"bkt","schema":"s","tables":"a"},"next":[]}',
            "job: unknown field 'next' beside 'current'",
        ),
        ('{"current":"--bucket bkt"}', 'job current: must be an object, not the string "--bucket bkt"'),
        (
            '{"current":{"bucket":"bkt","schema":"s","tables":"a"},"remaining":{}}',
            "job remaining: must be a list, not an object",
        ),
        ("{}", "job bucket: is missing"),
        ('{"bucket":"bkt","schema":"s"}', "job tables: is missing"),
    ],
)
def test_parse_job_refuses_malformed_go_worker_payloads(data: str, message: str) -> None:
    assert _parse_error(data).startswith(message)


# --- payload limits --------------------------------------------------------------------------------


def test_parse_job_refuses_a_payload_over_one_mib() -> None:
    data = (
        b'{"version":1,"base":"s3://bucket","schema":"s","tables":["t"],"id":"' + b"x" * MAX_JOB_BYTES + b'"}'
    )
    assert _parse_error(data) == f"job payload is {len(data)} bytes; rio reads at most 1048576"
    assert _parse_error(data.decode()) == f"job payload is {len(data)} bytes; rio reads at most 1048576"


def test_parse_job_refuses_a_payload_that_is_not_utf8() -> None:
    assert _parse_error(b"--bucket bkt --schema \xff --tables a") == (
        "job payload is not UTF-8 (invalid start byte at byte 22)"
    )
    assert _parse_error("--schema \ud800") == "job payload is not UTF-8 (it holds a lone surrogate)"


@pytest.mark.parametrize("data", [b"", "  \n", b"\t"])
def test_parse_job_refuses_an_empty_payload(data: bytes | str) -> None:
    assert _parse_error(data) == "job payload is empty"


def test_parse_job_refuses_a_byte_order_mark() -> None:
    assert _parse_error(b'\xef\xbb\xbf{"version":1}') == (
        "job payload starts with a UTF-8 byte order mark; send UTF-8 without one"
    )


# --- handing a job to the Go worker ------------------------------------------------------------------


def test_to_go_flag_line_matches_the_golden_file() -> None:
    job = Job(
        base="s3://bucket",
        schema="analytics",
        tables=("page_views", "sessions"),
        date=D,
        config="config_analytics_page_views_2026-11-21T10:15:00Z.yml",
        mode=LoadMode.REFRESH,
        granularity=Granularity.HOUR,
        force=True,
        id="ignored-by-go",
    )
    assert_matches_golden("contract/go_flag_line.txt", job.to_go_flag_line() + "\n")


def test_to_go_flag_line_writes_truncate_and_quotes_values() -> None:
    job = Job(
        base="s3://bucket", schema="s", tables=("a$b",), date=D, truncate=True, config="/etc/my rio/c.yml"
    )
    assert job.to_go_flag_line() == (
        "--bucket bucket --schema s --tables 'a$b' --date 2026-11-21T10:15:00Z --gzip "
        "--config '/etc/my rio/c.yml' --truncate"
    )


def test_to_go_flag_line_turns_a_file_url_config_into_a_path() -> None:
    job = Job(
        base="s3://bucket", schema="s", tables=("a",), date=D, truncate=True, config="file:///etc/c.yml"
    )
    assert job.to_go_flag_line().endswith("--config /etc/c.yml --truncate")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"base": "s3://bucket/prefix"},
            "job base: the Go worker reads data at the root of an S3 bucket; 's3://bucket/prefix' is not one",
        ),
        ({"base": "file:///var/rio"}, "job base: the Go worker reads data at the root of an S3 bucket"),
        ({"date": None}, "job date: the Go worker needs a date"),
        ({"mode": LoadMode.APPEND}, "job mode: the Go worker cannot append"),
        ({"mode": LoadMode.UPSERT, "upsert_keys": ("id",)}, "job mode: the Go worker cannot upsert"),
        (
            {"time_format": "epochsecs"},
            "job time_format: the Go worker's flags cannot carry TIMEFORMAT (this job sets 'epochsecs')",
        ),
        ({"max_errors": 0}, "job max_errors: the Go worker's flags cannot carry MAXERROR (this job sets 0)"),
        ({"round_decimals": False}, "job round_decimals: the Go worker's flags cannot carry ROUNDEC"),
    ],
)
def test_to_go_flag_line_refuses_jobs_the_go_worker_cannot_run(
    fields: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "base": "s3://bucket",
        "schema": "s",
        "tables": ("t",),
        "date": D,
        "mode": LoadMode.REFRESH,
    }
    arguments.update(fields)
    job = Job(**arguments)  # type: ignore[arg-type]
    with pytest.raises(InvalidJob) as caught:
        job.to_go_flag_line()
    assert str(caught.value).startswith(message)


@st.composite
def go_jobs(draw: st.DrawFn) -> Job:
    truncate = draw(st.booleans())
    return Job(
        base="s3://bucket",
        schema=draw(identifiers),
        tables=tuple(draw(st.lists(identifiers, min_size=1, max_size=4, unique=True))),
        date=draw(data_dates),
        config=draw(st.none() | st.sampled_from(["s3://other-bucket/c.yml", "/etc/rio/c.yml"])),
        mode=LoadMode.TRUNCATE if truncate else LoadMode.REFRESH,
        granularity=draw(st.none() | st.sampled_from(Granularity)),
        force=draw(st.booleans()),
    )


@given(go_jobs())
def test_go_flag_line_round_trips_through_parse_job(job: Job) -> None:
    assert parse_job(job.to_go_flag_line(), content_type="text/plain") == job


def test_go_flag_line_turns_a_config_key_into_its_url() -> None:
    job = Job(
        base="s3://bucket", schema="s", tables=("t",), date=D, mode=LoadMode.REFRESH, config="conf/c.yml"
    )
    assert parse_job(job.to_go_flag_line()).config == "s3://bucket/conf/c.yml"
