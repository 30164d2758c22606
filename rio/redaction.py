"""What a secret is, and how it is masked: the one owner.

Every ``repr``, log line, error message, recorded statement and state row that could hold a
credential goes through this module. A secret is:

- the value of a setting whose *name* says so (:func:`is_secret_name`): a password (``password``,
  ``passwd``, ``pwd``, ``pass``), a secret, a token (the session token included), a key
  (``aws_key``, ``aws_access_key_id``, an API or private key), credentials, a signature;
- the password of a URL's userinfo (``postgresql://user:PASSWORD@host``), and URL query parameters
  with a secret name (``?password=…``, ``X-Amz-Signature=…``, ``X-Amz-Security-Token=…``);
- the literal after Redshift's authorization keywords in SQL: ``CREDENTIALS '…'``,
  ``ACCESS_KEY_ID '…'``, ``SECRET_ACCESS_KEY '…'``, ``SESSION_TOKEN '…'``, ``PASSWORD '…'``;
- ``name=value`` and ``name: value`` pairs of a secret name inside free text (libpq connection
  strings, a driver's message that repeats its settings);
- any value :func:`register`\\ ed: rio registers every secret setting it reads, so that a driver
  error that repeats a password verbatim is masked too (Airflow's secrets masker works the same way).
  A value that is short, or reads as one plain word, is not masked in free text (it would hide that
  word from every message); it is still masked wherever it stands as a secret.

Masked values read ``***``. :func:`logger` gives a module its logger with :class:`RedactingFilter`
attached, so that every record a rio logger makes is masked before any handler formats it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MASK",
    "RedactingFilter",
    "is_secret_name",
    "logger",
    "mask_mapping",
    "mask_sql",
    "mask_text",
    "mask_url",
    "masked",
    "register",
    "register_mapping",
]

MASK = "***"

#: Words that make a setting's name a secret's name on their own.
_SECRET_WORDS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "passphrase",
        "secret",
        "token",
        "credential",
        "credentials",
        "signature",
        "apikey",
        "authorization",
    }
)
#: "key" names a secret only beside one of these (aws_access_key_id, api_key, private_key); alone or
#: beside others it names structure (dist_key, upsert_keys, manifest_key, kms_key_id, an object's key).
_KEY_QUALIFIERS = frozenset(
    {
        "aws",
        "access",
        "secret",
        "api",
        "private",
        "session",
        "signing",
        "client",
        "account",
        "encryption",
        "master",
    }
)
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")

#: Registered values shorter than this are not masked in free text: they would mask ordinary words.
_MIN_REGISTERED = 6
#: A registered value that reads as one plain word ("postgres", "wrong") is masked only where it stands
#: as a secret (a URL's password, a ``name=value`` pair), not in free text, where it would hide the word
#: from every message.
_PLAIN_WORD = re.compile(r"[A-Za-z]{1,12}")
_registered: set[str] = set()
_registered_lock = threading.Lock()


def is_secret_name(name: object) -> bool:
    """Whether a setting called ``name`` holds a secret (see the module docstring)."""
    if not isinstance(name, str) or not name:
        return False
    words = {word.lower() for word in _WORD_SPLIT.split(name) if word}
    if words & _SECRET_WORDS:
        return True
    if words & {"key", "keys"}:
        return bool(words & _KEY_QUALIFIERS)
    # Names written as one word: awssecretaccesskey, sessiontoken, dbpassword.
    compact = re.sub(r"[^a-z]", "", name.lower())
    return compact.endswith(("password", "secret", "token", "secretkey", "accesskey", "apikey"))


def register(value: object) -> None:
    """Remember a secret value, so that free text repeating it is masked from now on."""
    if (
        isinstance(value, str)
        and len(value) >= _MIN_REGISTERED
        and value != MASK
        and not _PLAIN_WORD.fullmatch(value)
    ):
        with _registered_lock:
            _registered.add(value)


def register_mapping(settings: Mapping[Any, Any]) -> None:
    """Register every secret value of a settings mapping (nested mappings and URLs' passwords too)."""
    for name, value in settings.items():
        if is_secret_name(name):
            register(value)
        elif isinstance(value, Mapping):
            register_mapping(value)
        elif isinstance(value, str):
            for match in _USERINFO.finditer(value):
                register(match["password"])


def mask_mapping(settings: Mapping[Any, Any]) -> dict[Any, Any]:
    """A copy of ``settings`` with every secret value masked (nested mappings too, URLs' passwords).

    The secret values are registered on the way (see :func:`register`).
    """
    register_mapping(settings)
    shown: dict[Any, Any] = {}
    for name, value in settings.items():
        if is_secret_name(name) and value is not None and value != "":
            shown[name] = MASK
        elif isinstance(value, Mapping):
            shown[name] = mask_mapping(value)
        elif isinstance(value, str):
            shown[name] = mask_text(value)
        else:
            shown[name] = value
    return shown


_BEARER = re.compile(r"\b(?P<scheme>Bearer|Basic)(?P<space>\s+)[A-Za-z0-9._~+/=-]{4,}")
_USERINFO = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^\s/:@'\"]*):(?P<password>[^\s/@'\"]*)@"
)
_QUERY = re.compile(r"(?P<lead>[?&;])(?P<name>[A-Za-z0-9_.-]+)=(?P<value>[^&;#\s'\"]*)")


