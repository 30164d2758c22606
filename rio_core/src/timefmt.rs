//! Dates, times and timestamps as Redshift's COPY reads them.
//!
//! One engine for every place that reads a date or a time: the packer's column checks, the data
//! timestamp of a row, and the emulated COPY. It follows COPY's data-conversion options:
//!
//! - [`DateTimeFormat::Auto`] (`DATEFORMAT 'auto'`, `TIMEFORMAT 'auto'`): every form AWS documents for
//!   automatic recognition ("Using automatic recognition with DATEFORMAT and TIMEFORMAT", and the
//!   date, time and timestamp literals those pages refer to). See [`auto`] for the list.
//! - [`DateTimeFormat::Pattern`]: a format string of `YYYY YY MM MON DD HH HH24 HH12 MI SS AM PM` and
//!   separators (Redshift's "DATEFORMAT and TIMEFORMAT strings"). See [`pattern`].
//! - [`DateTimeFormat::EpochSecs`] and [`DateTimeFormat::EpochMillisecs`]: numbers counted from
//!   1970-01-01 00:00:00 UTC. See [`epoch`].
//!
//! Time zones (see [`zone`]): offsets (`Z`, `+HH`, `+HHMM`, `+HH:MM`), the abbreviations of
//! `pg_timezone_abbrevs` (`PST`, `CEST`, …) and the IANA names of `pg_timezone_names`
//! (`America/New_York`, `US/Pacific`, …), from the time-zone database bundled into the binary.
//!
//! Values are wall-clock times as written: days since 1970-01-01 for dates, microseconds since
//! 1970-01-01 00:00 for timestamps ([`Moment::micros`]), microseconds since midnight for times. A
//! zone is reported beside the value ([`Moment::offset_seconds`], seconds east of UTC), never
//! applied: a `timestamp` column ignores it, as Redshift does, and a `timestamptz` column subtracts
//! it ([`Moment::utc_micros`]). Redshift keeps microseconds: digits beyond them round half up.

pub mod auto;
pub mod epoch;
pub mod pattern;
pub mod zone;

pub use pattern::Pattern;

pub const MICROS_PER_SECOND: i64 = 1_000_000;
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;
/// The Julian day number of 1970-01-01.
pub(crate) const JULIAN_DAY_OF_EPOCH: i64 = 2_440_588;

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
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

pub(crate) fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970 of a valid date (astronomical years: 0 is 1 BC), or `None`.
pub(crate) fn date_days(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// The first day a date may be: Julian day 0, 4714-11-24 BC (Redshift's "4713 BC" is the Julian
/// calendar's 1 January of that year).
pub const FIRST_DATE: i64 = -JULIAN_DAY_OF_EPOCH;
/// The last day a date may be: 9999-12-31 (dates and timestamps are written with four-digit years).
pub const LAST_DATE: i64 = days_from_civil(9999, 12, 31);
/// The first microsecond a timestamp may be: 0001-01-01 00:00:00.
pub const FIRST_TIMESTAMP: i64 = days_from_civil(1, 1, 1) * MICROS_PER_DAY;
/// The last microsecond a timestamp may be: 9999-12-31 23:59:59.999999.
pub const LAST_TIMESTAMP: i64 = days_from_civil(10_000, 1, 1) * MICROS_PER_DAY - 1;

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

/// How COPY reads the dates or timestamps of a load: its `DATEFORMAT` or `TIMEFORMAT`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DateTimeFormat {
    /// `'auto'`: every form of automatic recognition (rio's default for both options).
    #[default]
    Auto,
    /// `'epochsecs'`: seconds since 1970-01-01 00:00:00 UTC (TIMEFORMAT only).
    EpochSecs,
    /// `'epochmillisecs'`: milliseconds since 1970-01-01 00:00:00 UTC (TIMEFORMAT only).
    EpochMillisecs,
    /// A format string such as `'MM/DD/YYYY HH12:MI:SS AM'`.
    Pattern(Pattern),
}

