"""RedshiftIO: the Go rio's pipe, rebuilt on rio's packer, object stores and contract.

A pipe packs rows into gzip'd NDJSON parts (the Rust :class:`rio.Packer`), stores each part while
packing goes on, and on :meth:`RedshiftIO.send` writes the manifest and the load config and hands a
job to an executor: the embedded loader, or a job endpoint. It keeps the Go lifecycle — pack, seal,
unseal, send, close, close_without_sending, reset, custom manifests — with the Go error names, and
none of the Go bugs:

- One state machine behind one lock: open → sealed → sending → open (or back to sealed on failure)
  → closed. ``pack`` checks the state without taking the lock; a row that races a seal is refused
  or lands in the next generation, and is never lost.
- Parts are stored by a bounded pool of uploads while packing continues. A part that cannot be
  stored is kept and stored again by ``seal``/``send``; its error surfaces on the next call.
- Every generation (the rows between two sends) has its own run id, so part keys never collide
  across processes, and one data date ``D`` names its manifest, its config and its job. Manifests
  and configs are created only if absent; a taken ``D`` moves on by one second.
- A failed send keeps the pipe sealed: sending again stores the parts it could not, and reuses
  the manifest and the job id once written, so a retry never loads twice. Rows packed after an
  ``unseal`` go to a new generation; the earlier one is sent first.
- The destination config is validated when the pipe is made (if it can send), so a bad config
  fails before any part is stored.
"""

from __future__ import annotations

import enum
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any

from rio import _pipe_publish, contract, redaction
from rio._core import DEFAULT_BUFFER_SIZE, DEFAULT_COMPRESSION_LEVEL, Packer, PackGate, Part
from rio._words import plural
from rio.config import DestinationConfig
from rio.contract import Granularity, Job, LoadMode, Manifest, s3_url
from rio.errors import (
    IncompleteArgs,
    IncompleteTableName,
    InvalidKey,
    NoJobEndpoint,
    PackageNotSealed,
    PackerClosed,
    PipeError,
    PipeIsClosed,
    PipeIsSealed,
    SendingInProgress,
    StorageError,
    UploadFailed,
)
from rio.executors import (
    DEFAULT_JOB_ATTEMPTS,
    DEFAULT_JOB_TIMEOUT,
    SERVE_TOKEN_ENVIRONMENT,
    EmbeddedExecutor,
    Executor,
    HttpExecutor,
    JobReceipt,
    WarehouseTarget,
)
from rio.storage import ObjectStore, S3Store, StoredObject
from rio.storage_settings import StorageSettings

__all__ = ["PipeState", "RedshiftIO", "UploadedManifest"]

log = redaction.logger("rio.pipe")

Row = dict[str, Any] | bytes | str

# The Go rio's messages, kept so code ported from it reads the same.
_CLOSED = "Cannot perform any action, pipe is closed."
_SEALED = "Cannot perform action when pipe is sealed."
_SENDING = "Cannot perform any action when sending is in progress."
_NOT_SEALED = "Can only create a custom manifest on a sealed stream."
_NO_ENDPOINT = "Cannot send s3-to-Redshift job without an endpoint."
_INCOMPLETE = "Creating a redshift pipe requires a destination config and an s3 bucket (or a base)."


def _reached_with(store: ObjectStore) -> StorageSettings:
    """How ``store`` is reached (nothing to say for a local directory)."""
    return store.storage if isinstance(store, S3Store) else StorageSettings()


class PipeState(enum.Enum):
    OPEN = "open"
    SEALED = "sealed"
    SENDING = "sending"
    CLOSED = "closed"


#: The transitions the pipe allows.
_TRANSITIONS: Mapping[PipeState, frozenset[PipeState]] = {
    PipeState.OPEN: frozenset({PipeState.SEALED, PipeState.CLOSED}),
    PipeState.SEALED: frozenset({PipeState.OPEN, PipeState.SENDING, PipeState.CLOSED}),
    PipeState.SENDING: frozenset({PipeState.OPEN, PipeState.SEALED}),
    PipeState.CLOSED: frozenset(),
}

#: The error each state answers a call it does not allow with, in the Go rio's words.
_REFUSALS: Mapping[PipeState, tuple[type[PipeError], str]] = {
    PipeState.SENDING: (SendingInProgress, _SENDING),
    PipeState.CLOSED: (PipeIsClosed, _CLOSED),
    PipeState.SEALED: (PipeIsSealed, _SEALED),
}


