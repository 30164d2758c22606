//! The Python classes of `rio._core`: thin wrappers that convert arguments, call the Rust types,
//! and convert results. Errors become the classes of `rio.errors` in `py_errors`.
//!
//! The GIL is held while rows are read out of Python objects, and by `pack` while it appends its
//! row (letting go of it for one row would cost more than the append). `pack_many` appends its
//! batches, and every call waits for room, for a part or for a flush, with the GIL released, in
//! slices that check for Ctrl-C.

use std::cell::Cell;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDateTime, PyDict, PyString, PyTuple};
use pyo3::PyTraverseError;

use crate::columns::{ColumnSpec, Columns};
use crate::encode::{encode_dict, wrong_row_type};
use crate::error::CoreError;
use crate::gzip::DEFAULT_LEVEL;
use crate::packer::{
    FinishedPart, NextPart, Packer, PackerOptions, DEFAULT_BUFFER_SIZE, DEFAULT_MAX_PARTS_IN_FLIGHT,
};
use crate::py_errors::{core_error, PackerClosed};
use crate::py_types::{column_type, conversion};
use crate::rows::{RowBatch, RowRules};
use crate::stats::KeyStats;
use crate::timefmt::{civil_from_days, MICROS_PER_DAY, MICROS_PER_SECOND};
use crate::types::Dialect;

/// How long a blocked call waits with the GIL released before it checks for signals.
const WAIT_SLICE: Duration = Duration::from_millis(100);
/// `pack_many` hands rows to the packer in batches about this big.
const BATCH_BYTES: usize = 256 * 1024;
/// A batch buffer bigger than this is not kept for the next call.
const KEPT_BATCH_BYTES: usize = 4 * 1024 * 1024;

thread_local! {
    /// Each thread reuses one batch buffer, so packing a row allocates nothing in steady state.
    static SPARE_BATCH: Cell<Option<Box<RowBatch>>> = const { Cell::new(None) };
}

fn take_batch() -> Box<RowBatch> {
    SPARE_BATCH.with(Cell::take).unwrap_or_default()
}

fn give_back_batch(mut batch: Box<RowBatch>) {
    if batch.data.capacity() <= KEPT_BATCH_BYTES {
        batch.clear();
        SPARE_BATCH.with(|spare| spare.set(Some(batch)));
    }
}

/// Encode one Python row into the batch and check it; on error the batch is unchanged.
fn push_row(
    row: &Bound<'_, PyAny>,
    batch: &mut RowBatch,
    rules: &RowRules,
) -> Result<(), CoreError> {
    if let Ok(dict) = row.cast::<PyDict>() {
        batch.begin_row();
        let result = encode_dict(dict, batch, rules)
            .and_then(|keys_may_repeat| batch.finish_row(rules, keys_may_repeat));
        if result.is_err() {
            batch.abort_row();
        }
        return result;
    }
    if let Ok(bytes) = row.cast::<PyBytes>() {
        return batch.push_json(bytes.as_bytes(), rules);
    }
    if let Ok(text) = row.cast::<PyString>() {
        let text = text.to_str().map_err(|_| lone_surrogate_error(row))?;
        return batch.push_json(text.as_bytes(), rules);
    }
    Err(CoreError::UnsupportedValue {
        key: String::new(),
        reason: wrong_row_type(row),
    })
}

/// Where in a str row its first lone surrogate sits, as a byte of its UTF-8 form.
#[cold]
fn lone_surrogate_error(row: &Bound<'_, PyAny>) -> CoreError {
    let position = row
        .call_method1("encode", ("utf-8", "surrogatepass"))
        .ok()
        .and_then(|encoded| {
            let bytes = encoded.cast::<PyBytes>().ok()?.as_bytes().to_vec();
            // A surrogate encodes as ED A0..BF xx, which valid UTF-8 never holds.
            bytes.windows(2).position(|w| w[0] == 0xED && w[1] >= 0xA0)
        });
    CoreError::InvalidJson {
        reason: "the str holds a lone surrogate, which is not valid Unicode".to_owned(),
        position,
    }
}

