"""Where a pipe's job goes: run here by the embedded loader, or posted to a job endpoint.

An executor takes a :class:`rio.contract.Job` and either returns once the job is done (embedded) or
once the endpoint has accepted it (HTTP), or raises. The HTTP executor posts rio's JSON job with the
job id as its ``Idempotency-Key``, times out instead of hanging, retries network errors and 5xx with
backoff, and treats any other non-2xx answer as a failure that carries the response text: the Go
rio's unchecked POST is the bug it replaces.

A job endpoint is named one way everywhere (``RedshiftIO(job_endpoint=…)``, ``rio send --endpoint``,
``rio pack --send --endpoint``, :mod:`rio.server.client`): :func:`endpoint_base` owns the rule.
``rio serve``'s address (``http://host:port``, with or without a trailing ``/``, or with the path
prefix a proxy puts it behind) and its ``…/jobs`` URL both name it; jobs are posted to
:func:`jobs_url`.

The embedded executor's job names its base but not how to reach it: its ``storage`` says that
(:class:`~rio.storage_settings.StorageSettings`), and a pipe fills what it leaves unset with its own.
"""

from __future__ import annotations

import http.client
import json
import math
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from rio import redaction
from rio.contract import Job
from rio.errors import JobSubmissionFailed
from rio.storage_settings import StorageSettings

__all__ = [
    "DEFAULT_JOB_ATTEMPTS",
    "DEFAULT_JOB_TIMEOUT",
    "SERVE_TOKEN_ENVIRONMENT",
    "EmbeddedExecutor",
    "Executor",
    "HttpExecutor",
    "JobReceipt",
    "endpoint_base",
    "jobs_url",
]

log = redaction.logger("rio.executors")

#: Seconds each attempt to post a job waits for the endpoint's answer. ``rio serve`` answers once
#: the job is queued, in milliseconds; a silent endpoint is down, and waiting longer only delays
#: the error.
DEFAULT_JOB_TIMEOUT = 10.0
#: How many times a job is posted before the send fails (network errors and 5xx answers only).
DEFAULT_JOB_ATTEMPTS = 3
#: The environment variable holding ``rio serve``'s bearer token, read by the server and its clients.
SERVE_TOKEN_ENVIRONMENT = "RIO_SERVE_TOKEN"

#: The most of an endpoint's answer that goes into an error message.
_SHOWN_RESPONSE = 500
_JOBS = "/jobs"


def endpoint_base(endpoint: str) -> str:
    """The base URL of a job endpoint: ``endpoint`` without a trailing ``/`` or ``/jobs``.

    ``http://h:8080``, ``http://h:8080/``, ``http://h:8080/jobs`` and ``http://h:8080/jobs/`` all
    give ``http://h:8080``; ``https://proxy/rio`` and ``https://proxy/rio/jobs`` give
    ``https://proxy/rio``. Anything that is not such a URL raises :class:`JobSubmissionFailed`.
    """
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        raise JobSubmissionFailed(
            f"job endpoint {str(endpoint)[:80]!r} is not an http:// or https:// URL; give rio serve's "
            "address, such as http://127.0.0.1:8080"
        )
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError as exc:
        raise JobSubmissionFailed(f"job endpoint {endpoint[:80]!r} is not a URL ({exc})") from exc
    if not parts.hostname:
        raise JobSubmissionFailed(f"job endpoint {endpoint[:80]!r} names no host")
    if parts.username is not None or parts.password is not None:
        raise JobSubmissionFailed(
            "a job endpoint URL must not hold a user or password; give rio serve's bearer token as the "
            "token (job_token=, --token or $RIO_SERVE_TOKEN)"
        )
    if parts.query or parts.fragment:
        raise JobSubmissionFailed(
            f"job endpoint {parts.scheme}://{parts.netloc}{parts.path} must not carry a query or a "
            "fragment; give rio serve's address, such as http://127.0.0.1:8080"
        )
    path = parts.path.rstrip("/")
    if path.endswith(_JOBS):
        path = path[: -len(_JOBS)].rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def jobs_url(endpoint: str) -> str:
    """Where jobs are posted: the endpoint's base (see :func:`endpoint_base`) and ``/jobs``."""
    return endpoint_base(endpoint) + _JOBS


@dataclass(frozen=True)
class JobReceipt:
    """What an executor says about a job it took: its id, and the answer it got."""

    job_id: str | None
    detail: Any = None


class Executor(Protocol):
    """Runs or hands over one job; raises when it cannot."""

    def submit(self, job: Job) -> JobReceipt: ...


