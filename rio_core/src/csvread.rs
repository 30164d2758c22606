//! CSV (and TSV) files read as rows for the packer: each record becomes the JSON object
//! `{"<header 1>":"<field 1>",…}` (fields as strings, as `rio.sources` reads a CSV in Python), while
//! every field is also taken into its column's inferred type (`crate::infer`).
//!
//! The format is `rio.sources.formats`': the first record is the header; quotes are `"`, doubled
//! inside a quoted field, which may hold line breaks; a record ends at `\n`, `\r\n` or `\r`; blank
//! lines are skipped; a UTF-8 byte order mark is dropped. As Python's `csv` module in strict mode,
//! a quoted field followed by anything but a delimiter or a line end, and a file that ends inside
//! quotes, are errors; a quote inside an unquoted field is a character.
//!
//! Written here rather than with `csv-core`: that parser accepts both of those errors silently (it
//! has no strict mode), and rio must refuse them, naming the line, as it does for every CSV.

use crate::error::CoreError;
use crate::infer::ColumnState;
use crate::json::{compact_object, write_json_string, Field, JsonKind};
use crate::rows::{RowBatch, RowRules};

/// The longest field read, as `rio.sources` sets Python's `csv.field_size_limit`: a file that
/// never closes a quote is refused at this size rather than read into memory whole.
pub const MAX_FIELD_BYTES: usize = 64 * 1024 * 1024;

/// What goes wrong reading a CSV, with the line it is on (counted from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    pub line: u64,
    pub message: String,
}

/// Why reading stopped: the CSV itself, or a row the packer's rules refuse (`row`: its index in
/// the source, from 0).
#[derive(Debug)]
pub enum ReadError {
    Csv(CsvError),
    Row { error: CoreError, row: u64 },
}

impl From<CsvError> for ReadError {
    fn from(err: CsvError) -> Self {
        ReadError::Csv(err)
    }
}

/// Where rows go: the packer's batch, checked by its rules.
pub struct Target<'a> {
    pub batch: &'a mut RowBatch,
    pub rules: &'a RowRules,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a field (the record's first field included).
    FieldStart,
    /// In an unquoted field.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// A quote in a quoted field: the field's end, or the first of a doubled quote.
    QuoteInQuoted,
    /// A `\r` ended the record; a `\n` right after it belongs to the same line end.
    AfterCr,
}

/// How a record's fields become the JSON object the packer takes.
pub struct RowShape {
    /// Per column: its key as written in JSON (`"name":`), and whether its field is a JSON document
    /// (a SUPER column's) rather than a string.
    columns: Vec<(Vec<u8>, bool)>,
    /// Whether a key holds escapes, per column; and whether two keys may match ignoring case.
    keys_escaped: Vec<bool>,
    keys_may_repeat: bool,
    documents: bool,
    /// The key of the input row number (`,"key":`), for upserts.
    row_number: Option<Vec<u8>>,
}

/// A CSV read part by part (each with its header), record by record, across chunks.
pub struct CsvReader {
    delimiter: u8,
    state: State,
    /// The record's fields, one after another (the last one being read included), and where each
    /// finished one ends.
    record: Vec<u8>,
    ends: Vec<usize>,
    /// Physical lines read in this part, and the last byte read.
    lines: u64,
    last_byte: u8,
    at_part_start: bool,
    part: String,
    /// Whether this part's header is read.
    header_read: bool,
    /// The first part's header and its name: every part must have the same.
    first_header: Option<(Vec<String>, String)>,
    json_columns: Vec<String>,
    row_number_key: Option<String>,
    shape: Option<RowShape>,
    pub infer: bool,
    pub columns: Vec<ColumnState>,
    /// Data rows read, over all parts.
    pub rows: u64,
}

impl CsvReader {
    pub fn new(json_columns: Vec<String>, row_number_key: Option<String>, infer: bool) -> Self {
        CsvReader {
            delimiter: b',',
            state: State::FieldStart,
            record: Vec::new(),
            ends: Vec::new(),
            lines: 0,
            last_byte: b'\n',
            at_part_start: true,
            part: String::new(),
            header_read: false,
            first_header: None,
            json_columns,
            row_number_key,
            shape: None,
            infer,
            columns: Vec::new(),
            rows: 0,
        }
    }

