"""The s3-to-redshift YAML: a config file written as the Go rio wrote it, and read with errors that
name the file, the field and the line.

Reading works on PyYAML's node tree rather than on ``safe_load``'s objects, so every error can point
at its line, and a file is recognised as a config before a word of it is echoed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rio.columns import Column
from rio.config._destination import DestinationConfig
from rio.config._facts import DataFacts, _facts_mapping
from rio.config._yaml_errors import _position, _yaml_problem, describe_yaml_error
from rio.contract import COPY_KEYWORDS, CopyOptions, copy_option
from rio.errors import ConfigError, ConfigFileError
from rio.types import parse_timestamp_literal

__all__ = ["TableConfig", "dump_config_yaml", "parse_config_yaml", "read_config_file", "read_table_config"]

#: Each COPY option's key under ``meta``: its COPY keyword in lower case, as in the Go worker's COPY.
_META_KEYS = {name: keyword.lower() for name, keyword in COPY_KEYWORDS.items()}


# --- writing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableConfig:
    """One entry of a config file: its map key, the destination, and rio's facts if any."""

    key: str
    destination: DestinationConfig
    facts: DataFacts | None = None


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, except that it escapes NEL, which it would otherwise read back as a space."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "\x85" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _column_mapping(column: Column) -> dict[str, Any]:
    # Key order and omitted zero values are those of the Go rio's struct under yaml.v2's omitempty.
    written: dict[str, Any] = {"dest": column.name, "type": column.type}
    if column.sort_ord:
        written["sortord"] = column.sort_ord
    if column.dist_key:
        written["distkey"] = True
    if column.default_val is not None:
        written["defaultval"] = column.default_val
    if column.not_null:
        written["notnull"] = True
    if column.primary_key:
        written["primarykey"] = True
    return written


def _entry_mapping(entry: TableConfig) -> dict[str, Any]:
    destination = entry.destination
    meta: dict[str, Any] = {
        "datadatecolumn": destination.data_timestamp_column or "",
        "schema": destination.schema,
    }
    for name, value in destination.copy_options.said().items():
        meta[_META_KEYS[name]] = value
    if entry.facts is not None:
        meta["rio"] = _facts_mapping(entry.facts)
    return {
        "dest": destination.table,
        "columns": [_column_mapping(column) for column in destination.columns],
        "meta": meta,
    }


def dump_config_yaml(tables: Iterable[TableConfig]) -> str:
    """The s3-to-redshift YAML for these tables, in the shape the Go rio wrote it."""
    document: dict[str, Any] = {}
    for entry in tables:
        if entry.key in document:
            raise ValueError(f"two tables share the key {entry.key!r}")
        document[entry.key] = _entry_mapping(entry)
    # PyYAML quotes every string that would read back as something else ("100", "true", "", "~"),
    # writes sequences indentless like yaml.v2, and an infinite width keeps each value on one line.
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=float("inf"),
    )


# --- reading --------------------------------------------------------------------------------------

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _BOOL, _NULL = _TAG + "str", _TAG + "int", _TAG + "bool", _TAG + "null"
_MERGE = _TAG + "merge"
_TOP_LEVEL = "a mapping from table name to {dest, columns, meta}"
_AN_ENTRY = "each table's entry to be a mapping with dest, columns and meta"
_ENTRY_KEYS = ("dest", "columns", "meta")
_COLUMN_KEYS = ("dest", "type", "sortord", "distkey", "defaultval", "notnull", "primarykey")
_FACT_KEYS = ("contract", "rows", "min_data_timestamp", "max_data_timestamp", "max_byte_lengths")


def _mark(node: Node) -> str:
    return _position(node.start_mark)


def _where(node: Node) -> str:
    mark = node.start_mark
    return "" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}: "


def _kind(node: Node) -> str:
    """What a node is, without a word of what it holds: for a file not yet known to be a config."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "nothing (null)"
    style = getattr(node, "style", None)
    if style in ("'", '"'):
        return "a quoted scalar"
    if style in ("|", ">"):
        return "a block scalar"
    return "a plain scalar"


def _pairs(node: MappingNode, seen: frozenset[int] = frozenset()) -> Iterable[tuple[Node, Node]]:
    """A mapping's key and value nodes, with those its ``<<`` merge keys bring in (as YAML reads them)."""
    for key_node, value_node in node.value:
        if key_node.tag != _MERGE:
            yield key_node, value_node
            continue
        merged = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for item in merged:
            if isinstance(item, MappingNode) and id(item) not in seen:
                yield from _pairs(item, seen | {id(node)})


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = str(node.value)
    kinds = {
        _STR: f"the string {value!r}",
        _INT: f"the integer {value}",
        _BOOL: f"the boolean {value}",
        _NULL: "nothing (null)",
        _TAG + "float": f"the number {value}",
        _TAG + "timestamp": f"the timestamp {value}",
    }
    return kinds.get(node.tag, f"{value!r} ({node.tag})")


