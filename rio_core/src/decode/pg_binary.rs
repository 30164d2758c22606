//! PostgreSQL's binary `COPY` format for converted values (`Output::PostgresBinary`).
//!
//! A value is converted by its type's rules into its canonical text (the text format's), then that
//! text, whose form is fixed, is turned into the type's binary form in place. The server then
//! stores it without parsing it: `COPY` in binary loads the event rows of the benchmarks in 0.81 s
//! where their text takes 1.09 s, and the server's time is most of a load's.
//!
//! The COPY's header and trailer are the caller's; rows are a field count, then each field as a
//! big-endian `i32` length (−1 for NULL) and its bytes. SUPER is `jsonb`
//! (version 1, then the JSON text): a `json` column needs the text format.

use super::canonical::{clock, date, integer, offset_seconds, text};
use crate::types::SqlType;

/// Days from 1970-01-01 (the converter's epoch) to 2000-01-01 (PostgreSQL's).
const POSTGRES_EPOCH_DAYS: i64 = 10_957;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// What a value of `column_type` starts with before its text (jsonb's version).
#[inline]
pub fn prefix(column_type: SqlType, out: &mut Vec<u8>) {
    if column_type == SqlType::Super {
        out.push(1);
    }
}

/// Turn the canonical text at `out[start..]` into the binary form of `column_type`, in place.
#[inline]
pub fn encode(column_type: SqlType, out: &mut Vec<u8>, start: usize) {
    match column_type {
        // Text is its own binary form, as is jsonb's after its version byte.
        SqlType::Char(_) | SqlType::Varchar(_) | SqlType::Text | SqlType::Super => {}
        SqlType::Boolean => {
            let flag = out[start] == b't';
            out.truncate(start);
            out.push(u8::from(flag));
        }
        SqlType::SmallInt => {
            let value = integer(&out[start..]) as i16;
            replace(out, start, &value.to_be_bytes());
        }
        SqlType::Integer => {
            let value = integer(&out[start..]) as i32;
            replace(out, start, &value.to_be_bytes());
        }
        SqlType::BigInt => {
            let value = integer(&out[start..]);
            replace(out, start, &value.to_be_bytes());
        }
        SqlType::Real => {
            let value: f32 = text(&out[start..]).parse().expect("ryu's text of an f32");
            replace(out, start, &value.to_be_bytes());
        }
        SqlType::Double => {
            let value: f64 = text(&out[start..]).parse().expect("ryu's text of an f64");
            replace(out, start, &value.to_be_bytes());
        }
        SqlType::Numeric { scale, .. } => {
            let encoded = numeric(&out[start..], scale);
            out.truncate(start);
            out.extend_from_slice(&encoded);
        }
        SqlType::Date => {
            let days = date(&out[start..]) - POSTGRES_EPOCH_DAYS;
            replace(out, start, &(days as i32).to_be_bytes());
        }
        SqlType::Timestamp | SqlType::TimestampTz => {
            // `YYYY-MM-DD HH:MM:SS[.ffffff]`, and `+00` for timestamptz (always UTC).
            let text = &out[start..];
            let micros =
                (date(&text[..10]) - POSTGRES_EPOCH_DAYS) * MICROS_PER_DAY + clock(&text[11..]).0;
            replace(out, start, &micros.to_be_bytes());
        }
        SqlType::Time => {
            let micros = clock(&out[start..]).0;
            replace(out, start, &micros.to_be_bytes());
        }
        SqlType::TimeTz => {
            let (micros, rest) = clock(&out[start..]);
            let offset = offset_seconds(rest);
            let mut encoded = [0u8; 12];
            encoded[..8].copy_from_slice(&micros.to_be_bytes());
            // PostgreSQL keeps the zone as seconds west of UTC.
            encoded[8..].copy_from_slice(&(-offset).to_be_bytes());
            replace(out, start, &encoded);
        }
    }
}

#[inline]
fn replace(out: &mut Vec<u8>, start: usize, bytes: &[u8]) {
    out.truncate(start);
    out.extend_from_slice(bytes);
}

