//! A destination's columns, and whether a JSON value will load into one of them.
//!
//! The rules follow Redshift's `COPY … FORMAT AS JSON 'auto ignorecase' TIMEFORMAT 'auto'`: keys
//! match column names case-insensitively, `""` loads as NULL into every non-text column, VARCHAR
//! lengths count UTF-8 bytes, and a nested object or array loads into a VARCHAR as its JSON text.

use rustc_hash::FxHashMap;

use crate::error::CoreError;
use crate::json::{unescape, Field, JsonKind};
use crate::timefmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    Boolean,
    Float,
    Int,
    BigInt,
    Date,
    Timestamp,
    Text,
    LongText,
}

impl ColumnKind {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "boolean" => ColumnKind::Boolean,
            "float" => ColumnKind::Float,
            "int" => ColumnKind::Int,
            "bigint" => ColumnKind::BigInt,
            "date" => ColumnKind::Date,
            "timestamp" => ColumnKind::Timestamp,
            "text" => ColumnKind::Text,
            "longtext" => ColumnKind::LongText,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ColumnKind::Boolean => "boolean",
            ColumnKind::Float => "float",
            ColumnKind::Int => "int",
            ColumnKind::BigInt => "bigint",
            ColumnKind::Date => "date",
            ColumnKind::Timestamp => "timestamp",
            ColumnKind::Text => "text",
            ColumnKind::LongText => "longtext",
        }
    }

    /// The VARCHAR width in bytes, for the text kinds.
    pub fn max_bytes(self) -> Option<usize> {
        match self {
            ColumnKind::Text => Some(256),
            ColumnKind::LongText => Some(65_535),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: String,
    pub kind: ColumnKind,
    pub not_null: bool,
}

/// What to do with a text value longer than its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LongText {
    /// Refuse the row (Redshift's error 1204 without TRUNCATECOLUMNS).
    Reject,
    /// Cut the value at the last character boundary that fits.
    Truncate,
}

/// What a value check decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Fits,
    /// The value loads as NULL.
    Null,
    /// The value must be cut to this many bytes of its text (a character boundary).
    Truncate(usize),
}

/// The columns of a destination, looked up by key case-insensitively.
#[derive(Clone, Debug)]
pub struct Columns {
    specs: Vec<ColumnSpec>,
    /// Each column's name as keys are matched against it: ASCII letters in lower case.
    folded: Vec<Vec<u8>>,
    by_name: FxHashMap<Vec<u8>, usize>,
    pub long_text: LongText,
}

impl Columns {
    pub fn new(specs: Vec<ColumnSpec>, long_text: LongText) -> Result<Self, CoreError> {
        let mut by_name = FxHashMap::default();
        let folded: Vec<Vec<u8>> = specs
            .iter()
            .map(|spec| spec.name.to_ascii_lowercase().into_bytes())
            .collect();
        for (index, (spec, name)) in specs.iter().zip(&folded).enumerate() {
            if by_name.insert(name.clone(), index).is_some() {
                return Err(CoreError::InvalidArgument(format!(
                    "two columns are named {:?} (names match case-insensitively)",
                    spec.name
                )));
            }
        }
        Ok(Columns {
            specs,
            folded,
            by_name,
            long_text,
        })
    }

    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    pub fn spec(&self, index: usize) -> &ColumnSpec {
        &self.specs[index]
    }

    pub fn specs(&self) -> &[ColumnSpec] {
        &self.specs
    }

    /// Column `index`'s name as keys are matched against it (ASCII letters in lower case).
    pub fn folded_name(&self, index: usize) -> &[u8] {
        &self.folded[index]
    }

    /// The column a (folded) key loads into.
    pub fn find(&self, folded_key: &[u8]) -> Option<usize> {
        self.by_name.get(folded_key).copied()
    }
}

/// The text a string field holds once unescaped (borrowed when it has no escapes).
pub fn string_text<'a>(row: &'a [u8], field: &Field) -> std::borrow::Cow<'a, [u8]> {
    let inner = &row[field.value.start + 1..field.value.end - 1];
    if field.escaped {
        std::borrow::Cow::Owned(unescape(inner))
    } else {
        std::borrow::Cow::Borrowed(inner)
    }
}