class _Items(dict[str, Node]):
    """A mapping's value nodes by key, remembering the mapping itself to point at a missing key."""

    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node

    def missing(self) -> str:
        mark = self.node.start_mark
        where = "" if mark is None else f" that starts at line {mark.line + 1}, column {mark.column + 1}"
        return f"is missing from the mapping{where}"


class _Reader:
    """Reads the node tree PyYAML's safe loader composes, so that every error can name its line.

    Working on nodes rather than on ``safe_load``'s objects also keeps a plain ``defaultval`` as the
    text written, as Go's yaml.v2 did for a string field (``010`` stays ``010``, not 8).
    """

    def __init__(self, loader: yaml.SafeLoader, source: str) -> None:
        self.loader = loader
        self.source = source

    def fail(self, path: str, problem: str) -> NoReturn:
        raise ConfigFileError(self.source, path, problem)

    def expect(self, path: str, node: Node, expected: str) -> NoReturn:
        self.fail(path, f"expected {expected}, found {_describe(node)}{_mark(node)}")

    def mapping(self, node: Node, path: str, known: tuple[str, ...] | None, what: str) -> _Items:
        """The mapping's items by key; with ``known``, any other key is an error."""
        if not isinstance(node, MappingNode):
            self.expect(path, node, what)
        seen: dict[str, Node] = {}
        for key_node, _ in node.value:
            if key_node.tag != _STR:
                continue
            if key_node.value in seen:
                self.fail(
                    _join(path, key_node.value),
                    f"appears twice{_mark(seen[key_node.value])} and{_mark(key_node)}",
                )
            seen[key_node.value] = key_node
        try:
            # Resolves ``<<: *anchor`` merge keys; the keys written in the mapping itself win.
            self.loader.flatten_mapping(node)
        except yaml.YAMLError as exc:
            self.fail(path, f"has a malformed merge key: {describe_yaml_error(exc)}")
        items = _Items(node)
        for key_node, value_node in node.value:
            if key_node.tag != _STR:
                self.fail(path, f"keys must be strings, found {_describe(key_node)}{_mark(key_node)}")
            key = str(key_node.value)
            if known is not None and key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else "."
                self.fail(
                    _join(path, key),
                    f"unknown key {key!r}{_mark(key_node)}{hint} Known keys: {', '.join(known)}",
                )
            items[key] = value_node
        return items

    def string(self, items: _Items, key: str, path: str, *, required: bool) -> str | None:
        node = items.get(key)
        if node is None or (node.tag == _NULL and not required):
            if required:
                self.fail(_join(path, key), f"{items.missing()}; expected a non-empty string")
            return None
        if node.tag != _STR:
            self.expect(_join(path, key), node, "a string (quote it if YAML reads it as something else)")
        return str(node.value)

    def name(self, items: _Items, key: str, path: str) -> str:
        value = self.string(items, key, path, required=True)
        if not value:
            self.fail(_join(path, key), f"is empty{_mark(items[key])}; expected a non-empty string")
        return value

    def integer(self, items: _Items, key: str, path: str) -> int | None:
        node = items.get(key)
        if node is None or node.tag == _NULL:
            return None
        if node.tag != _INT or not isinstance(node, ScalarNode):
            self.expect(_join(path, key), node, "an integer")
        return self.loader.construct_yaml_int(node)

    def boolean(self, items: _Items, key: str, path: str) -> bool:
        node = items.get(key)
        if node is None or node.tag == _NULL:
            return False
        if node.tag != _BOOL or not isinstance(node, ScalarNode):
            self.expect(_join(path, key), node, "true or false")
        return self.loader.construct_yaml_bool(node)

    def document(self, root: Node | None) -> dict[str, TableConfig]:
        if root is None:
            self.fail("", f"is empty; expected {_TOP_LEVEL}")
        self.recognise(root)
        tables = self.mapping(root, "", None, f"{_TOP_LEVEL} at the top level")
        return {key: self.entry(key, node) for key, node in tables.items()}

    def recognise(self, root: Node) -> None:
        """Refuse a file that is not a config at all, in words that give nothing of it away.

        A config is a mapping of table names to mappings that hold at least one of rio's keys (dest,
        columns, meta). Until a file is seen to be one it may be any file at all (``/etc/passwd``, a
        YAML file of secrets), so these messages name positions and kinds only, never a key or a
        value; the messages after this point, which do, are about a config.
        """
        if not isinstance(root, MappingNode):
            self.fail("", f"{_where(root)}expected {_TOP_LEVEL}, found {_kind(root)}")
        for key_node, value_node in _pairs(root):
            if not isinstance(key_node, ScalarNode) or key_node.tag != _STR:
                self.fail(
                    "",
                    f"{_where(key_node)}expected table names as the keys of {_TOP_LEVEL}, "
                    f"found {_kind(key_node)}",
                )
            if not isinstance(value_node, MappingNode):
                self.fail("", f"{_where(value_node)}expected {_AN_ENTRY}, found {_kind(value_node)}")
            keys = {
                key.value for key, _ in _pairs(value_node) if isinstance(key, ScalarNode) and key.tag == _STR
            }
            if keys.isdisjoint(_ENTRY_KEYS):
                self.fail("", f"{_where(value_node)}expected {_AN_ENTRY}, found a mapping with none of them")

    def entry(self, key: str, node: Node) -> TableConfig:
        items = self.mapping(node, key, _ENTRY_KEYS, "a mapping with dest, columns and meta")
        table = self.name(items, "dest", key)
        columns_node = items.get("columns")
        columns: list[Column] = []
        if columns_node is not None and columns_node.tag != _NULL:
            if not isinstance(columns_node, SequenceNode):
                self.expect(f"{key}.columns", columns_node, "a list of columns")
            columns = [
                self.column(f"{key}.columns[{index}]", item) for index, item in enumerate(columns_node.value)
            ]
        if "meta" not in items:
            self.fail(f"{key}.meta", f"{items.missing()}; expected a mapping with schema and datadatecolumn")
        meta = self.mapping(items["meta"], f"{key}.meta", None, "a mapping with schema and datadatecolumn")
        for required in ("schema", "datadatecolumn"):
            if required not in meta:
                close = difflib.get_close_matches(required, list(meta), n=1)
                hint = f" (found {close[0]!r}: a typo?)" if close else ""
                self.fail(
                    f"{key}.meta.{required}",
                    f"{meta.missing()}{hint}; the Go worker requires it",
                )
        schema = self.name(meta, "schema", f"{key}.meta")
        data_timestamp_column = self.name(meta, "datadatecolumn", f"{key}.meta")
        facts = self.facts(f"{key}.meta.rio", meta["rio"]) if "rio" in meta else None
        copy_options = self.copy_options(meta, f"{key}.meta")
        destination = DestinationConfig(
            schema, table, columns, data_timestamp_column, copy_options=copy_options
        )
        return TableConfig(key, destination, facts)

    def copy_options(self, meta: _Items, path: str) -> CopyOptions:
        """COPY's options among ``meta``'s keys (``timeformat``, ``maxerror``, …), each checked."""
        said: dict[str, object] = {}
        for name, key in _META_KEYS.items():
            node = meta.get(key)
            if node is None or node.tag == _NULL:
                continue
            if not isinstance(node, ScalarNode):
                self.expect(_join(path, key), node, f"a single value for {COPY_KEYWORDS[name]}")
            value: object
            if node.tag == _BOOL:
                value = self.loader.construct_yaml_bool(node)
            elif node.tag == _INT:
                value = self.loader.construct_yaml_int(node)
            else:
                value = str(node.value)
            try:
                said[name] = copy_option(name, value)
            except ConfigError as exc:
                self.fail(_join(path, key), f"{exc}{_mark(node)}")
        return CopyOptions(**said)  # type: ignore[arg-type]

    def column(self, path: str, node: Node) -> Column:
        items = self.mapping(node, path, _COLUMN_KEYS, "a mapping with dest and type")
        return Column(
            name=self.string(items, "dest", path, required=True) or "",
            type=self.string(items, "type", path, required=True) or "",
            sort_ord=self.integer(items, "sortord", path) or 0,
            dist_key=self.boolean(items, "distkey", path),
            default_val=self.default(items, path),
            not_null=self.boolean(items, "notnull", path),
            primary_key=self.boolean(items, "primarykey", path),
        )

    def default(self, items: _Items, path: str) -> str | None:
        node = items.get("defaultval")
        if node is None or node.tag == _NULL:
            return None
        if not isinstance(node, ScalarNode):
            self.expect(f"{path}.defaultval", node, "a single value")
        # Any scalar is kept as the text written: yaml.v2 filled Go's string field that way.
        return str(node.value)

    def facts(self, path: str, node: Node) -> DataFacts:
        items = self.mapping(node, path, _FACT_KEYS, "a mapping of rio's facts about the data")
        contract = self.integer(items, "contract", path)
        if contract is not None and contract < 1:
            self.fail(f"{path}.contract", f"is {contract}{_mark(items['contract'])}; expected 1 or more")
        rows = self.integer(items, "rows", path)
        if rows is not None and rows < 0:
            self.fail(f"{path}.rows", f"is {rows}{_mark(items['rows'])}; expected 0 or more")
        lengths: dict[str, int] = {}
        if "max_byte_lengths" in items and items["max_byte_lengths"].tag != _NULL:
            lengths_path = f"{path}.max_byte_lengths"
            entries = self.mapping(
                items["max_byte_lengths"], lengths_path, None, "a mapping of column to bytes"
            )
            for name in entries:
                length = self.integer(entries, name, lengths_path)
                if length is None or length < 0:
                    self.fail(
                        _join(lengths_path, name),
                        f"is {_describe(entries[name])}{_mark(entries[name])}; expected a byte count of 0 "
                        "or more",
                    )
                lengths[name] = length
        return DataFacts(
            contract=1 if contract is None else contract,
            rows=rows,
            min_data_timestamp=self.timestamp(items, "min_data_timestamp", path),
            max_data_timestamp=self.timestamp(items, "max_data_timestamp", path),
            max_byte_lengths=lengths,
        )

    def timestamp(self, items: _Items, key: str, path: str) -> dt.datetime | None:
        node = items.get(key)
        if node is None or node.tag == _NULL:
            return None
        expected = "an ISO 8601 timestamp such as '2026-11-21T10:15:00Z'"
        if node.tag not in (_STR, _TAG + "timestamp"):
            self.expect(_join(path, key), node, expected)
        try:
            return parse_timestamp_literal(str(node.value))
        except ValueError as exc:
            self.fail(_join(path, key), f"is {node.value!r}{_mark(node)}: {exc}; expected {expected}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _decode(data: bytes | bytearray | str, source: str) -> str:
    if isinstance(data, str):
        return data
    if data[:2] == b"\x1f\x8b":
        raise ConfigFileError(
            source,
            "",
            "is gzip-compressed; the old Go rio wrote gzip'd configs, but rio reads plain YAML, so "
            "gunzip it first",
        )
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            source, "", f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} is invalid"
        ) from None