impl DateTimeFormat {
    /// Read a `DATEFORMAT` (`for_dates`) or `TIMEFORMAT` argument. The keywords are case-sensitive,
    /// as in Redshift; anything else is a format string. The error names the token at fault.
    pub fn parse(text: &str, for_dates: bool) -> Result<DateTimeFormat, String> {
        let option = if for_dates {
            "DATEFORMAT"
        } else {
            "TIMEFORMAT"
        };
        match text {
            "auto" => Ok(DateTimeFormat::Auto),
            "epochsecs" | "epochmillisecs" if for_dates => Err(format!(
                "DATEFORMAT '{text}': '{text}' is a TIMEFORMAT keyword; DATEFORMAT takes 'auto' or \
                 a format string such as 'YYYY-MM-DD'"
            )),
            "epochsecs" => Ok(DateTimeFormat::EpochSecs),
            "epochmillisecs" => Ok(DateTimeFormat::EpochMillisecs),
            _ if ["auto", "epochsecs", "epochmillisecs"]
                .iter()
                .any(|keyword| keyword.eq_ignore_ascii_case(text)) =>
            {
                Err(format!(
                    "{option} '{text}': the keywords 'auto', 'epochsecs' and 'epochmillisecs' are \
                     lower case, as in Redshift; write '{}'",
                    text.to_ascii_lowercase()
                ))
            }
            _ => Pattern::compile(text, option).map(DateTimeFormat::Pattern),
        }
    }

    /// The argument as Redshift's COPY takes it: `auto`, `epochsecs`, `epochmillisecs` or the
    /// format string.
    pub fn as_str(&self) -> &str {
        match self {
            DateTimeFormat::Auto => "auto",
            DateTimeFormat::EpochSecs => "epochsecs",
            DateTimeFormat::EpochMillisecs => "epochmillisecs",
            DateTimeFormat::Pattern(pattern) => pattern.as_str(),
        }
    }
}

/// A timestamp as written: its wall-clock time, and the zone it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment {
    /// The wall-clock time as written, in microseconds since 1970-01-01 00:00.
    pub micros: i64,
    /// The zone as written, in seconds east of UTC (a zone name resolved for that instant), or
    /// `None` when the text had none (epoch numbers have none: they count in UTC).
    pub offset_seconds: Option<i32>,
}

impl Moment {
    /// The instant in UTC: the wall-clock time less its offset (none is UTC, Redshift's default
    /// session time zone).
    pub fn utc_micros(&self) -> i64 {
        self.micros - i64::from(self.offset_seconds.unwrap_or(0)) * MICROS_PER_SECOND
    }
}

/// Days since 1970-01-01 of a date, or `None`. A time part is dropped, as Redshift does; a date may
/// be BC (back to 4713 BC) with 'auto'.
pub fn parse_date(input: &[u8], format: &DateTimeFormat) -> Option<i64> {
    let days = match format {
        DateTimeFormat::Auto => auto::parse_date(input)?,
        DateTimeFormat::Pattern(pattern) => pattern.parse_date(input)?,
        DateTimeFormat::EpochSecs => epoch::micros(input, 6)?.div_euclid(MICROS_PER_DAY),
        DateTimeFormat::EpochMillisecs => epoch::micros(input, 3)?.div_euclid(MICROS_PER_DAY),
    };
    (FIRST_DATE..=LAST_DATE).contains(&days).then_some(days)
}

/// A timestamp, or `None`. A date without a time is midnight; years 1 to 9999 only.
#[inline]
pub fn parse_timestamp(input: &[u8], format: &DateTimeFormat) -> Option<Moment> {
    let moment = match format {
        DateTimeFormat::Auto => auto::parse_timestamp(input)?,
        DateTimeFormat::Pattern(pattern) => pattern.parse_timestamp(input)?,
        DateTimeFormat::EpochSecs => Moment {
            micros: epoch::micros(input, 6)?,
            offset_seconds: None,
        },
        DateTimeFormat::EpochMillisecs => Moment {
            micros: epoch::micros(input, 3)?,
            offset_seconds: None,
        },
    };
    (FIRST_TIMESTAMP..=LAST_TIMESTAMP)
        .contains(&moment.micros)
        .then_some(moment)
}

/// A time of day in microseconds since midnight (`24:00:00` is the last), with the zone as written
/// (seconds east of UTC), or `None`. Times are always read as 'auto' reads them; a timestamp's
/// time part is taken.
pub fn parse_time(input: &[u8]) -> Option<(i64, Option<i32>)> {
    auto::parse_time(input)
}

