//! Column types inferred from text values (a CSV's fields): the narrowest type Redshift's COPY takes
//! every value of a column into, value by value, as `rio.inference.ColumnTracker` infers them for
//! strings (its module docstring is the specification; a property test holds the two together).
//!
//! The type codes are the tracker's, in its order, so that Python reads a [`ColumnState`] as it is.

/// The tracker's type codes (`rio.inference._NONE` …).
pub mod kind {
    pub const NONE: u8 = 0;
    pub const BOOLEAN: u8 = 1;
    pub const INT: u8 = 2;
    pub const BIGINT: u8 = 3;
    pub const DECIMAL: u8 = 4;
    pub const FLOAT: u8 = 5;
    pub const DATE: u8 = 6;
    pub const TIMESTAMP: u8 = 7;
    pub const TIMESTAMPTZ: u8 = 8;
    pub const TIME: u8 = 9;
    pub const TIMETZ: u8 = 10;
    pub const TEXT: u8 = 11;
    pub const SUPER: u8 = 12;
}

use kind::*;

const INT_DIGITS: u32 = 10;
const BIGINT_DIGITS: u32 = 19;
const DECIMAL_DIGITS: u32 = 38;
/// The longest string a decimal column takes as it is: 38 digits, a sign and a point.
const DECIMAL_TEXT: usize = DECIMAL_DIGITS as usize + 2;
/// Beyond this a digit string is not worth parsing: text.
const MAX_FLOAT_TEXT: usize = 400;

/// What one column has shown so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnState {
    pub kind: u8,
    /// Non-empty values (blank ones included).
    pub values: u64,
    pub empties: u64,
    /// The longest value in bytes of UTF-8.
    pub max_bytes: u64,
    /// A decimal column's scale, and the most digits before the point its values need.
    pub scale: u32,
    pub whole: u32,
}

/// The type two kinds of value make together.
fn widen(a: u8, b: u8) -> u8 {
    if a == b || b == NONE {
        return a;
    }
    if a == NONE {
        return b;
    }
    let (low, high) = (a.min(b), a.max(b));
    if high == SUPER {
        return SUPER;
    }
    if low >= INT && high <= FLOAT {
        return high;
    }
    let dates = |k: u8| matches!(k, DATE | TIMESTAMP | TIMESTAMPTZ);
    if dates(a) && dates(b) {
        return TIMESTAMP;
    }
    TEXT
}

impl ColumnState {
    /// Take one value (a field's text) into account.
    pub fn observe(&mut self, text: &str) {
        if text.is_empty() {
            self.empties += 1;
            return;
        }
        self.values += 1;
        self.max_bytes = self.max_bytes.max(text.len() as u64);
        match self.kind {
            TEXT | SUPER => return,
            DECIMAL if text.len() <= DECIMAL_TEXT && integer_or_scaled(text, self.scale) => {
                // Integers and fixed point of the column's scale: only the digits before the point count.
                match decimal_digits(text) {
                    None => self.kind = FLOAT,
                    Some(need) => {
                        self.whole = self.whole.max(need);
                        if self.whole + self.scale > DECIMAL_DIGITS {
                            self.kind = FLOAT;
                        }
                    }
                }
                return;
            }
            _ => {}
        }
        if accepts(self.kind, text) || text.bytes().all(|b| b" \t\n\x0c\r".contains(&b)) {
            return; // a blank value loads as NULL unless the column ends up text, which takes it
        }
        self.take(classify(text), text);
    }

    fn take(&mut self, found: u8, text: &str) {
        if found == DECIMAL {
            let (whole, scale) = fixed_point(text).expect("classified as fixed point");
            self.take_decimal(whole, scale);
        } else if self.kind == DECIMAL && (found == INT || found == BIGINT) {
            let whole = if found == INT {
                INT_DIGITS
            } else {
                BIGINT_DIGITS
            };
            self.take_decimal(whole, self.scale);
        } else {
            self.kind = widen(self.kind, found);
        }
    }

