"""rio's command line: send, serve, load, pack, manifest and history.

Each command lives in a module of its own and is imported only when it runs (or when ``--help``
lists it), so ``rio --help`` stays fast and a command never pays for another's imports.

Exit codes, for schedulers: 0 every table loaded or was already loaded; 1 a table failed or the
command could not run; 2 bad flags or arguments; 3 some table was skipped as stale and none failed.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import click

__all__ = ["cli", "main"]

#: Subcommands and where each is defined (``module:attribute``), in the order ``--help`` lists them.
_COMMANDS = {
    "send": "rio.cli.send:send",
    "serve": "rio.cli.serve:serve",
    "load": "rio.cli.load:load",
    "pack": "rio.cli.pack:pack",
    "manifest": "rio.cli.manifest:manifest",
    "history": "rio.cli.history:history",
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported when first needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*_COMMANDS, *sorted(super().list_commands(ctx))]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = _COMMANDS.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        module_name, _, attribute = where.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{where} is not a click command")
        return command


@click.group(
    cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(package_name="rio", prog_name="rio")
@click.option("-v", "--verbose", count=True, help="Log more: -v for progress, -vv for every SQL statement.")
def cli(verbose: int) -> None:
    """Get rows into Amazon Redshift, PostgreSQL or DuckDB through S3 or a local directory.

    \b
    Load what a producer left in a bucket (the s3-to-redshift worker):
      rio send --bucket my-bucket --schema analytics --tables events --target redshift://…
    Pack NDJSON into gzip parts and a manifest, and load it into a DuckDB file:
      rio pack --schema analytics --table events --base ./data --config events.yml events.ndjson \\
          --send --target duckdb:///warehouse.duckdb
    Take jobs over HTTP:
      RIO_SERVE_TOKEN=secret rio serve --target postgresql://localhost/warehouse
    Load a CSV into a table, creating it from the data's types:
      rio load users.csv duckdb:///warehouse.duckdb::shop.users --upsert-key id

    Run `rio COMMAND --help` for each command's flags and examples.
    """
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: list[str] | None = None) -> Any:
    """The ``rio`` console script."""
    return cli.main(args=argv, prog_name="rio")
