//! Finding rows in the text: the fast path for a line holding one object, the scanner for any
//! other text, and the recovery from broken JSON that costs one row, not the file.

use crate::error::CoreError;
use crate::json::{compact_object, Field};
use crate::types::codes;

use super::convert::{convert_row, fields_at, replace_invalid_utf8, Schema};
use super::errors::{cap_text, DecodeError, Problem, RejectedRow, MAX_RAW_BYTES, MAX_REASON_BYTES};
use super::matcher::Matcher;
use super::options::{DecodeColumn, DecodeOptions};
use super::scan::{Framed, Scan};

/// Redshift refuses a JSON object larger than this, braces included.
pub const MAX_OBJECT_BYTES: usize = 4 * 1024 * 1024;

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
pub(super) struct RowDecoder {
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
    /// A decoder of rows into `columns`; refuses two columns of one name.
    pub(super) fn new(
        columns: Vec<DecodeColumn>,
        options: DecodeOptions,
    ) -> Result<RowDecoder, CoreError> {
        let matcher = Matcher::new(&columns, options.ignore_case)?;
        Ok(RowDecoder {
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
        })
    }

    pub(super) fn schema(&self) -> &Schema {
        &self.schema
    }

    pub(super) fn source(&self) -> &str {
        &self.source
    }

    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    pub(super) fn rejected(&self) -> u64 {
        self.rejected
    }

    pub(super) fn records(&self) -> &[RejectedRow] {
        &self.records
    }

    /// Lines read so far: the newlines consumed, and at the end of the file (`at_end`) a last
    /// line without a newline.
    pub(super) fn lines(&self, at_end: bool) -> u64 {
        let partial = at_end && self.consumed > 0 && !self.ends_with_newline;
        self.line + u64::from(partial)
    }

    /// Decode the rows complete in `text` into `out`, then drop the consumed text. At the end of
    /// the file (`at_end`) everything is consumed.
    pub(super) fn process(&mut self, text: &mut Vec<u8>, out: &mut Vec<u8>, at_end: bool) {
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
                if let Some((_, end_of_row)) = self.schema.output.separators() {
                    out.push(end_of_row);
                }
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
    pub(super) fn unreadable(&self, reason: String) -> DecodeError {
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

/// Where the first `needle` is, eight bytes at a time (the newline search is on the hot path).
#[inline]
pub(super) fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
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