    /// A decimal value of `whole` digits before the point and `scale` after; strings of mixed
    /// scales make a float column.
    fn take_decimal(&mut self, whole: u32, scale: u32) {
        match self.kind {
            NONE | INT | BIGINT => {
                let least = match self.kind {
                    INT => INT_DIGITS,
                    BIGINT => BIGINT_DIGITS,
                    _ => 0,
                };
                self.whole = whole.max(least);
                self.scale = scale;
                self.kind = DECIMAL;
            }
            DECIMAL => {
                if scale != self.scale {
                    self.kind = FLOAT;
                    return;
                }
                self.whole = self.whole.max(whole);
            }
            other => {
                self.kind = widen(other, DECIMAL);
                return;
            }
        }
        if self.whole + self.scale > DECIMAL_DIGITS {
            self.kind = FLOAT;
        }
    }
}

fn all_digits(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(u8::is_ascii_digit)
}

fn unsigned(text: &str) -> &[u8] {
    match text.as_bytes() {
        [b'+' | b'-', rest @ ..] => rest,
        bytes => bytes,
    }
}

/// `[+-]?[0-9]+` then, for a scale, optionally `.` and exactly `scale` digits.
fn integer_or_scaled(text: &str, scale: u32) -> bool {
    let body = unsigned(text);
    match body.iter().position(|&b| b == b'.') {
        None => all_digits(body),
        Some(point) => {
            scale > 0
                && all_digits(&body[..point])
                && body.len() - point - 1 == scale as usize
                && all_digits(&body[point + 1..])
        }
    }
}

/// The digits before the point an integer or fixed-point string needs in a decimal column (an int
/// counts as 10, a bigint as 19), or None for an integer beyond bigint.
fn decimal_digits(text: &str) -> Option<u32> {
    let body = unsigned(text);
    if let Some(point) = body.iter().position(|&b| b == b'.') {
        let whole = &body[..point];
        return Some(whole.iter().skip_while(|&&b| b == b'0').count() as u32);
    }
    match integer_type(text) {
        INT => Some(INT_DIGITS),
        BIGINT => Some(BIGINT_DIGITS),
        _ => None,
    }
}

/// The type of an optionally signed run of ASCII digits, or NONE when it is not one.
fn integer_type(text: &str) -> u8 {
    let digits = unsigned(text);
    if !all_digits(digits) {
        return NONE;
    }
    if digits.len() <= 9 {
        return INT;
    }
    let negative = text.starts_with('-');
    let significant: &[u8] = {
        let start = digits
            .iter()
            .position(|&b| b != b'0')
            .unwrap_or(digits.len());
        &digits[start..]
    };
    if significant.len() <= 19 {
        let magnitude: i128 = significant
            .iter()
            .fold(0i128, |value, digit| value * 10 + i128::from(digit - b'0'));
        let value = if negative { -magnitude } else { magnitude };
        if (i128::from(i32::MIN)..=i128::from(i32::MAX)).contains(&value) {
            return INT;
        }
        if (i128::from(i64::MIN)..=i128::from(i64::MAX)).contains(&value) {
            return BIGINT;
        }
        return FLOAT;
    }
    // Up to 10^308 a double holds it.
    let at_most_1e308 = significant.len() <= 308
        || (significant.len() == 309
            && significant[0] == b'1'
            && significant[1..].iter().all(|&b| b == b'0'));
    if at_most_1e308 {
        FLOAT
    } else {
        TEXT
    }
}

/// Digits before the point (leading zeros aside) and after it of `[+-]?[0-9]+\.[0-9]+` text.
fn fixed_point(text: &str) -> Option<(u32, u32)> {
    if text.len() > MAX_FLOAT_TEXT {
        return None;
    }
    let body = unsigned(text);
    let point = body.iter().position(|&b| b == b'.')?;
    let (whole, fraction) = (&body[..point], &body[point + 1..]);
    if !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let significant = whole.iter().skip_while(|&&b| b == b'0').count();
    Some((significant as u32, fraction.len() as u32))
}

/// `[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)`, then with `exponent` an optional `[eE][+-]?[0-9]+`.
fn decimal_shape(text: &str, exponent: bool) -> bool {
    let body = unsigned(text);
    let (mantissa, power) = match body.iter().position(|&b| b == b'e' || b == b'E') {
        Some(at) if exponent => (&body[..at], Some(&body[at + 1..])),
        Some(_) => return false,
        None => (body, None),
    };
    let mantissa_ok = match mantissa.iter().position(|&b| b == b'.') {
        None => all_digits(mantissa),
        Some(point) => {
            let (whole, fraction) = (&mantissa[..point], &mantissa[point + 1..]);
            let fraction_ok = fraction.iter().all(u8::is_ascii_digit);
            if whole.is_empty() {
                !fraction.is_empty() && fraction_ok
            } else {
                all_digits(whole) && fraction_ok
            }
        }
    };
    mantissa_ok
        && power.is_none_or(|power| {
            let digits = match power {
                [b'+' | b'-', rest @ ..] => rest,
                all => all,
            };
            all_digits(digits)
        })
}

