"""``rio manifest``: a COPY manifest for data files already in storage, for users who run their own COPY."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rio._words import plural
from rio.cli._common import CommandFailed, emit_json, rio_errors, s3_options, say, storage_settings
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


_OUT_EXAMPLE = "loads/events.manifest"


def _out_problem(out: str, base: str) -> str | None:
    """Why ``--out`` is not a key of ``base`` (a URL, a path from here), with the key to write instead."""
    if out.startswith("s3://"):
        try:
            bucket, key = split_s3_url(out)
        except ContractError:
            bucket, key = "", ""
        if bucket and base == s3_url(bucket) and key:
            return f"{out!r} is a URL; --out takes a key in {base}: write --out {key}"
        return (
            f"{out!r} is a URL; --out takes a key, and the manifest is written in {base}, beside the data "
            f"it lists: e.g. --out {_OUT_EXAMPLE} writes {base.rstrip('/')}/{_OUT_EXAMPLE}"
        )
    if "://" in out and not out.startswith("file://"):
        return f"{out!r} is a URL; --out takes a key in {base}: e.g. --out {_OUT_EXAMPLE}"
    if not out.startswith(("file://", "/", "./", "../")):
        return None
    if base.startswith("s3://"):
        return f"{out!r} is a local path; --out takes a key in {base}: e.g. --out {_OUT_EXAMPLE}"
    path = Path(out.removeprefix("file://")).resolve()
    if path != Path(base) and path.is_relative_to(base):
        relative = path.relative_to(base)
        return f"{out!r} is a path from here; --out takes one relative to {base}: write --out {relative}"
    return (
        f"{out!r} is outside {base}; --out takes a path relative to it, beside the data the manifest "
        f"lists: e.g. --out {_OUT_EXAMPLE}"
    )


@click.command()
@click.argument("location", metavar="BASE/PREFIX")
@click.option(
    "--out",
    required=True,
    metavar="KEY",
    help="Where to write the manifest: a key in BASE/PREFIX's bucket (or a path in its directory), not a "
    "URL, e.g. loads/events.manifest for s3://lake/loads/events.manifest.",
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
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the manifest's URL, its entries (as written: url, mandatory, meta.content_length), and "
    "how many files and bytes they list, as JSON.",
)
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
      rio manifest ./parts --out all.manifest --json
    then, in Redshift:
      COPY analytics.events FROM 's3://lake/events.manifest' MANIFEST GZIP
        FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto' IAM_ROLE '…';
    """
    from rio.contract import Manifest, ManifestEntry, check_key

    base, prefix = _split_location(location)
    problem = _out_problem(out, base)
    if problem is not None:
        raise click.BadParameter(problem, param_hint="'--out'")
    try:
        check_key(out)
    except ContractError as exc:
        raise click.BadParameter(
            f"{exc}; --out takes a key in {base}, e.g. --out {_OUT_EXAMPLE}", param_hint="'--out'"
        ) from exc
    with rio_errors(usage=(ContractError,)):
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
                    f"no data files{wanted} under {store.url(prefix) if prefix else store.base}; a manifest "
                    "that lists no files "
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
        listed = json.loads(body)["entries"]
        emit_json({"manifest": url, "entries": listed, "files": len(entries), "bytes": total})
    else:
        say(f"wrote {url}: {plural(len(entries), 'file')}, {plural(total, 'byte')}")
