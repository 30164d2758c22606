"""rio's command line: send, serve, load, pack, manifest, history, debug, init and completion.

Each command lives in a module of its own and is imported only when it runs (or when ``--help``
lists it), so ``rio --help`` stays fast and a command never pays for another's imports.

Exit codes, for schedulers: 0 every table loaded or was already loaded; 1 a table failed or the
command could not run; 2 bad flags or arguments; 3 some table was skipped as stale and none failed.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import click

from rio.cli._json_errors import json_errors, wants_json
from rio.cli._verbosity import add_verbosity_options, start_logging

__all__ = ["cli", "main"]

#: Subcommands and where each is defined (``module:attribute``), in the order ``--help`` lists them.
_COMMANDS = {
    "send": "rio.cli.send:send",
    "serve": "rio.cli.serve:serve",
    "load": "rio.cli.load:load",
    "pack": "rio.cli.pack:pack",
    "manifest": "rio.cli.manifest:manifest",
    "history": "rio.cli.history:history",
    "debug": "rio.cli.debug:debug",
    "init": "rio.cli.init:init",
    "completion": "rio.cli.completion:completion",
}

_JSON_META = "rio.json"

_EPILOG = """\b
How much is said (on stderr), before or after COMMAND:
  -v  progress   -vv  every SQL statement   -vvv  other libraries' debug logs too
  -q  only what went wrong
  RIO_LOG_LEVEL=DEBUG|INFO|WARNING|ERROR sets rio's level when neither is given.

\b
With --json, a command prints one JSON document on stdout even when it fails:
  {"error": {"type": "DataNotFound", "message": "…", "exit_code": 1, …}}

\b
Shell completion of commands and flags (bash; zsh and fish alike, with zsh_source, fish_source):
  eval "$(_RIO_COMPLETE=bash_source rio)"     # in ~/.bashrc
  rio completion bash > ~/.local/share/bash-completion/completions/rio
"""


class _LazyGroup(click.Group):
    """A group whose subcommands are imported when first needed.

    Every subcommand also takes ``-v`` and ``-q``, and with ``--json`` anywhere on the command
    line a failure, bad flags included, is printed as one JSON document.
    """

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
        return add_verbosity_options(command)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        # Bad flags of the group itself are found here, before any command runs.
        as_json = wants_json(args)
        with json_errors(as_json):
            ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta[_JSON_META] = as_json
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        # A subcommand's bad flags, and its failures, are found here.
        with json_errors(ctx.meta.get(_JSON_META, False)):
            start_logging(ctx)
            return super().invoke(ctx)


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=_EPILOG,
)
@click.version_option(package_name="rio", prog_name="rio")
def cli() -> None:
    """Get rows into Amazon Redshift, PostgreSQL or DuckDB through S3 or a local directory.

    \b
    Load what a producer left in a bucket (the s3-to-redshift worker's flags, -schema=… or --schema …):
      rio send -bucket=my-bucket -schema=analytics -tables=events,users --target redshift://…
    Pack NDJSON into gzip parts and a manifest, and load it into a DuckDB file:
      rio pack --schema analytics --table events --base ./data --config events.yml events.ndjson \\
          --send --target duckdb:///warehouse.duckdb
    Take jobs over HTTP:
      RIO_SERVE_TOKEN=secret rio serve --target postgresql://localhost/warehouse
    Load a CSV into a table, creating it from the data's types:
      rio load users.csv duckdb:///warehouse.duckdb::shop.users --upsert-key id

    Run `rio COMMAND --help` for each command's flags and examples.
    """


add_verbosity_options(cli)


def main(argv: Sequence[str] | None = None) -> Any:
    """The ``rio`` console script."""
    return cli.main(args=None if argv is None else list(argv), prog_name="rio")
