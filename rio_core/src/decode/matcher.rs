//! Matching a row's top-level keys to the table's columns, and finding duplicate keys.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use crate::error::CoreError;
use crate::json::{unescape, Field};
use crate::types::codes;

use super::errors::{cap_text, Problem};
use super::options::DecodeColumn;

const NO_COLUMN: u32 = u32::MAX;

/// Maps a row's top-level keys to columns, and finds duplicate keys.
pub(super) struct Matcher {
    ignore_case: bool,
    names: Vec<Vec<u8>>,
    /// Column names (ASCII lower case when `ignore_case`) to their index.
    by_name: FxHashMap<Vec<u8>, u32>,
    /// For each position in a row, the column of the key found there last time: rows mostly share
    /// a layout, so this saves a hash lookup per key.
    hints: Vec<u32>,
    /// Per column, the row (`stamp`) that last set it, and the field that did.
    seen: Vec<u32>,
    slots: Vec<u32>,
    stamp: u32,
    /// The fields of this row that match no column.
    extra: Vec<u32>,
    key_buf: Vec<u8>,
}

impl Matcher {
    pub(super) fn new(columns: &[DecodeColumn], ignore_case: bool) -> Result<Self, CoreError> {
        let mut by_name = FxHashMap::default();
        for (index, column) in columns.iter().enumerate() {
            let mut name = column.name.clone().into_bytes();
            if ignore_case {
                name.make_ascii_lowercase();
            }
            if by_name.insert(name, index as u32).is_some() {
                let how = if ignore_case {
                    " (with ignore_case, names match in any case)"
                } else {
                    ""
                };
                return Err(CoreError::InvalidArgument(format!(
                    "two columns are named {:?}{how}",
                    column.name
                )));
            }
        }
        Ok(Matcher {
            ignore_case,
            names: columns
                .iter()
                .map(|c| c.name.clone().into_bytes())
                .collect(),
            by_name,
            hints: Vec::new(),
            seen: vec![0; columns.len()],
            slots: vec![0; columns.len()],
            stamp: 0,
            extra: Vec::new(),
            key_buf: Vec::new(),
        })
    }

    #[inline]
    fn same_key(&self, a: &[u8], b: &[u8]) -> bool {
        if self.ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    }

    /// Assign this row's fields to columns; a duplicate key is an error.
    #[inline]
    pub(super) fn assign(&mut self, row: &[u8], fields: &[Field]) -> Result<(), Box<Problem>> {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.stamp = 1;
        }
        self.extra.clear();
        for (position, field) in fields.iter().enumerate() {
            let key = &row[field.key.clone()];
            let column = if field.key_escaped {
                self.lookup(&unescape(key))
            } else {
                match self.hints.get(position) {
                    Some(&hint)
                        if hint != NO_COLUMN && self.same_key(&self.names[hint as usize], key) =>
                    {
                        hint
                    }
                    _ => {
                        let found = self.lookup(key);
                        if position >= self.hints.len() {
                            self.hints.resize(position + 1, NO_COLUMN);
                        }
                        self.hints[position] = found;
                        found
                    }
                }
            };
            if column == NO_COLUMN {
                self.extra.push(position as u32);
                continue;
            }
            let slot = column as usize;
            if self.seen[slot] == self.stamp {
                return Err(duplicate_key(Some(slot), row, field));
            }
            self.seen[slot] = self.stamp;
            self.slots[slot] = position as u32;
        }
        if self.extra.len() > 1 {
            self.check_extra_keys(row, fields)?;
        }
        Ok(())
    }

    fn lookup(&mut self, key: &[u8]) -> u32 {
        let found = if self.ignore_case && key.iter().any(u8::is_ascii_uppercase) {
            self.key_buf.clear();
            self.key_buf.extend(key.iter().map(u8::to_ascii_lowercase));
            self.by_name.get(self.key_buf.as_slice())
        } else {
            self.by_name.get(key)
        };
        found.copied().unwrap_or(NO_COLUMN)
    }

    /// The field loading into column `index` in this row, if any.
    #[inline]
    pub(super) fn field_of(&self, index: usize) -> Option<usize> {
        (self.seen[index] == self.stamp).then(|| self.slots[index] as usize)
    }

    /// Keys that match no column may still repeat. Rows rarely hold more than a few of them, so
    /// each is compared with the others.
    #[cold]
    #[inline(never)]
    fn check_extra_keys(&self, row: &[u8], fields: &[Field]) -> Result<(), Box<Problem>> {
        let key = |index: u32| {
            let field = &fields[index as usize];
            let raw = &row[field.key.clone()];
            if field.key_escaped {
                Cow::Owned(unescape(raw))
            } else {
                Cow::Borrowed(raw)
            }
        };
        let keys: Vec<Cow<[u8]>> = self.extra.iter().map(|&index| key(index)).collect();
        for (i, a) in keys.iter().enumerate() {
            if keys[..i].iter().any(|b| self.same_key(a, b)) {
                return Err(duplicate_key(None, row, &fields[self.extra[i] as usize]));
            }
        }
        Ok(())
    }
}

#[cold]
fn duplicate_key(column: Option<usize>, row: &[u8], field: &Field) -> Box<Problem> {
    let raw = &row[field.key.clone()];
    let key = if field.key_escaped {
        unescape(raw)
    } else {
        raw.to_vec()
    };
    let shown = cap_text(&key, 40);
    Box::new(Problem {
        column,
        code: codes::INVALID_ROW,
        reason: format!("Invalid JSON: the key \"{shown}\" appears twice in the object"),
        position: field.key.start.saturating_sub(1),
        value: key,
    })
}
