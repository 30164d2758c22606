"""S3 for the tests: moto's server mode on a free port of 127.0.0.1, spoken to over real HTTP.

boto3 clients reach it by ``endpoint_url``, exactly as they would reach S3, so signing, retries,
conditional writes and multipart uploads all cross a socket. The server can be stopped and started
again on the same port (its objects live in the test process, so they survive), which is how tests
make S3 disappear in the middle of an upload.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

FAKE_AWS_ENVIRONMENT = {
    # Fake credentials, and no way for botocore to find real ones: no profile files, no IMDS.
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/rio-tests/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/rio-tests/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
UNSET_AWS_VARIABLES = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL")


@dataclass
class S3Server:
    """A moto S3 server on 127.0.0.1; ``client()`` gives a boto3 S3 client bound to it."""

    host: str = "127.0.0.1"
    port: int = 0
    _server: Any = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> S3Server:
        """Start listening; on the same port as before when this server ran already."""
        from moto.server import ThreadedMotoServer

        # One line per request on stderr would bury test output.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        server.start()
        self.host, self.port = server.get_host_and_port()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self, **config: Any) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            config=Config(**config) if config else None,
        )
