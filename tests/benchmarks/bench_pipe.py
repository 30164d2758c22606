"""RedshiftIO throughput and memory: from pack() to parts stored, against the packer alone.

First the peak RSS growth of streaming 10 million rows through a pipe with a 10 MB buffer into a
local directory, measured before anything else so that memory freed by the other cases hides none
of it (target: at most (compression threads + 1) x buffer_size + 32 MB). Then, in one run: the
packer alone with the pipe's checks (the same columns and data timestamp, every core compressing,
parts taken and dropped by a consumer thread); RedshiftIO dropping its parts too (its own cost),
then storing them in a local directory and in moto's S3 server (in this process, so it competes for
the same cores — a real S3 would not); and RedshiftIO into a local directory with the rows shared
out to 2 and 4 producer threads, against one. Every case packs the same 1,000,000 event rows with
``pack(row)``; each is the best of five rounds, a round running every case once.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from measure import PeakMemory, best_interleaved
from rows import EVENT_COLUMNS, event_rows

from rio import Packer
from rio.config import DestinationConfig
from rio.pipe import RedshiftIO
from rio.storage import LocalStore, ObjectStore, StoredObject, open_store
from support.s3 import FAKE_AWS_ENVIRONMENT, S3Server

ROWS = 1_000_000
ROUNDS = 5
STREAMED = 10_000_000
BUFFER = 10_000_000
CONFIG = DestinationConfig("bench", "events", EVENT_COLUMNS, data_timestamp_column="ts")


class DroppingStore(LocalStore):
    """A store that keeps nothing, as the packer alone's consumer: what is left is the pipe's own cost."""

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject:
        return StoredObject(key, self.url(key), len(data))


def pack_from(producers: int, pack: Callable[[Any], None], rows: Sequence[Any]) -> None:
    """Pack ``rows`` with ``pack``, shared out in contiguous slices to ``producers`` threads."""
    if producers == 1:
        for row in rows:
            pack(row)
        return
    size = -(-len(rows) // producers)

    def produce(share: Sequence[Any]) -> None:
        for row in share:
            pack(row)

    threads = [
        threading.Thread(target=produce, args=(rows[i * size : (i + 1) * size],)) for i in range(producers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def streamed_memory(rows: Sequence[Any]) -> None:
    """Stream STREAMED rows through a pipe into a local directory; print the peak RSS growth."""
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
    # A raw buffer being filled and one per compression thread, plus 32 MB for the compressed parts
    # waiting to be stored and what the allocator keeps; with one thread, the former 2 x buffer_size.
    threads = Packer().threads
    print(
        f"streamed {STREAMED:,} rows into a local directory in {seconds:.1f} s "
        f"({STREAMED / seconds:,.0f} rows/s); peak RSS growth {growth:.1f} MB "
        f"(target <= {((threads + 1) * BUFFER + 32_000_000) / 1e6:.0f} MB: "
        f"({threads} compression threads + 1) x buffer_size + 32 MB)"
    )


def main() -> None:
    os.environ.update(FAKE_AWS_ENVIRONMENT)
    rows = list(event_rows(ROWS))
    streamed_memory(rows)

    def packer_alone(_: int) -> None:
        packer = Packer(buffer_size=BUFFER, columns=EVENT_COLUMNS, data_timestamp_column="ts")
        consumer = threading.Thread(target=lambda: [None for _ in packer])
        consumer.start()
        pack_from(1, packer.pack, rows)
        packer.close()
        consumer.join()

    def pipe_into(make_store: Callable[[], ObjectStore], producers: int = 1) -> Callable[[int], None]:
        def run(_: int) -> None:
            pipe = RedshiftIO(CONFIG, store=make_store(), buffer_size=BUFFER)
            pack_from(producers, pipe.pack, rows)
            pipe.seal()  # returns once every part is stored
            pipe.close_without_sending()

        return run

    server = S3Server().start()
    import boto3

    boto3.client("s3", endpoint_url=server.endpoint_url, region_name="us-east-1").create_bucket(
        Bucket="bench"
    )
    with tempfile.TemporaryDirectory() as scratch:

        def local() -> ObjectStore:
            return LocalStore(Path(tempfile.mkdtemp(dir=scratch)))

        cases = [
            ("packer alone, the pipe's checks", packer_alone),
            ("RedshiftIO, parts dropped", pipe_into(lambda: DroppingStore(scratch))),
            ("RedshiftIO -> local directory", pipe_into(local)),
            (
                "RedshiftIO -> moto S3 server",
                pipe_into(lambda: open_store("s3://bench/runs", endpoint_url=server.endpoint_url)),
            ),
            ("RedshiftIO, 2 producer threads", pipe_into(local, 2)),
            ("RedshiftIO, 4 producer threads", pipe_into(local, 4)),
        ]
        results = {name: seconds for name, seconds, _ in best_interleaved(cases, ROUNDS)}
    server.stop()
    print(
        f"\n{ROWS:,} event rows, 10 MB parts, {os.cpu_count()} cores compressing; best of {ROUNDS} rounds\n"
    )
    print(f"{'':34} {'rows/s':>12} {'ratio':>9}")
    packer, one = results["packer alone, the pipe's checks"], results["RedshiftIO -> local directory"]
    for name, seconds in results.items():
        base, against = (one, "1 thread") if "producer threads" in name else (packer, "packer")
        ratio = "" if name.startswith("packer") else f"{base / seconds:>5.2f}x vs {against}"
        print(f"{name:34} {ROWS / seconds:>12,.0f}   {ratio}")
    print("targets: RedshiftIO with its parts dropped >= 0.95x the packer; 2 and 4 threads >= 0.95x one")


if __name__ == "__main__":
    main()
