"""What rio measured about the data of one load (:class:`DataFacts`), kept under ``meta.rio`` in a
config's YAML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["DataFacts"]


@dataclass(frozen=True)
class DataFacts:
    """What rio measured about the data of one load, kept under ``meta.rio`` in the YAML.

    ``max_byte_lengths`` maps text columns to the longest value seen, in UTF-8 bytes; it is stored as a
    read-only copy in the order given.
    """

    contract: int = 1
    rows: int | None = None
    min_data_timestamp: dt.datetime | None = None
    max_data_timestamp: dt.datetime | None = None
    max_byte_lengths: Mapping[str, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_byte_lengths", MappingProxyType(dict(self.max_byte_lengths)))


def _format_timestamp(value: dt.datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        return value.isoformat()
    # Aware values are written in UTC, so every file reads the same instant the same way.
    return (value - offset).replace(tzinfo=None).isoformat() + "Z"


def _facts_mapping(facts: DataFacts) -> dict[str, Any]:
    written: dict[str, Any] = {"contract": facts.contract}
    if facts.rows is not None:
        written["rows"] = facts.rows
    if facts.min_data_timestamp is not None:
        written["min_data_timestamp"] = _format_timestamp(facts.min_data_timestamp)
    if facts.max_data_timestamp is not None:
        written["max_data_timestamp"] = _format_timestamp(facts.max_data_timestamp)
    if facts.max_byte_lengths:
        written["max_byte_lengths"] = dict(facts.max_byte_lengths)
    return written