/// Whether a string field is empty or only whitespace: Redshift loads it as NULL into any column
/// that is not CHAR or VARCHAR ("blank fields of other types are always NULL").
#[inline]
pub fn is_blank(row: &[u8], field: &Field) -> bool {
    let first = row[field.value.start + 1];
    field.text_bytes == 0
        || ((first.is_ascii_whitespace() || first == b'\\')
            && string_text(row, field).iter().all(u8::is_ascii_whitespace))
}

const BOOLEAN_WORDS: [&[u8]; 10] = [
    b"t", b"true", b"y", b"yes", b"1", b"f", b"false", b"n", b"no", b"0",
];

fn is_integer_text(text: &[u8]) -> bool {
    let digits = text
        .strip_prefix(b"-")
        .or_else(|| text.strip_prefix(b"+"))
        .unwrap_or(text);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// Whether an integer's text lies within `min..=max`.
fn integer_in_range(text: &[u8], min: i64, max: i64) -> bool {
    let text = text.strip_prefix(b"+").unwrap_or(text);
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<i128>().ok())
        .is_some_and(|v| (i128::from(min)..=i128::from(max)).contains(&v))
}

fn is_float_text(text: &[u8]) -> bool {
    // Rust's parser also reads "inf" and "nan", which Redshift's COPY from JSON does not take.
    text.iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        && text.iter().any(u8::is_ascii_digit)
        && std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(f64::is_finite)
}

