"""Warehouse adapters, found as plugins: the entry-point group ``rio.adapters``.

rio ships ``postgres``, ``duckdb`` and ``redshift``; a package can add its own by declaring an entry
point in that group whose name is the adapter's ``type`` and whose object is an
:class:`~rio.adapters.base.Adapter` subclass. A target — a warehouse URL, a profile target's mapping,
or an adapter — is turned into an adapter by :func:`resolve_adapter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from rio.adapters.base import Adapter
from rio.errors import UnknownAdapter
from rio.profiles import target_from_url

__all__ = ["ENTRY_POINT_GROUP", "Adapter", "adapter_class", "available_adapters", "resolve_adapter"]

ENTRY_POINT_GROUP = "rio.adapters"

#: rio's own adapters, known even where the package's metadata is not installed.
_BUILT_IN = {
    "postgres": "rio.adapters.postgres:PostgresAdapter",
    "duckdb": "rio.adapters.duckdb:DuckDBAdapter",
    "redshift": "rio.adapters.redshift:RedshiftAdapter",
}


def available_adapters() -> dict[str, str]:
    """Adapter types and where each is defined (``module:Class``)."""
    found = dict(_BUILT_IN)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        found[point.name] = point.value
    return found


def adapter_class(type_name: str) -> type[Adapter]:
    """The adapter class for a ``type:``; :class:`UnknownAdapter` lists the known ones."""
    known = available_adapters()
    if type_name not in known:
        raise UnknownAdapter(
            f"no warehouse adapter of type {type_name!r}; known types: {', '.join(sorted(known))} "
            f"(others are added by packages in the {ENTRY_POINT_GROUP!r} entry-point group)"
        )
    module_name, _, attribute = known[type_name].partition(":")
    try:
        cls = getattr(import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise UnknownAdapter(
            f"the {type_name!r} adapter at {known[type_name]} cannot be loaded: {exc}"
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise UnknownAdapter(f"{known[type_name]} is not a rio adapter class")
    return cls


def resolve_adapter(target: str | Mapping[str, Any] | Adapter) -> Adapter:
    """An adapter for a target: an :class:`Adapter`, a warehouse URL, or a target's settings mapping.

    A target of settings or a URL whose adapter's driver is not installed fails here, with a
    :class:`~rio.errors.WarehouseError` naming the extra to install (``pip install 'rio[postgres]'``).
    """
    if isinstance(target, Adapter):
        return target
    if isinstance(target, str):
        settings: Mapping[str, Any] = target_from_url(target)
    elif isinstance(target, Mapping):
        settings = target
    else:
        raise UnknownAdapter(
            "a warehouse target is a URL, a profile target's settings or an adapter, not "
            f"{type(target).__name__}"
        )
    type_name = settings.get("type")
    if not isinstance(type_name, str):
        raise UnknownAdapter(
            "a warehouse target's settings must name its type (type: postgres, duckdb, redshift)"
        )
    adapter = adapter_class(type_name)(settings)
    adapter.import_driver()
    return adapter
