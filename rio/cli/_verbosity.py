"""How much rio says on stderr: ``-v``/``-vv``/``-vvv``, ``-q`` and ``RIO_LOG_LEVEL``.

``-v`` and ``-q`` are taken before or after the command's name (``rio -v send …`` and
``rio send … -v``); the counts add up. rio's own loggers (``rio``, ``rio.*``) log at INFO with
``-v`` and at DEBUG with ``-vv``; other libraries' (botocore, urllib3, uvicorn, …) stay at WARNING
unless ``-vvv``. ``-q`` leaves errors only. Without either flag, ``RIO_LOG_LEVEL`` sets rio's level.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click

__all__ = [
    "LOG_LEVEL_VARIABLE",
    "Verbosity",
    "add_verbosity_options",
    "level_chosen",
    "outcomes_printed_here",
    "quiet",
    "start_logging",
]

#: The environment variable naming rio's log level when neither -v nor -q is given.
LOG_LEVEL_VARIABLE = "RIO_LOG_LEVEL"
_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}
_META = "rio.verbosity"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_VERBOSE_HELP = "Log more: -v progress, -vv every SQL statement, -vvv other libraries' debug logs too."
_QUIET_HELP = "Say only what went wrong: errors, and the lines of tables that failed or were stale."


@dataclass
class Verbosity:
    """The flags as given so far, on the command line's root context."""

    verbose: int = 0
    quiet: bool = False

    def levels(self) -> tuple[int, int]:
        """``(rio's level, every other library's level)``."""
        if self.quiet:
            return logging.ERROR, logging.ERROR
        if self.verbose:
            rio_level = logging.INFO if self.verbose == 1 else logging.DEBUG
            return rio_level, logging.DEBUG if self.verbose >= 3 else logging.WARNING
        chosen = level_from_environment()
        if chosen is None:
            return logging.WARNING, logging.WARNING
        return chosen, max(chosen, logging.WARNING)

    def chosen(self) -> bool:
        """Whether the user chose a level (a flag or RIO_LOG_LEVEL), rather than rio's default."""
        return self.quiet or self.verbose > 0 or level_from_environment() is not None


def level_from_environment() -> int | None:
    """RIO_LOG_LEVEL's level (any case), None when unset; any other value is a usage error naming it."""
    text = os.environ.get(LOG_LEVEL_VARIABLE, "").strip()
    if not text:
        return None
    level = _LEVELS.get(text.upper())
    if level is None:
        raise click.UsageError(
            f"{LOG_LEVEL_VARIABLE}={text!r} is not a log level; use one of {', '.join(_LEVELS)} "
            "(any case), or -v, -vv, -q"
        )
    return level


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (a test runner swaps it per command)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter(_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


#: Table outcome lines as the loader logs them; a command that prints each outcome drops these.
_OUTCOME_LINE = re.compile(r"^[^\s:]+\.[^\s:]+: (loaded|already loaded|stale, skipped|failed)\b")


class _OutcomeLinesDropped(logging.Filter):
    """Drops the loader's log of a table's outcome while the command prints that outcome itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name.startswith("rio.loader") and _OUTCOME_LINE.match(record.getMessage()))


class _Logging:
    """rio's one stderr handler and the levels it set, undone when the command line ends."""

    def __init__(self) -> None:
        self.handler = _StderrHandler()
        root, rio_logger = logging.getLogger(), logging.getLogger("rio")
        self._saved = (root.level, rio_logger.level)
        root.addHandler(self.handler)

    def apply(self, verbosity: Verbosity) -> None:
        rio_level, other_level = verbosity.levels()
        logging.getLogger().setLevel(other_level)
        logging.getLogger("rio").setLevel(rio_level)

    def close(self) -> None:
        logging.getLogger().removeHandler(self.handler)
        logging.getLogger().setLevel(self._saved[0])
        logging.getLogger("rio").setLevel(self._saved[1])


_LOGGING_META = "rio.logging"


def _verbosity_of(ctx: click.Context) -> Verbosity:
    root = ctx.find_root()
    if _META not in root.meta:
        level_from_environment()  # a bad RIO_LOG_LEVEL is refused whatever the flags say
        root.meta[_META] = Verbosity()
    verbosity: Verbosity = root.meta[_META]
    return verbosity


def _given(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if ctx.resilient_parsing:  # shell completion: nothing runs
        return
    verbosity = _verbosity_of(ctx)
    if param.name == "verbose":
        verbosity.verbose += value
    elif value:
        verbosity.quiet = True
    if verbosity.quiet and verbosity.verbose:
        raise click.UsageError("-q and -v contradict each other; give one of them")
    setup: _Logging | None = ctx.find_root().meta.get(_LOGGING_META)
    if setup is not None:  # flags after the command's name
        setup.apply(verbosity)


def start_logging(ctx: click.Context) -> None:
    """Log on stderr at the levels asked for so far, until ``ctx`` (the command line's root) closes.

    Called once the group's flags are read and before the command's are, so that a command line
    refused while it is read leaves no handler behind.
    """
    root = ctx.find_root()
    if _LOGGING_META not in root.meta:
        setup = _Logging()
        root.call_on_close(setup.close)
        root.meta[_LOGGING_META] = setup
    root.meta[_LOGGING_META].apply(_verbosity_of(ctx))


def add_verbosity_options(command: click.Command) -> click.Command:
    """Give a command ``-v``/``--verbose`` (counted) and ``-q``/``--quiet``, once.

    The group and every subcommand get them, so they may come before or after the command's name.
    """
    names = {param.name for param in command.params}
    if "verbose" not in names:
        command.params.append(
            click.Option(
                ["-v", "--verbose"], count=True, expose_value=False, callback=_given, help=_VERBOSE_HELP
            )
        )
    if "quiet" not in names:
        command.params.append(
            click.Option(
                ["-q", "--quiet"], is_flag=True, expose_value=False, callback=_given, help=_QUIET_HELP
            )
        )
    return command


def quiet() -> bool:
    """Whether ``-q`` was given: a command then prints only what went wrong (``--json`` is unaffected)."""
    ctx = click.get_current_context(silent=True)
    verbosity = ctx.find_root().meta.get(_META) if ctx is not None else None
    return bool(verbosity and verbosity.quiet)


def level_chosen() -> bool:
    """Whether the user chose how much rio logs (``-v``, ``-q`` or ``RIO_LOG_LEVEL``)."""
    ctx = click.get_current_context(silent=True)
    verbosity = ctx.find_root().meta.get(_META) if ctx is not None else None
    return verbosity.chosen() if verbosity else level_from_environment() is not None


@contextmanager
def outcomes_printed_here() -> Iterator[None]:
    """While the command prints each table's outcome, the loader's log of it would say it twice."""
    ctx = click.get_current_context(silent=True)
    setup = ctx.find_root().meta.get(_LOGGING_META) if ctx is not None else None
    if setup is None:
        yield
        return
    dropped = _OutcomeLinesDropped()
    handler = setup.handler
    handler.addFilter(dropped)
    try:
        yield
    finally:
        handler.removeFilter(dropped)