/// PostgreSQL's binary `numeric` of the text `[-]digits[.scale digits]`: base-10000 digits, the
/// weight of the first, the sign and the display scale.
fn numeric(bytes: &[u8], scale: u8) -> Vec<u8> {
    let (negative, body) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    let (whole, fraction) = match body.iter().position(|&byte| byte == b'.') {
        Some(point) => (&body[..point], &body[point + 1..]),
        None => (body, &body[body.len()..]),
    };
    // Whole digits in groups of four counted from the point, fraction digits the same way.
    let lead = (4 - whole.len() % 4) % 4;
    let mut groups: Vec<i16> = Vec::with_capacity((whole.len() + fraction.len()) / 4 + 2);
    let mut group = 0i16;
    let mut filled = lead;
    for &digit in whole.iter().chain(fraction) {
        group = group * 10 + i16::from(digit - b'0');
        filled += 1;
        if filled == 4 {
            groups.push(group);
            group = 0;
            filled = 0;
        }
    }
    // The lead makes the whole digits end a group at the point.
    let whole_groups = ((lead + whole.len()) / 4) as i16;
    if filled > 0 {
        groups.push(group * 10i16.pow(4 - filled as u32));
    }
    let mut weight = whole_groups - 1;
    let leading = groups.iter().take_while(|&&g| g == 0).count();
    groups.drain(..leading);
    weight -= leading as i16;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let (weight, sign) = if groups.is_empty() {
        (0, 0x0000u16)
    } else if negative {
        (weight, 0x4000)
    } else {
        (weight, 0x0000)
    };
    let mut encoded = Vec::with_capacity(8 + 2 * groups.len());
    encoded.extend_from_slice(&(groups.len() as i16).to_be_bytes());
    encoded.extend_from_slice(&weight.to_be_bytes());
    encoded.extend_from_slice(&sign.to_be_bytes());
    encoded.extend_from_slice(&i16::from(scale).to_be_bytes());
    for group in groups {
        encoded.extend_from_slice(&group.to_be_bytes());
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(column_type: SqlType, text: &str) -> Vec<u8> {
        let mut out = b"xx".to_vec();
        out.extend_from_slice(text.as_bytes());
        encode(column_type, &mut out, 2);
        assert_eq!(&out[..2], b"xx", "what came before stays");
        out.split_off(2)
    }

    fn numeric_parts(bytes: &[u8]) -> (i16, i16, u16, i16, Vec<i16>) {
        let word = |at: usize| i16::from_be_bytes([bytes[at], bytes[at + 1]]);
        let count = word(0);
        let digits = (0..count as usize).map(|i| word(8 + 2 * i)).collect();
        (count, word(2), word(4) as u16, word(6), digits)
    }

    #[test]
    fn integers_floats_and_booleans() {
        assert_eq!(
            encoded(SqlType::SmallInt, "-32768"),
            (-32768i16).to_be_bytes()
        );
        assert_eq!(
            encoded(SqlType::Integer, "2147483647"),
            i32::MAX.to_be_bytes()
        );
        assert_eq!(
            encoded(SqlType::BigInt, "-9223372036854775808"),
            i64::MIN.to_be_bytes()
        );
        assert_eq!(encoded(SqlType::BigInt, "0"), 0i64.to_be_bytes());
        assert_eq!(encoded(SqlType::Real, "1.5"), 1.5f32.to_be_bytes());
        assert_eq!(
            encoded(SqlType::Double, "-2.5e-300"),
            (-2.5e-300f64).to_be_bytes()
        );
        assert_eq!(encoded(SqlType::Boolean, "t"), [1]);
        assert_eq!(encoded(SqlType::Boolean, "f"), [0]);
    }

    #[test]
    fn numerics_in_base_10000() {
        let n = |text: &str, scale: u8| {
            numeric_parts(&encoded(
                SqlType::Numeric {
                    precision: 38,
                    scale,
                },
                text,
            ))
        };
        assert_eq!(n("12345.6789", 4), (3, 1, 0, 4, vec![1, 2345, 6789]));
        assert_eq!(n("-0.50", 2), (1, -1, 0x4000, 2, vec![5000]));
        assert_eq!(n("0.00", 2), (0, 0, 0, 2, vec![]));
        assert_eq!(n("-0", 0), (0, 0, 0, 0, vec![]));
        assert_eq!(n("100000000", 0), (1, 2, 0, 0, vec![1]));
        assert_eq!(n("0.00012", 5), (2, -1, 0, 5, vec![1, 2000]));
        let nines = "9".repeat(38);
        let mut groups = vec![99];
        groups.extend([9999; 9]);
        assert_eq!(n(&nines, 0), (10, 9, 0, 0, groups));
    }

    #[test]
    fn dates_times_and_timestamps_from_2000() {
        assert_eq!(encoded(SqlType::Date, "2000-01-01"), 0i32.to_be_bytes());
        assert_eq!(
            encoded(SqlType::Date, "0001-01-01"),
            (-730_119i32).to_be_bytes()
        );
        assert_eq!(
            encoded(SqlType::Timestamp, "1999-12-31 23:59:59.999999"),
            (-1i64).to_be_bytes()
        );
        assert_eq!(
            encoded(SqlType::TimestampTz, "2000-01-02 00:00:01+00"),
            (MICROS_PER_DAY + 1_000_000).to_be_bytes()
        );
        assert_eq!(
            encoded(SqlType::Time, "24:00:00"),
            MICROS_PER_DAY.to_be_bytes()
        );
        let timetz = encoded(SqlType::TimeTz, "10:15:00.500000-03:30");
        assert_eq!(
            timetz[..8],
            ((10 * 3600 + 15 * 60) * 1_000_000i64 + 500_000).to_be_bytes()
        );
        assert_eq!(timetz[8..], (3 * 3600 + 30 * 60i32).to_be_bytes());
        assert_eq!(
            encoded(SqlType::TimeTz, "00:00:00+14")[8..],
            (-14 * 3600i32).to_be_bytes()
        );
    }

    #[test]
    fn text_and_super_are_their_own_bytes() {
        assert_eq!(encoded(SqlType::Varchar(10), "a\tb\\"), b"a\tb\\");
        let mut out = Vec::new();
        prefix(SqlType::Super, &mut out);
        assert_eq!(out, [1]);
    }
}
