//! Reading back the canonical text the converter writes for a value (`crate::types`): its forms
//! are fixed (`-123`, `2026-11-21`, `10:15:00.500000`, `+05:30`, `-12.50`), so each is read without
//! checks, to turn it into a binary form (PostgreSQL's binary COPY, typed Arrow columns).

use crate::timefmt::days_from_civil;

#[inline]
pub fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("the converter writes ASCII for this type")
}

/// An optionally negative run of digits (itoa's text), in range for its type.
#[inline]
pub fn integer(bytes: &[u8]) -> i64 {
    unscaled(bytes) as i64
}

#[inline]
pub fn number(bytes: &[u8]) -> i64 {
    bytes
        .iter()
        .fold(0i64, |value, digit| value * 10 + i64::from(digit - b'0'))
}

/// Days since 1970-01-01 of `YYYY-MM-DD`.
#[inline]
pub fn date(bytes: &[u8]) -> i64 {
    days_from_civil(
        number(&bytes[..4]),
        number(&bytes[5..7]) as u32,
        number(&bytes[8..10]) as u32,
    )
}

/// Microseconds since midnight of `HH:MM:SS[.ffffff]`, and the text after it.
#[inline]
pub fn clock(bytes: &[u8]) -> (i64, &[u8]) {
    let seconds = number(&bytes[..2]) * 3600 + number(&bytes[3..5]) * 60 + number(&bytes[6..8]);
    let mut micros = seconds * 1_000_000;
    let mut rest = &bytes[8..];
    if let Some((b'.', fraction)) = rest.split_first() {
        micros += number(&fraction[..6]);
        rest = &fraction[6..];
    }
    (micros, rest)
}

/// Seconds east of UTC of `+HH` or `+HH:MM` (`-` west).
#[inline]
pub fn offset_seconds(bytes: &[u8]) -> i32 {
    let hours = number(&bytes[1..3]);
    let minutes = if bytes.len() >= 6 {
        number(&bytes[4..6])
    } else {
        0
    };
    let seconds = (hours * 3600 + minutes * 60) as i32;
    if bytes[0] == b'-' {
        -seconds
    } else {
        seconds
    }
}

/// The unscaled value of the decimal text `[-]digits[.digits]` (at most 38 digits), or of an
/// integer's.
#[inline]
pub fn unscaled(bytes: &[u8]) -> i128 {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let magnitude = digits
        .iter()
        .filter(|&&b| b != b'.')
        .fold(0i128, |value, digit| value * 10 + i128::from(digit - b'0'));
    if negative {
        -magnitude
    } else {
        magnitude
    }
}
