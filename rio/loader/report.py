"""What a load did: one outcome per table, and the report of a whole job."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rio import contract, redaction
from rio._words import plural
from rio.contract import Job
from rio.errors import LoadError

__all__ = [
    "EXIT_FAILED",
    "EXIT_LOADED",
    "EXIT_STALE",
    "LoadReport",
    "Status",
    "TableOutcome",
    "exit_code_of",
]

#: Exit codes a scheduler can act on, shared by ``rio send`` and ``rio serve``'s job states.
EXIT_LOADED = 0  # every table loaded, or was already loaded
EXIT_FAILED = 1  # some table failed (the others still ran)
EXIT_STALE = 3  # some table was skipped as stale, and none failed


class Status(str, enum.Enum):
    """Every table of a job ends as exactly one of these."""

    LOADED = "loaded"
    ALREADY_LOADED = "already loaded"
    STALE = "stale"
    FAILED = "failed"


@dataclass
class TableOutcome:
    schema: str
    table: str
    status: Status
    rows: int = 0
    date: datetime | None = None
    data_url: str | None = None
    error: BaseException | None = None
    statements: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    def line(self) -> str:
        """One line saying what happened, as the CLI prints it."""
        when = f" for {contract.format_data_date(self.date)}" if self.date is not None else ""
        if self.status is Status.LOADED:
            return f"{self.name}: loaded {plural(self.rows, 'row')}{when}"
        if self.status is Status.ALREADY_LOADED:
            return (
                f"{self.name}: already loaded{when} ({self.detail})"
                if self.detail
                else f"{self.name}: already loaded{when}"
            )
        if self.status is Status.STALE:
            return f"{self.name}: stale, skipped{when} ({self.detail})"
        return f"{self.name}: failed{when}: {self.error}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableOutcome:
        """An outcome read back from :meth:`to_dict`'s JSON (a remote job's, say); the error is text."""
        date = data.get("date")
        error = data.get("error")
        return cls(
            schema=str(data.get("schema", "")),
            table=str(data.get("table", "")),
            status=Status(data.get("status")),
            rows=int(data.get("rows") or 0),
            date=contract.parse_data_date(date) if isinstance(date, str) else None,
            data_url=data.get("data_url"),
            error=LoadError(str(error)) if error is not None else None,
            detail=str(data.get("detail") or ""),
        )

    def to_dict(self) -> dict[str, object]:
        """The outcome as JSON-ready values (what ``--json`` prints and ``rio serve`` answers)."""
        return {
            "schema": self.schema,
            "table": self.table,
            "status": self.status.value,
            "rows": self.rows,
            "date": None if self.date is None else contract.format_data_date(self.date),
            "data_url": self.data_url,
            "detail": self.detail,
            "error": None if self.error is None else redaction.mask_text(str(self.error)),
            "error_type": None if self.error is None else type(self.error).__name__,
        }


@dataclass
class LoadReport:
    """The outcomes of one job, in the order of its tables."""

    job: Job
    outcomes: Sequence[TableOutcome]

    @property
    def failed(self) -> list[TableOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status is Status.FAILED]

    @property
    def stale(self) -> list[TableOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status is Status.STALE]

    @property
    def rows(self) -> int:
        return sum(outcome.rows for outcome in self.outcomes if outcome.status is Status.LOADED)

    @property
    def exit_code(self) -> int:
        """:data:`EXIT_FAILED` if a table failed, else :data:`EXIT_STALE` if one was stale, else 0."""
        return exit_code_of(outcome.status for outcome in self.outcomes)

    def raise_for_failures(self) -> None:
        """Raise the first failure's error (the others are in ``outcomes``); do nothing if none failed."""
        for outcome in self.outcomes:
            if outcome.status is Status.FAILED and outcome.error is not None:
                raise outcome.error


def exit_code_of(statuses: Iterable[Status | str]) -> int:
    """The exit code for a job whose tables ended with ``statuses``."""
    seen = {Status(status) for status in statuses}
    if Status.FAILED in seen:
        return EXIT_FAILED
    if Status.STALE in seen:
        return EXIT_STALE
    return EXIT_LOADED
