"""``rio serve``: take load jobs over HTTP and run them into one warehouse.

The server itself lives in :mod:`rio.server`; this module only reads the flags, so ``rio --help``
never imports starlette or uvicorn.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import MutableMapping, Sequence
from pathlib import Path

import click

from rio.cli._common import rio_errors, s3_options, storage_settings, warehouse_options
from rio.cli._verbosity import level_chosen
from rio.errors import ConfigError, ConfigFileError, InvalidBase
from rio.profiles import resolve_target

__all__ = ["serve"]

#: Settings of a profile's target that are rio serve's own, never the warehouse adapter's.
_SERVE_SETTINGS = ("allow_bases", "allow_schemas")


def _words(settings: MutableMapping[str, object], key: str) -> list[str]:
    """A list of strings from a profile target's ``key``: a YAML list, or one string split at white space."""
    value = settings.pop(key, None)
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ConfigFileError(
        "the profile's target",
        key,
        "must be a list of strings, or one string of them separated by white space",
    )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on; 0 picks a free one (the 'listening on' line says which).",
)
@click.option(
    "--token",
    envvar="RIO_SERVE_TOKEN",
    metavar="TOKEN",
    help="Bearer token clients must send on /jobs. Prefer the RIO_SERVE_TOKEN environment variable: "
    "a flag is visible to every user of the machine in the process list.",
)
@warehouse_options
@s3_options
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("rio-serve.sqlite3"),
    show_default=True,
    help="SQLite file that keeps every job, so a restart loses nothing. One server per file.",
)
@click.option(
    "--allow-base",
    "allow_bases",
    multiple=True,
    envvar="RIO_SERVE_ALLOW_BASES",
    metavar="URL|DIR",
    help="A base jobs may read from: s3://bucket, s3://bucket/prefix, or a directory (a relative one is "
    "taken from where rio serve starts). Repeat it for several; also $RIO_SERVE_ALLOW_BASES (separated "
    "by white space) and allow_bases: in the profile's target. A job's base, its config and every file "
    "its manifests list must lie inside one, after '..' and symlinks are resolved. Without any, every "
    "job is refused.",
)
@click.option(
    "--allow-schema",
    "allow_schemas",
    multiple=True,
    envvar="RIO_SERVE_ALLOW_SCHEMAS",
    metavar="SCHEMA",
    help="A schema jobs may load into (compared case-blind). Repeat it for several; also "
    "$RIO_SERVE_ALLOW_SCHEMAS and allow_schemas: in the profile's target. Default: any schema but the "
    "system ones, which are always refused.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=2,
    show_default=True,
    help="Jobs run at once; two jobs that load the same table never do.",
)
@click.option(
    "--grace",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds a stop (SIGTERM, SIGINT) waits for running jobs to finish.",
)
def serve(
    host: str,
    port: int,
    token: str | None,
    target: str | None,
    profile: str | None,
    profiles_dir: str | None,
    state_path: Path,
    allow_bases: Sequence[str],
    allow_schemas: Sequence[str],
    workers: int,
    grace: float,
) -> None:
    """Take load jobs over HTTP and run them into one warehouse.

    \b
    Serve a local PostgreSQL, for data under one directory; clients send the token as
    'Authorization: Bearer …':
      RIO_SERVE_TOKEN=$(openssl rand -hex 32) rio serve --target postgresql://localhost/warehouse \\
          --allow-base /srv/rio-data
    Serve the Redshift of a profile, four jobs at a time, on every interface, for data in one bucket
    and under one prefix of another, into two schemas only:
      rio serve --profile analytics --target prod --workers 4 --host 0.0.0.0 --port 8080 \\
          --allow-base s3://my-bucket --allow-base s3://lake/exports \\
          --allow-schema analytics --allow-schema staging
    Send a job (rio's JSON job, as RedshiftIO(job_endpoint=…) and `rio send --endpoint` post it):
      curl -H "Authorization: Bearer $RIO_SERVE_TOKEN" -H 'Content-Type: application/json' \\
           -d '{"version":1,"base":"s3://my-bucket","schema":"analytics","tables":["events"],
                "date":"2026-11-21T10:00:00Z","mode":"append","truncate":false,"force":false}' \\
           http://127.0.0.1:8080/jobs
    Send the Go tools' flag line, and follow the job:
      curl -H "Authorization: Bearer $RIO_SERVE_TOKEN" -H 'Content-Type: text/plain' \\
           -d '--bucket my-bucket --schema analytics --tables events --date 2026-11-21T10:00:00Z' \\
           http://127.0.0.1:8080/jobs
      curl -H "Authorization: Bearer $RIO_SERVE_TOKEN" http://127.0.0.1:8080/jobs/JOB_ID

    \b
    A job may touch only what the server was started to allow. Its base, its config and every file its
    manifests list must lie inside an --allow-base (local paths after '..' and symlinks are resolved;
    s3://b/data holds s3://b/data/x, never s3://b/database), else POST /jobs answers 400 naming the
    field and nothing is read; a manifest entry outside fails its table before any file is opened.
    With --allow-schema, its schema must be one of them. System schemas (information_schema,
    catalog_history, pg_catalog, every pg_ name) and the ledger's table (rio_loads) are never loaded
    into. Without an --allow-base the server starts, warns, and refuses every job.

    \b
    POST /jobs answers 202 {"id", "state", "url"}; posting a job id again runs nothing and answers
    200 with the job's state. GET /jobs/ID answers {"state": queued|running|finished, "outcomes",
    "exit_code"} (0 loaded, 3 stale, 1 failed). GET /healthz needs no token.

    Jobs are kept in the --state file: after a restart, queued jobs and jobs that were running run
    (again); the warehouse's load ledger makes a second load of a table and date a no-op, so several
    servers may load one warehouse. SIGTERM stops taking jobs, waits --grace seconds for running
    ones, and exits 0.
    """
    if not token:
        raise click.UsageError(
            "rio serve needs a bearer token for its clients: set RIO_SERVE_TOKEN (or pass --token), "
            "for example RIO_SERVE_TOKEN=$(openssl rand -hex 32)"
        )
    if any(ch.isspace() for ch in token):
        raise click.UsageError("the bearer token must not hold spaces or other white space")
    from rio.adapters import resolve_adapter
    from rio.server.policy import AccessPolicy

    with rio_errors():
        settings = resolve_target(target, profile, profiles_dir)
    # The allow lists are the server's: the warehouse adapter never sees them.
    with rio_errors(usage=(ConfigError, InvalidBase)):
        from_target = {key: _words(settings, key) for key in _SERVE_SETTINGS}
        policy = AccessPolicy.from_lists(
            [*allow_bases, *from_target["allow_bases"]], [*allow_schemas, *from_target["allow_schemas"]]
        )
    with rio_errors():
        # Fail now, not at the first job, on a warehouse type rio does not know.
        resolve_adapter(settings)
    missing = [name for name in ("starlette", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        raise click.ClickException(
            f"rio serve needs {' and '.join(missing)}, which are not installed; install them with: "
            "pip install 'rio[server]'"
        )
    from rio.server.main import ServeSettings
    from rio.server.main import serve as run_server

    server_log = logging.getLogger("rio.server")
    if not level_chosen() and server_log.getEffectiveLevel() > logging.INFO:
        # A service says what it does with each job, unless -v, -q or RIO_LOG_LEVEL said how much.
        server_log.setLevel(logging.INFO)
    with rio_errors():
        code = run_server(
            ServeSettings(
                token=token,
                target=settings,
                state_path=state_path,
                host=host,
                port=port,
                workers=workers,
                grace=grace,
                storage=storage_settings(),
                policy=policy,
            )
        )
    raise SystemExit(code)