/// The largest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub fn truncation_point(text: &[u8], max: usize) -> usize {
    if text.len() <= max {
        return text.len();
    }
    let mut cut = max;
    // UTF-8 continuation bytes are 0b10xxxxxx: step back to the start of a character.
    while cut > 0 && (text[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    cut
}

/// Check one value against its column. `row` is the compact row the field's offsets point into.
pub fn check_value(
    spec: &ColumnSpec,
    long_text: LongText,
    row: &[u8],
    field: &Field,
) -> Result<Verdict, CoreError> {
    let raw = &row[field.value.clone()];
    let reject = |reason: String| Err(CoreError::column(&spec.name, raw, reason));
    let is_text_column = spec.kind.max_bytes().is_some();
    let loads_null = field.kind == JsonKind::Null
        || (field.kind == JsonKind::String && !is_text_column && is_blank(row, field));
    if loads_null {
        if spec.not_null {
            let why = if field.kind == JsonKind::Null {
                "null in a NOT NULL column".to_owned()
            } else {
                let what = if field.text_bytes == 0 {
                    "an empty"
                } else {
                    "a blank"
                };
                format!(
                    "{what} string loads as NULL into a {} column, and the column is NOT NULL",
                    spec.kind.name()
                )
            };
            return reject(why);
        }
        return Ok(Verdict::Null);
    }
    match spec.kind {
        ColumnKind::Boolean => {
            let ok = match field.kind {
                JsonKind::Bool => true,
                JsonKind::Number => raw == b"0" || raw == b"1",
                JsonKind::String => {
                    let text = string_text(row, field);
                    let word = text.trim_ascii().to_ascii_lowercase();
                    BOOLEAN_WORDS.contains(&word.as_slice())
                }
                _ => false,
            };
            if ok {
                Ok(Verdict::Fits)
            } else {
                reject(format!(
                    "not a boolean (true/false, or one of t, f, yes, no, y, n, 1, 0), a {}",
                    field.kind.name()
                ))
            }
        }
        ColumnKind::Int | ColumnKind::BigInt => {
            let (min, max) = if spec.kind == ColumnKind::Int {
                (i64::from(i32::MIN), i64::from(i32::MAX))
            } else {
                (i64::MIN, i64::MAX)
            };
            let text = match field.kind {
                JsonKind::Number => std::borrow::Cow::Borrowed(raw),
                JsonKind::String => string_text(row, field),
                kind => return reject(format!("not an integer, a {}", kind.name())),
            };
            let text = text.trim_ascii();
            if !is_integer_text(text) {
                return reject("not a whole number".to_owned());
            }
            if !integer_in_range(text, min, max) {
                return reject(format!(
                    "out of range for {} ({min} to {max})",
                    spec.kind.name()
                ));
            }
            Ok(Verdict::Fits)
        }
        ColumnKind::Float => {
            let text = match field.kind {
                JsonKind::Number => std::borrow::Cow::Borrowed(raw),
                JsonKind::String => string_text(row, field),
                kind => return reject(format!("not a number, a {}", kind.name())),
            };
            if is_float_text(text.trim_ascii()) {
                Ok(Verdict::Fits)
            } else {
                reject("not a finite double precision number".to_owned())
            }
        }
        ColumnKind::Date | ColumnKind::Timestamp => {
            if field.kind != JsonKind::String {
                return reject(format!(
                    "a {} is not a {}; TIMEFORMAT 'auto' reads strings such as \"2026-11-21 10:15:00\"",
                    field.kind.name(),
                    spec.kind.name()
                ));
            }
            let text = string_text(row, field);
            let ok = if spec.kind == ColumnKind::Date {
                timefmt::parse_date(&text).is_some()
            } else {
                timefmt::parse_timestamp(&text).is_some()
            };
            if ok {
                Ok(Verdict::Fits)
            } else {
                reject(format!(
                    "not a {} in a form TIMEFORMAT 'auto' reads (such as 2026-11-21T10:15:00Z)",
                    spec.kind.name()
                ))
            }
        }
        ColumnKind::Text | ColumnKind::LongText => {
            let max = spec.kind.max_bytes().unwrap_or(usize::MAX);
            if field.text_bytes <= max {
                return Ok(Verdict::Fits);
            }
            match long_text {
                LongText::Truncate => {
                    let text = if field.kind == JsonKind::String {
                        string_text(row, field)
                    } else {
                        std::borrow::Cow::Borrowed(raw)
                    };
                    Ok(Verdict::Truncate(truncation_point(&text, max)))
                }
                LongText::Reject => reject(format!(
                    "{} bytes do not fit in {} (at most {max} bytes of UTF-8)",
                    field.text_bytes,
                    spec.kind.name()
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::compact_object;

    fn spec(kind: ColumnKind, not_null: bool) -> ColumnSpec {
        ColumnSpec {
            name: "c".to_owned(),
            kind,
            not_null,
        }
    }

    fn check(kind: ColumnKind, value: &str) -> Result<Verdict, String> {
        check_with(spec(kind, false), LongText::Reject, value)
    }

    fn check_with(spec: ColumnSpec, long_text: LongText, value: &str) -> Result<Verdict, String> {
        let input = format!("{{\"c\":{value}}}");
        let mut row = Vec::new();
        let mut fields = Vec::new();
        compact_object(input.as_bytes(), &mut row, &mut fields).unwrap();
        check_value(&spec, long_text, &row, &fields[0]).map_err(|e| e.to_string())
    }

    #[test]
    fn integers_are_checked_for_range_and_form() {
        assert_eq!(check(ColumnKind::Int, "2147483647"), Ok(Verdict::Fits));
        assert_eq!(check(ColumnKind::Int, "\"-2147483648\""), Ok(Verdict::Fits));
        assert_eq!(
            check(ColumnKind::Int, "2147483648").unwrap_err(),
            "column \"c\": out of range for int (-2147483648 to 2147483647): 2147483648"
        );
        assert_eq!(check(ColumnKind::BigInt, "2147483648"), Ok(Verdict::Fits));
        assert!(check(ColumnKind::BigInt, "9223372036854775808")
            .unwrap_err()
            .contains("out of range for bigint"));
        assert!(check(ColumnKind::Int, "1.5")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(check(ColumnKind::Int, "1e3")
            .unwrap_err()
            .contains("not a whole number"));
        assert!(check(ColumnKind::Int, "true")
            .unwrap_err()
            .contains("not an integer, a boolean"));
        assert!(check(ColumnKind::Int, "\"12a\"")
            .unwrap_err()
            .contains("not a whole number"));
    }

    #[test]
    fn empty_strings_load_as_null_outside_text_columns() {
        assert_eq!(check(ColumnKind::Int, "\"\""), Ok(Verdict::Null));
        assert_eq!(check(ColumnKind::Timestamp, "\"\""), Ok(Verdict::Null));
        assert_eq!(check(ColumnKind::Text, "\"\""), Ok(Verdict::Fits));
        let err = check_with(spec(ColumnKind::Int, true), LongText::Reject, "\"\"").unwrap_err();
        assert!(err.contains(
            "an empty string loads as NULL into a int column, and the column is NOT NULL"
        ));
        // Blank is NULL too outside text ("blank fields of other types are always NULL").
        assert_eq!(check(ColumnKind::BigInt, "\" \\t\""), Ok(Verdict::Null));
        assert_eq!(check(ColumnKind::Text, "\" \""), Ok(Verdict::Fits));
        let err = check_with(spec(ColumnKind::Date, true), LongText::Reject, "\" \"").unwrap_err();
        assert!(err.contains("a blank string loads as NULL into a date column"));
    }

    #[test]
    fn null_in_a_not_null_column_is_refused() {
        assert_eq!(check(ColumnKind::Text, "null"), Ok(Verdict::Null));
        let err = check_with(spec(ColumnKind::Text, true), LongText::Reject, "null").unwrap_err();
        assert_eq!(err, "column \"c\": null in a NOT NULL column: null");
    }

    #[test]
    fn booleans_take_redshift_spellings() {
        for ok in [
            "true", "false", "0", "1", "\"t\"", "\"Yes\"", "\" no \"", "\"F\"",
        ] {
            assert_eq!(check(ColumnKind::Boolean, ok), Ok(Verdict::Fits), "{ok}");
        }
        for bad in ["2", "\"maybe\"", "[]"] {
            assert!(check(ColumnKind::Boolean, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn floats_must_be_finite_numbers() {
        assert_eq!(check(ColumnKind::Float, "-1.5e300"), Ok(Verdict::Fits));
        assert_eq!(check(ColumnKind::Float, "\"2.5\""), Ok(Verdict::Fits));
        assert!(check(ColumnKind::Float, "1e400").is_err());
        assert!(check(ColumnKind::Float, "\"nan\"").is_err());
        assert!(check(ColumnKind::Float, "\"inf\"").is_err());
        assert!(check(ColumnKind::Float, "{}").is_err());
    }

    #[test]
    fn timestamps_and_dates_take_auto_forms_only_as_strings() {
        assert_eq!(
            check(ColumnKind::Timestamp, "\"2026-11-21T10:15:00Z\""),
            Ok(Verdict::Fits)
        );
        assert_eq!(check(ColumnKind::Date, "\"2026-11-21\""), Ok(Verdict::Fits));
        assert!(check(ColumnKind::Timestamp, "\"2026-02-30\"").is_err());
        assert!(check(ColumnKind::Timestamp, "1700000000")
            .unwrap_err()
            .contains("a number is not a timestamp"));
    }

    #[test]
    fn text_length_counts_bytes_and_can_truncate_on_a_boundary() {
        let fits = format!("\"{}\"", "é".repeat(128));
        assert_eq!(check(ColumnKind::Text, &fits), Ok(Verdict::Fits));
        let long = format!("\"a{}\"", "é".repeat(128));
        assert!(check(ColumnKind::Text, &long)
            .unwrap_err()
            .contains("257 bytes do not fit in text (at most 256 bytes of UTF-8)"));
        assert_eq!(
            check_with(spec(ColumnKind::Text, false), LongText::Truncate, &long),
            Ok(Verdict::Truncate(255))
        );
        let nested = format!("{{\"k\":\"{}\"}}", "x".repeat(300));
        assert!(check(ColumnKind::Text, &nested).is_err());
    }

    #[test]
    fn truncation_never_splits_a_character() {
        assert_eq!(truncation_point("aé".as_bytes(), 2), 1);
        assert_eq!(truncation_point("aé".as_bytes(), 3), 3);
        assert_eq!(truncation_point("😀😀".as_bytes(), 7), 4);
    }

    #[test]
    fn column_names_match_case_insensitively() {
        let columns = Columns::new(
            vec![ColumnSpec {
                name: "user_id".to_owned(),
                kind: ColumnKind::Int,
                not_null: false,
            }],
            LongText::Reject,
        )
        .unwrap();
        assert_eq!(columns.find(b"user_id"), Some(0));
        assert_eq!(columns.find(b"userid"), None);
    }
}
