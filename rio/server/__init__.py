"""``rio serve``: the remote job endpoint, an HTTP service that takes load jobs and runs them.

Jobs arrive as rio's JSON job or the Go tools' flag line on ``POST /jobs``, are kept in a SQLite
state database, and run on a pool of worker threads that never loads one table from two jobs at
once. ``GET /jobs/{id}`` tells a job's state and, once finished, each table's outcome.

=================  ==========================================================================
module             what it holds
=================  ==========================================================================
``state``          the SQLite state database: jobs received, running and finished
``workers``        the worker pool, its queue and the per-table exclusion
``policy``         what jobs may touch: allowed bases and schemas, and the store that holds reads to them
``app``            the starlette routes (imported only when serving)
``main``           wiring: state, pool, app and uvicorn, with a graceful stop on SIGTERM
``client``         ``submit`` and ``wait``, for ``rio send --endpoint`` and other callers
=================  ==========================================================================

Only ``app`` and ``main`` import starlette and uvicorn, so ``import rio`` never pays for them.
"""

from __future__ import annotations

from rio.errors import ServerError, StateError

__all__ = ["ServerError", "StateError"]
