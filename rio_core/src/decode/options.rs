//! What a decoder is told: the target table's columns, the output format and COPY's options.

use crate::types::{Conversion, SqlType};

pub const DEFAULT_MAX_REJECTED: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeColumn {
    pub name: String,
    /// The type as the warehouse reports it (`types::Dialect::Warehouse`).
    pub column_type: SqlType,
    pub not_null: bool,
}

/// The bulk-load text format written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// PostgreSQL's `COPY … FROM STDIN` text format: tabs, `\N`, backslash escapes.
    Postgres,
    /// The rows of PostgreSQL's `COPY … FROM STDIN (FORMAT binary)`, without its header and trailer
    /// (see `pg_binary`); SUPER columns must be `jsonb`.
    PostgresBinary,
    /// RFC 4180 CSV for DuckDB's `COPY … (FORMAT csv, NULL '', allow_quoted_nulls false)`: NULL
    /// is an empty unquoted field, text is always quoted (so `""` is an empty string). Name the
    /// dialect in the COPY (`DELIMITER ',', QUOTE '"', ESCAPE '"', NEW_LINE '\n'`): DuckDB's
    /// sniffer fails on a file whose first row holds a CR inside a quoted value.
    Csv,
    /// Framed values for `arrow::BatchStream`: each value of each row in table order as a
    /// little-endian `u32` byte length and that many bytes of its text (unquoted, unescaped), or
    /// [`NULL_LENGTH`] and nothing for NULL. Rows follow one another with no separator.
    Columns,
}

/// The length a NULL is framed with in [`Output::Columns`].
pub const NULL_LENGTH: u32 = u32::MAX;

impl Output {
    pub fn parse(text: &str) -> Option<Output> {
        match text {
            "postgres" => Some(Output::Postgres),
            "postgres-binary" => Some(Output::PostgresBinary),
            "csv" => Some(Output::Csv),
            "columns" => Some(Output::Columns),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Output::Postgres => "postgres",
            Output::PostgresBinary => "postgres-binary",
            Output::Csv => "csv",
            Output::Columns => "columns",
        }
    }

    /// What follows each value but the last of a row, and each row (nothing for `Columns`).
    pub(super) fn separators(self) -> Option<(u8, u8)> {
        match self {
            Output::Postgres => Some((b'\t', b'\n')),
            Output::Csv => Some((b',', b'\n')),
            Output::Columns | Output::PostgresBinary => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    pub output: Output,
    pub gzip: bool,
    /// `'auto ignorecase'`: keys match column names in any ASCII case.
    pub ignore_case: bool,
    /// COPY's data-conversion options.
    pub conversion: Conversion,
    /// The file's name, copied into each rejected row and error.
    pub source: String,
    /// Rejected rows described at most; all are counted.
    pub max_rejected: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            output: Output::Postgres,
            gzip: true,
            ignore_case: true,
            conversion: Conversion::default(),
            source: String::new(),
            max_rejected: DEFAULT_MAX_REJECTED,
        }
    }
}
