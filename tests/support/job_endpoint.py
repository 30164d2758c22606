"""A job endpoint for the tests: a real HTTP server on 127.0.0.1 that records what it is sent.

It answers 202 with the job's id, and can be told to fail: answer 500 a number of times, answer 400,
answer slowly, or stop listening altogether (and start again on the same port).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]


@dataclass
class JobEndpoint:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    fail_times: int = 0  # answer 500 this many times before succeeding
    status: int = 202  # the answer once failures are used up
    delay: float = 0.0  # seconds to wait before answering
    _server: ThreadingHTTPServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/jobs"

    @property
    def jobs(self) -> list[bytes]:
        """The bodies of the requests answered 2xx."""
        return [item.body for item in self.received if item.headers.get("x-answered") == "2xx"]

    def start(self) -> JobEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {key.lower(): value for key, value in self.headers.items()}
                if endpoint.delay:
                    time.sleep(endpoint.delay)
                if endpoint.fail_times > 0:
                    endpoint.fail_times -= 1
                    code, answer = 500, b'{"error": "the endpoint failed"}'
                elif endpoint.status >= 300:
                    code, answer = endpoint.status, b'{"error": "the job is refused"}'
                else:
                    code, answer = (
                        endpoint.status,
                        json.dumps({"id": headers.get("idempotency-key")}).encode(),
                    )
                    headers["x-answered"] = "2xx"
                endpoint.received.append(Received(body, headers))
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