class EmbeddedExecutor:
    """Runs the job here, with :func:`rio.loader.run_job`, into the given warehouse.

    The job's data is read with ``storage``; a field it leaves unset comes from the pipe that
    hands the executor its jobs (:meth:`with_storage`), then from ``RIO_S3_*`` (read when the
    store is opened). ``options`` go to ``run_job`` (``options=LoadOptions(…)``, a ``store``,
    ``open_store`` keywords).
    """

    def __init__(self, target: Any, *, storage: StorageSettings | None = None, **options: Any) -> None:
        self.target = target
        self.storage = storage
        self.options = options

    def with_storage(self, storage: StorageSettings) -> EmbeddedExecutor:
        """A copy reading with this executor's own settings, and ``storage`` where they leave a field unset.

        A copy, not a change: one executor may serve pipes that write to different places.
        """
        merged = storage if self.storage is None else self.storage.with_defaults(storage)
        return EmbeddedExecutor(self.target, storage=merged, **self.options)

    def submit(self, job: Job) -> JobReceipt:
        # Imported here: the loader pulls in warehouse drivers a producer may never need.
        from rio.loader import run_job

        # Fields left unset are read from RIO_S3_* when the store is opened.
        report = run_job(job, self.target, storage=self.storage or StorageSettings(), **self.options)
        report.raise_for_failures()
        return JobReceipt(job.id, report)

    def __repr__(self) -> str:
        return f"EmbeddedExecutor(target={redaction.masked(self.target)!r}, storage={self.storage!r})"


class HttpExecutor:
    """Posts jobs as JSON to a job endpoint: ``rio serve``'s address, or its ``/jobs`` URL.

    Each attempt waits ``timeout`` seconds for an answer; network errors, timeouts and 5xx answers
    are tried again, ``attempts`` in all, after a backoff of ``backoff`` seconds doubling each
    time (with up to 50 % jitter). So a send waits at most about ``attempts * timeout`` plus
    ``backoff * (2 ** (attempts - 1) - 1) * 1.5`` seconds before :class:`JobSubmissionFailed`.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | None = None,
        timeout: float = DEFAULT_JOB_TIMEOUT,
        attempts: int = DEFAULT_JOB_ATTEMPTS,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = jobs_url(endpoint)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise JobSubmissionFailed(
                f"job endpoint {self.endpoint}: attempts must be a whole number of at least 1, "
                f"not {attempts!r}"
            )
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
            raise JobSubmissionFailed(
                f"job endpoint {self.endpoint}: the timeout must be a number of seconds above 0, "
                f"not {timeout!r}"
            )
        if isinstance(backoff, bool) or not isinstance(backoff, (int, float)) or not 0 <= backoff < math.inf:
            raise JobSubmissionFailed(
                f"job endpoint {self.endpoint}: the backoff must be a number of seconds of at least 0, "
                f"not {backoff!r}"
            )
        self._token = token
        redaction.register(token)
        self.timeout = float(timeout)
        self.attempts = attempts
        self.backoff = float(backoff)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"HttpExecutor(endpoint={self.endpoint!r}, timeout={self.timeout}, attempts={self.attempts})"

    def _request(self, job: Job) -> urllib.request.Request:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if job.id is not None:
            headers["Idempotency-Key"] = job.id
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return urllib.request.Request(self.endpoint, data=job.to_json(), headers=headers, method="POST")

    def submit(self, job: Job) -> JobReceipt:
        """Post the job; return once the endpoint answers 2xx, or raise :class:`JobSubmissionFailed`."""
        last_problem = ""
        status: int | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                with urllib.request.urlopen(self._request(job), timeout=self.timeout) as response:
                    body = response.read()
                    log.info("job %s accepted by %s (%s)", job.id, self.endpoint, response.status)
                    return JobReceipt(job.id, _decode_body(body))
            except urllib.error.HTTPError as exc:
                status = exc.code
                text = exc.read()[:_SHOWN_RESPONSE].decode("utf-8", "replace")
                last_problem = f"it answered {exc.code} {exc.reason}: {text.strip() or '(no body)'}"
                if exc.code < 500:
                    # A 4xx is the endpoint refusing this job; sending it again would not help.
                    raise JobSubmissionFailed(
                        f"job {job.id} was refused by {self.endpoint}: {last_problem}", status=exc.code
                    ) from exc
            except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
                status = None
                reason = getattr(exc, "reason", exc)
                last_problem = f"it could not be reached ({reason})"
            if attempt < self.attempts:
                delay = self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 2)
                log.warning(
                    "job %s: %s; trying again in %.1f s (%d/%d)",
                    job.id,
                    last_problem,
                    delay,
                    attempt,
                    self.attempts,
                )
                self._sleep(delay)
        raise JobSubmissionFailed(
            f"job {job.id} could not be submitted to {self.endpoint} after {self.attempts} attempts: "
            f"{last_problem}",
            status=status,
        )


def _decode_body(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode("utf-8", "replace")
