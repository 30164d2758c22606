"""Type stubs for ``rio._core``, the Rust core of rio (built by maturin from ``rio_core/``)."""

from typing import Final

__all__ = ["__version__"]

__version__: Final[str]
