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
:func:`jobs_url`. Every request to an endpoint, here and in :mod:`rio.server.client`, goes through
:func:`request_endpoint`: urllib3, with its ``Retry`` deciding what is tried again.

The embedded executor's job names its base but not how to reach it: its ``storage`` says that
(:class:`~rio.storage_settings.StorageSettings`), and a pipe fills what it leaves unset with its own.
"""

from __future__ import annotations

import functools
import http
import json
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, Union
from urllib.parse import unquote, urlsplit, urlunsplit

from rio import contract, redaction
from rio.contract import Job
from rio.errors import JobSubmissionFailed
from rio.storage_settings import StorageSettings

if TYPE_CHECKING:
    import urllib3
    from urllib3.util import Retry
    from urllib3.util.retry import RequestHistory

    from rio.adapters.base import Adapter

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

#: What a job may be loaded into: a warehouse URL, a target's settings (with ``type``), or an adapter.
WarehouseTarget: TypeAlias = Union[str, Mapping[str, Any], "Adapter"]


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

    def __init__(
        self, target: WarehouseTarget, *, storage: StorageSettings | None = None, **options: Any
    ) -> None:
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

    def _headers(self, job: Job) -> dict[str, str]:
        # The server stores a job once per id, so posting it again is harmless; a job without an id
        # gets a key of its own for all its attempts, which the server takes as the id.
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": job.id if job.id is not None else contract.new_run_id(),
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def submit(self, job: Job) -> JobReceipt:
        """Post the job; return once the endpoint answers 2xx, or raise :class:`JobSubmissionFailed`."""

        def announce(problem: str, delay: float, attempt: int) -> None:
            log.warning(
                "job %s: %s; trying again in %.1f s (%d/%d)", job.id, problem, delay, attempt, self.attempts
            )

        gave_up = f"job {job.id} could not be submitted to {self.endpoint} after {self.attempts} attempts"
        try:
            answer = request_endpoint(
                "POST",
                self.endpoint,
                headers=self._headers(job),
                body=job.to_json(),
                timeout=self.timeout,
                attempts=self.attempts,
                backoff=self.backoff,
                sleep=self._sleep,
                on_retry=announce,
            )
        except EndpointUnreachable as exc:
            raise JobSubmissionFailed(f"{gave_up}: it could not be reached ({exc.reason})") from exc
        if answer.ok:
            log.info("job %s accepted by %s (%s)", job.id, self.endpoint, answer.status)
            return JobReceipt(job.id, _decode_body(answer.body))
        problem = (
            f"it answered {answer.status} {answer.reason}: {answer.text(_SHOWN_RESPONSE) or '(no body)'}"
        )
        if answer.status >= 500:
            raise JobSubmissionFailed(f"{gave_up}: {problem}", status=answer.status)
        # Anything else is the endpoint refusing this job: it was not tried again.
        raise JobSubmissionFailed(
            f"job {job.id} was refused by {self.endpoint}: {problem}", status=answer.status
        )


# --- requests to a job endpoint ---------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointAnswer:
    """What a job endpoint answered: the status, its reason phrase, and the body."""

    status: int
    reason: str
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self, limit: int) -> str:
        """The start of the body as text, for a message."""
        return self.body[:limit].decode("utf-8", "replace").strip()


class EndpointUnreachable(Exception):
    """No answer came from a job endpoint: no connection, a connection cut off, or no answer in time."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def request_endpoint(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: bytes | None = None,
    timeout: float,
    attempts: int = 1,
    backoff: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str, float, int], None] | None = None,
) -> EndpointAnswer:
    """Send one request to a job endpoint, ``attempts`` times at most, and return its last answer.

    Each attempt waits ``timeout`` seconds to connect and as long for each read. Network errors,
    timeouts and 5xx answers are tried again, after ``backoff`` seconds doubling each time with up
    to 50 % jitter (``sleep`` waits, ``on_retry`` is told the problem, the delay and the attempt);
    any other answer is returned at once, redirects included, which are never followed. Raises
    :class:`EndpointUnreachable` when the last attempt got no answer. The proxy of
    ``$http_proxy``/``$https_proxy`` is used unless ``$no_proxy`` exempts the host, as
    :mod:`urllib.request` does.
    """
    # Imported here: ``import rio`` should not pay for an HTTP client a pipe may never use.
    import urllib3

    retries = _backoff_retry_type()(
        total=attempts - 1,
        # POST too: the server stores a job once per id, and a job is always posted with one.
        allowed_methods=frozenset({"GET", "POST"}),
        status_forcelist=range(500, 600),
        raise_on_status=False,  # the last 5xx is returned, so its text can be shown
        respect_retry_after_header=False,
        redirect=False,
        backoff=backoff,
        pause=sleep,
        announce=on_retry,
    )
    manager = _pool_manager(url)
    try:
        response = manager.request(
            method,
            url,
            body=body,
            headers=dict(headers),
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=retries,
            redirect=False,
        )
    except urllib3.exceptions.MaxRetryError as exc:
        raise EndpointUnreachable(_unreachable_reason(exc.reason or exc)) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise EndpointUnreachable(_unreachable_reason(exc)) from exc
    finally:
        manager.clear()
    return EndpointAnswer(response.status, response.reason or "", response.data)


