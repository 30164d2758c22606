//! The packer: accepted rows → parts of at most `buffer_size` bytes → gzip on worker threads.
//!
//! Producers append checked rows (a `RowBatch`) under one lock that owns the buffer, the part
//! counter and the statistics, so every row lands in exactly one part and parts are numbered from
//! one sequence with no gaps. A full buffer is cut into a part and handed to a pool of named
//! worker threads that compress it; finished parts wait, in number order, until `next_part` takes
//! them. Nothing here touches Python, and nothing blocks while holding the lock.
//!
//! **Rotation rule:** a part never holds more than `buffer_size` bytes of NDJSON, except a part
//! holding a single row that alone is larger.
//!
//! **Backpressure and memory:** a part is cut only while fewer than `max_parts_in_flight` parts
//! wait to be taken and fewer than `threads` wait to be compressed. Otherwise `append` stops and
//! the caller waits for room. So the packer holds at most one filling buffer, `threads` raw
//! buffers being compressed, and `max_parts_in_flight` compressed parts.

use std::collections::BTreeMap;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{Builder, JoinHandle};
use std::time::{Duration, Instant};

use crossbeam_channel::{unbounded, Receiver, Sender};

use crate::error::CoreError;
use crate::gzip::{Gzip, DEFAULT_LEVEL};
use crate::rows::{RowBatch, RowRules};
use crate::stats::Stats;

/// The Go rio's default part size: 10 MB, decimal.
pub const DEFAULT_BUFFER_SIZE: usize = 10_000_000;
/// Enough for the workers to keep busy while an uploader takes parts, small enough for memory.
pub const DEFAULT_MAX_PARTS_IN_FLIGHT: usize = 4;

#[derive(Clone, Debug)]
pub struct PackerOptions {
    pub buffer_size: usize,
    pub level: i32,
    pub threads: usize,
    pub max_parts_in_flight: usize,
    pub rules: RowRules,
}

impl Default for PackerOptions {
    fn default() -> Self {
        PackerOptions {
            buffer_size: DEFAULT_BUFFER_SIZE,
            level: DEFAULT_LEVEL,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_parts_in_flight: DEFAULT_MAX_PARTS_IN_FLIGHT,
            rules: RowRules::default(),
        }
    }
}

/// A compressed part, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedPart {
    pub number: u64,
    /// One gzip member holding the part's NDJSON.
    pub data: Vec<u8>,
    pub rows: u64,
    /// The size of the NDJSON before compression.
    pub raw_bytes: u64,
    pub min_timestamp: Option<i64>,
    pub max_timestamp: Option<i64>,
}

/// What `next_part` found.
#[derive(Debug)]
pub enum NextPart {
    Part(FinishedPart),
    /// No part was ready within the timeout.
    Timeout,
    /// The packer is closed and every part has been taken.
    Done,
}

/// Totals for `stats`.
#[derive(Clone, Debug)]
pub struct StatsSnapshot {
    pub stats: Stats,
    pub parts: u64,
    pub parts_compressed: u64,
    pub compressed_bytes: u64,
}

struct PartJob {
    number: u64,
    raw: Vec<u8>,
    rows: u64,
    min_timestamp: Option<i64>,
    max_timestamp: Option<i64>,
}

struct State {
    buffer: Vec<u8>,
    part_rows: u64,
    part_min: Option<i64>,
    part_max: Option<i64>,
    next_number: u64,
    /// Parts cut and not yet taken by `next_part`.
    not_taken: usize,
    /// Parts cut and not yet compressed.
    not_compressed: usize,
    closed: bool,
    stats: Stats,
    jobs: Option<Sender<PartJob>>,
}

#[derive(Default)]
struct Output {
    ready: BTreeMap<u64, FinishedPart>,
    next_out: u64,
    /// Once closed: how many parts there will ever be.
    total: Option<u64>,
    failure: Option<String>,
    parts_compressed: u64,
    compressed_bytes: u64,
}

struct Shared {
    /// Mirrors `State::closed`, so callers can refuse work without taking the lock.
    closed: AtomicBool,
    buffer_size: usize,
    threads: usize,
    max_parts_in_flight: usize,
    state: Mutex<State>,
    /// Signalled when a part is taken or compressed: there may be room to cut another.
    room: Condvar,
    output: Mutex<Output>,
    /// Signalled when a part is compressed, a worker fails, or the packer closes.
    part_ready: Condvar,
    /// Raw buffers given back by the workers, so steady state allocates nothing.
    spare_buffers: Mutex<Vec<Vec<u8>>>,
}

