"""Jobs: one load request, in rio's JSON and in the Go tools' forms (their flag line and the later Go
worker's JSON), read with :func:`parse_job` and never through a shell."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, NoReturn, TypeVar

from rio._identifiers import check_identifier
from rio.contract._bases import _SCHEME_RE, Base, _local_path_problem, _object_url_problem, s3_url
from rio.contract._copy_options import COPY_KEYWORDS, CopyOptions, copy_option
from rio.contract._dates import _GO_TIME_RE, _go_time_problem, _to_utc, format_data_date, parse_date_argument
from rio.contract._destinations import check_destination
from rio.contract._json import _JSONProblem, _load_json
from rio.contract._keys import _key_problem
from rio.contract._messages import _clip, _describe, _json_kind
from rio.errors import ConfigError, InvalidBase, InvalidDataDate, InvalidIdentifier, InvalidJob, ReservedName

__all__ = ["CONTRACT_VERSION", "MAX_JOB_BYTES", "Granularity", "Job", "LoadMode", "parse_job"]

#: The version of the contract, which every rio job states.
CONTRACT_VERSION = 1
#: The largest job payload rio reads; a real job is a few hundred bytes.
MAX_JOB_BYTES = 1 << 20


class LoadMode(str, Enum):
    """What a load does to the table's rows before its COPY."""

    APPEND = "append"
    REFRESH = "refresh"
    TRUNCATE = "truncate"
    UPSERT = "upsert"


class Granularity(str, Enum):
    """The slice of time around the data date that refresh replaces and staleness compares."""

    HOUR = "hour"
    DAY = "day"


_JOB_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_RIO_JOB_FIELDS = (
    "version",
    "id",
    "base",
    "schema",
    "tables",
    "date",
    "config",
    "mode",
    "granularity",
    "truncate",
    "force",
    "upsert_keys",
    *COPY_KEYWORDS,
)
_EnumT = TypeVar("_EnumT", LoadMode, Granularity)


def _job_error(field: str, problem: str) -> InvalidJob:
    return InvalidJob(f"job {field}: {problem}")


def _identifier_for(field: str, name: object, kind: str) -> str:
    try:
        return check_identifier(name, kind=kind)
    except InvalidIdentifier as exc:
        raise _job_error(field, str(exc)) from exc


def _destination_for(field: str, schema: object, table: object = None) -> None:
    try:
        check_destination(schema, table)
    except ReservedName as exc:
        raise _job_error(field, str(exc)) from exc


