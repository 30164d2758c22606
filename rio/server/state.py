"""The state database of ``rio serve``: every job it received, in SQLite, so a restart loses nothing.

One table, ``jobs``, holds each job as rio's JSON job (with its id), its state (``queued``,
``running``, ``finished``), when it moved, and once finished its outcomes and exit code. The database
runs in WAL mode with full synchronous commits: a job answered 202 is on disk.

One server owns a state database at a time (an exclusive ``flock`` on ``<path>.lock``): a job found
``running`` when a server starts was cut off by a crash or a stop, and is queued again. Running it
again is safe, because the warehouse's load ledger turns a second load of a table and date into
"already loaded".
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rio import redaction
from rio.contract import Job, parse_job
from rio.errors import InvalidJob
from rio.loader.report import EXIT_FAILED
from rio.server import StateError

__all__ = ["FINISHED", "QUEUED", "RUNNING", "JobRecord", "StateStore"]

log = redaction.logger("rio.server")

QUEUED = "queued"
RUNNING = "running"
FINISHED = "finished"

#: The layout of the database; a newer one is refused rather than misread.
_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    job TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'finished')),
    outcomes TEXT,
    exit_code INTEGER,
    runs INTEGER NOT NULL DEFAULT 0,
    received_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, seq);
"""
_COLUMNS = "id, job, state, outcomes, exit_code, runs, received_at, started_at, finished_at"
_BY_ID = f"SELECT {_COLUMNS} FROM jobs WHERE id = ?"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class JobRecord:
    """One job as the state database holds it."""

    id: str
    job: Job
    state: str
    outcomes: list[dict[str, Any]]
    exit_code: int | None
    runs: int
    received_at: str
    started_at: str | None
    finished_at: str | None

    def to_json(self) -> dict[str, Any]:
        """The body of ``GET /jobs/{id}``."""
        return {
            "id": self.id,
            "state": self.state,
            "job": json.loads(self.job.to_json()),
            "outcomes": self.outcomes,
            "exit_code": self.exit_code,
            "runs": self.runs,
            "received_at": self.received_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


class StateStore:
    """The jobs of one server in a SQLite file; every method is safe to call from any thread."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._lock_file = self._take_ownership()
        try:
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version > _SCHEMA_VERSION:
                raise StateError(
                    f"state database {self.path} has layout version {version}, newer than this rio's "
                    f"{_SCHEMA_VERSION}; run a newer rio, or pass --state with another path"
                )
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={_SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            self._release_ownership()
            raise StateError(
                f"state database {self.path} cannot be opened: {exc}; check that it is a SQLite file "
                "this user may write, or pass --state with another path"
            ) from exc
        except StateError:
            self._release_ownership()
            raise

    def _take_ownership(self) -> int:
        lock_path = Path(f"{self.path}.lock")
        try:
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StateError(
                f"state database lock {lock_path} cannot be created: {exc.strerror}; check that the "
                "directory exists and is writable, or pass --state with another path"
            ) from exc
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(descriptor)
            raise StateError(
                f"state database {self.path} is in use by another rio serve (it holds {lock_path}); "
                "give each server its own --state path (servers sharing a warehouse never load a "
                "table and date twice: the load ledger decides)"
            ) from exc
        return descriptor

    def _release_ownership(self) -> None:
        if self._lock_file >= 0:
            os.close(self._lock_file)  # closing the descriptor lets go of the flock
            self._lock_file = -1

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._release_ownership()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StateError(f"state database {self.path}: {exc}") from exc

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StateError(f"state database {self.path}: {exc}") from exc

    def _record(self, row: tuple[Any, ...]) -> JobRecord:
        job_id, text, state, outcomes, exit_code, runs, received, started, finished = row
        try:
            job = parse_job(text)
        except InvalidJob as exc:
            raise StateError(f"state database {self.path}: job {job_id} cannot be read back: {exc}") from exc
        return JobRecord(
            id=job_id,
            job=job,
            state=state,
            outcomes=json.loads(outcomes) if outcomes else [],
            exit_code=exit_code,
            runs=runs,
            received_at=received,
            started_at=started,
            finished_at=finished,
        )

    def add(self, job: Job) -> tuple[JobRecord, bool]:
        """Store a new job as queued; if its id is taken, return the job stored under it instead.

        The second value says whether this call stored it. ``job.id`` must be set.
        """
        if job.id is None:
            raise ValueError("a job needs an id to be stored")
        with self._transaction() as db:
            inserted = db.execute(
                "INSERT INTO jobs (id, job, state, received_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (job.id, job.to_json().decode("utf-8"), QUEUED, _now()),
            ).rowcount
            row = db.execute(_BY_ID, (job.id,)).fetchone()
        return self._record(row), inserted == 1

    def get(self, job_id: str) -> JobRecord | None:
        rows = self._query(_BY_ID, (job_id,))
        return self._record(rows[0]) if rows else None

    def claim(self, job_id: str) -> bool:
        """Mark a queued job running; ``False`` if it is not queued (so it must not run)."""
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET state = ?, started_at = ?, runs = runs + 1 WHERE id = ? AND state = ?",
                (RUNNING, _now(), job_id, QUEUED),
            ).rowcount
        return changed == 1

    def finish(self, job_id: str, outcomes: list[dict[str, Any]], exit_code: int) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE jobs SET state = ?, outcomes = ?, exit_code = ?, finished_at = ? WHERE id = ?",
                # No outcome's error text may keep a credential in the state database.
                (
                    FINISHED,
                    redaction.mask_text(json.dumps(outcomes, ensure_ascii=False)),
                    exit_code,
                    _now(),
                    job_id,
                ),
            )

    def requeue_unfinished(self) -> list[JobRecord]:
        """Queue again the jobs a previous run left running; return every queued job, oldest first.

        A stored job this rio no longer accepts (one stored by an older rio, for a destination now
        refused) is finished as failed with the reason, rather than keeping the server from starting.
        """
        with self._transaction() as db:
            db.execute("UPDATE jobs SET state = ?, started_at = NULL WHERE state = ?", (QUEUED, RUNNING))
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE state = ? ORDER BY seq", (QUEUED,)
            ).fetchall()
        records = []
        for row in rows:
            try:
                records.append(self._record(row))
            except StateError as exc:
                log.error("job %s is not run: %s", row[0], exc)
                failure = {"status": "failed", "error": str(exc), "error_type": type(exc).__name__}
                self.finish(row[0], [failure], EXIT_FAILED)
        return records

    def counts(self) -> dict[str, int]:
        """How many jobs are queued, running and finished."""
        found = dict.fromkeys((QUEUED, RUNNING, FINISHED), 0)
        for state, count in self._query("SELECT state, count(*) FROM jobs GROUP BY state"):
            found[state] = int(count)
        return found
