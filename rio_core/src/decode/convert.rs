//! Converting a row: each column's value by its type's rules (`crate::types`, the code the packer
//! checks values with) into the output format, or the [`Problem`] that refuses the row.

use crate::json::Field;
use crate::types::character::accepts_replacements;
use crate::types::{self, codes, Conversion, Csv, Fit, Plain, PostgresText, Refusal, Value};

use super::errors::Problem;
use super::matcher::Matcher;
use super::options::{DecodeColumn, Output, NULL_LENGTH};
use super::pg_binary;

/// The target table and how values are written.
pub(super) struct Schema {
    pub(super) columns: Vec<DecodeColumn>,
    pub(super) output: Output,
    pub(super) conversion: Conversion,
}

/// A refused value of column `index` (built on the error path only).
#[cold]
#[inline(never)]
#[allow(clippy::boxed_local)] // a conversion's refusal is boxed to keep its result small
fn refuse(index: usize, refusal: Box<Refusal>, row: &[u8], field: &Field) -> Box<Problem> {
    let Refusal {
        code,
        reason,
        position,
        ..
    } = *refusal;
    Box::new(Problem {
        column: Some(index),
        code,
        reason,
        position,
        value: Value::of(row, field).text().into_owned(),
    })
}

type Converted = Result<(), Box<Problem>>;

/// Convert one row. `replaced` lists the fields (positions in `fields`) in which `ACCEPTINVCHARS`
/// replaced invalid UTF-8; it is empty but for such rows.
pub(super) fn convert_row(
    schema: &Schema,
    matcher: &mut Matcher,
    row: &[u8],
    fields: &[Field],
    replaced: &[usize],
    out: &mut Vec<u8>,
) -> Converted {
    matcher.assign(row, fields)?;
    if !replaced.is_empty() {
        check_replacements(schema, matcher, row, fields, replaced)?;
    }
    let separators = schema.output.separators();
    let binary = schema.output == Output::PostgresBinary;
    if binary {
        // At most 1,600 columns in a PostgreSQL table.
        out.extend_from_slice(&(schema.columns.len() as i16).to_be_bytes());
    }
    for (index, column) in schema.columns.iter().enumerate() {
        let frame = out.len();
        match separators {
            Some((between, _)) if index > 0 => out.push(between),
            Some(_) => {}
            None => out.extend_from_slice(&[0; 4]), // the length, written once the value is
        }
        if binary {
            pg_binary::prefix(column.column_type, out);
        }
        let null = match matcher.field_of(index) {
            Some(position) => convert_value(schema, index, column, row, &fields[position], out)?,
            None if column.not_null => return Err(missing_not_null(index)),
            None => true,
        };
        match separators {
            Some(_) if null && schema.output == Output::Postgres => out.extend_from_slice(b"\\N"),
            Some(_) => {} // CSV's NULL is an empty field
            None if binary => {
                let length = if null {
                    out.truncate(frame + 4);
                    -1
                } else {
                    pg_binary::encode(column.column_type, out, frame + 4);
                    (out.len() - frame - 4) as i32
                };
                out[frame..frame + 4].copy_from_slice(&length.to_be_bytes());
            }
            None => {
                let length = if null {
                    NULL_LENGTH
                } else {
                    // A row is at most 4 MB, so its value's length fits.
                    (out.len() - frame - 4) as u32
                };
                out[frame..frame + 4].copy_from_slice(&length.to_le_bytes());
            }
        }
    }
    Ok(())
}

/// `ACCEPTINVCHARS` is valid only for VARCHAR columns: a replacement in any other column's value
/// leaves it invalid.
#[cold]
fn check_replacements(
    schema: &Schema,
    matcher: &Matcher,
    row: &[u8],
    fields: &[Field],
    replaced: &[usize],
) -> Converted {
    for (index, column) in schema.columns.iter().enumerate() {
        let Some(position) = matcher.field_of(index) else {
            continue;
        };
        if replaced.contains(&position) && !accepts_replacements(column.column_type) {
            let refusal = Refusal::new(
                codes::INVALID_CHARACTER,
                "String contains invalid or unsupported UTF8 codepoints (ACCEPTINVCHARS replaces \
                 them in VARCHAR only)"
                    .to_owned(),
                "",
            );
            return Err(refuse(index, refusal, row, &fields[position]));
        }
    }
    Ok(())
}