    /// The part being read.
    pub fn part(&self) -> &str {
        &self.part
    }

    /// The header read so far (the first part's).
    pub fn header(&self) -> Option<&[String]> {
        self.first_header
            .as_ref()
            .map(|(header, _)| header.as_slice())
    }

    /// Start reading the part `name`, whose fields are separated by `delimiter`.
    pub fn start_part(&mut self, name: &str, delimiter: u8) {
        self.delimiter = delimiter;
        self.state = State::FieldStart;
        self.record.clear();
        self.ends.clear();
        self.lines = 0;
        self.last_byte = b'\n';
        self.at_part_start = true;
        self.part = name.to_owned();
        self.header_read = false;
    }

    fn error(&self, line: u64, message: String) -> CsvError {
        CsvError { line, message }
    }

    /// Read `data`, adding each completed row (a JSON object) to the target's batch; returns how
    /// many rows it added.
    pub fn feed(&mut self, mut data: &[u8], out: &mut Target<'_>) -> Result<u64, ReadError> {
        if self.at_part_start && !data.is_empty() {
            // The byte order mark may arrive split over chunks only in a file of under 3 bytes.
            if let Some(rest) = data.strip_prefix(b"\xef\xbb\xbf") {
                data = rest;
            }
            self.at_part_start = false;
        }
        let before = self.rows;
        let delimiter = self.delimiter;
        let mut run = 0; // bytes of `data` from `run` on belong to the current field
        let mut i = 0;
        while i < data.len() {
            let byte = data[i];
            match self.state {
                State::Unquoted => {
                    // The common case: scan to the field's end in one go.
                    let end = data[i..]
                        .iter()
                        .position(|&b| b == delimiter || b == b'\n' || b == b'\r')
                        .map_or(data.len(), |at| i + at);
                    self.take(&data[run..end])?;
                    i = end;
                    run = end;
                    if i < data.len() {
                        self.end_field_at(data[i], out)?;
                        i += 1;
                        run = i;
                    }
                    continue;
                }
                State::FieldStart => {
                    if byte == b'"' {
                        self.state = State::Quoted;
                        run = i + 1;
                    } else if byte == delimiter || byte == b'\n' || byte == b'\r' {
                        self.end_field_at(byte, out)?;
                        run = i + 1;
                    } else {
                        self.state = State::Unquoted;
                        run = i;
                        continue;
                    }
                }
                State::Quoted => {
                    let end = data[i..]
                        .iter()
                        .position(|&b| b == b'"')
                        .map_or(data.len(), |at| i + at);
                    self.take(&data[run..end])?;
                    self.lines += data[i..end].iter().filter(|&&b| b == b'\n').count() as u64;
                    self.count_lone_crs(&data[i..end]);
                    i = end;
                    run = end;
                    if i < data.len() {
                        self.state = State::QuoteInQuoted;
                        i += 1;
                        run = i;
                    }
                    continue;
                }
                State::QuoteInQuoted => {
                    if byte == b'"' {
                        self.take(b"\"")?;
                        self.state = State::Quoted;
                        run = i + 1;
                    } else if byte == delimiter || byte == b'\n' || byte == b'\r' {
                        self.end_field_at(byte, out)?;
                        run = i + 1;
                    } else {
                        let line = self.lines + 1;
                        return Err(self
                            .error(
                                line,
                                format!(
                                    "malformed CSV: '{}' expected after '\"'",
                                    char::from(delimiter).escape_default()
                                ),
                            )
                            .into());
                    }
                }
                State::AfterCr => {
                    self.state = State::FieldStart;
                    if byte == b'\n' {
                        run = i + 1;
                    } else {
                        continue; // the next record starts here
                    }
                }
            }
            i += 1;
        }
        debug_assert!(run >= data.len() || !matches!(self.state, State::Unquoted | State::Quoted));
        if let Some(&last) = data.last() {
            self.last_byte = last;
        }
        Ok(self.rows - before)
    }

