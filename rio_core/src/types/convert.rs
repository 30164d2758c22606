//! What every family's conversion shares: one JSON value as COPY reads it for a column, the load
//! options that change how it converts, where the converted value goes, and the outcome.
//!
//! A family converts one [`Value`] and writes the warehouse's text through a [`Sink`]. The decoder's
//! sinks write PostgreSQL's `COPY` text format or CSV; the packer's [`Check`] writes nothing, and
//! since [`Sink::WRITES`] is a constant, a family's formatting work is compiled out of the packer's
//! checks. Both get the same outcome: the value fits ([`Fit::Value`]), loads as NULL
//! ([`Fit::Null`]), is cut at a byte of its text ([`Fit::Cut`]), or is refused ([`Refusal`], with
//! Redshift's load error code and reason).

use std::borrow::Cow;

use crate::json::{unescape, Field, JsonKind};
use crate::types::engine::DateTimeFormat;

/// Redshift's load error codes (`STL_LOAD_ERRORS.err_code`) that rio reports.
pub mod codes {
    /// A value outside its type's range: a string longer than its column.
    pub const STRING_TOO_LONG: u32 = 1204;
    pub const INVALID_DATE: u32 = 1205;
    /// Invalid timestamp format (also used for `time` and `timetz`, which have no code of their own).
    pub const INVALID_TIMESTAMP: u32 = 1206;
    /// "Invalid digit" and integer "Overflow".
    pub const INVALID_DIGIT: u32 = 1207;
    pub const INVALID_FLOAT: u32 = 1208;
    pub const INVALID_DECIMAL: u32 = 1209;
    pub const INVALID_BOOLEAN: u32 = 1210;
    pub const NOT_NULL: u32 = 1213;
    pub const INVALID_ROW: u32 = 1216;
    pub const INVALID_CHARACTER: u32 = 1220;
    /// Input that is not JSON the SUPER type takes.
    pub const INVALID_SUPER: u32 = 1224;
}

/// One top-level JSON value of a row, as a family reads it.
#[derive(Clone, Copy, Debug)]
pub struct Value<'a> {
    pub kind: JsonKind,
    /// The compact JSON text; a string's includes its quotes and escapes as written.
    pub raw: &'a [u8],
    /// Whether a string holds escapes, so that `raw` is not its text.
    pub escaped: bool,
    /// A string's UTF-8 length once unescaped; the JSON text's length for other kinds.
    pub text_bytes: usize,
}

impl<'a> Value<'a> {
    /// The value of `field`, whose offsets point into `row`.
    #[inline]
    pub fn of(row: &'a [u8], field: &Field) -> Self {
        Value {
            kind: field.kind,
            raw: &row[field.value.clone()],
            escaped: field.escaped,
            text_bytes: field.text_bytes,
        }
    }

    /// A string's text between its quotes, escapes as written.
    #[inline]
    pub fn inner(&self) -> &'a [u8] {
        &self.raw[1..self.raw.len() - 1]
    }

    /// A string's text, unescaped (borrowed when it has no escapes); other kinds' JSON text.
    #[inline]
    pub fn text(&self) -> Cow<'a, [u8]> {
        match self.kind {
            JsonKind::String if self.escaped => Cow::Owned(unescape(self.inner())),
            JsonKind::String => Cow::Borrowed(self.inner()),
            _ => Cow::Borrowed(self.raw),
        }
    }

    /// What a numeric column reads: a number's JSON text or a string's text; other kinds have none.
    #[inline]
    pub fn numeric_text(&self) -> Option<Cow<'a, [u8]>> {
        match self.kind {
            JsonKind::Number => Some(Cow::Borrowed(self.raw)),
            JsonKind::String => Some(self.text()),
            _ => None,
        }
    }

    /// Whether a string is empty or only whitespace: Redshift loads it as NULL into any column that
    /// is not CHAR or VARCHAR ("blank fields of other types are always NULL").
    #[inline]
    pub fn is_blank(&self) -> bool {
        if self.kind != JsonKind::String {
            return false;
        }
        if self.text_bytes == 0 {
            return true;
        }
        let first = self.raw[1];
        (first.is_ascii_whitespace() || first == b'\\')
            && self.text().iter().all(u8::is_ascii_whitespace)
    }
}