fn is_float(text: &str) -> bool {
    text.len() <= MAX_FLOAT_TEXT
        && decimal_shape(text, true)
        && text.parse::<f64>().is_ok_and(f64::is_finite)
}

fn number(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'))
}

/// A real calendar date written `YYYY-MM-DD` in the years 1 to 9999.
fn is_date(bytes: &[u8]) -> bool {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let (year, month, day) = (&bytes[..4], &bytes[5..7], &bytes[8..10]);
    if !(all_digits(year) && all_digits(month) && all_digits(day)) {
        return false;
    }
    let (year, month, day) = (number(year), number(month), number(day));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year >= 1 && (1..=days).contains(&day)
}

/// A timestamp as `TIMEFORMAT 'auto'` reads the forms inference takes: `YYYY-MM-DD`, `T`/`t`/space,
/// `HH:MM[:SS[.fraction]]` and an optional zone.
struct Timestamp<'a> {
    hours: u32,
    minutes: u32,
    seconds: u32,
    fraction: &'a [u8],
    /// `None`: no zone; `Some(0)` for `Z`; else seconds east of UTC.
    zone: Option<i64>,
}

fn two_digits(bytes: &[u8], at: usize, highest_first: u8) -> Option<u32> {
    let pair = bytes.get(at..at + 2)?;
    (pair[0].is_ascii_digit() && pair[0] <= highest_first && pair[1].is_ascii_digit())
        .then(|| number(pair))
}

fn timestamp(text: &str) -> Option<Timestamp<'_>> {
    let bytes = text.as_bytes();
    if bytes.len() < 16 || !is_date(&bytes[..10]) || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let hours = two_digits(bytes, 11, b'2')?;
    if hours > 23 || bytes[13] != b':' {
        return None;
    }
    let minutes = two_digits(bytes, 14, b'5')?;
    let mut at = 16;
    let mut seconds = 0;
    let mut fraction: &[u8] = &[];
    if bytes.get(at) == Some(&b':') {
        seconds = two_digits(bytes, at + 1, b'5')?;
        at += 3;
        if bytes.get(at) == Some(&b'.') {
            let digits = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 0 {
                return None;
            }
            fraction = &bytes[at + 1..at + 1 + digits];
            at += 1 + digits;
        }
    }
    let zone = match &bytes[at..] {
        [] => None,
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let hours = two_digits(rest, 0, b'1')?;
            if hours > 15 {
                return None;
            }
            let minutes = match &rest[2..] {
                [] => 0,
                [b':', m @ ..] | m if m.len() == 2 => two_digits(m, 0, b'5')?,
                _ => return None,
            };
            let east = i64::from(hours * 3600 + minutes * 60);
            Some(if *sign == b'-' { -east } else { east })
        }
        _ => return None,
    };
    Some(Timestamp {
        hours,
        minutes,
        seconds,
        fraction,
        zone,
    })
}

/// Whether a timestamp stays in the years 1 to 9999 as the load reads it: its fraction rounded half
/// up to microseconds and, when `zoned`, its zone converted to UTC. Only the first and last days
/// can leave them.
fn stays_in_years(text: &str, parsed: &Timestamp<'_>, zoned: bool) -> bool {
    let day = &text[..10];
    if day != "0001-01-01" && day != "9999-12-31" {
        return true;
    }
    let mut micros =
        i64::from((parsed.hours * 60 + parsed.minutes) * 60 + parsed.seconds) * 1_000_000;
    if !parsed.fraction.is_empty() {
        let mut seven = [b'0'; 7];
        let kept = parsed.fraction.len().min(7);
        seven[..kept].copy_from_slice(&parsed.fraction[..kept]);
        micros += (i64::from(number(&seven)) + 5) / 10;
    }
    if zoned {
        micros -= parsed.zone.unwrap_or(0) * 1_000_000;
    }
    if day == "9999-12-31" {
        micros < 86_400_000_000
    } else {
        micros >= 0
    }
}

