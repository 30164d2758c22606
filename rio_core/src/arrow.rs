//! Decoded rows as Arrow record batches, for a warehouse that reads Arrow (DuckDB) instead of a
//! bulk-load text: the decoder's framed values (`decode::Output::Columns`, each its canonical text)
//! become one column per table column, typed where Arrow has the type (integers, floats, booleans,
//! decimals, dates, timestamps) so the warehouse stores them without parsing, and UTF-8 text
//! otherwise (character types, SUPER's JSON, times), which it casts as it would a CSV field.
//!
//! A [`BatchQueue`] is an ordered stream of batches fed by several writers at once: writer `i`
//! fills slot `i` (one data file), and the reader takes slot 0's batches, then slot 1's, and so on,
//! so rows arrive in the manifest's order while later files are decoded ahead. Each slot holds at
//! most `depth` batches: a writer ahead of the reader waits, which bounds memory whatever the size of
//! the load. [`BatchQueue::fail`] ends the stream with an error for the reader and every writer.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder, Float64Builder,
    Int16Builder, Int32Builder, Int64Builder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch, RecordBatchReader, StringArray};
use arrow_buffer::{BooleanBufferBuilder, NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::decode::canonical::{clock, date, integer, text, unscaled};
use crate::decode::NULL_LENGTH;
use crate::types::SqlType;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A batch is cut once its values reach this many bytes, so that one chunk that inflates to a lot
/// of rows (a gzip bomb is 1000:1) never makes a column beyond Arrow's 2 GB of 32-bit offsets, and
/// the batches waiting in a queue stay a few MB each.
pub const BATCH_BYTES: usize = 8 << 20;

/// Framed values that do not divide into rows of the table's columns.
#[derive(Debug, thiserror::Error)]
#[error("framed values end inside a row: {0}")]
pub struct BrokenFrame(&'static str);

/// Gather the framed rows in `data` into batches of `schema`'s UTF-8 columns.
pub fn batches_of(schema: &SchemaRef, data: &[u8]) -> Result<Vec<RecordBatch>, BrokenFrame> {
    let mut batches = Vec::new();
    let mut builders: Vec<ColumnBuilder> = schema
        .fields()
        .iter()
        .map(|field| ColumnBuilder::of(field.data_type()))
        .collect();
    let mut at = 0;
    let mut bytes = 0;
    while at < data.len() {
        for builder in &mut builders {
            let header = data
                .get(at..at + 4)
                .ok_or(BrokenFrame("a length is cut short"))?;
            let length = u32::from_le_bytes(header.try_into().expect("four bytes"));
            at += 4;
            if length == NULL_LENGTH {
                builder.push_null();
                continue;
            }
            let end = at + length as usize;
            let value = data
                .get(at..end)
                .ok_or(BrokenFrame("a value is cut short"))?;
            builder.push(value);
            bytes += value.len();
            at = end;
        }
        if bytes >= BATCH_BYTES {
            batches.push(finish(schema, &mut builders));
            bytes = 0;
        }
    }
    if builders.first().is_some_and(|builder| builder.rows() > 0) {
        batches.push(finish(schema, &mut builders));
    }
    Ok(batches)
}

fn finish(schema: &SchemaRef, builders: &mut [ColumnBuilder]) -> RecordBatch {
    let arrays: Vec<ArrayRef> = builders.iter_mut().map(ColumnBuilder::finish).collect();
    RecordBatch::try_new(schema.clone(), arrays).expect("columns of the schema, of equal length")
}

/// One column being filled from canonical text.
enum ColumnBuilder {
    Text(TextBuilder),
    SmallInt(Int16Builder),
    Integer(Int32Builder),
    BigInt(Int64Builder),
    Real(Float32Builder),
    Double(Float64Builder),
    Boolean(BooleanBuilder),
    Decimal(Decimal128Builder),
    Date(Date32Builder),
    Timestamp(TimestampMicrosecondBuilder),
}

impl ColumnBuilder {
    fn of(data_type: &DataType) -> Self {
        match data_type {
            DataType::Int16 => ColumnBuilder::SmallInt(Int16Builder::new()),
            DataType::Int32 => ColumnBuilder::Integer(Int32Builder::new()),
            DataType::Int64 => ColumnBuilder::BigInt(Int64Builder::new()),
            DataType::Float32 => ColumnBuilder::Real(Float32Builder::new()),
            DataType::Float64 => ColumnBuilder::Double(Float64Builder::new()),
            DataType::Boolean => ColumnBuilder::Boolean(BooleanBuilder::new()),
            DataType::Decimal128(precision, scale) => ColumnBuilder::Decimal(
                Decimal128Builder::new()
                    .with_precision_and_scale(*precision, *scale)
                    .expect("a precision and scale Redshift allows"),
            ),
            DataType::Date32 => ColumnBuilder::Date(Date32Builder::new()),
            DataType::Timestamp(_, zone) => ColumnBuilder::Timestamp(
                TimestampMicrosecondBuilder::new().with_timezone_opt(zone.clone()),
            ),
            _ => ColumnBuilder::Text(TextBuilder::default()),
        }
    }

    fn rows(&self) -> usize {
        match self {
            ColumnBuilder::Text(b) => b.rows(),
            ColumnBuilder::SmallInt(b) => b.len(),
            ColumnBuilder::Integer(b) => b.len(),
            ColumnBuilder::BigInt(b) => b.len(),
            ColumnBuilder::Real(b) => b.len(),
            ColumnBuilder::Double(b) => b.len(),
            ColumnBuilder::Boolean(b) => b.len(),
            ColumnBuilder::Decimal(b) => b.len(),
            ColumnBuilder::Date(b) => b.len(),
            ColumnBuilder::Timestamp(b) => b.len(),
        }
    }

    /// A value's canonical text, as the converter wrote it for the column's type.
    fn push(&mut self, value: &[u8]) {
        match self {
            ColumnBuilder::Text(b) => b.push(value),
            ColumnBuilder::SmallInt(b) => b.append_value(integer(value) as i16),
            ColumnBuilder::Integer(b) => b.append_value(integer(value) as i32),
            ColumnBuilder::BigInt(b) => b.append_value(integer(value)),
            ColumnBuilder::Real(b) => b.append_value(text(value).parse().expect("ryu's f32")),
            ColumnBuilder::Double(b) => b.append_value(text(value).parse().expect("ryu's f64")),
            ColumnBuilder::Boolean(b) => b.append_value(value == b"t"),
            ColumnBuilder::Decimal(b) => b.append_value(unscaled(value)),
            ColumnBuilder::Date(b) => b.append_value(date(value) as i32),
            ColumnBuilder::Timestamp(b) => {
                // `YYYY-MM-DD HH:MM:SS[.ffffff]`, with `+00` for timestamptz (always UTC).
                b.append_value(date(&value[..10]) * MICROS_PER_DAY + clock(&value[11..]).0)
            }
        }
    }

    fn push_null(&mut self) {
        match self {
            ColumnBuilder::Text(b) => b.push_null(),
            ColumnBuilder::SmallInt(b) => b.append_null(),
            ColumnBuilder::Integer(b) => b.append_null(),
            ColumnBuilder::BigInt(b) => b.append_null(),
            ColumnBuilder::Real(b) => b.append_null(),
            ColumnBuilder::Double(b) => b.append_null(),
            ColumnBuilder::Boolean(b) => b.append_null(),
            ColumnBuilder::Decimal(b) => b.append_null(),
            ColumnBuilder::Date(b) => b.append_null(),
            ColumnBuilder::Timestamp(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Text(b) => Arc::new(std::mem::take(b).finish()),
            ColumnBuilder::SmallInt(b) => Arc::new(b.finish()),
            ColumnBuilder::Integer(b) => Arc::new(b.finish()),
            ColumnBuilder::BigInt(b) => Arc::new(b.finish()),
            ColumnBuilder::Real(b) => Arc::new(b.finish()),
            ColumnBuilder::Double(b) => Arc::new(b.finish()),
            ColumnBuilder::Boolean(b) => Arc::new(b.finish()),
            ColumnBuilder::Decimal(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Timestamp(b) => Arc::new(b.finish()),
        }
    }
}

/// One UTF-8 column being filled: the decoder wrote only valid UTF-8 (it rejects, or replaces with
/// ACCEPTINVCHARS, anything else), which `finish` checks once over the whole buffer.
#[derive(Default)]
struct TextBuilder {
    values: Vec<u8>,
    offsets: Vec<i32>,
    valid: Option<BooleanBufferBuilder>,
}

impl TextBuilder {
    fn rows(&self) -> usize {
        self.offsets.len()
    }

    fn push(&mut self, value: &[u8]) {
        if self.offsets.is_empty() {
            self.offsets.reserve(4096);
        }
        self.values.extend_from_slice(value);
        // Below BATCH_BYTES plus one row of at most 4 MB: far inside i32.
        self.offsets.push(self.values.len() as i32);
        if let Some(valid) = &mut self.valid {
            valid.append(true);
        }
    }

    fn push_null(&mut self) {
        let rows = self.rows();
        let valid = self.valid.get_or_insert_with(|| {
            let mut valid = BooleanBufferBuilder::new(rows.max(1024));
            valid.append_n(rows, true);
            valid
        });
        valid.append(false);
        self.offsets.push(self.values.len() as i32);
    }

    fn finish(self) -> StringArray {
        let mut offsets = Vec::with_capacity(self.offsets.len() + 1);
        offsets.push(0);
        offsets.extend_from_slice(&self.offsets);
        let offsets = OffsetBuffer::new(ScalarBuffer::from(offsets));
        let nulls = self.valid.map(|mut valid| NullBuffer::new(valid.finish()));
        StringArray::try_new(offsets, self.values.into(), nulls)
            .expect("the decoder writes UTF-8 only, framed within its offsets")
    }
}

/// The schema of the batches for a table's `columns`, each typed as [`arrow_type`] says.
pub fn schema_of(columns: &[(String, SqlType)]) -> SchemaRef {
    Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, column_type)| Field::new(name, arrow_type(*column_type), true))
            .collect::<Vec<_>>(),
    ))
}