fn datetime_from_micros(py: Python<'_>, micros: i64) -> PyResult<Bound<'_, PyDateTime>> {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let in_day = micros.rem_euclid(MICROS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let seconds = in_day / MICROS_PER_SECOND;
    PyDateTime::new(
        py,
        i32::try_from(year).unwrap_or(i32::MAX),
        month as u8,
        day as u8,
        (seconds / 3600) as u8,
        (seconds / 60 % 60) as u8,
        (seconds % 60) as u8,
        (in_day % MICROS_PER_SECOND) as u32,
        None,
    )
}

fn optional_datetime(
    py: Python<'_>,
    micros: Option<i64>,
) -> PyResult<Option<Bound<'_, PyDateTime>>> {
    micros.map(|m| datetime_from_micros(py, m)).transpose()
}

fn at_least_one(name: &str, value: i64) -> PyResult<usize> {
    usize::try_from(value)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| PyValueError::new_err(format!("{name} must be at least 1, not {value}")))
}

/// Read the destination's columns: `rio.config.Column` objects (or anything with `name`, `type`
/// and `not_null`), or `(name, type[, not_null])` tuples. Types are read as a config names them;
/// one rio cannot load raises `rio.errors.UnsupportedType`.
fn extract_columns(columns: &Bound<'_, PyAny>) -> PyResult<Vec<ColumnSpec>> {
    let mut specs = Vec::new();
    for (index, item) in columns.try_iter()?.enumerate() {
        let item = item?;
        let (name, kind, not_null): (String, String, bool) =
            if let Ok(tuple) = item.cast::<PyTuple>() {
                if !(2..=3).contains(&tuple.len()) {
                    return Err(PyValueError::new_err(format!(
                        "columns[{index}] is a tuple of {} items; give (name, type) or \
                         (name, type, not_null)",
                        tuple.len()
                    )));
                }
                let not_null = if tuple.len() > 2 {
                    tuple.get_item(2)?.is_truthy()?
                } else {
                    false
                };
                (
                    tuple.get_item(0)?.extract()?,
                    tuple.get_item(1)?.extract()?,
                    not_null,
                )
            } else {
                (
                    item.getattr("name")?.extract()?,
                    item.getattr("type")?.extract()?,
                    item.getattr("not_null")?.is_truthy()?,
                )
            };
        let kind = column_type(index, &name, &kind, Dialect::Config)?;
        specs.push(ColumnSpec {
            name,
            kind,
            not_null,
        });
    }
    Ok(specs)
}

/// Rows in, gzip'd NDJSON parts out: rio's packer.
///
/// `pack` takes a row from any thread: a dict, or bytes or str holding exactly one JSON object. The
/// row is checked (and against `columns`, when given), written as one compact line, and added to
/// the current part. **Rotation rule:** no part holds more than `buffer_size` bytes of NDJSON,
/// except a part holding one row that alone is larger. Full parts are compressed on `threads`
/// worker threads; `next_part` (or iterating) takes them in number order. When
/// `max_parts_in_flight` parts wait to be taken, `pack` blocks until one is.
///
/// The column checks follow the load the parts are for: `time_format`, `date_format`,
/// `accept_invalid_chars`, `round_decimals` and `truncate_long_text` are its COPY options
/// (TIMEFORMAT, DATEFORMAT, ACCEPTINVCHARS, ROUNDEC, TRUNCATECOLUMNS).
#[pyclass(frozen, module = "rio._core", name = "Packer")]
pub struct PyPacker {
    inner: Packer,
    level: i32,
    threads: usize,
    max_parts_in_flight: usize,
}

impl PyPacker {
    /// Let `build` fill a batch by the packer's rules with the GIL released, then pack what it
    /// filled (also when it then failed); returns what `build` returned.
    pub(crate) fn pack_built<R: Send>(
        &self,
        py: Python<'_>,
        build: impl FnOnce(&mut RowBatch, &RowRules) -> R + Send,
    ) -> PyResult<R> {
        self.refuse_if_closed(py)?;
        let mut batch = take_batch();
        let built = py.detach(|| build(&mut batch, &self.inner.rules));
        let appended = self.append_released(py, &batch);
        give_back_batch(batch);
        appended.map(|()| built)
    }

