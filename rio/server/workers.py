"""The worker pool of ``rio serve``: a queue of jobs, run by threads, one job per table at a time.

A job holds every (schema, table) it loads while it runs; a queued job whose tables are held waits,
and jobs for other tables go ahead. Jobs touching a table run in the order they were received: a job
waiting for a table also blocks later jobs for any of its tables, so a refresh received second never
runs before the one received first.

Stopping takes no new jobs and waits a bounded time for the running ones; what is still queued stays
queued in the state database for the next start.

A job runs only inside what the operator allowed: :func:`load_runner` checks it against the
:class:`~rio.server.policy.AccessPolicy` again when it starts, and reads its data through the policy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rio import redaction
from rio._words import plural
from rio.contract import Job
from rio.errors import RioError
from rio.loader import LoadReport, Status, TableOutcome, run_job
from rio.loader.report import EXIT_FAILED
from rio.server import StateError
from rio.server.policy import AccessPolicy
from rio.server.state import JobRecord, StateStore
from rio.storage_settings import StorageSettings

__all__ = ["WorkerPool", "load_runner"]

log = redaction.logger("rio.server")

TableKey = tuple[str, str]
Runner = Callable[[Job], LoadReport]


def load_runner(target: Mapping[str, Any], storage: StorageSettings, policy: AccessPolicy) -> Runner:
    """Run a job into the warehouse ``target`` (its settings), reaching its data with ``storage``.

    The job is checked against ``policy`` again first (it may have been stored under a wider one),
    and every read of the load goes through the policy's :class:`~rio.server.policy.ConfinedStore`.
    """
    settings = dict(target)

    def run(job: Job) -> LoadReport:
        policy.check_job(job)
        store = storage.open(job.base)
        try:
            return run_job(job, settings, store=policy.confine(store))
        finally:
            store.close()

    return run


def _tables(job: Job) -> frozenset[TableKey]:
    # Redshift folds identifiers to lower case, so "Events" and "events" are one table.
    return frozenset((job.schema.lower(), table.lower()) for table in job.tables)


@dataclass(frozen=True)
class _Queued:
    id: str
    job: Job
    tables: frozenset[TableKey]


class WorkerPool:
    """``workers`` threads running the state database's queued jobs with ``runner``."""

    def __init__(self, state: StateStore, runner: Runner, workers: int = 2) -> None:
        if workers < 1:
            raise ValueError(f"a worker pool needs at least 1 worker, not {workers}")
        self._state = state
        self._runner = runner
        self._size = workers
        self._cond = threading.Condition()
        self._queue: list[_Queued] = []
        self._held: set[TableKey] = set()
        self._running: dict[str, _Queued] = {}
        self._stopping = False
        self._threads: list[threading.Thread] = []

    @property
    def size(self) -> int:
        return self._size

    @property
    def accepting(self) -> bool:
        return not self._stopping

    def start(self) -> None:
        """Queue the jobs the state database holds as unfinished, and start the threads."""
        for record in self._state.requeue_unfinished():
            self.submit(record)
        if self._queue:
            log.info("%s from the state database queued again", plural(len(self._queue), "job"))
        for number in range(1, self._size + 1):
            # Daemon threads: a stop whose grace ran out must not hang on a load.
            thread = threading.Thread(target=self._work, name=f"rio-serve-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def submit(self, record: JobRecord) -> None:
        """Queue a job the state database holds as queued."""
        with self._cond:
            if record.id in self._running or any(item.id == record.id for item in self._queue):
                return
            self._queue.append(_Queued(record.id, record.job, _tables(record.job)))
            self._cond.notify_all()

    def stop_taking(self) -> None:
        """Start no more jobs; the running ones go on."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def stop(self, grace: float) -> list[str]:
        """Stop taking jobs and wait up to ``grace`` seconds for the running ones.

        Returns the ids of the jobs still running when the grace ran out (they stay ``running`` in the
        state database and are queued again at the next start).
        """
        self.stop_taking()
        deadline = time.monotonic() + max(grace, 0.0)
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        with self._cond:
            return sorted(self._running)

    def _next(self) -> _Queued | None:
        """The oldest queued job none of whose tables is held or wanted by an older waiting job."""
        blocked = set(self._held)
        for index, item in enumerate(self._queue):
            if item.tables.isdisjoint(blocked):
                del self._queue[index]
                return item
            blocked |= item.tables
        return None

    def _work(self) -> None:
        while True:
            with self._cond:
                item = None
                while not self._stopping:
                    item = self._next()
                    if item is not None:
                        break
                    self._cond.wait()
                if item is None:
                    return
                self._held |= item.tables
                self._running[item.id] = item
            try:
                self._run(item)
            finally:
                with self._cond:
                    self._held -= item.tables
                    del self._running[item.id]
                    self._cond.notify_all()

    def _run(self, item: _Queued) -> None:
        try:
            if not self._state.claim(item.id):
                log.info("job %s is no longer queued in the state database; not running it", item.id)
                return
        except StateError as exc:
            log.error("job %s not started: %s", item.id, exc)
            return
        log.info("job %s started: %s.%s", item.id, item.job.schema, ",".join(item.job.tables))
        started = time.monotonic()
        try:
            report = self._runner(item.job)
            outcomes = [outcome.to_dict() for outcome in report.outcomes]
            code = report.exit_code
        except Exception as exc:
            # A job that could not run at all (bad base, unknown adapter) still ends, as failed.
            if not isinstance(exc, RioError):
                log.exception("job %s crashed", item.id)
            outcomes = [
                TableOutcome(item.job.schema, table, Status.FAILED, date=item.job.date, error=exc).to_dict()
                for table in item.job.tables
            ]
            code = EXIT_FAILED
        try:
            self._state.finish(item.id, outcomes, code)
        except StateError as exc:
            # It stays "running" in the database, so the next start runs it again; the ledger makes
            # that a no-op for the tables this run loaded.
            log.error("job %s finished but its outcome could not be stored: %s", item.id, exc)
            return
        summary = "; ".join(f"{o['schema']}.{o['table']} {o['status']}" for o in outcomes)
        log.info(
            "job %s finished in %.1f s with exit code %d: %s",
            item.id,
            time.monotonic() - started,
            code,
            summary,
        )
