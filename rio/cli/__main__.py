"""``python -m rio.cli``: the ``rio`` command, where the console script is not installed."""

from __future__ import annotations

from rio.cli import main

if __name__ == "__main__":
    main()
