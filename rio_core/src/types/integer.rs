//! The integer family: `smallint`, `integer`, `bigint`.
//!
//! COPY reads a JSON number, or a string holding one, as an optional sign and digits with blanks
//! around them (`"42"`, `" +7 "`, `"007"`). Anything else — a fraction (`42.0`, `"1.5"`), an
//! exponent (`1e3`), a boolean, an array — is "Invalid digit" at the first character that is not
//! part of an integer; a value beyond the type's range is "Overflow". Both are error 1207, in the
//! words Redshift's `STL_LOAD_ERRORS` uses. Written as plain digits.

use crate::types::convert::{
    codes, invalid_digit, take_sign, Converted, Fit, Refusal, Sink, Value,
};
use crate::types::SqlType;

const HINT: &str = "write a whole number, as a JSON number or a string of digits (no fraction or \
                    exponent)";
const RANGE_HINT: &str = "write a number within the column type's range, or use a wider type";

/// The name Redshift's messages give an integer type, and its range.
fn kind(ty: SqlType) -> (&'static str, i64, i64) {
    match ty {
        SqlType::SmallInt => ("Short", i64::from(i16::MIN), i64::from(i16::MAX)),
        SqlType::Integer => ("Integer", i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => ("Long", i64::MIN, i64::MAX),
    }
}

enum IntError {
    /// The first byte that is not part of an integer.
    Invalid(usize),
    Overflow,
}

/// An integer's text: optional surrounding whitespace, an optional sign, digits.
#[inline]
fn parse_integer(text: &[u8]) -> Result<i128, IntError> {
    let mut i = text.len() - text.trim_ascii_start().len();
    let sign_at = i;
    let negative = take_sign(text, &mut i);
    let digits_at = i;
    let mut value: i128 = 0;
    let mut overflow = false;
    while let Some(&byte) = text.get(i) {
        if !byte.is_ascii_digit() {
            break;
        }
        value = value * 10 + i128::from(byte - b'0');
        // Far beyond any range, with room to spare in an i128; the digits are still checked.
        if value > i128::from(u64::MAX) {
            overflow = true;
            value = 0;
        }
        i += 1;
    }
    if i == digits_at {
        let at = if i == text.len() { sign_at } else { i };
        return Err(IntError::Invalid(at));
    }
    if !text[i..].iter().all(u8::is_ascii_whitespace) {
        return Err(IntError::Invalid(i));
    }
    if overflow {
        return Err(IntError::Overflow);
    }
    Ok(if negative { -value } else { value })
}

/// Convert a value for `ty` (smallint, integer or bigint).
#[inline]
pub fn convert<S: Sink>(ty: SqlType, value: &Value, sink: &mut S) -> Converted {
    let (name, min, max) = kind(ty);
    let Some(text) = value.numeric_text() else {
        return Err(invalid_digit(
            codes::INVALID_DIGIT,
            name,
            value.raw,
            0,
            HINT,
        ));
    };
    match parse_integer(&text) {
        Ok(number) if (i128::from(min)..=i128::from(max)).contains(&number) => {
            if S::WRITES {
                sink.plain()
                    .extend_from_slice(itoa::Buffer::new().format(number as i64).as_bytes());
            }
            Ok(Fit::Value)
        }
        Ok(_) | Err(IntError::Overflow) => Err(overflow(name, min, max)),
        Err(IntError::Invalid(at)) => {
            Err(invalid_digit(codes::INVALID_DIGIT, name, &text, at, HINT))
        }
    }
}

#[cold]
fn overflow(name: &str, min: i64, max: i64) -> Box<Refusal> {
    Refusal::new(
        codes::INVALID_DIGIT,
        format!("Overflow ({name} valid range {min} to {max})"),
        RANGE_HINT,
    )
}

#[cfg(test)]
mod tests {
    use crate::types::convert::testing::{code, convert};

    #[test]
    fn numbers_and_numeric_strings_within_range_load() {
        for (spec, json, want) in [
            ("integer", "2147483647", "2147483647"),
            ("integer", "-2147483648", "-2147483648"),
            ("integer", "\" +42 \"", "42"),
            ("integer", "\"007\"", "7"),
            ("integer", "-0", "0"),
            ("smallint", "32767", "32767"),
            ("smallint", "\"-32768\"", "-32768"),
            ("bigint", "-9223372036854775808", "-9223372036854775808"),
            ("bigint", "\"9223372036854775807\"", "9223372036854775807"),
        ] {
            assert_eq!(convert(spec, json), Ok(want.to_owned()), "{spec} {json}");
        }
    }

    #[test]
    fn other_text_is_an_invalid_digit_at_the_first_bad_character() {
        for (spec, json, reason) in [
            (
                "integer",
                "1.5",
                "Invalid digit, Value '.', Pos 1, Type: Integer",
            ),
            (
                "integer",
                "42.0",
                "Invalid digit, Value '.', Pos 2, Type: Integer",
            ),
            (
                "bigint",
                "\"20200407.0\"",
                "Invalid digit, Value '.', Pos 8, Type: Long",
            ),
            (
                "smallint",
                "1e3",
                "Invalid digit, Value 'e', Pos 1, Type: Short",
            ),
            (
                "integer",
                "\"  12a\"",
                "Invalid digit, Value 'a', Pos 4, Type: Integer",
            ),
            (
                "integer",
                "true",
                "Invalid digit, Value 't', Pos 0, Type: Integer",
            ),
            (
                "integer",
                "\"é\"",
                "Invalid digit, Value 'é', Pos 0, Type: Integer",
            ),
        ] {
            assert_eq!(
                convert(spec, json),
                Err((1207, reason.to_owned())),
                "{spec} {json}"
            );
        }
        for bad in ["\"-\"", "\"1 2\"", "[1]", "{\"a\":1}", "\"0x10\""] {
            assert_eq!(code("integer", bad), 1207, "{bad}");
        }
    }

    #[test]
    fn values_out_of_range_overflow() {
        assert_eq!(
            convert("integer", "2147483648"),
            Err((
                1207,
                "Overflow (Integer valid range -2147483648 to 2147483647)".to_owned()
            ))
        );
        assert_eq!(
            convert("smallint", "-32769"),
            Err((
                1207,
                "Overflow (Short valid range -32768 to 32767)".to_owned()
            ))
        );
        assert_eq!(
            convert("bigint", "9223372036854775808").unwrap_err().1,
            "Overflow (Long valid range -9223372036854775808 to 9223372036854775807)"
        );
        assert!(convert("bigint", &"9".repeat(400))
            .unwrap_err()
            .1
            .starts_with("Overflow"));
    }
}
