"""How to reach object storage: :class:`StorageSettings`, one object handed from the pipe, the CLI and
``rio serve`` to every layer (defined in :mod:`rio.storage._settings`, beside the stores it opens)."""

from rio.storage._settings import (
    ADDRESSING_STYLES,
    ENVIRONMENT,
    SETTING_NAMES,
    StorageSettings,
    split_store_options,
)

__all__ = ["ADDRESSING_STYLES", "ENVIRONMENT", "SETTING_NAMES", "StorageSettings", "split_store_options"]
