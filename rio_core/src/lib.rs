//! rio's Rust core, exposed to Python as `rio._core`.
//!
//! This file is wiring only: the logic lives one concept per module, in plain Rust that compiles
//! and is tested without Python (`json`, `timefmt`, `columns`, `rows`, `stats`, `gzip`, `packer`).

pub mod columns;
pub mod error;
pub mod gzip;
pub mod json;
pub mod packer;
pub mod rows;
pub mod stats;
pub mod timefmt;

#[pyo3::pymodule]
mod _core {
    /// The version of the Rust core; `rio.__version__` is this.
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");
}
