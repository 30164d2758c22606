"""The demo: a producer packs about a million events, sends them, and they land in a DuckDB file.

``python -m rio.demo`` (what ``make demo`` runs) needs no AWS, no server and no configuration. It
writes ``rio-demo-data/`` (parts, manifest, load config) and ``rio-demo.duckdb`` in the current
directory, replacing those of an earlier run, and prints what each step did and how fast.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from rio._words import plural
from rio.config import Column, DestinationConfig
from rio.pipe import RedshiftIO

__all__ = ["events", "main"]

CONFIG = DestinationConfig(
    "demo",
    "events",
    [
        Column("ts", "timestamp", sort_ord=1),
        Column("user_id", "bigint", dist_key=True),
        Column("event", "text"),
        Column("path", "text"),
        Column("ms", "float"),
        Column("ok", "boolean"),
        Column("id", "text"),
    ],
    data_timestamp_column="ts",
)
_EVENTS = ("page_view", "click", "add_to_cart", "purchase", "signup", "login", "logout", "search")
_WEIGHTS = (40, 25, 8, 3, 1, 6, 5, 12)
_SECTIONS = ("products", "blog", "help", "account", "cart", "search")


def events(count: int, start: datetime, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``count`` synthetic web events, one every few milliseconds from ``start`` (seeded)."""
    rng = random.Random(seed)
    step = timedelta(milliseconds=3)
    for i in range(count):
        yield {
            "ts": start + i * step,
            "user_id": rng.randrange(1, 200_000),
            "event": rng.choices(_EVENTS, _WEIGHTS)[0],
            "path": f"/{rng.choice(_SECTIONS)}/{rng.randrange(1, 10_000)}",
            "ms": round(rng.uniform(0, 2_000), 2),
            "ok": rng.random() < 0.97,
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        }


def _size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m rio.demo", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="how many events (default 1,000,000)")
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="where to write (default: here)")
    args = parser.parse_args(argv)

    data = args.dir / "rio-demo-data"
    database = args.dir / "rio-demo.duckdb"
    shutil.rmtree(data, ignore_errors=True)
    database.unlink(missing_ok=True)
    target = f"duckdb:///{database}"
    start = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    rows = list(events(args.rows, start))  # made first, so the timing below is rio's alone

    print(f"rio demo: {plural(len(rows), 'event')} → {data}/ → {database.name}")
    began = time.perf_counter()
    pipe = RedshiftIO(CONFIG, base=str(data), target=target)
    pipe.pack_many(rows)
    pipe.seal()  # returns once every part is stored
    packed = time.perf_counter()
    receipt = pipe.send()
    loaded = time.perf_counter()
    pipe.close()

    assert receipt is not None, "the pipe held rows, so send() ran the load"
    (outcome,) = receipt.detail.outcomes
    parts = list((data / CONFIG.schema / CONFIG.table / "parts").rglob("*.json.gz"))
    compressed = sum(part.stat().st_size for part in parts)
    raw = _raw_bytes(parts)
    pack_seconds, load_seconds = packed - began, loaded - packed
    ratio = raw / max(compressed, 1)
    files = plural(len(parts), "gzip'd NDJSON file")
    packed_rows = plural(len(rows), "row")
    _say("packed", f"{packed_rows} in {pack_seconds:.2f} s: {len(rows) / pack_seconds:,.0f} rows/s")
    _say("parts", f"{files}, {compressed / 1e6:.1f} MB ({raw / 1e6:.1f} MB of JSON, "
                  f"{ratio:.1f} times smaller)")  # fmt: skip
    loaded_rows = plural(outcome.rows, "row")
    _say("loaded", f"{loaded_rows} in {load_seconds:.2f} s: {outcome.rows / load_seconds:,.0f} rows/s")
    _say("on disk", f"{_size(data) / 1e6:.1f} MB in {data.name}/, {database.stat().st_size / 1e6:.1f} MB in "
                    f"{database.name}")  # fmt: skip
    _say("outcome", outcome.line())

    import duckdb

    with duckdb.connect(str(database), read_only=True) as db:
        query = (
            "SELECT event, count(*) AS events, count(DISTINCT user_id) AS users, round(avg(ms), 1) AS avg_ms "
            "FROM demo.events GROUP BY event ORDER BY events DESC"
        )
        print(f"\n{query};")
        result = db.execute(query).fetchall()
        print(f"  {'event':<12} {'events':>9} {'users':>8} {'avg_ms':>8}")
        for event, count, users, avg_ms in result:
            print(f"  {event:<12} {count:>9,} {users:>8,} {avg_ms:>8}")
        (ledger,) = db.execute("SELECT count(*) FROM demo.rio_loads").fetchone() or (0,)
    print(
        f"\nThe ledger demo.rio_loads holds {ledger} load; sending the same manifest again would do nothing."
    )
    shown = database.relative_to(Path.cwd()) if database.is_relative_to(Path.cwd()) else database
    print(f"Look around: rio history --table demo.events --target duckdb:///{shown}")


def _say(label: str, text: str) -> None:
    print(f"  {label:<8} {text}")


def _raw_bytes(parts: list[Path]) -> int:
    """The uncompressed size of the parts (gzip's trailer holds it, modulo 4 GiB)."""
    total = 0
    for part in parts:
        with part.open("rb") as handle:
            handle.seek(-4, 2)
            total += int.from_bytes(handle.read(4), "little")
    return total


if __name__ == "__main__":
    main()
