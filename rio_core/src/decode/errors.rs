//! What goes wrong: a file that cannot be read at all ([`DecodeError`]), a row the load skips
//! ([`RejectedRow`], as Redshift reports it), and why a row is refused while it is decoded
//! ([`Problem`], which becomes a `RejectedRow`).

use thiserror::Error;

use crate::types::character::truncation_point;
use crate::types::codes;

/// `raw_line` and `raw_field_value` of `STL_LOAD_ERRORS` are `char(1024)`.
pub const MAX_RAW_BYTES: usize = 1024;
/// `err_reason` is `char(100)`.
pub const MAX_REASON_BYTES: usize = 100;

/// A row the load skipped, with the fields of Redshift's `STL_LOAD_ERRORS`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedRow {
    pub file: String,
    /// The last line of the row's object (1-based).
    pub line: u64,
    /// The column at fault, or empty when the row itself is.
    pub column: String,
    pub column_type: String,
    pub column_length: String,
    /// The byte in the value (or, for a row-level problem, in the row) where the problem is.
    pub position: u64,
    /// The row's text, at most 1024 bytes, cut on a character boundary.
    pub raw_line: String,
    /// The field's value (a string unescaped), at most 1024 bytes.
    pub value: String,
    pub reason: String,
    pub code: u32,
}

/// A file that cannot be decoded at all.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// Not gzip, or corrupt or truncated gzip: no row of the file can be trusted.
    #[error("{file}: {reason}")]
    Unreadable { file: String, reason: String },
    /// `feed` or `finish` after `finish`.
    #[error("the decoder is finished; decode the next file with a new Decoder")]
    Finished,
}

/// Why a row is refused; built on the error path only.
#[derive(Debug)]
pub(super) struct Problem {
    /// The column at fault, or `None` for the row itself.
    pub(super) column: Option<usize>,
    pub(super) code: u32,
    pub(super) reason: String,
    pub(super) position: usize,
    pub(super) value: Vec<u8>,
}

impl Problem {
    #[cold]
    pub(super) fn row(reason: String, position: usize) -> Problem {
        Problem {
            column: None,
            code: codes::INVALID_ROW,
            reason,
            position,
            value: Vec::new(),
        }
    }
}

/// The first `max` bytes of `bytes` (a character boundary) as text.
pub(super) fn cap_text(bytes: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&bytes[..truncation_point(bytes, max)]).into_owned()
}