/// The schema of the batches for `columns` all as text.
pub fn text_schema(columns: &[String]) -> SchemaRef {
    let columns: Vec<(String, SqlType)> = columns
        .iter()
        .map(|name| (name.clone(), SqlType::Text))
        .collect();
    schema_of(&columns)
}

/// The Arrow type a column of `column_type` is handed over in: the type itself where Arrow has
/// it, else UTF-8 text (character types, SUPER's JSON text, and times, whose 24:00:00 Arrow's
/// time type does not hold).
pub fn arrow_type(column_type: SqlType) -> DataType {
    match column_type {
        SqlType::SmallInt => DataType::Int16,
        SqlType::Integer => DataType::Int32,
        SqlType::BigInt => DataType::Int64,
        SqlType::Real => DataType::Float32,
        SqlType::Double => DataType::Float64,
        SqlType::Boolean => DataType::Boolean,
        SqlType::Numeric { precision, scale } => DataType::Decimal128(precision, scale as i8),
        SqlType::Date => DataType::Date32,
        SqlType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        SqlType::TimestampTz => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        SqlType::Char(_)
        | SqlType::Varchar(_)
        | SqlType::Text
        | SqlType::Super
        | SqlType::Time
        | SqlType::TimeTz => DataType::Utf8,
    }
}