def parse_config_yaml(data: bytes | str, *, source: str = "<string>") -> dict[str, TableConfig]:
    """Read every table of an s3-to-redshift config file, keyed by map key in file order.

    Accepts what the Go tools wrote and what people wrote for them (zero values left out, a
    ``defaultval`` as any YAML scalar, extra keys in ``meta``). Does not validate the configs; raises
    :class:`~rio.errors.ConfigFileError` naming ``source`` and the field for a malformed file.
    """
    text = _decode(data, source)
    try:
        # The reader checks the characters as soon as it is made, so making it can fail too.
        loader = yaml.SafeLoader(text)
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise ConfigFileError(source, "", _yaml_problem(exc, text)) from None
    try:
        return _Reader(loader, source).document(root)
    finally:
        loader.dispose()


def read_table_config(
    data: bytes | str,
    *,
    table: str | None = None,
    schema: str | None = None,
    source: str = "<string>",
) -> TableConfig:
    """One table's entry of a config file, with rio's facts when the file has them.

    Picks the entry like :meth:`DestinationConfig.from_yaml` and makes the same checks.
    """
    tables = parse_config_yaml(data, source=source)
    entry = _pick_table(tables, table, source)
    if schema is not None and entry.destination.schema != schema:
        raise ConfigFileError(
            source,
            f"{entry.key}.meta.schema",
            f"mismatched schema: the file says {entry.destination.schema!r}, the load is for {schema!r}",
        )
    return entry


