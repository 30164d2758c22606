//! `rio._core.CsvReader`: a CSV source's bytes straight into a packer, its columns' types inferred
//! on the way (see `crate::csvread` and `crate::infer`), with no Python object per row or value.
//!
//! Reading and inference run with the GIL released; the reader's state sits behind a `Mutex` so a
//! frozen class may be shared, though one source is read by one thread.

use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::csvread::{CsvError, CsvReader, ReadError, Target};
use crate::py::PyPacker;
use crate::py_errors::{core_error, MalformedInput};

/// One source's CSV parts read into a packer: `start_part(name, delimiter)`, then `feed(chunk,
/// packer)` as often as needed, then `finish_part(packer)`; every part shares the first one's
/// header. Rows are JSON objects of the header's names and the fields as strings (a
/// `json_columns` field as the JSON value it holds), with `row_number_key` numbering them from 1
/// when given. With `infer`, `column_stats()` tells each column's type as
/// `rio.inference.ColumnTracker` infers it from strings. A malformed CSV raises
/// `rio.errors.MalformedInput` naming the part and line; a row the packer refuses raises its
/// `rio.errors.RowError` with its index in the source (`err.row`).
#[pyclass(frozen, module = "rio._core", name = "CsvReader")]
pub struct PyCsvReader {
    inner: Mutex<CsvReader>,
}

impl PyCsvReader {
    fn lock(&self) -> MutexGuard<'_, CsvReader> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn malformed(&self, py: Python<'_>, err: CsvError) -> PyErr {
        let part = self.lock().part().to_owned();
        let error = MalformedInput::new_err(format!("{part}: line {}: {}", err.line, err.message));
        let value = error.value(py);
        // As rio.errors.SourceError's keywords would set them.
        let _ = value.setattr("source", part);
        let _ = value.setattr("line", err.line);
        error
    }

    /// Run `step` on the reader without the GIL, its rows going into the packer's batch; then
    /// pack them, and raise what stopped `step`, if anything.
    fn read_into(
        &self,
        py: Python<'_>,
        packer: &PyPacker,
        step: impl FnOnce(&mut CsvReader, &mut Target<'_>) -> Result<u64, ReadError> + Send,
    ) -> PyResult<u64> {
        let read = packer.pack_built(py, |batch, rules| {
            let mut target = Target { batch, rules };
            step(&mut self.lock(), &mut target)
        })?;
        match read {
            Ok(rows) => Ok(rows),
            Err(ReadError::Csv(err)) => Err(self.malformed(py, err)),
            Err(ReadError::Row { error, row }) => Err(core_error(py, error, Some(row as usize))),
        }
    }
}

#[pymethods]
impl PyCsvReader {
    #[new]
    #[pyo3(signature = (*, json_columns = Vec::new(), row_number_key = None, infer = true))]
    fn new(json_columns: Vec<String>, row_number_key: Option<String>, infer: bool) -> Self {
        PyCsvReader {
            inner: Mutex::new(CsvReader::new(json_columns, row_number_key, infer)),
        }
    }

    /// Start the part `name` (a file or object), whose fields are separated by `delimiter`.
    fn start_part(&self, name: &str, delimiter: &str) -> PyResult<()> {
        let delimiter = match delimiter.as_bytes() {
            [byte] if *byte != b'"' && *byte != b'\n' && *byte != b'\r' => *byte,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "the delimiter is one ASCII character other than a quote or a line end, not \
                     {delimiter:?}"
                )))
            }
        };
        self.lock().start_part(name, delimiter);
        Ok(())
    }

    /// Read a chunk of the part and pack the rows it completes; returns how many.
    fn feed(&self, py: Python<'_>, data: &[u8], packer: PyRef<'_, PyPacker>) -> PyResult<u64> {
        self.read_into(py, &packer, |reader, out| reader.feed(data, out))
    }

    /// The end of the part: pack its last row if it had no line end; returns how many (0 or 1).
    fn finish_part(&self, py: Python<'_>, packer: PyRef<'_, PyPacker>) -> PyResult<u64> {
        self.read_into(py, &packer, CsvReader::finish_part)
    }

    /// The header of the first part, once read.
    #[getter]
    fn header(&self) -> Option<Vec<String>> {
        self.lock().header().map(<[String]>::to_vec)
    }

    /// Data rows read so far, over every part.
    #[getter]
    fn rows(&self) -> u64 {
        self.lock().rows
    }

    /// Per column, in header order: (name, type code, values, empties, longest value in bytes,
    /// decimal scale, decimal digits before the point), as `rio.inference` keeps them.
    fn column_stats(&self) -> Vec<(String, u8, u64, u64, u64, u32, u32)> {
        let reader = self.lock();
        let names = reader.header().unwrap_or(&[]);
        names
            .iter()
            .zip(&reader.columns)
            .map(|(name, state)| {
                (
                    name.clone(),
                    state.kind,
                    state.values,
                    state.empties,
                    state.max_bytes,
                    state.scale,
                    state.whole,
                )
            })
            .collect()
    }
}
