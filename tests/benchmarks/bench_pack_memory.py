"""Packing memory: stream 10 million rows through a packer and report the growth of peak RSS.

A consumer thread takes the parts as an uploader would. The target is a growth of at most
2 x buffer_size + 32 MB, whatever the number of rows: the packer holds one buffer being filled,
one raw buffer per compressing thread, and the compressed parts waiting to be taken.
"""

from __future__ import annotations

import threading
import time

from measure import PeakMemory
from rows import event_rows

from rio._core import DEFAULT_BUFFER_SIZE, Packer

ROWS = 10_000_000
POOL = 100_000


def main() -> None:
    pool = list(event_rows(POOL))
    packer = Packer(buffer_size=DEFAULT_BUFFER_SIZE)
    taken = {"parts": 0, "bytes": 0}

    def consume() -> None:
        for part in packer:
            taken["parts"] += 1
            taken["bytes"] += len(part.data)

    consumer = threading.Thread(target=consume)
    consumer.start()
    # Measure from here: the row pool and the interpreter are the baseline.
    started = time.perf_counter()
    with PeakMemory() as memory:
        for _ in range(ROWS // POOL):
            packer.pack_many(pool)
        packer.close()
        consumer.join()
    seconds = time.perf_counter() - started
    growth_mb = memory.growth_mb
    budget_mb = (2 * DEFAULT_BUFFER_SIZE + 32_000_000) / 1e6
    print(
        f"{ROWS:,} rows in {seconds:.1f} s ({ROWS / seconds:,.0f} rows/s), {taken['parts']} parts, "
        f"{taken['bytes'] / 1e6:.0f} MB of gzip"
    )
    print(f"peak RSS growth: {growth_mb:.1f} MB (target <= {budget_mb:.0f} MB: 2 x buffer_size + 32 MB)")


if __name__ == "__main__":
    main()
