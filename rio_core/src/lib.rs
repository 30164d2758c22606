//! rio's Rust core, exposed to Python as `rio._core`.
//!
//! This file is wiring only: the logic lives one concept per module.

#[pyo3::pymodule]
mod _core {
    /// The version of the Rust core; `rio.__version__` is this.
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");
}