    /// A `\r` inside a quoted field that no `\n` follows is a line end too, as Python's reader
    /// counts lines; a `\r\n` counts once (its `\n`).
    fn count_lone_crs(&mut self, text: &[u8]) {
        let lone = text
            .iter()
            .enumerate()
            .filter(|&(at, &b)| b == b'\r' && text.get(at + 1) != Some(&b'\n'))
            .count();
        self.lines += lone as u64;
    }

    /// Add `bytes` to the field being read, which may be at most `MAX_FIELD_BYTES` long.
    fn take(&mut self, bytes: &[u8]) -> Result<(), CsvError> {
        self.record.extend_from_slice(bytes);
        let start = self.ends.last().copied().unwrap_or(0);
        if self.record.len() - start > MAX_FIELD_BYTES {
            let line = self.lines + 1;
            let message =
                format!("malformed CSV: field larger than field limit ({MAX_FIELD_BYTES})");
            return Err(self.error(line, message));
        }
        Ok(())
    }

    /// The current field ends at `byte`, a delimiter or a line end.
    fn end_field_at(&mut self, byte: u8, out: &mut Target<'_>) -> Result<(), ReadError> {
        let record_ended = byte != self.delimiter;
        let blank_line = record_ended
            && self.ends.is_empty()
            && self.record.is_empty()
            && self.state == State::FieldStart;
        if !blank_line {
            self.ends.push(self.record.len());
        }
        self.state = State::FieldStart;
        if record_ended {
            self.lines += 1;
            if byte == b'\r' {
                self.state = State::AfterCr;
            }
            if !blank_line {
                self.end_record(out)?;
            }
        }
        Ok(())
    }

    /// The end of the part: the last record, if it has no line end.
    pub fn finish_part(&mut self, out: &mut Target<'_>) -> Result<u64, ReadError> {
        let before = self.rows;
        match self.state {
            State::Quoted => {
                // As Python counts: the lines read, a last one without its line end included.
                let line = self.lines + u64::from(!matches!(self.last_byte, b'\n' | b'\r'));
                let message = "malformed CSV: unexpected end of data".to_owned();
                return Err(self.error(line, message).into());
            }
            State::FieldStart if self.ends.is_empty() && self.record.is_empty() => {}
            State::AfterCr => {}
            State::Unquoted | State::QuoteInQuoted | State::FieldStart => {
                self.ends.push(self.record.len());
                self.lines += 1;
                self.end_record(out)?;
            }
        }
        self.state = State::FieldStart;
        Ok(self.rows - before)
    }

    fn text(&self, index: usize) -> Result<&str, CsvError> {
        field_text(&self.record, &self.ends, index, self.lines)
    }

    fn end_record(&mut self, out: &mut Target<'_>) -> Result<(), ReadError> {
        let result = if !self.header_read {
            self.take_header().map_err(ReadError::from)
        } else {
            self.take_row(out)
        };
        self.record.clear();
        self.ends.clear();
        result
    }

    fn take_header(&mut self) -> Result<(), CsvError> {
        let line = self.lines;
        let mut header: Vec<String> = Vec::with_capacity(self.ends.len());
        for index in 0..self.ends.len() {
            let name = self.text(index)?.to_owned();
            if name.is_empty() {
                return Err(self.error(
                    line,
                    format!(
                        "header field {} is empty; every column needs a name",
                        index + 1
                    ),
                ));
            }
            if header.contains(&name) {
                return Err(self.error(
                    line,
                    format!("the header names column {} twice", python_repr(&name)),
                ));
            }
            header.push(name);
        }
        match &self.first_header {
            Some((first, from)) if *first != header => {
                return Err(self.error(
                    1,
                    format!(
                        "its header {} differs from the header of {from}, {}; the parts of one \
                         source share one header",
                        python_list(&header),
                        python_list(first)
                    ),
                ));
            }
            Some(_) => {}
            None => {
                self.first_header = Some((header.clone(), self.part.clone()));
                self.columns = vec![ColumnState::default(); header.len()];
                let mut keys_escaped = Vec::with_capacity(header.len());
                let columns: Vec<(Vec<u8>, bool)> = header
                    .iter()
                    .map(|name| {
                        let mut key = Vec::with_capacity(name.len() + 3);
                        keys_escaped.push(write_json_string(&mut key, name));
                        key.push(b':');
                        (key, self.json_columns.contains(name))
                    })
                    .collect();
                self.shape = Some(RowShape {
                    documents: columns.iter().any(|(_, document)| *document),
                    // As for a dict's keys: only an upper-case letter lets two match ignoring case.
                    keys_may_repeat: header
                        .iter()
                        .any(|name| name.bytes().any(|b| b.is_ascii_uppercase())),
                    keys_escaped,
                    columns,
                    row_number: self.row_number_key.as_ref().map(|name| {
                        let mut key = b",".to_vec();
                        write_json_string(&mut key, name);
                        key.push(b':');
                        key
                    }),
                });
            }
        }
        self.header_read = true;
        Ok(())
    }

