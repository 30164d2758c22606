//! `rio._core.observe_strings`: the string rules of type inference (`crate::infer`), for
//! `rio.inference.ColumnTracker`, so that a CSV read in the core and strings tracked in Python are
//! inferred by one implementation.

use pyo3::prelude::*;

use crate::infer::ColumnState;

/// A column's `(type code, longest value in bytes, decimal scale, decimal digits before the
/// point)` after it also takes each of the non-empty `strings` (in any order: the result is the
/// same), by `rio.inference`'s rules and type codes.
#[pyfunction]
pub fn observe_strings(state: (u8, u64, u32, u32), strings: Vec<String>) -> (u8, u64, u32, u32) {
    let (kind, max_bytes, scale, whole) = state;
    let mut column = ColumnState {
        kind,
        max_bytes,
        scale,
        whole,
        ..ColumnState::default()
    };
    for text in &strings {
        column.observe(text);
    }
    (column.kind, column.max_bytes, column.scale, column.whole)
}