#[derive(Default)]
struct Slots {
    batches: Vec<VecDeque<RecordBatch>>,
    closed: Vec<bool>,
    /// The slot the reader takes from.
    reading: usize,
    failure: Option<String>,
}

/// An ordered stream of batches from several writers (see the module's documentation).
pub struct BatchQueue {
    schema: SchemaRef,
    depth: usize,
    slots: Mutex<Slots>,
    changed: Condvar,
}

/// What a writer is told when the stream has failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StreamFailed(pub String);

impl BatchQueue {
    pub fn new(schema: SchemaRef, writers: usize, depth: usize) -> Self {
        BatchQueue {
            schema,
            depth: depth.max(1),
            slots: Mutex::new(Slots {
                batches: (0..writers).map(|_| VecDeque::new()).collect(),
                closed: vec![false; writers],
                ..Slots::default()
            }),
            changed: Condvar::new(),
        }
    }

    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub fn writers(&self) -> usize {
        self.lock().closed.len()
    }

    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Add a batch to slot `index`, waiting at most `wait` for room. `Ok(false)`: no room yet.
    pub fn put(
        &self,
        index: usize,
        batch: &mut Option<RecordBatch>,
        wait: Duration,
    ) -> Result<bool, StreamFailed> {
        let mut slots = self.lock();
        loop {
            if let Some(failure) = &slots.failure {
                return Err(StreamFailed(failure.clone()));
            }
            if slots.closed[index] {
                return Err(StreamFailed(format!("writer {index} is already closed")));
            }
            if slots.batches[index].len() < self.depth {
                if let Some(batch) = batch.take() {
                    slots.batches[index].push_back(batch);
                    self.changed.notify_all();
                }
                return Ok(true);
            }
            let (next, timeout) = self
                .changed
                .wait_timeout(slots, wait)
                .unwrap_or_else(PoisonError::into_inner);
            slots = next;
            if timeout.timed_out() {
                return Ok(false);
            }
        }
    }

