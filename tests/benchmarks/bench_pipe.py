"""RedshiftIO throughput and memory: from pack() to parts stored, against the packer alone.

In one run: the packer alone (parts taken and dropped by a consumer thread), then RedshiftIO storing
its parts in a local directory and in moto's S3 server (in this process, so it competes for the same
two cores — a real S3 would not). Each is the best of three rounds, a round running every case once,
over 1,000,000 event rows. Then the peak RSS growth of streaming 10 million rows through a pipe with
a 10 MB buffer into a local directory (target: at most 2 x buffer_size + 32 MB).
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import PeakMemory, best_interleaved
from rows import EVENT_COLUMNS, event_rows

from rio import Packer
from rio.config import DestinationConfig
from rio.pipe import RedshiftIO
from rio.storage import LocalStore, ObjectStore, open_store
from support.s3 import FAKE_AWS_ENVIRONMENT, S3Server

ROWS = 1_000_000
STREAMED = 10_000_000
BUFFER = 10_000_000
CONFIG = DestinationConfig("bench", "events", EVENT_COLUMNS, data_timestamp_column="ts")


def main() -> None:
    import os

    os.environ.update(FAKE_AWS_ENVIRONMENT)
    rows = list(event_rows(ROWS))

    def packer_alone(_: int) -> None:
        packer = Packer(buffer_size=BUFFER)
        consumer = threading.Thread(target=lambda: [None for _ in packer])
        consumer.start()
        packer.pack_many(rows)
        packer.close()
        consumer.join()

    def pipe_into(make_store: Callable[[], ObjectStore]) -> Callable[[int], None]:
        def run(_: int) -> None:
            pipe = RedshiftIO(CONFIG, store=make_store(), buffer_size=BUFFER)
            pack = pipe.pack
            for row in rows:
                pack(row)
            pipe.seal()  # returns once every part is stored
            pipe.close_without_sending()

        return run

    server = S3Server().start()
    import boto3

    boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1").create_bucket(
        Bucket="bench"
    )
    with tempfile.TemporaryDirectory() as scratch:
        cases = [
            ("packer alone (parts dropped)", packer_alone),
            ("RedshiftIO -> local directory", pipe_into(lambda: LocalStore(Path(scratch) / "local"))),
            (
                "RedshiftIO -> moto S3 server",
                pipe_into(lambda: open_store("s3://bench/runs", endpoint_url=server.endpoint_url)),
            ),
        ]
        results = [(name, seconds) for name, seconds, _ in best_interleaved(cases)]
    server.stop()
    base = results[0][1]
    print(f"{ROWS:,} event rows, 10 MB parts, best of 3 rounds\n")
    print(f"{'':34} {'rows/s':>12} {'vs packer':>10}")
    for name, seconds in results:
        print(f"{name:34} {ROWS / seconds:>12,.0f} {base / seconds:>9.2f}x")

    with tempfile.TemporaryDirectory() as scratch:
        pool = rows[:100_000]
        pipe = RedshiftIO(CONFIG, store=LocalStore(Path(scratch) / "stream"), buffer_size=BUFFER)
        started = time.perf_counter()
        with PeakMemory() as memory:
            for _ in range(STREAMED // len(pool)):
                pipe.pack_many(pool)
            pipe.seal()
        seconds = time.perf_counter() - started
        growth = memory.growth_mb
        pipe.close_without_sending()
    print(
        f"\nstreamed {STREAMED:,} rows into a local directory in {seconds:.1f} s "
        f"({STREAMED / seconds:,.0f} rows/s); peak RSS growth {growth:.1f} MB "
        f"(target <= {(2 * BUFFER + 32_000_000) / 1e6:.0f} MB)"
    )


if __name__ == "__main__":
    main()
