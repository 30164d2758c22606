//! The Python classes of the decoder: `rio._core.Decoder` and `rio._core.RejectedRow`.
//!
//! The decoder's state sits behind a `Mutex` in a frozen class, so Python threads may share it;
//! the lock is taken only with the GIL released (`py.detach`), and decoding runs without the GIL.
//! A file that cannot be read at all raises `rio.errors.CopyFailed`.

use std::sync::{Mutex, MutexGuard};

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::decode::{
    DecodeColumn, DecodeError, DecodeOptions, Decoder, Output, RejectedRow, DEFAULT_MAX_REJECTED,
};
use crate::py_types::{column_type, conversion};
use crate::types::Dialect;

// The signature spells the default as a literal, so Python's `inspect.signature` shows it.
const _: () = assert!(DEFAULT_MAX_REJECTED == 100);

/// Read `(name, type, not_null)` tuples, each type as the warehouse reports it (a bare `text` has no
/// width); one rio cannot load raises `rio.errors.UnsupportedType`.
fn extract_columns(columns: &Bound<'_, PyAny>) -> PyResult<Vec<DecodeColumn>> {
    let mut specs = Vec::new();
    for (index, item) in columns.try_iter()?.enumerate() {
        let item = item?;
        let (name, type_name, not_null): (String, String, bool) = item.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "columns[{index}] is {}; give a (name, type, not_null) tuple of str, str, bool",
                item.repr()
                    .map_or_else(|_| "?".to_owned(), |r| r.to_string())
            ))
        })?;
        let column_type = column_type(index, &name, &type_name, Dialect::Warehouse)?;
        specs.push(DecodeColumn {
            name,
            column_type,
            not_null,
        });
    }
    Ok(specs)
}

/// One data file of a load in, rows typed for the target table out.
///
/// Reads gzip'd (or plain) JSON objects the way Redshift's `COPY … FORMAT AS JSON 'auto
/// ignorecase'` does, with COPY's data-conversion options (`time_format`, `date_format`,
/// `accept_invalid_chars`, `round_decimals`, `truncate_columns`), and writes each good row in
/// PostgreSQL's `COPY … FROM STDIN` text format (`output="postgres"`) or as CSV for DuckDB
/// (`output="csv"`).
/// A bad row is skipped and described in `rejected_rows`; a file that is not gzip, or corrupt or
/// truncated gzip, raises `rio.errors.CopyFailed`.
#[pyclass(frozen, module = "rio._core", name = "Decoder")]
pub struct PyDecoder {
    inner: Mutex<Decoder>,
}

impl PyDecoder {
    fn lock(&self) -> PyResult<MutexGuard<'_, Decoder>> {
        self.inner.lock().map_err(|_| {
            PyRuntimeError::new_err("the decoder failed in an earlier call and cannot go on")
        })
    }

    /// Run one step on the decoder with the GIL released; the output as bytes.
    fn run<'py>(
        &self,
        py: Python<'py>,
        step: impl FnOnce(&mut Decoder, &mut Vec<u8>) -> Result<(), DecodeError> + Send,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let result = py.detach(|| -> PyResult<Result<Vec<u8>, DecodeError>> {
            let mut decoder = self.lock()?;
            let mut out = Vec::new();
            Ok(step(&mut decoder, &mut out).map(|()| out))
        })?;
        match result {
            Ok(out) => Ok(PyBytes::new(py, &out)),
            Err(err) => Err(err.into()),
        }
    }

    fn read<T: Send>(&self, py: Python<'_>, get: impl FnOnce(&Decoder) -> T + Send) -> PyResult<T> {
        py.detach(|| self.lock().map(|decoder| get(&decoder)))
    }
}

