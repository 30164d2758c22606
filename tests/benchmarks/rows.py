"""The benchmark rows: seeded synthetic events of 158 bytes of compact JSON on average.

Every benchmark uses these, so figures from different runs and files compare.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from typing import Any

from rio.config import Column

#: The columns of a table the event rows load into.
EVENT_COLUMNS = (
    Column("id", "text"),
    Column("user_id", "bigint"),
    Column("event", "text"),
    Column("ts", "timestamp"),
    Column("path", "text"),
    Column("ms", "float"),
    Column("ok", "boolean"),
)

EVENTS = ("page_view", "click", "add_to_cart", "purchase", "signup", "login", "logout", "search")
SECTIONS = ("products", "blog", "help", "account", "cart", "search")


def event_rows(count: int, seed: int = 42) -> Iterator[dict[str, Any]]:
    """``count`` event dicts; the same seed gives the same rows."""
    rng = random.Random(seed)
    for i in range(count):
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "user_id": rng.randrange(1, 10_000_000),
            "event": rng.choice(EVENTS),
            "ts": f"2026-11-21T{(i // 3_600_000) % 24:02d}:{(i // 60_000) % 60:02d}:"
            f"{(i // 1000) % 60:02d}.{rng.randrange(1000):03d}",
            "path": f"/{rng.choice(SECTIONS)}/{rng.randrange(1, 100_000)}",
            "ms": round(rng.uniform(0, 20_000), 2),
            "ok": rng.random() < 0.95,
        }
