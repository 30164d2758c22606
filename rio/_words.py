"""Counted nouns in messages: "1 row", "2 rows", "12,000 rows"."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, noun: str, plural_form: str | None = None, *, thousands: bool = True) -> str:
    """``count`` and ``noun``, the noun in the plural unless the count is exactly one.

    The plural is ``noun + "s"`` unless ``plural_form`` says otherwise ("entry", "entries"). Counts
    of a thousand and more get separators ("12,000 rows") unless ``thousands`` is off, for messages
    that quote a count as a number elsewhere reads it (a line number, a limit).
    """
    shown = f"{count:,}" if thousands else str(count)
    return f"{shown} {noun if count == 1 else (plural_form or noun + 's')}"
