//! The decimal family: `numeric(p,s)` (DECIMAL), exact, never through a float.
//!
//! COPY reads a JSON number, or a string holding one (blanks around it allowed), with an optional
//! sign, fraction and exponent. Rules, from Redshift's "Numeric types" and COPY's `ROUNDEC`:
//! - Digits beyond the scale are cut (`20.259` into `numeric(8,2)` is `20.25`); with `ROUNDEC` they
//!   round, half away from zero (`20.26`).
//! - A value with more than `p - s` digits before the point is refused (error 1209), also when
//!   rounding carries into a new digit (`999.995` into `numeric(5,2)` with `ROUNDEC`).
//! - A decimal of precision 19 or less is a 64-bit integer inside: whatever the point's place, its
//!   digits read as an integer are at most 9223372036854775807 (`9.223372036854775807` is the most
//!   `numeric(19,18)` holds), and at least its negative.
//! - Written with exactly `s` decimals, `-` only for a value that is not zero.

use crate::types::convert::{
    codes, invalid_digit, take_sign, Converted, Digits, Fit, Refusal, Sink, Value,
};

const INVALID: &str =
    "write a number, as a JSON number or a string holding one (such as \"12.50\")";
const TOO_LARGE: &str = "write a value within the column's precision, or widen the column";

/// A decimal number's text split into its parts: `[+-]int[.frac][e[+-]exp]`.
pub struct DecimalText<'a> {
    pub negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
    /// Clamped far beyond any range, so arithmetic on it cannot overflow.
    exp: i64,
}

impl DecimalText<'_> {
    fn digit_count(&self) -> i64 {
        (self.int.len() + self.frac.len()) as i64
    }

    /// Digit `i` of `int` then `frac` (zero outside them).
    #[inline]
    pub fn digit(&self, i: i64) -> u8 {
        if i < 0 {
            return 0;
        }
        let i = i as usize;
        let byte = if i < self.int.len() {
            self.int[i]
        } else {
            self.frac.get(i - self.int.len()).copied().unwrap_or(b'0')
        };
        byte - b'0'
    }

    /// Where the decimal point sits among the digits, after the exponent (and `shift` more).
    pub fn point(&self, shift: i64) -> i64 {
        self.int.len() as i64 + self.exp + shift
    }

    /// The index of the first digit that is not zero.
    pub fn first_nonzero(&self) -> Option<i64> {
        (0..self.digit_count()).find(|&i| self.digit(i) != 0)
    }
}

const EXPONENT_CLAMP: i64 = 1_000_000;

/// Parse a decimal number, with surrounding whitespace; on error, the first byte at fault.
pub fn parse_decimal(text: &[u8]) -> Result<DecimalText<'_>, usize> {
    let mut i = text.len() - text.trim_ascii_start().len();
    let end = text.trim_ascii_end().len();
    let start = i;
    let negative = take_sign(text, &mut i);
    let digits = |i: &mut usize| {
        let from = *i;
        while *i < end && text[*i].is_ascii_digit() {
            *i += 1;
        }
        &text[from..*i]
    };
    let int = digits(&mut i);
    let frac = if i < end && text[i] == b'.' {
        i += 1;
        digits(&mut i)
    } else {
        &[]
    };
    if int.is_empty() && frac.is_empty() {
        return Err(if i < end { i } else { start });
    }
    let mut exp: i64 = 0;
    if i < end && matches!(text[i], b'e' | b'E') {
        i += 1;
        let exp_negative = take_sign(text, &mut i);
        let exp_digits = digits(&mut i);
        if exp_digits.is_empty() {
            return Err(i.min(end.saturating_sub(1)));
        }
        for &d in exp_digits {
            exp = (exp * 10 + i64::from(d - b'0')).min(EXPONENT_CLAMP);
        }
        if exp_negative {
            exp = -exp;
        }
    }
    if i < end {
        return Err(i);
    }
    Ok(DecimalText {
        negative,
        int,
        frac,
        exp,
    })
}

