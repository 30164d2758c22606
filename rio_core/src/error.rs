//! The one error type of the core. `py_errors.rs` maps each variant to one class of `rio.errors`.

use thiserror::Error;

/// Longest shown excerpt of a rejected value, in characters.
const SHOWN_VALUE_CHARS: usize = 60;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CoreError {
    /// Bytes or str that are not exactly one JSON object; `position` is a byte of the input.
    #[error("{reason}{}", position.map_or_else(String::new, |at| format!(" (at byte {at})")))]
    InvalidJson {
        reason: String,
        position: Option<usize>,
    },

    /// A dict value rio cannot write as JSON (`key` is empty when the row itself is the problem).
    #[error("{}{reason}", if key.is_empty() { String::new() } else { format!("key {key:?}: ") })]
    UnsupportedValue { key: String, reason: String },

    /// A value that does not fit its column.
    #[error("column {column:?}: {reason}: {value}")]
    InvalidColumnValue {
        column: String,
        value: String,
        reason: String,
    },

    /// `pack` or `flush` after `close`.
    #[error("the packer is closed and takes no more rows")]
    Closed,

    /// A worker thread died: a bug, reported rather than hidden.
    #[error("a compression worker failed: {0}")]
    WorkerFailed(String),

    /// The system refused to start a compression worker thread (too many threads, or no memory).
    #[error(
        "could not start the compression worker thread {thread:?} ({threads} asked for): {reason}; \
         ask for fewer threads"
    )]
    WorkerNotStarted {
        thread: String,
        threads: usize,
        reason: String,
    },

    /// A constructor argument out of its range.
    #[error("{0}")]
    InvalidArgument(String),
}

impl CoreError {
    pub fn invalid_json(reason: impl Into<String>, position: usize) -> Self {
        CoreError::InvalidJson {
            reason: reason.into(),
            position: Some(position),
        }
    }

    pub fn column(column: &str, value: &[u8], reason: impl Into<String>) -> Self {
        CoreError::InvalidColumnValue {
            column: column.to_owned(),
            value: shorten(value),
            reason: reason.into(),
        }
    }
}

/// A value as it appears in an error message: valid UTF-8, at most a few dozen characters.
pub fn shorten(value: &[u8]) -> String {
    let text = String::from_utf8_lossy(value);
    let mut chars = text.char_indices();
    match chars.nth(SHOWN_VALUE_CHARS) {
        None => text.into_owned(),
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], value.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_shown_whole() {
        assert_eq!(shorten(b"\"abc\""), "\"abc\"");
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary_with_their_size() {
        let value = "é".repeat(100);
        let shown = shorten(value.as_bytes());
        assert_eq!(shown, format!("{}… (200 bytes)", "é".repeat(60)));
    }
}