@dataclass
class _Segment:
    """The rows of one packer; a generation gains a segment at every unseal."""

    packer: Packer
    offset: int  # the generation's number of this packer's part 0
    drained: bool = False  # every part of the packer has been taken


@dataclass
class _Generation:
    """The rows between two sends, and what has been stored of them."""

    run_id: str
    segments: list[_Segment] = field(default_factory=list)
    stored: dict[int, StoredObject] = field(default_factory=dict)
    unstored: dict[int, Part] = field(default_factory=dict)  # taken, not yet stored
    failed: dict[int, BaseException] = field(default_factory=dict)
    uploading: int = 0
    discarded: bool = False
    date: datetime | None = None
    manifest_key: str | None = None
    config_key: str | None = None
    settings: dict[str, Any] | None = None  # the job settings of a send that failed after its manifest

    @property
    def job_id(self) -> str:
        return f"rio:{self.run_id}"

    @property
    def part_count(self) -> int:
        return sum(segment.packer.stats().parts for segment in self.segments)

    @property
    def rows(self) -> int:
        return sum(segment.packer.stats().rows for segment in self.segments)


@dataclass(frozen=True)
class UploadedManifest:
    """A manifest :meth:`RedshiftIO.upload_manifest` wrote: where, what it lists, and its date ``D``."""

    url: str
    manifest: Manifest
    date: datetime