/// Convert a value for `numeric(precision, scale)`; `round` is `ROUNDEC`.
#[inline]
pub fn convert<S: Sink>(
    precision: u8,
    scale: u8,
    value: &Value,
    round: bool,
    sink: &mut S,
) -> Converted {
    let Some(text) = value.numeric_text() else {
        return Err(invalid_digit(
            codes::INVALID_DECIMAL,
            "Decimal",
            value.raw,
            0,
            INVALID,
        ));
    };
    let number = parse_decimal(&text)
        .map_err(|at| invalid_digit(codes::INVALID_DECIMAL, "Decimal", &text, at, INVALID))?;
    let (p, s) = (i64::from(precision), i64::from(scale));
    let point = number.point(0);
    let first = number.first_nonzero();
    if first.map_or(0, |first| point - first) > p - s {
        return Err(overflow(precision, scale));
    }
    // At most `p` digits from here: the check above bounds those before the point.
    let mut unscaled: i128 = 0;
    if let Some(first) = first {
        for i in first..point + s {
            unscaled = unscaled * 10 + i128::from(number.digit(i));
        }
    }
    if round && number.digit(point + s) >= 5 {
        unscaled += 1;
    }
    if unscaled >= 10i128.pow(u32::from(precision)) {
        return Err(overflow(precision, scale));
    }
    if precision <= 19 && unscaled > i128::from(i64::MAX) {
        return Err(overflow_64(precision, scale));
    }
    if S::WRITES {
        let out = sink.plain();
        if number.negative && unscaled != 0 {
            out.push(b'-');
        }
        let unit = 10u128.pow(u32::from(scale));
        let magnitude = unscaled as u128;
        out.extend_from_slice(itoa::Buffer::new().format(magnitude / unit).as_bytes());
        if scale > 0 {
            out.push(b'.');
            out.wide_digits(magnitude % unit, usize::from(scale));
        }
    }
    Ok(Fit::Value)
}

#[cold]
fn overflow(precision: u8, scale: u8) -> Box<Refusal> {
    Refusal::new(
        codes::INVALID_DECIMAL,
        format!(
            "Numeric data overflow: numeric({precision},{scale}) holds {} digits before the point",
            precision - scale
        ),
        TOO_LARGE,
    )
}

/// Precision 19 or less is stored in 64 bits.
#[cold]
fn overflow_64(precision: u8, scale: u8) -> Box<Refusal> {
    let digits = i64::MAX.to_string();
    let cut = digits.len() - usize::from(scale);
    let most = if scale == 0 {
        digits
    } else {
        format!(
            "{}.{}",
            if cut == 0 { "0" } else { &digits[..cut] },
            &digits[cut..]
        )
    };
    Refusal::new(
        codes::INVALID_DECIMAL,
        format!("Numeric data overflow: numeric({precision},{scale}) holds at most {most}"),
        TOO_LARGE,
    )
}

#[cfg(test)]
mod tests {
    use crate::types::convert::testing::{code, convert, convert_with};
    use crate::types::convert::{Conversion, Fit};

    fn rounded(spec: &str, json: &str) -> Result<String, (u32, String)> {
        let roundec = Conversion {
            round_decimals: true,
            ..Conversion::default()
        };
        convert_with(spec, json, &roundec).map(|(text, _)| text)
    }

    #[test]
    fn extra_scale_is_cut_without_roundec() {
        for (json, want) in [
            ("20.259", "20.25"),
            ("-20.259", "-20.25"),
            ("\"20\"", "20.00"),
            ("-0.001", "0.00"),
            ("0.5", "0.50"),
            ("\"000123.4\"", "123.40"),
            ("1.5e3", "1500.00"),
            ("15e-4", "0.00"),
            ("999999.999", "999999.99"),
            ("1e-999999999", "0.00"),
            ("\" +7 \"", "7.00"),
        ] {
            assert_eq!(convert("numeric(8,2)", json), Ok(want.to_owned()), "{json}");
        }
        assert_eq!(convert("numeric(5,0)", "12345.9"), Ok("12345".to_owned()));
    }

