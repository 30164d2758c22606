//! The decoder: a data file of a load read the way Redshift's
//! `COPY … MANIFEST GZIP FORMAT AS JSON 'auto ignorecase'` reads it (with its data-conversion
//! options: `TIMEFORMAT`, `DATEFORMAT`, `ACCEPTINVCHARS`, `ROUNDEC`, `TRUNCATECOLUMNS`), and written
//! as typed rows for a warehouse that has no such COPY.
//!
//! A file arrives in chunks (`feed`), then `finish`. gzip is inflated as it streams (members may
//! follow one another); the text is a stream of JSON objects separated only by whitespace. Each
//! object is one row: its top-level keys name the columns, each value is converted by its column
//! type's rules (`crate::types`, the same code the packer checks values with), and the row is
//! written in a bulk-load text format — PostgreSQL's `COPY … FROM STDIN` text format, or CSV for
//! DuckDB's `COPY … (FORMAT csv, NULL '')`.
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

use std::borrow::Cow;
use std::io::Write as _;

use flate2::write::MultiGzDecoder;
use rustc_hash::FxHashMap;
use thiserror::Error;

use crate::error::CoreError;
use crate::json::{compact_object, unescape, Field, MAX_DEPTH};
use crate::types::character::{accepts_replacements, truncation_point};
pub use crate::types::codes;
use crate::types::{self, Conversion, Csv, Fit, PostgresText, Refusal, SqlType, Value};

/// Redshift refuses a JSON object larger than this, braces included.
pub const MAX_OBJECT_BYTES: usize = 4 * 1024 * 1024;
/// `raw_line` and `raw_field_value` of `STL_LOAD_ERRORS` are `char(1024)`.
pub const MAX_RAW_BYTES: usize = 1024;
/// `err_reason` is `char(100)`.
pub const MAX_REASON_BYTES: usize = 100;
pub const DEFAULT_MAX_REJECTED: usize = 100;
/// Compressed bytes inflated between two passes over the text: the text buffer stays small enough
/// to be warm in cache when its rows are converted.
const GZIP_SLICE: usize = 64 * 1024;
/// Plain text appended between two passes, for the same reason.
const PLAIN_SLICE: usize = 512 * 1024;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

// --- configuration ---------------------------------------------------------------------------------

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
    /// RFC 4180 CSV for DuckDB's `COPY … (FORMAT csv, NULL '', allow_quoted_nulls false)`: NULL
    /// is an empty unquoted field, text is always quoted (so `""` is an empty string). Name the
    /// dialect in the COPY (`DELIMITER ',', QUOTE '"', ESCAPE '"', NEW_LINE '\n'`): DuckDB's
    /// sniffer fails on a file whose first row holds a CR inside a quoted value.
    Csv,
}

impl Output {
    pub fn parse(text: &str) -> Option<Output> {
        match text {
            "postgres" => Some(Output::Postgres),
            "csv" => Some(Output::Csv),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Output::Postgres => "postgres",
            Output::Csv => "csv",
        }
    }

    fn separator(self) -> u8 {
        match self {
            Output::Postgres => b'\t',
            Output::Csv => b',',
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

// --- the decoder -----------------------------------------------------------------------------------

/// Where the text comes from.
enum Input {
    Plain(Vec<u8>),
    Gzip {
        /// Inflates into its `Vec`, which is the text buffer the rows are read from.
        inflater: Box<MultiGzDecoder<Vec<u8>>>,
        /// How many bytes of the gzip magic were checked.
        magic_seen: usize,
        compressed: u64,
    },
}

pub struct Decoder {
    input: Input,
    rows: RowDecoder,
    failure: Option<DecodeError>,
    finished: bool,
}

impl Decoder {
    pub fn new(columns: Vec<DecodeColumn>, options: DecodeOptions) -> Result<Self, CoreError> {
        if columns.is_empty() {
            return Err(CoreError::InvalidArgument(
                "columns is empty; give the target table's columns in table order".to_owned(),
            ));
        }
        let matcher = Matcher::new(&columns, options.ignore_case)?;
        let input = if options.gzip {
            Input::Gzip {
                inflater: Box::new(MultiGzDecoder::new(Vec::with_capacity(4 * GZIP_SLICE))),
                magic_seen: 0,
                compressed: 0,
            }
        } else {
            Input::Plain(Vec::new())
        };
        Ok(Decoder {
            input,
            rows: RowDecoder {
                schema: Schema {
                    columns,
                    output: options.output,
                    conversion: options.conversion,
                },
                source: options.source,
                max_rejected: options.max_rejected,
                matcher,
                mode: Mode::Between,
                line: 0,
                searched: 0,
                fast_line: true,
                consumed: 0,
                ends_with_newline: false,
                scratch: Vec::new(),
                fields: Vec::new(),
                rows: 0,
                rejected: 0,
                records: Vec::new(),
            },
            failure: None,
            finished: false,
        })
    }

    /// Decode `data`, appending every row completed so far to `out`.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.check_open()?;
        let result = self.feed_input(data, out);
        if let Err(err) = &result {
            self.failure = Some(err.clone());
        }
        result
    }

    /// The end of the file: append the remaining rows to `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.check_open()?;
        let result = self.finish_input(out);
        match &result {
            Ok(()) => self.finished = true,
            Err(err) => self.failure = Some(err.clone()),
        }
        result
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows.rows
    }

    /// Rows rejected so far.
    pub fn rejected(&self) -> u64 {
        self.rows.rejected
    }

    /// The first `max_rejected` rejected rows.
    pub fn rejected_rows(&self) -> &[RejectedRow] {
        &self.rows.records
    }

    /// Lines read so far: the newlines of the rows decoded, and after `finish` a last line
    /// without a newline.
    pub fn lines(&self) -> u64 {
        let partial = self.finished && self.rows.consumed > 0 && !self.rows.ends_with_newline;
        self.rows.line + u64::from(partial)
    }

    pub fn columns(&self) -> &[DecodeColumn] {
        &self.rows.schema.columns
    }

    pub fn source(&self) -> &str {
        &self.rows.source
    }

    pub fn output(&self) -> Output {
        self.rows.schema.output
    }

    fn check_open(&self) -> Result<(), DecodeError> {
        match (&self.failure, self.finished) {
            (Some(err), _) => Err(err.clone()),
            (None, true) => Err(DecodeError::Finished),
            (None, false) => Ok(()),
        }
    }

    fn feed_input(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        let Decoder { input, rows, .. } = self;
        match input {
            Input::Plain(text) => {
                for slice in data.chunks(PLAIN_SLICE) {
                    text.extend_from_slice(slice);
                    rows.process(text, out, false);
                }
            }
            Input::Gzip {
                inflater,
                magic_seen,
                compressed,
            } => {
                for &byte in data.iter().take(GZIP_MAGIC.len() - *magic_seen) {
                    if byte != GZIP_MAGIC[*magic_seen] {
                        return Err(rows.unreadable(not_gzip(*magic_seen, byte)));
                    }
                    *magic_seen += 1;
                }
                *compressed += data.len() as u64;
                for slice in data.chunks(GZIP_SLICE) {
                    if let Err(err) = inflater.write_all(slice).and_then(|()| inflater.flush()) {
                        return Err(rows.unreadable(format!(
                            "corrupt gzip data ({err}); no row of the file can be trusted"
                        )));
                    }
                    rows.process(inflater.get_mut(), out, false);
                }
            }
        }
        Ok(())
    }

    fn finish_input(&mut self, out: &mut Vec<u8>) -> Result<(), DecodeError> {
        let Decoder { input, rows, .. } = self;
        match input {
            Input::Plain(text) => rows.process(text, out, true),
            Input::Gzip {
                inflater,
                magic_seen,
                compressed,
            } => {
                if *compressed == 0 {
                    return Ok(());
                }
                if *magic_seen < GZIP_MAGIC.len() {
                    return Err(rows.unreadable(
                        "the file is 1 byte long, too short to be gzip; COPY … GZIP reads only gzip \
                         files"
                            .to_owned(),
                    ));
                }
                if let Err(err) = inflater.try_finish() {
                    return Err(rows.unreadable(format!(
                        "the gzip data is truncated or corrupt at its end ({err}); no row of the \
                         file can be trusted"
                    )));
                }
                rows.process(inflater.get_mut(), out, true);
            }
        }
        Ok(())
    }
}

#[cold]
fn not_gzip(at: usize, byte: u8) -> String {
    format!(
        "the file is not gzip (byte {at} is 0x{byte:02x}; gzip starts with 1f 8b); COPY … GZIP \
         reads only gzip files"
    )
}

// --- finding rows in the text -----------------------------------------------------------------------

/// The target table and how values are written.
struct Schema {
    columns: Vec<DecodeColumn>,
    output: Output,
    conversion: Conversion,
}

enum Mode {
    /// Between rows: whitespace, then the next row.
    Between,
    /// Framing text that is not one object on one line.
    Scanning(Box<Scan>),
    /// Skipping the rest of a line after a broken row.
    DiscardLine,
}

enum Step {
    /// Go on from this position.
    Go(usize),
    /// Everything before this position is consumed; more text is needed.
    Wait(usize),
}

/// Text in, rows out: everything but the input's decompression.
struct RowDecoder {
    schema: Schema,
    source: String,
    max_rejected: usize,
    matcher: Matcher,
    mode: Mode,
    /// Newlines consumed, so the current line is `line + 1`.
    line: u64,
    /// Bytes after the current row's start already searched for a newline in vain.
    searched: usize,
    /// Whether the fast path may try the rest of the current line. Once it fails, the line's other
    /// objects go to the scanner: trying again would cost the rest of the line for each of them.
    fast_line: bool,
    consumed: u64,
    ends_with_newline: bool,
    /// The current row, compact, as `compact_object` wrote it, and its top-level members.
    scratch: Vec<u8>,
    fields: Vec<Field>,
    rows: u64,
    rejected: u64,
    records: Vec<RejectedRow>,
}

impl RowDecoder {
    /// Decode the rows complete in `text` into `out`, then drop the consumed text. At the end of
    /// the file (`at_end`) everything is consumed.
    fn process(&mut self, text: &mut Vec<u8>, out: &mut Vec<u8>, at_end: bool) {
        let mut pos = 0;
        loop {
            let step = match self.mode {
                Mode::Between => self.between(text, pos, out, at_end),
                Mode::Scanning(_) => self.scanning(text, pos, out, at_end),
                Mode::DiscardLine => match find_byte(&text[pos..], b'\n') {
                    Some(offset) => {
                        self.mode = Mode::Between;
                        Step::Go(pos + offset)
                    }
                    None => Step::Wait(text.len()),
                },
            };
            match step {
                Step::Go(next) => pos = next,
                Step::Wait(next) => {
                    pos = next;
                    break;
                }
            }
        }
        if pos > 0 {
            self.consumed += pos as u64;
            self.ends_with_newline = text[pos - 1] == b'\n';
            text.drain(..pos);
        }
    }

