//! The decoder of one data file: its input, gzip inflated as it streams or plain text, handed to
//! the row decoder in slices; and the file's state across `feed` and `finish`.

use std::io::Write as _;

use flate2::write::MultiGzDecoder;

use crate::error::CoreError;

use super::errors::{DecodeError, RejectedRow};
use super::options::{DecodeColumn, DecodeOptions, Output};
use super::rows::RowDecoder;

/// Compressed bytes inflated between two passes over the text: the text buffer stays small enough
/// to be warm in cache when its rows are converted.
const GZIP_SLICE: usize = 64 * 1024;
/// Plain text appended between two passes, for the same reason.
const PLAIN_SLICE: usize = 512 * 1024;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Where the text comes from.
enum Input {
    Plain(Vec<u8>),
    Gzip {
        /// Inflates into its `Vec`, which is the text buffer the rows are read from.
        inflater: Box<MultiGzDecoder<Vec<u8>>>,
        /// How many bytes of the gzip magic were checked.
        magic_seen: usize,
        compressed: u64,
    },
}

pub struct Decoder {
    input: Input,
    rows: RowDecoder,
    failure: Option<DecodeError>,
    finished: bool,
}

impl Decoder {
    pub fn new(columns: Vec<DecodeColumn>, options: DecodeOptions) -> Result<Self, CoreError> {
        if columns.is_empty() {
            return Err(CoreError::InvalidArgument(
                "columns is empty; give the target table's columns in table order".to_owned(),
            ));
        }
        let gzip = options.gzip;
        let rows = RowDecoder::new(columns, options)?;
        let input = if gzip {
            Input::Gzip {
                inflater: Box::new(MultiGzDecoder::new(Vec::with_capacity(4 * GZIP_SLICE))),
                magic_seen: 0,
                compressed: 0,
            }
        } else {
            Input::Plain(Vec::new())
        };
        Ok(Decoder {
            input,
            rows,
            failure: None,
            finished: false,
        })
    }

    /// Decode `data`, appending every row completed so far to `out`.
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.check_open()?;
        let result = self.feed_input(data, out);
        if let Err(err) = &result {
            self.failure = Some(err.clone());
        }
        result
    }

    /// The end of the file: append the remaining rows to `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), DecodeError> {
        self.check_open()?;
        let result = self.finish_input(out);
        match &result {
            Ok(()) => self.finished = true,
            Err(err) => self.failure = Some(err.clone()),
        }
        result
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows.rows()
    }

    /// Rows rejected so far.
    pub fn rejected(&self) -> u64 {
        self.rows.rejected()
    }

    /// The first `max_rejected` rejected rows.
    pub fn rejected_rows(&self) -> &[RejectedRow] {
        self.rows.records()
    }

    /// Lines read so far: the newlines of the rows decoded, and after `finish` a last line
    /// without a newline.
    pub fn lines(&self) -> u64 {
        self.rows.lines(self.finished)
    }

    pub fn columns(&self) -> &[DecodeColumn] {
        &self.rows.schema().columns
    }

    pub fn source(&self) -> &str {
        self.rows.source()
    }

    pub fn output(&self) -> Output {
        self.rows.schema().output
    }

    fn check_open(&self) -> Result<(), DecodeError> {
        match (&self.failure, self.finished) {
            (Some(err), _) => Err(err.clone()),
            (None, true) => Err(DecodeError::Finished),
            (None, false) => Ok(()),
        }
    }

    fn feed_input(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        let Decoder { input, rows, .. } = self;
        match input {
            Input::Plain(text) => {
                for slice in data.chunks(PLAIN_SLICE) {
                    text.extend_from_slice(slice);
                    rows.process(text, out, false);
                }
            }
            Input::Gzip {
                inflater,
                magic_seen,
                compressed,
            } => {
                for &byte in data.iter().take(GZIP_MAGIC.len() - *magic_seen) {
                    if byte != GZIP_MAGIC[*magic_seen] {
                        return Err(rows.unreadable(not_gzip(*magic_seen, byte)));
                    }
                    *magic_seen += 1;
                }
                *compressed += data.len() as u64;
                for slice in data.chunks(GZIP_SLICE) {
                    if let Err(err) = inflater.write_all(slice).and_then(|()| inflater.flush()) {
                        return Err(rows.unreadable(format!(
                            "corrupt gzip data ({err}); no row of the file can be trusted"
                        )));
                    }
                    rows.process(inflater.get_mut(), out, false);
                }
            }
        }
        Ok(())
    }

    fn finish_input(&mut self, out: &mut Vec<u8>) -> Result<(), DecodeError> {
        let Decoder { input, rows, .. } = self;
        match input {
            Input::Plain(text) => rows.process(text, out, true),
            Input::Gzip {
                inflater,
                magic_seen,
                compressed,
            } => {
                if *compressed == 0 {
                    return Ok(());
                }
                if *magic_seen < GZIP_MAGIC.len() {
                    return Err(rows.unreadable(
                        "the file is 1 byte long, too short to be gzip; COPY … GZIP reads only gzip \
                         files"
                            .to_owned(),
                    ));
                }
                if let Err(err) = inflater.try_finish() {
                    return Err(rows.unreadable(format!(
                        "the gzip data is truncated or corrupt at its end ({err}); no row of the \
                         file can be trusted"
                    )));
                }
                rows.process(inflater.get_mut(), out, true);
            }
        }
        Ok(())
    }
}

#[cold]
fn not_gzip(at: usize, byte: u8) -> String {
    format!(
        "the file is not gzip (byte {at} is 0x{byte:02x}; gzip starts with 1f 8b); COPY … GZIP \
         reads only gzip files"
    )
}
