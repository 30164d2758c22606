"""COPY's data-conversion options (TIMEFORMAT, DATEFORMAT, ACCEPTINVCHARS, ROUNDEC, TRUNCATECOLUMNS,
MAXERROR), as a job or a config's ``meta`` sets them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rio.contract._messages import _describe
from rio.errors import ConfigError

__all__ = ["COPY_KEYWORDS", "MAX_ERRORS_LIMIT", "CopyOptions", "copy_option"]

#: The most rejected rows a load may skip: Redshift's limit for MAXERROR.
MAX_ERRORS_LIMIT = 100_000
#: Each option's COPY keyword, by its name in a job (and in Python).
COPY_KEYWORDS = {
    "time_format": "TIMEFORMAT",
    "date_format": "DATEFORMAT",
    "accept_invalid_chars": "ACCEPTINVCHARS",
    "round_decimals": "ROUNDEC",
    "truncate_columns": "TRUNCATECOLUMNS",
    "max_errors": "MAXERROR",
}


def copy_option(name: str, value: object) -> object:
    """``value`` as a load keeps COPY option ``name`` (a field of :class:`CopyOptions`).

    ``None`` (not said) stays ``None``; an ACCEPTINVCHARS of ``True`` is its default replacement,
    ``'?'``. The format strings and the replacement character are read by the core, the very code the
    emulated COPY and the packer's checks run, so what passes here loads everywhere. Raises
    :class:`~rio.errors.ConfigError` saying what is wrong and what is allowed, naming the COPY keyword
    but not where the value came from: the caller names its field, config key or flag.
    """
    keyword = COPY_KEYWORDS.get(name)
    if keyword is None:
        raise ConfigError(f"{name!r} is not a COPY option; rio's are {', '.join(COPY_KEYWORDS)}")
    if value is None:
        return None
    if name in ("round_decimals", "truncate_columns"):
        if not isinstance(value, bool):
            raise ConfigError(f"{keyword} is true or false, not {_describe(value)}")
        return value
    if name == "max_errors":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ERRORS_LIMIT:
            raise ConfigError(
                f"{keyword} is a whole number of rejected rows from 0 to {MAX_ERRORS_LIMIT}, not "
                f"{_describe(value)}"
            )
        return value
    if name == "accept_invalid_chars":
        if value is False:
            return False  # said, and off: a job turns off what its config turned on
        if value is True:
            value = "?"
        if not isinstance(value, str):
            raise ConfigError(
                f"{keyword} takes its replacement character (one ASCII character, '?' by default), or true "
                f"or false; not {_describe(value)}"
            )
    elif not isinstance(value, str):
        example = "'auto' or 'YYYY-MM-DD HH:MI:SS'" if name == "time_format" else "'auto' or 'YYYY-MM-DD'"
        raise ConfigError(f"{keyword} is a string such as {example}, not {_describe(value)}")
    _core_reads(name, value)
    return value


def _core_reads(name: str, value: str) -> None:
    """Refuse an option the core cannot read, in the core's words (without its own field name)."""
    from rio._core import Decoder

    option: dict[str, Any] = {name: value}
    try:
        Decoder([("value", "varchar(1)", False)], gzip=False, **option)
    except (ConfigError, ValueError) as exc:
        raise ConfigError(str(exc).removeprefix(f"{name}: ")) from None


@dataclass(frozen=True)
class CopyOptions:
    """COPY's data-conversion options, as one source of them (a job, a config's ``meta``) sets them.

    ``None`` means "not said here": a load takes each option from its job, else from its config, else
    Redshift's default (:meth:`over` stacks them). ``time_format`` is TIMEFORMAT (``'auto'``,
    ``'epochsecs'``, ``'epochmillisecs'`` or a format string such as ``'YYYY-MM-DD HH:MI:SS'``),
    ``date_format`` DATEFORMAT (``'auto'`` or a format string), ``accept_invalid_chars`` ACCEPTINVCHARS
    (its one ASCII replacement character; ``True`` is ``'?'``, ``False`` says it is off),
    ``round_decimals`` ROUNDEC, ``truncate_columns`` TRUNCATECOLUMNS and ``max_errors`` MAXERROR (0 to
    100000). Every value is checked when made (:func:`copy_option`); a bad one raises
    :class:`~rio.errors.ConfigError` naming the option.
    """

    time_format: str | None = None
    date_format: str | None = None
    accept_invalid_chars: str | bool | None = None
    round_decimals: bool | None = None
    truncate_columns: bool | None = None
    max_errors: int | None = None

    def __post_init__(self) -> None:
        for name in COPY_KEYWORDS:
            try:
                object.__setattr__(self, name, copy_option(name, getattr(self, name)))
            except ConfigError as exc:
                raise ConfigError(f"{name}: {exc}") from None

    def said(self) -> dict[str, object]:
        """The options set here, by name, in the contract's order."""
        return {name: getattr(self, name) for name in COPY_KEYWORDS if getattr(self, name) is not None}

    def over(self, fallback: CopyOptions) -> CopyOptions:
        """These options, and ``fallback``'s where these say nothing."""
        return CopyOptions(**{**fallback.said(), **self.said()})  # type: ignore[arg-type]

    @property
    def replacement_char(self) -> str | None:
        """ACCEPTINVCHARS' replacement character, or None when invalid UTF-8 fails its row."""
        value = self.accept_invalid_chars
        return value if isinstance(value, str) else None