    fn between(&mut self, text: &[u8], mut pos: usize, out: &mut Vec<u8>, at_end: bool) -> Step {
        while let Some(&byte) = text.get(pos) {
            match byte {
                b'\n' => {
                    self.line += 1;
                    self.fast_line = true;
                }
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            pos += 1;
        }
        let Some(&first) = text.get(pos) else {
            return Step::Wait(pos);
        };
        if first == b'{' && self.fast_line {
            let rest = &text[pos..];
            let end = match find_byte(&rest[self.searched..], b'\n') {
                Some(offset) => Some(self.searched + offset),
                None if at_end => Some(rest.len()),
                None => None,
            };
            match end {
                Some(end) if end <= MAX_OBJECT_BYTES => {
                    self.searched = 0;
                    if self.try_line(&rest[..end], out) {
                        return Step::Go(pos + end);
                    }
                }
                Some(_) => self.searched = 0,
                None if rest.len() <= MAX_OBJECT_BYTES => {
                    self.searched = rest.len();
                    return Step::Wait(pos);
                }
                None => self.searched = 0,
            }
            self.fast_line = false;
            self.mode = Mode::Scanning(Box::default());
        } else if first == b'{' || first == b'[' {
            self.mode = Mode::Scanning(Box::default());
        } else {
            let reason = format!(
                "Invalid JSON: a row must be a JSON object, found {}",
                describe_byte(first)
            );
            self.mode = Mode::Scanning(Box::new(Scan::broken_at_start(reason)));
        }
        Step::Go(pos)
    }

    /// The fast path: a whole line holding exactly one object. False when it does not.
    #[inline]
    fn try_line(&mut self, line: &[u8], out: &mut Vec<u8>) -> bool {
        self.scratch.clear();
        self.fields.clear();
        if compact_object(line, &mut self.scratch, &mut self.fields).is_err() {
            return false;
        }
        self.emit(line.trim_ascii_end(), self.line + 1, out);
        true
    }

    fn scanning(&mut self, text: &[u8], pos: usize, out: &mut Vec<u8>, at_end: bool) -> Step {
        let Mode::Scanning(scan) = &mut self.mode else {
            return Step::Go(pos);
        };
        let rest = &text[pos..];
        match scan.run(rest) {
            Framed::Complete(end) => {
                let line_no = self.line + scan.newlines + 1;
                self.line += scan.newlines;
                self.mode = Mode::Between;
                self.framed(&rest[..end], line_no, out);
                Step::Go(pos + end)
            }
            Framed::Broken(broken) => {
                let eol = if rest.get(broken.at) == Some(&b'\n') {
                    Some(broken.at)
                } else {
                    find_byte(&rest[broken.at..], b'\n').map(|offset| broken.at + offset)
                };
                if eol.is_none() && !at_end && rest.len() < MAX_RAW_BYTES {
                    // Wait for the end of the line, so the report is the same however the file
                    // was cut into chunks.
                    return Step::Wait(pos);
                }
                let end = eol.unwrap_or(rest.len());
                let line_no = self.line + broken.newlines_before + 1;
                self.line += broken.newlines_before;
                self.mode = if eol.is_some() {
                    Mode::Between
                } else {
                    Mode::DiscardLine
                };
                let problem = Problem::row(broken.reason, broken.at);
                self.reject(problem, &rest[..end], line_no);
                Step::Go(pos + end)
            }
            Framed::NeedMore if at_end => {
                let line_no = self.line + scan.content_newlines + 1;
                self.line += scan.newlines;
                self.mode = Mode::Between;
                let problem = Problem::row(
                    "Invalid JSON: the file ends inside a JSON object".to_owned(),
                    rest.len(),
                );
                self.reject(problem, rest.trim_ascii_end(), line_no);
                Step::Go(text.len())
            }
            Framed::NeedMore if rest.len() > MAX_OBJECT_BYTES => {
                // Refused now rather than buffered whole; the rest of its line goes with it.
                let line_no = self.line + scan.content_newlines + 1;
                self.line += scan.newlines;
                self.mode = if rest.last() == Some(&b'\n') {
                    Mode::Between
                } else {
                    Mode::DiscardLine
                };
                self.reject(too_large(), rest, line_no);
                Step::Go(text.len())
            }
            Framed::NeedMore => Step::Wait(pos),
        }
    }

    /// A framed object (or array): convert it, or reject it whole.
    fn framed(&mut self, raw: &[u8], line_no: u64, out: &mut Vec<u8>) {
        if raw.len() > MAX_OBJECT_BYTES {
            self.reject(too_large(), raw, line_no);
            return;
        }
        self.scratch.clear();
        self.fields.clear();
        match compact_object(raw, &mut self.scratch, &mut self.fields) {
            Ok(()) => self.emit(raw, line_no, out),
            Err(err) => match self.schema.conversion.accept_invalid_chars {
                Some(replacement) if std::str::from_utf8(raw).is_err() => {
                    self.with_replacements(raw, replacement, line_no, out);
                }
                _ => self.reject(json_problem(raw, err), raw, line_no),
            },
        }
    }

    /// A row holding invalid UTF-8, with `ACCEPTINVCHARS`: each invalid sequence replaced, then
    /// converted like any row.
    #[cold]
    #[inline(never)]
    fn with_replacements(&mut self, raw: &[u8], replacement: u8, line_no: u64, out: &mut Vec<u8>) {
        let (fixed, positions) = replace_invalid_utf8(raw, replacement);
        self.scratch.clear();
        self.fields.clear();
        if let Err(err) = compact_object(&fixed, &mut self.scratch, &mut self.fields) {
            self.reject(json_problem(&fixed, err), raw, line_no);
            return;
        }
        let replaced = fields_at(&fixed, &self.scratch, &self.fields, &positions);
        self.emit_with(raw, line_no, out, &replaced);
    }

    /// Convert the row in `scratch`/`fields` into `out`, or reject it leaving `out` as it was.
    #[inline]
    fn emit(&mut self, raw: &[u8], line_no: u64, out: &mut Vec<u8>) {
        self.emit_with(raw, line_no, out, &[]);
    }

    #[inline]
    fn emit_with(&mut self, raw: &[u8], line_no: u64, out: &mut Vec<u8>, replaced: &[usize]) {
        let start = out.len();
        match convert_row(
            &self.schema,
            &mut self.matcher,
            &self.scratch,
            &self.fields,
            replaced,
            out,
        ) {
            Ok(()) => {
                out.push(b'\n');
                self.rows += 1;
            }
            Err(problem) => {
                out.truncate(start);
                self.reject(*problem, raw, line_no);
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn reject(&mut self, problem: Problem, raw: &[u8], line: u64) {
        self.rejected += 1;
        if self.records.len() >= self.max_rejected {
            return;
        }
        let column = problem.column.map(|index| &self.schema.columns[index]);
        self.records.push(RejectedRow {
            file: self.source.clone(),
            line,
            column: column.map_or_else(String::new, |c| c.name.clone()),
            column_type: column
                .map_or("", |c| c.column_type.redshift_name())
                .to_owned(),
            column_length: column.map_or_else(String::new, |c| c.column_type.length()),
            position: problem.position as u64,
            raw_line: cap_text(raw, MAX_RAW_BYTES),
            value: cap_text(&problem.value, MAX_RAW_BYTES),
            reason: cap_text(problem.reason.as_bytes(), MAX_REASON_BYTES),
            code: problem.code,
        });
    }

    #[cold]
    fn unreadable(&self, reason: String) -> DecodeError {
        let file = if self.source.is_empty() {
            "the data file".to_owned()
        } else {
            self.source.clone()
        };
        DecodeError::Unreadable { file, reason }
    }
}

#[cold]
fn too_large() -> Problem {
    Problem::row(
        format!(
            "Invalid JSON: the object is larger than Redshift's limit of {} MB",
            MAX_OBJECT_BYTES >> 20
        ),
        0,
    )
}

/// Why `compact_object` refused a framed row: invalid UTF-8 (1220) or invalid JSON (1216).
#[cold]
fn json_problem(raw: &[u8], err: CoreError) -> Problem {
    if let Err(utf8) = std::str::from_utf8(raw) {
        let at = utf8.valid_up_to();
        let length = utf8.error_len().unwrap_or(raw.len() - at);
        let hex: Vec<String> = raw[at..at + length]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        return Problem {
            column: None,
            code: codes::INVALID_CHARACTER,
            reason: format!(
                "String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex sequence: {}",
                hex.join(" ")
            ),
            position: at,
            value: Vec::new(),
        };
    }
    match err {
        CoreError::InvalidJson { reason, position } => {
            Problem::row(format!("Invalid JSON: {reason}"), position.unwrap_or(0))
        }
        other => Problem::row(format!("Invalid JSON: {other}"), 0),
    }
}

#[cold]
fn describe_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("'{}'", byte as char)
    } else {
        format!("byte 0x{byte:02x}")
    }
}

/// The first `max` bytes of `bytes` (a character boundary) as text.
fn cap_text(bytes: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&bytes[..truncation_point(bytes, max)]).into_owned()
}

/// Where the first `needle` is, eight bytes at a time (the newline search is on the hot path).
#[inline]
fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(needle);
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or_default()) ^ pattern;
        // A zero byte of `word` is a match; the lowest flagged byte is always a real one.
        let found = word.wrapping_sub(ONES) & !word & HIGHS;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&byte| byte == needle)
        .map(|i| offset + i)
}