/// What a conversion decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// The value loads (written, for a sink that writes).
    Value,
    /// The value loads as NULL; nothing is written, the caller writes its NULL.
    Null,
    /// The value loads cut to this many bytes of its text (a string's unescaped text, or another
    /// value's JSON text), on a character boundary.
    Cut(usize),
}

/// Why COPY refuses a value: the fields of its `STL_LOAD_ERRORS` row, built on the error path only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: u32,
    /// In Redshift's words where it has them.
    pub reason: String,
    /// The byte of the value's text at fault (0 when the value as a whole is).
    pub position: usize,
    /// What to write instead, for people reading a refusal at pack time.
    pub hint: Cow<'static, str>,
}

/// What a conversion returns: boxed on the error path, so the result stays two words wide.
pub type Converted = Result<Fit, Box<Refusal>>;

impl Refusal {
    #[cold]
    pub fn new(code: u32, reason: String, hint: impl Into<Cow<'static, str>>) -> Box<Self> {
        Box::new(Refusal {
            code,
            reason,
            position: 0,
            hint: hint.into(),
        })
    }

    #[cold]
    pub fn at(mut self: Box<Self>, position: usize) -> Box<Self> {
        self.position = position;
        self
    }

    /// The refusal as the packer reports it: Redshift's reason, its code, and what to do.
    #[cold]
    pub fn explained(&self) -> String {
        if self.hint.is_empty() {
            format!("{} (load error {})", self.reason, self.code)
        } else {
            format!("{} (load error {}); {}", self.reason, self.code, self.hint)
        }
    }
}

/// Reads an optional `+` or `-` at `*at`, moving past it: whether it was `-`.
#[inline]
pub fn take_sign(text: &[u8], at: &mut usize) -> bool {
    match text.get(*at) {
        Some(b'-') => {
            *at += 1;
            true
        }
        Some(b'+') => {
            *at += 1;
            false
        }
        _ => false,
    }
}

/// `Invalid digit, Value 'c', Pos n, Type: T`: Redshift's words for the first character at fault.
#[cold]
#[inline(never)]
pub fn invalid_digit(
    code: u32,
    type_name: &str,
    text: &[u8],
    at: usize,
    hint: &'static str,
) -> Box<Refusal> {
    let shown = String::from_utf8_lossy(text.get(at..).unwrap_or_default())
        .chars()
        .next()
        .map_or_else(String::new, String::from);
    Refusal::new(
        code,
        format!("Invalid digit, Value '{shown}', Pos {at}, Type: {type_name}"),
        hint,
    )
    .at(at)
}

/// COPY's data-conversion options: how values convert, identical in Redshift's COPY, the emulated
/// COPY and the packer's checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    /// `TIMEFORMAT`, for timestamp and timestamptz columns.
    pub time_format: DateTimeFormat,
    /// `DATEFORMAT`, for date columns.
    pub date_format: DateTimeFormat,
    /// `ACCEPTINVCHARS`: the ASCII character that replaces each byte of an invalid character in a
    /// VARCHAR value, or `None` (off: such a value is error 1220).
    pub accept_invalid_chars: Option<u8>,
    /// `ROUNDEC`: digits beyond a decimal's scale round (half away from zero) rather than being cut.
    pub round_decimals: bool,
    /// `TRUNCATECOLUMNS`: a CHAR or VARCHAR value longer than its column is cut to fit.
    pub truncate_columns: bool,
}

impl Default for Conversion {
    fn default() -> Self {
        Conversion {
            time_format: DateTimeFormat::Auto,
            date_format: DateTimeFormat::Auto,
            accept_invalid_chars: None,
            round_decimals: false,
            truncate_columns: false,
        }
    }
}

impl Conversion {
    /// Read `ACCEPTINVCHARS`'s replacement: one ASCII character other than NUL, as Redshift takes.
    pub fn replacement(text: &str) -> Result<u8, String> {
        match text.as_bytes() {
            [byte] if byte.is_ascii() && *byte != 0 => Ok(*byte),
            _ => Err(format!(
                "the ACCEPTINVCHARS replacement is one ASCII character other than NUL (such as \
                 '?', the default), not {text:?}"
            )),
        }
    }
}