pub struct Packer {
    shared: Arc<Shared>,
    pub rules: RowRules,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// A poisoned lock means a thread panicked while holding it; the data is still consistent
/// because every critical section here finishes its updates before it can panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What a compression worker thread runs.
type WorkerBody = Box<dyn FnOnce() + Send>;

impl Packer {
    pub fn new(options: PackerOptions) -> Result<Self, CoreError> {
        Packer::start(options, |builder, work| builder.spawn(work))
    }

    /// `new` with the way threads are spawned given, so a thread the system refuses can be tested.
    fn start(
        options: PackerOptions,
        mut spawn: impl FnMut(Builder, WorkerBody) -> io::Result<JoinHandle<()>>,
    ) -> Result<Self, CoreError> {
        if options.buffer_size == 0 {
            return Err(CoreError::InvalidArgument(
                "buffer_size must be at least 1 byte".to_owned(),
            ));
        }
        if options.threads == 0 {
            return Err(CoreError::InvalidArgument(
                "threads must be at least 1".to_owned(),
            ));
        }
        if options.max_parts_in_flight == 0 {
            return Err(CoreError::InvalidArgument(
                "max_parts_in_flight must be at least 1".to_owned(),
            ));
        }
        // Every worker's compressor is made here, in the caller's thread: a level libdeflate
        // refuses, or no memory for a compressor, is the caller's error, never a worker that
        // quietly does not run.
        let compressors = (0..options.threads)
            .map(|_| Gzip::new(options.level))
            .collect::<Result<Vec<_>, _>>()?;
        let (sender, receiver) = unbounded::<PartJob>();
        let shared = Arc::new(Shared {
            closed: AtomicBool::new(false),
            buffer_size: options.buffer_size,
            threads: options.threads,
            max_parts_in_flight: options.max_parts_in_flight,
            state: Mutex::new(State {
                buffer: Vec::new(),
                part_rows: 0,
                part_min: None,
                part_max: None,
                next_number: 0,
                not_taken: 0,
                not_compressed: 0,
                closed: false,
                stats: Stats::default(),
                jobs: Some(sender),
            }),
            room: Condvar::new(),
            output: Mutex::new(Output::default()),
            part_ready: Condvar::new(),
            spare_buffers: Mutex::new(Vec::new()),
        });
        let packer = Packer {
            shared,
            rules: options.rules,
            workers: Mutex::new(Vec::with_capacity(options.threads)),
        };
        for (index, gzip) in compressors.into_iter().enumerate() {
            let name = format!("rio-gzip-{index}");
            let shared = Arc::clone(&packer.shared);
            let receiver = receiver.clone();
            let work: WorkerBody = Box::new(move || compress_parts(&shared, &receiver, gzip));
            // On error, dropping `packer` closes the queue and joins the workers already started.
            let handle = spawn(Builder::new().name(name.clone()), work).map_err(|err| {
                CoreError::WorkerNotStarted {
                    thread: name,
                    threads: options.threads,
                    reason: err.to_string(),
                }
            })?;
            lock(&packer.workers).push(handle);
        }
        Ok(packer)
    }

    pub fn buffer_size(&self) -> usize {
        self.shared.buffer_size
    }

    /// Append the rows of `batch` from index `from` on, cutting parts as they fill.
    ///
    /// Returns the index of the first row not appended: `batch.len()` when all were, less when a
    /// part had to be cut and there was no room; then wait with `wait_for_room` and call again.
    pub fn append(&self, batch: &RowBatch, from: usize) -> Result<usize, CoreError> {
        let shared = &*self.shared;
        let mut state = lock(&shared.state);
        if state.closed {
            return Err(CoreError::Closed);
        }
        let mut start = if from == 0 {
            0
        } else {
            batch.rows[from - 1].end
        };
        for index in from..batch.len() {
            let meta = &batch.rows[index];
            let row_bytes = meta.end - start;
            if state.buffer.len() + row_bytes > shared.buffer_size && state.part_rows > 0 {
                if !shared.has_room(&state) {
                    return Ok(index);
                }
                shared.cut(&mut state);
            }
            if state.buffer.capacity() == 0 {
                state.buffer = shared.fresh_buffer();
            }
            state.buffer.extend_from_slice(&batch.data[start..meta.end]);
            state.part_rows += 1;
            if let Some(ts) = meta.timestamp {
                state.part_min = Some(state.part_min.map_or(ts, |m| m.min(ts)));
                state.part_max = Some(state.part_max.map_or(ts, |m| m.max(ts)));
            }
            state.stats.add_row(
                &batch.data,
                &batch.fields[meta.fields.clone()],
                row_bytes,
                meta.timestamp,
            );
            start = meta.end;
        }
        Ok(batch.len())
    }