    fn refuse_if_closed(&self, py: Python<'_>) -> PyResult<()> {
        if self.inner.is_closed() {
            return Err(core_error(py, CoreError::Closed, None));
        }
        Ok(())
    }

    /// Append a batch, waiting (without the GIL) for room as often as needed.
    fn append(&self, py: Python<'_>, batch: &RowBatch) -> PyResult<()> {
        let mut from = 0;
        loop {
            from = self
                .inner
                .append(batch, from)
                .map_err(|err| core_error(py, err, None))?;
            if from == batch.len() {
                return Ok(());
            }
            py.detach(|| self.inner.wait_for_room(WAIT_SLICE));
            py.check_signals()?;
        }
    }

    /// `append` with the GIL released: copying a batch in and counting its statistics need no
    /// Python. `pack_many` reads rows without running bytecode, so it never gives the GIL up on its
    /// own; holding it here too kept the threads that store parts waiting until the packer was full
    /// (with 10 MB parts and two compression threads, storing a part into a local directory took
    /// 84 ms instead of 12, and streaming 10 M rows through a pipe peaked 69 MB above its start
    /// instead of 49).
    fn append_released(&self, py: Python<'_>, batch: &RowBatch) -> PyResult<()> {
        let mut from = 0;
        loop {
            let appended = py.detach(|| {
                let started = Instant::now();
                let mut from = from;
                loop {
                    from = self.inner.append(batch, from)?;
                    let waited = started.elapsed();
                    if from == batch.len() || waited >= WAIT_SLICE {
                        return Ok(from);
                    }
                    self.inner.wait_for_room(WAIT_SLICE - waited);
                }
            });
            from = appended.map_err(|err| core_error(py, err, None))?;
            if from == batch.len() {
                return Ok(());
            }
            py.check_signals()?;
        }
    }

    /// Call `attempt` until it succeeds, waiting for room in between.
    fn until_done(
        &self,
        py: Python<'_>,
        attempt: impl Fn(&Packer) -> Result<bool, CoreError>,
    ) -> PyResult<()> {
        while !attempt(&self.inner).map_err(|err| core_error(py, err, None))? {
            py.detach(|| self.inner.wait_for_room(WAIT_SLICE));
            py.check_signals()?;
        }
        Ok(())
    }
}