    /// Slot `index` has all its batches.
    pub fn close(&self, index: usize) {
        let mut slots = self.lock();
        slots.closed[index] = true;
        self.changed.notify_all();
    }

    /// End the stream with `message` for the reader and every writer; the first failure stays.
    pub fn fail(&self, message: String) {
        let mut slots = self.lock();
        if slots.failure.is_none() {
            slots.failure = Some(message);
        }
        slots.batches.iter_mut().for_each(VecDeque::clear);
        self.changed.notify_all();
    }

    /// The next batch in order, waiting for its writer; `None` once every slot is closed and read.
    pub fn next_batch(&self) -> Result<Option<RecordBatch>, StreamFailed> {
        let mut slots = self.lock();
        loop {
            if let Some(failure) = &slots.failure {
                return Err(StreamFailed(failure.clone()));
            }
            let reading = slots.reading;
            if reading == slots.closed.len() {
                return Ok(None);
            }
            if let Some(batch) = slots.batches[reading].pop_front() {
                self.changed.notify_all();
                return Ok(Some(batch));
            }
            if slots.closed[reading] {
                slots.reading += 1;
                self.changed.notify_all();
                continue;
            }
            slots = self
                .changed
                .wait(slots)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A queue's batches as an Arrow `RecordBatchReader` (the C stream interface's producer side).
pub struct QueueReader(pub Arc<BatchQueue>);

impl Iterator for QueueReader {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0
            .next_batch()
            .map_err(|failed| ArrowError::ExternalError(Box::new(failed)))
            .transpose()
    }
}

impl RecordBatchReader for QueueReader {
    fn schema(&self) -> SchemaRef {
        self.0.schema.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;

    fn framed(rows: &[&[Option<&str>]]) -> Vec<u8> {
        let mut out = Vec::new();
        for row in rows {
            for value in *row {
                match value {
                    Some(text) => {
                        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
                        out.extend_from_slice(text.as_bytes());
                    }
                    None => out.extend_from_slice(&NULL_LENGTH.to_le_bytes()),
                }
            }
        }
        out
    }

    #[test]
    fn framed_rows_become_columns_with_nulls() {
        let schema = text_schema(&["a".to_owned(), "b".to_owned()]);
        let data = framed(&[&[Some("1"), None], &[Some(""), Some("é")]]);
        let batches = batches_of(&schema, &data).unwrap();
        assert_eq!(batches.len(), 1);
        let a = batches[0]
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        let b = batches[0]
            .column(1)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        assert_eq!((a.value(0), a.value(1), a.null_count()), ("1", "", 0));
        assert!(b.is_null(0));
        assert_eq!(b.value(1), "é");
    }

    #[test]
    fn canonical_text_becomes_typed_columns() {
        use arrow_array::cast::AsArray;
        use arrow_array::types::{
            Date32Type, Decimal128Type, Float64Type, Int16Type, TimestampMicrosecondType,
        };
        let columns = [
            ("s", SqlType::SmallInt),
            ("d", SqlType::Double),
            ("b", SqlType::Boolean),
            (
                "n",
                SqlType::Numeric {
                    precision: 12,
                    scale: 2,
                },
            ),
            ("day", SqlType::Date),
            ("at", SqlType::TimestampTz),
            ("t", SqlType::Time),
        ]
        .map(|(name, kind)| (name.to_owned(), kind));
        let schema = schema_of(&columns);
        assert_eq!(schema.field(3).data_type(), &DataType::Decimal128(12, 2));
        assert_eq!(schema.field(6).data_type(), &DataType::Utf8);
        let data = framed(&[
            &[
                Some("-32768"),
                Some("-2.5e-300"),
                Some("t"),
                Some("-1234567890.05"),
                Some("0001-01-01"),
                Some("1999-12-31 23:59:59.999999+00"),
                Some("24:00:00"),
            ],
            &[None, None, Some("f"), None, None, None, None],
        ]);
        let batch = batches_of(&schema, &data).unwrap().pop().unwrap();
        assert_eq!(batch.column(0).as_primitive::<Int16Type>().value(0), -32768);
        assert_eq!(
            batch.column(1).as_primitive::<Float64Type>().value(0),
            -2.5e-300
        );
        let flags = batch.column(2).as_boolean();
        assert!(flags.value(0) && !flags.value(1));
        assert_eq!(
            batch.column(3).as_primitive::<Decimal128Type>().value(0),
            -123_456_789_005
        );
        assert_eq!(
            batch.column(4).as_primitive::<Date32Type>().value(0),
            -719_162
        );
        let at = batch.column(5).as_primitive::<TimestampMicrosecondType>();
        assert_eq!(at.value(0), 946_684_799_999_999);
        assert!(at.is_null(1) && batch.column(1).is_null(1));
    }

    #[test]
    fn a_frame_cut_short_is_an_error() {
        let schema = text_schema(&["a".to_owned(), "b".to_owned()]);
        let data = framed(&[&[Some("1"), Some("2")]]);
        assert!(batches_of(&schema, &data[..data.len() - 1]).is_err());
        assert!(batches_of(&schema, &data[..6]).is_err());
    }

    #[test]
    fn big_input_is_cut_into_batches() {
        let schema = text_schema(&["a".to_owned()]);
        let value = "x".repeat(1 << 20);
        let rows: Vec<[Option<&str>; 1]> = (0..20).map(|_| [Some(value.as_str())]).collect();
        let refs: Vec<&[Option<&str>]> = rows.iter().map(|row| &row[..]).collect();
        let batches = batches_of(&schema, &framed(&refs)).unwrap();
        assert_eq!(batches.len(), 3);
        assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 20);
    }

