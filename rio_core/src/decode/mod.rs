//! The decoder: a data file of a load read the way Redshift's
//! `COPY … MANIFEST GZIP FORMAT AS JSON 'auto ignorecase'` reads it (with its data-conversion
//! options: `TIMEFORMAT`, `DATEFORMAT`, `ACCEPTINVCHARS`, `ROUNDEC`, `TRUNCATECOLUMNS`), and written
//! as typed rows for a warehouse that has no such COPY.
//!
//! A file arrives in chunks (`feed`), then `finish`. gzip is inflated as it streams (members may
//! follow one another); the text is a stream of JSON objects separated only by whitespace. Each
//! object is one row: its top-level keys name the columns, each value is converted by its column
//! type's rules (`crate::types`, the same code the packer checks values with), and the row is
//! written in a bulk-load text format — PostgreSQL's `COPY … FROM STDIN` text format, CSV, or
//! framed values that `crate::arrow` gathers into Arrow columns for DuckDB (`Output::Columns`).
//!
//! A row Redshift would refuse is skipped and described by a [`RejectedRow`] (the fields of
//! `STL_LOAD_ERRORS`); it never stops the file. Only a file that cannot be read at all (not gzip, or
//! corrupt or truncated gzip) is an error, [`DecodeError`], since no row after it can be trusted.
//!
//! **Finding rows.** Most files are NDJSON, so a line is first tried as one whole object with
//! `json::compact_object` (one parser for the whole core). A line that is not exactly one object —
//! an object spread over lines, two objects on a line, broken JSON — is framed by `Scan`, which
//! follows only strings and brackets and hands the framed text to the same parser.
//!
//! **Recovering from broken JSON** (NDJSON-friendly: one bad line costs one row):
//! - a framed object (brackets balance) that is not valid JSON is skipped whole;
//! - an unbalanced one is cut at the end of the line where it breaks: a raw line break inside a
//!   string, a bracket closing what it did not open, or a line that ends where JSON needs more and
//!   a next line that starts a new object (the mark of a truncated row);
//! - any other text outside an object (a scalar, a stray character) is skipped to the end of its
//!   line.
//!
//! Each of these is one rejected row. Where Redshift's documentation leaves room, the choices are:
//! - Row-level problems (invalid JSON, a top-level value that is not an object, a duplicate key, an
//!   object over Redshift's 4 MB limit, a file that ends inside an object) use code 1216 ("input
//!   line is not valid"), with `column` empty unless the problem is one column's.
//! - Invalid UTF-8 (1220) is reported for the row. With `ACCEPTINVCHARS` each invalid sequence is
//!   replaced by as many replacement characters as it has bytes, before the row is parsed; a
//!   replacement that lands in a value of a column other than VARCHAR is 1220 for that column
//!   (the option "is valid only for VARCHAR columns").
//! - With `ignore_case`, keys that differ only in ASCII case are one key: both in an object is a
//!   duplicate, as is any key written twice (Redshift leaves duplicates undocumented).
//! - CSV writes every text value quoted, not only those that must be (see [`Output::Csv`]).
//! - `column_length` is the width of a character column, `p,s` of a numeric, else empty.
//! - An empty file holds no rows, with or without gzip.
//!
//! The parts: `options` (what a decoder is told), `decoder` (a file's input and state), `rows`
//! (finding rows in the text), `scan` (framing text that is not one object per line), `matcher`
//! (keys to columns), `convert` (values to the output format), `pg_binary` (PostgreSQL's binary
//! COPY) and `errors` (what goes wrong).

pub mod canonical;
mod convert;
mod decoder;
mod errors;
mod matcher;
mod options;
pub mod pg_binary;
mod rows;
mod scan;
#[cfg(test)]
mod tests;

pub use crate::types::codes;
pub use decoder::Decoder;
pub use errors::{DecodeError, RejectedRow, MAX_RAW_BYTES, MAX_REASON_BYTES};
pub use options::{DecodeColumn, DecodeOptions, Output, DEFAULT_MAX_REJECTED, NULL_LENGTH};
pub use rows::MAX_OBJECT_BYTES;
