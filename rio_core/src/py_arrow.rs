//! `rio._core.BatchStream`: decoded rows handed to DuckDB (or any reader of Arrow's C stream
//! interface) as Arrow batches, with no file in between. See `crate::arrow`.
//!
//! Writers are Python threads that decode data files (`Decoder(output="columns")`); each call
//! gathers its framed rows into batches and queues them with the GIL released, waiting for room in
//! slices that check for Ctrl-C. The reader runs inside the warehouse's query, without Python.

use std::sync::Arc;
use std::time::Duration;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule};

use crate::arrow::{batches_of, schema_of, BatchQueue, QueueReader};
use crate::py_errors::CopyFailed;
use crate::py_types::column_type;
use crate::types::Dialect;

const WAIT_SLICE: Duration = Duration::from_millis(100);

/// Decoded rows of several data files as one ordered stream of Arrow batches, one column per table
/// column given as `(name, type)` (the warehouse's type: integers, floats, booleans, decimals,
/// dates and timestamps typed, the rest UTF-8 text): file `i`'s rows (`write(i, …)`) come after
/// file `i - 1`'s. At most `depth` batches wait per file. `fail` ends the stream for the reader and
/// the writers alike.
#[pyclass(frozen, module = "rio._core", name = "BatchStream")]
pub struct PyBatchStream {
    queue: Arc<BatchQueue>,
}

#[pymethods]
impl PyBatchStream {
    #[new]
    #[pyo3(signature = (columns, files, *, depth = 2))]
    fn new(columns: Vec<(String, String)>, files: usize, depth: usize) -> PyResult<Self> {
        if columns.is_empty() {
            return Err(PyValueError::new_err(
                "columns is empty; give the table's columns",
            ));
        }
        let typed = columns
            .iter()
            .enumerate()
            .map(|(index, (name, spec))| {
                column_type(index, name, spec, Dialect::Warehouse).map(|kind| (name.clone(), kind))
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(PyBatchStream {
            queue: Arc::new(BatchQueue::new(schema_of(&typed), files, depth)),
        })
    }

    /// Queue the rows of `Decoder(output="columns")` output `data` as file `index`'s next batches,
    /// waiting while that file already has `depth` batches queued. Raises `rio.errors.CopyFailed`
    /// once the stream has failed.
    fn write(&self, py: Python<'_>, index: usize, data: &Bound<'_, PyBytes>) -> PyResult<()> {
        self.check_index(index)?;
        let data = data.as_bytes();
        let batches = py
            .detach(|| batches_of(self.queue.schema(), data))
            .map_err(|err| PyValueError::new_err(err.to_string()))?;
        for batch in batches {
            let mut batch = Some(batch);
            while batch.is_some() {
                py.detach(|| self.queue.put(index, &mut batch, WAIT_SLICE))
                    .map_err(|failed| CopyFailed::new_err(failed.0))?;
                if batch.is_some() {
                    py.check_signals()?;
                }
            }
        }
        Ok(())
    }

    /// File `index` has no more rows.
    fn close(&self, index: usize) -> PyResult<()> {
        self.check_index(index)?;
        self.queue.close(index);
        Ok(())
    }

    /// End the stream with `message`: the reader's next batch is an error carrying it, and writers
    /// raise it. The first failure is the one kept.
    fn fail(&self, message: String) {
        self.queue.fail(message);
    }

    /// The Arrow PyCapsule interface: a stream of the batches, read once, in order.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The batches are text columns: a reader that asks for other types casts them itself.
        let _ = requested_schema;
        let stream = FFI_ArrowArrayStream::new(Box::new(QueueReader(self.queue.clone())));
        // The capsule points at the boxed stream and drops it when freed, which releases it unless
        // a reader moved it out (as the interface has readers do).
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }
}

impl PyBatchStream {
    fn check_index(&self, index: usize) -> PyResult<()> {
        let files = self.queue.writers();
        if index >= files {
            return Err(PyValueError::new_err(format!(
                "file index {index} is out of range: the stream has {files} files"
            )));
        }
        Ok(())
    }
}
