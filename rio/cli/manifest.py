"""``rio manifest``: a COPY manifest for data files already in storage, for users who run their own COPY."""

from __future__ import annotations

from pathlib import Path

import click

from rio.cli._common import CommandFailed, emit_json, rio_errors, s3_options, storage_settings
from rio.contract import s3_url, split_s3_url
from rio.errors import ContractError

__all__ = ["manifest"]

#: Keys that are never data: manifests and load configs.
_NOT_DATA = (".manifest", ".yml", ".yaml")


def _split_location(location: str) -> tuple[str, str]:
    """``(base, prefix)``: ``s3://bucket/some/prefix`` → ``(s3://bucket, some/prefix)``; a local
    directory is the base itself, and any other local path is its directory plus a name prefix."""
    if location.startswith("s3://"):
        bucket, prefix = split_s3_url(location)
        return s3_url(bucket), prefix
    path = Path(location.removeprefix("file://"))
    if path.is_dir():
        return str(path.resolve()), ""
    if not path.parent.is_dir():
        raise click.UsageError(f"{location!r}: no such directory {str(path.parent)!r}")
    return str(path.parent.resolve()), path.name


@click.command()
@click.argument("location", metavar="BASE/PREFIX")
@click.option(
    "--out",
    required=True,
    metavar="KEY",
    help="Where to write the manifest: a key in the same bucket (or directory), e.g. loads/events.manifest.",
)
@click.option(
    "--suffix",
    "suffixes",
    multiple=True,
    metavar="SUFFIX",
    help="List only keys ending so (repeatable), e.g. --suffix .json.gz. Default: every key under the "
    "prefix but manifests and .yml configs.",
)
@click.option(
    "--optional",
    is_flag=True,
    help="Mark entries mandatory: false (COPY skips a file that has gone). Default: mandatory.",
)
@click.option("--overwrite", is_flag=True, help="Replace a manifest already at --out (default: refuse).")
@s3_options
@click.option("--json", "as_json", is_flag=True, help="Print the manifest's URL and entries as JSON.")
def manifest(
    location: str,
    out: str,
    suffixes: tuple[str, ...],
    optional: bool,
    overwrite: bool,
    as_json: bool,
) -> None:
    """Write a COPY manifest listing every object under BASE/PREFIX.

    BASE/PREFIX is s3://bucket/key-prefix (a prefix of names, not only a folder) or a local path.
    The manifest is Redshift's format, uncompressed, with each file's content_length; it is never
    empty, and never replaces one already there unless --overwrite.

    \b
    Examples:
      rio manifest s3://lake/exports/events/2026-11-21/ --out manifests/events_2026-11-21.manifest
      rio manifest s3://lake/exports/events_ --suffix .json.gz --out events.manifest
    then, in Redshift:
      COPY analytics.events FROM 's3://lake/events.manifest' MANIFEST GZIP
        FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' IAM_ROLE '…';
    """
    from rio.contract import Manifest, ManifestEntry, check_key

    base, prefix = _split_location(location)
    with rio_errors(usage=(ContractError,)):
        check_key(out)
        store = storage_settings().open(base)
    try:
        with rio_errors():
            sizes = {
                key: size
                for key, size in store.list_sized(prefix)
                if key != out
                and not key.endswith(_NOT_DATA)
                and (not suffixes or key.endswith(tuple(suffixes)))
            }
            if not sizes:
                wanted = f" ending in {', '.join(suffixes)}" if suffixes else ""
                raise CommandFailed(
                    f"no data files{wanted} under {store.url(prefix)}; a manifest that lists no files "
                    "fails every COPY, so none was written"
                )
            entries = tuple(
                ManifestEntry(store.url(key), mandatory=not optional, content_length=size)
                for key, size in sorted(sizes.items())
            )
            body = Manifest(entries).to_json()
            if overwrite:
                store.put(out, body, content_type="application/json")
            elif store.put_if_absent(out, body, content_type="application/json") is None:
                raise CommandFailed(
                    f"{store.url(out)} already exists; a manifest is not replaced unless --overwrite"
                )
            url = store.url(out)
    finally:
        store.close()
    total = sum(entry.content_length or 0 for entry in entries)
    if as_json:
        emit_json({"manifest": url, "entries": len(entries), "bytes": total})
    else:
        click.echo(f"wrote {url}: {len(entries):,} files, {total:,} bytes")
