//! Dates and timestamps in the forms Redshift's `TIMEFORMAT 'auto'` reads.
//!
//! A timestamp column is `timestamp without time zone`: Redshift ignores a zone written in the
//! input and keeps the wall-clock time, so the parsers here check a zone's syntax and drop it.
//! Values are microseconds (timestamps) or days (dates) since 1970-01-01, as wall-clock times.
//!
//! Accepted forms (a date alone is midnight; a date column ignores a time part):
//! - ISO 8601: `2026-11-21`, `2026-11-21T10:15:00`, `2026-11-21 10:15:00.123456`, `…Z`, `…+02:00`,
//!   `…-0800`, `…+02`, `… UTC`
//! - `20261121 101500`, `20261121T101500`, `20261121`
//! - `11/21/2026 10:15:00.25`, `21.11.2026 10:15:00`, `21 Nov 10:15:00 2026`
//! - Julian day `J2461366`, day of year `2026.325`
//!
//! Epoch seconds and milliseconds are not 'auto' forms (Redshift needs `epochsecs`/
//! `epochmillisecs`), so bare numbers are refused here.

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
/// The Julian day number of 1970-01-01.
const JULIAN_DAY_OF_EPOCH: i64 = 2_440_588;

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01, as (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Format microseconds since 1970 as `YYYY-MM-DD HH:MM:SS[.ffffff]`.
pub fn format_timestamp(micros: i64) -> String {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let in_day = micros.rem_euclid(MICROS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let secs = in_day / MICROS_PER_SECOND;
    let frac = in_day % MICROS_PER_SECOND;
    let mut text = format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if frac != 0 {
        text.push_str(&format!(".{frac:06}"));
    }
    text
}

/// Format a day number since 1970 as `YYYY-MM-DD`.
pub fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A parsed date and optional time of day, before it becomes a number.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Parts {
    days: i64,
    micros_of_day: i64,
}

/// Microseconds since 1970-01-01 of a timestamp in a 'auto' form, or `None`.
pub fn parse_timestamp(text: &[u8]) -> Option<i64> {
    let parts = parse(text)?;
    Some(parts.days * MICROS_PER_DAY + parts.micros_of_day)
}

/// Days since 1970-01-01 of a date in a 'auto' form (a time part is ignored), or `None`.
pub fn parse_date(text: &[u8]) -> Option<i64> {
    parse(text).map(|parts| parts.days)
}

struct Cursor<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos == self.text.len()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `n` ASCII digits as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let slice = self.text.get(self.pos..self.pos + n)?;
        let mut value = 0u32;
        for &byte in slice {
            if !byte.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(byte - b'0');
        }
        self.pos += n;
        Some(value)
    }

    /// One or more ASCII digits.
    fn run_of_digits(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn count_digits_ahead(&self) -> usize {
        self.text[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    }
}

fn date_days(year: u32, month: u32, day: u32) -> Option<i64> {
    let year = i64::from(year);
    if year == 0 || !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];

fn parse(text: &[u8]) -> Option<Parts> {
    let text = text.trim_ascii();
    let mut cur = Cursor { text, pos: 0 };
    let parts = match cur.count_digits_ahead() {
        0 if cur.eat(b'J') || cur.eat(b'j') => return julian(&mut cur),
        4 => match text.get(4) {
            Some(b'-') => iso(&mut cur)?,
            Some(b'.') => day_of_year(&mut cur)?,
            _ => return None,
        },
        8 => compact(&mut cur)?,
        1 | 2 => match text.get(cur.count_digits_ahead()) {
            Some(b'/') => slashed(&mut cur)?,
            Some(b'.') => dotted(&mut cur)?,
            Some(b' ') => day_month_name(&mut cur)?,
            _ => return None,
        },
        _ => return None,
    };
    zone(&mut cur)?;
    cur.at_end().then_some(parts)
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.f]]]`
fn iso(cur: &mut Cursor) -> Option<Parts> {
    let year = cur.digits(4)?;
    cur.eat(b'-').then_some(())?;
    let month = cur.digits(2)?;
    cur.eat(b'-').then_some(())?;
    let day = cur.digits(2)?;
    let days = date_days(year, month, day)?;
    if cur.eat(b'T') || cur.eat(b't') {
        return Some(Parts {
            days,
            micros_of_day: clock(cur)?,
        });
    }
    with_optional_clock(cur, days)
}

/// `YYYYMMDD[( |T)HHMISS[.f]]`
fn compact(cur: &mut Cursor) -> Option<Parts> {
    let year = cur.digits(4)?;
    let month = cur.digits(2)?;
    let day = cur.digits(2)?;
    let days = date_days(year, month, day)?;
    let mut micros_of_day = 0;
    if (cur.peek() == Some(b' ') || cur.peek() == Some(b'T')) && {
        let save = cur.pos;
        cur.pos += 1;
        let six = cur.count_digits_ahead() == 6;
        cur.pos = save;
        six
    } {
        cur.pos += 1;
        let hour = cur.digits(2)?;
        let minute = cur.digits(2)?;
        let second = cur.digits(2)?;
        micros_of_day = time_of_day(hour, minute, second, fraction(cur)?)?;
    }
    Some(Parts {
        days,
        micros_of_day,
    })
}

/// `MM/DD/YYYY[ HH:MM[:SS[.f]]]`
fn slashed(cur: &mut Cursor) -> Option<Parts> {
    let month = one_or_two_digits(cur)?;
    cur.eat(b'/').then_some(())?;
    let day = one_or_two_digits(cur)?;
    cur.eat(b'/').then_some(())?;
    let year = cur.digits(4)?;
    with_optional_clock(cur, date_days(year, month, day)?)
}

/// `DD.MM.YYYY[ HH:MM[:SS[.f]]]`
fn dotted(cur: &mut Cursor) -> Option<Parts> {
    let day = one_or_two_digits(cur)?;
    cur.eat(b'.').then_some(())?;
    let month = one_or_two_digits(cur)?;
    cur.eat(b'.').then_some(())?;
    let year = cur.digits(4)?;
    with_optional_clock(cur, date_days(year, month, day)?)
}

/// `DD Mon HH:MM:SS YYYY`
fn day_month_name(cur: &mut Cursor) -> Option<Parts> {
    let day = one_or_two_digits(cur)?;
    cur.eat(b' ').then_some(())?;
    let name = cur.text.get(cur.pos..cur.pos + 3)?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| m[..] == name[..])? as u32 + 1;
    cur.pos += 3;
    cur.eat(b' ').then_some(())?;
    let micros_of_day = clock(cur)?;
    cur.eat(b' ').then_some(())?;
    let year = cur.digits(4)?;
    Some(Parts {
        days: date_days(year, month, day)?,
        micros_of_day,
    })
}

/// `J<julian day number>`
fn julian(cur: &mut Cursor) -> Option<Parts> {
    let digits = cur.run_of_digits();
    if digits.is_empty() || digits.len() > 8 || !cur.at_end() {
        return None;
    }
    let number: i64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let days = number - JULIAN_DAY_OF_EPOCH;
    let (year, _, _) = civil_from_days(days);
    (1..=9999).contains(&year).then_some(Parts {
        days,
        micros_of_day: 0,
    })
}

/// `YYYY.DDD`
fn day_of_year(cur: &mut Cursor) -> Option<Parts> {
    let year = cur.digits(4)?;
    cur.eat(b'.').then_some(())?;
    let doy = cur.digits(3)?;
    let length = if is_leap(i64::from(year)) { 366 } else { 365 };
    if year == 0 || doy == 0 || doy > length {
        return None;
    }
    Some(Parts {
        days: days_from_civil(i64::from(year), 1, 1) + i64::from(doy) - 1,
        micros_of_day: 0,
    })
}

fn one_or_two_digits(cur: &mut Cursor) -> Option<u32> {
    match cur.count_digits_ahead() {
        1 => cur.digits(1),
        2 => cur.digits(2),
        _ => None,
    }
}

/// A date, then optionally a space and `HH:MM[:SS[.f]]`.
fn with_optional_clock(cur: &mut Cursor, days: i64) -> Option<Parts> {
    let micros_of_day =
        if cur.peek() == Some(b' ') && cur.text.get(cur.pos + 1).is_some_and(u8::is_ascii_digit) {
            cur.pos += 1;
            clock(cur)?
        } else {
            0
        };
    Some(Parts {
        days,
        micros_of_day,
    })
}

/// `HH:MM[:SS[.f]]` as microseconds of the day.
fn clock(cur: &mut Cursor) -> Option<i64> {
    let hour = cur.digits(2)?;
    cur.eat(b':').then_some(())?;
    let minute = cur.digits(2)?;
    let (second, micros) = if cur.eat(b':') {
        (cur.digits(2)?, fraction(cur)?)
    } else {
        (0, 0)
    };
    time_of_day(hour, minute, second, micros)
}

fn time_of_day(hour: u32, minute: u32, second: u32, micros: i64) -> Option<i64> {
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(i64::from(hour * 3600 + minute * 60 + second) * MICROS_PER_SECOND + micros)
}

/// An optional `.digits` rounded to microseconds (a seventh digit rounds half up).
fn fraction(cur: &mut Cursor) -> Option<i64> {
    if !cur.eat(b'.') {
        return Some(0);
    }
    let digits = cur.run_of_digits();
    if digits.is_empty() {
        return None;
    }
    let mut micros = 0i64;
    for i in 0..6 {
        micros = micros * 10 + digits.get(i).map_or(0, |d| i64::from(d - b'0'));
    }
    if digits.get(6).is_some_and(|&d| d >= b'5') {
        micros += 1;
    }
    // Rounding 23:59:59.9999995 up would need the next day; no writer produces it.
    Some(micros.min(MICROS_PER_SECOND - 1))
}

/// An optional zone (`Z`, `±HH`, `±HHMM`, `±HH:MM`, ` UTC`, ` GMT`): checked, then dropped.
fn zone(cur: &mut Cursor) -> Option<()> {
    if cur.at_end() {
        return Some(());
    }
    if cur.eat(b'Z') || cur.eat(b'z') {
        return Some(());
    }
    let save = cur.pos;
    cur.eat(b' ');
    if cur.eat(b'+') || cur.eat(b'-') {
        let hours = cur.digits(2)?;
        let minutes = if cur.eat(b':') || cur.count_digits_ahead() == 2 {
            cur.digits(2)?
        } else {
            0
        };
        return (hours <= 15 && minutes <= 59).then_some(());
    }
    let rest = cur.text[cur.pos..].to_ascii_uppercase();
    if cur.pos > save && (rest == b"UTC" || rest == b"GMT" || rest == b"Z") {
        cur.pos = cur.text.len();
        return Some(());
    }
    cur.pos = save;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Option<String> {
        parse_timestamp(text.as_bytes()).map(format_timestamp)
    }

    #[test]
    fn civil_conversions_round_trip() {
        for days in [-719_162, -1, 0, 1, 11_016, 20_413, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn iso_forms_are_read() {
        let expected = Some("2026-11-21 10:15:00".to_owned());
        for text in [
            "2026-11-21T10:15:00",
            "2026-11-21 10:15:00",
            "2026-11-21T10:15:00Z",
            "2026-11-21t10:15:00z",
            "2026-11-21T10:15",
            "2026-11-21T10:15:00+02:00",
            "2026-11-21T10:15:00-0800",
            "2026-11-21 10:15:00+02",
            "2026-11-21 10:15:00 UTC",
            " 2026-11-21T10:15:00 ",
        ] {
            assert_eq!(ts(text), expected, "{text}");
        }
        assert_eq!(ts("2026-11-21"), Some("2026-11-21 00:00:00".to_owned()));
    }

    #[test]
    fn fractions_keep_microseconds_and_round_beyond() {
        assert_eq!(
            ts("2019-02-11T05:09:12.195Z"),
            Some("2019-02-11 05:09:12.195000".to_owned())
        );
        assert_eq!(
            ts("2019-02-11 05:09:12.1234565"),
            Some("2019-02-11 05:09:12.123457".to_owned())
        );
        assert_eq!(ts("2019-02-11 05:09:12."), None);
    }

    #[test]
    fn other_auto_forms_are_read() {
        let expected = Some("2026-11-21 10:15:00".to_owned());
        assert_eq!(ts("20261121 101500"), expected);
        assert_eq!(ts("20261121T101500"), expected);
        assert_eq!(ts("11/21/2026 10:15:00"), expected);
        assert_eq!(ts("21.11.2026 10:15:00"), expected);
        assert_eq!(ts("21 Nov 10:15:00 2026"), expected);
        assert_eq!(ts("21 nov 10:15:00 2026 UTC"), expected);
        assert_eq!(ts("J2461366"), Some("2026-11-21 00:00:00".to_owned()));
        assert_eq!(ts("2026.325"), Some("2026-11-21 00:00:00".to_owned()));
        assert_eq!(ts("20261121"), Some("2026-11-21 00:00:00".to_owned()));
    }

    #[test]
    fn impossible_or_unknown_values_are_refused() {
        for text in [
            "",
            "2026-02-29",
            "2026-13-01",
            "2026-11-31",
            "2026-11-21T24:00:00",
            "2026-11-21T10:60:00",
            "2026-11-21T10:15:61",
            "2026-11-21T10:15:00+25:00",
            "2026-11-21T10:15:00 PST",
            "0000-01-01",
            "1700000000",
            "1700000000000",
            "yesterday",
            "2026/11/21",
            "2026-11-21T10:15:00Zjunk",
            "2026-1-2",
            "J",
            "2026.000",
            "2026.366",
        ] {
            assert_eq!(parse_timestamp(text.as_bytes()), None, "{text}");
        }
        assert!(parse_timestamp(b"2024-02-29").is_some());
        assert!(parse_timestamp(b"2024.366").is_some());
    }

    #[test]
    fn dates_drop_the_time_part() {
        assert_eq!(
            parse_date(b"2026-11-21T23:59:59Z"),
            Some(days_from_civil(2026, 11, 21))
        );
        assert_eq!(
            format_date(parse_date(b"2026-11-21").unwrap()),
            "2026-11-21"
        );
    }
}
