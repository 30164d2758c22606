"""Where warehouse settings come from: dbt profiles, URLs, and the Go worker's environment.

A ``profiles.yml`` maps a profile name to ``{target: <name>, outputs: {<name>: {type: …, …}}}``,
exactly as dbt's does, and a dbt user's own file is read as written. Any string may be
``{{ env_var('NAME') }}`` or ``{{ env_var('NAME', 'default') }}``, with or without one of dbt's
filters (``| as_number``, ``| as_bool``, ``| as_text``, ``| as_native``, ``| int``,
``| float``, ``| string``). The file is looked up in ``--profiles-dir``, then ``$RIO_PROFILES_DIR``,
the current directory and ``~/.rio``, then where dbt keeps it: ``$DBT_PROFILES_DIR`` and ``~/.dbt``.

A target is the mapping of one output: its ``type`` names the adapter, the rest are the adapter's
settings. An output of dbt-postgres, dbt-redshift or dbt-duckdb becomes the settings of rio's
adapter of that type: ``pass`` is ``password``, ``method: iam`` with ``cluster_id`` and
``iam_profile`` is redshift_connector's IAM sign-in, dbt-postgres's ``search_path`` and ``role`` are
libpq startup options, and so on. dbt's settings that rio has no use for (``threads``,
``keepalives_idle``…) are dropped with a DEBUG line; dbt's settings that rio's adapter cannot pass
on are dropped with a WARNING; a setting neither rio nor dbt knows is kept, and warned about. The
output's ``schema`` stays in the target, where adapters ignore it: :func:`default_schema` reads it.
URLs (``postgresql://…``, ``duckdb:///path``, ``redshift://…``) and the Go worker's
``REDSHIFT_HOST``/``REDSHIFT_PORT``/``REDSHIFT_DB``/``REDSHIFT_USER``/``REDSHIFT_PASSWORD`` become
targets of the same shape.

:func:`resolve_target` is the one rule every command that loads (``rio send``, ``rio serve``,
``rio history``) and the server follow, in the order a user expects: an explicit ``--target`` URL,
else a ``--profile`` (whose ``--target`` names one of its outputs), else the Go worker's
``REDSHIFT_*`` environment. It lives here, below both :mod:`rio.cli` and :mod:`rio.server`, so
neither has to import the other to learn where rows go.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    "default_schema",
    "describe_target",
    "find_profiles_file",
    "load_profile",
    "resolve_target",
    "safe_url",
    "target_from_environment",
    "target_from_url",
]

log = redaction.logger(__name__)

PROFILES_FILE = "profiles.yml"

_ENV_VAR = re.compile(
    r"""\{\{\s*env_var\(\s*(['"])(?P<name>[^'"]+)\1\s*(?:,\s*(['"])(?P<default>[^'"]*)\3\s*)?\)"""
    r"""\s*(?:\|\s*(?P<filter>\w+)\s*)?\}\}"""
)
#: dbt's prefix of environment variables that hold secrets: their values are masked wherever they go.
_SECRET_ENV_PREFIX = "DBT_ENV_SECRET"
_TRUE, _FALSE = frozenset({"true", "yes", "on", "1"}), frozenset({"false", "no", "off", "0"})

#: URL schemes and the adapter type each names.
_SCHEMES = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "duckdb": "duckdb",
    "redshift": "redshift",
}

#: The schemes that make ``--target`` a warehouse URL rather than the name of a profile's output.
_URL_PREFIXES = ("duckdb://", "postgresql://", "postgres://", "redshift://")


def _profiles_candidates() -> list[Path]:
    """Where a profiles file is looked for, in order, when no directory is given."""
    candidates: list[Path] = []
    if os.environ.get("RIO_PROFILES_DIR"):
        candidates.append(Path(os.environ["RIO_PROFILES_DIR"]) / PROFILES_FILE)
    candidates += [Path.cwd() / PROFILES_FILE, Path.home() / ".rio" / PROFILES_FILE]
    # A dbt user's file, read as written, after rio's own places.
    if os.environ.get("DBT_PROFILES_DIR"):
        candidates.append(Path(os.environ["DBT_PROFILES_DIR"]) / PROFILES_FILE)
    candidates.append(Path.home() / ".dbt" / PROFILES_FILE)
    return candidates


def find_profiles_file(profiles_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The profiles file to read: in ``profiles_dir`` if given, else the first that exists of
    ``$RIO_PROFILES_DIR``, ``.``, ``~/.rio``, ``$DBT_PROFILES_DIR`` and ``~/.dbt``."""
    if profiles_dir is not None:
        return Path(profiles_dir) / PROFILES_FILE
    return next((path for path in _profiles_candidates() if path.is_file()), None)


def _filtered(text: str, name: str | None, source: str, field: str) -> Any:
    """``text`` through one of dbt's filters; the value is never shown, as it may be a secret."""
    if name is None or name in ("as_text", "string"):
        return text
    if name in ("as_number", "int", "float"):
        try:
            number = float(text.strip())
        except ValueError:
            raise ConfigFileError(source, field, f"applies {name} to a value that is not a number") from None
        return int(number) if name == "int" or (name == "as_number" and number.is_integer()) else number
    if name == "as_bool":
        lowered = text.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise ConfigFileError(source, field, "applies as_bool to a value that is not true or false")
        return lowered in _TRUE
    if name == "as_native":
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            raise ConfigFileError(source, field, "applies as_native to a value that is not YAML") from None
    raise ConfigFileError(
        source,
        field,
        f"uses the filter {name}, which rio does not apply "
        "(it knows as_text, as_number, as_bool, as_native, int, float and string)",
    )


def _render(value: Any, source: str, field: str, env: Mapping[str, str]) -> Any:
    """Replace ``{{ env_var(...) }}`` in every string of a parsed profile."""
    if isinstance(value, dict):
        return {key: _render(item, source, f"{field}.{key}", env) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, source, f"{field}[{index}]", env) for index, item in enumerate(value)]
    if not isinstance(value, str):
        return value

    def lookup(match: re.Match[str]) -> str:
        name, default = match["name"], match["default"]
        if name in env:
            if name.startswith(_SECRET_ENV_PREFIX):
                redaction.register(env[name])
            return env[name]
        if default is not None:
            return default
        raise ConfigFileError(source, field, f"uses env_var('{name}'), and ${name} is not set")

    whole = _ENV_VAR.fullmatch(value)
    if whole is not None:
        # The whole value is one template: a filter may make it a number, a boolean or a list.
        return _filtered(lookup(whole), whole["filter"], source, field)
    rendered = _ENV_VAR.sub(
        lambda match: str(_filtered(lookup(match), match["filter"], source, field)), value
    )
    if "{{" in rendered or "{%" in rendered:
        log.warning(
            "%s: %s holds a template rio does not render (it renders env_var() only); "
            "its text is used as written",
            source,
            field,
        )
    return rendered


# --- dbt's outputs as rio's targets ------------------------------------------------------------------

#: Settings of any target, read by rio rather than by its adapter: where tables go by default, and
#: what ``rio serve`` allows.
_TARGET_KEYS = frozenset({"type", "schema", "allow_bases", "allow_schemas"})

_Finish = Callable[[Mapping[str, Any], dict[str, Any], str, str], None]


@dataclass(frozen=True)
class _Dialect:
    """How an output of one dbt adapter becomes the settings of rio's adapter of the same type."""

    #: dbt's adapter, as messages name it.
    dbt_adapter: str
    #: The settings rio's adapter reads, kept as they are. rio/adapters/*.py read these names.
    own: frozenset[str]
    #: dbt's names of settings rio's adapter reads under another name.
    renamed: Mapping[str, str] = field(default_factory=dict)
    #: dbt's settings that ``finish`` reads and turns into rio's.
    translated: frozenset[str] = frozenset()
    #: dbt's settings rio has no use for, each with why: dropped with a DEBUG line.
    ignored: Mapping[str, str] = field(default_factory=dict)
    #: dbt's settings that change how dbt connects, which rio's adapter cannot pass on: dropped
    #: with a WARNING that says what to do instead.
    unsupported: Mapping[str, str] = field(default_factory=dict)
    finish: _Finish | None = None

    def known(self) -> frozenset[str]:
        return (
            self.own
            | _TARGET_KEYS
            | self.renamed.keys()
            | self.translated
            | self.ignored.keys()
            | self.unsupported.keys()
        )


def _libpq_option(name: str, value: object) -> str:
    """``-c name=value`` for libpq's ``options``, which splits on white space unless escaped."""
    return f"-c {name}=" + re.sub(r"([\\\s])", r"\\\1", str(value))


def _postgres_session(output: Mapping[str, Any], settings: dict[str, Any], source: str, where: str) -> None:
    """dbt-postgres's ``search_path`` and ``role`` (dbt sets them once connected) as startup options."""
    options = [str(settings["options"])] if settings.get("options") else []
    options += [_libpq_option(key, output[key]) for key in ("search_path", "role") if output.get(key)]
    if options:
        settings["options"] = " ".join(options)


#: dbt-redshift's sslmode as redshift_connector's ``ssl`` and ``sslmode``, the way dbt-redshift maps it:
#: the driver verifies the CA for every mode that encrypts.
_REDSHIFT_SSL: dict[str, tuple[bool, str | None]] = {
    "disable": (False, None),
    "allow": (True, "verify-ca"),
    "prefer": (True, "verify-ca"),
    "require": (True, "verify-ca"),
    "verify-ca": (True, "verify-ca"),
    "verify-full": (True, "verify-full"),
}
_REDSHIFT_IAM_SETTINGS = ("cluster_id", "iam_profile", "access_key_id", "secret_access_key")


def _redshift_sign_in(output: Mapping[str, Any], settings: dict[str, Any], source: str, where: str) -> None:
    """dbt-redshift's ``sslmode`` and ``method`` as the settings rio's adapter passes to
    redshift_connector.connect, the way dbt-redshift passes them."""
    sslmode = output.get("sslmode")
    if sslmode is not None:
        if str(sslmode).lower() not in _REDSHIFT_SSL:
            raise ConfigFileError(
                source, f"{where}.sslmode", f"must be one of {', '.join(_REDSHIFT_SSL)}, not {sslmode!r}"
            )
        ssl, mode = _REDSHIFT_SSL[str(sslmode).lower()]
        settings.setdefault("ssl", ssl)
        if mode is not None:
            settings["sslmode"] = mode

    method = str(output.get("method") or "database").lower()
    if method == "database":
        for key in _REDSHIFT_IAM_SETTINGS:
            if output.get(key) is not None:
                log.debug(
                    "%s: %s.%s serves method: iam only; rio ignores it, as dbt does", source, where, key
                )
        return
    if method not in ("iam", "iam_role"):
        raise ConfigFileError(
            source,
            f"{where}.method",
            f"{method!r}: rio signs in to Redshift with dbt's methods database, iam and iam_role only",
        )
    host = str(output.get("host") or "").lower()
    serverless = "serverless" in host or str(output.get("is_serverless")).lower() in _TRUE
    settings["iam"] = True
    if method == "iam":
        if not output.get("user"):
            raise ConfigFileError(
                source, f"{where}.user", "method: iam needs the database user to sign in as"
            )
        settings.setdefault("db_user", output["user"])
    # redshift_connector fetches temporary credentials for db_user; dbt passes it no user or password.
    settings["user"] = settings["password"] = ""
    if serverless:
        settings.setdefault("is_serverless", True)
    elif output.get("cluster_id"):
        settings.setdefault("cluster_identifier", output["cluster_id"])
    elif not settings.get("cluster_identifier"):
        raise ConfigFileError(
            source,
            f"{where}.cluster_id",
            f"method: {method} needs the cluster_id of a provisioned cluster (or a Serverless host)",
        )
    if output.get("iam_profile"):
        settings.setdefault("profile", output["iam_profile"])
    keys = [key for key in ("access_key_id", "secret_access_key") if output.get(key)]
    if keys:
        log.warning(
            "%s: %s: %s not applied: rio's redshift adapter does not pass access keys to "
            "redshift_connector, so IAM credentials come from iam_profile or boto3's default chain "
            "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY…)",
            source,
            where,
            " and ".join(keys),
        )
    if method == "iam_role" and not serverless:
        log.warning(
            "%s: %s.method: iam_role on a provisioned cluster signs in with redshift_connector's "
            "group_federation, which rio's redshift adapter does not pass on; use method: iam with "
            "a user, or a Serverless workgroup",
            source,
            where,
        )


_DBT_THREADS = "dbt runs its models in parallel with it"
_DBT_RETRIES = "dbt retries its connections with it"
_POSTGRES_CERTIFICATE = "rio's postgres adapter does not pass it to libpq; set ${} instead"
_IDENTITY_CENTER = "it serves dbt's IAM Identity Center sign-in, which rio does not do"
_DUCKDB_SESSION = "it sets DuckDB up for dbt's models' queries; rio's loads need none"

#: The outputs rio reads, by type; an output of another type (a third party's adapter) is left as is.
_DIALECTS: dict[str, _Dialect] = {
    "postgres": _Dialect(
        dbt_adapter="dbt-postgres",
        own=frozenset(
            {
                "host",
                "port",
                "user",
                "password",
                "dbname",
                "sslmode",
                "connect_timeout",
                "options",
                "application_name",
            }
        ),
        renamed={"pass": "password", "database": "dbname"},
        translated=frozenset({"search_path", "role"}),
        ignored={
            "threads": _DBT_THREADS,
            "retries": _DBT_RETRIES,
            "keepalives_idle": "rio's postgres adapter sets no TCP keepalive",
        },
        unsupported={
            "sslcert": _POSTGRES_CERTIFICATE.format("PGSSLCERT"),
            "sslkey": _POSTGRES_CERTIFICATE.format("PGSSLKEY"),
            "sslrootcert": _POSTGRES_CERTIFICATE.format("PGSSLROOTCERT"),
        },
        finish=_postgres_session,
    ),
    "redshift": _Dialect(
        dbt_adapter="dbt-redshift",
        own=frozenset(
            {
                "host",
                "port",
                "user",
                "password",
                "dbname",
                "database",
                "iam",
                "cluster_identifier",
                "region",
                "db_user",
                "db_groups",
                "auto_create",
                "profile",
                "is_serverless",
                "serverless_work_group",
                "serverless_acct_id",
                "ssl",
                "timeout",
                "iam_role",
                "aws_access_key_id",
                "aws_secret_access_key",
                "aws_session_token",
            }
        ),
        renamed={"pass": "password", "connect_timeout": "timeout", "autocreate": "auto_create"},
        translated=frozenset({"method", "sslmode", *_REDSHIFT_IAM_SETTINGS}),
        ignored={
            "threads": _DBT_THREADS,
            "retries": _DBT_RETRIES,
            "ra3_node": "dbt's cross-database references need it; rio's loads do not",
            "autocommit": "rio runs its own BEGIN and COMMIT",
            "iam_duration_seconds": "older dbt-redshift's; redshift_connector takes no duration",
            "keepalives_idle": "older dbt-redshift's; rio's redshift adapter sets no TCP keepalive",
            "search_path": "older dbt-redshift's; rio names every table with its schema",
            "idc_region": _IDENTITY_CENTER,
            "issuer_url": _IDENTITY_CENTER,
            "idp_listen_port": _IDENTITY_CENTER,
            "idc_client_display_name": _IDENTITY_CENTER,
            "idp_response_timeout": _IDENTITY_CENTER,
            "token_endpoint": _IDENTITY_CENTER,
        },
        unsupported={
            "role": "dbt runs SET ROLE once connected and rio's redshift adapter does not, so rows "
            "are loaded as the user",
        },
        finish=_redshift_sign_in,
    ),
    "duckdb": _Dialect(
        dbt_adapter="dbt-duckdb",
        own=frozenset({"path", "lock_wait", "memory_limit"}),
        ignored={
            "threads": _DBT_THREADS,
            "retries": _DBT_RETRIES,
            "database": "dbt-duckdb names the file's catalog with it; rio opens path",
            "extensions": _DUCKDB_SESSION,
            "settings": _DUCKDB_SESSION,
            "config_options": _DUCKDB_SESSION,
            "secrets": _DUCKDB_SESSION,
            "use_credential_provider": _DUCKDB_SESSION,
            "attach": _DUCKDB_SESSION,
            "filesystems": _DUCKDB_SESSION,
            "plugins": _DUCKDB_SESSION,
            "module_paths": _DUCKDB_SESSION,
            "external_root": "it is where dbt writes external models",
            "disable_transactions": "rio loads in transactions",
            "keep_open": "rio opens the file for each load",
        },
        unsupported={"remote": "rio opens path itself, not a remote DuckDB server's database"},
    ),
}


def _register_secrets(value: Any) -> None:
    """Register the secrets of a rendered output, those in lists too (dbt-duckdb's ``secrets``)."""
    if isinstance(value, Mapping):
        redaction.register_mapping(value)
        for item in value.values():
            _register_secrets(item)
    elif isinstance(value, list):
        for item in value:
            _register_secrets(item)


def _from_dbt(output: Mapping[str, Any], source: str, where: str) -> dict[str, Any]:
    """The settings of rio's adapter for a profile's output, dbt's names translated (see the module
    docstring); only the names of settings are ever logged, never their values."""
    dialect = _DIALECTS.get(str(output["type"]))
    if dialect is None:
        return dict(output)
    schema = output.get("schema")
    if isinstance(schema, (Mapping, list)):
        raise ConfigFileError(source, f"{where}.schema", "must be the name of a schema")
    known = dialect.known()
    settings: dict[str, Any] = {}
    for key, value in output.items():
        # A null is dbt's "not set": the adapter's default applies.
        if value is None or key in dialect.translated or key in dialect.renamed:
            continue
        if key in dialect.ignored:
            log.debug("%s: %s.%s is dbt's and ignored: %s", source, where, key, dialect.ignored[key])
        elif key in dialect.unsupported:
            log.warning("%s: %s.%s is not applied: %s", source, where, key, dialect.unsupported[key])
        else:
            settings[key] = value
            if key not in known:
                close = difflib.get_close_matches(str(key), sorted(map(str, known)), n=1)
                log.warning(
                    "%s: %s.%s is a setting neither rio nor %s knows; ignored%s",
                    source,
                    where,
                    key,
                    dialect.dbt_adapter,
                    f" (did you mean {close[0]}?)" if close else "",
                )
    for dbt_name, rio_name in dialect.renamed.items():
        if output.get(dbt_name) is None:
            continue
        if rio_name in settings:
            log.warning("%s: %s has both %s and %s; %s is used", source, where, dbt_name, rio_name, rio_name)
        else:
            settings[rio_name] = output[dbt_name]
    if dialect.finish is not None:
        dialect.finish(output, settings, source, where)
    return settings


def load_profile(
    profile: str,
    target: str | None = None,
    *,
    profiles_dir: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The settings of one target of a profile, with environment variables substituted and dbt's
    names translated to rio's.

    ``target`` defaults to the profile's ``target``. The result always has ``type``.
    """
    env = os.environ if env is None else env
    path = find_profiles_file(profiles_dir)
    if path is None or not path.is_file():
        where = (
            path
            if path is not None
            else f"$RIO_PROFILES_DIR, ./{PROFILES_FILE}, ~/.rio/{PROFILES_FILE}, $DBT_PROFILES_DIR "
            f"or ~/.dbt/{PROFILES_FILE}"
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
        # Older dbt kept its own settings under ``config:``, beside the profiles.
        known = ", ".join(sorted(str(name) for name in document if name != "config")) or "none"
        raise ConfigFileError(source, profile, f"no such profile (profiles in the file: {known})")
    entry = document[profile]
    if not isinstance(entry, dict) or not isinstance(entry.get("outputs"), dict):
        raise ConfigFileError(source, f"{profile}.outputs", "must be a mapping of target names to settings")
    # dbt profiles often choose their target from the environment: target: "{{ env_var('DBT_TARGET') }}".
    name = target or _render(entry.get("target"), source, f"{profile}.target", env)
    if not name:
        raise ConfigFileError(source, f"{profile}.target", "no target given and the profile names none")
    outputs = entry["outputs"]
    if name not in outputs:
        known = ", ".join(sorted(map(str, outputs))) or "none"
        raise ConfigFileError(source, f"{profile}.outputs", f"has no target {name!r} (targets: {known})")
    where = f"{profile}.outputs.{name}"
    output = _render(outputs[name], source, where, env)
    if not isinstance(output, dict) or not isinstance(output.get("type"), str):
        raise ConfigFileError(source, f"{where}.type", "must name the warehouse type")
    # Before anything is logged: dbt's ``pass`` and any secret nested in a list are masked too.
    _register_secrets(output)
    return _from_dbt(output, source, where)


def default_schema(settings: Mapping[str, Any]) -> str | None:
    """The schema a target names for tables given none: a profile output's ``schema`` (where dbt
    builds its models) or a URL's ``?schema=``; None when it names none.

    Adapters ignore ``schema``: it says where tables go, not how to connect. A command's own
    ``--schema`` wins over it.
    """
    value = settings.get("schema")
    if value is None or isinstance(value, (Mapping, list)):
        return None
    return str(value).strip() or None


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
    query = dict(parse_qsl(parts.query))
    redaction.register_mapping(query)
    # The adapter's own settings, and the target's (its default schema, what `rio serve` allows).
    own = _DIALECTS[adapter].own | (_TARGET_KEYS - {"type"})
    for name in query:
        if name not in own or name in settings:
            raise UnknownAdapter(
                f"warehouse URL {safe_url(url)!r}: {name!r} is not a setting a URL gives a {adapter} "
                f"target; it takes {', '.join(sorted(own - settings.keys()))}"
            )
    settings.update(query)
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
