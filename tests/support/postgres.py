"""A throwaway PostgreSQL cluster for the tests, started from the machine's server binaries.

``initdb`` refuses to run as root, so when the tests run as root the cluster is created and run as an
unprivileged user (``postgres`` if the machine has one, else ``nobody``). The server listens on a
free port of 127.0.0.1 only, keeps its data in a temporary directory, and is stopped and removed at
the end of the test session.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SERVER_OPTIONS = (
    # Durability buys nothing in a throwaway cluster and costs seconds per test run.
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=200 -c shared_buffers=64MB"
)


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path))


def find_postgres_bindir(
    env: Mapping[str, str] = os.environ,
    search_globs: tuple[str, ...] = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin"),
) -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, or ``None`` when the machine has none.

    Looks at ``RIO_PG_BINDIR``, then ``pg_config --bindir``, then the usual install locations
    (newest version first), then ``PATH``.
    """
    candidates: list[str] = []
    if env.get("RIO_PG_BINDIR"):
        candidates.append(env["RIO_PG_BINDIR"])
    pg_config = shutil.which("pg_config", path=env.get("PATH"))
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0:
                candidates.append(out.stdout.strip())
    for pattern in search_globs:
        candidates.extend(sorted(glob.glob(pattern), key=_version_key, reverse=True))
    initdb_on_path = shutil.which("initdb", path=env.get("PATH"))
    if initdb_on_path:
        candidates.append(str(Path(initdb_on_path).parent))
    for candidate in candidates:
        bindir = Path(candidate)
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, and the machine has neither a 'postgres' nor a 'nobody' user")


@dataclass
class PostgresServer:
    """A running throwaway cluster; ``url()`` gives a libpq URL for one of its databases."""

    bindir: Path
    root: Path
    port: int
    host: str = "127.0.0.1"
    superuser: str = "postgres"
    run_as: pwd.struct_passwd | None = None
    _stopped: bool = field(default=False, repr=False)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@{self.host}:{self.port}/{dbname}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self.run_as is not None:
            kwargs = {"user": self.run_as.pw_uid, "group": self.run_as.pw_gid, "extra_groups": []}
        return subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
            **kwargs,  # type: ignore[call-overload]
        )

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.datadir.exists():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(bindir: Path, *, attempts: int = 3) -> PostgresServer:
    """Create a cluster in a new temporary directory and start it on a free loopback port."""
    run_as = _unprivileged_user() if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="rio-pg-"))
    if run_as is not None:
        os.chown(root, run_as.pw_uid, run_as.pw_gid)
    server = PostgresServer(bindir=bindir, root=root, port=0, run_as=run_as)
    initdb = server._run(
        "initdb", "-D", str(server.datadir), "-U", server.superuser, "-A", "trust",
        "-E", "UTF8", "--locale=C", "--no-sync",
    )  # fmt: skip
    if initdb.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed ({initdb.returncode}):\n{initdb.stdout}\n{initdb.stderr}")
    for _ in range(attempts):
        # The port is free now but could be taken before the server binds it: try another then.
        server.port = free_port()
        options = f"-c listen_addresses=127.0.0.1 -p {server.port} -k {root} {SERVER_OPTIONS}"
        started = server._run(
            "pg_ctl", "-D", str(server.datadir), "-l", str(server.logfile), "-w", "-t", "60",
            "-o", options, "start",
        )  # fmt: skip
        if started.returncode == 0:
            return server
        time.sleep(0.2)
    message = f"pg_ctl start failed:\n{started.stdout}\n{started.stderr}\n{server.log_tail()}"
    server.stop()
    raise RuntimeError(message)


@contextlib.contextmanager
def named_database(server: PostgresServer, name: str) -> Iterator[str]:
    """A fresh database called ``name`` on ``server`` (dropped first if a crashed run left it); its URL.

    It is dropped again on the way out, whatever its connections.
    """
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.url(name)
    finally:
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