/// Whether a column of `kind` takes the non-empty `text` as it is.
fn accepts(kind: u8, text: &str) -> bool {
    match kind {
        BOOLEAN => is_boolean(text),
        INT => integer_type(text) == INT,
        BIGINT => matches!(integer_type(text), INT | BIGINT),
        FLOAT => (text.len() <= 300 && decimal_shape(text, false)) || is_float(text),
        DATE => is_date(text.as_bytes()),
        TIMESTAMP => {
            if text.len() == 10 {
                return is_date(text.as_bytes());
            }
            timestamp(text).is_some_and(|parsed| stays_in_years(text, &parsed, false))
        }
        TIMESTAMPTZ => timestamp(text)
            .is_some_and(|parsed| parsed.zone.is_some() && stays_in_years(text, &parsed, true)),
        TEXT | SUPER => true,
        _ => false, // none yet, decimal (by the column's scale), and time, which no string is
    }
}

fn is_boolean(text: &str) -> bool {
    text.len() <= 5
        && ["true", "false", "t", "f"]
            .iter()
            .any(|word| text.eq_ignore_ascii_case(word))
}

/// The narrowest type code of one non-blank string; fixed point is DECIMAL whatever its digits
/// (the column decides whether they fit).
pub fn classify(text: &str) -> u8 {
    if is_boolean(text) {
        return BOOLEAN;
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return TEXT;
    }
    if first != b'.' {
        let found = integer_type(text);
        if found != NONE {
            return found;
        }
    }
    if fixed_point(text).is_some() {
        return DECIMAL;
    }
    if is_float(text) {
        return FLOAT;
    }
    if text.len() == 10 {
        return if is_date(text.as_bytes()) { DATE } else { TEXT };
    }
    match timestamp(text) {
        Some(parsed) if stays_in_years(text, &parsed, false) => {
            if parsed.zone.is_some() && stays_in_years(text, &parsed, true) {
                TIMESTAMPTZ
            } else {
                TIMESTAMP
            }
        }
        _ => TEXT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[&str]) -> ColumnState {
        let mut state = ColumnState::default();
        for value in values {
            state.observe(value);
        }
        state
    }

    #[test]
    fn single_values_classify_as_the_tracker_documents() {
        for (text, want) in [
            ("TRUE", BOOLEAN),
            ("f", BOOLEAN),
            ("0", INT),
            ("-2147483648", INT),
            ("2147483648", BIGINT),
            ("000000000000000000000000007", INT),
            ("9223372036854775808", FLOAT),
            ("12.50", DECIMAL),
            (".5", FLOAT),
            ("7.", FLOAT),
            ("1e309", TEXT),
            ("1.5e3", FLOAT),
            ("2026-02-29", TEXT),
            ("2024-02-29", DATE),
            ("0000-01-01", TEXT),
            ("2026-11-21 10:15", TIMESTAMP),
            ("2026-11-21T10:15:00.123456789Z", TIMESTAMPTZ),
            ("2026-11-21 10:15:00+0530", TIMESTAMPTZ),
            ("2026-11-21 10:15:00+16", TEXT),
            ("2026-11-21 24:00:00", TEXT),
            ("9999-12-31 23:59:59.9999996", TEXT),
            ("9999-12-31 23:59:59.9999994", TIMESTAMP),
            ("0001-01-01 00:30:00+01", TIMESTAMP),
            ("abc", TEXT),
            ("+", TEXT),
        ] {
            assert_eq!(classify(text), want, "{text}");
        }
    }

    #[test]
    fn columns_widen_and_decimals_keep_one_scale() {
        assert_eq!(column(&["1", "2"]).kind, INT);
        assert_eq!(column(&["1", "3000000000"]).kind, BIGINT);
        let money = column(&["1.50", "12", "-0.25"]);
        assert_eq!((money.kind, money.whole, money.scale), (DECIMAL, 10, 2));
        assert_eq!(column(&["1.50", "1.5"]).kind, FLOAT);
        assert_eq!(column(&["2026-01-01", "2026-01-01 10:00"]).kind, TIMESTAMP);
        assert_eq!(column(&["2026-01-01", "x"]).kind, TEXT);
        let blanks = column(&["", "  ", "1"]);
        assert_eq!((blanks.kind, blanks.values, blanks.empties), (INT, 2, 1));
        assert_eq!(column(&["é"]).max_bytes, 2);
    }
}
