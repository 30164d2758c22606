//! A destination's columns, and whether a JSON value will load into one of them: the packer's
//! column checks.
//!
//! Keys match column names case-insensitively, as `FORMAT AS JSON 'auto ignorecase'` matches them.
//! The rules a value is checked by are its type's own (`crate::types`), the very code the emulated
//! COPY decodes with, run with a sink that writes nothing: a row the packer takes is a row the load
//! takes, and the other way round.

use rustc_hash::FxHashMap;

use crate::error::CoreError;
use crate::json::{Field, JsonKind};
use crate::types::{self, Check, Conversion, Fit, SqlType, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: String,
    /// The type as a config names it (`types::Dialect::Config`).
    pub kind: SqlType,
    pub not_null: bool,
}

/// What a value check decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Fits,
    /// The value loads as NULL.
    Null,
    /// The value loads cut to this many bytes of its text (a character boundary).
    Truncate(usize),
}

/// The columns of a destination, looked up by key case-insensitively.
#[derive(Clone, Debug)]
pub struct Columns {
    specs: Vec<ColumnSpec>,
    /// Each column's name as keys are matched against it: ASCII letters in lower case.
    folded: Vec<Vec<u8>>,
    by_name: FxHashMap<Vec<u8>, usize>,
}

impl Columns {
    pub fn new(specs: Vec<ColumnSpec>) -> Result<Self, CoreError> {
        let mut by_name = FxHashMap::default();
        let folded: Vec<Vec<u8>> = specs
            .iter()
            .map(|spec| spec.name.to_ascii_lowercase().into_bytes())
            .collect();
        for (index, (spec, name)) in specs.iter().zip(&folded).enumerate() {
            if by_name.insert(name.clone(), index).is_some() {
                return Err(CoreError::InvalidArgument(format!(
                    "two columns are named {:?} (names match case-insensitively)",
                    spec.name
                )));
            }
        }
        Ok(Columns {
            specs,
            folded,
            by_name,
        })
    }

    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    pub fn spec(&self, index: usize) -> &ColumnSpec {
        &self.specs[index]
    }

    pub fn specs(&self) -> &[ColumnSpec] {
        &self.specs
    }

    /// Column `index`'s name as keys are matched against it (ASCII letters in lower case).
    pub fn folded_name(&self, index: usize) -> &[u8] {
        &self.folded[index]
    }

    /// The column a (folded) key loads into.
    pub fn find(&self, folded_key: &[u8]) -> Option<usize> {
        self.by_name.get(folded_key).copied()
    }
}

/// Check one value against its column. `row` is the compact row the field's offsets point into.
#[inline]
pub fn check_value(
    spec: &ColumnSpec,
    conversion: &Conversion,
    row: &[u8],
    field: &Field,
) -> Result<Verdict, CoreError> {
    let value = Value::of(row, field);
    match types::convert(spec.kind, &value, conversion, &mut Check::default()) {
        Ok(Fit::Value) => Ok(Verdict::Fits),
        Ok(Fit::Cut(at)) => Ok(Verdict::Truncate(at)),
        Ok(Fit::Null) if spec.not_null => Err(null_in_not_null(spec, &value)),
        Ok(Fit::Null) => Ok(Verdict::Null),
        Err(refusal) => Err(CoreError::column(
            &spec.name,
            value.raw,
            refusal.explained(),
        )),
    }
}

