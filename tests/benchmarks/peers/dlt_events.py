"""One run of dlt: event dicts from memory into a fresh DuckDB file, timed; prints its timings as JSON.

Run by ``compare_dlt.py`` with the peers' virtual environment's Python (it imports dlt, not rio):

    python dlt_events.py ROWS_PICKLE WORK_DIRECTORY

dlt is set as its performance guide advises for one large resource of dicts, every setting given
through its environment variables before dlt is imported (the values are in SETTINGS):

- ``loader_file_format="parquet"``: dicts are normalized into Parquet files (pyarrow), which DuckDB
  loads natively, instead of the default INSERT statements;
- pages, not rows: the resource yields lists of 10,000 dicts;
- file rotation (``data_writer.file_max_items``) in extract and normalize, so normalize and load can
  work on several files at once, and ``normalize.workers = 2`` processes, one a core;
- a larger item buffer (``data_writer.buffer_max_items``) than the default of 5,000;
- the column types given as hints, as rio's load config gives them, so none is inferred;
- no telemetry, and warnings only in the log.

The time runs from making the pipeline to ``run()`` returning with the load committed; the rows are
counted afterwards. The time of each step comes from the pipeline's trace.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import time
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

PAGE = 10_000
SETTINGS = {
    "NORMALIZE__WORKERS": "2",
    "DATA_WRITER__FILE_MAX_ITEMS": "100000",
    "DATA_WRITER__BUFFER_MAX_ITEMS": "100000",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "RUNTIME__LOG_LEVEL": "WARNING",
}
COLUMNS = {
    "id": {"data_type": "text"},
    "user_id": {"data_type": "bigint"},
    "event": {"data_type": "text"},
    "ts": {"data_type": "timestamp"},
    "path": {"data_type": "text"},
    "ms": {"data_type": "double"},
    "ok": {"data_type": "bool"},
}


def main(rows_file: Path, work: Path) -> dict[str, float]:
    # What the caller's environment sets wins, so a setting can be tried without editing this file.
    for name, value in SETTINGS.items():
        os.environ.setdefault(name, value)
    os.environ["DLT_DATA_DIR"] = str(work / "dlt-data")
    rows: list[dict[str, Any]] = pickle.loads(rows_file.read_bytes())
    import dlt
    import duckdb

    database = work / "warehouse.duckdb"

    def pages() -> Iterator[list[dict[str, Any]]]:
        items = iter(rows)
        while page := list(islice(items, PAGE)):
            yield page

    started = time.perf_counter()
    pipeline = dlt.pipeline(
        pipeline_name="events",
        pipelines_dir=str(work / "pipelines"),
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name="bench",
    )
    pipeline.run(
        dlt.resource(pages(), name="events", columns=COLUMNS),
        loader_file_format="parquet",
    )
    seconds = time.perf_counter() - started
    steps = {
        step.step: (step.finished_at - step.started_at).total_seconds()
        for step in pipeline.last_trace.steps
        if step.finished_at is not None
    }
    with duckdb.connect(str(database), read_only=True) as conn:
        (count,) = conn.execute("SELECT count(*) FROM bench.events").fetchone() or (0,)
    assert count == len(rows), f"{count} rows loaded, {len(rows)} given"
    return {
        "seconds": seconds,
        "extract": steps.get("extract", 0.0),
        "normalize": steps.get("normalize", 0.0),
        "load": steps.get("load", 0.0),
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), Path(sys.argv[2]))))