class RedshiftIO:
    """A pipe of rows to one Redshift table, through an S3 bucket or a local directory.

    ``destination_config`` names the table and its columns. ``s3_bucket`` (the Go option) or
    ``base`` (``s3://bucket/prefix`` or a local directory) says where parts, manifests and configs
    go. The job goes to ``job_endpoint`` (posted as JSON), or is run here into ``target`` (a
    warehouse URL such as ``duckdb:///path.duckdb`` or ``postgresql://…``).

    The config's COPY options (:attr:`~rio.config.DestinationConfig.copy_options`: TIMEFORMAT,
    DATEFORMAT, ACCEPTINVCHARS, ROUNDEC, TRUNCATECOLUMNS, MAXERROR) go to the packer, whose column
    checks then read each value as that load will (its TRUNCATECOLUMNS cuts long text as
    ``truncate_long_text`` does), and into every job the pipe sends, beside the config it writes.

    How to reach S3 is one :class:`~rio.storage_settings.StorageSettings`: ``storage=``, or the
    loose ``endpoint_url``, ``region`` and ``aws_key``/``aws_password``/``aws_token`` (boto3's
    chain when unset), the rest from ``RIO_S3_ENDPOINT_URL``, ``RIO_S3_REGION`` and
    ``RIO_S3_ADDRESSING_STYLE``. The pipe stores its parts with it, and the loader of an embedded
    executor reads with it (see :attr:`storage`), so the data is looked for where it was written.

    A job endpoint is ``rio serve``'s address, with or without ``/jobs``
    (:func:`rio.executors.jobs_url`); ``job_token`` is its bearer token (default:
    ``$RIO_SERVE_TOKEN``); each attempt waits ``job_timeout`` seconds for an answer, and
    ``job_attempts`` attempts are made (see :class:`~rio.executors.HttpExecutor`).

    Parts are compressed by ``compression_threads`` threads (default: one a core, as
    :class:`rio.Packer`) and stored by ``upload_concurrency`` uploads at a time.

    As a context manager it sends and closes on success, and closes without sending on an error.
    """

    #: How the pipe's store is reached; the embedded loader reads with the same settings.
    storage: StorageSettings

    def __init__(
        self,
        destination_config: DestinationConfig | None,
        s3_bucket: str | None = None,
        base: str | None = None,
        aws_key: str | None = None,
        aws_password: str | None = None,
        aws_token: str | None = None,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
        job_endpoint: str | None = None,
        truncate: bool = False,
        force: bool = False,
        *,
        target: WarehouseTarget | None = None,
        job_token: str | None = None,
        job_timeout: float | None = None,
        job_attempts: int | None = None,
        executor: Executor | None = None,
        store: ObjectStore | None = None,
        storage: StorageSettings | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        compression_level: int = DEFAULT_COMPRESSION_LEVEL,
        check_columns: bool = True,
        truncate_long_text: bool = False,
        upload_concurrency: int = 4,
        compression_threads: int | None = None,
    ) -> None:
        if destination_config is None or (store is None and not (s3_bucket or base)):
            raise IncompleteArgs(_INCOMPLETE)
        if not destination_config.schema or not destination_config.table:
            raise IncompleteTableName("Destination config input must include a schema and table name.")
        if (job_timeout is not None or job_attempts is not None) and (
            executor is not None or not job_endpoint
        ):
            raise PipeError(
                "job_timeout= and job_attempts= are for job_endpoint=; give them with a job endpoint, or "
                "set them on the executor you pass"
            )
        if executor is None and job_endpoint is not None:
            executor = HttpExecutor(
                job_endpoint,
                token=job_token if job_token is not None else os.environ.get(SERVE_TOKEN_ENVIRONMENT) or None,
                timeout=DEFAULT_JOB_TIMEOUT if job_timeout is None else job_timeout,
                attempts=DEFAULT_JOB_ATTEMPTS if job_attempts is None else job_attempts,
            )
        if executor is not None or target is not None:
            # Sending will need a valid config: refuse a bad one before any part is stored.
            destination_config.validate()
        else:
            # The names still make the part keys.
            contract.part_key(destination_config.schema, destination_config.table, contract.new_run_id(), 0)
        # What the caller said wins; then how the store is reached (RIO_S3_* included, when the
        # store was opened here).
        given = StorageSettings.resolve(
            storage,
            env={},
            endpoint_url=endpoint_url,
            region=region,
            aws_access_key_id=aws_key,
            aws_secret_access_key=aws_password,
            aws_session_token=aws_token,
        )
        if store is None:
            store = given.open(
                base if base is not None else s3_url(s3_bucket or "")
            )  # one of them is given: checked above
        self.storage = given.with_defaults(_reached_with(store))
        if executor is None and target is not None:
            executor = EmbeddedExecutor(target, storage=self.storage)
        elif isinstance(executor, EmbeddedExecutor):
            # The job names the base, not how to reach it: a loader that was told nothing about
            # storage reads with the pipe's settings, which found the base when the parts went in.
            executor = executor.with_storage(self.storage)
        self.destination = destination_config
        self.store = store
        self.truncate = truncate
        self.force = force
        self._executor = executor
        copy = destination_config.copy_options
        self._packer_options: dict[str, Any] = {
            "buffer_size": buffer_size,
            "compression_level": compression_level,
            "data_timestamp_column": destination_config.data_timestamp_column,
            # The config's COPY options: rows are checked by the rules their load will read them with.
            "truncate_long_text": truncate_long_text or bool(copy.truncate_columns),
            "time_format": copy.time_format or "auto",
            "date_format": copy.date_format or "auto",
            "accept_invalid_chars": copy.replacement_char,
            "round_decimals": bool(copy.round_decimals),
            # One compression thread a core, as rio.Packer: on 2 cores, 1 M rows pack in 0.89 s
            # with 2 instead of 1.00 s with 1. Each holds a raw buffer while it compresses: streaming
            # 10 M rows with 10 MB parts peaks 48-51 MB above the start with 2 (37-38 with 1).
            "threads": compression_threads or None,
        }
        if check_columns and destination_config.columns:
            self._packer_options["columns"] = destination_config.columns
        # Two locks, always taken in this order: the lifecycle lock, held through a whole seal or
        # send; and the parts lock, for what the uploads record. Uploads never take the first, so a
        # seal waiting for them cannot block them.
        self._lock = threading.RLock()
        self._parts = threading.Condition()
        self._uploads = ThreadPoolExecutor(max_workers=upload_concurrency, thread_name_prefix="rio-upload")
        self._upload_slots = threading.BoundedSemaphore(upload_concurrency)
        self._state = PipeState.OPEN
        self._closing = False
        self._upload_error_pending = False
        self._blocked = False  # pack must take the slow path: a state to refuse, or an error to tell
        self._pending: list[_Generation] = []  # generations with a manifest, waiting to be sent again
        # Rows go straight into the current packer through the gate, with no Python frame on the way
        # (unless a subclass has a pack of its own).
        self._gate = PackGate(self._pack_refused)
        if type(self).pack is RedshiftIO.pack:
            self.pack = self._gate.pack  # type: ignore[method-assign]
        self._generation = self._new_generation()
        self._update_blocked()

    # --- the fast path ----------------------------------------------------------------------------

    def pack(self, row: Row) -> None:
        """Pack one row: a dict, or bytes or str holding one JSON object (see :class:`rio.Packer`).

        A row that raised was not packed. A part that could not be stored raises
        :class:`~rio.errors.UploadFailed` here once; the part is kept and stored again later.
        """
        self._gate.pack(row)  # what an instance's pack is (see __init__)

    def _pack_refused(self, row: Row) -> None:
        """Where the gate sends a row when the pipe is not open for rows, or its packer just closed."""
        self._refuse_pack()
        try:
            self._generation.segments[-1].packer.pack(row)
        except PackerClosed:
            # A seal or close took this packer away between the check and the call.
            self._pack_refused(row)

    def pack_many(self, rows: Iterable[Row]) -> int:
        """Pack every row of an iterable; returns how many (see :meth:`rio.Packer.pack_many`).

        A seal or close from another thread while it runs stops it with the pipe's state error.
        """
        return self._pack_through(lambda packer: packer.pack_many(rows))

    def _pack_through(self, fill: Callable[[Packer], int]) -> int:
        """``fill(packer)`` with the current packer, which it packs rows into itself (``pack_many``,
        the core's CsvReader); refused when the pipe takes no rows."""
        if self._blocked:
            self._refuse_pack()
        try:
            return fill(self._generation.segments[-1].packer)
        except PackerClosed:
            self._refuse_pack()
            raise

    def _refuse_pack(self) -> None:
        self._raise_unless(PipeState.OPEN)
        with self._lock:
            failure = self._take_upload_failure()
        if failure is not None:
            raise failure

    # --- states -------------------------------------------------------------------------------------

    @property
    def state(self) -> PipeState:
        return self._state

    @property
    def sending_in_progress(self) -> bool:
        """True while :meth:`send` runs (the Go rio's ``SendingInProgress``)."""
        return self._state is PipeState.SENDING

    def _raise_unless(self, *allowed: PipeState, closing: bool = False) -> None:
        """Refuse a call the pipe's state does not allow; ``closing`` lets close() itself through."""
        closed_for_callers = self._closing and not closing and self._state is not PipeState.SENDING
        state = PipeState.CLOSED if closed_for_callers else self._state
        if state not in allowed:
            error, message = _REFUSALS[state]
            raise error(message)

    def _move(self, to: PipeState) -> None:
        assert to in _TRANSITIONS[self._state], f"{self._state} -> {to}"
        self._state = to
        self._update_blocked()

    def _update_blocked(self) -> None:
        self._blocked = self._state is not PipeState.OPEN or self._closing or self._upload_error_pending
        self._gate.open(None if self._blocked else self._generation.segments[-1].packer)

    # --- generations, segments and uploads ----------------------------------------------------------

    @property
    def _table_name(self) -> str:
        return f"{self.destination.schema}.{self.destination.table}"

    def _new_generation(self) -> _Generation:
        generation = _Generation(run_id=contract.new_run_id())
        self._start_segment(generation)
        return generation

    def _start_segment(self, generation: _Generation) -> None:
        segment = _Segment(Packer(**self._packer_options), offset=generation.part_count)
        generation.segments.append(segment)
        threading.Thread(
            target=self._upload_segment,
            args=(generation, segment),
            name=f"rio-pipe-{self.destination.table}",
            daemon=True,
        ).start()

    def _upload_segment(self, generation: _Generation, segment: _Segment) -> None:
        """Take the segment's parts as they are compressed and store them, a few at a time."""
        try:
            while True:
                # A slot first, then the part: a part taken while every upload is busy would wait in
                # memory beside the max_parts_in_flight the packer already holds.
                self._upload_slots.acquire()
                submitted = False
                try:
                    part = segment.packer.next_part()
                    if part is None:
                        break
                    number = segment.offset + part.number
                    with self._parts:
                        if generation.discarded:
                            continue
                        generation.unstored[number] = part
                        generation.uploading += 1
                    self._uploads.submit(self._store_part, generation, number, part)
                    submitted = True
                finally:
                    if not submitted:
                        self._upload_slots.release()
        finally:
            with self._parts:
                segment.drained = True
                self._parts.notify_all()

    def _part_key(self, generation: _Generation, number: int) -> str:
        return contract.part_key(self.destination.schema, self.destination.table, generation.run_id, number)

    def _put_part(self, generation: _Generation, number: int, part: Part) -> StoredObject:
        # One call, not a loop: the store's own client already tries again what may pass on a
        # second try (botocore: throttling, 5xx, dropped connections and timeouts, up to the store's
        # max_attempts). A part that still fails is kept, and seal() or send() stores it again.
        key = self._part_key(generation, number)
        return self.store.put(key, part.data, content_type="application/gzip")

    def _store_part(self, generation: _Generation, number: int, part: Part) -> None:
        try:
            stored = self._put_part(generation, number, part)
        except Exception as exc:
            log.error("%s: part %d could not be stored: %s", self._table_name, number, exc)
            with self._parts:
                generation.failed[number] = exc
                if generation is self._generation:
                    self._upload_error_pending = True
                    self._update_blocked()
        else:
            with self._parts:
                generation.stored[number] = stored
                generation.unstored.pop(number, None)
                generation.failed.pop(number, None)
        finally:
            self._upload_slots.release()
            with self._parts:
                generation.uploading -= 1
                self._parts.notify_all()

    def _take_upload_failure(self) -> UploadFailed | None:
        """The error of a part that could not be stored, once; the part stays, to be stored again."""
        generation = self._generation
        with self._parts:
            if not self._upload_error_pending:
                return None
            self._upload_error_pending = False
            self._update_blocked()
            if not generation.failed:
                return None
            number, cause = min(generation.failed.items())
        error = UploadFailed(
            f"part {number} of {self._table_name} could not be stored at "
            f"{self.store.url(self._part_key(generation, number))}: {cause}. It is kept: seal() or "
            "send() stores it again, and no row is lost."
        )
        error.__cause__ = cause
        return error

    def _drain(self, generation: _Generation) -> None:
        """Close the generation's packers and wait until every part is taken and every upload ended."""
        for segment in generation.segments:
            # Closing flushes the last part; a row racing the close gets PackerClosed.
            segment.packer.close()
        with self._parts:
            self._parts.wait_for(
                lambda: all(segment.drained for segment in generation.segments) and not generation.uploading
            )

    def _store_failed_parts(self, generation: _Generation) -> None:
        """Store again every part that failed (its uploads have ended); raise if one still fails."""
        with self._parts:
            failed = sorted(generation.failed)
        for number in failed:
            try:
                stored = self._put_part(generation, number, generation.unstored[number])
            except StorageError as exc:
                raise UploadFailed(
                    f"part {number} of {self._table_name} still cannot be stored at "
                    f"{self.store.url(self._part_key(generation, number))}: {exc}. It is kept; try again."
                ) from exc
            with self._parts:
                generation.stored[number] = stored
                del generation.unstored[number]
                del generation.failed[number]
        if generation is self._generation:
            with self._parts:
                self._upload_error_pending = False
                self._update_blocked()

    def _end_generation(self, generation: _Generation, *, delete_uploaded: bool) -> None:
        with self._parts:
            generation.discarded = True
        self._drain(generation)
        if delete_uploaded and generation.stored:
            self.store.delete(self._part_key(generation, number) for number in generation.stored)
        generation.unstored.clear()

    # --- the Go lifecycle ---------------------------------------------------------------------------

    def seal(self) -> None:
        """Store every part packed so far, and take no more rows until :meth:`unseal` or :meth:`send`.

        Returns once every part is stored; sealing twice is harmless.
        """
        with self._lock:
            self._raise_unless(PipeState.OPEN, PipeState.SEALED)
            if self._state is PipeState.OPEN:
                self._seal_generation()

    def _seal_generation(self, *, reopen_on_failure: bool = True) -> None:
        """Close the generation's packers and store every part; on failure, reopen unless told not to.

        A failed seal() reopens (packing goes on in a new segment); a failed send() stays sealed, as
        it promises, and the next send() stores what is left. Either way nothing is lost.
        """
        generation = self._generation
        self._move(PipeState.SEALED)
        try:
            self._drain(generation)
            self._store_failed_parts(generation)
        except BaseException:
            if reopen_on_failure:
                self._start_segment(generation)
                self._move(PipeState.OPEN)
            raise

    def unseal(self) -> None:
        """Take rows again after :meth:`seal`.

        The rows join the same generation, unless a send of it failed after writing its manifest:
        then it waits to be sent again first, and the rows start a new generation.
        """
        with self._lock:
            self._raise_unless(PipeState.OPEN, PipeState.SEALED)
            if self._state is PipeState.OPEN:
                return
            generation = self._generation
            if generation.manifest_key is not None:
                self._pending.append(generation)
                self._generation = self._new_generation()
            else:
                self._start_segment(generation)
            self._move(PipeState.OPEN)

    def reset(self, delete_uploaded: bool = False) -> None:
        """Forget the current generation and start anew; rows not yet sent are dropped.

        The parts it stored stay in the store unless ``delete_uploaded`` is true.
        """
        with self._lock:
            self._raise_unless(PipeState.OPEN, PipeState.SEALED)
            old = self._generation
            self._end_generation(old, delete_uploaded=delete_uploaded)
            self._generation = self._new_generation()
            self._upload_error_pending = False
            if self._state is PipeState.SEALED:
                self._move(PipeState.OPEN)
            self._update_blocked()
            log.info(
                "%s: generation %s reset (%s stored)",
                self._table_name,
                old.run_id,
                plural(len(old.stored), "part"),
            )

    def create_and_upload_custom_manifest(self, key: str, overwrite: bool = False) -> str:
        """Write a COPY manifest of the sealed generation's parts at ``key`` (relative to the base).

        Returns its URL. The pipe must be sealed, and hold rows. A manifest is never overwritten:
        it is created only if no object is at ``key`` (one atomic create-if-absent), and an object
        there raises :class:`~rio.errors.PipeError`, unless ``overwrite=True`` replaces it.
        """
        with self._lock:
            if self._state is not PipeState.SEALED:
                raise PackageNotSealed(_NOT_SEALED)
            if "://" in key:
                raise InvalidKey(f"key {key!r} must be relative to the base {self.store.base}, not a URL")
            contract.check_key(key)
            body = self._manifest(self._generation).to_json()
            url = self.store.url(key)
            if overwrite:
                self.store.put(key, body, content_type="application/json")
            elif self.store.put_if_absent(key, body, content_type="application/json") is None:
                raise PipeError(
                    f"{self._table_name}: {url} already exists, and a manifest is never overwritten; "
                    "choose another key, or pass overwrite=True to replace it"
                )
            log.info("Writing manifest to %s", url)
            return url

    def upload_manifest(self, date: datetime | None = None) -> UploadedManifest:
        """Write the sealed generation's manifest under the contract's name, without a load config.

        The key is ``<schema>_<table>_<D>.manifest``, created only if absent: an explicit ``date`` is
        taken exactly, else ``D`` is now and moves on by a second while taken. The pipe must be
        sealed, and hold rows.
        """
        with self._lock:
            if self._state is not PipeState.SEALED:
                raise PackageNotSealed(_NOT_SEALED)
            key, when = self._create_manifest(self._generation, date)
            return UploadedManifest(self.store.url(key), self._manifest(self._generation), when)

    def _manifest(self, generation: _Generation) -> Manifest:
        return _pipe_publish.manifest_of(self.destination, generation.stored)

    def send(
        self,
        date: datetime | None = None,
        mode: LoadMode | str = LoadMode.APPEND,
        granularity: Granularity | str | None = None,
        upsert_keys: Iterable[str] | None = None,
    ) -> JobReceipt | None:
        """Seal, write the manifest and the load config, and hand the job to the executor.

        Returns the executor's receipt, or None when there were no rows (nothing is sent). On
        success the pipe starts a new generation. On failure — a part that cannot be stored, a
        manifest that cannot be written, a job the executor refuses — it stays sealed: sending again
        stores the parts still missing, and reuses the data date, the manifest and the job id once
        they exist, so a retry never loads twice.
        """
        return self._send(date, mode, granularity, upsert_keys)

    def _send(
        self,
        date: datetime | None = None,
        mode: LoadMode | str = LoadMode.APPEND,
        granularity: Granularity | str | None = None,
        upsert_keys: Iterable[str] | None = None,
        *,
        closing: bool = False,
    ) -> JobReceipt | None:
        with self._lock:
            self._raise_unless(PipeState.OPEN, PipeState.SEALED, closing=closing)
            if self._executor is None:
                raise NoJobEndpoint(_NO_ENDPOINT)
            settings = self._job_settings(mode, granularity, upsert_keys)
            if self._state is PipeState.OPEN:
                self._seal_generation(reopen_on_failure=False)
            else:
                # Sealed already, perhaps by a send that failed half-way: wait for any upload still
                # running, then store what could not be stored.
                self._drain(self._generation)
                self._store_failed_parts(self._generation)
            generation = self._generation
            if generation.settings is None:
                generation.settings = settings
            self._move(PipeState.SENDING)
        receipt: JobReceipt | None = None
        try:
            for earlier in list(self._pending):
                assert earlier.settings is not None
                self._deliver(earlier, None, earlier.settings)
                with self._lock:
                    self._pending.remove(earlier)
            if generation.stored:
                receipt = self._deliver(generation, date, generation.settings)
            else:
                log.info("%s: nothing to send", self._table_name)
        except BaseException:
            with self._lock:
                self._move(PipeState.SEALED)
            raise
        with self._lock:
            self._end_generation(generation, delete_uploaded=False)
            self._generation = self._new_generation()
            self._move(PipeState.OPEN)
        return receipt

    def _job_settings(
        self,
        mode: LoadMode | str,
        granularity: Granularity | str | None,
        upsert_keys: Iterable[str] | None,
    ) -> dict[str, Any]:
        return _pipe_publish.job_settings(
            self.destination,
            str(self.store.base),
            truncate=self.truncate,
            force=self.force,
            mode=mode,
            granularity=granularity,
            upsert_keys=upsert_keys,
        )

    def _deliver(
        self, generation: _Generation, date: datetime | None, settings: dict[str, Any]
    ) -> JobReceipt:
        """Write the manifest and config (once per generation) and submit the job."""
        if generation.manifest_key is None:
            self._write_manifest_and_config(generation, date)
        assert generation.date is not None
        assert self._executor is not None
        job = Job(
            base=str(self.store.base),
            schema=self.destination.schema,
            tables=(self.destination.table,),
            date=generation.date,
            config=generation.config_key,
            id=generation.job_id,
            **settings,
        )
        log.info("%s: submitting job %s", self._table_name, job.id)
        return self._executor.submit(job)

    def _write_manifest_and_config(self, generation: _Generation, date: datetime | None) -> None:
        manifest_key, when = self._create_manifest(generation, date)
        stats = [segment.packer.stats() for segment in generation.segments]
        facts = _pipe_publish.data_facts(self.destination, stats)
        config_key = _pipe_publish.write_config(self.store, self.destination, facts, when, manifest_key)
        generation.date = when
        generation.manifest_key, generation.config_key = manifest_key, config_key

    def _create_manifest(self, generation: _Generation, date: datetime | None) -> tuple[str, datetime]:
        """Write the generation's manifest under a free data date ``D``; its key and ``D``."""
        return _pipe_publish.create_manifest(self.store, self.destination, self._manifest(generation), date)

    def close(self) -> None:
        """Send what is packed, then close. If sending fails the pipe is not closed (it stays sealed,
        as after a failed :meth:`send`): close again, or :meth:`close_without_sending`."""
        with self._lock:
            if self._state is PipeState.CLOSED:
                return
            self._raise_unless(PipeState.OPEN, PipeState.SEALED)
            if self._executor is None and (self._generation.rows or self._pending):
                raise NoJobEndpoint(
                    f"{_NO_ENDPOINT} The pipe holds rows: give it a job endpoint or a target, or call "
                    "close_without_sending()."
                )
            # Refuse rows from here on, so none arrives after the send and gets dropped.
            self._closing = True
            self._update_blocked()
        try:
            if self._executor is not None:
                self._send(closing=True)
        except BaseException:
            with self._lock:
                self._closing = False
                self._update_blocked()
            raise
        with self._lock:
            self._shut_down()

    def close_without_sending(self) -> None:
        """Close and drop whatever is buffered. Parts already stored stay in the store."""
        with self._lock:
            if self._state is PipeState.CLOSED:
                return
            self._raise_unless(PipeState.OPEN, PipeState.SEALED)
            self._closing = True
            self._shut_down()

    def _shut_down(self) -> None:
        self._end_generation(self._generation, delete_uploaded=False)
        self._move(PipeState.CLOSED)
        self._uploads.shutdown(wait=True)
        self.store.close()

    def __enter__(self) -> RedshiftIO:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.close_without_sending()

    def __repr__(self) -> str:
        return f"RedshiftIO({self._table_name}, base={self.store.base}, state={self._state.value})"
