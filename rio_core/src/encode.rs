//! Python dicts → one compact JSON object, written straight into the row batch.
//!
//! The likely types (exact `str`, `int`, `float`, `bool`, `None`, `dict`, `list`) are tested first
//! by type identity; subclasses, dates, `Decimal` and `UUID` take a slower path, out of line. Nothing
//! builds an intermediate value tree.
//!
//! Dates, times and decimals are written as the text their column needs, so a top-level value looks
//! its column up (only on that slow path):
//! - `datetime`: naive as `YYYY-MM-DD HH:MM:SS[.ffffff]`; aware into a `timestamp` column converted
//!   to UTC and written naive (a `timestamp` keeps the wall clock and ignores a zone, so the instant
//!   would otherwise be lost); aware anywhere else as ISO 8601 with its offset
//!   (`YYYY-MM-DDTHH:MM:SS[.ffffff]+HH:MM`), which a `timestamptz` converts to UTC. Into a
//!   `timestamp`/`timestamptz` column loaded with `TIMEFORMAT 'epochsecs'` or `'epochmillisecs'`,
//!   the number of seconds or milliseconds since 1970 (a naive datetime taken as UTC).
//! - `date` as `YYYY-MM-DD`; `time` as `HH:MM:SS[.ffffff]`, with its offset when aware.
//! - `Decimal` as a JSON string of its digits (`"12.50"`), so that no reader of the parts goes
//!   through a float; inside a SUPER document (a `super` column, or nested in a dict or list) as a
//!   JSON number with the same digits, so the document keeps a number. NaN and infinities are
//!   refused.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDate, PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyDict, PyFloat, PyInt,
    PyList, PyString, PyTime, PyTimeAccess, PyTuple, PyType, PyTzInfoAccess,
};

use crate::error::CoreError;
use crate::json::{extend_short, write_json_string, Field, JsonKind, MAX_DEPTH};
use crate::rows::{RowBatch, RowRules};
use crate::timefmt::{days_from_civil, format_timestamp, MICROS_PER_DAY, MICROS_PER_SECOND};
use crate::types::engine::{DateTimeFormat, FormatExt};
use crate::types::SqlType;

/// What was written for one value: its JSON kind, its text length as a VARCHAR would hold it
/// (unescaped UTF-8 bytes for strings), and whether a string needed escapes.
struct Written {
    kind: JsonKind,
    text_bytes: usize,
    escaped: bool,
}

impl Written {
    fn other(kind: JsonKind, text_bytes: usize) -> Self {
        Written {
            kind,
            text_bytes,
            escaped: false,
        }
    }
}

/// Why a value could not be written; the top-level key is added by the caller.
struct Unsupported(String);

/// Where a top-level value goes: its key, and the rules of the destination (its columns and load
/// options), consulted only by the slow path.
struct Place<'a> {
    key: &'a str,
    rules: &'a RowRules,
}

impl Place<'_> {
    /// The type of the column the key loads into, when the destination's columns are known.
    fn column(&self) -> Option<SqlType> {
        let columns = self.rules.columns.as_ref()?;
        let index = columns.find(self.key.to_ascii_lowercase().as_bytes())?;
        Some(columns.spec(index).kind)
    }
}

type Encoded = Result<Written, Unsupported>;

/// Append `dict` as a row being built in `batch` (after `begin_row`), recording its members.
///
/// Returns whether two keys may be the same once case is ignored: a dict's keys all differ, so
/// only a key holding an upper-case letter can match another one the way columns are matched.
pub fn encode_dict(
    dict: &Bound<'_, PyDict>,
    batch: &mut RowBatch,
    rules: &RowRules,
) -> Result<bool, CoreError> {
    let out = &mut batch.data;
    let mut keys_may_repeat = false;
    out.push(b'{');
    for (index, (key, value)) in dict.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let key_text = key_str(&key).map_err(|reason| CoreError::UnsupportedValue {
            key: key
                .repr()
                .map_or_else(|_| "?".to_owned(), |r| r.to_string()),
            reason,
        })?;
        keys_may_repeat |= key_text.bytes().any(|byte| byte.is_ascii_uppercase());
        let key_start = out.len() + 1;
        let key_escaped = write_json_string(out, key_text);
        let key_end = out.len() - 1;
        out.push(b':');
        let value_start = out.len();
        let place = Place {
            key: key_text,
            rules,
        };
        let written =
            write_value(out, &value, 1, Some(&place)).map_err(|Unsupported(reason)| {
                CoreError::UnsupportedValue {
                    key: key_text.to_owned(),
                    reason,
                }
            })?;
        batch.fields.push(Field {
            key: key_start..key_end,
            key_escaped,
            value: value_start..out.len(),
            kind: written.kind,
            text_bytes: written.text_bytes,
            escaped: written.escaped,
        });
    }
    out.push(b'}');
    Ok(keys_may_repeat)
}