// --- framing text that is not one object per line ------------------------------------------------

/// Where and why a framed text is broken.
#[derive(Clone, Debug)]
struct Broken {
    /// The byte (relative to the text's start) where it breaks: a newline, or the byte at fault.
    at: usize,
    newlines_before: u64,
    reason: String,
}

enum Framed {
    /// The object (or array) ends before this byte.
    Complete(usize),
    Broken(Broken),
    NeedMore,
}

/// The state of framing one object across chunks: strings and brackets only; the JSON itself is
/// checked by `compact_object` once the object is framed.
#[derive(Debug, Default)]
struct Scan {
    /// Bytes scanned so far, from the object's first byte.
    offset: usize,
    depth: usize,
    /// Bit `d` is set when the container at depth `d + 1` is an array (depth is at most 128).
    arrays: u128,
    in_string: bool,
    escape: bool,
    newlines: u64,
    /// `newlines` when the last byte that is not whitespace was read.
    content_newlines: u64,
    /// The last byte outside strings that is not whitespace.
    last: u8,
    /// The first newline after `last`, while only whitespace follows it.
    line_break: Option<usize>,
    broken: Option<Broken>,
}

impl Scan {
    fn broken_at_start(reason: String) -> Scan {
        Scan {
            broken: Some(Broken {
                at: 0,
                newlines_before: 0,
                reason,
            }),
            ..Scan::default()
        }
    }

    fn run(&mut self, text: &[u8]) -> Framed {
        if let Some(broken) = &self.broken {
            return Framed::Broken(broken.clone());
        }
        let mut i = self.offset;
        while let Some(&byte) = text.get(i) {
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if byte == b'\\' {
                    self.escape = true;
                } else if byte == b'"' {
                    self.in_string = false;
                } else if byte == b'\n' {
                    return self.break_at(i, self.newlines, "the line ends inside a string");
                }
                i += 1;
                continue;
            }
            match byte {
                b' ' | b'\t' | b'\r' => {}
                b'\n' => {
                    self.newlines += 1;
                    if self.line_break.is_none() {
                        self.line_break = Some(i);
                    }
                }
                _ => {
                    if let Some(at) = self.line_break.take() {
                        if self.starts_a_new_row(byte) {
                            return self.break_at(
                                at,
                                self.content_newlines,
                                "the line ends inside a JSON object and the next starts a new one",
                            );
                        }
                    }
                    self.content_newlines = self.newlines;
                    match byte {
                        b'"' => self.in_string = true,
                        b'{' | b'[' => {
                            if self.depth == MAX_DEPTH {
                                return self.break_at(
                                    i,
                                    self.newlines,
                                    "the object nests deeper than 128 levels",
                                );
                            }
                            let bit = 1u128 << self.depth;
                            if byte == b'[' {
                                self.arrays |= bit;
                            } else {
                                self.arrays &= !bit;
                            }
                            self.depth += 1;
                        }
                        b'}' | b']' => {
                            let opened_array =
                                self.depth > 0 && (self.arrays >> (self.depth - 1)) & 1 == 1;
                            if self.depth == 0 || opened_array != (byte == b']') {
                                return self.break_at(
                                    i,
                                    self.newlines,
                                    "a bracket closes what it did not open",
                                );
                            }
                            self.depth -= 1;
                            if self.depth == 0 {
                                self.offset = i + 1;
                                return Framed::Complete(i + 1);
                            }
                        }
                        _ => {}
                    }
                    self.last = byte;
                }
            }
            i += 1;
        }
        self.offset = i;
        Framed::NeedMore
    }

    /// Whether a line starting with `first`, inside an unfinished object, must be a new row: it
    /// opens an object or array where JSON needs a `,` (after a value) or a key (in an object).
    fn starts_a_new_row(&self, first: u8) -> bool {
        if self.depth == 0 || !matches!(first, b'{' | b'[') {
            return false;
        }
        let in_object = (self.arrays >> (self.depth - 1)) & 1 == 0;
        let after_value = !matches!(self.last, b'{' | b'[' | b',' | b':');
        after_value || (in_object && matches!(self.last, b',' | b'{'))
    }

    #[cold]
    fn break_at(&mut self, at: usize, newlines_before: u64, why: &str) -> Framed {
        let broken = Broken {
            at,
            newlines_before,
            reason: format!("Invalid JSON: {why}"),
        };
        self.broken = Some(broken.clone());
        Framed::Broken(broken)
    }
}

// --- matching keys to columns ----------------------------------------------------------------------

const NO_COLUMN: u32 = u32::MAX;

/// Maps a row's top-level keys to columns, and finds duplicate keys.
struct Matcher {
    ignore_case: bool,
    names: Vec<Vec<u8>>,
    /// Column names (ASCII lower case when `ignore_case`) to their index.
    by_name: FxHashMap<Vec<u8>, u32>,
    /// For each position in a row, the column of the key found there last time: rows mostly share
    /// a layout, so this saves a hash lookup per key.
    hints: Vec<u32>,
    /// Per column, the row (`stamp`) that last set it, and the field that did.
    seen: Vec<u32>,
    slots: Vec<u32>,
    stamp: u32,
    /// The fields of this row that match no column.
    extra: Vec<u32>,
    key_buf: Vec<u8>,
}

impl Matcher {
    fn new(columns: &[DecodeColumn], ignore_case: bool) -> Result<Self, CoreError> {
        let mut by_name = FxHashMap::default();
        for (index, column) in columns.iter().enumerate() {
            let mut name = column.name.clone().into_bytes();
            if ignore_case {
                name.make_ascii_lowercase();
            }
            if by_name.insert(name, index as u32).is_some() {
                let how = if ignore_case {
                    " (with ignore_case, names match in any case)"
                } else {
                    ""
                };
                return Err(CoreError::InvalidArgument(format!(
                    "two columns are named {:?}{how}",
                    column.name
                )));
            }
        }
        Ok(Matcher {
            ignore_case,
            names: columns
                .iter()
                .map(|c| c.name.clone().into_bytes())
                .collect(),
            by_name,
            hints: Vec::new(),
            seen: vec![0; columns.len()],
            slots: vec![0; columns.len()],
            stamp: 0,
            extra: Vec::new(),
            key_buf: Vec::new(),
        })
    }

    #[inline]
    fn same_key(&self, a: &[u8], b: &[u8]) -> bool {
        if self.ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }

    /// Assign this row's fields to columns; a duplicate key is an error.
    #[inline]
    fn assign(&mut self, row: &[u8], fields: &[Field]) -> Result<(), Box<Problem>> {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        self.extra.clear();
        for (position, field) in fields.iter().enumerate() {
            let key = &row[field.key.clone()];
            let column = if field.key_escaped {
                self.lookup(&unescape(key))
            } else {
                match self.hints.get(position) {
                    Some(&hint)
                        if hint != NO_COLUMN && self.same_key(&self.names[hint as usize], key) =>
                    {
                        hint
                    }
                    _ => {
                        let found = self.lookup(key);
                        if position >= self.hints.len() {
                            self.hints.resize(position + 1, NO_COLUMN);
                        }
                        self.hints[position] = found;
                        found
                    }
                }
            };
            if column == NO_COLUMN {
                self.extra.push(position as u32);
                continue;
            }
            let slot = column as usize;
            if self.seen[slot] == self.stamp {
                return Err(duplicate_key(Some(slot), row, field));
            }
            self.seen[slot] = self.stamp;
            self.slots[slot] = position as u32;
        }
        if self.extra.len() > 1 {
            self.check_extra_keys(row, fields)?;
        }
        Ok(())
    }

    fn lookup(&mut self, key: &[u8]) -> u32 {
        let found = if self.ignore_case && key.iter().any(u8::is_ascii_uppercase) {
            self.key_buf.clear();
            self.key_buf.extend(key.iter().map(u8::to_ascii_lowercase));
            self.by_name.get(self.key_buf.as_slice())
        } else {
            self.by_name.get(key)
        };
        found.copied().unwrap_or(NO_COLUMN)
    }

    /// The field loading into column `index` in this row, if any.
    #[inline]
    fn field_of(&self, index: usize) -> Option<usize> {
        (self.seen[index] == self.stamp).then(|| self.slots[index] as usize)
    }

    /// Keys that match no column may still repeat. Rows rarely hold more than a few of them, so
    /// each is compared with the others.
    #[cold]
    #[inline(never)]
    fn check_extra_keys(&self, row: &[u8], fields: &[Field]) -> Result<(), Box<Problem>> {
        let key = |index: u32| {
            let field = &fields[index as usize];
            let raw = &row[field.key.clone()];
            if field.key_escaped {
                Cow::Owned(unescape(raw))
            } else {
                Cow::Borrowed(raw)
            }
        };
        let keys: Vec<Cow<[u8]>> = self.extra.iter().map(|&index| key(index)).collect();
        for (i, a) in keys.iter().enumerate() {
            if keys[..i].iter().any(|b| self.same_key(a, b)) {
                return Err(duplicate_key(None, row, &fields[self.extra[i] as usize]));
            }
        }
        Ok(())
    }
}

#[cold]
fn duplicate_key(column: Option<usize>, row: &[u8], field: &Field) -> Box<Problem> {
    let raw = &row[field.key.clone()];
    let key = if field.key_escaped {
        unescape(raw)
    } else {
        raw.to_vec()
    };
    let shown = cap_text(&key, 40);
    Box::new(Problem {
        column,
        code: codes::INVALID_ROW,
        reason: format!("Invalid JSON: the key \"{shown}\" appears twice in the object"),
        position: field.key.start.saturating_sub(1),
        value: key,
    })
}

// --- converting a row -------------------------------------------------------------------------------

/// Why a row is refused; built on the error path only.
#[derive(Debug)]
struct Problem {
    /// The column at fault, or `None` for the row itself.
    column: Option<usize>,
    code: u32,
    reason: String,
    position: usize,
    value: Vec<u8>,
}

impl Problem {
    #[cold]
    fn row(reason: String, position: usize) -> Problem {
        Problem {
            column: None,
            code: codes::INVALID_ROW,
            reason,
            position,
            value: Vec::new(),
        }
    }
}

/// A refused value of column `index` (built on the error path only).
#[cold]
#[inline(never)]
#[allow(clippy::boxed_local)] // a conversion's refusal is boxed to keep its result small
fn refuse(index: usize, refusal: Box<Refusal>, row: &[u8], field: &Field) -> Box<Problem> {
    let Refusal {
        code,
        reason,
        position,
        ..
    } = *refusal;
    Box::new(Problem {
        column: Some(index),
        code,
        reason,
        position,
        value: Value::of(row, field).text().into_owned(),
    })
}

type Converted = Result<(), Box<Problem>>;

/// Convert one row. `replaced` lists the fields (positions in `fields`) in which `ACCEPTINVCHARS`
/// replaced invalid UTF-8; it is empty but for such rows.
fn convert_row(
    schema: &Schema,
    matcher: &mut Matcher,
    row: &[u8],
    fields: &[Field],
    replaced: &[usize],
    out: &mut Vec<u8>,
) -> Converted {
    matcher.assign(row, fields)?;
    if !replaced.is_empty() {
        check_replacements(schema, matcher, row, fields, replaced)?;
    }
    let separator = schema.output.separator();
    for (index, column) in schema.columns.iter().enumerate() {
        if index > 0 {
            out.push(separator);
        }
        match matcher.field_of(index) {
            Some(position) => convert_value(schema, index, column, row, &fields[position], out)?,
            None if column.not_null => return Err(missing_not_null(index)),
            None => write_null(schema.output, out),
        }
    }
    Ok(())
}

/// `ACCEPTINVCHARS` is valid only for VARCHAR columns: a replacement in any other column's value
/// leaves it invalid.
#[cold]
fn check_replacements(
    schema: &Schema,
    matcher: &Matcher,
    row: &[u8],
    fields: &[Field],
    replaced: &[usize],
) -> Converted {
    for (index, column) in schema.columns.iter().enumerate() {
        let Some(position) = matcher.field_of(index) else {
            continue;
        };
        if replaced.contains(&position) && !accepts_replacements(column.column_type) {
            let refusal = Refusal::new(
                codes::INVALID_CHARACTER,
                "String contains invalid or unsupported UTF8 codepoints (ACCEPTINVCHARS replaces \
                 them in VARCHAR only)"
                    .to_owned(),
                "",
            );
            return Err(refuse(index, refusal, row, &fields[position]));
        }
    }
    Ok(())
}

#[cold]
fn missing_not_null(index: usize) -> Box<Problem> {
    Box::new(Problem {
        column: Some(index),
        code: codes::NOT_NULL,
        reason: "Missing data for not-null field".to_owned(),
        position: 0,
        value: Vec::new(),
    })
}

#[inline]
fn write_null(output: Output, out: &mut Vec<u8>) {
    if output == Output::Postgres {
        out.extend_from_slice(b"\\N");
    }
}

/// One value, converted by its column type's rules into the output format.
#[inline]
fn convert_value(
    schema: &Schema,
    index: usize,
    column: &DecodeColumn,
    row: &[u8],
    field: &Field,
    out: &mut Vec<u8>,
) -> Converted {
    let value = Value::of(row, field);
    let converted = match schema.output {
        Output::Postgres => types::convert(
            column.column_type,
            &value,
            &schema.conversion,
            &mut PostgresText(out),
        ),
        Output::Csv => types::convert(
            column.column_type,
            &value,
            &schema.conversion,
            &mut Csv(out),
        ),
    };
    match converted {
        Ok(Fit::Value | Fit::Cut(_)) => Ok(()),
        Ok(Fit::Null) if column.not_null => Err(null_in_not_null(index, row, field)),
        Ok(Fit::Null) => {
            write_null(schema.output, out);
            Ok(())
        }
        Err(refusal) => Err(refuse(index, refusal, row, field)),
    }
}

#[cold]
fn null_in_not_null(index: usize, row: &[u8], field: &Field) -> Box<Problem> {
    let refusal = Refusal::new(
        codes::NOT_NULL,
        "Missing data for not-null field".to_owned(),
        "",
    );
    refuse(index, refusal, row, field)
}

/// `raw` with each invalid UTF-8 sequence replaced by `replacement` once per byte
/// (`ACCEPTINVCHARS`), and where the replacements are.
fn replace_invalid_utf8(raw: &[u8], replacement: u8) -> (Vec<u8>, Vec<usize>) {
    let mut fixed = Vec::with_capacity(raw.len());
    let mut replaced = Vec::new();
    let mut rest = raw;
    while let Err(err) = std::str::from_utf8(rest) {
        let valid = err.valid_up_to();
        let bad = err.error_len().unwrap_or(rest.len() - valid);
        fixed.extend_from_slice(&rest[..valid]);
        let at = raw.len() - rest.len() + valid;
        replaced.extend(at..at + bad);
        fixed.resize(fixed.len() + bad, replacement);
        rest = &rest[valid + bad..];
    }
    fixed.extend_from_slice(rest);
    (fixed, replaced)
}

