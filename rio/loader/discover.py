"""Finding a table's data and config in a store, as the Go worker did and as rio writes them.

With a date, the keys are probed in the Go worker's order (manifest, then ``.json.gz``, then
``.json``; flat, then partitioned). Without one, the latest date is read from key names — never from
modification times — over every page of a listing, with the contract's strict parser, so another
table's keys that share a prefix are never taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rio import contract
from rio.adapters.base import DataFile
from rio.config import DataFacts, DestinationConfig, read_table_config
from rio.contract import DataKey, Job, Manifest, manifest_digest
from rio.errors import DataNotFound, ObjectNotFound
from rio.storage import ObjectStore

__all__ = ["FoundData", "find_data"]


@dataclass(frozen=True)
class FoundData:
    """Everything a load of one table reads before it touches the warehouse."""

    schema: str
    table: str
    date: datetime
    data_url: str  # the manifest, or the single data file
    files: tuple[DataFile, ...]
    gzip: bool
    manifest_sha256: str | None
    config: DestinationConfig
    config_url: str
    facts: DataFacts | None = None
    #: A key of each row that numbers the rows in input order (in data rio staged itself), so an
    #: upsert keeps the last row per key where the warehouse keeps no order of its own.
    row_number_key: str | None = None

    @property
    def is_manifest(self) -> bool:
        return self.data_url.endswith(".manifest")


def _probe(store: ObjectStore, schema: str, table: str, date: datetime) -> DataKey | None:
    for key in contract.candidate_data_keys(schema, table, date):
        if store.exists(key):
            return contract.parse_data_key(key, schema, table)
    return None


def _latest(store: ObjectStore, schema: str, table: str) -> DataKey | None:
    keys = (key for prefix in contract.listing_prefixes(schema, table) for key in store.list(prefix))
    return contract.latest_data_key(keys, schema, table)


def _read_config(
    store: ObjectStore, job: Job, schema: str, table: str, date: datetime
) -> tuple[DestinationConfig, DataFacts | None, str]:
    if job.config is not None:
        candidates = [job.config]
    else:
        candidates = contract.candidate_config_keys(schema, table, date)
    for where in candidates:
        url = where if "://" in where else (f"file://{where}" if where.startswith("/") else store.url(where))
        try:
            text = store.get_url(url)
        except ObjectNotFound:
            continue
        entry = read_table_config(text, table=table, schema=schema, source=url)
        entry.destination.validate()
        return entry.destination, entry.facts, url
    shown = ", ".join(store.url(key) if "://" not in key else key for key in candidates)
    raise DataNotFound(
        f"{schema}.{table}: no load config for {contract.format_data_date(date)} (looked at {shown})"
    )


def find_data(store: ObjectStore, job: Job, table: str) -> FoundData:
    """The data, manifest and config of one table of the job; :class:`DataNotFound` if any is missing."""
    schema = job.schema
    found = _probe(store, schema, table, job.date) if job.date is not None else _latest(store, schema, table)
    if found is None:
        when = contract.format_data_date(job.date) if job.date is not None else "any date"
        raise DataNotFound(
            f"{schema}.{table}: no data for {when} in {store.base} (looked for "
            f"{schema}_{table}_<date>.manifest, .json.gz and .json, flat and in "
            f"{schema}/{table}/_data_timestamp_year=…/)"
        )
    data_url = store.url(found.key)
    config, facts, config_url = _read_config(store, job, schema, table, found.date)
    if found.suffix == "manifest":
        raw = store.get_url(data_url)
        manifest = Manifest.from_json(raw, source=data_url)
        files = tuple(
            DataFile(entry.url, mandatory=entry.mandatory, size=entry.content_length)
            for entry in manifest.entries
        )
        digest: str | None = manifest_digest(raw)
        gzip = True
    else:
        files = (DataFile(data_url, mandatory=True, size=store.size(found.key)),)
        digest = None
        gzip = found.suffix == "json.gz"
    return FoundData(schema, table, found.date, data_url, files, gzip, digest, config, config_url, facts)