/// `Some(())` when `ok`: for `?` in the parsers.
#[inline]
pub(crate) fn check(ok: bool) -> Option<()> {
    ok.then_some(())
}

/// Exactly `n` ASCII digits of `text` at `at`, as a number.
#[inline]
pub(crate) fn digits_at(text: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = text.get(at..at + n)?;
    let mut value = 0u32;
    for &byte in slice {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u32::from(byte - b'0');
    }
    Some(value)
}

/// The length of the run of ASCII digits at `at`.
#[inline]
pub(crate) fn digit_run(text: &[u8], at: usize) -> usize {
    text.get(at..).map_or(0, |rest| {
        rest.iter().take_while(|b| b.is_ascii_digit()).count()
    })
}

/// A number of at most nine digits.
#[inline]
pub(crate) fn number(digits: &[u8]) -> Option<u32> {
    check(!digits.is_empty() && digits.len() <= 9)?;
    Some(
        digits
            .iter()
            .fold(0u32, |value, d| value * 10 + u32::from(d - b'0')),
    )
}

/// The digits of a fraction of a second as microseconds, rounded half up beyond the sixth digit
/// (so the result may be a whole second, 1 000 000).
#[inline]
pub(crate) fn fraction_micros(digits: &[u8]) -> i64 {
    let mut micros = 0i64;
    for i in 0..6 {
        micros = micros * 10 + digits.get(i).map_or(0, |d| i64::from(d - b'0'));
    }
    if digits.get(6).is_some_and(|&d| d >= b'5') {
        micros += 1;
    }
    micros
}

/// A clock time as microseconds since midnight; `None` past 23:59:60. A leap second (`:60`) is
/// the next minute's first, as Redshift's (PostgreSQL's) date/time input reads it.
#[inline]
pub(crate) fn time_of_day(hour: u32, minute: u32, second: u32, micros: i64) -> Option<i64> {
    check(hour <= 23 && minute <= 59 && second <= 60)?;
    Some(i64::from(hour * 3600 + minute * 60 + second) * MICROS_PER_SECOND + micros)
}

/// Month names: the full English name or its first three letters (and `Sept`), in any case.
/// Returns the month and how many bytes of `text` (from its start) the name took.
pub(crate) fn month_name(text: &[u8]) -> Option<(u32, usize)> {
    const FULL: [&[u8]; 12] = [
        b"january",
        b"february",
        b"march",
        b"april",
        b"may",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
    ];
    let head = text.get(..3)?;
    let lower = [
        head[0].to_ascii_lowercase(),
        head[1].to_ascii_lowercase(),
        head[2].to_ascii_lowercase(),
    ];
    let index = FULL.iter().position(|name| name[..3] == lower)?;
    let starts =
        |name: &[u8]| text.len() >= name.len() && text[..name.len()].eq_ignore_ascii_case(name);
    let used = if starts(FULL[index]) {
        FULL[index].len()
    } else if index == 8 && starts(b"sept") {
        4
    } else {
        3
    };
    Some((index as u32 + 1, used))
}

/// A word that is exactly a month name (full, three letters, or `Sept`).
pub(crate) fn month_word(word: &[u8]) -> Option<u32> {
    month_name(word).and_then(|(month, used)| (used == word.len()).then_some(month))
}