fn key_str<'a>(key: &'a Bound<'_, PyAny>) -> Result<&'a str, String> {
    match key.cast::<PyString>() {
        Ok(text) => str_text(text)
            .ok_or_else(|| "the key is not valid Unicode (it holds a lone surrogate)".to_owned()),
        Err(_) => Err(format!("keys must be str, not {}", type_name(key))),
    }
}

/// The UTF-8 text of a str, or None when it holds a lone surrogate.
///
/// A compact ASCII str (most keys and values) already holds its UTF-8 bytes, so they are read in
/// place rather than through a call into the interpreter.
#[inline]
fn str_text<'a>(text: &'a Bound<'_, PyString>) -> Option<&'a str> {
    let ptr = text.as_ptr();
    // SAFETY: `ptr` is a live str for as long as `text` is borrowed. A compact ASCII str keeps its
    // `length` ASCII bytes, which are valid UTF-8, at `PyUnicode_DATA`, and never moves them.
    unsafe {
        if ffi::PyUnicode_IS_COMPACT_ASCII(ptr) != 0 {
            let length = ffi::PyUnicode_GET_LENGTH(ptr) as usize;
            let data = ffi::PyUnicode_DATA(ptr).cast::<u8>();
            return Some(std::str::from_utf8_unchecked(std::slice::from_raw_parts(
                data, length,
            )));
        }
    }
    text.to_str().ok()
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .qualname()
        .map_or_else(|_| "?".to_owned(), |name| name.to_string())
}

/// Write one value; `place` is given for a top-level value only.
fn write_value(
    out: &mut Vec<u8>,
    value: &Bound<'_, PyAny>,
    depth: usize,
    place: Option<&Place>,
) -> Encoded {
    if value.is_exact_instance_of::<PyString>() {
        // SAFETY: the exact type was checked just above.
        return write_str(out, unsafe { value.cast_unchecked::<PyString>() });
    }
    if value.is_exact_instance_of::<PyInt>() {
        return write_int(out, value);
    }
    if value.is_exact_instance_of::<PyFloat>() {
        // SAFETY: the exact type was checked just above.
        return write_float(out, unsafe { value.cast_unchecked::<PyFloat>() }.value());
    }
    if value.is_exact_instance_of::<PyBool>() {
        return Ok(write_bool(out, value.is_truthy().unwrap_or(false)));
    }
    if value.is_none() {
        out.extend_from_slice(b"null");
        return Ok(Written::other(JsonKind::Null, 4));
    }
    if value.is_exact_instance_of::<PyDict>() {
        // SAFETY: the exact type was checked just above.
        return write_dict(out, unsafe { value.cast_unchecked::<PyDict>() }, depth);
    }
    if value.is_exact_instance_of::<PyList>() {
        // SAFETY: the exact type was checked just above.
        let list = unsafe { value.cast_unchecked::<PyList>() };
        return write_sequence(out, list.iter(), depth);
    }
    write_rare(out, value, depth, place)
}

#[inline]
fn write_str(out: &mut Vec<u8>, text: &Bound<'_, PyString>) -> Encoded {
    let text = str_text(text).ok_or_else(|| {
        Unsupported("a str that is not valid Unicode (it holds a lone surrogate)".to_owned())
    })?;
    let escaped = write_json_string(out, text);
    Ok(Written {
        kind: JsonKind::String,
        text_bytes: text.len(),
        escaped,
    })
}

fn write_bool(out: &mut Vec<u8>, value: bool) -> Written {
    let text: &[u8] = if value { b"true" } else { b"false" };
    out.extend_from_slice(text);
    Written::other(JsonKind::Bool, text.len())
}

