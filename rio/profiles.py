"""Where warehouse settings come from: dbt-style profiles, URLs, and the Go worker's environment.

A ``profiles.yml`` maps a profile name to ``{target: <name>, outputs: {<name>: {type: …, …}}}``,
exactly as dbt's does; any string may be ``{{ env_var('NAME') }}`` or ``{{ env_var('NAME', 'default') }}``.
The file is looked up in ``--profiles-dir``, then ``$RIO_PROFILES_DIR``, then the current directory,
then ``~/.rio``. A target is the mapping of one output: its ``type`` names the adapter, the rest are
the adapter's credentials. URLs (``postgresql://…``, ``duckdb:///path``, ``redshift://…``) and the
Go worker's ``REDSHIFT_HOST``/``REDSHIFT_PORT``/``REDSHIFT_DB``/``REDSHIFT_USER``/``REDSHIFT_PASSWORD``
become targets of the same shape.

:func:`resolve_target` is the one rule every command that loads (``rio send``, ``rio serve``,
``rio history``) and the server follow, in the order a user expects: an explicit ``--target`` URL,
else a ``--profile`` (whose ``--target`` names one of its outputs), else the Go worker's
``REDSHIFT_*`` environment. It lives here, below both :mod:`rio.cli` and :mod:`rio.server`, so
neither has to import the other to learn where rows go.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml

from rio import redaction
from rio.config import describe_yaml_error
from rio.errors import ConfigFileError, UnknownAdapter

__all__ = [
    "PROFILES_FILE",
    "NoTarget",
    "describe_target",
    "find_profiles_file",
    "load_profile",
    "resolve_target",
    "safe_url",
    "target_from_environment",
    "target_from_url",
]

PROFILES_FILE = "profiles.yml"

_ENV_VAR = re.compile(
    r"""\{\{\s*env_var\(\s*(['"])(?P<name>[^'"]+)\1\s*(?:,\s*(['"])(?P<default>[^'"]*)\3\s*)?\)\s*\}\}"""
)

#: URL schemes and the adapter type each names.
_SCHEMES = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "duckdb": "duckdb",
    "redshift": "redshift",
}

#: The schemes that make ``--target`` a warehouse URL rather than the name of a profile's output.
_URL_PREFIXES = ("duckdb://", "postgresql://", "postgres://", "redshift://")


def find_profiles_file(profiles_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The profiles file to read: in ``profiles_dir``, ``$RIO_PROFILES_DIR``, ``.``, then ``~/.rio``."""
    candidates: list[Path] = []
    if profiles_dir is not None:
        return Path(profiles_dir) / PROFILES_FILE
    if os.environ.get("RIO_PROFILES_DIR"):
        candidates.append(Path(os.environ["RIO_PROFILES_DIR"]) / PROFILES_FILE)
    candidates += [Path.cwd() / PROFILES_FILE, Path.home() / ".rio" / PROFILES_FILE]
    return next((path for path in candidates if path.is_file()), None)


def _render(value: Any, source: str, field: str, env: Mapping[str, str]) -> Any:
    """Replace ``{{ env_var(...) }}`` in every string of a parsed profile."""
    if isinstance(value, dict):
        return {key: _render(item, source, f"{field}.{key}", env) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, source, f"{field}[{index}]", env) for index, item in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match["name"], match["default"]
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ConfigFileError(source, field, f"uses env_var('{name}'), and ${name} is not set")

    return _ENV_VAR.sub(substitute, value)


def load_profile(
    profile: str,
    target: str | None = None,
    *,
    profiles_dir: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The settings of one target of a profile, with environment variables substituted.

    ``target`` defaults to the profile's ``target``. The result always has ``type``.
    """
    path = find_profiles_file(profiles_dir)
    if path is None or not path.is_file():
        where = (
            path if path is not None else f"$RIO_PROFILES_DIR, ./{PROFILES_FILE} or ~/.rio/{PROFILES_FILE}"
        )
        raise ConfigFileError(str(where), "", "no profiles file found; write one or pass a warehouse URL")
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError(source, "", f"cannot be read as YAML: {exc}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # PyYAML's own message shows the offending line, and the file holds passwords.
        raise ConfigFileError(
            source, "", f"cannot be read as YAML: {describe_yaml_error(exc, text)}"
        ) from None
    if not isinstance(document, dict):
        raise ConfigFileError(source, "", "must map profile names to {target, outputs}")
    if profile not in document:
        known = ", ".join(sorted(map(str, document))) or "none"
        raise ConfigFileError(source, profile, f"no such profile (profiles in the file: {known})")
    entry = document[profile]
    if not isinstance(entry, dict) or not isinstance(entry.get("outputs"), dict):
        raise ConfigFileError(source, f"{profile}.outputs", "must be a mapping of target names to settings")
    name = target or entry.get("target")
    if not name:
        raise ConfigFileError(source, f"{profile}.target", "no target given and the profile names none")
    outputs = entry["outputs"]
    if name not in outputs:
        known = ", ".join(sorted(map(str, outputs))) or "none"
        raise ConfigFileError(source, f"{profile}.outputs", f"has no target {name!r} (targets: {known})")
    settings = _render(outputs[name], source, f"{profile}.outputs.{name}", os.environ if env is None else env)
    if not isinstance(settings, dict) or not isinstance(settings.get("type"), str):
        raise ConfigFileError(source, f"{profile}.outputs.{name}.type", "must name the warehouse type")
    redaction.register_mapping(settings)
    return dict(settings)


def target_from_url(url: str) -> dict[str, Any]:
    """The settings a warehouse URL describes: ``postgresql://user:pass@host:5432/db``,
    ``duckdb:///relative.duckdb`` or ``duckdb:////absolute/path.duckdb``, and
    ``redshift://user:pass@host:5439/db?iam_role=…&region=…``. Query parameters become settings.
    """
    parts = urlsplit(url)
    adapter = _SCHEMES.get(parts.scheme.lower())
    if adapter is None:
        known = ", ".join(f"{scheme}://" for scheme in _SCHEMES)
        raise UnknownAdapter(f"warehouse URL {safe_url(url)!r} has an unknown scheme; rio knows {known}")
    settings: dict[str, Any] = {"type": adapter}
    if adapter == "duckdb":
        # As SQLAlchemy reads sqlite URLs: duckdb:///relative.duckdb, duckdb:////absolute/path.duckdb.
        if parts.netloc:
            raise UnknownAdapter(
                f"warehouse URL {url!r}: a DuckDB URL names a file, duckdb:///relative.duckdb or "
                "duckdb:////absolute/path.duckdb, not a host"
            )
        settings["path"] = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
    else:
        if parts.hostname:
            settings["host"] = parts.hostname
        if parts.port:
            settings["port"] = parts.port
        if parts.username:
            settings["user"] = unquote(parts.username)
        if parts.password is not None:
            settings["password"] = unquote(parts.password)
        dbname = parts.path.lstrip("/")
        if dbname:
            settings["dbname"] = unquote(dbname)
    settings.update(parse_qsl(parts.query))
    redaction.register_mapping(settings)
    return settings


def safe_url(url: str) -> str:
    """A URL with its password (and any secret query parameter) masked, for messages; never raises.

    The masking itself is :func:`rio.redaction.mask_url`'s, the one owner of what a secret is.
    """
    return redaction.mask_url(url)


def target_from_environment(env: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The Redshift target the Go worker's variables describe, or None when ``REDSHIFT_DB`` is unset.

    ``REDSHIFT_HOST`` defaults to localhost and ``REDSHIFT_PORT`` to 5439, as the Go worker had it;
    ``REDSHIFT_DB``, ``REDSHIFT_USER`` and ``REDSHIFT_PASSWORD`` are required together.
    """
    env = os.environ if env is None else env
    if not env.get("REDSHIFT_DB"):
        return None
    missing = [name for name in ("REDSHIFT_USER", "REDSHIFT_PASSWORD") if not env.get(name)]
    if missing:
        raise ConfigFileError(
            "environment", missing[0], f"REDSHIFT_DB is set, so {', '.join(missing)} must be set too"
        )
    port_text = env.get("REDSHIFT_PORT", "5439")
    if not port_text.isdigit():
        raise ConfigFileError("environment", "REDSHIFT_PORT", f"{port_text!r} is not a port number")
    redaction.register(env["REDSHIFT_PASSWORD"])
    return {
        "type": "redshift",
        "host": env.get("REDSHIFT_HOST", "localhost"),
        "port": int(port_text),
        "dbname": env["REDSHIFT_DB"],
        "user": env["REDSHIFT_USER"],
        "password": env["REDSHIFT_PASSWORD"],
    }


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