#[pymethods]
impl PyPacker {
    #[new]
    #[pyo3(signature = (
        buffer_size = DEFAULT_BUFFER_SIZE as i64,
        compression_level = DEFAULT_LEVEL as i64,
        columns = None,
        data_timestamp_column = None,
        max_parts_in_flight = DEFAULT_MAX_PARTS_IN_FLIGHT as i64,
        threads = None,
        truncate_long_text = false,
        time_format = "auto",
        date_format = "auto",
        accept_invalid_chars = None,
        round_decimals = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        buffer_size: i64,
        compression_level: i64,
        columns: Option<&Bound<'_, PyAny>>,
        data_timestamp_column: Option<&str>,
        max_parts_in_flight: i64,
        threads: Option<i64>,
        truncate_long_text: bool,
        time_format: &str,
        date_format: &str,
        accept_invalid_chars: Option<&str>,
        round_decimals: bool,
    ) -> PyResult<Self> {
        let buffer_size = at_least_one("buffer_size", buffer_size)?;
        let max_parts_in_flight = at_least_one("max_parts_in_flight", max_parts_in_flight)?;
        let threads = threads.map(|n| at_least_one("threads", n)).transpose()?;
        let compression_level = i32::try_from(compression_level)
            .ok()
            .filter(|level| (0..=crate::gzip::MAX_LEVEL).contains(level))
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "compression_level must be between 0 and {}, not {compression_level}",
                    crate::gzip::MAX_LEVEL
                ))
            })?;
        let conversion = conversion(
            time_format,
            date_format,
            accept_invalid_chars,
            round_decimals,
            truncate_long_text,
        )?;
        let columns = columns
            .map(|columns| extract_columns(columns).and_then(|specs| Ok(Columns::new(specs)?)))
            .transpose()?;
        let defaults = PackerOptions::default();
        let threads = threads.unwrap_or(defaults.threads);
        let options = PackerOptions {
            buffer_size,
            level: compression_level,
            threads,
            max_parts_in_flight,
            rules: RowRules {
                columns,
                timestamp_key: data_timestamp_column.map(str::to_ascii_lowercase),
                conversion,
            },
        };
        Ok(PyPacker {
            inner: Packer::new(options)?,
            level: compression_level,
            threads,
            max_parts_in_flight,
        })
    }

    /// Pack one row. A refused row raises a `rio.errors.RowError` and leaves nothing behind.
    fn pack(&self, py: Python<'_>, row: &Bound<'_, PyAny>) -> PyResult<()> {
        self.refuse_if_closed(py)?;
        let mut batch = take_batch();
        let result = match push_row(row, &mut batch, &self.inner.rules) {
            Ok(()) => self.append(py, &batch),
            Err(err) => Err(core_error(py, err, None)),
        };
        give_back_batch(batch);
        result
    }

    /// Pack every row of an iterable; returns how many. A refused row raises with its position
    /// (`err.row`); the rows before it are packed, the rows after it are not.
    fn pack_many(&self, py: Python<'_>, rows: &Bound<'_, PyAny>) -> PyResult<usize> {
        self.refuse_if_closed(py)?;
        let mut batch = take_batch();
        let mut packed = 0;
        let result = (|| {
            for (index, row) in rows.try_iter()?.enumerate() {
                // An error raised by the iterable keeps the rows it gave before, like a refused row.
                let row = match row {
                    Ok(row) => row,
                    Err(err) => {
                        self.append_released(py, &batch)?;
                        return Err(err);
                    }
                };
                if let Err(err) = push_row(&row, &mut batch, &self.inner.rules) {
                    self.append_released(py, &batch)?;
                    return Err(core_error(py, err, Some(index)));
                }
                if batch.data.len() >= BATCH_BYTES {
                    self.append_released(py, &batch)?;
                    packed += batch.len();
                    batch.clear();
                }
            }
            self.append_released(py, &batch)?;
            packed += batch.len();
            Ok(packed)
        })();
        give_back_batch(batch);
        result
    }

    /// Cut the current buffer into a part now, even if it is not full.
    fn flush(&self, py: Python<'_>) -> PyResult<()> {
        self.until_done(py, Packer::try_flush)
    }

    /// Flush, and take no more rows. The remaining parts can still be taken. Closing twice is fine.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.until_done(py, |packer| Ok(packer.try_close()))
    }

    /// The next part in number order, waiting up to `timeout` seconds (forever when `None`).
    /// Returns `None` when the timeout passes, or once the packer is closed and every part taken.
    #[pyo3(signature = (timeout = None))]
    fn next_part(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<PyPart>> {
        let deadline = match timeout {
            Some(seconds) if !(seconds >= 0.0 && seconds.is_finite()) => {
                return Err(PyValueError::new_err(format!(
                    "timeout must be a number of seconds >= 0, not {seconds}"
                )))
            }
            Some(seconds) => Some(Instant::now() + Duration::from_secs_f64(seconds)),
            None => None,
        };
        loop {
            let slice = match deadline {
                Some(deadline) => deadline
                    .saturating_duration_since(Instant::now())
                    .min(WAIT_SLICE),
                None => WAIT_SLICE,
            };
            match py.detach(|| self.inner.next_part(Some(slice)))? {
                NextPart::Part(part) => return Ok(Some(PyPart::new(py, part))),
                NextPart::Done => return Ok(None),
                NextPart::Timeout => {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(None);
                    }
                }
            }
            py.check_signals()?;
        }
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<PyPart>> {
        self.next_part(py, None)
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    /// What the packer has seen so far.
    fn stats(&self, py: Python<'_>) -> PyResult<PyPackStats> {
        let snapshot = self.inner.stats();
        let keys = PyDict::new(py);
        for key in &snapshot.stats.keys {
            let column = self.inner.rules.columns.as_ref().and_then(|columns| {
                columns
                    .find(&key.folded)
                    .map(|index| columns.spec(index).name.clone())
            });
            keys.set_item(&key.key, PyKeyStats::new(key, column))?;
        }
        Ok(PyPackStats {
            rows: snapshot.stats.rows,
            parts: snapshot.parts,
            raw_bytes: snapshot.stats.raw_bytes,
            compressed_bytes: snapshot.compressed_bytes,
            parts_compressed: snapshot.parts_compressed,
            keys: keys.unbind(),
            min_timestamp: snapshot.stats.min_timestamp,
            max_timestamp: snapshot.stats.max_timestamp,
        })
    }

    #[getter]
    fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    #[getter]
    fn parts_in_flight(&self) -> usize {
        self.inner.parts_in_flight()
    }

    #[getter]
    fn buffer_size(&self) -> usize {
        self.inner.buffer_size()
    }

    #[getter]
    fn compression_level(&self) -> i32 {
        self.level
    }

    #[getter]
    fn threads(&self) -> usize {
        self.threads
    }

    #[getter]
    fn max_parts_in_flight(&self) -> usize {
        self.max_parts_in_flight
    }

    fn __repr__(&self) -> String {
        format!(
            "Packer(buffer_size={}, compression_level={}, threads={}, max_parts_in_flight={}, closed={})",
            self.inner.buffer_size(),
            self.level,
            self.threads,
            self.max_parts_in_flight,
            if self.inner.is_closed() { "True" } else { "False" }
        )
    }
}

/// The per-row entrance of a `rio.pipe.RedshiftIO`: packs a row into the pipe's current packer
/// without a Python frame in between, and hands it to `refused` (the pipe's own checks, which raise
/// or pack) when the pipe took its packer away (`open(None)`) or the packer closed under the row.
///
/// A Python method in front of `Packer.pack` cost 0.12 s of the producer's time per million event
/// rows checked against 7 columns (0.71 s instead of 0.59), a fifth of what packing them took.
#[pyclass(frozen, module = "rio._core", name = "PackGate")]
pub struct PyPackGate {
    packer: Mutex<Option<Py<PyPacker>>>,
    refused: Py<PyAny>,
}

#[pymethods]
impl PyPackGate {
    #[new]
    fn new(refused: Py<PyAny>) -> Self {
        PyPackGate {
            packer: Mutex::new(None),
            refused,
        }
    }

    /// Send rows to `packer` from now on; `None` sends every row to `refused`.
    fn open(&self, packer: Option<Py<PyPacker>>) {
        // The packer given up is dropped once the lock is released.
        let _previous = std::mem::replace(
            &mut *self.packer.lock().unwrap_or_else(PoisonError::into_inner),
            packer,
        );
    }

    /// Pack one row into the open packer, or call `refused(row)` when there is none or it closed.
    fn pack(&self, py: Python<'_>, row: &Bound<'_, PyAny>) -> PyResult<()> {
        let packer = self
            .packer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|packer| packer.clone_ref(py));
        if let Some(packer) = packer {
            match packer.get().pack(py, row) {
                Err(err) if err.is_instance_of::<PackerClosed>(py) => {}
                packed => return packed,
            }
        }
        self.refused.call1(py, (row,)).map(drop)
    }

    // `refused` is the pipe's method, so the pipe and its gate hold each other: the collector
    // must see both references to free them.
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.refused)?;
        if let Ok(packer) = self.packer.try_lock() {
            visit.call(&*packer)?;
        }
        Ok(())
    }

    fn __clear__(&self) {
        self.open(None);
    }
}

