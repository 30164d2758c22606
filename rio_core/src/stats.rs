//! What a packer has seen: rows, bytes, and per top-level key its count, nulls, JSON types and
//! longest string, which is what sizing VARCHAR columns and checking a config against data needs.

use rustc_hash::FxHashMap;

use crate::json::{short_eq, Field, JsonKind};
use crate::rows::{folded_key, PositionHints};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyStats {
    /// The key as first seen.
    pub key: String,
    /// The key as matched against columns (ASCII lower case).
    pub folded: Vec<u8>,
    /// Rows that hold the key.
    pub count: u64,
    /// Rows where it is null.
    pub nulls: u64,
    /// The JSON types seen, one bit per `JsonKind`.
    pub types: u8,
    /// The longest string value, in UTF-8 bytes once unescaped.
    pub max_bytes: u64,
}

impl KeyStats {
    pub fn type_names(&self) -> Vec<&'static str> {
        JsonKind::ALL
            .iter()
            .filter(|kind| self.types & kind.bit() != 0)
            .map(|kind| kind.name())
            .collect()
    }
}

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub rows: u64,
    pub raw_bytes: u64,
    pub min_timestamp: Option<i64>,
    pub max_timestamp: Option<i64>,
    pub keys: Vec<KeyStats>,
    index: FxHashMap<Vec<u8>, usize>,
    /// The key found at each position last time.
    hints: PositionHints,
}

impl Stats {
    /// Count one accepted row. `data` holds the row; `fields` are its members.
    pub fn add_row(
        &mut self,
        data: &[u8],
        fields: &[Field],
        row_bytes: usize,
        timestamp: Option<i64>,
    ) {
        self.rows += 1;
        self.raw_bytes += row_bytes as u64;
        if let Some(ts) = timestamp {
            self.min_timestamp = Some(self.min_timestamp.map_or(ts, |m| m.min(ts)));
            self.max_timestamp = Some(self.max_timestamp.map_or(ts, |m| m.max(ts)));
        }
        for (position, field) in fields.iter().enumerate() {
            let index = match self.hints.get(position) {
                // Spelled as first seen: the same key, without folding it.
                Some(hint)
                    if !field.key_escaped
                        && short_eq(self.keys[hint].key.as_bytes(), &data[field.key.clone()]) =>
                {
                    hint
                }
                Some(hint) if self.keys[hint].folded == *folded_key(data, field) => hint,
                _ => {
                    let folded = folded_key(data, field);
                    let index = self.lookup_or_insert(data, field, &folded);
                    self.hints.set(position, index);
                    index
                }
            };
            let stats = &mut self.keys[index];
            stats.count += 1;
            stats.types |= field.kind.bit();
            match field.kind {
                JsonKind::Null => stats.nulls += 1,
                JsonKind::String => stats.max_bytes = stats.max_bytes.max(field.text_bytes as u64),
                _ => {}
            }
        }
    }

    #[cold]
    fn lookup_or_insert(&mut self, data: &[u8], field: &Field, folded: &[u8]) -> usize {
        if let Some(&index) = self.index.get(folded) {
            return index;
        }
        let raw = &data[field.key.clone()];
        let key = if field.key_escaped {
            crate::json::unescape(raw)
        } else {
            raw.to_vec()
        };
        let index = self.keys.len();
        self.keys.push(KeyStats {
            key: String::from_utf8_lossy(&key).into_owned(),
            folded: folded.to_vec(),
            ..KeyStats::default()
        });
        self.index.insert(folded.to_vec(), index);
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{RowBatch, RowRules};

    #[test]
    fn keys_are_counted_by_type_nulls_and_longest_string() {
        let mut batch = RowBatch::default();
        let rules = RowRules::default();
        for row in [
            &br#"{"a":"xy","b":1}"#[..],
            br#"{"b":null,"A":"\u00e9\u00e9\u00e9"}"#,
            br#"{"c":[1],"a":true}"#,
        ] {
            batch.push_json(row, &rules).unwrap();
        }
        let mut stats = Stats::default();
        for meta in &batch.rows {
            stats.add_row(
                &batch.data,
                &batch.fields[meta.fields.clone()],
                10,
                meta.timestamp,
            );
        }
        assert_eq!(stats.rows, 3);
        assert_eq!(stats.raw_bytes, 30);
        let a = &stats.keys[0];
        assert_eq!(
            (a.key.as_str(), a.count, a.nulls, a.max_bytes),
            ("a", 3, 0, 6)
        );
        assert_eq!(a.type_names(), ["boolean", "string"]);
        let b = &stats.keys[1];
        assert_eq!((b.count, b.nulls), (2, 1));
        assert_eq!(b.type_names(), ["null", "number"]);
        assert_eq!(stats.keys[2].type_names(), ["array"]);
    }
}