/// Where a converted value goes.
pub trait Sink {
    /// Whether anything is kept. A family skips building its output text when not.
    const WRITES: bool;

    /// Where text that no output format escapes or quotes goes (numbers, dates, times, `t`/`f`),
    /// written in place. Called only when [`Sink::WRITES`].
    fn plain(&mut self) -> &mut Vec<u8>;

    /// Character or SUPER text, escaped and quoted as the output format needs, followed by
    /// `blanks` spaces (CHAR padding). `clean` promises the text holds no backslash and no control
    /// character (a JSON string without escapes), which PostgreSQL's format copies as it is.
    fn text(&mut self, text: &[u8], clean: bool, blanks: usize);
}

/// The packer's sink: only the verdict matters.
#[derive(Default)]
pub struct Check {
    /// Never written: families write only to a sink that [`Sink::WRITES`].
    unused: Vec<u8>,
}

impl Sink for Check {
    const WRITES: bool = false;

    #[inline(always)]
    fn plain(&mut self) -> &mut Vec<u8> {
        &mut self.unused
    }

    #[inline(always)]
    fn text(&mut self, _text: &[u8], _clean: bool, _blanks: usize) {}
}

/// PostgreSQL's `COPY … FROM STDIN` text format.
pub struct PostgresText<'a>(pub &'a mut Vec<u8>);

impl Sink for PostgresText<'_> {
    const WRITES: bool = true;

    #[inline(always)]
    fn plain(&mut self) -> &mut Vec<u8> {
        self.0
    }

    #[inline]
    fn text(&mut self, text: &[u8], clean: bool, blanks: usize) {
        if clean {
            self.0.extend_from_slice(text);
        } else {
            write_postgres_text(self.0, text);
        }
        pad(self.0, blanks);
    }
}

/// RFC 4180 CSV, every text value quoted (see `decode::Output::Csv`).
pub struct Csv<'a>(pub &'a mut Vec<u8>);

impl Sink for Csv<'_> {
    const WRITES: bool = true;

    #[inline(always)]
    fn plain(&mut self) -> &mut Vec<u8> {
        self.0
    }

    #[inline]
    fn text(&mut self, text: &[u8], _clean: bool, blanks: usize) {
        let out = &mut *self.0;
        out.push(b'"');
        let mut run = 0;
        for (i, &byte) in text.iter().enumerate() {
            if byte == b'"' {
                out.extend_from_slice(&text[run..=i]);
                out.push(b'"');
                run = i + 1;
            }
        }
        out.extend_from_slice(&text[run..]);
        pad(out, blanks);
        out.push(b'"');
    }
}

/// Values as they are: no escapes, no quotes (the framed values of `decode::Output::Columns`).
pub struct Plain<'a>(pub &'a mut Vec<u8>);

impl Sink for Plain<'_> {
    const WRITES: bool = true;

    #[inline(always)]
    fn plain(&mut self) -> &mut Vec<u8> {
        self.0
    }

    #[inline]
    fn text(&mut self, text: &[u8], _clean: bool, blanks: usize) {
        self.0.extend_from_slice(text);
        pad(self.0, blanks);
    }
}

#[inline]
fn pad(out: &mut Vec<u8>, blanks: usize) {
    if blanks > 0 {
        out.resize(out.len() + blanks, b' ');
    }
}

/// What PostgreSQL's text format must escape in a value.
const POSTGRES_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'\\' as usize] = true;
    table[b'\t' as usize] = true;
    table[b'\n' as usize] = true;
    table[b'\r' as usize] = true;
    table
};

/// Append `text` escaped for PostgreSQL's `COPY` text format.
fn write_postgres_text(out: &mut Vec<u8>, text: &[u8]) {
    let mut run = 0;
    for (i, &byte) in text.iter().enumerate() {
        if !POSTGRES_SPECIAL[usize::from(byte)] {
            continue;
        }
        out.extend_from_slice(&text[run..i]);
        out.extend_from_slice(match byte {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            _ => b"\\r",
        });
        run = i + 1;
    }
    out.extend_from_slice(&text[run..]);
}

