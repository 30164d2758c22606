"""The file and job contract, version 1: every key name and format rio writes or reads.

Keys are relative to a **base**: ``s3://bucket``, ``s3://bucket/prefix``, ``file:///absolute/path`` or a
directory path. ``D`` is a **data date**: RFC 3339, UTC, whole seconds, ``2026-11-21T10:15:00Z``.

======================  ==================================================================================
artefact                exact form
======================  ==================================================================================
run id                  a ULID: 26 characters of Crockford base32, upper case (48-bit millisecond time,
                        then 80 random bits), e.g. ``01JD7X5Q2C8Z4W6Y0V3N1B9KTM``
data part               ``<schema>/<table>/parts/<run_id>/<n:06d>.json.gz``: gzip'd NDJSON
manifest                ``<schema>_<table>_<D>.manifest``: Redshift's manifest, uncompressed UTF-8, exactly
                        ``{"entries":[{"url":"s3://…","mandatory":true,"meta":{"content_length":N}}]}``
load config             ``config_<schema>_<table>_<D>.yml`` (its YAML shape belongs to :mod:`rio.config`)
Go worker data, read    ``<schema>_<table>_<D>.<manifest|json.gz|json>``, and the same names under
                        ``<schema>/<table>/_data_timestamp_year=YYYY/_data_timestamp_month=MM/``
                        ``_data_timestamp_day=DD/`` (the load config may sit there too)
job                     one line of compact JSON, keys in this order: ``{"version":1,"id"?,"base",
                        "schema","tables":[…],"date":D|null,"config"?,"mode","granularity"?,"truncate",
                        "force","upsert_keys"?,"time_format"?,"date_format"?,"accept_invalid_chars"?,
                        "round_decimals"?,"truncate_columns"?,"max_errors"?}`` (``?``: only when set;
                        the last six are COPY's options, see :class:`CopyOptions`)
Go tools' job, read     the flag line ``--bucket B --schema S --tables a,b --date D --gzip --truncate
                        --force``, split like a POSIX shell would but never run by one; and the later Go
                        worker's JSON with string values, maybe wrapped as ``{"current":{…}}``
======================  ==================================================================================

Parsing is strict wherever rio reads a name: a key belongs to a table only if, after the
``<schema>_<table>_`` prefix, it holds exactly one canonical ``D`` and a known suffix. The flat names of
``a_b.c`` and ``a.b_c`` are the same string (the Go worker's naming); parts and the partitioned layout
keep them apart. Dates a person typed (``--date``, job payloads) are read leniently by
:func:`parse_date_argument`. Local paths and ``file://`` URLs are used literally, never percent-decoded.

COPY's options in a job are optional fields of version 1: a job that sets none is byte for byte the job
of before they existed, so every rio reads it, and one without them loads with its config's options
(else Redshift's defaults). A job that sets one is refused by a rio that predates them (an unknown
field), never loaded without it; the Go tools' job forms have no such fields and read as before.

No destination is a system schema (``information_schema``, ``catalog_history``, any ``pg_`` name) or the
load ledger's table (``rio_loads``), in any case: :func:`check_destination` is the one rule, which jobs,
destination configs and the key builders all apply. A manifest's or a job's own text is echoed in a
message only once it has been read as one; before that, messages name positions and kinds.

Each concept lives in a module of its own, and every public name is re-exported here: data dates
(``_dates``), key names and run ids (``_keys``), bases and URLs (``_bases``), manifests
(``_manifests``), COPY's options (``_copy_options``), jobs in all their forms (``_jobs``) and the
destinations no load may write to (``_destinations``).
"""

from __future__ import annotations

from rio.contract._bases import Base, s3_url, split_s3_url
from rio.contract._copy_options import COPY_KEYWORDS, MAX_ERRORS_LIMIT, CopyOptions, copy_option
from rio.contract._dates import data_date_now, format_data_date, parse_data_date, parse_date_argument
from rio.contract._destinations import LEDGER_TABLE, SYSTEM_SCHEMAS, check_destination
from rio.contract._jobs import CONTRACT_VERSION, MAX_JOB_BYTES, Granularity, Job, LoadMode, parse_job
from rio.contract._keys import (
    DATA_SUFFIXES,
    LAYOUTS,
    MAX_KEY_BYTES,
    DataKey,
    PartKey,
    candidate_config_keys,
    candidate_data_keys,
    check_key,
    config_key,
    data_key,
    is_run_id,
    latest_data_key,
    listing_prefixes,
    manifest_key,
    new_run_id,
    parse_config_key,
    parse_data_key,
    parse_part_key,
    part_key,
    partition_prefix,
)
from rio.contract._manifests import Manifest, ManifestEntry, manifest_digest

__all__ = [
    "CONTRACT_VERSION",
    "COPY_KEYWORDS",
    "DATA_SUFFIXES",
    "LAYOUTS",
    "LEDGER_TABLE",
    "MAX_ERRORS_LIMIT",
    "MAX_JOB_BYTES",
    "MAX_KEY_BYTES",
    "SYSTEM_SCHEMAS",
    "Base",
    "CopyOptions",
    "DataKey",
    "Granularity",
    "Job",
    "LoadMode",
    "Manifest",
    "ManifestEntry",
    "PartKey",
    "candidate_config_keys",
    "candidate_data_keys",
    "check_destination",
    "check_key",
    "config_key",
    "copy_option",
    "data_date_now",
    "data_key",
    "format_data_date",
    "is_run_id",
    "latest_data_key",
    "listing_prefixes",
    "manifest_digest",
    "manifest_key",
    "new_run_id",
    "parse_config_key",
    "parse_data_date",
    "parse_data_key",
    "parse_date_argument",
    "parse_job",
    "parse_part_key",
    "part_key",
    "partition_prefix",
    "s3_url",
    "split_s3_url",
]