def masked(value: object) -> object:
    """``value`` as it may be shown: a mapping or a string masked, anything else as it is.

    For reprs: ``f"{masked(settings)!r}"`` shows a settings mapping or a URL without its secrets.
    """
    if isinstance(value, Mapping):
        return mask_mapping(value)
    if isinstance(value, str):
        return mask_text(value)
    return value


def mask_url(url: str) -> str:
    """``url`` with its userinfo password and any secret query parameter masked; never raises."""
    if not isinstance(url, str):
        return mask_text(str(url))
    return mask_text(url)


def _mask_url_password(match: re.Match[str]) -> str:
    if not match["password"]:
        return match.group(0)
    return f"{match['scheme']}{match['user']}:{MASK}@"


def _mask_query(match: re.Match[str]) -> str:
    if not is_secret_name(match["name"]) or not match["value"]:
        return match.group(0)
    return f"{match['lead']}{match['name']}={MASK}"


_SQL_KEYWORDS = re.compile(
    r"\b(?P<keyword>CREDENTIALS|ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PASSWORD|"
    r"MASTER_USER_PASSWORD)(?P<space>\s+(?:AS\s+)?)'(?:[^'\n]|'')*(?:'|$)",
    # A literal cut short (a statement clipped for a message) is masked to the end of its line.
    re.IGNORECASE | re.MULTILINE,
)


def mask_sql(sql: str) -> str:
    """A statement with the literals of its authorization clauses masked (and any other secret)."""
    return mask_text(sql)


def _mask_sql_clause(match: re.Match[str]) -> str:
    return f"{match['keyword']}{match['space']}'{MASK}'"


# name=value (libpq, query strings written loosely) and name: value / "name": "value" (YAML, JSON, reprs).
# Only the name and separator are matched, so that a pair inside another pair's value is still found.
_PAIR_NAME = re.compile(r"(?P<quote>['\"]?)(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)(?P=quote)\s*[:=]\s*")
_PAIR_VALUE = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s,;&}\])'\"]+")
_NOT_VALUES = frozenset({MASK, f"'{MASK}'", f'"{MASK}"', "Bearer", "Basic"})


def _mask_pairs(text: str) -> str:
    pieces: list[str] = []
    done = 0
    for match in _PAIR_NAME.finditer(text):
        if match.start() < done or not is_secret_name(match["name"]):
            continue
        value = _PAIR_VALUE.match(text, match.end())
        if value is None or value.group(0) in _NOT_VALUES:
            continue
        quote = value.group(0)[0] if value.group(0)[:1] in ("'", '"') else ""
        pieces.append(text[done : match.end()] + f"{quote}{MASK}{quote}")
        done = value.end()
    pieces.append(text[done:])
    return "".join(pieces)


def mask_text(text: str) -> str:
    """Free text with every secret rio can recognise masked: URLs, SQL clauses, pairs, registered values."""
    if not isinstance(text, str) or not text:
        return text
    masked = _USERINFO.sub(_mask_url_password, text)
    masked = _BEARER.sub(lambda match: f"{match['scheme']}{match['space']}{MASK}", masked)
    masked = _QUERY.sub(_mask_query, masked)
    masked = _SQL_KEYWORDS.sub(_mask_sql_clause, masked)
    masked = _mask_pairs(masked)
    with _registered_lock:
        values = sorted(_registered, key=len, reverse=True)
    for value in values:
        if value in masked:
            masked = masked.replace(value, MASK)
    return masked


class RedactingFilter(logging.Filter):
    """Masks a record's message (its arguments merged in) and its traceback text before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for logging's own error handling
            return True
        masked = mask_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


_FILTER = RedactingFilter()


def logger(name: str) -> logging.Logger:
    """The logger ``name`` with :class:`RedactingFilter` attached: every rio module logs through one."""
    log = logging.getLogger(name)
    if _FILTER not in log.filters:
        log.addFilter(_FILTER)
    return log
