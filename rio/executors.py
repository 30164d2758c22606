"""Where a pipe's job goes: run here by the embedded loader, or posted to a job endpoint.

An executor takes a :class:`rio.contract.Job` and either returns once the job is done (embedded) or
once the endpoint has accepted it (HTTP), or raises. The HTTP executor posts rio's JSON job with the
job id as its ``Idempotency-Key``, times out instead of hanging, retries network errors and 5xx with
backoff, and treats any other non-2xx answer as a failure that carries the response text: the Go
rio's unchecked POST is the bug it replaces.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from rio.contract import Job
from rio.errors import JobSubmissionFailed

__all__ = ["EmbeddedExecutor", "Executor", "HttpExecutor", "JobReceipt"]

log = logging.getLogger("rio.executors")

#: The most of an endpoint's answer that goes into an error message.
_SHOWN_RESPONSE = 500


@dataclass(frozen=True)
class JobReceipt:
    """What an executor says about a job it took: its id, and the answer it got."""

    job_id: str | None
    detail: Any = None


class Executor(Protocol):
    """Runs or hands over one job; raises when it cannot."""

    def submit(self, job: Job) -> JobReceipt: ...


class EmbeddedExecutor:
    """Runs the job here, with :func:`rio.loader.run_job`, into the given warehouse."""

    def __init__(self, target: Any, **options: Any) -> None:
        self.target = target
        self.options = options

    def submit(self, job: Job) -> JobReceipt:
        # Imported here: the loader pulls in warehouse drivers a producer may never need.
        from rio.loader import run_job

        report = run_job(job, self.target, **self.options)
        report.raise_for_failures()
        return JobReceipt(job.id, report)

    def __repr__(self) -> str:
        return f"EmbeddedExecutor(target={_redacted(self.target)!r})"


def _redacted(target: object) -> object:
    """A warehouse URL with its password masked."""
    if isinstance(target, str) and "@" in target and "://" in target:
        scheme, _, rest = target.partition("://")
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else target
    return target


class HttpExecutor:
    """Posts jobs as JSON to ``endpoint`` (for example ``rio serve``'s ``/jobs``)."""

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | None = None,
        timeout: float = 30.0,
        attempts: int = 5,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not endpoint.startswith(("http://", "https://")):
            raise JobSubmissionFailed(f"job endpoint {endpoint!r} is not an http:// or https:// URL")
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        self.endpoint = endpoint
        self._token = token
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
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
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
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
