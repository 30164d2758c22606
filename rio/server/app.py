"""The HTTP routes of ``rio serve``, on starlette.

======================  ======================================================================
``POST /jobs``          a job: rio's JSON job, or the Go tools' flag line as ``text/plain``.
                        202 ``{"id", "state": "queued", "url"}`` when new; 200 with the stored
                        job's state when its id was received before; 400 ``{"error"}`` for a
                        malformed job, or one reaching outside the access policy (naming the
                        field); 409 when the id names a different job; 413 above the size
                        limit. The id is the job's ``id``, else the ``Idempotency-Key`` header,
                        else a new one.
``GET /jobs/{id}``      ``{"id", "state", "job", "outcomes", "exit_code", ...}``; 404 if unknown
``GET /healthz``        200 ``{"status": "ok", ...}``, the one route without the bearer token
======================  ======================================================================

Every other answer is JSON too, ``{"error": "..."}``. The bearer token is compared in constant time.

A body over the size limit is answered 413 whatever length it declares or whether it is chunked: it is
read to its end and dropped (within the body timeout) before the answer, which closes the connection, so
a client still sending meets the answer rather than a reset connection. A client that waits for
``Expect: 100-continue`` with a declared length over the limit gets the 413 at once, and sends nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rio import redaction
from rio.contract import MAX_JOB_BYTES, Job, new_run_id, parse_job
from rio.errors import InvalidJob
from rio.server import StateError
from rio.server.policy import AccessPolicy
from rio.server.state import StateStore
from rio.server.workers import WorkerPool

__all__ = ["create_app"]

log = redaction.logger("rio.server")

#: Sent with the answer to a body too large or too slow: the connection ends with the answer.
_CLOSE = {"Connection": "close"}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _job_url(job_id: str) -> str:
    return f"/jobs/{job_id}"  # ids hold only letters, digits and . _ : -, all safe in a path


class _TooLarge(Exception):
    pass


class _Body:
    """A request body read up to a limit; past it, the rest is read and dropped."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0

    @property
    def too_large(self) -> bool:
        return self.size > self.limit

    async def read(self, request: Request) -> bytes:
        """The body, or :class:`_TooLarge` once the whole of it was read, if it passed the limit.

        An oversized body is drained rather than left unread: closing a connection with unread data
        resets it, and the client, still sending, would never see the 413.
        """
        chunks: list[bytes] = []
        async for chunk in request.stream():
            self.size += len(chunk)
            if self.too_large:
                chunks.clear()
            else:
                chunks.append(chunk)
        if self.too_large:
            raise _TooLarge
        return b"".join(chunks)


def _declared_over(request: Request, limit: int) -> bool:
    declared = request.headers.get("content-length", "")
    return declared.isdigit() and int(declared) > limit


def create_app(
    state: StateStore,
    pool: WorkerPool,
    token: str,
    *,
    policy: AccessPolicy,
    max_body: int = MAX_JOB_BYTES,
    body_timeout: float = 30.0,
) -> Starlette:
    """The application: ``state`` keeps the jobs, ``pool`` runs them, ``token`` guards ``/jobs``.

    A job reaching outside ``policy`` is refused (400) before it is stored. A body larger than
    ``max_body`` bytes is refused (413), and one slower than ``body_timeout`` seconds too (408), so
    a client cannot hold the server's memory or a connection for long.
    """
    if not token:
        raise ValueError("rio serve needs a non-empty bearer token")
    expected = token.encode("utf-8")

    def refused(request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if header and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected):
            return None
        if not header:
            return _error(
                401,
                "this endpoint needs the server's token: send 'Authorization: Bearer <token>'",
                {"WWW-Authenticate": 'Bearer realm="rio"'},
            )
        log.warning("refused a request to %s with a wrong token from %s", request.url.path, request.client)
        return _error(
            401,
            "the bearer token is wrong: send 'Authorization: Bearer <token>' with the token rio serve "
            "was started with (RIO_SERVE_TOKEN)",
            {"WWW-Authenticate": 'Bearer realm="rio", error="invalid_token"'},
        )

    async def post_job(request: Request) -> Response:
        denial = refused(request)
        if denial is not None:
            return denial
        too_large = _error(
            413, f"the job is larger than {max_body} bytes; a job is a few hundred bytes", _CLOSE
        )
        declared_over = _declared_over(request, max_body)
        if declared_over and "100-continue" in request.headers.get("expect", "").lower():
            # The client waits for a go-ahead before sending: refuse now, and it sends nothing.
            return too_large
        body_reader = _Body(max_body)
        try:
            body = await asyncio.wait_for(body_reader.read(request), body_timeout)
        except asyncio.TimeoutError:
            if declared_over or body_reader.too_large:
                return too_large
            return _error(408, f"the job's body did not arrive within {body_timeout:g} s", _CLOSE)
        except _TooLarge:
            return too_large
        except ClientDisconnect:
            return _error(400, "the client went away before sending the whole job")
        try:
            job = parse_job(body, content_type=request.headers.get("content-type"))
            # Before anything is stored or read: the base, the config and the schema.
            await run_in_threadpool(policy.check_job, job)
        except InvalidJob as exc:
            log.warning("refused a job from %s: %s", request.client, exc)
            return _error(400, str(exc))
        key = request.headers.get("idempotency-key")
        if job.id is not None and key is not None and key != job.id:
            return _error(
                400,
                f"the job's id {job.id!r} and its Idempotency-Key header {key!r} differ; send one id, "
                "or the same in both",
            )
        if job.id is None:
            try:
                job = dataclasses.replace(job, id=key if key is not None else new_run_id())
            except InvalidJob as exc:
                return _error(400, f"Idempotency-Key header: {exc}")
        try:
            record, created = await run_in_threadpool(state.add, job)
        except StateError as exc:
            log.error("job %s not stored: %s", job.id, exc)
            return _error(503, f"the job could not be stored, send it again later: {exc}")
        url = _job_url(record.id)
        if created:
            pool.submit(record)
            log.info("job %s queued: %s.%s", record.id, job.schema, ",".join(job.tables))
            return JSONResponse(
                {"id": record.id, "state": record.state, "url": url},
                status_code=202,
                headers={"Location": url},
            )
        if record.job.to_json() != job.to_json():
            return _error(
                409,
                f"job id {record.id!r} was received before for a different job ({_summary(record.job)}); "
                "send a new job with a new id",
            )
        return JSONResponse({**record.to_json(), "url": url}, status_code=200, headers={"Location": url})

    def get_job(request: Request) -> Response:
        denial = refused(request)
        if denial is not None:
            return denial
        job_id = request.path_params["job_id"]
        try:
            record = state.get(job_id)
        except StateError as exc:
            return _error(503, str(exc))
        if record is None:
            return _error(404, f"no job with id {job_id!r} was received by this server")
        return JSONResponse({**record.to_json(), "url": _job_url(record.id)})

    def healthz(request: Request) -> Response:
        try:
            counts: dict[str, Any] = state.counts()
        except StateError as exc:
            return JSONResponse({"status": "error", "error": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "accepting": pool.accepting, "workers": pool.size, **counts})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _error(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    return Starlette(
        routes=[
            Route("/jobs", post_job, methods=["POST"]),
            Route("/jobs/{job_id}", get_job, methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error},
    )


def _summary(job: Job) -> str:
    return f"{job.schema}.{','.join(job.tables)} from {job.base}"