    /// Wait up to `timeout` for room to cut a part. Returns whether there is room now.
    pub fn wait_for_room(&self, timeout: Duration) -> bool {
        let shared = &*self.shared;
        let state = lock(&shared.state);
        if shared.has_room(&state) || state.closed {
            return true;
        }
        let (state, _) = shared
            .room
            .wait_timeout_while(state, timeout, |state| {
                !shared.has_room(state) && !state.closed
            })
            .unwrap_or_else(PoisonError::into_inner);
        shared.has_room(&state) || state.closed
    }

    /// Cut the buffer into a part even if it is not full. Returns false when there was no room
    /// (wait and call again), true when it was cut or was empty.
    pub fn try_flush(&self) -> Result<bool, CoreError> {
        let shared = &*self.shared;
        let mut state = lock(&shared.state);
        if state.closed {
            return Err(CoreError::Closed);
        }
        if state.part_rows == 0 {
            return Ok(true);
        }
        if !shared.has_room(&state) {
            return Ok(false);
        }
        shared.cut(&mut state);
        Ok(true)
    }

    /// Flush and close: no more rows. Returns false when the last part could not be cut yet
    /// (wait and call again). Closing twice is harmless.
    pub fn try_close(&self) -> bool {
        let shared = &*self.shared;
        let mut state = lock(&shared.state);
        if state.closed {
            return true;
        }
        if state.part_rows > 0 {
            if !shared.has_room(&state) {
                return false;
            }
            shared.cut(&mut state);
        }
        state.closed = true;
        shared.closed.store(true, Ordering::Release);
        // Dropping the sender lets the workers finish the queue and stop.
        state.jobs = None;
        let total = state.next_number;
        drop(state);
        shared.room.notify_all();
        lock(&shared.output).total = Some(total);
        shared.part_ready.notify_all();
        true
    }

    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// The next part in number order, waiting up to `timeout` (forever with `None`).
    pub fn next_part(&self, timeout: Option<Duration>) -> Result<NextPart, CoreError> {
        let shared = &*self.shared;
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut output = lock(&shared.output);
        loop {
            let next = output.next_out;
            if let Some(part) = output.ready.remove(&next) {
                output.next_out += 1;
                drop(output);
                lock(&shared.state).not_taken -= 1;
                shared.room.notify_all();
                return Ok(NextPart::Part(part));
            }
            if let Some(failure) = &output.failure {
                return Err(CoreError::WorkerFailed(failure.clone()));
            }
            if output.total == Some(next) {
                return Ok(NextPart::Done);
            }
            output = match deadline {
                None => shared
                    .part_ready
                    .wait(output)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Ok(NextPart::Timeout);
                    }
                    shared
                        .part_ready
                        .wait_timeout(output, deadline - now)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
        }
    }

    /// Parts cut and not yet taken.
    pub fn parts_in_flight(&self) -> usize {
        lock(&self.shared.state).not_taken
    }

    pub fn stats(&self) -> StatsSnapshot {
        let (stats, parts) = {
            let state = lock(&self.shared.state);
            (state.stats.clone(), state.next_number)
        };
        let output = lock(&self.shared.output);
        StatsSnapshot {
            stats,
            parts,
            parts_compressed: output.parts_compressed,
            compressed_bytes: output.compressed_bytes,
        }
    }
}

impl Shared {
    fn has_room(&self, state: &State) -> bool {
        state.not_taken < self.max_parts_in_flight && state.not_compressed < self.threads
    }

    fn fresh_buffer(&self) -> Vec<u8> {
        lock(&self.spare_buffers)
            .pop()
            // Untouched capacity costs address space, not memory.
            .unwrap_or_else(|| Vec::with_capacity(self.buffer_size))
    }

