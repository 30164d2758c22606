"""``rio serve`` for the tests: the real command in a subprocess, and data laid out as producers do.

:class:`ServeProcess` starts ``python -m rio.cli serve --port 0``, learns its port from the
"listening on" line, speaks plain HTTP to it, and stops it with a signal (or SIGKILL). It passes
``--allow-base`` for each of ``allow_bases`` (and ``--allow-schema`` likewise): a server allows no base
unless told. Data is written with ``json`` and ``gzip`` here, not by rio, so the server is checked
against the contract.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rio import contract
from rio.config import DestinationConfig
from rio.contract import Manifest, ManifestEntry

_LISTENING = re.compile(r"rio serve: listening on (http://\S+)")
_REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ServeProcess:
    """One ``rio serve`` process; ``start()`` returns once it listens."""

    target: str
    state: Path
    token: str = "test-token-0123456789"
    workers: int = 2
    grace: float = 30.0
    allow_bases: Sequence[str] = ()
    allow_schemas: Sequence[str] = ()
    extra: Sequence[str] = ()
    environment: dict[str, str] = field(default_factory=dict)
    url: str = ""
    process: subprocess.Popen[str] | None = field(default=None, repr=False)
    _lines: queue.Queue[str | None] = field(default_factory=queue.Queue, repr=False)
    log_path: Path | None = None

    def command(self) -> list[str]:
        allowed = [word for base in self.allow_bases for word in ("--allow-base", base)]
        allowed += [word for schema in self.allow_schemas for word in ("--allow-schema", schema)]
        return [
            sys.executable, "-m", "rio.cli", "serve", "--port", "0", "--target", self.target,
            "--state", str(self.state), "--workers", str(self.workers), "--grace", str(self.grace),
            *allowed, *self.extra,
        ]  # fmt: skip

    def launch(self) -> subprocess.Popen[str]:
        """Start the process without waiting for it to listen."""
        env = {**os.environ, "RIO_SERVE_TOKEN": self.token}
        # Only what the test passes is allowed, whatever the environment running the tests says.
        env.pop("RIO_SERVE_ALLOW_BASES", None)
        env.pop("RIO_SERVE_ALLOW_SCHEMAS", None)
        env.update(self.environment)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_REPOSITORY), env.get("PYTHONPATH")]))
        self.log_path = self.state.with_name(f"{self.state.name}.{time.monotonic_ns()}.log")
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=self.state.parent
            )
        reader = threading.Thread(target=self._read, args=(self.process,), daemon=True)
        reader.start()
        return self.process

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def start(self, timeout: float = 20.0) -> ServeProcess:
        self.launch()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                self.kill()
                raise RuntimeError(f"rio serve did not listen within {timeout} s:\n{self.log()}") from None
            if line is None:
                raise RuntimeError(
                    f"rio serve exited with {self.process and self.process.wait()}:\n{self.log()}"
                )
            match = _LISTENING.search(line)
            if match:
                self.url = match.group(1)
                return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Send ``sig`` and wait for the exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    # --- HTTP --------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        *,
        token: str | bool | None = True,
    ) -> Answer:
        """One request; ``token=True`` sends the server's own token, ``None``/``False`` none."""
        sent = dict(headers or {})
        if token is True:
            sent["Authorization"] = f"Bearer {self.token}"
        elif isinstance(token, str):
            sent["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=body, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, dict(exc.headers.items()), exc.read())

    def post_job(self, job: contract.Job | str | bytes, headers: dict[str, str] | None = None) -> Answer:
        if isinstance(job, contract.Job):
            body, kind = job.to_json(), "application/json"
        else:
            body = job.encode() if isinstance(job, str) else job
            kind = "application/json" if body.lstrip().startswith(b"{") else "text/plain"
        return self.request("POST", "/jobs", body, {"Content-Type": kind, **(headers or {})})

    def job(self, job_id: str) -> dict[str, Any]:
        answer = self.request("GET", f"/jobs/{job_id}")
        assert answer.status == 200, answer
        result: dict[str, Any] = answer.json
        return result

    def wait_for(self, job_id: str, state: str = "finished", timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = self.job(job_id)
            if found["state"] == state:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"job {job_id} is {found['state']}, not {state}, after {timeout} s: {found}"
                )
            time.sleep(0.05)


@contextlib.contextmanager
def server_pool(directory: Path, **defaults: Any) -> Iterator[Callable[..., ServeProcess]]:
    """Start servers of a test's own, their state files in ``directory``; each is stopped at the end.

    ``make(target, state=None, *, start=True, **options)`` makes one; ``defaults`` fill the options a
    call leaves out. A server that does not stop on SIGTERM within 10 s is killed.
    """
    started: list[ServeProcess] = []

    def make(target: str, state: Path | None = None, *, start: bool = True, **options: Any) -> ServeProcess:
        for name, value in defaults.items():
            options.setdefault(name, value)
        process = ServeProcess(target, state or directory / f"state-{len(started)}.sqlite3", **options)
        started.append(process)
        return process.start() if start else process

    try:
        yield make
    finally:
        for process in started:
            if process.running:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.stop(timeout=10)
            process.kill()


# --- data, as a producer lays it out -------------------------------------------------------------------


def rows_for(count: int, day: datetime, start: int = 0) -> list[dict[str, Any]]:
    base = day.replace(tzinfo=None)
    return [
        {"ts": (base + timedelta(seconds=i)).isoformat(), "id": i, "name": f"event {i}"}
        for i in range(start, start + count)
    ]


def _ndjson(rows: Sequence[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(row).encode() + b"\n" for row in rows)


def publish_local(
    base: Path, config: DestinationConfig, date: datetime, rows: Sequence[dict[str, Any]]
) -> None:
    """A manifest of two gzip'd NDJSON parts and the load config, in a local directory."""
    schema, table = config.schema, config.table
    (base / contract.config_key(schema, table, date)).write_text(config.to_yaml())
    run_id = contract.new_run_id()
    entries = []
    half = (len(rows) + 1) // 2
    for number, chunk in enumerate((rows[:half], rows[half:])):
        path = base / contract.part_key(schema, table, run_id, number)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(_ndjson(chunk)))
        entries.append(ManifestEntry(f"file://{path}", mandatory=True, content_length=path.stat().st_size))
    (base / contract.manifest_key(schema, table, date)).write_bytes(Manifest(tuple(entries)).to_json())


def publish_s3(
    s3: Any, bucket: str, config: DestinationConfig, date: datetime, rows: Sequence[dict[str, Any]]
) -> None:
    """The same at the root of an S3 bucket, where the Go worker looks."""
    schema, table = config.schema, config.table
    s3.put_object(Bucket=bucket, Key=contract.config_key(schema, table, date), Body=config.to_yaml().encode())
    key = contract.part_key(schema, table, contract.new_run_id(), 0)
    part = gzip.compress(_ndjson(rows))
    s3.put_object(Bucket=bucket, Key=key, Body=part)
    manifest = Manifest((ManifestEntry(f"s3://{bucket}/{key}", mandatory=True, content_length=len(part)),))
    s3.put_object(Bucket=bucket, Key=contract.manifest_key(schema, table, date), Body=manifest.to_json())