/// A finished part: one gzip member holding `rows` lines of NDJSON (`raw_bytes` before gzip).
#[pyclass(frozen, module = "rio._core", name = "Part")]
pub struct PyPart {
    #[pyo3(get)]
    number: u64,
    #[pyo3(get)]
    rows: u64,
    #[pyo3(get)]
    raw_bytes: u64,
    #[pyo3(get)]
    data: Py<PyBytes>,
    min_timestamp: Option<i64>,
    max_timestamp: Option<i64>,
}

impl PyPart {
    fn new(py: Python<'_>, part: FinishedPart) -> Self {
        PyPart {
            number: part.number,
            rows: part.rows,
            raw_bytes: part.raw_bytes,
            data: PyBytes::new(py, &part.data).unbind(),
            min_timestamp: part.min_timestamp,
            max_timestamp: part.max_timestamp,
        }
    }
}

#[pymethods]
impl PyPart {
    /// The size of `data`.
    #[getter]
    fn compressed_bytes(&self, py: Python<'_>) -> usize {
        self.data.bind(py).as_bytes().len()
    }

    /// The earliest data timestamp in the part (naive, as loaded), or `None`.
    #[getter]
    fn min_data_timestamp<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDateTime>>> {
        optional_datetime(py, self.min_timestamp)
    }

