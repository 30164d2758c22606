//! gzip members from whole parts, with libdeflate.
//!
//! Chosen by measurement on rio's NDJSON event rows (see `tests/benchmarks/bench_pack.py`):
//! libdeflate compressed them 1.5× faster than zlib-rs at level 6 and 8 % smaller, and at every
//! lower level it was both faster and smaller too. It compresses a whole buffer at once, which is
//! what a part is, so parts are compressed whole, several at a time on worker threads. Each part is
//! one gzip member, which Python's `gzip`, `gzip -t` and Redshift's `GZIP` all read.

use std::ptr::NonNull;

use libdeflate_sys::{
    libdeflate_alloc_compressor, libdeflate_compressor, libdeflate_free_compressor,
    libdeflate_gzip_compress, libdeflate_gzip_compress_bound,
};

use crate::error::CoreError;

/// The default level: close to level 6's size at nearly level 1's speed on rio's rows.
pub const DEFAULT_LEVEL: i32 = 2;
/// libdeflate's levels run from 0 (stored) to 12 (slowest, smallest).
pub const MAX_LEVEL: i32 = 12;

pub struct Gzip {
    compressor: NonNull<libdeflate_compressor>,
}

// SAFETY: a libdeflate compressor holds no thread-local state; `Gzip` owns it and is used by one
// thread at a time (it is moved into a worker, never shared).
unsafe impl Send for Gzip {}

impl Gzip {
    pub fn new(level: i32) -> Result<Self, CoreError> {
        if !(0..=MAX_LEVEL).contains(&level) {
            return Err(CoreError::InvalidArgument(format!(
                "compression_level must be between 0 and {MAX_LEVEL}, not {level}"
            )));
        }
        // SAFETY: a level in 0..=12 is valid; the result is checked for null (out of memory).
        let compressor =
            NonNull::new(unsafe { libdeflate_alloc_compressor(level) }).ok_or_else(|| {
                CoreError::WorkerFailed("libdeflate could not allocate a compressor".into())
            })?;
        Ok(Gzip { compressor })
    }

    /// One gzip member holding `raw`.
    ///
    /// The output is written into room of the worst-case size that is never zero-filled, then
    /// shrunk in place: only the pages compression writes ever become resident.
    pub fn compress(&mut self, raw: &[u8]) -> Vec<u8> {
        // SAFETY: the compressor is valid for the life of `self`.
        let bound = unsafe { libdeflate_gzip_compress_bound(self.compressor.as_ptr(), raw.len()) };
        let mut out = Vec::<u8>::with_capacity(bound);
        // SAFETY: libdeflate reads `raw.len()` bytes from `raw` and writes at most `bound` bytes,
        // within `out`'s capacity; it returns how many it wrote (0 only if `bound` were too small,
        // which `gzip_compress_bound` rules out).
        let size = unsafe {
            libdeflate_gzip_compress(
                self.compressor.as_ptr(),
                raw.as_ptr().cast(),
                raw.len(),
                out.as_mut_ptr().cast(),
                bound,
            )
        };
        assert!(size > 0, "libdeflate's gzip bound was too small");
        // SAFETY: libdeflate initialised the first `size` bytes.
        unsafe { out.set_len(size) };
        out.shrink_to_fit();
        out
    }
}

impl Drop for Gzip {
    fn drop(&mut self) {
        // SAFETY: allocated by `libdeflate_alloc_compressor` and freed once, here.
        unsafe { libdeflate_free_compressor(self.compressor.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_one_gzip_member_that_inflates_back() {
        let raw = b"{\"a\":1}\n".repeat(10_000);
        let mut gzip = Gzip::new(DEFAULT_LEVEL).unwrap();
        for level in [0, DEFAULT_LEVEL, 6, MAX_LEVEL] {
            let packed = Gzip::new(level).unwrap().compress(&raw);
            assert_eq!(&packed[..3], &[0x1f, 0x8b, 0x08]);
            let mut decompressor = libdeflater::Decompressor::new();
            let mut back = vec![0; raw.len()];
            let size = decompressor.gzip_decompress(&packed, &mut back).unwrap();
            assert_eq!(&back[..size], &raw[..]);
        }
        // The same compressor serves part after part, small or large.
        for raw in [&b""[..], b"{}\n", &raw[..]] {
            let packed = gzip.compress(raw);
            let mut back = vec![0; raw.len()];
            let size = libdeflater::Decompressor::new()
                .gzip_decompress(&packed, &mut back)
                .unwrap();
            assert_eq!(&back[..size], raw);
        }
    }

    #[test]
    fn levels_outside_the_range_are_refused() {
        assert!(Gzip::new(13).is_err());
        assert!(Gzip::new(-1).is_err());
    }
}
