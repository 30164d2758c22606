"""Destination configs: the table rows go to, and the YAML file that tells a loader how to build it.

The model is the Go rio's ``DestinationConfig``: a schema, a table, an ordered list of :class:`Column`
and the *data timestamp column*, the timestamp column whose values date each row (the Go tools call it
``datadatecolumn``). Each column has a type — any spelling :mod:`rio.types` knows: the Go tools'
names (:class:`ColumnType`: ``boolean``, ``float``, ``int``, ``bigint``, ``date``, ``timestamp``,
``text``, ``longtext``) or the SQL ones (``smallint``, ``decimal(12,2)``, ``varchar(32)``,
``timestamptz``, ``super``, …), kept as written — an optional sort ordinal (1..n gives a compound
sort key in that order), an optional distribution key, a default, NOT NULL and PRIMARY KEY.

Building a config normalises its values but checks nothing; :meth:`DestinationConfig.validate` does,
applying the Go rules first (with their messages) and then rio's stricter ones: a system schema or the
load ledger's table as the destination (:func:`rio.contract.check_destination`), names Redshift would
reject or change, duplicates, types the core cannot read or COPY cannot load from JSON (with the
allowed range), a SUPER distribution or sort key, negative sort ordinals, defaults that are not
literals of their type, and Redshift's column limit.

On disk a config is the YAML that s3-to-redshift reads: a mapping keyed by table name, each entry
``{dest, columns: [{dest, type, sortord, distkey, defaultval, notnull, primarykey}], meta:
{datadatecolumn, schema}}`` with zero values left out, as Go's yaml.v2 writes it. rio adds what it
measured about the data (:class:`DataFacts`) under ``meta.rio``, and COPY's data-conversion options
(:attr:`DestinationConfig.copy_options`) under ``meta`` as their COPY keywords in lower case —
``timeformat``, ``dateformat``, ``acceptinvchars``, ``roundec``, ``truncatecolumns``, ``maxerror`` —
written only when set. The Go worker reads ``meta`` with yaml.v2's non-strict ``Unmarshal`` into a
struct of ``datadatecolumn`` and ``schema``, so it skips every other key. Reading accepts what the Go
tools and people wrote by hand, and refuses anything else with a
:class:`~rio.errors.ConfigFileError` that names the file and the field.

:meth:`DestinationConfig.from_rows` infers a config from rows: the columns :func:`rio.load` would
create for them (:mod:`rio.inference`) and the data timestamp column, picked when the choice is
obvious (``_inferred``).

Each concept lives in a module of its own, and every public name is re-exported here: column types,
columns and default values (:mod:`rio.columns`, outside this package so that the inference can use
them without importing it), the destination and its validation (``_destination``), configs inferred
from rows (``_inferred``), rio's facts about the data (``_facts``), and the YAML file (``_yaml``, with
the wording of PyYAML's errors in ``_yaml_errors``).
"""

from __future__ import annotations

from rio.columns import Column, ColumnType, parse_column_list, parse_default
from rio.config._destination import MAX_COLUMNS, DestinationConfig
from rio.config._facts import DataFacts
from rio.config._yaml import (
    TableConfig,
    dump_config_yaml,
    parse_config_yaml,
    read_config_file,
    read_table_config,
)

# describe_yaml_error is outside __all__: rio.profiles words its YAML errors the same way.
from rio.config._yaml_errors import describe_yaml_error as describe_yaml_error
from rio.types import DefaultValue, SqlFunction

__all__ = [
    "MAX_COLUMNS",
    "S3_BASE_PATH",
    "Column",
    "ColumnType",
    "DataFacts",
    "DefaultValue",
    "DestinationConfig",
    "SqlFunction",
    "TableConfig",
    "dump_config_yaml",
    "parse_column_list",
    "parse_config_yaml",
    "parse_default",
    "read_config_file",
    "read_table_config",
]

#: Where ``rio.loader`` and ``rio.RedshiftTable`` stage data on its way to a table (``s3://bucket/prefix``
#: or a directory); None reads ``$RIO_S3_BASE_PATH`` or ``$AWS_ETL_TOOLS_S3_BASE_PATH`` instead.
S3_BASE_PATH: str | None = None
