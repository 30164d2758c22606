//! The Python face of the core's column types: `rio._core.parse_column_type` and `ColumnTypeInfo`,
//! and the reading of COPY's data-conversion options that `Packer` and `Decoder` both take.
//!
//! Python's table of types (`rio.types`) reads every type's name through here, so a name means the
//! same in a config, in the packer's column checks and in the emulated COPY.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::py_errors::{ConfigError, UnsupportedType};
use crate::types::engine::DateTimeFormat;
use crate::types::{Conversion, Dialect, SqlType, TypeProblem};

/// A column's type as a config (`Dialect::Config`) or a warehouse names it, refused with
/// `rio.errors.UnsupportedType` naming the column (`columns[index]`) and saying why.
pub fn column_type(index: usize, name: &str, spec: &str, dialect: Dialect) -> PyResult<SqlType> {
    SqlType::parse(spec, dialect).map_err(|problem: TypeProblem| {
        UnsupportedType::new_err(format!("columns[{index}] ({name:?}): {problem}"))
    })
}

/// COPY's data-conversion options from the keywords `Packer` and `Decoder` take: an unknown
/// TIMEFORMAT or DATEFORMAT raises `rio.errors.ConfigError`, a bad replacement `ValueError`.
pub fn conversion(
    time_format: &str,
    date_format: &str,
    accept_invalid_chars: Option<&str>,
    round_decimals: bool,
    truncate_columns: bool,
) -> PyResult<Conversion> {
    let time_format = DateTimeFormat::parse(time_format, false)
        .map_err(|why| ConfigError::new_err(format!("time_format: {why}")))?;
    let date_format = DateTimeFormat::parse(date_format, true)
        .map_err(|why| ConfigError::new_err(format!("date_format: {why}")))?;
    let accept_invalid_chars = accept_invalid_chars
        .map(Conversion::replacement)
        .transpose()
        .map_err(|why| PyValueError::new_err(format!("accept_invalid_chars: {why}")))?;
    Ok(Conversion {
        time_format,
        date_format,
        accept_invalid_chars,
        round_decimals,
        truncate_columns,
    })
}

/// What the core read from a type's name: its canonical spelling and parameters.
#[pyclass(frozen, module = "rio._core", name = "ColumnTypeInfo")]
pub struct PyColumnTypeInfo {
    kind: SqlType,
}

#[pymethods]
impl PyColumnTypeInfo {
    /// The spelling rio uses for the type everywhere (`numeric(10,2)`, `varchar(32)`, …).
    #[getter]
    fn canonical(&self) -> String {
        self.kind.canonical()
    }

    /// The name without parameters (`numeric`, `varchar`, `double precision`, …).
    #[getter]
    fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// The family whose rules the type follows: integer, decimal, float, boolean, character, date,
    /// time, timestamp or super.
    #[getter]
    fn family(&self) -> &'static str {
        self.kind.family().name()
    }

    /// A numeric's precision, else None.
    #[getter]
    fn precision(&self) -> Option<u8> {
        match self.kind {
            SqlType::Numeric { precision, .. } => Some(precision),
            _ => None,
        }
    }

    /// A numeric's scale, else None.
    #[getter]
    fn scale(&self) -> Option<u8> {
        match self.kind {
            SqlType::Numeric { scale, .. } => Some(scale),
            _ => None,
        }
    }

    /// The width in bytes of a char or varchar, else None.
    #[getter]
    fn max_bytes(&self) -> Option<u32> {
        self.kind.max_bytes()
    }

    /// The name Redshift's load-error tables give the type (`int4`, `float8`, `varchar`, …).
    #[getter]
    fn redshift_name(&self) -> &'static str {
        self.kind.redshift_name()
    }

    fn __repr__(&self) -> String {
        format!("ColumnTypeInfo({:?})", self.kind.canonical())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyColumnTypeInfo>()
            .is_ok_and(|other| other.get().kind == self.kind)
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.kind.hash(&mut hasher);
        hasher.finish()
    }
}

/// Read a column type's name, as a config writes it (`warehouse=False`: a bare `text` is
/// `varchar(256)`) or as a warehouse reports an existing column's (`warehouse=True`: `text` has no
/// width). Raises `rio.errors.UnsupportedType` saying why, with the allowed range.
#[pyfunction]
#[pyo3(signature = (spec, *, warehouse = false))]
pub fn parse_column_type(spec: &str, warehouse: bool) -> PyResult<PyColumnTypeInfo> {
    let dialect = if warehouse {
        Dialect::Warehouse
    } else {
        Dialect::Config
    };
    SqlType::parse(spec, dialect)
        .map(|kind| PyColumnTypeInfo { kind })
        .map_err(|problem| UnsupportedType::new_err(problem.to_string()))
}