    fn batch(schema: &SchemaRef, text: &str) -> Option<RecordBatch> {
        let data = framed(&[&[Some(text)]]);
        batches_of(schema, &data).unwrap().pop()
    }

    fn text(batch: &RecordBatch) -> String {
        let column = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        column.value(0).to_owned()
    }

    #[test]
    fn the_reader_takes_slots_in_order_whatever_order_they_are_written_in() {
        let schema = text_schema(&["a".to_owned()]);
        let queue = Arc::new(BatchQueue::new(schema.clone(), 2, 2));
        let wait = Duration::from_millis(10);
        assert!(queue.put(1, &mut batch(&schema, "1a"), wait).unwrap());
        queue.close(1);
        assert!(queue.put(0, &mut batch(&schema, "0a"), wait).unwrap());
        assert!(queue.put(0, &mut batch(&schema, "0b"), wait).unwrap());
        queue.close(0);
        let read: Vec<String> = QueueReader(queue).map(|b| text(&b.unwrap())).collect();
        assert_eq!(read, ["0a", "0b", "1a"]);
    }

    #[test]
    fn a_writer_ahead_of_the_reader_waits_for_room() {
        let schema = text_schema(&["a".to_owned()]);
        let queue = BatchQueue::new(schema.clone(), 2, 1);
        let wait = Duration::from_millis(10);
        assert!(queue.put(1, &mut batch(&schema, "1a"), wait).unwrap());
        let mut second = batch(&schema, "1b");
        assert!(!queue.put(1, &mut second, wait).unwrap());
        assert!(
            second.is_some(),
            "a batch without room stays with its writer"
        );
        assert!(queue.put(0, &mut batch(&schema, "0a"), wait).unwrap());
        queue.close(0);
        assert_eq!(text(&queue.next_batch().unwrap().unwrap()), "0a");
        assert_eq!(text(&queue.next_batch().unwrap().unwrap()), "1a");
        assert!(
            queue.put(1, &mut second, wait).unwrap(),
            "room once the reader took one"
        );
    }

    #[test]
    fn a_failure_reaches_the_reader_and_the_writers() {
        let schema = text_schema(&["a".to_owned()]);
        let queue = Arc::new(BatchQueue::new(schema.clone(), 1, 1));
        queue.fail("row 3 refused".to_owned());
        queue.fail("later".to_owned());
        let wait = Duration::from_millis(10);
        let err = queue.put(0, &mut batch(&schema, "x"), wait).unwrap_err();
        assert_eq!(err.0, "row 3 refused");
        let mut reader = QueueReader(queue);
        assert!(reader
            .next()
            .unwrap()
            .unwrap_err()
            .to_string()
            .contains("row 3 refused"));
    }

    #[test]
    fn a_writer_closed_without_batches_is_skipped() {
        let schema = text_schema(&["a".to_owned()]);
        let queue = Arc::new(BatchQueue::new(schema.clone(), 3, 1));
        queue.close(0);
        queue.close(2);
        assert!(queue
            .put(1, &mut batch(&schema, "1"), Duration::ZERO)
            .unwrap());
        queue.close(1);
        let read: Vec<String> = QueueReader(queue).map(|b| text(&b.unwrap())).collect();
        assert_eq!(read, ["1"]);
    }
}