/// The fields holding the bytes at `positions` (ascending) of `input`, once `input` is compacted
/// into `compact`. Compacting only drops whitespace outside strings, and the byte kept after such
/// whitespace never is whitespace, so walking both texts together matches each kept byte.
fn fields_at(input: &[u8], compact: &[u8], fields: &[Field], positions: &[usize]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut k = 0;
    let mut wanted = positions.iter().peekable();
    for (i, &byte) in input.iter().enumerate() {
        let kept = compact.get(k) == Some(&byte);
        if wanted.peek() == Some(&&i) {
            wanted.next();
            if kept {
                if let Some(field) = fields.iter().position(|f| f.value.contains(&k)) {
                    if !found.contains(&field) {
                        found.push(field);
                    }
                }
            }
        }
        if kept {
            k += 1;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gzip::Gzip;
    use crate::json::write_json_string;
    use crate::types::engine::DateTimeFormat;
    use crate::types::Dialect;

    fn columns(specs: &[(&str, &str, bool)]) -> Vec<DecodeColumn> {
        specs
            .iter()
            .map(|&(name, column_type, not_null)| DecodeColumn {
                name: name.to_owned(),
                column_type: SqlType::parse(column_type, Dialect::Warehouse).unwrap(),
                not_null,
            })
            .collect()
    }

    fn plain() -> DecodeOptions {
        DecodeOptions {
            gzip: false,
            source: "s3://bucket/part-0.gz".to_owned(),
            ..DecodeOptions::default()
        }
    }

    /// Decode `input` whole; the output and the rejected rows.
    fn run_with(
        specs: &[(&str, &str, bool)],
        options: DecodeOptions,
        input: &[u8],
    ) -> (String, Vec<RejectedRow>, Decoder) {
        let mut decoder = Decoder::new(columns(specs), options).unwrap();
        let mut out = Vec::new();
        decoder.feed(input, &mut out).unwrap();
        decoder.finish(&mut out).unwrap();
        let rejected = decoder.rejected_rows().to_vec();
        (String::from_utf8(out).unwrap(), rejected, decoder)
    }

    fn run(specs: &[(&str, &str, bool)], input: &str) -> (String, Vec<RejectedRow>) {
        let (out, rejected, _) = run_with(specs, plain(), input.as_bytes());
        (out, rejected)
    }

    /// The output for one value of one nullable column, or the rejection's (code, reason).
    fn one(column_type: &str, value: &str) -> Result<String, (u32, String)> {
        one_with(column_type, value, plain())
    }

    fn one_with(
        column_type: &str,
        value: &str,
        options: DecodeOptions,
    ) -> Result<String, (u32, String)> {
        let input = format!("{{\"c\":{value}}}\n");
        let (out, rejected, _) = run_with(&[("c", column_type, false)], options, input.as_bytes());
        match rejected.as_slice() {
            [] => Ok(out.strip_suffix('\n').unwrap().to_owned()),
            [row] => Err((row.code, row.reason.clone())),
            _ => panic!("{rejected:?}"),
        }
    }

    fn gzip(text: &[u8]) -> Vec<u8> {
        Gzip::new(6).unwrap().compress(text)
    }

    // --- types --------------------------------------------------------------------------------------

    #[test]
    fn columns_must_be_given_and_distinct() {
        assert!(Decoder::new(Vec::new(), plain()).is_err());
        let err = Decoder::new(
            columns(&[("a", "text", false), ("A", "text", false)]),
            plain(),
        )
        .err()
        .unwrap();
        assert!(err.to_string().contains("two columns are named \"A\""));
        let exact = DecodeOptions {
            ignore_case: false,
            ..plain()
        };
        assert!(Decoder::new(
            columns(&[("a", "text", false), ("A", "text", false)]),
            exact
        )
        .is_ok());
    }

    // --- conversions --------------------------------------------------------------------------------

    #[test]
    fn a_nul_character_cannot_be_stored() {
        let (out, rejected) = run(&[("c", "text", false)], "{\"c\":\"a\\u0000b\"}\n");
        assert_eq!(out, "");
        assert_eq!(rejected[0].code, 1220);
        assert_eq!(rejected[0].position, 1);
        assert!(rejected[0].reason.contains("NUL"));
        assert_eq!(
            one("text", r#"{"k":"\u0000"}"#),
            Ok(r#"{"k":"\\u0000"}"#.to_owned())
        );
    }

    #[test]
    fn nulls_empty_and_blank_strings() {
        assert_eq!(one("text", "null"), Ok("\\N".to_owned()));
        assert_eq!(one("integer", "null"), Ok("\\N".to_owned()));
        for column_type in [
            "integer",
            "boolean",
            "date",
            "timestamp",
            "real",
            "numeric(4,1)",
        ] {
            assert_eq!(
                one(column_type, "\"\""),
                Ok("\\N".to_owned()),
                "{column_type}"
            );
            assert_eq!(
                one(column_type, "\"  \""),
                Ok("\\N".to_owned()),
                "{column_type}"
            );
            assert_eq!(
                one(column_type, r#""\t""#),
                Ok("\\N".to_owned()),
                "{column_type}"
            );
        }
        assert_eq!(one("varchar(5)", "\"\""), Ok(String::new()));
        assert_eq!(one("char(2)", "\"  \""), Ok("  ".to_owned()));
    }

    #[test]
    fn every_type_loads_in_one_row_in_both_outputs() {
        let specs = [
            ("i2", "smallint", false),
            ("i4", "int4", false),
            ("i8", "bigint", false),
            ("n", "numeric(10,3)", false),
            ("r", "real", false),
            ("d", "float8", false),
            ("b", "bool", false),
            ("c", "char(4)", false),
            ("v", "varchar(8)", false),
            ("t", "text", false),
            ("dt", "date", false),
            ("tm", "time", false),
            ("tz", "timetz", false),
            ("ts", "timestamp", false),
            ("tt", "timestamptz", false),
            ("s", "super", false),
        ];
        let row = r#"{"i2":-7,"i4":"42","i8":9007199254740993,"n":"1.2345","r":0.5,"d":1e-3,"b":"yes","c":"ab","v":"é,\"q\"","t":"x\ty","dt":"2026-11-21","tm":"10:15:00","tz":"10:15:00+02","ts":"2026-11-21T10:15:00+02:00","tt":"2026-11-21T10:15:00+02:00","s":{"a":[1,"\\"]}}"#;
        let (out, rejected) = run(&specs, row);
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(
            out,
            "-7\t42\t9007199254740993\t1.234\t0.5\t0.001\tt\tab  \té,\"q\"\tx\\ty\t2026-11-21\t\
             10:15:00\t10:15:00+02\t2026-11-21 10:15:00\t2026-11-21 08:15:00+00\t\
             {\"a\":[1,\"\\\\\\\\\"]}\n"
        );
        let csv = DecodeOptions {
            output: Output::Csv,
            ..plain()
        };
        let (out, rejected, _) = run_with(&specs, csv, row.as_bytes());
        assert!(rejected.is_empty());
        assert_eq!(
            out,
            "-7,42,9007199254740993,1.234,0.5,0.001,t,\"ab  \",\"é,\"\"q\"\"\",\"x\ty\",2026-11-21,\
             10:15:00,10:15:00+02,2026-11-21 10:15:00,2026-11-21 08:15:00+00,\
             \"{\"\"a\"\":[1,\"\"\\\\\"\"]}\"\n"
        );
    }

    #[test]
    fn the_conversion_options_reach_every_column() {
        let options = DecodeOptions {
            conversion: Conversion {
                time_format: DateTimeFormat::EpochMillisecs,
                round_decimals: true,
                truncate_columns: true,
                ..Conversion::default()
            },
            ..plain()
        };
        let specs = [
            ("t", "timestamp", false),
            ("n", "numeric(4,1)", false),
            ("v", "varchar(2)", false),
            ("d", "date", false),
        ];
        let (out, rejected, _) = run_with(
            &specs,
            options,
            br#"{"t":1500,"n":"1.25","v":"abc","d":"2026-11-21"}"#,
        );
        assert!(rejected.is_empty());
        assert_eq!(out, "1970-01-01 00:00:01.500000\t1.3\tab\t2026-11-21\n");
    }

    fn replacing() -> DecodeOptions {
        DecodeOptions {
            conversion: Conversion {
                accept_invalid_chars: Some(b'^'),
                ..Conversion::default()
            },
            ..plain()
        }
    }

    #[test]
    fn acceptinvchars_replaces_invalid_utf8_in_varchar_once_per_byte() {
        let specs = [("a", "varchar(10)", false), ("n", "integer", false)];
        let input =
            b"{\"a\":\"x\xe2\x82y\xffz\", \"n\":1}\n{\"a\":\"\xed\xa0\x80\"}\n{\"a\":[\"\xc3\"]}\n";
        let (out, rejected, _) = run_with(&specs, replacing(), input);
        assert!(rejected.is_empty(), "{rejected:?}");
        assert_eq!(out, "x^^y^z\t1\n^^^\t\\N\n[\"^\"]\t\\N\n");
        // A key holding invalid bytes matches no column, and its value is ignored.
        let (out, rejected, _) = run_with(&specs, replacing(), b"{\"\xff\":1,\"n\":2}\n");
        assert!(rejected.is_empty());
        assert_eq!(out, "\\N\t2\n");
    }

    #[test]
    fn acceptinvchars_leaves_other_types_refusing_invalid_utf8() {
        let specs = [
            ("a", "varchar(10)", false),
            ("c", "char(3)", false),
            ("s", "super", false),
        ];
        for (input, column) in [
            (&b"{\"a\":\"ok\",\"c\":\"\xff\"}\n"[..], "c"),
            (b"{\"a\":\"ok\",\"s\":{\"k\":\"\xff\"}}\n", "s"),
        ] {
            let (out, rejected, _) = run_with(&specs, replacing(), input);
            assert_eq!(out, "");
            assert_eq!(
                (rejected[0].code, rejected[0].column.as_str()),
                (1220, column)
            );
        }
        // Without the option the row is refused whole, as before.
        let (_, rejected, _) = run_with(&specs, plain(), b"{\"a\":\"\xff\"}\n");
        assert_eq!((rejected[0].code, rejected[0].column.as_str()), (1220, ""));
    }

    #[test]
    fn replaced_bytes_are_found_in_the_compact_row() {
        let input = b"{ \"a\" : \" x?\" ,\n \"b\":[ 1, \"??\" ] }";
        let mut compact = Vec::new();
        let mut fields = Vec::new();
        compact_object(input, &mut compact, &mut fields).unwrap();
        let at = |needle: &[u8], skip: usize| {
            input
                .windows(needle.len())
                .enumerate()
                .filter(|(_, w)| *w == needle)
                .nth(skip)
                .unwrap()
                .0
        };
        assert_eq!(fields_at(input, &compact, &fields, &[at(b"?", 0)]), [0]);
        assert_eq!(fields_at(input, &compact, &fields, &[at(b"?", 1)]), [1]);
        assert_eq!(
            fields_at(input, &compact, &fields, &[at(b"?", 0), at(b"?", 2)]),
            [0, 1]
        );
        assert_eq!(
            replace_invalid_utf8(b"a\xffb\xe2\x82", b'?'),
            (b"a?b??".to_vec(), vec![1, 3, 4])
        );
    }

    #[test]
    fn null_in_a_not_null_column_is_1213() {
        let specs = [("id", "integer", true), ("name", "text", true)];
        let (out, rejected) = run(
            &specs,
            "{\"id\":1,\"name\":\"a\"}\n{\"id\":null,\"name\":\"b\"}\n{\"id\":\"\",\"name\":\"c\"}\n{\"id\":4}\n",
        );
        assert_eq!(out, "1\ta\n");
        let summary: Vec<_> = rejected
            .iter()
            .map(|r| (r.line, r.column.as_str(), r.code, r.reason.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (2, "id", 1213, "Missing data for not-null field"),
                (3, "id", 1213, "Missing data for not-null field"),
                (4, "name", 1213, "Missing data for not-null field"),
            ]
        );
        assert_eq!(rejected[2].value, "");
        assert_eq!(rejected[0].value, "null");
    }

    // --- keys -------------------------------------------------------------------------------------

    #[test]
    fn keys_match_columns_in_any_case_and_extra_keys_are_ignored() {
        let specs = [("id", "integer", false), ("name", "text", false)];
        let (out, rejected) = run(
            &specs,
            "{\"NAME\":\"x\",\"Id\":1,\"other\":[1]}\n{\"name\":\"y\"}\n{\"i\\u0064\":3}\n{}\n",
        );
        assert_eq!(out, "1\tx\n\\N\ty\n3\t\\N\n\\N\t\\N\n");
        assert!(rejected.is_empty());
    }

    #[test]
    fn exact_matching_leaves_other_cases_unmatched() {
        let options = DecodeOptions {
            ignore_case: false,
            ..plain()
        };
        let (out, rejected, _) = run_with(
            &[("id", "integer", false)],
            options,
            b"{\"ID\":1}\n{\"id\":2,\"Id\":3}\n",
        );
        assert_eq!(out, "\\N\n2\n");
        assert!(rejected.is_empty());
    }

    #[test]
    fn a_key_twice_in_an_object_rejects_the_row() {
        let specs = [("id", "integer", false)];
        let (out, rejected) = run(
            &specs,
            "{\"id\":1,\"ID\":2}\n{\"x\":1,\"y\":2,\"X\":3}\n{\"x\":1,\"y\":2}\n",
        );
        assert_eq!(out, "\\N\n");
        assert_eq!(rejected.len(), 2);
        assert_eq!(
            (rejected[0].code, rejected[0].column.as_str()),
            (1216, "id")
        );
        assert!(rejected[0].reason.contains("the key \"ID\" appears twice"));
        assert_eq!((rejected[1].code, rejected[1].column.as_str()), (1216, ""));
        assert!(rejected[1].reason.contains("\"X\""));
    }

    #[test]
    fn many_rows_with_shifting_layouts_match_correctly() {
        let specs = [
            ("a", "integer", false),
            ("b", "integer", false),
            ("c", "integer", false),
        ];
        let mut input = String::new();
        let mut expected = String::new();
        for i in 0..50 {
            match i % 3 {
                0 => input.push_str(&format!("{{\"a\":{i},\"b\":1,\"c\":2}}\n")),
                1 => input.push_str(&format!("{{\"c\":{i},\"x\":0,\"a\":5}}\n")),
                _ => input.push_str(&format!("{{\"B\":{i}}}\n")),
            }
            expected.push_str(&match i % 3 {
                0 => format!("{i}\t1\t2\n"),
                1 => format!("5\t\\N\t{i}\n"),
                _ => format!("\\N\t{i}\t\\N\n"),
            });
        }
        let (out, rejected) = run(&specs, &input);
        assert!(rejected.is_empty());
        assert_eq!(out, expected);
    }

    // --- framing, lines and recovery ---------------------------------------------------------------

    #[test]
    fn objects_may_span_lines_and_share_lines() {
        let specs = [("a", "integer", false)];
        let (out, rejected, decoder) = run_with(
            &specs,
            plain(),
            b"{\n  \"a\": 1\n}\n{\"a\":2} {\"a\":3}\n\n  {\"a\":\n4}",
        );
        assert_eq!(out, "1\n2\n3\n4\n");
        assert!(rejected.is_empty());
        assert_eq!(decoder.rows(), 4);
        assert_eq!(decoder.lines(), 7);
    }

    #[test]
    fn many_objects_on_one_long_line_decode_in_linear_time() {
        let specs = [("a", "integer", false)];
        let count = 200_000;
        let line: String = (0..count).map(|i| format!("{{\"a\":{i}}} ")).collect();
        for text in [line.clone(), format!("{line}\n{line}")] {
            let started = std::time::Instant::now();
            let (out, rejected, decoder) = run_with(&specs, plain(), text.as_bytes());
            assert!(rejected.is_empty());
            assert_eq!(decoder.rows(), text.matches('{').count() as u64);
            assert!(out.starts_with("0\n1\n2\n"));
            // Quadratic work would take minutes here.
            assert!(started.elapsed().as_secs() < 20);
        }
    }

    #[test]
    fn a_row_s_line_is_the_last_line_of_its_object() {
        let specs = [("a", "integer", false)];
        let (_, rejected) = run(
            &specs,
            "{\"a\":1}\n{\n\"a\":\n\"x\"\n}\n{\"a\":\"y\"}\n[1,\n2]\n",
        );
        let lines: Vec<_> = rejected.iter().map(|r| (r.line, r.code)).collect();
        assert_eq!(lines, [(5, 1207), (6, 1207), (8, 1216)]);
        assert_eq!(rejected[0].raw_line, "{\n\"a\":\n\"x\"\n}");
        assert_eq!(rejected[1].raw_line, "{\"a\":\"y\"}");
        assert!(rejected[2].reason.contains("a JSON array is not a row"));
    }

    #[test]
    fn invalid_json_costs_its_line_and_decoding_goes_on() {
        let specs = [("a", "integer", false)];
        let input = concat!(
            "{\"a\":1}\n",
            "{\"a\":tru}\n",              // balanced but invalid: skipped whole
            "{\"a\":2,\"b\":\"cut\n",     // a string cut by the line's end
            "{\"a\":3,\"b\":{\"c\":1}\n", // a truncated row, then a new object
            "{\"a\":4}\n",
            "oops {\"a\":5}\n", // text outside an object: its line goes
            "12\n",
            "{\"a\":[1}]}\n", // a bracket that closes what it did not open
            "{\"a\":6}\n",
            "{\"a\":7,\n", // truncated after a comma
            "{\"a\":8}\n",
        );
        let (out, rejected) = run(&specs, input);
        assert_eq!(out, "1\n4\n6\n8\n");
        let summary: Vec<_> = rejected.iter().map(|r| (r.line, r.code)).collect();
        assert_eq!(
            summary,
            [
                (2, 1216),
                (3, 1216),
                (4, 1216),
                (6, 1216),
                (7, 1216),
                (8, 1216),
                (10, 1216)
            ]
        );
        assert_eq!(rejected[0].raw_line, "{\"a\":tru}");
        assert!(rejected[0]
            .reason
            .starts_with("Invalid JSON: expected a JSON value"));
        assert_eq!(rejected[1].raw_line, "{\"a\":2,\"b\":\"cut");
        assert!(rejected[1].reason.contains("inside a string"));
        assert!(rejected[2].reason.contains("the next starts a new one"));
        assert_eq!(rejected[3].raw_line, "oops {\"a\":5}");
        assert!(rejected[3].reason.contains("found 'o'"));
        assert!(rejected[5].reason.contains("closes what it did not open"));
        assert!(rejected.iter().all(|r| r.column.is_empty()));
    }

    #[test]
    fn a_file_that_ends_inside_an_object_rejects_it_at_finish() {
        let specs = [("a", "integer", false)];
        let (out, rejected) = run(&specs, "{\"a\":1}\n{\"a\":\n2,\n");
        assert_eq!(out, "1\n");
        assert_eq!(rejected.len(), 1);
        assert_eq!((rejected[0].line, rejected[0].code), (3, 1216));
        assert!(rejected[0].reason.contains("ends inside a JSON object"));
        let (out, rejected) = run(&specs, "{\"a\":1}\n{\"a\":\"x");
        assert_eq!((out.as_str(), rejected[0].line), ("1\n", 2));
    }

    #[test]
    fn invalid_utf8_is_1220() {
        let specs = [("a", "text", false)];
        let (out, rejected, _) = run_with(&specs, plain(), b"{\"a\":\"\xff\"}\n{\"a\":\"ok\"}\n");
        assert_eq!(out, "ok\n");
        assert_eq!((rejected[0].code, rejected[0].position), (1220, 6));
        assert!(rejected[0].reason.ends_with("Bad UTF8 hex sequence: ff"));
    }

    #[test]
    fn objects_over_4_mb_are_refused() {
        let specs = [("a", "text", false)];
        let big = "x".repeat(MAX_OBJECT_BYTES);
        let input =
            format!("{{\"a\":\"{big}\"}}\n{{\"a\":\"ok\"}}\n{{\"a\":\n\"{big}\"}}\n{{\"a\":1}}");
        let (out, rejected) = run(&specs, &input);
        assert_eq!(out, "ok\n1\n");
        assert_eq!(rejected.len(), 2);
        assert!(rejected.iter().all(|r| r.reason.contains("limit of 4 MB")));
        assert_eq!(rejected[0].raw_line.len(), MAX_RAW_BYTES);
        // Fed in pieces, an object that never ends is refused once it passes the limit.
        let mut decoder = Decoder::new(columns(&specs), plain()).unwrap();
        let mut out = Vec::new();
        decoder.feed(b"{\"a\":[", &mut out).unwrap();
        for _ in 0..70 {
            decoder.feed(&b"1,".repeat(32 * 1024), &mut out).unwrap();
        }
        decoder.feed(b"1]}\n{\"a\":2}\n", &mut out).unwrap();
        decoder.finish(&mut out).unwrap();
        assert_eq!(out, b"2\n");
        assert_eq!(decoder.rejected(), 1);
    }

    #[test]
    fn rejected_rows_are_kept_up_to_max_but_all_counted() {
        let options = DecodeOptions {
            max_rejected: 2,
            ..plain()
        };
        let input = "{\"a\":\"x\"}\n".repeat(5);
        let (out, rejected, decoder) =
            run_with(&[("a", "integer", false)], options, input.as_bytes());
        assert_eq!(out, "");
        assert_eq!(rejected.len(), 2);
        assert_eq!(decoder.rejected(), 5);
        assert_eq!(rejected[1].line, 2);
    }

    #[test]
    fn rejected_rows_carry_the_fields_of_stl_load_errors() {
        let specs = [("id", "integer", false), ("name", "varchar(3)", false)];
        let (_, rejected) = run(&specs, "{\"id\":1,\"name\":\"long\\u00e9\"}\n");
        assert_eq!(
            rejected,
            [RejectedRow {
                file: "s3://bucket/part-0.gz".to_owned(),
                line: 1,
                column: "name".to_owned(),
                column_type: "varchar".to_owned(),
                column_length: "3".to_owned(),
                position: 0,
                raw_line: "{\"id\":1,\"name\":\"long\\u00e9\"}".to_owned(),
                value: "longé".to_owned(),
                reason: "String length exceeds DDL length".to_owned(),
                code: 1204,
            }]
        );
        let long = format!("{{\"id\":\"{}\"}}", "é".repeat(1000));
        let (_, rejected) = run(&specs, &long);
        assert_eq!(rejected[0].raw_line.len(), 1023);
        assert_eq!(rejected[0].value.len(), 1024);
        assert!(rejected[0].reason.len() <= MAX_REASON_BYTES);
    }

    // --- output formats --------------------------------------------------------------------------

    const MIXED: [(&str, &str, bool); 6] = [
        ("s", "text", false),
        ("n", "integer", false),
        ("b", "boolean", false),
        ("t", "timestamp", false),
        ("d", "numeric(6,2)", false),
        ("e", "varchar(10)", false),
    ];

    #[test]
    fn postgres_output_escapes_and_writes_null_as_backslash_n() {
        let input = r#"{"s":"tab\there\nnl\r\\ back","n":5,"b":true,"t":"2026-01-02 03:04:05.5","d":1.239,"e":""}"#;
        let (out, _) = run(&MIXED, input);
        assert_eq!(
            out,
            "tab\\there\\nnl\\r\\\\ back\t5\tt\t2026-01-02 03:04:05.500000\t1.23\t\n"
        );
        let (out, _) = run(&MIXED, r#"{"s":null,"e":"\\."}"#);
        assert_eq!(out, "\\N\t\\N\t\\N\t\\N\t\\N\t\\\\.\n");
    }

    #[test]
    fn csv_output_quotes_text_and_leaves_null_unquoted() {
        let csv = DecodeOptions {
            output: Output::Csv,
            ..plain()
        };
        let input = concat!(
            r#"{"s":"a,b \"q\"","n":-1,"b":false,"t":"2026-01-02","d":"7","e":""}"#,
            "\n",
            r#"{"s":" lead","e":"line\nbreak"}"#,
            "\n",
            r#"{"s":"trail\t","e":"back\\slash"}"#,
            "\n",
            r#"{"s":{"k":"v, w"}}"#,
            "\n",
        );
        let (out, _, _) = run_with(&MIXED, csv, input.as_bytes());
        assert_eq!(
            out,
            concat!(
                "\"a,b \"\"q\"\"\",-1,f,2026-01-02 00:00:00,7.00,\"\"\n",
                "\" lead\",,,,,\"line\nbreak\"\n",
                "\"trail\t\",,,,,\"back\\slash\"\n",
                "\"{\"\"k\"\":\"\"v, w\"\"}\",,,,,\n",
            )
        );
    }

    #[test]
    fn find_byte_finds_the_first_match_anywhere() {
        let text: Vec<u8> = (0..100u8).map(|i| b'a' + i % 20).collect();
        for at in 0..text.len() {
            let mut hay = text.clone();
            hay[at] = b'\n';
            if at + 5 < hay.len() {
                hay[at + 5] = b'\n';
            }
            assert_eq!(find_byte(&hay, b'\n'), Some(at));
            assert_eq!(find_byte(&hay[..at], b'\n'), None);
        }
        assert_eq!(find_byte(b"\x8a\x0a", b'\n'), Some(1));
        assert_eq!(
            find_byte(b"\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0a", b'\n'),
            Some(8)
        );
    }

    // --- gzip -------------------------------------------------------------------------------------

    #[test]
    fn gzip_members_are_read_one_after_another() {
        let mut data = gzip(b"{\"a\":1}\n{\"a\":");
        data.extend(gzip(b"2}\n"));
        data.extend(gzip(b""));
        data.extend(gzip(b"{\"a\":3}"));
        let options = DecodeOptions {
            gzip: true,
            ..plain()
        };
        let (out, rejected, _) = run_with(&[("a", "integer", false)], options, &data);
        assert_eq!(out, "1\n2\n3\n");
        assert!(rejected.is_empty());
    }

    fn gzip_error(data: &[u8]) -> String {
        let options = DecodeOptions {
            gzip: true,
            ..plain()
        };
        let mut decoder = Decoder::new(columns(&[("a", "integer", false)]), options).unwrap();
        let mut out = Vec::new();
        let err = decoder
            .feed(data, &mut out)
            .and_then(|()| decoder.finish(&mut out))
            .unwrap_err();
        // The decoder stays failed.
        assert_eq!(decoder.finish(&mut out).unwrap_err(), err);
        err.to_string()
    }

    #[test]
    fn data_that_is_not_gzip_is_refused() {
        let err = gzip_error(b"{\"a\":1}\n");
        assert!(err.starts_with("s3://bucket/part-0.gz: the file is not gzip (byte 0 is 0x7b"));
        assert!(gzip_error(b"\x1f").contains("too short to be gzip"));
        assert!(gzip_error(b"\x1f\x00").contains("byte 1 is 0x00"));
    }

    #[test]
    fn corrupt_and_truncated_gzip_is_refused() {
        let text = b"{\"a\":1}\n".repeat(20_000);
        let data = gzip(&text);
        let mut corrupt = data.clone();
        let middle = corrupt.len() / 2;
        for byte in &mut corrupt[middle..middle + 16] {
            *byte ^= 0x55;
        }
        assert!(gzip_error(&corrupt).contains("gzip"));
        let truncated = gzip_error(&data[..data.len() - 10]);
        assert!(truncated.contains("truncated or corrupt"), "{truncated}");
        assert!(gzip_error(&data[..5]).contains("truncated"));
        let mut trailing = data.clone();
        trailing.extend_from_slice(b"junk");
        assert!(gzip_error(&trailing).contains("corrupt"));
    }

    #[test]
    fn an_empty_file_holds_no_rows() {
        for gzip in [true, false] {
            let options = DecodeOptions { gzip, ..plain() };
            let (out, rejected, decoder) = run_with(&[("a", "integer", false)], options, b"");
            assert_eq!((out.as_str(), rejected.len(), decoder.lines()), ("", 0, 0));
        }
    }

    #[test]
    fn the_decoder_refuses_data_after_finish() {
        let mut decoder = Decoder::new(columns(&[("a", "integer", false)]), plain()).unwrap();
        let mut out = Vec::new();
        decoder.finish(&mut out).unwrap();
        assert_eq!(decoder.feed(b"{}", &mut out), Err(DecodeError::Finished));
    }

    // --- chunking ------------------------------------------------------------------------------------

    /// A file with a bit of everything: good rows, multi-line objects, broken JSON, bad values.
    fn assorted_input() -> String {
        let mut input = String::new();
        for i in 0..40 {
            let mut name = Vec::new();
            write_json_string(&mut name, &format!("name {i}, \"q\"\t\\ é😀"));
            let name = String::from_utf8(name).unwrap();
            input.push_str(&match i % 10 {
                0 => format!("{{\"s\":{name},\"n\":{i},\"b\":\"yes\",\"t\":\"2026-01-02T03:04:05.123Z\",\"d\":{i}.129,\"e\":\"e{i}\"}}\n"),
                1 => format!("{{\n  \"S\": {name},\n  \"n\": \"{i}\"\n}}\n"),
                2 => format!("{{\"s\":{name}, \"n\":{i}}} {{\"n\":{i}}}\r\n"),
                3 => format!("{{\"s\":{name},\"n\":1.5}}\n"),
                4 => format!("{{\"s\":{name},\"n\":{i}\n"),
                5 => format!("garbage {i}\n"),
                6 => format!("{{\"e\":\"{}\"}}\n", "long".repeat(i)),
                7 => "{\"d\":1e9,\"t\":\"nope\"}\n".to_owned(),
                8 => format!("[{i}]\n{{\"s\":null,\"n\":null,\"e\":{{\"k\":[{i}]}}}}\n"),
                _ => format!("{{\"s\":\"cut {i}\n"),
            });
        }
        input.push_str("{\"n\":1,");
        input
    }

    fn decode_in_chunks(
        options: &DecodeOptions,
        data: &[u8],
        chunk: usize,
    ) -> (Vec<u8>, Vec<RejectedRow>, u64) {
        let mut decoder = Decoder::new(columns(&MIXED), options.clone()).unwrap();
        let mut out = Vec::new();
        for piece in data.chunks(chunk.max(1)) {
            decoder.feed(piece, &mut out).unwrap();
        }
        decoder.finish(&mut out).unwrap();
        (out, decoder.rejected_rows().to_vec(), decoder.lines())
    }

    #[test]
    fn any_chunking_gives_the_same_rows_and_rejections() {
        let input = assorted_input();
        for output in [Output::Postgres, Output::Csv] {
            for gzipped in [false, true] {
                let options = DecodeOptions {
                    output,
                    gzip: gzipped,
                    ..plain()
                };
                let data = if gzipped {
                    // Two members, split mid-row.
                    let (a, b) = input.as_bytes().split_at(input.len() / 3);
                    let mut data = gzip(a);
                    data.extend(gzip(b));
                    data
                } else {
                    input.as_bytes().to_vec()
                };
                let whole = decode_in_chunks(&options, &data, data.len());
                assert!(whole.0.iter().filter(|&&b| b == b'\n').count() >= 16);
                assert!(whole.1.len() >= 20);
                for chunk in [1, 2, 3, 7, 64, 1000] {
                    assert_eq!(
                        decode_in_chunks(&options, &data, chunk),
                        whole,
                        "chunk {chunk}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_assorted_file_decodes_as_expected() {
        let (out, rejected, lines) =
            decode_in_chunks(&plain(), assorted_input().as_bytes(), 1 << 20);
        let out = String::from_utf8(out).unwrap();
        let first: Vec<&str> = out.lines().take(4).collect();
        assert_eq!(
            first,
            [
                "name 0, \"q\"\\t\\\\ é😀\t0\tt\t2026-01-02 03:04:05.123000\t0.12\te0",
                "name 1, \"q\"\\t\\\\ é😀\t1\t\\N\t\\N\t\\N\t\\N",
                "name 2, \"q\"\\t\\\\ é😀\t2\t\\N\t\\N\t\\N\t\\N",
                "\\N\t2\t\\N\t\\N\t\\N\t\\N",
            ]
        );
        let codes: Vec<u32> = rejected.iter().take(8).map(|r| r.code).collect();
        // A truncated row followed by a line of garbage is one rejected row, ended by the next object.
        assert_eq!(codes, [1207, 1216, 1204, 1206, 1216, 1216, 1207, 1216]);
        assert_eq!(
            rejected.last().unwrap().reason,
            "Invalid JSON: the file ends inside a JSON object"
        );
        assert_eq!(lines, input_lines(&assorted_input()));
    }

    fn input_lines(text: &str) -> u64 {
        text.lines().count() as u64
    }

    // --- speed ----------------------------------------------------------------------------------------

    /// `cargo test --release -- --ignored --nocapture decode_speed`
    #[test]
    #[ignore = "a measurement, run in release mode"]
    fn decode_speed() {
        let specs = [
            ("event_id", "varchar(64)", true),
            ("user_id", "bigint", false),
            ("kind", "varchar(32)", false),
            ("amount", "numeric(12,2)", false),
            ("score", "double precision", false),
            ("ok", "boolean", false),
            ("at", "timestamp", false),
            ("day", "date", false),
            ("note", "varchar(256)", false),
            ("props", "varchar(1024)", false),
        ];
        let mut text = Vec::new();
        let mut i = 0u64;
        while text.len() < 10_000_000 {
            text.extend_from_slice(format!(
                "{{\"event_id\":\"ev-{i:012}\",\"user_id\":{},\"kind\":\"click\",\"amount\":{}.{:02},\"score\":{},\"ok\":{},\"at\":\"2026-03-{:02}T{:02}:{:02}:{:02}.{:06}Z\",\"day\":\"2026-03-{:02}\",\"note\":\"some text for row {i}, with a \\\"quote\\\"\",\"props\":{{\"a\":[1,2,3],\"b\":\"x\"}},\"extra\":null}}\n",
                i * 7919 % 1_000_003, i % 10_000, i % 100, (i as f64) * 0.37, i % 2 == 0,
                i % 28 + 1, i % 24, i % 60, i % 60, i * 13 % 1_000_000, i % 28 + 1,
            ).as_bytes());
            i += 1;
        }
        let data = gzip(&text);
        for output in [Output::Postgres, Output::Csv] {
            let options = DecodeOptions { output, ..plain() };
            let started = std::time::Instant::now();
            let mut runs = 0;
            let mut rows = 0;
            while started.elapsed().as_secs_f64() < 2.0 {
                let mut decoder = Decoder::new(
                    columns(&specs),
                    DecodeOptions {
                        gzip: true,
                        ..options.clone()
                    },
                )
                .unwrap();
                let mut out = Vec::with_capacity(text.len());
                for piece in data.chunks(256 * 1024) {
                    decoder.feed(piece, &mut out).unwrap();
                }
                decoder.finish(&mut out).unwrap();
                assert_eq!(decoder.rejected(), 0);
                rows = decoder.rows();
                runs += 1;
            }
            let per_run = started.elapsed().as_secs_f64() / f64::from(runs);
            println!(
                "{}: {} rows, {:.1} MB of JSON ({:.1} MB gzip) in {:.1} ms: {:.0} MB/s",
                output.name(),
                rows,
                text.len() as f64 / 1e6,
                data.len() as f64 / 1e6,
                per_run * 1e3,
                text.len() as f64 / 1e6 / per_run
            );
            // Plain text alone, without gunzip.
            let started = std::time::Instant::now();
            let mut decoder = Decoder::new(columns(&specs), options.clone()).unwrap();
            let mut out = Vec::with_capacity(text.len());
            decoder.feed(&text, &mut out).unwrap();
            decoder.finish(&mut out).unwrap();
            let took = started.elapsed().as_secs_f64();
            println!(
                "  without gzip: {:.1} ms: {:.0} MB/s",
                took * 1e3,
                text.len() as f64 / 1e6 / took
            );
        }
    }
}
