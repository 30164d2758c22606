//! A batch of accepted rows on their way into the packer: compact NDJSON plus what each row holds.
//!
//! Rows are encoded and checked here, outside the packer's lock; the packer then only copies
//! bytes and adds up statistics. A row that fails a check leaves the batch as it was.

use std::borrow::Cow;
use std::ops::Range;

use crate::columns::{check_value, Columns, Verdict};
use crate::error::CoreError;
use crate::json::{compact_object, short_eq, unescape, write_json_string, Field, JsonKind};
use crate::types::engine::FormatExt;
use crate::types::{timestamp, Conversion, SqlType, Value};

/// What the packer checks every row against.
#[derive(Clone, Debug, Default)]
pub struct RowRules {
    /// The destination's columns, when known.
    pub columns: Option<Columns>,
    /// The data timestamp column, lower case.
    pub timestamp_key: Option<String>,
    /// COPY's data-conversion options of the load the rows are for.
    pub conversion: Conversion,
}

/// Where one row of a batch ends and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowMeta {
    /// The end of the row in `data`, after its newline.
    pub end: usize,
    /// The data timestamp (microseconds since 1970, wall clock), when the row has one.
    pub timestamp: Option<i64>,
    /// The row's top-level members in `fields`.
    pub fields: Range<usize>,
}

#[derive(Debug, Default)]
pub struct RowBatch {
    /// The accepted rows, each compact JSON and a newline.
    pub data: Vec<u8>,
    pub rows: Vec<RowMeta>,
    pub fields: Vec<Field>,
    row_start: usize,
    fields_start: usize,
    rewrite: Vec<u8>,
    /// Which columns the row being checked holds a key for.
    seen: Vec<bool>,
    /// The column each position's key matched last time.
    column_hints: PositionHints,
}

/// For each position in a row, what the key there matched last time (a column, a key's statistics):
/// rows mostly share a layout, so a guess checked against the key saves folding it and a hash lookup.
#[derive(Clone, Debug, Default)]
pub struct PositionHints(Vec<usize>);

impl PositionHints {
    pub fn get(&self, position: usize) -> Option<usize> {
        self.0
            .get(position)
            .copied()
            .filter(|&index| index != usize::MAX)
    }

    pub fn set(&mut self, position: usize, index: usize) {
        if position >= self.0.len() {
            self.0.resize(position + 1, usize::MAX);
        }
        self.0[position] = index;
    }
}

/// The key of a field as matched against columns: unescaped, ASCII letters in lower case.
pub fn folded_key<'a>(data: &'a [u8], field: &Field) -> Cow<'a, [u8]> {
    let raw = &data[field.key.clone()];
    if field.key_escaped {
        let mut key = unescape(raw);
        key.make_ascii_lowercase();
        Cow::Owned(key)
    } else if raw.iter().any(u8::is_ascii_uppercase) {
        Cow::Owned(raw.to_ascii_lowercase())
    } else {
        Cow::Borrowed(raw)
    }
}

