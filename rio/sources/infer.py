"""Column types inferred from the data: :mod:`rio.inference`, under the name it first had.

The inference lives in :mod:`rio.inference`, below :mod:`rio.config`, so a config can be inferred
from rows without the config package importing the sources. This name is the very same module
object (aliased in :data:`sys.modules`), so setting one of its attributes — a test's patch of
``_BATCH`` — changes what the tracker reads.
"""

from __future__ import annotations

import sys

from rio import inference
from rio.inference import ColumnStats as ColumnStats
from rio.inference import ColumnTracker as ColumnTracker
from rio.inference import infer_columns as infer_columns
from rio.inference import measured_widths as measured_widths

__all__ = ["ColumnStats", "ColumnTracker", "infer_columns", "measured_widths"]

sys.modules[__name__] = inference