def _identifiers_for(field: str, value: object, kind: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise _job_error(field, f"must be a list of {kind} names, not {_describe(value)}")
    names = tuple(_identifier_for(field, name, kind) for name in value)
    if not names:
        raise _job_error(field, f"names no {kind}")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _job_error(field, f"names the {kind} {name!r} twice")
        seen.add(name)
    return names


def _member(field: str, kind: type[_EnumT], value: object) -> _EnumT:
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    choices = ", ".join(member.value for member in kind)
    raise _job_error(field, f"must be one of {choices}, not {_describe(value)}")


def _config_problem(config: object) -> str | None:
    """Why ``config`` is neither a key, an ``s3://`` URL nor an absolute local path, or ``None``."""
    if not isinstance(config, str):
        return f"must be a string, not {_describe(config)}"
    if config.startswith(("s3://", "file://")):
        return _object_url_problem(config)
    if config.startswith("/"):
        problem = _local_path_problem(config)
        if problem is None and config.endswith("/"):
            problem = "ends in '/', so it names a directory, not a file"
        return problem
    if _SCHEME_RE.match(config) or "://" in config:
        return "is neither a key relative to the base, an s3://bucket/key URL nor an absolute path"
    return _key_problem(config)


def _date_for(field: str, text: str) -> datetime:
    try:
        return parse_date_argument(text)
    except InvalidDataDate as exc:
        raise _job_error(field, str(exc)) from exc


@dataclass(frozen=True)
class Job:
    """One load request: which tables of a schema to load from a base, for which date, and how.

    ``date`` ``None`` loads the latest data. ``config`` is a key relative to the base, an ``s3://`` URL
    or an absolute local path; ``None`` means the config beside the data. ``truncate`` and ``mode``
    always agree: ``truncate=True`` turns append into truncate, and mode truncate sets ``truncate``.
    Mode refresh without a granularity refreshes a day, written out so the job says what it deletes.
    ``id`` is an idempotency key. ``time_format``, ``date_format``, ``accept_invalid_chars``,
    ``round_decimals``, ``truncate_columns`` and ``max_errors`` are COPY's data-conversion options
    (:class:`CopyOptions`): ``None`` leaves an option to the load config's ``meta``, and one the job
    sets wins over the config's. Every field is checked here; errors are :class:`InvalidJob`.
    """

    base: str
    schema: str
    tables: tuple[str, ...]
    date: datetime | None = None
    config: str | None = None
    mode: LoadMode = LoadMode.APPEND
    granularity: Granularity | None = None
    truncate: bool = False
    force: bool = False
    upsert_keys: tuple[str, ...] | None = None
    id: str | None = None
    time_format: str | None = None
    date_format: str | None = None
    accept_invalid_chars: str | bool | None = None
    round_decimals: bool | None = None
    truncate_columns: bool | None = None
    max_errors: int | None = None

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        try:
            base = Base.parse(self.base)
        except InvalidBase as exc:
            raise _job_error("base", str(exc)) from exc
        put("base", str(base))
        # Before the identifier checks, so that PG_CATALOG is refused as a system schema rather
        # than corrected to one.
        _destination_for("schema", self.schema)
        _identifier_for("schema", self.schema, "schema")
        if isinstance(self.tables, (list, tuple)):
            for table in self.tables:
                _destination_for("tables", None, table)
        put("tables", _identifiers_for("tables", self.tables, "table"))
        if self.date is not None:
            if not isinstance(self.date, datetime):
                raise _job_error("date", f"must be a datetime or None, not {_describe(self.date)}")
            try:
                format_data_date(self.date)
            except InvalidDataDate as exc:
                raise _job_error("date", str(exc)) from exc
            put("date", _to_utc(self.date))
        if self.config is not None:
            problem = _config_problem(self.config)
            if problem is not None:
                raise _job_error("config", f"{_clip(str(self.config))!r} {problem}")
        mode = _member("mode", LoadMode, self.mode)
        granularity = (
            None if self.granularity is None else _member("granularity", Granularity, self.granularity)
        )
        for name in ("truncate", "force"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                raise _job_error(name, f"must be true or false, not {_describe(value)}")
        truncate = self.truncate
        if truncate and mode in (LoadMode.REFRESH, LoadMode.UPSERT):
            raise _job_error(
                "truncate",
                f"contradicts mode {mode.value}: truncate deletes every row, {mode.value} only the rows "
                "it replaces",
            )
        if truncate:
            mode = LoadMode.TRUNCATE
        truncate = mode is LoadMode.TRUNCATE
        if mode is LoadMode.REFRESH and granularity is None:
            granularity = Granularity.DAY
        put("mode", mode)
        put("granularity", granularity)
        put("truncate", truncate)
        if mode is LoadMode.UPSERT:
            if self.upsert_keys is None:
                raise _job_error("upsert_keys", "mode upsert needs the key columns that identify a row")
            put("upsert_keys", _identifiers_for("upsert_keys", self.upsert_keys, "column"))
        elif self.upsert_keys is not None:
            raise _job_error(
                "upsert_keys", f"only mode upsert uses key columns; this job's mode is {mode.value}"
            )
        if self.id is not None and (not isinstance(self.id, str) or _JOB_ID_RE.fullmatch(self.id) is None):
            raise _job_error(
                "id",
                "must be 1 to 128 characters of letters, digits, '.', '_', ':' and '-', not "
                f"{_describe(self.id)}",
            )
        for name in COPY_KEYWORDS:
            try:
                put(name, copy_option(name, getattr(self, name)))
            except ConfigError as exc:
                raise _job_error(name, str(exc)) from None

    @property
    def copy_options(self) -> CopyOptions:
        """The COPY options this job sets (each ``None`` that it leaves to the config)."""
        return CopyOptions(**{name: getattr(self, name) for name in COPY_KEYWORDS})

    def to_json(self) -> bytes:
        """The job as one line of compact UTF-8 JSON, keys in the contract's order."""
        obj: dict[str, object] = {"version": CONTRACT_VERSION}
        if self.id is not None:
            obj["id"] = self.id
        obj["base"] = self.base
        obj["schema"] = self.schema
        obj["tables"] = list(self.tables)
        obj["date"] = None if self.date is None else format_data_date(self.date)
        if self.config is not None:
            obj["config"] = self.config
        obj["mode"] = self.mode.value
        if self.granularity is not None:
            obj["granularity"] = self.granularity.value
        obj["truncate"] = self.truncate
        obj["force"] = self.force
        if self.upsert_keys is not None:
            obj["upsert_keys"] = list(self.upsert_keys)
        # Only the options set: a job without any is the same bytes as before they existed.
        obj.update(self.copy_options.said())
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def to_go_flag_line(self) -> str:
        """The flag line the Go worker reads, for handing this job to one.

        ``--bucket B --schema S --tables a,b --date D --gzip [--granularity G] [--config C] [--truncate]
        [--force]``, every word quoted for a POSIX shell. The id has no Go equivalent and is left out.
        """
        base = Base.parse(self.base)
        if base.scheme != "s3" or base.prefix:
            raise _job_error(
                "base", f"the Go worker reads data at the root of an S3 bucket; {self.base!r} is not one"
            )
        if self.date is None:
            raise _job_error("date", "the Go worker needs a date; it cannot look for the latest data")
        if self.mode in (LoadMode.APPEND, LoadMode.UPSERT):
            raise _job_error(
                "mode",
                f"the Go worker cannot {self.mode.value}: it refreshes the date's hour or day, or truncates",
            )
        for name, value in self.copy_options.said().items():
            raise _job_error(
                name,
                f"the Go worker's flags cannot carry {COPY_KEYWORDS[name]} (this job sets {value!r}); it "
                "loads with its own COPY options, so send this job to rio instead",
            )
        assert base.bucket is not None
        words = ["--bucket", base.bucket, "--schema", self.schema, "--tables", ",".join(self.tables)]
        words += ["--date", format_data_date(self.date), "--gzip"]
        if self.granularity is not None:
            words += ["--granularity", self.granularity.value]
        if self.config is not None:
            config = self.config
            if config.startswith("file://"):
                config = config[len("file://") :]
            elif not config.startswith(("s3://", "/")):
                # The Go worker knows no base: a key becomes the URL it names.
                config = base.url(config)
            words += ["--config", config]
        if self.truncate:
            words.append("--truncate")
        if self.force:
            words.append("--force")
        return " ".join(shlex.quote(word) for word in words)


def parse_job(data: bytes | str, *, content_type: str | None = None) -> Job:
    """Read a job in any form rio accepts; never through a shell.

    The form is told by content: a ``content_type`` starting with ``text/plain``, or a payload that
    does not start with ``{``, is the Go tools' flag line; JSON with ``"version"`` is rio's job; other
    JSON is the later Go worker's job, maybe wrapped as ``{"current":{…},"remaining":[…]}``.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        if len(raw) > MAX_JOB_BYTES:
            raise InvalidJob(f"job payload is {len(raw)} bytes; rio reads at most {MAX_JOB_BYTES}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidJob(f"job payload is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    elif isinstance(data, str):
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise InvalidJob("job payload is not UTF-8 (it holds a lone surrogate)") from exc
        if size > MAX_JOB_BYTES:
            raise InvalidJob(f"job payload is {size} bytes; rio reads at most {MAX_JOB_BYTES}")
        text = data
    else:
        raise InvalidJob(f"job payload must be bytes or str, not {type(data).__name__}")
    if content_type is not None and not isinstance(content_type, str):
        raise InvalidJob(f"job content type must be a string, not {type(content_type).__name__}")
    if text.startswith("\ufeff"):
        raise InvalidJob("job payload starts with a UTF-8 byte order mark; send UTF-8 without one")
    if text.strip() == "":
        raise InvalidJob("job payload is empty")
    as_text = content_type is not None and content_type.strip().lower().startswith("text/plain")
    if as_text or not text.lstrip().startswith("{"):
        return _parse_flag_line(text)
    try:
        obj = _load_json(text)
    except _JSONProblem as exc:
        raise InvalidJob(f"job payload is not valid JSON: {exc}") from exc
    if not isinstance(obj, dict):
        raise InvalidJob(f"job payload must be a JSON object, not {_json_kind(obj)}")
    if "version" in obj:
        return _parse_rio_job(obj)
    return _parse_go_worker_job(obj)


def _parse_rio_job(obj: dict[str, object]) -> Job:
    for key in obj:
        if key not in _RIO_JOB_FIELDS:
            raise InvalidJob(f"job: unknown field {key!r}; a rio job has {', '.join(_RIO_JOB_FIELDS)}")
    version = obj["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version != CONTRACT_VERSION:
        raise _job_error(
            "version", f"this rio reads contract version {CONTRACT_VERSION}, not {_describe(version)}"
        )
    for key in ("base", "schema", "tables"):
        if key not in obj:
            raise _job_error(key, "is missing")
    fields: dict[str, Any] = {key: value for key, value in obj.items() if key != "version"}
    date = fields.get("date")
    if date is not None:
        if not isinstance(date, str):
            raise _job_error("date", f"must be an RFC 3339 string or null, not {_describe(date)}")
        fields["date"] = _date_for("date", date)
    return Job(**fields)


# --- the Go tools' forms: their flag line and the later Go worker's JSON ---------------------------

_GO_STRING_FLAGS = ("bucket", "schema", "tables", "date", "config", "granularity", "delimiter")
_GO_BOOL_FLAGS = ("gzip", "truncate", "force")
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_GO_JSON_STRINGS = (*_GO_STRING_FLAGS, "timezone", "streamStart", "streamEnd")
_GO_JSON_BOOLS = (*_GO_BOOL_FLAGS, "skipLoad")


def _go_bool(field: str, value: str) -> bool:
    """Go's strconv.ParseBool."""
    if value in _GO_TRUE:
        return True
    if value in _GO_FALSE:
        return False
    raise _job_error(
        field,
        f"{_clip(value)!r} is not a boolean Go reads (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, "
        "False)",
    )


def _parse_flag_line(text: str) -> Job:
    """Read the Go tools' flag line with Go's ``flag`` rules, split by POSIX rules and never run."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise InvalidJob(f"job flag line {_clip(text)!r} cannot be split: {exc}") from exc
    strings: dict[str, str] = {}
    flags: dict[str, bool] = {}
    known = ", ".join(f"--{name}" for name in (*_GO_STRING_FLAGS, *_GO_BOOL_FLAGS))
    index = 0
    date_end = -1
    rest: list[str] = []
    after_date = False
    while index < len(tokens):
        token = tokens[index]
        if token == "--":
            rest = tokens[index + 1 :]
            break
        if len(token) < 2 or not token.startswith("-"):
            rest = tokens[index:]
            after_date = index == date_end
            break
        body = token[2:] if token.startswith("--") else token[1:]
        if body == "" or body[0] in "-=":
            raise InvalidJob(f"job flag line: bad flag syntax {token!r}")
        name, has_value, value = body.partition("=")
        if name in _GO_BOOL_FLAGS:
            # Go's boolean flags take no separate value: '--force false' is '--force' and a stray 'false'.
            flags[name] = _go_bool(f"--{name}", value) if has_value else True
        elif name in _GO_STRING_FLAGS:
            if not has_value:
                index += 1
                if index == len(tokens):
                    raise InvalidJob(f"job flag line: flag {token} needs a value")
                value = tokens[index]
            strings[name] = value
            if name == "date":
                date_end = index + 1
        else:
            raise InvalidJob(f"job flag line: unknown flag {token!r}; rio reads {known}")
        index += 1
    if rest:
        _reject_stray(rest, strings.get("date", ""), after_date=after_date)
    return _job_from_go(strings, flags)


def _reject_stray(rest: list[str], date: str, *, after_date: bool) -> NoReturn:
    if after_date:
        # The Go rio's --date was time.String(), which a shell splits into four or five words.
        for count in (4, 3):
            candidate = " ".join([date, *rest[:count]])
            match = _GO_TIME_RE.fullmatch(candidate)
            if len(rest) >= count and match is not None:
                try:
                    problem = _go_time_problem(candidate, match)
                except InvalidDataDate as exc:
                    raise _job_error("date", str(exc)) from exc
                raise _job_error("date", problem)
    hint = ""
    if rest[0].startswith("{"):
        hint = "; it looks like JSON: send a JSON job with a content type other than text/plain"
    raise InvalidJob(
        f"job flag line: unexpected argument {_clip(rest[0])!r}; every value must follow its flag (Go's "
        f"flag package stopped at the first argument that is not a flag and ignored the rest){hint}"
    )


def _parse_go_worker_job(obj: dict[str, object]) -> Job:
    """Read the later Go worker's JSON: string values, booleans as JSON or ParseBool strings."""
    if "current" in obj:
        for key in obj:
            if key not in ("current", "remaining"):
                raise InvalidJob(
                    f"job: unknown field {key!r} beside 'current'; a wrapped job has current, remaining"
                )
        remaining = obj.get("remaining")
        if remaining is not None and not isinstance(remaining, list):
            raise _job_error("remaining", f"must be a list, not {_describe(remaining)}")
        current = obj["current"]
        if not isinstance(current, dict):
            raise _job_error("current", f"must be an object, not {_describe(current)}")
        obj = current
    strings: dict[str, str] = {}
    flags: dict[str, bool] = {}
    for key, value in obj.items():
        if key in _GO_JSON_BOOLS:
            # Go's JSON leaves a field at its zero value for null.
            if value is None or isinstance(value, bool):
                flags[key] = bool(value)
            elif isinstance(value, str):
                flags[key] = _go_bool(key, value)
            else:
                raise _job_error(
                    key, f"must be true, false or a string Go reads as one, not {_describe(value)}"
                )
        elif key in _GO_JSON_STRINGS:
            if value is None or isinstance(value, str):
                strings[key] = value or ""
            else:
                raise _job_error(key, f"must be a string, not {_describe(value)}")
        else:
            known = ", ".join((*_GO_JSON_STRINGS, *_GO_JSON_BOOLS))
            raise InvalidJob(f"job: unknown field {key!r}; the Go worker's job has {known}")
    zone = strings.pop("timezone", "")
    if zone not in ("", "UTC"):
        raise _job_error(
            "timezone", f"rio does not support the time zone {_clip(zone)!r}; its data dates are UTC"
        )
    for key in ("streamStart", "streamEnd"):
        if strings.pop(key, ""):
            raise _job_error(key, "rio does not support streamed loads (granularity 'stream')")
    if flags.pop("skipLoad", False):
        raise _job_error("skipLoad", "rio does not support skipping the load; send no job instead")
    return _job_from_go(strings, flags)


def _job_from_go(strings: dict[str, str], flags: dict[str, bool]) -> Job:
    """Build a Job from the Go tools' fields, with the Go worker's mode: truncate, else refresh."""
    for key in ("bucket", "schema", "tables"):
        if not strings.get(key):
            raise _job_error(key, f"is missing; the Go tools name it with --{key}")
    bucket = strings["bucket"]
    name = bucket.removeprefix("s3://").rstrip("/")
    if "/" in name:
        raise _job_error("bucket", f"{_clip(bucket)!r} must name a bucket, without a prefix")
    try:
        base = Base.parse(s3_url(name))
    except InvalidBase as exc:
        raise _job_error("bucket", str(exc)) from exc
    delimiter = strings.get("delimiter", "")
    if delimiter:
        raise _job_error("delimiter", f"{delimiter!r} means CSV data; rio loads JSON only, so leave it empty")
    date_text = strings.get("date", "")
    date = _date_for("date", date_text) if date_text else None
    granularity_text = strings.get("granularity", "")
    if granularity_text == "stream":
        raise _job_error("granularity", "rio does not support streamed loads (granularity 'stream')")
    granularity = _member("granularity", Granularity, granularity_text) if granularity_text else None
    truncate = flags.get("truncate", False)
    if not truncate and granularity is None:
        # The Go worker replaced the date's day when the table existed; re-runs rely on that.
        granularity = Granularity.DAY
    return Job(
        base=str(base),
        schema=strings["schema"],
        tables=tuple(strings["tables"].split(",")),
        date=date,
        config=strings.get("config") or None,
        mode=LoadMode.TRUNCATE if truncate else LoadMode.REFRESH,
        granularity=granularity,
        truncate=truncate,
        force=flags.get("force", False),
    )