#[cold]
fn null_in_not_null(spec: &ColumnSpec, value: &Value) -> CoreError {
    let why = if value.kind == JsonKind::Null {
        "null in a NOT NULL column".to_owned()
    } else {
        let what = if value.text_bytes == 0 {
            "an empty"
        } else {
            "a blank"
        };
        format!(
            "{what} string loads as NULL into a {} column, and the column is NOT NULL",
            spec.kind.canonical()
        )
    };
    CoreError::column(&spec.name, value.raw, why)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::compact_object;
    use crate::types::Dialect;

    fn spec(kind: &str, not_null: bool) -> ColumnSpec {
        ColumnSpec {
            name: "c".to_owned(),
            kind: SqlType::parse(kind, Dialect::Config).unwrap(),
            not_null,
        }
    }

    fn check_with(
        spec: ColumnSpec,
        conversion: &Conversion,
        value: &str,
    ) -> Result<Verdict, String> {
        let input = format!("{{\"c\":{value}}}");
        let mut row = Vec::new();
        let mut fields = Vec::new();
        compact_object(input.as_bytes(), &mut row, &mut fields).unwrap();
        check_value(&spec, conversion, &row, &fields[0]).map_err(|e| e.to_string())
    }

    fn check(kind: &str, value: &str) -> Result<Verdict, String> {
        check_with(spec(kind, false), &Conversion::default(), value)
    }

    #[test]
    fn every_config_spelling_is_checked_by_its_type_s_rules() {
        assert_eq!(check("int", "2147483647"), Ok(Verdict::Fits));
        assert_eq!(check("smallint", "\"-32768\""), Ok(Verdict::Fits));
        assert_eq!(check("varchar(32)", "\"x\""), Ok(Verdict::Fits));
        assert_eq!(check("decimal(5,2)", "\"999.99\""), Ok(Verdict::Fits));
        assert_eq!(
            check("timestamptz", "\"2026-11-21T10:15:00+02\""),
            Ok(Verdict::Fits)
        );
        assert_eq!(check("time", "\"10:15:00\""), Ok(Verdict::Fits));
        assert_eq!(check("super", "{\"a\":[1]}"), Ok(Verdict::Fits));
        assert_eq!(
            check("int", "2147483648").unwrap_err(),
            "column \"c\": Overflow (Integer valid range -2147483648 to 2147483647) (load error \
             1207); write a number within the column type's range, or use a wider type: 2147483648"
        );
        assert!(check("decimal(5,2)", "1000")
            .unwrap_err()
            .contains("Numeric data overflow"));
    }

    #[test]
    fn empty_and_blank_strings_are_null_outside_text_and_super() {
        assert_eq!(check("int", "\"\""), Ok(Verdict::Null));
        assert_eq!(check("bigint", "\" \\t\""), Ok(Verdict::Null));
        assert_eq!(check("text", "\"\""), Ok(Verdict::Fits));
        assert_eq!(check("super", "\"\""), Ok(Verdict::Fits));
        let err = check_with(spec("int", true), &Conversion::default(), "\"\"").unwrap_err();
        assert!(err.contains(
            "an empty string loads as NULL into a integer column, and the column is NOT NULL"
        ));
        let err = check_with(spec("date", true), &Conversion::default(), "\" \"").unwrap_err();
        assert!(err.contains("a blank string loads as NULL into a date column"));
    }

    #[test]
    fn null_in_a_not_null_column_is_refused() {
        assert_eq!(check("text", "null"), Ok(Verdict::Null));
        let err = check_with(spec("text", true), &Conversion::default(), "null").unwrap_err();
        assert_eq!(err, "column \"c\": null in a NOT NULL column: null");
    }

    #[test]
    fn long_text_is_refused_or_cut_as_the_load_would() {
        let long = format!("\"a{}\"", "é".repeat(128));
        assert!(check("text", &long)
            .unwrap_err()
            .contains("String length exceeds DDL length (load error 1204)"));
        let truncating = Conversion {
            truncate_columns: true,
            ..Conversion::default()
        };
        assert_eq!(
            check_with(spec("text", false), &truncating, &long),
            Ok(Verdict::Truncate(255))
        );
        assert_eq!(check("varchar(3)", "\"abc  \""), Ok(Verdict::Truncate(3)));
    }

    #[test]
    fn column_names_match_case_insensitively() {
        let columns = Columns::new(vec![ColumnSpec {
            name: "User_Id".to_owned(),
            kind: SqlType::Integer,
            not_null: false,
        }])
        .unwrap();
        assert_eq!(columns.find(b"user_id"), Some(0));
        assert_eq!(columns.find(b"userid"), None);
        assert!(Columns::new(vec![spec("int", false), spec("text", false)]).is_err());
    }
}
