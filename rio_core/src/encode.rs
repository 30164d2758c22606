//! Python dicts → one compact JSON object, written straight into the row batch.
//!
//! The likely types (exact `str`, `int`, `float`, `bool`, `None`, `dict`, `list`) are tested first
//! by type identity; subclasses, dates, `Decimal` and `UUID` take a slower path. Nothing builds an
//! intermediate value tree.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyDate, PyDateAccess, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString,
    PyTimeAccess, PyTuple, PyType, PyTzInfoAccess,
};

use crate::error::CoreError;
use crate::json::{extend_short, write_json_string, Field, JsonKind, MAX_DEPTH};
use crate::rows::RowBatch;

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

type Encoded = Result<Written, Unsupported>;

/// Append `dict` as a row being built in `batch` (after `begin_row`), recording its members.
///
/// Returns whether two keys may be the same once case is ignored: a dict's keys all differ, so
/// only a key holding an upper-case letter can match another one the way columns are matched.
pub fn encode_dict(dict: &Bound<'_, PyDict>, batch: &mut RowBatch) -> Result<bool, CoreError> {
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
        let written = write_value(out, &value, 1).map_err(|Unsupported(reason)| {
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

fn write_value(out: &mut Vec<u8>, value: &Bound<'_, PyAny>, depth: usize) -> Encoded {
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
    write_rare(out, value, depth)
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
        write_value(out, &value, depth + 1)?;
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
        write_value(out, &item, depth + 1)?;
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
fn write_rare(out: &mut Vec<u8>, value: &Bound<'_, PyAny>, depth: usize) -> Encoded {
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
        return write_datetime(out, moment);
    }
    if let Ok(day) = value.cast::<PyDate>() {
        let text = format!(
            "\"{:04}-{:02}-{:02}\"",
            day.get_year(),
            day.get_month(),
            day.get_day()
        );
        out.extend_from_slice(text.as_bytes());
        return Ok(Written::other(JsonKind::String, text.len() - 2));
    }
    if is_instance_of_class(value, &DECIMAL, "decimal", "Decimal") {
        return write_decimal(out, value);
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
         datetime, date, Decimal and UUID{hint}",
        type_name(value)
    )))
}

/// Naive datetimes as written; aware ones in UTC with a `Z`.
fn write_datetime(out: &mut Vec<u8>, moment: &Bound<'_, PyDateTime>) -> Encoded {
    let py = moment.py();
    let (utc, zone) = match moment.get_tzinfo() {
        Some(_) => {
            let offset = moment.call_method0("utcoffset").map_err(|err| {
                Unsupported(format!("a datetime whose utcoffset() failed: {err}"))
            })?;
            if offset.is_none() {
                (moment.clone(), "")
            } else {
                let utc = pyo3::types::PyTzInfo::utc(py)
                    .and_then(|utc| moment.call_method1("astimezone", (utc,)))
                    .and_then(|converted| Ok(converted.cast_into::<PyDateTime>()?))
                    .map_err(|err| {
                        Unsupported(format!("a datetime that cannot be converted to UTC: {err}"))
                    })?;
                (utc, "Z")
            }
        }
        None => (moment.clone(), ""),
    };
    let mut text = format!(
        "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        utc.get_year(),
        utc.get_month(),
        utc.get_day(),
        utc.get_hour(),
        utc.get_minute(),
        utc.get_second()
    );
    let micro = utc.get_microsecond();
    if micro != 0 {
        text.push_str(&format!(".{micro:06}"));
    }
    text.push_str(zone);
    text.push('"');
    out.extend_from_slice(text.as_bytes());
    Ok(Written::other(JsonKind::String, text.len() - 2))
}

/// A Decimal keeps its exact digits, as a JSON number.
fn write_decimal(out: &mut Vec<u8>, value: &Bound<'_, PyAny>) -> Encoded {
    let text = value
        .str()
        .map_err(|err| Unsupported(format!("a Decimal that cannot be printed: {err}")))?;
    let text = text.to_string_lossy();
    if text.contains("NaN") || text.contains("Inf") {
        return Err(Unsupported(format!(
            "the Decimal {text} is not a JSON number (NaN and infinities are refused)"
        )));
    }
    out.extend_from_slice(text.as_bytes());
    Ok(Written::other(JsonKind::Number, text.len()))
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