    /// Turn the buffer into a part and queue it for compression. The caller checked for room.
    fn cut(&self, state: &mut State) {
        debug_assert!(state.part_rows > 0 && self.has_room(state));
        let job = PartJob {
            number: state.next_number,
            raw: std::mem::take(&mut state.buffer),
            rows: std::mem::take(&mut state.part_rows),
            min_timestamp: state.part_min.take(),
            max_timestamp: state.part_max.take(),
        };
        state.next_number += 1;
        state.not_taken += 1;
        state.not_compressed += 1;
        let jobs = state
            .jobs
            .as_ref()
            .expect("parts are cut only while the packer is open");
        // The receivers live as long as `Shared`, so sending cannot fail.
        let _ = jobs.send(job);
    }

    fn give_back(&self, mut buffer: Vec<u8>) {
        let mut spare = lock(&self.spare_buffers);
        // At most one buffer fills while `threads` compress, and a new one is made only when none
        // is spare, so never more than `threads + 1` exist: keeping them all avoids the churn of
        // freeing and allocating part-sized buffers, which fragments the C heap.
        if spare.len() <= self.threads && buffer.capacity() <= 2 * self.buffer_size {
            buffer.clear();
            spare.push(buffer);
        }
    }
}

/// A worker: compress parts until the packer closes and the queue is empty.
fn compress_parts(shared: &Shared, jobs: &Receiver<PartJob>, mut gzip: Gzip) {
    while let Ok(job) = jobs.recv() {
        let compressed = catch_unwind(AssertUnwindSafe(|| gzip.compress(&job.raw)));
        let raw_bytes = job.raw.len() as u64;
        shared.give_back(job.raw);
        // Count the part as compressed before anyone can take it: whoever takes it must find the
        // room it leaves, or a consumer waiting for room could wait for a part never cut.
        lock(&shared.state).not_compressed -= 1;
        {
            let mut output = lock(&shared.output);
            match compressed {
                Ok(data) => {
                    output.parts_compressed += 1;
                    output.compressed_bytes += data.len() as u64;
                    output.ready.insert(
                        job.number,
                        FinishedPart {
                            number: job.number,
                            rows: job.rows,
                            raw_bytes,
                            min_timestamp: job.min_timestamp,
                            max_timestamp: job.max_timestamp,
                            data,
                        },
                    );
                }
                Err(_) => {
                    output.failure = Some(format!("compressing part {} panicked", job.number));
                }
            }
        }
        shared.room.notify_all();
        shared.part_ready.notify_all();
    }
}

impl Drop for Packer {
    fn drop(&mut self) {
        {
            let mut state = lock(&self.shared.state);
            state.closed = true;
            self.shared.closed.store(true, Ordering::Release);
            state.jobs = None;
        }
        for handle in lock(&self.workers).drain(..) {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packer(buffer_size: usize, threads: usize, in_flight: usize) -> Packer {
        Packer::new(PackerOptions {
            buffer_size,
            level: 1,
            threads,
            max_parts_in_flight: in_flight,
            rules: RowRules::default(),
        })
        .unwrap()
    }

    fn batch_of(rows: &[String]) -> RowBatch {
        let mut batch = RowBatch::default();
        for row in rows {
            batch
                .push_json(row.as_bytes(), &RowRules::default())
                .unwrap();
        }
        batch
    }

    fn gunzip(data: &[u8], raw_bytes: u64) -> Vec<u8> {
        let mut out = vec![0; raw_bytes as usize];
        let size = libdeflater::Decompressor::new()
            .gzip_decompress(data, &mut out)
            .unwrap();
        out.truncate(size);
        out
    }

    /// Take every part, appending with waits as needed, then close and drain.
    fn pack_all(packer: &Packer, batch: &RowBatch) -> Vec<FinishedPart> {
        let mut parts = Vec::new();
        let mut from = 0;
        while from < batch.len() {
            from = packer.append(batch, from).unwrap();
            while let NextPart::Part(part) = packer.next_part(Some(Duration::ZERO)).unwrap() {
                parts.push(part);
            }
            if from < batch.len() {
                packer.wait_for_room(Duration::from_millis(50));
            }
        }
        while !packer.try_close() {
            if let NextPart::Part(part) = packer.next_part(None).unwrap() {
                parts.push(part);
            }
        }
        while let NextPart::Part(part) = packer.next_part(None).unwrap() {
            parts.push(part);
        }
        parts
    }

    #[test]
    fn parts_follow_the_rotation_rule_and_hold_every_row_once() {
        let rows: Vec<String> = (0..1000).map(|i| format!("{{\"i\":{i}}}")).collect();
        let batch = batch_of(&rows);
        let packer = packer(100, 2, 2);
        let parts = pack_all(&packer, &batch);
        let numbers: Vec<u64> = parts.iter().map(|p| p.number).collect();
        assert_eq!(numbers, (0..parts.len() as u64).collect::<Vec<_>>());
        let mut all = Vec::new();
        for part in &parts {
            assert!(
                part.raw_bytes <= 100,
                "part {} has {} bytes",
                part.number,
                part.raw_bytes
            );
            assert!(part.rows > 0);
            let text = gunzip(&part.data, part.raw_bytes);
            assert_eq!(text.len() as u64, part.raw_bytes);
            assert_eq!(
                text.iter().filter(|&&b| b == b'\n').count() as u64,
                part.rows
            );
            all.extend(text);
        }
        assert_eq!(all, batch.data);
    }

    #[test]
    fn a_row_larger_than_the_buffer_is_a_part_of_its_own() {
        let big = format!("{{\"big\":\"{}\"}}", "x".repeat(500));
        let rows = vec!["{\"a\":1}".to_owned(), big.clone(), "{\"b\":2}".to_owned()];
        let packer = packer(100, 1, 4);
        let parts = pack_all(&packer, &batch_of(&rows));
        let sizes: Vec<u64> = parts.iter().map(|p| p.rows).collect();
        assert_eq!(sizes, [1, 1, 1]);
        assert_eq!(parts[1].raw_bytes, big.len() as u64 + 1);
    }

    #[test]
    fn append_stops_when_parts_are_not_taken() {
        let rows: Vec<String> = (0..100)
            .map(|i| format!("{{\"i\":{}}}", 1000 + i))
            .collect();
        let batch = batch_of(&rows); // 11 bytes per row with its newline
        let packer = packer(22, 1, 2); // two rows per part
        let mut appended = 0;
        while packer.wait_for_room(Duration::from_secs(10)) {
            appended = packer.append(&batch, appended).unwrap();
            if packer.parts_in_flight() == 2 {
                break;
            }
        }
        // Two parts wait to be taken and the third is being filled: no room for a fourth.
        assert_eq!(appended, 6);
        assert!(!packer.wait_for_room(Duration::from_millis(50)));
        assert_eq!(packer.append(&batch, appended).unwrap(), 6);
        match packer.next_part(None).unwrap() {
            NextPart::Part(part) => assert_eq!(part.number, 0),
            other => panic!("expected a part, got {other:?}"),
        }
        assert!(packer.wait_for_room(Duration::from_secs(10)));
        assert_eq!(packer.append(&batch, appended).unwrap(), 8);
    }

    #[test]
    fn flush_cuts_a_partial_part_and_close_ends_the_stream() {
        let packer = packer(1_000_000, 1, 4);
        assert!(packer.try_flush().unwrap());
        packer
            .append(&batch_of(&["{\"a\":1}".to_owned()]), 0)
            .unwrap();
        assert!(packer.try_flush().unwrap());
        let NextPart::Part(part) = packer.next_part(None).unwrap() else {
            panic!("expected a part");
        };
        assert_eq!((part.number, part.rows), (0, 1));
        assert!(matches!(
            packer.next_part(Some(Duration::from_millis(10))).unwrap(),
            NextPart::Timeout
        ));
        assert!(packer.try_close());
        assert!(matches!(packer.next_part(None).unwrap(), NextPart::Done));
        assert!(matches!(
            packer.append(&batch_of(&["{}".to_owned()]), 0),
            Err(CoreError::Closed)
        ));
        assert!(packer.try_close());
    }

    #[test]
    fn parts_carry_their_data_timestamps() {
        let rules = RowRules {
            conversion: crate::types::Conversion::default(),
            columns: None,
            timestamp_key: Some("ts".to_owned()),
        };
        let mut batch = RowBatch::default();
        for row in [
            &br#"{"ts":"2026-11-21 10:00:00"}"#[..],
            br#"{"ts":"2026-11-20 09:00:00"}"#,
            br#"{"ts":null}"#,
        ] {
            batch.push_json(row, &rules).unwrap();
        }
        let packer = packer(1_000_000, 1, 4);
        let parts = pack_all(&packer, &batch);
        assert_eq!(parts.len(), 1);
        assert_eq!(
            parts[0].min_timestamp,
            crate::timefmt::parse_timestamp(
                b"2026-11-20 09:00:00",
                &crate::timefmt::DateTimeFormat::Auto
            )
            .map(|moment| moment.micros)
        );
        assert_eq!(
            parts[0].max_timestamp,
            crate::timefmt::parse_timestamp(
                b"2026-11-21 10:00:00",
                &crate::timefmt::DateTimeFormat::Auto
            )
            .map(|moment| moment.micros)
        );
        let stats = packer.stats();
        assert_eq!(stats.stats.rows, 3);
        assert_eq!(stats.parts, 1);
        assert_eq!(stats.compressed_bytes, parts[0].data.len() as u64);
    }

    #[test]
    fn many_threads_append_and_every_row_lands_in_one_part() {
        let packer = Arc::new(packer(4096, 2, 3));
        let consumer = {
            let packer = Arc::clone(&packer);
            std::thread::spawn(move || {
                let mut parts = Vec::new();
                while let NextPart::Part(part) = packer.next_part(None).unwrap() {
                    parts.push(part);
                }
                parts
            })
        };
        let producers: Vec<_> = (0..8)
            .map(|t| {
                let packer = Arc::clone(&packer);
                std::thread::spawn(move || {
                    for chunk in 0..50 {
                        let rows: Vec<String> = (0..100)
                            .map(|i| format!("{{\"t\":{t},\"i\":{}}}", chunk * 100 + i))
                            .collect();
                        let batch = batch_of(&rows);
                        let mut from = 0;
                        while from < batch.len() {
                            from = packer.append(&batch, from).unwrap();
                            if from < batch.len() {
                                packer.wait_for_room(Duration::from_millis(50));
                            }
                        }
                    }
                })
            })
            .collect();
        for producer in producers {
            producer.join().unwrap();
        }
        while !packer.try_close() {
            packer.wait_for_room(Duration::from_millis(50));
        }
        let parts = consumer.join().unwrap();
        let mut lines: Vec<Vec<u8>> = Vec::new();
        for (expected, part) in parts.iter().enumerate() {
            assert_eq!(part.number, expected as u64);
            assert!(part.raw_bytes <= 4096);
            let text = gunzip(&part.data, part.raw_bytes);
            lines.extend(
                text.split(|&b| b == b'\n')
                    .filter(|l| !l.is_empty())
                    .map(<[u8]>::to_vec),
            );
        }
        let mut expected: Vec<Vec<u8>> = (0..8)
            .flat_map(|t| (0..5000).map(move |i| format!("{{\"t\":{t},\"i\":{i}}}").into_bytes()))
            .collect();
        lines.sort();
        expected.sort();
        assert_eq!(lines, expected);
    }

    #[test]
    fn a_worker_thread_the_system_refuses_is_an_error_and_the_started_ones_stop() {
        let mut spawned = 0;
        let options = PackerOptions {
            threads: 3,
            ..PackerOptions::default()
        };
        let result = Packer::start(options, |builder, work| {
            spawned += 1;
            if spawned == 3 {
                return Err(io::Error::other("no more threads"));
            }
            builder.spawn(work)
        });
        // Reaching here means the two started workers were told to stop and were joined.
        let Err(err) = result else {
            panic!("the packer started without its third worker");
        };
        assert_eq!(
            err,
            CoreError::WorkerNotStarted {
                thread: "rio-gzip-2".to_owned(),
                threads: 3,
                reason: "no more threads".to_owned(),
            }
        );
        assert_eq!(
            err.to_string(),
            "could not start the compression worker thread \"rio-gzip-2\" (3 asked for): no more \
             threads; ask for fewer threads"
        );
    }

    #[test]
    fn bad_options_are_refused() {
        let options = |f: fn(&mut PackerOptions)| {
            let mut o = PackerOptions::default();
            f(&mut o);
            Packer::new(o).err().map(|e| e.to_string())
        };
        assert!(options(|o| o.buffer_size = 0)
            .unwrap()
            .contains("buffer_size"));
        assert!(options(|o| o.threads = 0).unwrap().contains("threads"));
        assert!(options(|o| o.max_parts_in_flight = 0)
            .unwrap()
            .contains("max_parts_in_flight"));
        assert!(options(|o| o.level = 13)
            .unwrap()
            .contains("compression_level"));
    }
}