#[inline]
fn write_int(out: &mut Vec<u8>, value: &Bound<'_, PyAny>) -> Encoded {
    let start = out.len();
    match value.extract::<i64>() {
        Ok(number) => extend_short(out, itoa::Buffer::new().format(number).as_bytes()),
        Err(_) => write_big_int(out, value)?,
    }
    Ok(Written::other(JsonKind::Number, out.len() - start))
}

/// Integers beyond 64 bits are written with all their digits, as Python prints them.
#[inline(never)]
fn write_big_int(out: &mut Vec<u8>, value: &Bound<'_, PyAny>) -> Result<(), Unsupported> {
    let digits = value
        .call_method0("__index__")
        .and_then(|i| i.str())
        .map_err(|err| Unsupported(format!("an int that cannot be printed: {err}")))?;
    out.extend_from_slice(digits.to_string_lossy().as_bytes());
    Ok(())
}

#[inline]
fn write_float(out: &mut Vec<u8>, value: f64) -> Encoded {
    if !value.is_finite() {
        return Err(Unsupported(format!(
            "the float {value} is not a JSON number (NaN and infinities are refused)"
        )));
    }
    let start = out.len();
    extend_short(out, ryu::Buffer::new().format_finite(value).as_bytes());
    Ok(Written::other(JsonKind::Number, out.len() - start))
}

fn enter(depth: usize) -> Result<(), Unsupported> {
    if depth >= MAX_DEPTH {
        Err(Unsupported(format!(
            "the value nests deeper than {MAX_DEPTH} levels of dicts and lists (or refers to itself)"
        )))
    } else {
        Ok(())
    }
}

fn write_dict(out: &mut Vec<u8>, dict: &Bound<'_, PyDict>, depth: usize) -> Encoded {
    enter(depth)?;
    let start = out.len();
    out.push(b'{');
    for (index, (key, value)) in dict.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let key =
            key_str(&key).map_err(|reason| Unsupported(format!("a nested dict: {reason}")))?;
        write_json_string(out, key);
        out.push(b':');
        write_value(out, &value, depth + 1, None)?;
    }
    out.push(b'}');
    Ok(Written::other(JsonKind::Object, out.len() - start))
}

fn write_sequence<'py>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    depth: usize,
) -> Encoded {
    enter(depth)?;
    let start = out.len();
    out.push(b'[');
    for (index, item) in items.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_value(out, &item, depth + 1, None)?;
    }
    out.push(b']');
    Ok(Written::other(JsonKind::Array, out.len() - start))
}

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static UUID: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn is_instance_of_class(
    value: &Bound<'_, PyAny>,
    cell: &'static PyOnceLock<Py<PyType>>,
    module: &str,
    name: &str,
) -> bool {
    let py = value.py();
    cell.import(py, module, name)
        .is_ok_and(|class| value.is_instance(class).unwrap_or(false))
}