    fn take_row(&mut self, out: &mut Target<'_>) -> Result<(), ReadError> {
        let shape = self.shape.as_ref().expect("a header came first");
        let line = self.lines;
        let width = shape.columns.len();
        if self.ends.len() != width {
            let fields = self.ends.len();
            return Err(ReadError::Csv(CsvError {
                line,
                message: format!(
                    "{fields} field{} where the header has {width} (delimiter {:?})",
                    if fields == 1 { "" } else { "s" },
                    char::from(self.delimiter)
                ),
            }));
        }
        let mut texts: Vec<&str> = Vec::with_capacity(width);
        for index in 0..width {
            texts.push(field_text(&self.record, &self.ends, index, line)?);
        }
        let row = self.rows;
        let batch = &mut *out.batch;
        let accepted = if shape.documents {
            let text = row_text(shape, &texts, row + 1, &self.first_header, line)?;
            batch.push_json(&text, out.rules)
        } else {
            batch.begin_row();
            write_row(batch, shape, &texts, row + 1);
            let accepted = batch.finish_row(out.rules, shape.keys_may_repeat);
            if accepted.is_err() {
                batch.abort_row();
            }
            accepted
        };
        accepted.map_err(|error| ReadError::Row { error, row })?;
        if self.infer {
            for (state, text) in self.columns.iter_mut().zip(&texts) {
                state.observe(text);
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The line the reader is on, for an error found outside it (the row's own checks).
    pub fn line(&self) -> u64 {
        self.lines
    }
}

/// Write a row of string fields (and its number) into the batch's row begun, noting its members.
fn write_row(batch: &mut RowBatch, shape: &RowShape, texts: &[&str], number: u64) {
    batch.data.push(b'{');
    for (index, ((key, _), text)) in shape.columns.iter().zip(texts).enumerate() {
        if index > 0 {
            batch.data.push(b',');
        }
        let key_start = batch.data.len() + 1;
        batch.data.extend_from_slice(key);
        let key_end = batch.data.len() - 2; // before `":`
        let value_start = batch.data.len();
        let escaped = write_json_string(&mut batch.data, text);
        batch.fields.push(Field {
            key: key_start..key_end,
            key_escaped: shape.keys_escaped[index],
            value: value_start..batch.data.len(),
            kind: JsonKind::String,
            text_bytes: text.len(),
            escaped,
        });
    }
    if let Some(key) = &shape.row_number {
        let key_start = batch.data.len() + 2; // after `,"`
        batch.data.extend_from_slice(key);
        let key_end = batch.data.len() - 2;
        let value_start = batch.data.len();
        let digits = itoa::Buffer::new().format(number).len();
        batch
            .data
            .extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
        batch.fields.push(Field {
            key: key_start..key_end,
            key_escaped: false,
            value: value_start..batch.data.len(),
            kind: JsonKind::Number,
            text_bytes: digits,
            escaped: false,
        });
    }
    batch.data.push(b'}');
}

/// A row with SUPER fields as JSON text, for the batch to parse: each document checked first, so
/// that a bad one is named by its column and line.
fn row_text(
    shape: &RowShape,
    texts: &[&str],
    number: u64,
    header: &Option<(Vec<String>, String)>,
    line: u64,
) -> Result<Vec<u8>, CsvError> {
    let mut out = Vec::with_capacity(texts.iter().map(|t| t.len() + 8).sum::<usize>() + 16);
    out.push(b'{');
    for (index, ((key, document), text)) in shape.columns.iter().zip(texts).enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key);
        if !*document {
            write_json_string(&mut out, text);
        } else if text.is_empty() {
            out.extend_from_slice(b"null"); // an empty field is NULL, as COPY from CSV reads SUPER
        } else if let Some(problem) = json_value_problem(text) {
            let name = &header.as_ref().expect("a header").0[index];
            return Err(CsvError {
                line,
                message: format!(
                    "column {}: not a JSON value ({problem}); a super column's CSV field holds \
                     JSON, with text in double quotes",
                    python_repr(name)
                ),
            });
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }
    if let Some(key) = &shape.row_number {
        out.extend_from_slice(key);
        out.extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
    }
    out.push(b'}');
    Ok(out)
}

/// `text` as Python's `repr` writes a str (`'id'`, `"it's"`), as rio's Python messages quote names.
fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A list of names as Python's `str(list)` writes it.
fn python_list(names: &[String]) -> String {
    let items: Vec<String> = names.iter().map(|name| python_repr(name)).collect();
    format!("[{}]", items.join(", "))
}

/// Field `index` of a record (its fields one after another, `ends` where each ends) as text, or
/// the error for invalid UTF-8 in it, on `line`.
fn field_text<'a>(
    record: &'a [u8],
    ends: &[usize],
    index: usize,
    line: u64,
) -> Result<&'a str, CsvError> {
    let start = if index == 0 { 0 } else { ends[index - 1] };
    std::str::from_utf8(&record[start..ends[index]]).map_err(|err| CsvError {
        line,
        message: format!(
            "invalid UTF-8 in field {} (at its byte {}); rio reads text as UTF-8",
            index + 1,
            err.valid_up_to()
        ),
    })
}

/// Why `text` is not one JSON value (with the character it goes wrong at), or None when it is.
fn json_value_problem(text: &str) -> Option<String> {
    const PREFIX: &[u8] = b"{\"v\":";
    let mut wrapped = Vec::with_capacity(text.len() + PREFIX.len() + 1);
    wrapped.extend_from_slice(PREFIX);
    wrapped.extend_from_slice(text.as_bytes());
    wrapped.push(b'}');
    let mut out = Vec::with_capacity(wrapped.len());
    let mut fields = Vec::new();
    match compact_object(&wrapped, &mut out, &mut fields) {
        // More than one member: the text closed the value and went on (`1,"b":2`).
        Ok(()) if fields.len() == 1 => None,
        Ok(()) => Some("text follows the value".to_owned()),
        Err(CoreError::InvalidJson { reason, position }) => {
            let at = position.map_or(String::new(), |at| {
                format!(
                    " at character {}",
                    at.saturating_sub(PREFIX.len()).min(text.len()) + 1
                )
            });
            Some(format!("{reason}{at}"))
        }
        Err(other) => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_error(err: ReadError) -> CsvError {
        match err {
            ReadError::Csv(err) => err,
            ReadError::Row { error, row } => panic!("row {row} refused: {error}"),
        }
    }

    fn read(chunks: &[&[u8]]) -> Result<(String, CsvReader), CsvError> {
        let mut reader = CsvReader::new(vec![], None, true);
        reader.start_part("test.csv", b',');
        let (mut batch, rules) = (RowBatch::default(), RowRules::default());
        let mut target = Target {
            batch: &mut batch,
            rules: &rules,
        };
        for chunk in chunks {
            reader.feed(chunk, &mut target).map_err(csv_error)?;
        }
        reader.finish_part(&mut target).map_err(csv_error)?;
        Ok((String::from_utf8(batch.data).unwrap(), reader))
    }

    fn rows(text: &str) -> String {
        read(&[text.as_bytes()]).unwrap().0
    }

    #[test]
    fn records_become_objects_of_strings() {
        assert_eq!(rows("a,b\n1,x\n"), "{\"a\":\"1\",\"b\":\"x\"}\n");
        assert_eq!(
            rows("a,b\r\n1,\r\n\r\n2,y"),
            "{\"a\":\"1\",\"b\":\"\"}\n{\"a\":\"2\",\"b\":\"y\"}\n"
        );
        assert_eq!(rows("\u{feff}a\r1\r"), "{\"a\":\"1\"}\n");
        assert_eq!(
            rows("a,b\n\"x,\"\"y\"\"\nz\",\"\"\n"),
            "{\"a\":\"x,\\\"y\\\"\\nz\",\"b\":\"\"}\n"
        );
        assert_eq!(rows("a\nab\"c\n"), "{\"a\":\"ab\\\"c\"}\n");
    }

    #[test]
    fn any_chunking_reads_the_same() {
        let text = "id,name\r\n1,\"multi\r\nline, \"\"quoted\"\"\"\r\n2,plain\n3,\"\"\n";
        let whole = rows(text);
        let bytes = text.as_bytes();
        for cut in 1..bytes.len() {
            let (split, _) = read(&[&bytes[..cut], &bytes[cut..]]).unwrap();
            assert_eq!(split, whole, "cut at {cut}");
        }
    }

    #[test]
    fn errors_name_their_line() {
        let err = |text: &[u8]| read(&[text]).err().unwrap();
        assert_eq!(err(b"a,b\n1,2\n3\n").line, 3);
        assert_eq!(
            err(b"a,b\n1,2\n3\n").message,
            "1 field where the header has 2 (delimiter ',')"
        );
        assert_eq!(err(b"a,b\n\"x\ny\"z,1\n").line, 3);
        assert!(err(b"a,b\n\"x\ny\"z,1\n")
            .message
            .contains("expected after"));
        assert_eq!(
            err(b"a\n\"open\n").message,
            "malformed CSV: unexpected end of data"
        );
        assert!(err(b"a,,b\n").message.contains("header field 2 is empty"));
        assert!(err(b"a,a\n").message.contains("names column 'a' twice"));
        assert!(err(b"a\n\xff\n").message.contains("invalid UTF-8"));
    }

    #[test]
    fn a_super_columns_field_is_a_json_value() {
        let mut reader = CsvReader::new(vec!["doc".to_owned()], Some("n".to_owned()), false);
        reader.start_part("t.csv", b',');
        let (mut batch, rules) = (RowBatch::default(), RowRules::default());
        let mut target = Target {
            batch: &mut batch,
            rules: &rules,
        };
        reader
            .feed(
                b"id,doc\n1,\"{\"\"a\"\": [1, 2]}\"\n2,\n3,\"\"\"x\"\"\"\n",
                &mut target,
            )
            .unwrap();
        assert_eq!(
            String::from_utf8(batch.data.clone()).unwrap(),
            "{\"id\":\"1\",\"doc\":{\"a\":[1,2]},\"n\":1}\n{\"id\":\"2\",\"doc\":null,\"n\":2}\n\
             {\"id\":\"3\",\"doc\":\"x\",\"n\":3}\n"
        );
        let before = batch.data.len();
        for bad in ["x", "1,\"\"b\"\":2", "{", " "] {
            let mut target = Target {
                batch: &mut batch,
                rules: &rules,
            };
            let text = format!("4,\"{bad}\"\n");
            let err = csv_error(reader.feed(text.as_bytes(), &mut target).unwrap_err());
            assert!(
                err.message.contains("column 'doc': not a JSON value"),
                "{bad}: {err:?}"
            );
            assert_eq!(batch.data.len(), before);
        }
    }

    #[test]
    fn a_field_over_the_limit_is_refused_before_it_is_read_whole() {
        let mut reader = CsvReader::new(vec![], None, false);
        reader.start_part("t.csv", b',');
        let (mut batch, rules) = (RowBatch::default(), RowRules::default());
        let mut target = Target {
            batch: &mut batch,
            rules: &rules,
        };
        reader.feed(b"a\n\"", &mut target).unwrap();
        let chunk = vec![b'x'; 1 << 20];
        let err = (0..=MAX_FIELD_BYTES >> 20)
            .find_map(|_| reader.feed(&chunk, &mut target).err())
            .map(csv_error)
            .expect("refused");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("field larger than field limit"));
    }

    #[test]
    fn inference_sees_every_field() {
        let (_, reader) = read(&[b"n,t\n1,2026-01-01\n2.50,2026-01-01 10:00\n"]).unwrap();
        assert_eq!(reader.columns[0].kind, crate::infer::kind::DECIMAL);
        assert_eq!(reader.columns[1].kind, crate::infer::kind::TIMESTAMP);
        assert_eq!(reader.rows, 2);
    }
}
