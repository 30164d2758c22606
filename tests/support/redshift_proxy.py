"""A loopback TCP proxy that lets redshift_connector talk to a stock PostgreSQL server.

redshift_connector cannot connect to PostgreSQL as it is, for two reasons:

- its StartupMessage carries Redshift-only parameters (``client_protocol_version``,
  ``driver_version``, ``os_version``, ``driver_discovery_version``, ``plugin_name`` and, with identity
  provider plugins, a few more), and PostgreSQL refuses the connection with
  ``FATAL 42704 unrecognized configuration parameter``;
- it parses the server's ``server_version`` ParameterStatus as a version number, and Debian's
  PostgreSQL reports ``15.18 (Debian 15.18-0+deb12u1)``, which raises ``InvalidVersion``.

The proxy keeps only the startup parameters PostgreSQL accepts (it remembers the ones it dropped),
rewrites ``server_version`` to its numeric prefix until the server is first ready for a query, and
from then on pipes bytes both ways untouched. It speaks no TLS: an ``SSLRequest`` is answered ``N``,
and clients connect with ``ssl=False``.
"""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
from dataclasses import dataclass, field

__all__ = ["KEPT_STARTUP_PARAMETERS", "RedshiftProxy"]

#: Startup parameters passed on to PostgreSQL (lower case); every other one is dropped.
KEPT_STARTUP_PARAMETERS = frozenset(
    {"user", "database", "options", "application_name", "client_encoding", "datestyle", "timezone"}
)

_PROTOCOL_3 = 196608
_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
_NUMERIC_PREFIX = re.compile(rb"\d+(?:\.\d+)*")


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the peer closed the connection")
        data += chunk
    return bytes(data)


@dataclass
class RedshiftProxy:
    """Listens on a free port of 127.0.0.1 and forwards each connection to ``upstream``."""

    upstream_host: str
    upstream_port: int
    host: str = "127.0.0.1"
    port: int = 0
    #: Startup parameter names dropped so far, over all connections.
    dropped: set[str] = field(default_factory=set)
    _listener: socket.socket | None = field(default=None, repr=False)
    _sockets: set[socket.socket] = field(default_factory=set, repr=False)
    _threads: list[threading.Thread] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self) -> RedshiftProxy:
        listener = socket.create_server((self.host, 0))
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._spawn(self._accept_loop, listener)
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # Closing alone does not wake a thread blocked in accept(); shutting down does.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._close(sock)
        with self._lock:
            threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout=5)

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads = [alive for alive in self._threads if alive.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed by stop()
                return
            self._track(client)
            # Small messages both ways: without NODELAY, Nagle and delayed ACKs stall each round trip.
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        try:
            startup = self._startup(client)
            upstream = socket.create_connection((self.upstream_host, self.upstream_port), timeout=10)
            upstream.settimeout(None)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            self._close(client)
            return
        self._track(upstream)
        upstream.sendall(startup)
        self._spawn(self._server_to_client, upstream, client)
        self._pipe(client, upstream)

    def _startup(self, client: socket.socket) -> bytes:
        """The client's StartupMessage with only the parameters PostgreSQL accepts."""
        while True:
            (length,) = struct.unpack("!i", _read_exactly(client, 4))
            body = _read_exactly(client, length - 4)
            (code,) = struct.unpack("!i", body[:4])
            if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                client.sendall(b"N")
                continue
            if code != _PROTOCOL_3:  # a CancelRequest, say: pass it on as it is
                return struct.pack("!i", length) + body
            break
        fields = body[4:].split(b"\x00")
        kept = bytearray(body[:4])
        for index in range(0, len(fields) - 1, 2):
            key, value = fields[index], fields[index + 1]
            if not key:  # the empty name that ends the list
                break
            name = key.decode("utf-8", "replace")
            if name.lower() in KEPT_STARTUP_PARAMETERS:
                kept += key + b"\x00" + value + b"\x00"
            else:
                self.dropped.add(name)
        kept += b"\x00"
        return struct.pack("!i", len(kept) + 4) + bytes(kept)

    def _server_to_client(self, upstream: socket.socket, client: socket.socket) -> None:
        """Rewrite ``server_version`` until the first ReadyForQuery, then pipe."""
        try:
            while True:
                kind = _read_exactly(upstream, 1)
                (length,) = struct.unpack("!i", _read_exactly(upstream, 4))
                body = _read_exactly(upstream, length - 4)
                if kind == b"S" and body.startswith(b"server_version\x00"):
                    value = body[len(b"server_version\x00") : -1]
                    match = _NUMERIC_PREFIX.match(value)
                    body = b"server_version\x00" + (match.group(0) if match else value) + b"\x00"
                client.sendall(kind + struct.pack("!i", len(body) + 4) + body)
                if kind == b"Z":
                    break
        except (OSError, ConnectionError):
            self._close(client)
            self._close(upstream)
            return
        self._pipe(upstream, client)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source)
            self._close(sink)