/// Subclasses of the common types, dates and times, Decimal, UUID, and refusals.
#[inline(never)]
fn write_rare(
    out: &mut Vec<u8>,
    value: &Bound<'_, PyAny>,
    depth: usize,
    place: Option<&Place>,
) -> Encoded {
    if let Ok(text) = value.cast::<PyString>() {
        return write_str(out, text);
    }
    if let Ok(flag) = value.cast::<PyBool>() {
        return Ok(write_bool(out, flag.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        return write_int(out, value);
    }
    if let Ok(number) = value.cast::<PyFloat>() {
        return write_float(out, number.value());
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        return write_dict(out, dict, depth);
    }
    if let Ok(list) = value.cast::<PyList>() {
        return write_sequence(out, list.iter(), depth);
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return write_sequence(out, tuple.iter(), depth);
    }
    // A datetime is also a date, so it is tested first.
    if let Ok(moment) = value.cast::<PyDateTime>() {
        return write_datetime(out, moment, place);
    }
    if let Ok(day) = value.cast::<PyDate>() {
        return write_date(out, day, place);
    }
    if let Ok(clock) = value.cast::<PyTime>() {
        return write_time(out, clock);
    }
    if is_instance_of_class(value, &DECIMAL, "decimal", "Decimal") {
        let in_document = place.is_none_or(|place| place.column() == Some(SqlType::Super));
        return write_decimal(out, value, in_document);
    }
    if is_instance_of_class(value, &UUID, "uuid", "UUID") {
        return write_uuid(out, value);
    }
    let hint = if value.is_instance_of::<pyo3::types::PyBytes>() {
        "; decode bytes to str first"
    } else {
        ""
    };
    Err(Unsupported(format!(
        "a {} cannot be written as JSON; rio writes None, bool, int, float, str, list, tuple, dict, \
         datetime, date, time, Decimal and UUID{hint}",
        type_name(value)
    )))
}

/// Append already-safe text (digits, signs, separators) as a JSON string.
fn write_plain_string(out: &mut Vec<u8>, text: &str) -> Written {
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
    Written::other(JsonKind::String, text.len())
}

/// The UTC offset of an aware value in seconds (`utcoffset()`), or `None` for a naive one.
fn utc_offset(value: &Bound<'_, PyAny>, what: &str) -> Result<Option<i64>, Unsupported> {
    let offset = value
        .call_method0("utcoffset")
        .map_err(|err| Unsupported(format!("a {what} whose utcoffset() failed: {err}")))?;
    if offset.is_none() {
        return Ok(None);
    }
    let delta = offset
        .cast::<PyDelta>()
        .map_err(|_| Unsupported(format!("a {what} whose utcoffset() is not a timedelta")))?;
    let micros = i64::from(delta.get_days()) * MICROS_PER_DAY
        + i64::from(delta.get_seconds()) * MICROS_PER_SECOND
        + i64::from(delta.get_microseconds());
    if micros % MICROS_PER_SECOND != 0 {
        return Err(Unsupported(format!(
            "a {what} whose UTC offset has a fraction of a second, which no warehouse stores"
        )));
    }
    Ok(Some(micros / MICROS_PER_SECOND))
}

/// `+HH:MM` of an offset in whole minutes.
fn offset_text(seconds: i64) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The epoch format of a timestamp column the value goes into, if it is loaded with one.
fn epoch_column<'a>(place: Option<&Place<'a>>) -> Option<&'a DateTimeFormat> {
    let place = place?;
    let format = &place.rules.conversion.time_format;
    let timestamp = matches!(
        place.column(),
        Some(SqlType::Timestamp | SqlType::TimestampTz)
    );
    (timestamp && format.is_epoch()).then_some(format)
}