#[cold]
fn missing_not_null(index: usize) -> Box<Problem> {
    Box::new(Problem {
        column: Some(index),
        code: codes::NOT_NULL,
        reason: "Missing data for not-null field".to_owned(),
        position: 0,
        value: Vec::new(),
    })
}

/// One value, converted by its column type's rules into the output format; whether it is NULL
/// (written by the caller, as the format writes NULL).
#[inline]
fn convert_value(
    schema: &Schema,
    index: usize,
    column: &DecodeColumn,
    row: &[u8],
    field: &Field,
    out: &mut Vec<u8>,
) -> Result<bool, Box<Problem>> {
    let value = Value::of(row, field);
    let converted = match schema.output {
        Output::Postgres => types::convert(
            column.column_type,
            &value,
            &schema.conversion,
            &mut PostgresText(out),
        ),
        Output::Csv => types::convert(
            column.column_type,
            &value,
            &schema.conversion,
            &mut Csv(out),
        ),
        Output::Columns | Output::PostgresBinary => types::convert(
            column.column_type,
            &value,
            &schema.conversion,
            &mut Plain(out),
        ),
    };
    match converted {
        Ok(Fit::Value | Fit::Cut(_)) => Ok(false),
        Ok(Fit::Null) if column.not_null => Err(null_in_not_null(index, row, field)),
        Ok(Fit::Null) => Ok(true),
        Err(refusal) => Err(refuse(index, refusal, row, field)),
    }
}

#[cold]
fn null_in_not_null(index: usize, row: &[u8], field: &Field) -> Box<Problem> {
    let refusal = Refusal::new(
        codes::NOT_NULL,
        "Missing data for not-null field".to_owned(),
        "",
    );
    refuse(index, refusal, row, field)
}

/// `raw` with each invalid UTF-8 sequence replaced by `replacement` once per byte
/// (`ACCEPTINVCHARS`), and where the replacements are.
pub(super) fn replace_invalid_utf8(raw: &[u8], replacement: u8) -> (Vec<u8>, Vec<usize>) {
    let mut fixed = Vec::with_capacity(raw.len());
    let mut replaced = Vec::new();
    let mut rest = raw;
    while let Err(err) = std::str::from_utf8(rest) {
        let valid = err.valid_up_to();
        let bad = err.error_len().unwrap_or(rest.len() - valid);
        fixed.extend_from_slice(&rest[..valid]);
        let at = raw.len() - rest.len() + valid;
        replaced.extend(at..at + bad);
        fixed.resize(fixed.len() + bad, replacement);
        rest = &rest[valid + bad..];
    }
    fixed.extend_from_slice(rest);
    (fixed, replaced)
}

/// The fields holding the bytes at `positions` (ascending) of `input`, once `input` is compacted
/// into `compact`. Compacting only drops whitespace outside strings, and the byte kept after such
/// whitespace never is whitespace, so walking both texts together matches each kept byte.
pub(super) fn fields_at(
    input: &[u8],
    compact: &[u8],
    fields: &[Field],
    positions: &[usize],
) -> Vec<usize> {
    let mut found = Vec::new();
    let mut k = 0;
    let mut wanted = positions.iter().peekable();
    for (i, &byte) in input.iter().enumerate() {
        let kept = compact.get(k) == Some(&byte);
        if wanted.peek() == Some(&&i) {
            wanted.next();
            if kept {
                if let Some(field) = fields.iter().position(|f| f.value.contains(&k)) {
                    if !found.contains(&field) {
                        found.push(field);
                    }
                }
            }
        }
        if kept {
            k += 1;
        }
    }
    found
}
