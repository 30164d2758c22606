//! rio's Rust core, exposed to Python as `rio._core`.
//!
//! This file is wiring only: the logic lives one concept per module, in plain Rust that compiles
//! and is tested without Python (`json`, `timefmt`, `types`, `columns`, `rows`, `stats`, `gzip`,
//! `packer`, `decode`, `arrow`, `csvread`, `infer`); `encode` reads Python rows; `py`, `py_decode`,
//! `py_arrow`, `py_csv`, `py_infer` and `py_types` hold the PyO3 classes and functions on top,
//! and `py_errors` turns the core's errors into `rio.errors`.

pub mod arrow;
pub mod columns;
pub mod csvread;
pub mod decode;
pub mod encode;
pub mod error;
pub mod gzip;
pub mod infer;
pub mod json;
pub mod packer;
pub mod py;
pub mod py_arrow;
pub mod py_csv;
pub mod py_decode;
pub mod py_errors;
pub mod py_infer;
pub mod py_types;
pub mod rows;
pub mod stats;
pub mod timefmt;
pub mod types;

#[pyo3::pymodule]
mod _core {
    #[pymodule_export]
    use crate::py::{PyKeyStats, PyPackGate, PyPackStats, PyPacker, PyPart};
    #[pymodule_export]
    use crate::py_arrow::PyBatchStream;
    #[pymodule_export]
    use crate::py_csv::PyCsvReader;
    #[pymodule_export]
    use crate::py_decode::{PyDecoder, PyRejectedRow};
    #[pymodule_export]
    use crate::py_infer::observe_strings;
    #[pymodule_export]
    use crate::py_types::{parse_column_type, PyColumnTypeInfo};

    /// The version of the Rust core; `rio.__version__` is this.
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// The default part size: 10 MB, as the Go rio had it.
    #[pymodule_export]
    const DEFAULT_BUFFER_SIZE: usize = crate::packer::DEFAULT_BUFFER_SIZE;

    /// The default gzip level (libdeflate's scale, 0 to 12).
    #[pymodule_export]
    const DEFAULT_COMPRESSION_LEVEL: i32 = crate::gzip::DEFAULT_LEVEL;

    /// The default bound on parts waiting to be taken.
    #[pymodule_export]
    const DEFAULT_MAX_PARTS_IN_FLIGHT: usize = crate::packer::DEFAULT_MAX_PARTS_IN_FLIGHT;
}