#[pymethods]
impl PyDecoder {
    #[new]
    #[pyo3(signature = (
        columns,
        *,
        output = "postgres",
        gzip = true,
        ignore_case = true,
        truncate_columns = false,
        time_format = "auto",
        date_format = "auto",
        accept_invalid_chars = None,
        round_decimals = false,
        source = "",
        max_rejected = 100,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        columns: &Bound<'_, PyAny>,
        output: &str,
        gzip: bool,
        ignore_case: bool,
        truncate_columns: bool,
        time_format: &str,
        date_format: &str,
        accept_invalid_chars: Option<&str>,
        round_decimals: bool,
        source: &str,
        max_rejected: i64,
    ) -> PyResult<Self> {
        let output = Output::parse(output).ok_or_else(|| {
            PyValueError::new_err(format!(
                "output must be \"postgres\", \"postgres-binary\", \"csv\" or \"columns\", not \
                 {output:?}"
            ))
        })?;
        let conversion = conversion(
            time_format,
            date_format,
            accept_invalid_chars,
            round_decimals,
            truncate_columns,
        )?;
        let max_rejected = usize::try_from(max_rejected).map_err(|_| {
            PyValueError::new_err(format!(
                "max_rejected must be 0 or more, not {max_rejected}"
            ))
        })?;
        let options = DecodeOptions {
            output,
            gzip,
            ignore_case,
            conversion,
            source: source.to_owned(),
            max_rejected,
        };
        Ok(PyDecoder {
            inner: Mutex::new(Decoder::new(extract_columns(columns)?, options)?),
        })
    }

    /// Decode a chunk of the file; returns the rows completed so far (maybe `b""`).
    fn feed<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        if let Ok(bytes) = data.cast::<PyBytes>() {
            // bytes are immutable, and the caller's reference keeps them alive during the call.
            let input = bytes.as_bytes();
            return self.run(py, |decoder, out| decoder.feed(input, out));
        }
        let input = PyBuffer::<u8>::get(data)
            .and_then(|buffer| buffer.to_vec(py))
            .map_err(|_| {
                PyTypeError::new_err(format!(
                    "feed takes bytes, bytearray or memoryview, not {}",
                    data.get_type()
                        .name()
                        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
                ))
            })?;
        self.run(py, move |decoder, out| decoder.feed(&input, out))
    }

    /// The end of the file: returns the remaining rows. A truncated or corrupt gzip stream raises
    /// `rio.errors.CopyFailed`; a file that ends inside an object is a rejected row.
    fn finish<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.run(py, |decoder, out| decoder.finish(out))
    }

    /// Good rows written so far.
    #[getter]
    fn rows(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(py, Decoder::rows)
    }

    /// Rows rejected so far (all of them, even beyond `max_rejected`).
    #[getter]
    fn rejected(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(py, Decoder::rejected)
    }

    /// The first `max_rejected` rejected rows.
    #[getter]
    fn rejected_rows(&self, py: Python<'_>) -> PyResult<Vec<PyRejectedRow>> {
        let records = self.read(py, |decoder| decoder.rejected_rows().to_vec())?;
        Ok(records.into_iter().map(PyRejectedRow::from).collect())
    }

    /// Lines read so far.
    #[getter]
    fn lines(&self, py: Python<'_>) -> PyResult<u64> {
        self.read(py, Decoder::lines)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let (source, output, rows, rejected, lines) = self.read(py, |decoder| {
            (
                decoder.source().to_owned(),
                decoder.output().name(),
                decoder.rows(),
                decoder.rejected(),
                decoder.lines(),
            )
        })?;
        Ok(format!(
            "Decoder(source={}, output='{output}', rows={rows}, rejected={rejected}, lines={lines})",
            PyString::new(py, &source).repr()?
        ))
    }
}

/// A row the load skipped, with the fields of Redshift's `STL_LOAD_ERRORS`.
#[pyclass(frozen, module = "rio._core", name = "RejectedRow")]
pub struct PyRejectedRow {
    /// The data file (the decoder's `source`).
    #[pyo3(get)]
    file: String,
    /// The last line of the row's object, from 1.
    #[pyo3(get)]
    line: u64,
    /// The column at fault, or `""` when the row itself is.
    #[pyo3(get)]
    column: String,
    /// The column's type as Redshift names it (`int4`, `varchar`, ...), or `""`.
    #[pyo3(get)]
    column_type: String,
    /// The column's width (`256`, `8,2`), or `""`.
    #[pyo3(get)]
    column_length: String,
    /// The byte in the value (the row, for a row-level problem) where the problem is, or 0.
    #[pyo3(get)]
    position: u64,
    /// The row's text, at most 1024 bytes.
    #[pyo3(get)]
    raw_line: String,
    /// The field's value, at most 1024 bytes.
    #[pyo3(get)]
    value: String,
    /// Why, in Redshift's words where it has them (at most 100 bytes).
    #[pyo3(get)]
    reason: String,
    /// Redshift's load error code (1204, 1207, 1213, 1216, ...).
    #[pyo3(get)]
    code: u32,
}

impl From<RejectedRow> for PyRejectedRow {
    fn from(row: RejectedRow) -> Self {
        PyRejectedRow {
            file: row.file,
            line: row.line,
            column: row.column,
            column_type: row.column_type,
            column_length: row.column_length,
            position: row.position,
            raw_line: row.raw_line,
            value: row.value,
            reason: row.reason,
            code: row.code,
        }
    }
}

#[pymethods]
impl PyRejectedRow {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repr =
            |text: &str| -> PyResult<String> { Ok(PyString::new(py, text).repr()?.to_string()) };
        Ok(format!(
            "RejectedRow(file={}, line={}, column={}, column_type={}, position={}, code={}, \
             reason={}, value={})",
            repr(&self.file)?,
            self.line,
            repr(&self.column)?,
            repr(&self.column_type)?,
            self.position,
            self.code,
            repr(&self.reason)?,
            repr(&self.value)?,
        ))
    }
}
