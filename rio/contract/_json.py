"""Strict JSON, as manifests and jobs are read: no repeated key, no NaN or Infinity, and problems that
give positions, never the text."""

from __future__ import annotations

import json
from collections.abc import Callable


class _JSONProblem(Exception):
    """Raised inside the JSON reader; turned into the caller's error with its context."""


def _duplicates_refused(
    named: frozenset[str] | None,
) -> Callable[[list[tuple[str, object]]], dict[str, object]]:
    def refuse(pairs: list[tuple[str, object]]) -> dict[str, object]:
        obj: dict[str, object] = {}
        for key, value in pairs:
            if key in obj:
                shown = named is None or key in named
                raise _JSONProblem(
                    f"the key {key!r} appears twice in one object"
                    if shown
                    else "a key appears twice in one object"
                )
            obj[key] = value
        return obj

    return refuse


def _reject_constant(name: str) -> object:
    raise _JSONProblem(f"{name} is not a JSON number")


def _load_json(text: str, *, named_keys: frozenset[str] | None = None) -> object:
    """Strict JSON: no duplicate keys, no NaN or Infinity; problems as :class:`_JSONProblem`.

    Problems give positions, never the text. A repeated key is named when ``named_keys`` is ``None``
    or holds it: a file whose kind is not known until it has been read names only its format's keys.
    """
    try:
        value: object = json.loads(
            text, object_pairs_hook=_duplicates_refused(named_keys), parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise _JSONProblem(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise _JSONProblem("it nests too deeply") from exc
    return value
