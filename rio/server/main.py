"""Running ``rio serve``: the state database, the worker pool, the app and uvicorn, and a graceful stop.

SIGTERM or SIGINT stops uvicorn listening and the pool taking jobs at once; running jobs then get up
to ``grace`` seconds to finish, and whatever is still queued stays in the state database for the
next start. The process exits 0 either way: a job cut off by the grace is ``running`` in the state
database and runs again at the next start, where the warehouse's ledger skips what it loaded.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from rio import redaction
from rio._words import plural
from rio.profiles import describe_target
from rio.server import ServerError
from rio.server.app import create_app
from rio.server.policy import AccessPolicy
from rio.server.state import StateStore
from rio.server.workers import WorkerPool, load_runner
from rio.storage_settings import StorageSettings

__all__ = ["ServeSettings", "serve"]

log = redaction.logger("rio.server")


@dataclass(frozen=True)
class ServeSettings:
    """Everything ``rio serve`` was told; ``target`` is the warehouse's settings (with ``type``)."""

    token: str = field(repr=False)
    target: Mapping[str, Any] = field(repr=False)
    state_path: Path
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    grace: float = 30.0
    storage: StorageSettings = field(default_factory=StorageSettings)
    #: What jobs may touch; the default allows no base, so every job is refused.
    policy: AccessPolicy = field(default_factory=AccessPolicy)

    def __post_init__(self) -> None:
        # Neither the token nor the warehouse's password may reach a log line or a stored outcome.
        redaction.register(self.token)
        redaction.register_mapping(self.target)


class _Server(uvicorn.Server):
    """uvicorn, which starts the pool once it listens, says where, and tells the pool of a signal."""

    def __init__(self, config: uvicorn.Config, pool: WorkerPool, announce: Callable[[str], None]) -> None:
        super().__init__(config)
        self._pool = pool
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            # Jobs start only once the server listens: a server that cannot start runs nothing.
            self._pool.start()
            for server in getattr(self, "servers", []):
                for listener in server.sockets:
                    host, port = listener.getsockname()[:2]
                    shown = f"[{host}]" if ":" in host else host
                    self._announce(f"http://{shown}:{port}")

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._pool.stop_taking()
        super().handle_exit(sig, frame)


def _print_address(url: str) -> None:
    # Tests and supervisors read this line to learn the port when --port 0 chose one.
    print(f"rio serve: listening on {url}", flush=True)


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, or :class:`ServerError` saying why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        listener = socket.socket(family, kind, proto)
    except OSError as exc:
        raise ServerError(f"cannot listen on {host}:{port}: {exc}; check --host") from exc
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
    except OSError as exc:
        listener.close()
        raise ServerError(
            f"cannot listen on {host}:{port}: {exc.strerror}; pick another --port (0 picks a free one) "
            "or stop the process that uses it"
        ) from exc
    return listener


def serve(settings: ServeSettings, *, announce: Callable[[str], None] = _print_address) -> int:
    """Serve until SIGTERM or SIGINT; return the exit code (0 after a graceful stop)."""
    state = StateStore(settings.state_path)
    try:
        pool = WorkerPool(
            state, load_runner(settings.target, settings.storage, settings.policy), settings.workers
        )
        app = create_app(state, pool, settings.token, policy=settings.policy)
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            lifespan="off",
            log_config=None,  # rio's logging configuration stays in charge
            access_log=log.isEnabledFor(logging.DEBUG),
            server_header=False,
            timeout_graceful_shutdown=5,
        )
        server = _Server(config, pool, announce)
        stops: list[int] = []

        def note_stop(sig: int, frame: FrameType | None) -> None:
            # uvicorn raises the signal it caught again once it has stopped; this takes it, and a
            # second signal during the grace ends the wait.
            stops.append(sig)
            server.should_exit = True  # a signal before uvicorn took over must stop it too
            pool.stop_taking()
            if len(stops) > 1:
                log.warning("second stop signal: leaving the running jobs to the next start")
                _exit_now()

        previous = {sig: signal.signal(sig, note_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            log.info(
                "rio serve: %s, warehouse %s, state %s",
                plural(settings.workers, "worker"),
                describe_target(settings.target),
                settings.state_path,
            )
            log.info("rio serve: %s", settings.policy.describe())
            for base in settings.policy.bases:
                if base.path is not None and not os.path.isdir(base.path):
                    log.warning("rio serve: the allowed base %s is not a directory (yet)", base)
            if settings.policy.refuses_every_job:
                log.warning(
                    "rio serve: no --allow-base given, so every job will be refused (400); restart with "
                    "--allow-base s3://bucket[/prefix] or --allow-base DIRECTORY for the data jobs may read"
                )
            listener = _listen(settings.host, settings.port)
            try:
                server.run(sockets=[listener])
            except SystemExit as exc:
                # uvicorn exits when it cannot start; rio's exit codes mean other things.
                raise ServerError(
                    f"rio serve could not start (see the log above; uvicorn said {exc.code})"
                ) from exc
            finally:
                listener.close()
            if not server.started:
                raise ServerError("rio serve could not start; see the log above")
            log.info("rio serve: stopping; waiting up to %.0f s for running jobs", settings.grace)
            left = pool.stop(settings.grace)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if left:
            log.warning(
                "rio serve: the grace of %.0f s ran out with %s running; %s at the next start",
                settings.grace,
                f"job {left[0]}" if len(left) == 1 else f"jobs {', '.join(left)}",
                "it runs again" if len(left) == 1 else "they run again",
            )
            _exit_now()
        counts = state.counts()
        log.info("rio serve: stopped; %s left queued for the next start", plural(counts["queued"], "job"))
        return 0
    finally:
        state.close()


def _exit_now() -> None:
    """Exit 0 without waiting for the worker threads still inside a load (it rolls back)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