/// Zero-padded digits written in place, for values assembled from pieces (dates, times, decimals).
pub trait Digits {
    /// The last `width` decimal digits of `value`, zero-padded.
    fn digits(&mut self, value: u64, width: usize);
    /// The last `width` decimal digits of a wide `value`, zero-padded.
    fn wide_digits(&mut self, value: u128, width: usize);
}

impl Digits for Vec<u8> {
    /// `width` is at most 8 (a year, a fraction of a second).
    #[inline]
    fn digits(&mut self, mut value: u64, width: usize) {
        let mut digits = [b'0'; 8];
        for slot in digits[..width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.extend_from_slice(&digits[..width]);
    }

    fn wide_digits(&mut self, mut value: u128, width: usize) {
        let start = self.len();
        self.resize(start + width, b'0');
        for slot in self[start..].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
}

#[cfg(test)]
pub mod testing {
    //! Run one JSON value through a family with every sink, and require the sinks to agree.

    use super::*;
    use crate::json::compact_object;
    use crate::types::{Dialect, SqlType};

    /// The PostgreSQL text written for `json` in a column of type `spec` (a warehouse's spelling),
    /// or the refusal's (code, reason). The packer's verdict and the CSV sink's must agree.
    pub fn convert_with(
        spec: &str,
        json: &str,
        conversion: &Conversion,
    ) -> Result<(String, Fit), (u32, String)> {
        let kind = SqlType::parse(spec, Dialect::Warehouse).unwrap();
        let input = format!("{{\"c\":{json}}}");
        let mut row = Vec::new();
        let mut fields = Vec::new();
        compact_object(input.as_bytes(), &mut row, &mut fields).unwrap();
        let value = Value::of(&row, &fields[0]);
        let mut postgres = Vec::new();
        let written =
            crate::types::convert(kind, &value, conversion, &mut PostgresText(&mut postgres));
        let mut csv = Vec::new();
        let in_csv = crate::types::convert(kind, &value, conversion, &mut Csv(&mut csv));
        let checked = crate::types::convert(kind, &value, conversion, &mut Check::default());
        assert_eq!(
            written, checked,
            "{spec} {json}: the check and the load disagree"
        );
        assert_eq!(written, in_csv, "{spec} {json}: the two outputs disagree");
        match written {
            Ok(fit) => Ok((String::from_utf8(postgres).unwrap(), fit)),
            Err(refusal) => {
                assert!(postgres.is_empty(), "a refused value wrote {postgres:?}");
                Err((refusal.code, refusal.reason))
            }
        }
    }

    /// The PostgreSQL text for `json` with the default options (`\N`-less: NULL is `None`).
    pub fn convert(spec: &str, json: &str) -> Result<String, (u32, String)> {
        convert_with(spec, json, &Conversion::default()).map(|(text, _)| text)
    }

    /// The code of the refusal of `json`.
    pub fn code(spec: &str, json: &str) -> u32 {
        convert(spec, json).unwrap_err().0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_text_escapes_only_what_copy_needs() {
        let mut out = Vec::new();
        PostgresText(&mut out).text(b"a\\b\tc\nd\re", false, 0);
        assert_eq!(out, b"a\\\\b\\tc\\nd\\re");
        let mut out = Vec::new();
        PostgresText(&mut out).text(b"ab", true, 2);
        assert_eq!(out, b"ab  ");
    }

    #[test]
    fn csv_quotes_every_text_and_pads_inside_the_quotes() {
        let mut out = Vec::new();
        Csv(&mut out).text(b"a\"b", true, 1);
        assert_eq!(out, b"\"a\"\"b \"");
    }

    #[test]
    fn the_replacement_is_one_ascii_character() {
        assert_eq!(Conversion::replacement("?"), Ok(b'?'));
        assert_eq!(Conversion::replacement("^"), Ok(b'^'));
        for bad in ["", "ab", "é", "\0"] {
            assert!(Conversion::replacement(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refusals_explain_the_code_and_what_to_do() {
        let refusal = Refusal::new(1207, "Overflow".to_owned(), "write less");
        assert_eq!(
            refusal.explained(),
            "Overflow (load error 1207); write less"
        );
        assert_eq!(
            Refusal::new(1216, "Bad".to_owned(), "").explained(),
            "Bad (load error 1216)"
        );
    }
}