    #[test]
    fn roundec_rounds_half_away_from_zero() {
        assert_eq!(rounded("numeric(8,2)", "20.259"), Ok("20.26".to_owned()));
        assert_eq!(rounded("numeric(8,2)", "20.255"), Ok("20.26".to_owned()));
        assert_eq!(rounded("numeric(8,2)", "20.2549"), Ok("20.25".to_owned()));
        assert_eq!(rounded("numeric(8,2)", "-20.255"), Ok("-20.26".to_owned()));
        assert_eq!(rounded("numeric(8,2)", "-0.004"), Ok("0.00".to_owned()));
        assert_eq!(rounded("numeric(8,2)", "-0.005"), Ok("-0.01".to_owned()));
        assert_eq!(rounded("numeric(3,0)", "\"0.5\""), Ok("1".to_owned()));
        // Rounding that carries into a digit the column cannot hold overflows.
        assert_eq!(rounded("numeric(5,2)", "999.994"), Ok("999.99".to_owned()));
        assert_eq!(rounded("numeric(5,2)", "999.995").unwrap_err().0, 1209);
        assert_eq!(convert("numeric(5,2)", "999.995"), Ok("999.99".to_owned()));
    }

    #[test]
    fn thirty_eight_digits_are_exact() {
        let max = "9".repeat(38);
        assert_eq!(convert("numeric(38,0)", &max), Ok(max.clone()));
        assert_eq!(
            convert("numeric(38,37)", "-9.9999999999999999999999999999999999999"),
            Ok("-9.9999999999999999999999999999999999999".to_owned())
        );
        assert_eq!(
            convert("numeric(38,38)", "0.12345678901234567890123456789012345678"),
            Ok("0.12345678901234567890123456789012345678".to_owned())
        );
        assert_eq!(code("numeric(38,0)", &format!("1{max}")), 1209);
        assert_eq!(
            rounded("numeric(38,0)", &format!("{max}.5")).unwrap_err().0,
            1209
        );
    }

    #[test]
    fn precision_19_and_less_is_a_64_bit_integer() {
        assert_eq!(
            convert("numeric(19,0)", "9223372036854775807"),
            Ok("9223372036854775807".to_owned())
        );
        assert_eq!(
            convert("numeric(19,0)", "\"9999999999999999999\""),
            Err((
                1209,
                "Numeric data overflow: numeric(19,0) holds at most 9223372036854775807".to_owned()
            ))
        );
        assert_eq!(
            convert("numeric(19,18)", "9.223372036854775807"),
            Ok("9.223372036854775807".to_owned())
        );
        assert!(convert("numeric(19,18)", "9.223372036854775808")
            .unwrap_err()
            .1
            .ends_with("holds at most 9.223372036854775807"));
        assert_eq!(
            convert("numeric(19,0)", "-9223372036854775807"),
            Ok("-9223372036854775807".to_owned())
        );
        assert_eq!(code("numeric(19,0)", "-9223372036854775808"), 1209);
        assert_eq!(
            convert("numeric(20,0)", "99999999999999999999"),
            Ok("99999999999999999999".to_owned())
        );
    }

    #[test]
    fn too_many_digits_before_the_point_overflow() {
        for over in ["1000000", "1e6", "-1234567.1", "1e999999999"] {
            assert_eq!(
                convert("numeric(8,2)", over),
                Err((
                    1209,
                    "Numeric data overflow: numeric(8,2) holds 6 digits before the point"
                        .to_owned()
                )),
                "{over}"
            );
        }
    }

    #[test]
    fn what_is_not_a_number_is_an_invalid_digit() {
        assert_eq!(
            convert("numeric(8,2)", "\"12,5\""),
            Err((
                1209,
                "Invalid digit, Value ',', Pos 2, Type: Decimal".to_owned()
            ))
        );
        for bad in [
            "true", "\"1e\"", "\".\"", "[1]", "{}", "\"0x10\"", "\"NaN\"",
        ] {
            assert_eq!(code("numeric(8,2)", bad), 1209, "{bad}");
        }
    }

    #[test]
    fn blanks_and_null_load_as_null() {
        for json in ["null", "\"\"", "\"  \""] {
            assert_eq!(
                convert_with("numeric(4,1)", json, &Conversion::default()),
                Ok((String::new(), Fit::Null))
            );
        }
    }
}