/// Microseconds since 1970 as the number TIMEFORMAT `format` reads: seconds or milliseconds,
/// with the fraction that remains.
fn write_epoch(out: &mut Vec<u8>, micros: i64, format: &DateTimeFormat) -> Written {
    let (unit, digits) = if *format == DateTimeFormat::EpochSecs {
        (MICROS_PER_SECOND.unsigned_abs(), 6)
    } else {
        (1_000, 3)
    };
    let magnitude = micros.unsigned_abs();
    let sign = if micros < 0 { "-" } else { "" };
    let mut text = format!("{sign}{}", magnitude / unit);
    let rest = magnitude % unit;
    if rest != 0 {
        let fraction = format!("{rest:0digits$}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    out.extend_from_slice(text.as_bytes());
    Written::other(JsonKind::Number, text.len())
}

/// A datetime as the text its column needs (see the module's documentation).
fn write_datetime(
    out: &mut Vec<u8>,
    moment: &Bound<'_, PyDateTime>,
    place: Option<&Place>,
) -> Encoded {
    let offset = match moment.get_tzinfo() {
        Some(_) => utc_offset(moment.as_any(), "datetime")?,
        None => None,
    };
    let wall = days_from_civil(
        i64::from(moment.get_year()),
        u32::from(moment.get_month()),
        u32::from(moment.get_day()),
    ) * MICROS_PER_DAY
        + (i64::from(moment.get_hour()) * 3600
            + i64::from(moment.get_minute()) * 60
            + i64::from(moment.get_second()))
            * MICROS_PER_SECOND
        + i64::from(moment.get_microsecond());
    let utc = wall - offset.unwrap_or(0) * MICROS_PER_SECOND;
    if let Some(format) = epoch_column(place) {
        return Ok(write_epoch(out, utc, format));
    }
    let into_timestamp = place.is_some_and(|place| place.column() == Some(SqlType::Timestamp));
    let text = match offset {
        Some(_) if into_timestamp => format_timestamp(utc),
        // An offset in whole minutes is written as it is; one with seconds, which Redshift's
        // parsers do not read, as the same instant in UTC.
        Some(seconds) if seconds % 60 == 0 => {
            format!(
                "{}{}",
                format_timestamp(wall).replacen(' ', "T", 1),
                offset_text(seconds)
            )
        }
        Some(_) => format!("{}+00:00", format_timestamp(utc).replacen(' ', "T", 1)),
        None => format_timestamp(wall),
    };
    Ok(write_plain_string(out, &text))
}

fn write_date(out: &mut Vec<u8>, day: &Bound<'_, PyDate>, place: Option<&Place>) -> Encoded {
    if let Some(format) = epoch_column(place) {
        let days = days_from_civil(
            i64::from(day.get_year()),
            u32::from(day.get_month()),
            u32::from(day.get_day()),
        );
        return Ok(write_epoch(out, days * MICROS_PER_DAY, format));
    }
    let text = format!(
        "{:04}-{:02}-{:02}",
        day.get_year(),
        day.get_month(),
        day.get_day()
    );
    Ok(write_plain_string(out, &text))
}

/// `HH:MM:SS[.ffffff]`, followed by its offset when aware.
fn write_time(out: &mut Vec<u8>, clock: &Bound<'_, PyTime>) -> Encoded {
    let offset = match clock.get_tzinfo() {
        Some(_) => utc_offset(clock.as_any(), "time")?,
        None => None,
    };
    let mut text = format!(
        "{:02}:{:02}:{:02}",
        clock.get_hour(),
        clock.get_minute(),
        clock.get_second()
    );
    let micro = clock.get_microsecond();
    if micro != 0 {
        text.push_str(&format!(".{micro:06}"));
    }
    match offset {
        Some(seconds) if seconds % 60 != 0 => {
            return Err(Unsupported(
                "a time whose UTC offset has seconds, which timetz cannot hold (it keeps whole \
                 minutes)"
                    .to_owned(),
            ))
        }
        Some(seconds) => text.push_str(&offset_text(seconds)),
        None => {}
    }
    Ok(write_plain_string(out, &text))
}

/// A Decimal keeps its exact digits: as a JSON string, or a JSON number inside a document.
fn write_decimal(out: &mut Vec<u8>, value: &Bound<'_, PyAny>, in_document: bool) -> Encoded {
    let finite = value
        .call_method0("is_finite")
        .and_then(|finite| finite.is_truthy())
        .map_err(|err| Unsupported(format!("a Decimal that cannot be read: {err}")))?;
    if !finite {
        let shown = value
            .str()
            .map_or_else(|_| "?".to_owned(), |text| text.to_string());
        return Err(Unsupported(format!(
            "the Decimal {shown} is not a JSON number (NaN and infinities are refused)"
        )));
    }
    // Positional digits (`1E+3` is 1000), unless the exponent would make a huge text.
    let exponent: i64 = value
        .call_method0("as_tuple")
        .and_then(|parts| parts.getattr("exponent"))
        .and_then(|exponent| exponent.extract())
        .unwrap_or(0);
    let text = if exponent.abs() <= 1_000 {
        value
            .py()
            .import("builtins")
            .and_then(|builtins| builtins.getattr("format"))
            .and_then(|format| format.call1((value, "f")))
            .and_then(|text| text.extract::<String>())
    } else {
        value.str().map(|text| text.to_string())
    }
    .map_err(|err| Unsupported(format!("a Decimal that cannot be printed: {err}")))?;
    if in_document {
        out.extend_from_slice(text.as_bytes());
        return Ok(Written::other(JsonKind::Number, text.len()));
    }
    Ok(write_plain_string(out, &text))
}

fn write_uuid(out: &mut Vec<u8>, value: &Bound<'_, PyAny>) -> Encoded {
    let number: u128 = value
        .getattr("int")
        .and_then(|n| n.extract())
        .map_err(|err| Unsupported(format!("a UUID without a 128-bit int: {err}")))?;
    let hex = format!("{number:032x}");
    let text = format!(
        "\"{}-{}-{}-{}-{}\"",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    );
    out.extend_from_slice(text.as_bytes());
    Ok(Written::other(JsonKind::String, 36))
}

/// Why a row that is neither bytes, str nor dict is refused.
pub fn wrong_row_type(row: &Bound<'_, PyAny>) -> String {
    format!(
        "a row is bytes or str holding one JSON object, or a dict, not {}",
        type_name(row)
    )
}