    /// The latest data timestamp in the part (naive, as loaded), or `None`.
    #[getter]
    fn max_data_timestamp<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDateTime>>> {
        optional_datetime(py, self.max_timestamp)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Part(number={}, rows={}, raw_bytes={}, compressed_bytes={})",
            self.number,
            self.rows,
            self.raw_bytes,
            self.compressed_bytes(py)
        )
    }
}

/// What a packer has seen: rows, parts, bytes, and per top-level key its statistics.
#[pyclass(frozen, module = "rio._core", name = "PackStats")]
pub struct PyPackStats {
    /// Rows accepted.
    #[pyo3(get)]
    rows: u64,
    /// Parts cut so far.
    #[pyo3(get)]
    parts: u64,
    /// NDJSON bytes accepted.
    #[pyo3(get)]
    raw_bytes: u64,
    /// gzip bytes of the parts compressed so far.
    #[pyo3(get)]
    compressed_bytes: u64,
    /// Parts compressed so far.
    #[pyo3(get)]
    parts_compressed: u64,
    /// Statistics per top-level key, keyed as first seen.
    #[pyo3(get)]
    keys: Py<PyDict>,
    min_timestamp: Option<i64>,
    max_timestamp: Option<i64>,
}

#[pymethods]
impl PyPackStats {
    #[getter]
    fn min_data_timestamp<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDateTime>>> {
        optional_datetime(py, self.min_timestamp)
    }

    #[getter]
    fn max_data_timestamp<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDateTime>>> {
        optional_datetime(py, self.max_timestamp)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "PackStats(rows={}, parts={}, raw_bytes={}, compressed_bytes={}, keys={})",
            self.rows,
            self.parts,
            self.raw_bytes,
            self.compressed_bytes,
            self.keys.bind(py).len()
        )
    }
}

/// Statistics of one top-level key.
#[pyclass(frozen, module = "rio._core", name = "KeyStats")]
pub struct PyKeyStats {
    /// The key as first seen.
    #[pyo3(get)]
    key: String,
    /// Rows holding the key.
    #[pyo3(get)]
    count: u64,
    /// Rows where it is null.
    #[pyo3(get)]
    nulls: u64,
    /// The JSON types seen: some of "null", "boolean", "number", "string", "array", "object".
    #[pyo3(get)]
    types: Vec<&'static str>,
    /// The longest string value, in UTF-8 bytes.
    #[pyo3(get)]
    max_bytes: u64,
    /// The column the key loads into, or `None` (no such column, or no columns given).
    #[pyo3(get)]
    column: Option<String>,
}

impl PyKeyStats {
    fn new(stats: &KeyStats, column: Option<String>) -> Self {
        PyKeyStats {
            key: stats.key.clone(),
            count: stats.count,
            nulls: stats.nulls,
            types: stats.type_names(),
            max_bytes: stats.max_bytes,
            column,
        }
    }
}

#[pymethods]
impl PyKeyStats {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repr = |value: &Bound<'_, PyAny>| -> PyResult<String> { Ok(value.repr()?.to_string()) };
        Ok(format!(
            "KeyStats(key={}, count={}, nulls={}, types={}, max_bytes={}, column={})",
            repr(PyString::new(py, &self.key).as_any())?,
            self.count,
            self.nulls,
            repr(&self.types.clone().into_pyobject(py)?)?,
            self.max_bytes,
            repr(&self.column.clone().into_pyobject(py)?)?,
        ))
    }
}