@functools.cache
def _backoff_retry_type() -> Callable[..., Retry]:
    """urllib3's :class:`~urllib3.util.Retry`, waiting as :class:`HttpExecutor` documents.

    urllib3's own backoff does not wait before the first retry, and its jitter is added seconds
    rather than a share of the delay: this waits ``backoff`` seconds before the first retry,
    doubling each time, times 1 to 1.5.
    """
    from urllib3.util import Retry

    class BackoffRetry(Retry):
        def __init__(
            self,
            *args: Any,
            backoff: float = 0.0,
            pause: Callable[[float], None] = time.sleep,
            announce: Callable[[str, float, int], None] | None = None,
            **kwargs: Any,
        ) -> None:
            super().__init__(*args, **kwargs)
            self.backoff = backoff
            self.pause = pause
            self.announce = announce

        def new(self, **kwargs: Any) -> BackoffRetry:
            kwargs.setdefault("backoff", self.backoff)
            kwargs.setdefault("pause", self.pause)
            kwargs.setdefault("announce", self.announce)
            return super().new(**kwargs)

        def get_backoff_time(self) -> float:
            attempt = len(self.history)
            if attempt == 0:
                return 0.0
            return float(self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 2))

        def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
            delay = self.get_backoff_time()
            if self.announce is not None and self.history:
                self.announce(_problem(self.history[-1]), delay, len(self.history))
            if delay > 0:
                self.pause(delay)

    # urllib3 warns of every retry after a network error too, with its own wording; this module
    # announces its retries itself, so urllib3's warning of one of them is dropped (and no other).
    logging.getLogger("urllib3.connectionpool").addFilter(
        lambda record: (
            not (isinstance(record.args, tuple) and record.args and isinstance(record.args[0], BackoffRetry))
        )
    )
    return BackoffRetry


def _problem(attempt: RequestHistory) -> str:
    """What went wrong with one attempt of a request, in a few words."""
    if attempt.error is not None or attempt.status is None:
        return f"it could not be reached ({_unreachable_reason(attempt.error or Exception('no answer'))})"
    try:
        phrase = http.HTTPStatus(attempt.status).phrase
    except ValueError:
        phrase = ""
    return f"it answered {attempt.status} {phrase}".rstrip()


def _unreachable_reason(error: BaseException) -> str:
    """Why no answer came, as the socket said it rather than as urllib3 wraps it."""
    from urllib3.exceptions import (
        ConnectTimeoutError,
        NewConnectionError,
        ProtocolError,
        ProxyError,
        ReadTimeoutError,
    )

    if isinstance(error, ProxyError):
        return f"through the proxy: {_unreachable_reason(error.original_error)}"
    if isinstance(error, NewConnectionError):
        cause = error.__cause__ or error.__context__
        return str(cause) if isinstance(cause, OSError) else str(error)
    if isinstance(error, (ConnectTimeoutError, ReadTimeoutError)):
        return "timed out"
    if isinstance(error, ProtocolError) and len(error.args) > 1 and isinstance(error.args[1], BaseException):
        return str(error.args[1]) or type(error.args[1]).__name__
    return str(error) or type(error).__name__


def _pool_manager(url: str) -> urllib3.PoolManager:
    """A pool for one request: through the proxy the environment names for ``url``, if any.

    A pool per request, closed after it, keeps no connection to a server that may restart.
    """
    import urllib.request

    import urllib3

    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if not proxy or urllib.request.proxy_bypass(parts.netloc):
        return urllib3.PoolManager()
    if "://" not in proxy:
        proxy = f"http://{proxy}"
    where = urlsplit(proxy)
    credentials = None
    if where.username is not None:
        user, password = unquote(where.username), unquote(where.password or "")
        credentials = urllib3.make_headers(proxy_basic_auth=f"{user}:{password}")
    return urllib3.ProxyManager(proxy, proxy_headers=credentials)


def _decode_body(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return body.decode("utf-8", "replace")
