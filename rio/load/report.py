"""What a load did: one outcome per table, and the report of a whole job."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rio import contract
from rio.contract import Job

__all__ = ["LoadReport", "Status", "TableOutcome"]


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
            return f"{self.name}: loaded {self.rows:,} rows{when}"
        if self.status is Status.ALREADY_LOADED:
            return (
                f"{self.name}: already loaded{when} ({self.detail})"
                if self.detail
                else f"{self.name}: already loaded{when}"
            )
        if self.status is Status.STALE:
            return f"{self.name}: stale, skipped{when} ({self.detail})"
        return f"{self.name}: failed{when}: {self.error}"


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

    def raise_for_failures(self) -> None:
        """Raise the first failure's error (the others are in ``outcomes``); do nothing if none failed."""
        for outcome in self.outcomes:
            if outcome.status is Status.FAILED and outcome.error is not None:
                raise outcome.error