def read_config_file(
    path: str | os.PathLike[str],
    *,
    table: str | None = None,
    schema: str | None = None,
) -> DestinationConfig:
    """Read one table's config from a YAML file, as :meth:`DestinationConfig.from_yaml` does."""
    with open(path, "rb") as handle:
        data = handle.read()
    return DestinationConfig.from_yaml(data, table=table, schema=schema, source=os.fspath(path))


def _pick_table(tables: Mapping[str, TableConfig], table: str | None, source: str) -> TableConfig:
    held = ", ".join(
        repr(key) if entry.destination.table == key else f"{key!r} (dest {entry.destination.table!r})"
        for key, entry in tables.items()
    )
    if table is None:
        if len(tables) != 1:
            raise ConfigFileError(
                source,
                "",
                f"holds {len(tables)} tables ({held or 'none'}); say which one to read with table=",
            )
        return next(iter(tables.values()))
    if table in tables:
        return tables[table]
    by_dest = [entry for entry in tables.values() if entry.destination.table == table]
    if len(by_dest) > 1:
        keys = ", ".join(repr(entry.key) for entry in by_dest)
        raise ConfigFileError(
            source, "", f"holds several entries with dest {table!r} ({keys}); rename all but one"
        )
    if not by_dest:
        raise ConfigFileError(
            source, "", f"has no table {table!r}, by key or by dest; it holds {held or 'no tables'}"
        )
    return by_dest[0]
