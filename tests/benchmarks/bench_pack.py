"""Packing throughput: rio's packer against the loops people write by hand, side by side.

One Python thread produces 1,000,000 event rows (158 bytes of JSON each); a second thread takes the
finished parts, as an uploader would. Each figure is the best of five rounds, each round running
every case once, and is reported as a ratio to an orjson + zlib (level 6) loop timed in the same
rounds.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
import zlib
from collections.abc import Callable

import orjson
from measure import best_interleaved
from rows import event_rows

from rio._core import DEFAULT_COMPRESSION_LEVEL, Packer

ROWS = 1_000_000
ROUNDS = 5


def rio_run(level: int, feed: Callable[[Packer], None]) -> Callable[[int], int]:
    def run(attempt: int) -> int:
        packer = Packer(compression_level=level)
        sizes: list[int] = []
        consumer = threading.Thread(target=lambda: sizes.extend(len(part.data) for part in packer))
        consumer.start()
        feed(packer)
        packer.close()
        consumer.join()
        return sum(sizes)

    return run


def main() -> None:
    dicts = list(event_rows(ROWS))
    lines = [orjson.dumps(row) for row in dicts]
    raw = sum(len(line) + 1 for line in lines)
    print(f"{ROWS:,} rows, {raw / ROWS:.1f} bytes of JSON per row with its newline, {raw / 1e6:.1f} MB")

    def pack_dicts(packer: Packer) -> None:
        pack = packer.pack
        for row in dicts:
            pack(row)

    def pack_bytes(packer: Packer) -> None:
        pack = packer.pack
        for line in lines:
            pack(line)

    def orjson_zlib(level: int) -> Callable[[int], int]:
        def run(attempt: int) -> int:
            compressor = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: a gzip member
            size = 0
            for row in dicts:
                size += len(compressor.compress(orjson.dumps(row) + b"\n"))
            return size + len(compressor.flush())

        return run

    def json_gzipfile(attempt: int) -> int:
        buffer = io.BytesIO()
        with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6) as handle:
            for row in dicts:
                handle.write(json.dumps(row, separators=(",", ":")).encode() + b"\n")
        return len(buffer.getvalue())

    level = DEFAULT_COMPRESSION_LEVEL
    cases: list[tuple[str, Callable[[int], int]]] = [
        ("orjson + zlib level 6 loop (baseline)", orjson_zlib(6)),
        ("json.dumps + gzip.GzipFile level 6 loop", json_gzipfile),
        (f"rio pack(dict), level {level} (default)", rio_run(level, pack_dicts)),
        (f"rio pack_many(dicts), level {level}", rio_run(level, lambda p: p.pack_many(dicts))),
        (f"rio pack(bytes), level {level}", rio_run(level, pack_bytes)),
        ("rio pack(dict), level 6", rio_run(6, pack_dicts)),
        ("rio pack_many(dicts), level 6", rio_run(6, lambda p: p.pack_many(dicts))),
    ]
    results = best_interleaved(cases, ROUNDS)
    base_seconds = results[0][1]
    print(f"\n{'':44} {'rows/s':>12} {'output MB':>10} {'x baseline':>11} {'gzip ratio':>10}")
    for name, seconds, size in results:
        print(
            f"{name:44} {ROWS / seconds:>12,.0f} {size / 1e6:>10.2f} {base_seconds / seconds:>10.2f}x "
            f"{raw / size:>10.2f}"
        )
    by_name = {name: size for name, _, size in results}
    default_size = by_name[f"rio pack(dict), level {level} (default)"]
    level6_size = by_name["rio pack(dict), level 6"]
    print(
        f"\nrio's default level {level} output is {100 * (default_size / level6_size - 1):+.1f}% against "
        f"rio at level 6 and {100 * (default_size / results[0][2] - 1):+.1f}% against zlib at level 6"
    )
    print("targets: >= 1,000,000 rows/s at the default level; >= 4x the baseline at level 6")


if __name__ == "__main__":
    main()
