//! `TIMEFORMAT 'epochsecs'` and `'epochmillisecs'`: numbers counted from 1970-01-01 00:00:00 UTC.
//!
//! A number is read as JSON writes it (`1763720100`, `-1.5`, `1.7637201e9`, with surrounding blanks,
//! and a leading `+` as a string may have it), exactly, never through a float: digits beyond the
//! microsecond round half away from zero.

use super::check;

/// Microseconds since 1970 of an epoch number; `shift` is 6 for seconds, 3 for milliseconds (the
/// places the point moves right). `None` for text that is not a number, or one too far from 1970
/// to be a timestamp (the caller checks the exact range).
pub(crate) fn micros(text: &[u8], shift: i64) -> Option<i64> {
    let text = text.trim_ascii();
    let (negative, rest) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let int = &rest[..int_len];
    let mut rest = &rest[int_len..];
    let mut frac: &[u8] = &[];
    if let Some(after) = rest.strip_prefix(b".") {
        let frac_len = after.iter().take_while(|b| b.is_ascii_digit()).count();
        frac = &after[..frac_len];
        rest = &after[frac_len..];
    }
    check(!int.is_empty() || !frac.is_empty())?;
    let mut exponent = 0i64;
    if let Some(after) = rest.strip_prefix(b"e").or_else(|| rest.strip_prefix(b"E")) {
        let (sign, digits) = match after.first()? {
            b'-' => (-1, &after[1..]),
            b'+' => (1, &after[1..]),
            _ => (1, after),
        };
        check(!digits.is_empty() && digits.iter().all(u8::is_ascii_digit))?;
        // Far beyond any timestamp, so the arithmetic below cannot overflow.
        let magnitude = digits.iter().fold(0i64, |value, d| {
            (value * 10 + i64::from(d - b'0')).min(1_000_000)
        });
        exponent = sign * magnitude;
        rest = &[];
    }
    check(rest.is_empty())?;
    let digit = |i: i64| -> i64 {
        let i = match usize::try_from(i) {
            Ok(i) => i,
            Err(_) => return 0,
        };
        let byte = if i < int.len() {
            int[i]
        } else {
            frac.get(i - int.len()).copied().unwrap_or(b'0')
        };
        i64::from(byte - b'0')
    };
    let count = (int.len() + frac.len()) as i64;
    // The digits before `point` are whole microseconds; the one at `point` rounds.
    let point = int.len() as i64 + exponent + shift;
    let mut magnitude: i128 = 0;
    if let Some(first) = (0..count).find(|&i| digit(i) != 0) {
        // 20 digits of microseconds are far past year 9999.
        check(point - first <= 20)?;
        for i in first..point {
            magnitude = magnitude * 10 + i128::from(digit(i));
        }
        if digit(point) >= 5 {
            magnitude += 1;
        }
    }
    let micros = if negative { -magnitude } else { magnitude };
    i64::try_from(micros).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_milliseconds() {
        assert_eq!(micros(b"1763720100", 6), Some(1_763_720_100_000_000));
        assert_eq!(micros(b"1763720100123", 3), Some(1_763_720_100_123_000));
        assert_eq!(micros(b"0", 6), Some(0));
        assert_eq!(micros(b"-1", 6), Some(-1_000_000));
        assert_eq!(micros(b" 42 ", 6), Some(42_000_000));
        assert_eq!(micros(b"+42", 6), Some(42_000_000));
    }

    #[test]
    fn fractions_and_exponents_are_exact() {
        assert_eq!(micros(b"1.5", 6), Some(1_500_000));
        assert_eq!(micros(b".5", 6), Some(500_000));
        assert_eq!(micros(b"5.", 6), Some(5_000_000));
        assert_eq!(micros(b"1.7637201e9", 6), Some(1_763_720_100_000_000));
        assert_eq!(micros(b"17637201E-4", 3), Some(1_763_720));
        assert_eq!(micros(b"1e+3", 3), Some(1_000_000));
        // Beyond the microsecond: half away from zero.
        assert_eq!(micros(b"0.0000005", 6), Some(1));
        assert_eq!(micros(b"0.0000004999", 6), Some(0));
        assert_eq!(micros(b"-0.0000005", 6), Some(-1));
        assert_eq!(micros(b"1.0000015", 3), Some(1_000));
        assert_eq!(micros(b"1.0005", 3), Some(1_001));
    }

    #[test]
    fn what_is_not_a_number_is_refused() {
        for text in [
            "",
            " ",
            "-",
            "+",
            ".",
            "e5",
            "1e",
            "1e+",
            "1.2.3",
            "0x10",
            "12a",
            "1 2",
            "--1",
            "NaN",
            "1e99999999999",
            "99999999999999999999999",
        ] {
            assert_eq!(micros(text.as_bytes(), 6), None, "{text}");
        }
        // Tiny exponents make zero, exactly.
        assert_eq!(micros(b"1e-99999999999", 6), Some(0));
    }
}
