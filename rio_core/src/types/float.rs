//! The float family: `real` (FLOAT4) and `double precision` (FLOAT8, FLOAT).
//!
//! COPY reads a JSON number, or a string holding one, in decimal or exponent form with blanks
//! around it. `NaN` and infinities are not numbers here (Rust's parser would read `"inf"`), and a
//! value beyond the type's range is refused rather than loaded as infinity: both are error 1208. A
//! value too small for the type loads as zero, as IEEE 754 rounding gives. Written as the shortest
//! text that reads back as the same value (`real` as a 32-bit float).

use crate::json::JsonKind;
use crate::types::convert::{codes, invalid_digit, Converted, Fit, Refusal, Sink, Value};
use crate::types::decimal::parse_decimal;

const HINT: &str = "write a finite number, as a JSON number or a string holding one";

/// Convert a value for `real` (`single`) or `double precision`.
#[inline]
pub fn convert<S: Sink>(single: bool, value: &Value, sink: &mut S) -> Converted {
    let name = if single { "Real" } else { "Double" };
    let Some(text) = value.numeric_text() else {
        return Err(invalid(name, value.raw, 0));
    };
    // A string is checked first: Rust's parser also reads "inf" and "NaN", which are not numbers
    // here. A JSON number's grammar (checked when the row was read) has neither.
    if value.kind == JsonKind::String {
        if let Err(at) = parse_decimal(&text) {
            return Err(invalid(name, &text, at));
        }
    }
    let body = std::str::from_utf8(text.trim_ascii()).unwrap_or_default();
    let mut buffer = ryu::Buffer::new();
    let written = if single {
        body.parse::<f32>().ok().filter(|v| v.is_finite()).map(|v| {
            if S::WRITES {
                buffer.format_finite(v)
            } else {
                ""
            }
        })
    } else {
        body.parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| {
            if S::WRITES {
                buffer.format_finite(v)
            } else {
                ""
            }
        })
    };
    match written {
        Some(written) => {
            if S::WRITES {
                sink.plain().extend_from_slice(written.as_bytes());
            }
            Ok(Fit::Value)
        }
        None => Err(Refusal::new(
            codes::INVALID_FLOAT,
            format!("Invalid float: Overflow, the value is out of range for Type: {name}"),
            HINT,
        )),
    }
}

#[cold]
fn invalid(name: &str, text: &[u8], at: usize) -> Box<Refusal> {
    let mut refusal = invalid_digit(codes::INVALID_FLOAT, name, text, at, HINT);
    refusal.reason = format!("Invalid float: {}", refusal.reason);
    refusal
}

#[cfg(test)]
mod tests {
    use crate::types::convert::testing::{code, convert};

    #[test]
    fn finite_numbers_are_written_shortest() {
        for (spec, json, want) in [
            ("double precision", "0.1", "0.1"),
            ("double precision", "1e300", "1e300"),
            ("double precision", "\" -2.5E-3 \"", "-0.0025"),
            ("double precision", "12", "12.0"),
            ("double precision", "1e-400", "0.0"),
            ("real", "3.14159265358979", "3.1415927"),
            ("real", "\"1e-50\"", "0.0"),
        ] {
            assert_eq!(convert(spec, json), Ok(want.to_owned()), "{spec} {json}");
        }
    }

    #[test]
    fn what_is_not_a_finite_number_is_refused() {
        for bad in [
            "\"nan\"",
            "\"inf\"",
            "\"-Infinity\"",
            "\"1.5x\"",
            "true",
            "{}",
            "[1.5]",
        ] {
            assert_eq!(code("double precision", bad), 1208, "{bad}");
        }
        assert!(convert("double precision", "\"NaN\"")
            .unwrap_err()
            .1
            .starts_with("Invalid float: Invalid digit, Value 'N', Pos 0"));
        assert_eq!(code("double precision", "1e400"), 1208);
        assert_eq!(code("real", "1e39"), 1208);
        assert_eq!(code("real", "\"-3.5e38\""), 1208);
    }
}
