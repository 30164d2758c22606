"""A small client of ``rio serve``: submit a job, and wait for it to finish.

``endpoint_base_url`` is the server's address, such as ``http://127.0.0.1:8080`` (or a base behind
a proxy, ``https://proxy/rio``); its ``…/jobs`` URL names it as well (the rule is
:func:`rio.executors.endpoint_base`'s). Every answer that is not 2xx raises
:class:`~rio.errors.JobSubmissionFailed` with the status and the server's text, which says what
was wrong.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

from rio.contract import Job
from rio.errors import JobNotFinished, JobSubmissionFailed
from rio.executors import (
    DEFAULT_JOB_ATTEMPTS,
    DEFAULT_JOB_TIMEOUT,
    EndpointUnreachable,
    HttpExecutor,
    endpoint_base,
    request_endpoint,
)
from rio.loader.report import TableOutcome

__all__ = ["JobNotFinished", "status", "submit", "wait", "wait_outcomes"]

#: The most of a server's answer that goes into an error message.
_SHOWN_RESPONSE = 1000


def _base(endpoint_base_url: str) -> str:
    return endpoint_base(endpoint_base_url)


def _get(url: str, token: str | None, timeout: float, what: str) -> object:
    """GET ``url`` once; its JSON answer, or :class:`JobSubmissionFailed` saying what went wrong."""
    try:
        answer = request_endpoint("GET", url, headers=_headers(token), timeout=timeout)
    except EndpointUnreachable as exc:
        raise JobSubmissionFailed(
            f"{what}: {url} could not be reached ({exc.reason}); is rio serve running there?"
        ) from exc
    if not answer.ok:
        text = answer.text(_SHOWN_RESPONSE) or "(no body)"
        raise JobSubmissionFailed(
            f"{what}: {url} answered {answer.status} {answer.reason}: {text}", status=answer.status
        )
    try:
        decoded: object = json.loads(answer.body)
    except ValueError as exc:
        shown = answer.body[:_SHOWN_RESPONSE].decode("utf-8", "replace")
        raise JobSubmissionFailed(f"{what}: {url} answered with no JSON: {shown!r}") from exc
    return decoded


def _headers(token: str | None) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def submit(
    endpoint_base_url: str,
    job: Job,
    token: str | None = None,
    timeout: float = DEFAULT_JOB_TIMEOUT,
    attempts: int = DEFAULT_JOB_ATTEMPTS,
) -> str:
    """Post a job to ``<endpoint_base_url>/jobs``; return its id once the server has accepted it.

    The job goes as rio's JSON job with its id as ``Idempotency-Key``, through
    :class:`~rio.executors.HttpExecutor`: network errors and 5xx answers are tried again (``attempts``
    in all), any other refusal raises at once. A job id the server has seen before is not run
    again; its id is returned all the same. Each attempt waits ``timeout`` seconds for the answer.
    """
    executor = HttpExecutor(endpoint_base_url, token=token, timeout=timeout, attempts=attempts)
    url = executor.endpoint
    answer = executor.submit(job).detail
    job_id = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(job_id, str) or not job_id:
        raise JobSubmissionFailed(f"job not submitted: {url} answered without a job id: {answer!r}")
    return job_id


def status(
    endpoint_base_url: str, job_id: str, token: str | None = None, timeout: float = 30.0
) -> dict[str, Any]:
    """The state of a job now: the JSON of ``GET /jobs/{id}``."""
    url = f"{_base(endpoint_base_url)}/jobs/{urllib.parse.quote(job_id, safe=':')}"
    answer = _get(url, token, timeout, f"state of job {job_id} not read")
    if not isinstance(answer, dict):
        raise JobSubmissionFailed(f"state of job {job_id} not read: {url} answered {answer!r}")
    return answer


def wait(
    endpoint_base_url: str,
    job_id: str,
    token: str | None = None,
    timeout: float = 3600.0,
    poll_interval: float = 1.0,
) -> dict[str, Any]:
    """Poll a job until it is finished; return ``GET /jobs/{id}``'s JSON (with ``outcomes``, ``exit_code``).

    A server that cannot be reached for a moment (a restart) is polled again; after ``timeout``
    seconds :class:`JobNotFinished` says the job's last known state.
    """
    # Not a retry loop: each poll is one GET, and an unreachable server is simply polled again
    # until the deadline, however many polls that takes, which a count of attempts cannot say.
    deadline = time.monotonic() + timeout
    last = "unknown"
    while True:
        remaining = deadline - time.monotonic()
        try:
            answer = status(endpoint_base_url, job_id, token, timeout=max(min(remaining, 30.0), 1.0))
        except JobSubmissionFailed as exc:
            if exc.status is not None:
                raise  # the server answered, and said no: waiting longer would not change it
            last = f"unreachable ({exc})"
        else:
            if answer.get("state") == "finished":
                return answer
            last = str(answer.get("state"))
        if time.monotonic() + poll_interval > deadline:
            raise JobNotFinished(
                f"job {job_id} did not finish within {timeout:g} s (last state: {last}); it goes on at "
                f"{_base(endpoint_base_url)}/jobs/{job_id}"
            )
        time.sleep(poll_interval)


def wait_outcomes(
    endpoint_base_url: str, job_id: str, token: str | None = None, timeout: float = 3600.0
) -> tuple[list[TableOutcome], int]:
    """Wait for a job to finish; its tables' outcomes and the exit code the server gave it."""
    finished = wait(endpoint_base_url, job_id, token, timeout=timeout, poll_interval=0.5)
    outcomes = [TableOutcome.from_dict(answered) for answered in finished.get("outcomes") or []]
    return outcomes, int(finished.get("exit_code") or 0)
