"""Which warehouse a command loads into: a URL, a profile's target, or the Go worker's environment.

One function decides for every command that loads (``rio send``, ``rio serve``, ``rio history``),
in the order a user expects: an explicit ``--target`` URL, else a ``--profile`` (whose ``--target``
names one of its outputs), else ``REDSHIFT_HOST``/``REDSHIFT_PORT``/``REDSHIFT_DB``/``REDSHIFT_USER``/
``REDSHIFT_PASSWORD`` as the Go worker read them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from rio.errors import ConfigFileError
from rio.profiles import load_profile, target_from_environment, target_from_url

__all__ = ["NoTarget", "describe_target", "resolve_target"]

#: The schemes that make ``--target`` a warehouse URL rather than the name of a profile's output.
_URL_PREFIXES = ("duckdb://", "postgresql://", "postgres://", "redshift://")


class NoTarget(ConfigFileError):
    """No warehouse was named: no --target URL, no --profile, no REDSHIFT_* environment."""

    def __init__(self) -> None:
        super().__init__(
            "command line",
            "--target",
            "no warehouse to load into: pass --target URL (duckdb:///w.duckdb, postgresql://…, "
            "redshift://…), or --profile NAME with a profiles.yml, or set REDSHIFT_DB, REDSHIFT_USER "
            "and REDSHIFT_PASSWORD (and REDSHIFT_HOST, REDSHIFT_PORT) as the Go worker read them",
        )


def resolve_target(
    target: str | None = None,
    profile: str | None = None,
    profiles_dir: str | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The settings of the warehouse to load into (always with ``type``).

    ``target`` is a warehouse URL, or — with ``profile`` — the name of one of the profile's outputs.
    ``env`` defaults to ``os.environ``.
    """
    env = os.environ if env is None else env
    if target is not None and target.startswith(_URL_PREFIXES):
        return target_from_url(target)
    if profile is not None:
        return load_profile(profile, target, profiles_dir=profiles_dir, env=env)
    if target is not None:
        raise ConfigFileError(
            "command line",
            "--target",
            f"{target!r} is neither a warehouse URL (duckdb:///…, postgresql://…, redshift://…) nor, "
            "without --profile, the name of a profile's target",
        )
    found = target_from_environment(env)
    if found is None:
        raise NoTarget()
    return found


def describe_target(settings: Mapping[str, Any]) -> str:
    """A short, credential-free description of a target, for messages and logs."""
    kind = str(settings.get("type", "?"))
    if kind == "duckdb":
        return f"duckdb {settings.get('path', '')}"
    host = settings.get("host", "")
    port = settings.get("port", "")
    database = settings.get("dbname") or settings.get("database") or ""
    where = f"{host}:{port}" if port else str(host)
    return f"{kind} {where}/{database}"