impl RowBatch {
    pub fn clear(&mut self) {
        self.data.clear();
        self.rows.clear();
        self.fields.clear();
        self.row_start = 0;
        self.fields_start = 0;
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The bytes of row `index` (without its newline), and its length with the newline.
    pub fn row(&self, index: usize) -> &[u8] {
        let start = if index == 0 {
            0
        } else {
            self.rows[index - 1].end
        };
        &self.data[start..self.rows[index].end - 1]
    }

    /// Start a row; encoders then append its compact JSON to `data` and its members to `fields`.
    pub fn begin_row(&mut self) {
        self.row_start = self.data.len();
        self.fields_start = self.fields.len();
    }

    /// Forget the row being built.
    pub fn abort_row(&mut self) {
        self.data.truncate(self.row_start);
        self.fields.truncate(self.fields_start);
    }

    /// Add a row given as JSON text; on error the batch is as it was.
    pub fn push_json(&mut self, input: &[u8], rules: &RowRules) -> Result<(), CoreError> {
        self.begin_row();
        let result = compact_object(input, &mut self.data, &mut self.fields)
            .and_then(|()| self.finish_row(rules, true));
        if result.is_err() {
            self.abort_row();
        }
        result
    }

    /// Check the row being built against the rules and accept it; on error the caller aborts it.
    ///
    /// `keys_may_repeat` is false only when the keys are known to differ even ignoring case (a
    /// dict's keys with no upper-case letter), which spares the check for repeats.
    pub fn finish_row(&mut self, rules: &RowRules, keys_may_repeat: bool) -> Result<(), CoreError> {
        let fields = self.fields_start..self.fields.len();
        if keys_may_repeat {
            self.check_duplicate_keys(fields.clone())?;
        }
        let mut truncations: Vec<(usize, usize)> = Vec::new();
        if let Some(columns) = &rules.columns {
            self.seen.clear();
            self.seen.resize(columns.len(), false);
            for (position, index) in fields.clone().enumerate() {
                let field = &self.fields[index];
                let raw = &self.data[field.key.clone()];
                let hinted = self.column_hints.get(position).filter(|&hint| {
                    !field.key_escaped
                        && hint < columns.len()
                        && short_eq(columns.folded_name(hint), raw)
                });
                let found = hinted.or_else(|| columns.find(&folded_key(&self.data, field)));
                let Some(column) = found else {
                    continue;
                };
                if hinted.is_none() {
                    self.column_hints.set(position, column);
                }
                self.seen[column] = true;
                let spec = columns.spec(column);
                if let Verdict::Truncate(cut) =
                    check_value(spec, &rules.conversion, &self.data, field)?
                {
                    truncations.push((index, cut));
                }
            }
            if let Some(missing) = columns
                .specs()
                .iter()
                .zip(&self.seen)
                .find(|(spec, seen)| spec.not_null && !**seen)
            {
                return Err(CoreError::column(
                    &missing.0.name,
                    b"(missing)",
                    "the row has no such key, so COPY would load NULL, and the column is NOT NULL",
                ));
            }
        }
        let timestamp = match &rules.timestamp_key {
            Some(key) => self.data_timestamp(fields.clone(), key, rules)?,
            None => None,
        };
        if !truncations.is_empty() {
            self.rewrite_with_truncations(fields.clone(), &truncations);
        }
        self.data.push(b'\n');
        self.rows.push(RowMeta {
            end: self.data.len(),
            timestamp,
            fields,
        });
        Ok(())
    }

    /// Keys match columns case-insensitively, so `{"a":1,"A":2}` is as ambiguous as `{"a":1,"a":2}`.
    fn check_duplicate_keys(&self, fields: Range<usize>) -> Result<(), CoreError> {
        let members = &self.fields[fields];
        for (i, first) in members.iter().enumerate() {
            for second in &members[i + 1..] {
                let (a, b) = (
                    &self.data[first.key.clone()],
                    &self.data[second.key.clone()],
                );
                let same = if first.key_escaped || second.key_escaped {
                    folded_key(&self.data, first) == folded_key(&self.data, second)
                } else {
                    a.eq_ignore_ascii_case(b)
                };
                if same {
                    // The key names the place well enough; a dict row has no byte positions.
                    let shown = if second.key_escaped {
                        unescape(b)
                    } else {
                        b.to_vec()
                    };
                    return Err(CoreError::InvalidJson {
                        reason: format!(
                            "the key {:?} appears twice (keys match columns case-insensitively)",
                            String::from_utf8_lossy(&shown)
                        ),
                        position: None,
                    });
                }
            }
        }
        Ok(())
    }

    /// The row's data timestamp, as its column loads it: the wall clock of a `timestamp`, the
    /// instant in UTC of a `timestamptz`. A NULL (or blank) one dates nothing.
    fn data_timestamp(
        &self,
        fields: Range<usize>,
        key: &str,
        rules: &RowRules,
    ) -> Result<Option<i64>, CoreError> {
        let found = self.fields[fields]
            .iter()
            .find(|field| folded_key(&self.data, field).as_ref() == key.as_bytes());
        let Some(field) = found else {
            return Ok(None);
        };
        let value = Value::of(&self.data, field);
        if value.kind == JsonKind::Null || value.is_blank() {
            return Ok(None);
        }
        let tz = rules.columns.as_ref().is_some_and(|columns| {
            columns
                .find(key.as_bytes())
                .is_some_and(|index| columns.spec(index).kind == SqlType::TimestampTz)
        });
        let format = &rules.conversion.time_format;
        if let Some(micros) = timestamp::instant(tz, &value, format) {
            return Ok(Some(micros));
        }
        let why = match value.kind {
            JsonKind::String if !format.is_epoch() => format!(
                "the data timestamp is not a timestamp TIMEFORMAT '{}' reads (such as \
                 2026-11-21T10:15:00Z)",
                format.name()
            ),
            kind if !format.is_epoch() => format!(
                "the data timestamp must be a string such as \"2026-11-21T10:15:00Z\", not a {}",
                kind.name()
            ),
            _ => format!(
                "the data timestamp is not a number of {} since 1970 in the years 1 to 9999 \
                 (TIMEFORMAT '{}')",
                if *format == crate::types::engine::DateTimeFormat::EpochSecs {
                    "seconds"
                } else {
                    "milliseconds"
                },
                format.name()
            ),
        };
        Err(CoreError::column(key, value.raw, why))
    }

    /// Write the row again with each long text value cut at a character boundary.
    #[cold]
    fn rewrite_with_truncations(&mut self, fields: Range<usize>, truncations: &[(usize, usize)]) {
        let mut out = std::mem::take(&mut self.rewrite);
        out.clear();
        out.push(b'{');
        for index in fields.clone() {
            let field = self.fields[index].clone();
            if index > fields.start {
                out.push(b',');
            }
            let key_start = out.len() + 1;
            out.push(b'"');
            out.extend_from_slice(&self.data[field.key.clone()]);
            out.push(b'"');
            let key = key_start..out.len() - 1;
            out.push(b':');
            let value_start = out.len();
            let (text_bytes, escaped, kind) = match truncations.iter().find(|(i, _)| *i == index) {
                Some(&(_, cut)) => {
                    let text = Value::of(&self.data, &field).text().into_owned();
                    let text = String::from_utf8_lossy(&text[..cut]).into_owned();
                    let escaped = write_json_string(&mut out, &text);
                    (cut, escaped, JsonKind::String)
                }
                None => {
                    out.extend_from_slice(&self.data[field.value.clone()]);
                    (field.text_bytes, field.escaped, field.kind)
                }
            };
            let shift = self.row_start;
            self.fields[index] = Field {
                key: key.start + shift..key.end + shift,
                key_escaped: field.key_escaped,
                value: value_start + shift..out.len() + shift,
                kind,
                text_bytes,
                escaped,
            };
        }
        out.push(b'}');
        self.data.truncate(self.row_start);
        self.data.extend_from_slice(&out);
        self.rewrite = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::ColumnSpec;
    use crate::timefmt;
    use crate::types::engine::DateTimeFormat;
    use crate::types::Dialect;

    fn rules(columns: &[(&str, &str, bool)], truncate_columns: bool) -> RowRules {
        let specs = columns
            .iter()
            .map(|(name, kind, not_null)| ColumnSpec {
                name: (*name).to_owned(),
                kind: SqlType::parse(kind, Dialect::Config).unwrap(),
                not_null: *not_null,
            })
            .collect();
        RowRules {
            columns: Some(Columns::new(specs).unwrap()),
            timestamp_key: Some("ts".to_owned()),
            conversion: Conversion {
                truncate_columns,
                ..Conversion::default()
            },
        }
    }

    #[test]
    fn accepted_rows_are_compact_lines_with_their_timestamp() {
        let mut batch = RowBatch::default();
        let rules = RowRules {
            columns: None,
            timestamp_key: Some("ts".to_owned()),
            conversion: Conversion::default(),
        };
        batch
            .push_json(b"{ \"TS\" : \"2026-11-21 10:15:00\" }", &rules)
            .unwrap();
        batch.push_json(b"{\"x\":1}", &rules).unwrap();
        assert_eq!(batch.data, b"{\"TS\":\"2026-11-21 10:15:00\"}\n{\"x\":1}\n");
        assert_eq!(
            batch.rows[0].timestamp,
            timefmt::parse_timestamp(b"2026-11-21 10:15:00", &timefmt::DateTimeFormat::Auto)
                .map(|moment| moment.micros)
        );
        assert_eq!(batch.rows[1].timestamp, None);
        assert_eq!(batch.row(1), b"{\"x\":1}");
    }

    #[test]
    fn a_rejected_row_leaves_the_batch_untouched() {
        let mut batch = RowBatch::default();
        let rules = rules(&[("id", "int", true)], false);
        batch.push_json(b"{\"id\":1}", &rules).unwrap();
        let before = batch.data.clone();
        assert!(batch.push_json(b"{\"id\":\"x\"}", &rules).is_err());
        assert!(batch.push_json(b"{\"other\":1}", &rules).is_err());
        assert!(batch.push_json(b"[1]", &rules).is_err());
        assert_eq!(batch.data, before);
        assert_eq!(batch.len(), 1);
        assert_eq!(batch.fields.len(), 1);
    }

    #[test]
    fn missing_not_null_columns_are_refused() {
        let mut batch = RowBatch::default();
        let rules = rules(&[("id", "int", true)], false);
        let err = batch.push_json(b"{\"ID2\":1}", &rules).unwrap_err();
        assert!(err
            .to_string()
            .contains("column \"id\": the row has no such key"));
    }

    #[test]
    fn duplicate_keys_are_refused_case_insensitively() {
        let mut batch = RowBatch::default();
        let rules = RowRules::default();
        for bad in [
            &b"{\"a\":1,\"a\":2}"[..],
            b"{\"a\":1,\"A\":2}",
            b"{\"a\":1,\"\\u0041\":2}",
        ] {
            let err = batch.push_json(bad, &rules).unwrap_err();
            assert!(err.to_string().contains("appears twice"), "{err}");
        }
        batch
            .push_json(b"{\"a\":{\"a\":1,\"b\":{\"a\":2}}}", &rules)
            .unwrap();
    }

    #[test]
    fn a_bad_data_timestamp_is_refused_even_without_columns() {
        let mut batch = RowBatch::default();
        let rules = RowRules {
            columns: None,
            timestamp_key: Some("ts".to_owned()),
            conversion: Conversion::default(),
        };
        let err = batch.push_json(b"{\"ts\":\"soon\"}", &rules).unwrap_err();
        assert!(err
            .to_string()
            .contains("the data timestamp is not a timestamp"));
        assert!(batch.push_json(b"{\"ts\":1}", &rules).is_err());
        batch.push_json(b"{\"ts\":null}", &rules).unwrap();
        batch.push_json(b"{\"ts\":\"\"}", &rules).unwrap();
    }

    #[test]
    fn long_text_is_truncated_at_a_character_boundary_when_asked() {
        let mut batch = RowBatch::default();
        let rules = rules(&[("t", "text", false)], true);
        let long = format!("{{\"n\":1,\"t\":\"a\\n{}\",\"z\":[1]}}", "é".repeat(200));
        batch.push_json(long.as_bytes(), &rules).unwrap();
        let row = std::str::from_utf8(batch.row(0)).unwrap();
        let expected = format!("{{\"n\":1,\"t\":\"a\\n{}\",\"z\":[1]}}", "é".repeat(127));
        assert_eq!(row, expected);
        let t = &batch.fields[1];
        assert_eq!(t.text_bytes, 256);
        assert_eq!(&batch.data[t.key.clone()], b"t");
        assert_eq!(&batch.data[batch.fields[2].value.clone()], b"[1]");
    }

    #[test]
    fn the_data_timestamp_follows_its_column_type_and_the_time_format() {
        let mut batch = RowBatch::default();
        let plain = rules(&[("ts", "timestamp", false)], false);
        batch
            .push_json(b"{\"ts\":\"2026-11-21T10:15:00+02:00\"}", &plain)
            .unwrap();
        let zoned = rules(&[("ts", "timestamptz", false)], false);
        batch
            .push_json(b"{\"ts\":\"2026-11-21T10:15:00+02:00\"}", &zoned)
            .unwrap();
        assert_eq!(
            batch.rows[0].timestamp,
            timefmt::parse_timestamp(b"2026-11-21 10:15:00", &timefmt::DateTimeFormat::Auto)
                .map(|moment| moment.micros)
        );
        assert_eq!(
            batch.rows[1].timestamp,
            timefmt::parse_timestamp(b"2026-11-21 08:15:00", &timefmt::DateTimeFormat::Auto)
                .map(|moment| moment.micros)
        );
        let epoch = RowRules {
            columns: None,
            timestamp_key: Some("ts".to_owned()),
            conversion: Conversion {
                time_format: DateTimeFormat::EpochSecs,
                ..Conversion::default()
            },
        };
        batch.push_json(b"{\"ts\":1700000000}", &epoch).unwrap();
        assert_eq!(batch.rows[2].timestamp, Some(1_700_000_000_000_000));
        let err = batch
            .push_json(b"{\"ts\":\"2026-11-21\"}", &epoch)
            .unwrap_err();
        assert!(err
            .to_string()
            .contains("not a number of seconds since 1970"));
        batch.push_json(b"{\"ts\":\" \"}", &epoch).unwrap();
        assert_eq!(batch.rows[3].timestamp, None);
    }
}
