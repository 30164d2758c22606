"""What a pipe writes beside its parts when it sends: the manifest, under a free data date, and the
load config, with what the rows hold; and the job settings a send is checked with.

A manifest is created only if absent, so it is never overwritten: an explicit data date ``D`` is
taken exactly, else ``D`` is now and moves on by one second while a manifest of the table holds it.
The config goes beside it under the same ``D``, also created only if absent; one already there is
accepted when it holds the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from rio import contract, redaction
from rio._core import PackStats
from rio.config import DataFacts, DestinationConfig
from rio.contract import Granularity, Job, LoadMode, Manifest, ManifestEntry
from rio.errors import PipeError, UnsupportedType
from rio.storage import ObjectStore, StoredObject
from rio.types import column_type

__all__ = ["DATE_ATTEMPTS", "create_manifest", "data_facts", "job_settings", "manifest_of", "write_config"]

log = redaction.logger("rio.pipe")

#: How many times a taken data date moves on by a second before a send gives up.
DATE_ATTEMPTS = 120


def _table_name(destination: DestinationConfig) -> str:
    return f"{destination.schema}.{destination.table}"


def manifest_of(destination: DestinationConfig, stored: Mapping[int, StoredObject]) -> Manifest:
    """The COPY manifest of the stored parts, in part order; refused when there are none."""
    if not stored:
        raise PipeError(
            f"{_table_name(destination)}: the pipe holds no rows, so there is no manifest to write (COPY "
            "fails on a manifest that lists no files)"
        )
    return Manifest(
        tuple(
            ManifestEntry(part.url, mandatory=True, content_length=part.size)
            for _, part in sorted(stored.items())
        )
    )


def create_manifest(
    store: ObjectStore, destination: DestinationConfig, manifest: Manifest, date: datetime | None
) -> tuple[str, datetime]:
    """Write ``manifest`` at ``<schema>_<table>_<D>.manifest``, created only if absent.

    An explicit ``date`` is taken exactly; without one ``D`` is now, moved on by a second while
    taken. Returns the key and ``D``.
    """
    body = manifest.to_json()
    schema, table = destination.schema, destination.table
    # An explicit date is taken exactly (format_data_date refuses fractions of a second).
    when = (
        contract.data_date_now()
        if date is None
        else contract.parse_data_date(contract.format_data_date(date))
    )
    for _ in range(DATE_ATTEMPTS):
        manifest_key = contract.manifest_key(schema, table, when)
        if store.put_if_absent(manifest_key, body, content_type="application/json") is not None:
            log.info("Writing manifest to %s", store.url(manifest_key))
            return manifest_key, when
        if date is not None:
            raise PipeError(
                f"{_table_name(destination)}: a manifest for {contract.format_data_date(when)} already "
                f"exists at {store.url(manifest_key)}, and a manifest is never overwritten"
            )
        when += timedelta(seconds=1)
    raise PipeError(f"{_table_name(destination)}: no free data date found in {DATE_ATTEMPTS} seconds")


def write_config(
    store: ObjectStore, destination: DestinationConfig, facts: DataFacts, when: datetime, manifest_key: str
) -> str:
    """Write the load config for data date ``when`` beside the manifest at ``manifest_key``; its key.

    Created only if absent; a config already there must hold the same bytes.
    """
    config = destination.to_yaml(facts).encode()
    config_key = contract.config_key(destination.schema, destination.table, when)
    written = store.put_if_absent(config_key, config, content_type="application/x-yaml")
    if written is None and store.get(config_key) != config:
        raise PipeError(
            f"{_table_name(destination)}: a different load config already exists at "
            f"{store.url(config_key)}, beside the manifest just written at "
            f"{store.url(manifest_key)}; remove one of them and send again"
        )
    return config_key


def data_facts(destination: DestinationConfig, stats: Sequence[PackStats]) -> DataFacts:
    """What the packed rows hold, for the config's ``meta.rio``; ``stats`` are each packer's."""
    # Every character column's longest value (char, varchar, text, longtext), which the load widens a
    # VARCHAR by. A type that is not one (refused by validate() before a send) measures nothing.
    text_columns = set()
    for column in destination.columns:
        try:
            if column_type(column.type).family == "character":
                text_columns.add(column.name)
        except UnsupportedType:
            continue
    lengths: dict[str, int] = {}
    for snapshot in stats:
        for key in snapshot.keys.values():
            name = key.column or key.key.lower()
            if name in text_columns:
                lengths[name] = max(lengths.get(name, 0), key.max_bytes)
    minimums = [s.min_data_timestamp for s in stats if s.min_data_timestamp is not None]
    maximums = [s.max_data_timestamp for s in stats if s.max_data_timestamp is not None]
    return DataFacts(
        rows=sum(s.rows for s in stats),
        min_data_timestamp=min(minimums, default=None),
        max_data_timestamp=max(maximums, default=None),
        max_byte_lengths=dict(sorted(lengths.items())),
    )


def job_settings(
    destination: DestinationConfig,
    base: str,
    *,
    truncate: bool,
    force: bool,
    mode: LoadMode | str,
    granularity: Granularity | str | None,
    upsert_keys: Iterable[str] | None,
) -> dict[str, Any]:
    """The keywords of the job a send makes, checked as the job will check them, before anything is
    written; the destination config is validated too."""
    settings: dict[str, Any] = {
        "mode": LoadMode(mode),
        "granularity": None if granularity is None else Granularity(granularity),
        "truncate": truncate,
        "force": force,
        "upsert_keys": None if upsert_keys is None else tuple(upsert_keys),
        # The config's COPY options ride in the job too, so a job endpoint is told them.
        **destination.copy_options.said(),
    }
    Job(base=base, schema=destination.schema, tables=(destination.table,), **settings)
    destination.validate()
    return settings
