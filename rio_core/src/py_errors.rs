//! The one place where the core's errors become Python exceptions: each error maps to one class of
//! `rio.errors`, with the attributes that class documents.
//!
//! The classes are bound with `import_exception!`: the first use imports `rio.errors`, and a class
//! it lacks fails loudly there, rather than turning into some other exception.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::decode::DecodeError;
use crate::error::CoreError;

pyo3::import_exception!(rio.errors, RioError);
pyo3::import_exception!(rio.errors, ConfigError);
pyo3::import_exception!(rio.errors, UnsupportedType);
pyo3::import_exception!(rio.errors, InvalidJSONInput);
pyo3::import_exception!(rio.errors, UnsupportedValue);
pyo3::import_exception!(rio.errors, InvalidColumnValue);
pyo3::import_exception!(rio.errors, PackerClosed);
pyo3::import_exception!(rio.errors, CopyFailed);
pyo3::import_exception!(rio.errors, MalformedInput);

/// A core error as its `rio.errors` class. `row` is the refused row's index in a batch: the
/// message names it, and a `RowError`'s `row` attribute holds it (0 when there is no batch).
pub fn core_error(py: Python<'_>, err: CoreError, row: Option<usize>) -> PyErr {
    let message = match row {
        // Counted from 1 for people, with the index `err.row` holds for code.
        Some(row) => format!("row {} (index {row}): {err}", row + 1),
        None => err.to_string(),
    };
    let row = row.unwrap_or(0);
    match err {
        CoreError::InvalidJson { .. } => {
            row_error(py, InvalidJSONInput::new_err(message), row, &[])
        }
        CoreError::UnsupportedValue { .. } => {
            row_error(py, UnsupportedValue::new_err(message), row, &[])
        }
        CoreError::InvalidColumnValue {
            column,
            value,
            reason,
        } => row_error(
            py,
            InvalidColumnValue::new_err(message),
            row,
            &[("column", &column), ("value", &value), ("reason", &reason)],
        ),
        CoreError::Closed => PackerClosed::new_err(message),
        CoreError::WorkerFailed(_) | CoreError::WorkerNotStarted { .. } => {
            RioError::new_err(message)
        }
        CoreError::InvalidArgument(_) => PyValueError::new_err(message),
    }
}

/// A `RowError` with its `row` and the given text attributes set.
fn row_error(py: Python<'_>, err: PyErr, row: usize, texts: &[(&str, &str)]) -> PyErr {
    let instance = err.value(py).clone();
    let set_attributes = || -> PyResult<()> {
        instance.setattr("row", row)?;
        for &(name, text) in texts {
            instance.setattr(name, text)?;
        }
        Ok(())
    };
    match set_attributes() {
        Ok(()) => err,
        Err(failure) => failure,
    }
}

impl From<CoreError> for PyErr {
    fn from(err: CoreError) -> PyErr {
        Python::attach(|py| core_error(py, err, None))
    }
}

/// A file the decoder cannot read raises `rio.errors.CopyFailed`; a call after `finish` is a
/// misuse, `ValueError`.
impl From<DecodeError> for PyErr {
    fn from(err: DecodeError) -> PyErr {
        match err {
            DecodeError::Unreadable { .. } => CopyFailed::new_err(err.to_string()),
            DecodeError::Finished => PyValueError::new_err(err.to_string()),
        }
    }
}
