"""``--json`` when a command fails: one JSON document on stdout instead of click's message on stderr.

::

    {"error": {"type": "MissingParameter", "message": "Missing option '--schema'.", "exit_code": 2,
               "usage": "rio send", "option": "--schema"}}

``type`` is the class of what went wrong: rio's own error (``DataNotFound``, ``StorageError``, …)
when one caused it, else click's (``UsageError``, ``NoSuchOption``, ``BadParameter``, …). The exit
code is the one the command has without ``--json``: 2 for bad flags, 1 for a failure. Ctrl-C is a
document too (``"type": "KeyboardInterrupt"``), not click's ``Aborted!``.
"""

from __future__ import annotations

import dataclasses
import json
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import IO, Any

import click

__all__ = ["JsonError", "error_document", "json_errors", "wants_json"]


def wants_json(args: Sequence[str]) -> bool:
    """Whether ``--json`` is among the options of a command line (before any ``--``)."""
    words = list(args)
    if "--" in words:
        words = words[: words.index("--")]
    return "--json" in words


def _plain(value: Any) -> Any:
    """``value`` as JSON's types: dataclasses and mappings as objects, sequences as arrays, else text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return str(value)


def _attributes(exc: BaseException) -> dict[str, Any]:
    """An error's own public attributes (a URL, a source and line, COPY's rejected rows, …)."""
    return {name: _plain(value) for name, value in vars(exc).items() if not name.startswith("_")}


def error_document(exc: BaseException) -> dict[str, Any]:
    """``{"error": {"type", "message", "exit_code", …}}`` for ``exc``, its secrets masked."""
    from rio.errors import RioError
    from rio.redaction import mask_text

    cause = exc.__cause__ if isinstance(exc.__cause__, RioError) else None
    reported = cause if cause is not None else exc
    message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
    error: dict[str, Any] = {
        "type": type(reported).__name__,
        "message": mask_text(message),
        "exit_code": exc.exit_code if isinstance(exc, click.ClickException) else 1,
    }
    if isinstance(exc, click.UsageError) and exc.ctx is not None:
        error["usage"] = exc.ctx.command_path
    if isinstance(exc, click.NoSuchOption):
        error["option"] = exc.option_name
        error["possibilities"] = sorted(exc.possibilities or ())
    elif isinstance(exc, click.BadParameter) and exc.param is not None:
        opts = getattr(exc.param, "opts", None) or [exc.param.human_readable_name]
        error["option"] = opts[0]
    elif isinstance(exc, click.BadParameter) and isinstance(exc.param_hint, str):
        error["option"] = exc.param_hint.strip("'\"")
    if isinstance(reported, RioError):
        for name, value in _attributes(reported).items():
            error.setdefault(name, mask_text(value) if isinstance(value, str) else value)
    return {"error": error}


class JsonError(click.ClickException):
    """A failure already put as a JSON document; click shows it on stdout and exits with its code."""

    def __init__(self, document: dict[str, Any]) -> None:
        super().__init__(str(document["error"]["message"]))
        self.document = document
        # The failure's own code (2 for bad flags, 1 else); click declares it per class.
        self.exit_code = int(document["error"]["exit_code"])  # type: ignore[misc]

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(json.dumps(self.document, ensure_ascii=False, default=str), file=file)


@contextmanager
def json_errors(enabled: bool) -> Iterator[None]:
    """With ``enabled``, turn a failure into a :class:`JsonError` (a bug's traceback goes to stderr)."""
    if not enabled:
        yield
        return
    try:
        yield
    except (click.exceptions.Exit, JsonError):
        raise
    except (KeyboardInterrupt, click.Abort) as exc:
        # Ctrl-C (or a prompt that was not answered): what stopped, as a document like the others,
        # with click's exit code for it. A load it stopped rolled back.
        interrupted = isinstance(exc, KeyboardInterrupt) or isinstance(exc.__context__, KeyboardInterrupt)
        message = "interrupted (Ctrl-C)" if interrupted else "aborted"
        kind = "KeyboardInterrupt" if interrupted else "Abort"
        raise JsonError({"error": {"type": kind, "message": message, "exit_code": 1}}) from exc
    except click.ClickException as exc:
        raise JsonError(error_document(exc)) from exc
    except Exception as exc:
        traceback.print_exc()  # a bug: the document says what, stderr says where
        raise JsonError(error_document(exc)) from exc
