//! Framing text that is not one object per line: strings and brackets only, across chunks.

use crate::json::MAX_DEPTH;

/// Where and why a framed text is broken.
#[derive(Clone, Debug)]
pub(super) struct Broken {
    /// The byte (relative to the text's start) where it breaks: a newline, or the byte at fault.
    pub(super) at: usize,
    pub(super) newlines_before: u64,
    pub(super) reason: String,
}

pub(super) enum Framed {
    /// The object (or array) ends before this byte.
    Complete(usize),
    Broken(Broken),
    NeedMore,
}

/// The state of framing one object across chunks: strings and brackets only; the JSON itself is
/// checked by `compact_object` once the object is framed.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Bytes scanned so far, from the object's first byte.
    offset: usize,
    depth: usize,
    /// Bit `d` is set when the container at depth `d + 1` is an array (depth is at most 128).
    arrays: u128,
    in_string: bool,
    escape: bool,
    pub(super) newlines: u64,
    /// `newlines` when the last byte that is not whitespace was read.
    pub(super) content_newlines: u64,
    /// The last byte outside strings that is not whitespace.
    last: u8,
    /// The first newline after `last`, while only whitespace follows it.
    line_break: Option<usize>,
    broken: Option<Broken>,
}

impl Scan {
    pub(super) fn broken_at_start(reason: String) -> Scan {
        Scan {
            broken: Some(Broken {
                at: 0,
                newlines_before: 0,
                reason,
            }),
            ..Scan::default()
        }
    }

    pub(super) fn run(&mut self, text: &[u8]) -> Framed {
        if let Some(broken) = &self.broken {
            return Framed::Broken(broken.clone());
        }
        let mut i = self.offset;
        while let Some(&byte) = text.get(i) {
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if byte == b'\\' {
                    self.escape = true;
                } else if byte == b'"' {
                    self.in_string = false;
                } else if byte == b'\n' {
                    return self.break_at(i, self.newlines, "the line ends inside a string");
                }
                i += 1;
                continue;
            }
            match byte {
                b' ' | b'\t' | b'\r' => {}
                b'\n' => {
                    self.newlines += 1;
                    if self.line_break.is_none() {
                        self.line_break = Some(i);
                    }
                }
                _ => {
                    if let Some(at) = self.line_break.take() {
                        if self.starts_a_new_row(byte) {
                            return self.break_at(
                                at,
                                self.content_newlines,
                                "the line ends inside a JSON object and the next starts a new one",
                            );
                        }
                    }
                    self.content_newlines = self.newlines;
                    match byte {
                        b'"' => self.in_string = true,
                        b'{' | b'[' => {
                            if self.depth == MAX_DEPTH {
                                return self.break_at(
                                    i,
                                    self.newlines,
                                    "the object nests deeper than 128 levels",
                                );
                            }
                            let bit = 1u128 << self.depth;
                            if byte == b'[' {
                                self.arrays |= bit;
                            } else {
                                self.arrays &= !bit;
                            }
                            self.depth += 1;
                        }
                        b'}' | b']' => {
                            let opened_array =
                                self.depth > 0 && (self.arrays >> (self.depth - 1)) & 1 == 1;
                            if self.depth == 0 || opened_array != (byte == b']') {
                                return self.break_at(
                                    i,
                                    self.newlines,
                                    "a bracket closes what it did not open",
                                );
                            }
                            self.depth -= 1;
                            if self.depth == 0 {
                                self.offset = i + 1;
                                return Framed::Complete(i + 1);
                            }
                        }
                        _ => {}
                    }
                    self.last = byte;
                }
            }
            i += 1;
        }
        self.offset = i;
        Framed::NeedMore
    }

    /// Whether a line starting with `first`, inside an unfinished object, must be a new row: it
    /// opens an object or array where JSON needs a `,` (after a value) or a key (in an object).
    fn starts_a_new_row(&self, first: u8) -> bool {
        if self.depth == 0 || !matches!(first, b'{' | b'[') {
            return false;
        }
        let in_object = (self.arrays >> (self.depth - 1)) & 1 == 0;
        let after_value = !matches!(self.last, b'{' | b'[' | b',' | b':');
        after_value || (in_object && matches!(self.last, b',' | b'{'))
    }

    #[cold]
    fn break_at(&mut self, at: usize, newlines_before: u64, why: &str) -> Framed {
        let broken = Broken {
            at,
            newlines_before,
            reason: format!("Invalid JSON: {why}"),
        };
        self.broken = Some(broken.clone());
        Framed::Broken(broken)
    }
}