/// The year a two-digit year means: 00-69 are 2000-2069 and 70-99 are 1970-1999, as Redshift (and
/// PostgreSQL, whose date input it keeps) reads them; the docs' own example is `01/02/00`, January 2,
/// 2000.
pub(crate) fn two_digit_year(year: i64) -> i64 {
    if year < 70 {
        year + 2000
    } else {
        year + 1900
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto_ts(text: &str) -> Option<Moment> {
        parse_timestamp(text.as_bytes(), &DateTimeFormat::Auto)
    }

    #[test]
    fn civil_conversions_round_trip() {
        for days in [-719_162, -1, 0, 1, 11_016, 20_413, 2_932_896, FIRST_DATE] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(FIRST_DATE), (-4713, 11, 24));
    }

    #[test]
    fn keywords_are_case_sensitive_and_name_the_fault() {
        assert_eq!(DateTimeFormat::default(), DateTimeFormat::Auto);
        assert_eq!(
            DateTimeFormat::parse("auto", false),
            Ok(DateTimeFormat::Auto)
        );
        assert_eq!(
            DateTimeFormat::parse("auto", true),
            Ok(DateTimeFormat::Auto)
        );
        assert_eq!(
            DateTimeFormat::parse("epochsecs", false),
            Ok(DateTimeFormat::EpochSecs)
        );
        assert_eq!(
            DateTimeFormat::parse("epochmillisecs", false),
            Ok(DateTimeFormat::EpochMillisecs)
        );
        let error = DateTimeFormat::parse("AUTO", false).unwrap_err();
        assert!(
            error.contains("'AUTO'") && error.contains("lower case"),
            "{error}"
        );
        let error = DateTimeFormat::parse("EpochSecs", false).unwrap_err();
        assert!(error.contains("'epochsecs'"), "{error}");
        let error = DateTimeFormat::parse("epochsecs", true).unwrap_err();
        assert!(error.starts_with("DATEFORMAT 'epochsecs'"), "{error}");
        assert!(DateTimeFormat::parse("epochmillisecs", true).is_err());
        for text in ["auto", "epochsecs", "epochmillisecs", "MM/DD/YYYY"] {
            assert_eq!(DateTimeFormat::parse(text, false).unwrap().as_str(), text);
        }
    }

    #[test]
    fn moments_carry_the_zone_as_written() {
        let moment = auto_ts("2026-11-21T10:15:00+02:00").unwrap();
        assert_eq!(
            moment.micros,
            days_from_civil(2026, 11, 21) * MICROS_PER_DAY + 36_900_000_000
        );
        assert_eq!(moment.offset_seconds, Some(7200));
        assert_eq!(format_timestamp(moment.utc_micros()), "2026-11-21 08:15:00");
        let naive = auto_ts("2026-11-21 10:15:00").unwrap();
        assert_eq!(naive.offset_seconds, None);
        assert_eq!(naive.utc_micros(), naive.micros);
    }

    #[test]
    fn every_format_keeps_to_the_ranges() {
        // Timestamps: years 1 to 9999, whatever the format.
        assert!(auto_ts("0001-01-01 00:00:00").is_some());
        assert!(auto_ts("9999-12-31 23:59:59.999999").is_some());
        assert!(auto_ts("9999-12-31 23:59:59.9999996").is_none());
        assert!(auto_ts("Jan-08-95 BC").is_none());
        assert!(parse_timestamp(b"-62135596801", &DateTimeFormat::EpochSecs).is_none());
        assert!(parse_timestamp(b"-62135596800", &DateTimeFormat::EpochSecs).is_some());
        // Dates: back to Julian day 0, up to 9999-12-31.
        assert_eq!(parse_date(b"J0", &DateTimeFormat::Auto), Some(FIRST_DATE));
        assert_eq!(
            parse_date(b"9999-12-31", &DateTimeFormat::Auto),
            Some(LAST_DATE)
        );
        assert_eq!(parse_date(b"Nov-23-4714 BC", &DateTimeFormat::Auto), None);
    }

    #[test]
    fn dates_from_epochs_are_their_utc_day() {
        assert_eq!(
            parse_date(b"1763720100", &DateTimeFormat::EpochSecs),
            Some(days_from_civil(2025, 11, 21))
        );
        assert_eq!(parse_date(b"-1", &DateTimeFormat::EpochMillisecs), Some(-1));
    }

    #[test]
    fn month_names_in_any_case() {
        assert_eq!(month_word(b"January"), Some(1));
        assert_eq!(month_word(b"jan"), Some(1));
        assert_eq!(month_word(b"SEPT"), Some(9));
        assert_eq!(month_word(b"Sep"), Some(9));
        assert_eq!(month_word(b"Janu"), None);
        assert_eq!(month_word(b"Ja"), None);
        assert_eq!(month_name(b"March 31"), Some((3, 5)));
        assert_eq!(month_name(b"Mar 31"), Some((3, 3)));
    }

    #[test]
    fn fractions_round_half_up_beyond_microseconds() {
        assert_eq!(fraction_micros(b"195"), 195_000);
        assert_eq!(fraction_micros(b"1234565"), 123_457);
        assert_eq!(fraction_micros(b"1234564999"), 123_456);
        assert_eq!(fraction_micros(b"9999995"), 1_000_000);
    }
}
