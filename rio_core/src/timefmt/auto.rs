//! `DATEFORMAT 'auto'` and `TIMEFORMAT 'auto'`: the forms Redshift recognises on its own.
//!
//! Redshift's automatic recognition is its SQL date/time input (the docs test a value with
//! `CAST(… AS timestamp)`), kept from PostgreSQL with the default `MDY` DateStyle: a number before
//! another is the month. The forms documented, each pinned by a test below:
//!
//! | form | example |
//! |---|---|
//! | ISO 8601 | `2019-02-11T05:09:12.195Z`, `1996-01-08 04:05:06.789`, `1997-12-17 07:37:16-08` |
//! | Julian day, with a time | `J2451187`, `J2345678 04:05:06.789` |
//! | BC | `Jan-08-95 BC` (dates only: timestamps are years 1 to 9999) |
//! | `YYYYMMDD HHMISS`, `YYMMDD HHMISS` | `19960108 040809`, `960108 040809`, `20080215T040506` |
//! | `YYYY.DDD` (day of year) | `1996.008`, `2008.366` |
//! | `DD Mon HH:MI:SS YYYY TZ` | `17 Dec 07:37:16 1997 PST` |
//! | `MM/DD/YYYY HH:MI:SS.SS TZ` | `12/17/1997 07:37:16.00 PST`, `… US/Pacific`, `1/8/1999`, `01/02/00` |
//! | `DD.MM.YYYY HH:MI:SS TZ` | `12.17.1997 07:37:16.00 PST`, `17.12.1997 07:37:16.00 PST` |
//! | month names | `January 8, 1999`, `March 31, 2003`, `2000-Jan-31`, `Jan-31-2000`, `31-Jan-2000` |
//! | times | `04:05:06.789`, `04:05`, `040506`, `04:05 AM`, `04:05 PM`, `16:05` |
//!
//! A time follows the date after a blank or `T`; a zone (see [`super::zone`]) follows the time,
//! or the year in the `DD Mon HH:MI:SS YYYY TZ` form; commas count as blanks.
//!
//! Where the docs leave a choice, these are the ones made:
//! - Two-digit years are 1970-2069 (`01/02/00` is 2000 in the docs), but not after `BC`.
//! - `MM/DD/YYYY` is month first (the MDY DateStyle the docs assume): `13/01/2026` is refused,
//!   never read as 13 January.
//! - With dots the docs give both `12.17.1997` and `17.12.1997` for 17 December (and label both
//!   `DD.MM.YYYY`), so a dotted date is month first, and day first when the first number cannot be
//!   a month. `01.02.2026` is 2 January.
//! - Numeric dates are `YYYY-MM-DD` with two-digit month and day (`2026-1-2` is refused),
//!   `M/D/Y` or `M.D.Y`; `2026/11/21` and dates of bare numbers without a month name (`11 21 2026`)
//!   are not documented forms and are refused rather than guessed at.
//! - `24:00:00` is a time (Redshift's TIME runs to it) but not a timestamp's time. A leap second
//!   (`23:59:60`) is the next minute's first, as PostgreSQL reads it.
//! - Words PostgreSQL also reads (`now`, `today`, `epoch`, weekday names) are refused: a load
//!   must not depend on when it runs, and the docs list none of them.
//! - Fractions round half up at the seventh digit (`.1234565` is `.123457`) and a timestamp whose
//!   fraction rounds up to the next second carries into it (`…:59.9999999`).
//! - A time column takes a whole timestamp's time part (`2026-11-21T10:15:00Z` is `10:15:00`, UTC),
//!   but a zone name beside a time alone is refused: its offset depends on a date.
//! - `UTC+02` is refused: it is no IANA name, and as a POSIX zone it would mean two hours *west*.
//!
//! The common ISO forms take a fast path that allocates nothing; every other form goes through one
//! scanner that reads the text field by field, as PostgreSQL's `ParseDateTime`/`DecodeDateTime` do,
//! without allocating either (a zone name is looked up in the bundled database).

use super::zone::{self, Zone};
use super::{
    check, date_days, days_from_civil, digit_run, digits_at, fraction_micros, is_leap, month_word,
    number, time_of_day, two_digit_year, Moment, JULIAN_DAY_OF_EPOCH, MICROS_PER_DAY,
};

/// Days since 1970 of a date; a time part is dropped.
pub(crate) fn parse_date(input: &[u8]) -> Option<i64> {
    let text = input.trim_ascii();
    if let Some((days, _, _)) = fast_iso(text) {
        return Some(days);
    }
    scan(text, Mode::DateTime)?
        .date_time()
        .map(|(days, _, _)| days)
}

/// A timestamp: its wall-clock time and its zone as written.
#[inline]
pub(crate) fn parse_timestamp(input: &[u8]) -> Option<Moment> {
    let text = input.trim_ascii();
    let (days, micros_of_day, offset_seconds) = match fast_iso(text) {
        Some(parsed) => parsed,
        None => scan(text, Mode::DateTime)?.date_time()?,
    };
    Some(Moment {
        micros: days * MICROS_PER_DAY + micros_of_day,
        offset_seconds,
    })
}

/// A time of day and its zone as written. A zone name or a zone's abbreviation needs a date to be
/// resolved, so it is read only from a whole timestamp, whose time part is then taken.
pub(crate) fn parse_time(input: &[u8]) -> Option<(i64, Option<i32>)> {
    let text = input.trim_ascii();
    if let Some(fields) = scan(text, Mode::TimeOnly) {
        return fields.time_only();
    }
    let (_, micros_of_day, offset) = scan(text, Mode::DateTime)?.date_time_with_clock()?;
    Some((micros_of_day, offset))
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[.f…]]][Z|±HH[[:]MM]]`, the forms nearly every writer uses, with no
/// allocation; `None` for any other text (which the scanner then reads or refuses).
#[inline]
fn fast_iso(text: &[u8]) -> Option<(i64, i64, Option<i32>)> {
    check(text.len() >= 10 && text[4] == b'-' && text[7] == b'-')?;
    let year = digits_at(text, 0, 4)?;
    check(year != 0)?;
    let days = date_days(
        i64::from(year),
        digits_at(text, 5, 2)?,
        digits_at(text, 8, 2)?,
    )?;
    if text.len() == 10 {
        return Some((days, 0, None));
    }
    check(matches!(text[10], b'T' | b't' | b' ') && text.len() >= 16 && text[13] == b':')?;
    let hour = digits_at(text, 11, 2)?;
    let minute = digits_at(text, 14, 2)?;
    let mut at = 16;
    let (mut second, mut fraction) = (0, 0);
    if text.get(at) == Some(&b':') {
        second = digits_at(text, at + 1, 2)?;
        at += 3;
        if text.get(at) == Some(&b'.') {
            let run = digit_run(text, at + 1);
            check(run > 0)?;
            fraction = fraction_micros(&text[at + 1..at + 1 + run]);
            at += 1 + run;
        }
    }
    let micros_of_day = time_of_day(hour, minute, second, fraction)?;
    let offset = match text.get(at) {
        None => None,
        Some(b'Z' | b'z') if at + 1 == text.len() => Some(0),
        Some(b'+' | b'-') => {
            let (seconds, end) = zone::offset(text, at)?;
            check(end == text.len())?;
            Some(seconds)
        }
        Some(_) => return None,
    };
    Some((days, micros_of_day, offset))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A date, perhaps with a time and a zone.
    DateTime,
    /// A time alone (`HH:MI[:SS]`, `HHMISS`), perhaps with AM/PM and a fixed zone.
    TimeOnly,
}

/// A clock time as written, before AM/PM.
#[derive(Clone, Copy)]
struct Clock {
    hour: u32,
    minute: u32,
    second: u32,
    /// Rounded to microseconds: up to a whole second.
    micros: i64,
}

/// What the text said, field by field.
#[derive(Default)]
struct Fields {
    year: Option<i64>,
    /// The year had one or two digits (and means 1970-2069).
    short_year: bool,
    month: Option<u32>,
    /// The month was a name (so numbers around it are a day and a year).
    text_month: bool,
    day: Option<u32>,
    /// Part of the date came from a bare number (which needs a month name beside it).
    bare_numbers: bool,
    /// A whole date already: `J…` or `YYYY.DDD`, as days since 1970.
    days: Option<i64>,
    clock: Option<Clock>,
    /// `Some(true)` for PM.
    pm: Option<bool>,
    /// `Some(true)` for BC.
    bc: Option<bool>,
    zone: Option<Zone>,
}

impl Fields {
    fn has_date_part(&self) -> bool {
        self.year.is_some() || self.month.is_some() || self.day.is_some() || self.days.is_some()
    }

    fn has_whole_date(&self) -> bool {
        self.days.is_some() || (self.year.is_some() && self.month.is_some() && self.day.is_some())
    }

    fn set_zone(&mut self, zone: Zone) -> Option<()> {
        check(self.zone.is_none())?;
        self.zone = Some(zone);
        Some(())
    }

    fn set_clock(&mut self, clock: Clock) -> Option<()> {
        check(self.clock.is_none())?;
        self.clock = Some(clock);
        Some(())
    }

    /// Year, month and day all at once (from one field such as `1999-01-08`).
    fn set_date(&mut self, year: i64, short_year: bool, month: u32, day: u32) -> Option<()> {
        check(!self.has_date_part())?;
        self.year = Some(year);
        self.short_year = short_year;
        self.month = Some(month);
        self.day = Some(day);
        Some(())
    }

    /// A month name on its own. A bare number read as the month before it was the day
    /// (`17 Dec 1997`).
    fn set_text_month(&mut self, month: u32) -> Option<()> {
        check(!self.text_month && self.days.is_none())?;
        if let Some(earlier) = self.month {
            check(self.day.is_none() && earlier <= 31)?;
            self.day = Some(earlier);
        }
        self.month = Some(month);
        self.text_month = true;
        Some(())
    }

    /// A bare number of one to four digits that is part of a date, placed as PostgreSQL's
    /// `DecodeNumber` places it in MDY order.
    fn set_bare_number(&mut self, value: u32, digits: usize) -> Option<()> {
        check(self.days.is_none())?;
        self.bare_numbers = true;
        let year = |fields: &mut Fields| {
            fields.year = Some(i64::from(value));
            fields.short_year = digits <= 2;
        };
        match (
            self.year.is_some(),
            self.month.is_some(),
            self.day.is_some(),
        ) {
            (false, false, false) if digits >= 3 => year(self),
            (false, false, false) | (true, false, false) | (false, false, true) => {
                self.month = Some(value)
            }
            (false, true, false) if self.text_month && digits >= 3 => year(self),
            (false, true, false) | (true, true, false) => self.day = Some(value),
            (false, true, true) => year(self),
            _ => return None,
        }
        Some(())
    }

    /// The date (days since 1970), the time of day in microseconds (a whole day at most, after
    /// rounding) and the zone's offset.
    fn date_time(&self) -> Option<(i64, i64, Option<i32>)> {
        let days = match self.days {
            Some(days) => {
                check(self.bc.is_none() && self.year.is_none() && self.month.is_none())?;
                days
            }
            None => {
                check(!self.bare_numbers || self.text_month)?;
                let year = self.year?;
                let year = match self.bc {
                    // No year zero: 1 BC is the astronomical year 0.
                    Some(true) => {
                        check(year > 0)?;
                        1 - year
                    }
                    _ if self.short_year => two_digit_year(year),
                    _ => {
                        check(year > 0)?;
                        year
                    }
                };
                date_days(year, self.month?, self.day?)?
            }
        };
        let micros_of_day = match self.clock {
            Some(clock) => self.clock_micros(clock, false)?,
            None => {
                check(self.pm.is_none())?;
                0
            }
        };
        let offset = match &self.zone {
            Some(zone) => Some(zone.offset_at(days * MICROS_PER_DAY + micros_of_day)?),
            None => None,
        };
        Some((days, micros_of_day, offset))
    }

    /// As [`Fields::date_time`], for a time column: the text must have a time.
    fn date_time_with_clock(&self) -> Option<(i64, i64, Option<i32>)> {
        check(self.clock.is_some())?;
        self.date_time()
    }

    fn time_only(&self) -> Option<(i64, Option<i32>)> {
        check(!self.has_date_part() && self.bc.is_none())?;
        let micros = self.clock_micros(self.clock?, true)?;
        let offset = match &self.zone {
            Some(zone) => Some(zone.fixed()?),
            None => None,
        };
        Some((micros, offset))
    }

    /// Microseconds since midnight, with AM/PM applied. A time column's time runs to `24:00:00`
    /// and stops there; a timestamp's may pass midnight (a leap second, a fraction rounded up) and
    /// carry into the next day.
    fn clock_micros(&self, clock: Clock, time_column: bool) -> Option<i64> {
        let mut hour = clock.hour;
        if let Some(pm) = self.pm {
            check(hour <= 12)?;
            hour = match (pm, hour) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, _) => hour + 12,
                (false, _) => hour,
            };
        }
        if time_column && hour == 24 {
            check(clock.minute == 0 && clock.second == 0 && clock.micros == 0)?;
            return Some(MICROS_PER_DAY);
        }
        let micros = time_of_day(hour, clock.minute, clock.second, clock.micros)?;
        check(!time_column || micros <= MICROS_PER_DAY)?;
        Some(micros)
    }
}

/// At most this many fields: no documented form has more than eight.
const MAX_FIELDS: usize = 12;

/// Read `text` field by field.
fn scan(text: &[u8], mode: Mode) -> Option<Fields> {
    let mut fields = Fields::default();
    let mut at = 0;
    let mut count = 0;
    while at < text.len() {
        let byte = text[at];
        if byte.is_ascii_whitespace() || byte == b',' {
            at += 1;
            continue;
        }
        count += 1;
        check(count <= MAX_FIELDS)?;
        at = if byte.is_ascii_digit() {
            number_field(text, at, &mut fields, mode)?
        } else if byte.is_ascii_alphabetic() {
            word_field(text, at, &mut fields, mode)?
        } else if (byte == b'+' || byte == b'-') && count > 1 {
            let (seconds, end) = zone::offset(text, at)?;
            fields.set_zone(Zone::Fixed(seconds))?;
            end
        } else {
            return None;
        };
    }
    Some(fields)
}

/// A field that starts with a digit: a time (`04:05:06.789`), a date with separators
/// (`1999-01-08`, `1/8/1999`, `12.17.1997`, `2000-Jan-31`, `1996.008`), or a bare number
/// (`19960108`, `960108`, `040809`, `17`, `1997`).
fn number_field(text: &[u8], start: usize, fields: &mut Fields, mode: Mode) -> Option<usize> {
    let run = digit_run(text, start);
    let after = start + run;
    match text.get(after) {
        Some(b':') => {
            let (clock, end) = clock(text, start, run)?;
            fields.set_clock(clock)?;
            Some(end)
        }
        Some(&separator @ (b'-' | b'/' | b'.'))
            if text
                .get(after + 1)
                .is_some_and(|b| b.is_ascii_alphanumeric()) =>
        {
            dated_field(text, start, separator, fields, mode)
        }
        _ => {
            bare_number(&text[start..after], fields, mode)?;
            Some(after)
        }
    }
}

/// `H:MM`, `HH:MM`, `HH:MM:SS`, `HH:MM:SS.f…` starting at `start`, whose hour is `run` digits.
fn clock(text: &[u8], start: usize, run: usize) -> Option<(Clock, usize)> {
    check(run == 1 || run == 2)?;
    let hour = number(&text[start..start + run])?;
    let mut at = start + run + 1;
    check(digit_run(text, at) == 2)?;
    let minute = digits_at(text, at, 2)?;
    at += 2;
    let (mut second, mut micros) = (0, 0);
    if text.get(at) == Some(&b':') {
        check(digit_run(text, at + 1) == 2)?;
        second = digits_at(text, at + 1, 2)?;
        at += 3;
        if text.get(at) == Some(&b'.') {
            let digits = digit_run(text, at + 1);
            check(digits > 0)?;
            micros = fraction_micros(&text[at + 1..at + 1 + digits]);
            at += 1 + digits;
        }
    }
    check(
        !text
            .get(at)
            .is_some_and(|b| *b == b':' || b.is_ascii_digit()),
    )?;
    let clock = Clock {
        hour,
        minute,
        second,
        micros,
    };
    Some((clock, at))
}

/// Up to three parts (digits or a month name) joined by one separator, starting at `start`.
fn dated_field(
    text: &[u8],
    start: usize,
    separator: u8,
    fields: &mut Fields,
    mode: Mode,
) -> Option<usize> {
    let mut parts: [&[u8]; 3] = [&[]; 3];
    let mut count = 0;
    let mut at = start;
    loop {
        // A part is all digits or all letters (`21T10` is the day 21, then `T10`).
        let letters = text.get(at).is_some_and(u8::is_ascii_alphabetic);
        let len = text[at..]
            .iter()
            .take_while(|b| {
                if letters {
                    b.is_ascii_alphabetic()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        check(len > 0)?;
        let part = &text[at..at + len];
        parts[count] = part;
        count += 1;
        at += len;
        let more = count < 3
            && text.get(at) == Some(&separator)
            && text.get(at + 1).is_some_and(u8::is_ascii_alphanumeric);
        if !more {
            break;
        }
        at += 1;
    }
    check(mode == Mode::DateTime || (separator == b'.' && count == 2))?;
    if count == 2 {
        // A number with a fraction: `YYYY.DDD`, or `HHMISS.f…` after a date.
        check(separator == b'.')?;
        let (whole, fraction) = (parts[0], parts[1]);
        check(fraction.iter().all(u8::is_ascii_digit))?;
        if whole.len() == 4 && fraction.len() == 3 && mode == Mode::DateTime {
            check(!fields.has_date_part())?;
            fields.days = Some(day_of_year(number(whole)?, number(fraction)?)?);
        } else {
            check(whole.len() == 6)?;
            check(mode == Mode::TimeOnly || fields.has_whole_date())?;
            fields.set_clock(compact_clock(whole, fraction_micros(fraction))?)?;
        }
        return Some(at);
    }
    check(count == 3)?;
    let months: usize = parts.iter().filter(|p| p[0].is_ascii_alphabetic()).count();
    match months {
        0 => numeric_date(parts, separator, fields)?,
        1 => named_month_date(parts, fields)?,
        _ => return None,
    }
    Some(at)
}

/// `YYYY-MM-DD`, `M/D/Y`, `M.D.Y` (or `D.M.Y` when the first cannot be a month).
fn numeric_date(parts: [&[u8]; 3], separator: u8, fields: &mut Fields) -> Option<()> {
    let [first, second, third] = parts;
    let lens = [first.len(), second.len(), third.len()];
    let (a, b, c) = (number(first)?, number(second)?, number(third)?);
    match separator {
        b'-' => {
            check(lens == [4, 2, 2])?;
            fields.set_date(i64::from(a), false, b, c)
        }
        _ => {
            check(lens[0] <= 2 && lens[1] <= 2 && (lens[2] == 2 || lens[2] == 4))?;
            let short = lens[2] == 2;
            let (month, day) = if separator == b'.' && a > 12 {
                (b, a)
            } else {
                (a, b)
            };
            fields.set_date(i64::from(c), short, month, day)
        }
    }
}

/// A date with a month name among two numbers: `2000-Jan-31`, `Jan-31-2000`, `31-Jan-2000`,
/// `Jan-08-95`. The first number is the year if it has three or more digits, else the day.
fn named_month_date(parts: [&[u8]; 3], fields: &mut Fields) -> Option<()> {
    let mut numbers = parts.iter().filter(|p| p[0].is_ascii_digit());
    let month_part = parts.iter().find(|p| p[0].is_ascii_alphabetic())?;
    let month = month_word(month_part)?;
    let (first, second) = (numbers.next()?, numbers.next()?);
    let (year, day) = if first.len() >= 3 {
        check(second.len() <= 2)?;
        (first, second)
    } else {
        (second, first)
    };
    check(day.len() <= 2 && year.len() <= 4)?;
    fields.set_date(
        i64::from(number(year)?),
        year.len() <= 2,
        month,
        number(day)?,
    )?;
    fields.text_month = true;
    Some(())
}

/// Days since 1970 of day `doy` of `year`.
fn day_of_year(year: u32, doy: u32) -> Option<i64> {
    let year = i64::from(year);
    let length = if is_leap(year) { 366 } else { 365 };
    check(year != 0 && doy >= 1 && doy <= length)?;
    Some(days_from_civil(year, 1, 1) + i64::from(doy) - 1)
}

/// `HHMISS` as a clock.
fn compact_clock(digits: &[u8], micros: i64) -> Option<Clock> {
    Some(Clock {
        hour: digits_at(digits, 0, 2)?,
        minute: digits_at(digits, 2, 2)?,
        second: digits_at(digits, 4, 2)?,
        micros,
    })
}

/// A number standing alone: `YYYYMMDD`, `YYMMDD`, `HHMISS` after a date (or alone, for a time), or
/// one part of a date written with a month name (`17`, `1997`).
fn bare_number(digits: &[u8], fields: &mut Fields, mode: Mode) -> Option<()> {
    let len = digits.len();
    if mode == Mode::TimeOnly {
        check(len == 6)?;
        return fields.set_clock(compact_clock(digits, 0)?);
    }
    if len == 6 && fields.has_whole_date() {
        return fields.set_clock(compact_clock(digits, 0)?);
    }
    if !fields.has_date_part() && (len == 8 || len == 6) {
        let (year, rest, short) = if len == 8 {
            (digits_at(digits, 0, 4)?, 4, false)
        } else {
            (digits_at(digits, 0, 2)?, 2, true)
        };
        let month = digits_at(digits, rest, 2)?;
        let day = digits_at(digits, rest + 2, 2)?;
        return fields.set_date(i64::from(year), short, month, day);
    }
    check(len <= 2 || len == 4)?;
    fields.set_bare_number(number(digits)?, len)
}

/// A field that starts with a letter: `J` and a Julian day, `T` before a time, a month name, AM/PM,
/// BC/AD, a zone abbreviation or name, or a date that starts with a month name (`Jan-08-95`).
fn word_field(text: &[u8], start: usize, fields: &mut Fields, mode: Mode) -> Option<usize> {
    let len = text[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let end = start + len;
    let word = &text[start..end];
    let next = text.get(end).copied();
    let next_is_digit = next.is_some_and(|b| b.is_ascii_digit());
    if len == 1 && next_is_digit {
        match word[0].to_ascii_lowercase() {
            b'j' if mode == Mode::DateTime => {
                check(!fields.has_date_part())?;
                let run = digit_run(text, end);
                check(run <= 7)?;
                let julian = i64::from(number(&text[end..end + run])?);
                fields.days = Some(julian - JULIAN_DAY_OF_EPOCH);
                return Some(end + run);
            }
            // ISO 8601's `T` between the date and the time.
            b't' => {
                check(mode == Mode::TimeOnly || fields.has_whole_date())?;
                check(fields.clock.is_none())?;
                return Some(end);
            }
            _ => {}
        }
    }
    if let Some(month) = month_word(word) {
        if matches!(next, Some(b'-' | b'/' | b'.'))
            && text.get(end + 1).is_some_and(u8::is_ascii_digit)
        {
            check(mode == Mode::DateTime)?;
            return dated_field(text, start, next?, fields, mode);
        }
        check(mode == Mode::DateTime && !next_is_digit)?;
        fields.set_text_month(month)?;
        return Some(end);
    }
    let lower = |b: &u8| b.to_ascii_lowercase();
    let keyword: [u8; 2] = match word {
        [a, b] => [lower(a), lower(b)],
        _ => [0, 0],
    };
    if !next_is_digit && next != Some(b'/') && next != Some(b'_') {
        match &keyword {
            b"am" | b"pm" => {
                check(fields.pm.is_none())?;
                fields.pm = Some(keyword[0] == b'p');
                return Some(end);
            }
            b"bc" | b"ad" if mode == Mode::DateTime => {
                check(fields.bc.is_none())?;
                fields.bc = Some(keyword[0] == b'b');
                return Some(end);
            }
            _ => {}
        }
        // `GMT+0` is a name of its own; `UTC+02` is neither a name nor an abbreviation and an
        // offset (as a POSIX zone it would mean UTC-2), so it is refused.
        if zone::abbreviation(word).is_some() && !matches!(next, Some(b'+' | b'-')) {
            fields.set_zone(zone::word(word)?)?;
            return Some(end);
        }
    }
    // A zone name: letters, digits and `_ / + -` (`America/Port-au-Prince`, `Etc/GMT+5`).
    let name_len = text[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b'+' | b'-'))
        .count();
    fields.set_zone(zone::word(&text[start..start + name_len])?)?;
    Some(start + name_len)
}

#[cfg(test)]
mod tests {
    use super::super::{
        days_from_civil, format_date, format_timestamp, DateTimeFormat, MICROS_PER_SECOND,
    };
    use super::{fast_iso, scan, Mode, Moment};

    // The public API, with its ranges: years 1 to 9999 for timestamps, from 4713 BC for dates.
    fn parse_timestamp(text: &[u8]) -> Option<Moment> {
        super::super::parse_timestamp(text, &DateTimeFormat::Auto)
    }

    fn parse_date(text: &[u8]) -> Option<i64> {
        super::super::parse_date(text, &DateTimeFormat::Auto)
    }

    fn parse_time(text: &[u8]) -> Option<(i64, Option<i32>)> {
        super::super::parse_time(text)
    }

    /// A timestamp as `YYYY-MM-DD HH:MM:SS[.ffffff]`, its zone as written after a space.
    fn ts(text: &str) -> Option<String> {
        parse_timestamp(text.as_bytes()).map(|moment| {
            let wall = format_timestamp(moment.micros);
            match moment.offset_seconds {
                Some(offset) => format!("{wall} {offset:+}"),
                None => wall,
            }
        })
    }

    fn date(text: &str) -> Option<String> {
        parse_date(text.as_bytes()).map(format_date)
    }

    fn time(text: &str) -> Option<(String, Option<i32>)> {
        parse_time(text.as_bytes()).map(|(micros, offset)| {
            let seconds = micros / MICROS_PER_SECOND;
            let mut text = format!(
                "{:02}:{:02}:{:02}",
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60
            );
            if micros % MICROS_PER_SECOND != 0 {
                text.push_str(&format!(".{:06}", micros % MICROS_PER_SECOND));
            }
            (text, offset)
        })
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    #[test]
    fn the_automatic_recognition_table() {
        // Each row of "Using automatic recognition with DATEFORMAT and TIMEFORMAT".
        assert_eq!(
            ts("2019-02-11T05:09:12.195Z"),
            some("2019-02-11 05:09:12.195000 +0")
        );
        assert_eq!(ts("J2451187"), some("1999-01-08 00:00:00"));
        assert_eq!(date("Jan-08-95 BC"), some("-094-01-08"));
        assert_eq!(ts("Jan-08-95 BC"), None, "timestamps are years 1 to 9999");
        assert_eq!(ts("19960108 040809"), some("1996-01-08 04:08:09"));
        assert_eq!(ts("960108 040809"), some("1996-01-08 04:08:09"));
        assert_eq!(ts("1996.008"), some("1996-01-08 00:00:00"));
        assert_eq!(
            ts("1996-01-08 04:05:06.789"),
            some("1996-01-08 04:05:06.789000")
        );
        assert_eq!(
            ts("17 Dec 07:37:16 1997 PST"),
            some("1997-12-17 07:37:16 -28800")
        );
        assert_eq!(
            ts("12/17/1997 07:37:16.00 PST"),
            some("1997-12-17 07:37:16 -28800")
        );
        assert_eq!(
            ts("1997-12-17 07:37:16-08"),
            some("1997-12-17 07:37:16 -28800")
        );
        assert_eq!(
            ts("12.17.1997 07:37:16.00 PST"),
            some("1997-12-17 07:37:16 -28800")
        );
        // The page's CAST example.
        assert_eq!(
            ts("J2345678 04:05:06.789"),
            some("1710-02-23 04:05:06.789000")
        );
        assert_eq!(date("J2345678 04:05:06.789"), some("1710-02-23"));
    }

    #[test]
    fn the_time_zone_formats_table() {
        // The TIMESTAMPTZ page's examples of time zone formats.
        assert_eq!(
            ts("17 Dec 07:37:16 1997 PST"),
            some("1997-12-17 07:37:16 -28800")
        );
        assert_eq!(
            ts("12/17/1997 07:37:16.00 PST"),
            some("1997-12-17 07:37:16 -28800")
        );
        assert_eq!(
            ts("12/17/1997 07:37:16.00 US/Pacific"),
            some("1997-12-17 07:37:16 -28800")
        );
        assert_eq!(
            ts("1997-12-17 07:37:16-08"),
            some("1997-12-17 07:37:16 -28800")
        );
        assert_eq!(
            ts("17.12.1997 07:37:16.00 PST"),
            some("1997-12-17 07:37:16 -28800")
        );
    }

    #[test]
    fn the_date_literals_table() {
        // "Date, time, and timestamp literals": dates.
        for (text, expected) in [
            ("January 8, 1999", "1999-01-08"),
            ("1999-01-08", "1999-01-08"),
            ("1/8/1999", "1999-01-08"),
            ("01/02/00", "2000-01-02"),
            ("2000-Jan-31", "2000-01-31"),
            ("Jan-31-2000", "2000-01-31"),
            ("31-Jan-2000", "2000-01-31"),
            ("20080215", "2008-02-15"),
            ("080215", "2008-02-15"),
            ("2008.366", "2008-12-31"),
            // The DATEFORMAT strings page's examples, which 'auto' reads too.
            ("03/31/2003", "2003-03-31"),
            ("March 31, 2003", "2003-03-31"),
            ("Jan-01-1999", "1999-01-01"),
        ] {
            assert_eq!(date(text), some(expected), "{text}");
            assert_eq!(ts(text), Some(format!("{expected} 00:00:00")), "{text}");
        }
        assert_eq!(ts("03.31.2003 18:45:05"), some("2003-03-31 18:45:05"));
        assert_eq!(
            ts("03.31.2003 18:45:05.123456"),
            some("2003-03-31 18:45:05.123456")
        );
    }

    #[test]
    fn the_timestamp_literals_table() {
        // Every valid date combines with every valid time.
        for (text, expected) in [
            ("20080215 04:05:06.789", "2008-02-15 04:05:06.789000"),
            ("20080215 04:05:06", "2008-02-15 04:05:06"),
            ("20080215 04:05", "2008-02-15 04:05:00"),
            ("20080215 040506", "2008-02-15 04:05:06"),
            ("20080215 04:05 AM", "2008-02-15 04:05:00"),
            ("20080215 04:05 PM", "2008-02-15 16:05:00"),
            ("20080215 16:05", "2008-02-15 16:05:00"),
            ("20080215", "2008-02-15 00:00:00"),
            ("January 8, 1999 04:05 PM", "1999-01-08 16:05:00"),
            ("31-Jan-2000 16:05", "2000-01-31 16:05:00"),
            ("1/8/1999 040506", "1999-01-08 04:05:06"),
            ("2008.366 23:59:59", "2008-12-31 23:59:59"),
            ("080215 04:05:06.5 PM", "2008-02-15 16:05:06.500000"),
            ("20080215 040506.25", "2008-02-15 04:05:06.250000"),
        ] {
            assert_eq!(ts(text), some(expected), "{text}");
        }
        assert_eq!(
            ts("20080215 16:05 PM"),
            None,
            "the hour must be 12 or less with PM"
        );
        assert_eq!(ts("20080215 12:05 AM"), some("2008-02-15 00:05:00"));
        assert_eq!(ts("20080215 12:05 PM"), some("2008-02-15 12:05:00"));
        assert_eq!(ts("20080215 PM"), None, "AM/PM needs a time");
    }

    #[test]
    fn the_time_literals_table() {
        for (text, expected) in [
            ("04:05:06.789", "04:05:06.789000"),
            ("04:05:06", "04:05:06"),
            ("04:05", "04:05:00"),
            ("040506", "04:05:06"),
            ("04:05 AM", "04:05:00"),
            ("04:05 PM", "16:05:00"),
            ("16:05", "16:05:00"),
            ("4:05", "04:05:00"),
            ("040506.5", "04:05:06.500000"),
            ("12:00 AM", "00:00:00"),
            ("24:00:00", "24:00:00"),
            ("23:59:59.9999999", "24:00:00"),
            ("23:59:60", "24:00:00"),
            ("04:05:60", "04:06:00"),
        ] {
            assert_eq!(time(text), Some((expected.to_owned(), None)), "{text}");
        }
        for text in [
            "",
            "16:05 PM",
            "24:00:01",
            "24:00:00.5",
            "25:00",
            "04:60",
            "04:05:61",
            "23:59:60.5",
            "4",
            "0405",
            "04:5",
            "04:05:6",
            "4:05:06:07",
            "J2451187",
            "04:05 BC",
            "2026-11-21",
        ] {
            assert_eq!(time(text), None, "{text}");
        }
    }

    #[test]
    fn times_with_zones() {
        assert_eq!(
            time("04:05:06-08"),
            Some(("04:05:06".into(), Some(-28_800)))
        );
        assert_eq!(
            time("04:05:06 +05:30"),
            Some(("04:05:06".into(), Some(19_800)))
        );
        assert_eq!(
            time("04:05:06 PST"),
            Some(("04:05:06".into(), Some(-28_800)))
        );
        assert_eq!(time("04:05:06Z"), Some(("04:05:06".into(), Some(0))));
        assert_eq!(
            time("04:05 PM PDT"),
            Some(("16:05:00".into(), Some(-25_200)))
        );
        // A zone name needs a date to say its offset.
        assert_eq!(time("04:05:06 America/New_York"), None);
        assert_eq!(time("04:05:06 MSK"), None);
        assert_eq!(
            time("2026-07-01 04:05:06 America/New_York"),
            Some(("04:05:06".into(), Some(-14_400)))
        );
        // A timestamp's time part.
        assert_eq!(
            time("2026-11-21T10:15:00.5Z"),
            Some(("10:15:00.500000".into(), Some(0)))
        );
        assert_eq!(time("20080215 040506"), Some(("04:05:06".into(), None)));
    }

    #[test]
    fn iso_forms_are_read() {
        let expected = some("2026-11-21 10:15:00");
        for text in [
            "2026-11-21T10:15:00",
            "2026-11-21 10:15:00",
            "2026-11-21t10:15:00",
            "2026-11-21T10:15",
            " 2026-11-21T10:15:00 ",
            "2026-11-21  10:15:00",
            "20261121T101500",
            "20261121 101500",
        ] {
            assert_eq!(ts(text), expected, "{text}");
        }
        for (text, offset) in [
            ("2026-11-21T10:15:00Z", "+0"),
            ("2026-11-21t10:15:00z", "+0"),
            ("2026-11-21T10:15:00+02:00", "+7200"),
            ("2026-11-21T10:15:00-0800", "-28800"),
            ("2026-11-21 10:15:00+02", "+7200"),
            ("2026-11-21 10:15:00 UTC", "+0"),
            ("2026-11-21 10:15:00 +05:30", "+19800"),
            ("2026-11-21 10:15:00 -8:00", "-28800"),
            ("2026-11-21 10:15:00 GMT", "+0"),
            ("2026-11-21 10:15:00 zulu", "+0"),
        ] {
            assert_eq!(
                ts(text),
                Some(format!("2026-11-21 10:15:00 {offset}")),
                "{text}"
            );
        }
        assert_eq!(ts("2026-11-21"), some("2026-11-21 00:00:00"));
        assert_eq!(ts("2026-11-21 PST"), some("2026-11-21 00:00:00 -28800"));
    }

    #[test]
    fn fractions_keep_microseconds_and_round_beyond() {
        assert_eq!(
            ts("2019-02-11T05:09:12.195Z"),
            some("2019-02-11 05:09:12.195000 +0")
        );
        assert_eq!(
            ts("2019-02-11 05:09:12.1234565"),
            some("2019-02-11 05:09:12.123457")
        );
        assert_eq!(
            ts("2019-02-11 05:09:12.1234565 PST"),
            some("2019-02-11 05:09:12.123457 -28800")
        );
        // Rounding carries into the next second, minute and day.
        assert_eq!(
            ts("2019-02-11 05:09:59.9999996"),
            some("2019-02-11 05:10:00")
        );
        assert_eq!(
            ts("2019-12-31 23:59:59.9999999"),
            some("2020-01-01 00:00:00")
        );
        assert_eq!(ts("2016-12-31T23:59:60Z"), some("2017-01-01 00:00:00 +0"));
        assert_eq!(
            ts("2026-11-21 10:15:60.5"),
            some("2026-11-21 10:16:00.500000")
        );
        assert_eq!(ts("2019-02-11 05:09:12."), None);
        assert_eq!(ts("2019-02-11 05:09:12.x"), None);
    }

    #[test]
    fn zone_names_and_abbreviations() {
        assert_eq!(
            ts("2026-07-01 12:00:00 America/New_York"),
            some("2026-07-01 12:00:00 -14400")
        );
        assert_eq!(
            ts("2026-12-01 12:00:00 america/new_york"),
            some("2026-12-01 12:00:00 -18000")
        );
        assert_eq!(
            ts("2026-07-01 12:00:00 Etc/GMT+5"),
            some("2026-07-01 12:00:00 -18000")
        );
        assert_eq!(
            ts("2026-07-01 12:00:00 America/Port-au-Prince"),
            some("2026-07-01 12:00:00 -14400")
        );
        assert_eq!(
            ts("2026-07-01 12:00:00 Japan"),
            some("2026-07-01 12:00:00 +32400")
        );
        assert_eq!(
            ts("2026-07-01 12:00:00 CEST"),
            some("2026-07-01 12:00:00 +7200")
        );
        assert_eq!(
            ts("2026-07-01 12:00:00 cet"),
            some("2026-07-01 12:00:00 +3600")
        );
        assert_eq!(
            ts("2026-07-01 12:00:00 MSK"),
            some("2026-07-01 12:00:00 +10800")
        );
        assert_eq!(
            ts("2026-07-01 12:00:00 EST5EDT"),
            some("2026-07-01 12:00:00 -14400")
        );
        assert_eq!(
            ts("2026-07-01 12:00:00 GMT+0"),
            some("2026-07-01 12:00:00 +0")
        );
        assert_eq!(
            ts("2026-07-01 12:00:00 GMT-0"),
            some("2026-07-01 12:00:00 +0")
        );
        assert_eq!(
            ts("2026-07-01 04:05 PM-08"),
            some("2026-07-01 16:05:00 -28800")
        );
        for text in [
            "2026-07-01 12:00:00 Mars/Olympus",
            "2026-07-01 12:00:00 PST PST",
            "2026-07-01 12:00:00 PST+02",
            "2026-07-01 12:00:00+02 PST",
            "2026-07-01 12:00:00 UTC+02",
            "2026-07-01 12:00:00 GMT+2",
            "2026-07-01 12:00:00 localtime",
            "2026-07-01 12:00:00 posix/Europe/Paris",
            "2026-07-01 12:00:00 +02 +03",
            "2026-07-01 12:00:00 now",
        ] {
            assert_eq!(ts(text), None, "{text}");
        }
    }

    #[test]
    fn two_digit_years_are_1970_to_2069() {
        assert_eq!(date("01/02/69"), some("2069-01-02"));
        assert_eq!(date("01/02/70"), some("1970-01-02"));
        assert_eq!(date("Jan-08-95"), some("1995-01-08"));
        assert_eq!(date("691231"), some("2069-12-31"));
        assert_eq!(date("700101"), some("1970-01-01"));
        assert_eq!(date("Jan 8 99"), some("1999-01-08"));
    }

    #[test]
    fn bc_dates() {
        assert_eq!(date("Jan-08-95 BC"), some("-094-01-08"));
        assert_eq!(
            parse_date(b"January 1, 1 BC"),
            Some(days_from_civil(0, 1, 1))
        );
        assert_eq!(date("1999-01-08 AD"), some("1999-01-08"));
        assert_eq!(date("0000-01-08 BC"), None, "there is no year 0 BC");
        assert_eq!(date("Jan-08-95 BC BC"), None);
        assert_eq!(date("J2451187 BC"), None);
    }

    #[test]
    fn dotted_dates_are_month_first_unless_they_cannot_be() {
        assert_eq!(date("12.17.1997"), some("1997-12-17"));
        assert_eq!(date("17.12.1997"), some("1997-12-17"));
        assert_eq!(date("01.02.2026"), some("2026-01-02"));
        assert_eq!(date("21.11.2026"), some("2026-11-21"));
        assert_eq!(date("13.13.2026"), None);
        // Slashes are month first only.
        assert_eq!(date("13/01/2026"), None);
        assert_eq!(date("01/13/2026"), some("2026-01-13"));
    }

    #[test]
    fn month_names_around_numbers() {
        for (text, expected) in [
            ("17 Dec 1997", "1997-12-17 00:00:00"),
            ("Dec 17 1997", "1997-12-17 00:00:00"),
            ("Dec 17, 1997 07:37", "1997-12-17 07:37:00"),
            ("1997 Dec 17", "1997-12-17 00:00:00"),
            ("17 December 1997 07:37:16", "1997-12-17 07:37:16"),
            ("SEPT 1, 2026", "2026-09-01 00:00:00"),
            ("sep-1-2026", "2026-09-01 00:00:00"),
            ("Jan/31/2000", "2000-01-31 00:00:00"),
            ("21 nov 10:15:00 2026 UTC", "2026-11-21 10:15:00 +0"),
        ] {
            assert_eq!(ts(text), some(expected), "{text}");
        }
        for text in [
            "Dec 1997",
            "17 Dec",
            "Dec Dec 17 1997",
            "17 1997",
            "Decem 17 1997",
        ] {
            assert_eq!(ts(text), None, "{text}");
        }
    }

    #[test]
    fn other_auto_forms_are_read() {
        let expected = some("2026-11-21 10:15:00");
        assert_eq!(ts("20261121 101500"), expected);
        assert_eq!(ts("11/21/2026 10:15:00"), expected);
        assert_eq!(ts("21.11.2026 10:15:00"), expected);
        assert_eq!(ts("21 Nov 10:15:00 2026"), expected);
        assert_eq!(ts("J2461366"), some("2026-11-21 00:00:00"));
        assert_eq!(ts("j2461366 10:15:00"), expected);
        assert_eq!(ts("2026.325"), some("2026-11-21 00:00:00"));
        assert_eq!(ts("20261121"), some("2026-11-21 00:00:00"));
    }

    #[test]
    fn impossible_or_unknown_values_are_refused() {
        for text in [
            "",
            "   ",
            "2026-02-29",
            "2026-13-01",
            "2026-11-31",
            "2026-00-10",
            "2026-11-00",
            "2026-11-21T24:00:00",
            "2026-11-21T10:60:00",
            "2026-11-21T10:15:61",
            "2026-11-21T10:15:00+25:00",
            "2026-11-21T10:15:00+16",
            "0000-01-01",
            "1700000000",
            "1700000000000",
            "yesterday",
            "now",
            "today",
            "epoch",
            "infinity",
            "2026/11/21",
            "2026-11-21T10:15:00Zjunk",
            "2026-11-21T10:15:00 junk",
            "2026-1-2",
            "96-01-08",
            "01-08-1999",
            "11 21 2026",
            "2026 11 21",
            "J",
            "J12345678",
            "2026.000",
            "2026.366",
            "2026.1234",
            "2026-11-21T",
            "2026-11-21T10",
            "2026-11-21 10",
            "2026-11-21 10:15:00 10:15:00",
            "2026-11-21 2026-11-21",
            "10:15:00",
            "2026-11-21 10:15:00:00",
            "2026-11-21 101500 101500",
            "20261121 1015",
            "+02 2026-11-21",
            "2026-11-21;10:15",
            "2026–11–21",
            "2026-11-21 10:15:00 1 2 3 4 5 6 7 8 9",
        ] {
            assert_eq!(parse_timestamp(text.as_bytes()), None, "{text}");
        }
        assert!(parse_timestamp(b"2024-02-29").is_some());
        assert!(parse_timestamp(b"2024.366").is_some());
        assert!(parse_timestamp(b"J5373484").is_some());
        assert!(parse_timestamp(b"29 Feb 2024").is_some());
        assert!(parse_timestamp(b"29 Feb 2023").is_none());
    }

    #[test]
    fn dates_drop_the_time_part() {
        assert_eq!(
            parse_date(b"2026-11-21T23:59:59Z"),
            Some(days_from_civil(2026, 11, 21))
        );
        assert_eq!(
            parse_date(b"2026-11-21 23:59:59 America/New_York"),
            parse_date(b"2026-11-21")
        );
        assert_eq!(date("2026-11-21"), some("2026-11-21"));
        // The time part is still read: a date with an impossible time is refused.
        assert_eq!(date("2026-11-21 25:00"), None);
        assert_eq!(date("2026-11-21 10:15 Mars/Olympus"), None);
    }

    /// xorshift64*: a fixed sequence of pseudo-random numbers, the same on every run.
    struct Numbers(u64);

    impl Numbers {
        fn below(&mut self, bound: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
        }
    }

    #[test]
    fn generated_iso_texts_read_the_same_on_both_paths() {
        // Values near every field's edges, in every shape the fast path takes: where it reads a
        // text, the scanner reads the same; where it refuses one, so does the scanner.
        let mut numbers = Numbers(0x9E37_79B9_7F4A_7C15);
        let mut read = 0;
        for _ in 0..20_000 {
            let year = [1, 1969, 1970, 2000, 2024, 2026, 2100, 9999][numbers.below(8) as usize];
            let mut text = format!(
                "{year:04}-{:02}-{:02}",
                numbers.below(14),
                numbers.below(33)
            );
            if numbers.below(4) > 0 {
                text.push(['T', 't', ' '][numbers.below(3) as usize]);
                text.push_str(&format!(
                    "{:02}:{:02}",
                    numbers.below(25),
                    numbers.below(61)
                ));
                if numbers.below(3) > 0 {
                    text.push_str(&format!(":{:02}", numbers.below(62)));
                    let digits = numbers.below(10) as usize;
                    if digits > 0 {
                        text.push('.');
                        for _ in 0..digits {
                            text.push(char::from(b'0' + numbers.below(10) as u8));
                        }
                    }
                }
                match numbers.below(6) {
                    0 => text.push('Z'),
                    1 => text.push_str(&format!("+{:02}", numbers.below(17))),
                    2 => text.push_str(&format!(
                        "-{:02}{:02}",
                        numbers.below(17),
                        numbers.below(61)
                    )),
                    3 => text.push_str(&format!(
                        "+{:02}:{:02}",
                        numbers.below(17),
                        numbers.below(61)
                    )),
                    _ => {}
                }
            }
            let fast = fast_iso(text.as_bytes());
            let scanned = scan(text.as_bytes(), Mode::DateTime).and_then(|f| f.date_time());
            assert_eq!(fast, scanned, "{text}");
            read += usize::from(fast.is_some());
        }
        assert!(read > 5_000, "only {read} generated texts were valid");
    }

    #[test]
    fn written_timestamps_read_back() {
        let mut numbers = Numbers(0x0123_4567_89AB_CDEF);
        let span = (super::super::LAST_TIMESTAMP - super::super::FIRST_TIMESTAMP) as u64;
        for _ in 0..20_000 {
            let mut micros = super::super::FIRST_TIMESTAMP + numbers.below(span) as i64;
            if numbers.below(2) == 0 {
                micros -= micros % MICROS_PER_SECOND;
            }
            let text = format_timestamp(micros);
            assert_eq!(
                parse_timestamp(text.as_bytes()).map(|m| m.micros),
                Some(micros),
                "{text}"
            );
            let days = micros.div_euclid(super::super::MICROS_PER_DAY);
            assert_eq!(parse_date(format_date(days).as_bytes()), Some(days));
        }
    }

    #[test]
    fn the_fast_path_agrees_with_the_scanner() {
        for text in [
            "2026-11-21",
            "2026-11-21T10:15",
            "2026-11-21 10:15:00",
            "2026-11-21T10:15:00.123456",
            "2026-11-21T10:15:00.1234565",
            "2026-11-21T10:15:00Z",
            "2026-11-21T10:15:00.5+05:30",
            "2026-11-21T10:15:00-0800",
            "2026-11-21T10:15:00-08",
            "2024-02-29 23:59:59.999999",
            "0001-01-01 00:00:00",
            "9999-12-31 23:59:59",
        ] {
            let fast = fast_iso(text.as_bytes());
            assert!(fast.is_some(), "{text}");
            let scanned = scan(text.as_bytes(), Mode::DateTime).and_then(|f| f.date_time());
            assert_eq!(fast, scanned, "{text}");
        }
        for text in [
            "2026-11-21 PST",
            "2026-11-21T10:15:00 Z",
            "2026-11-21T1:15",
            "2026-11-21X",
        ] {
            assert_eq!(fast_iso(text.as_bytes()), None, "{text}");
        }
    }
}
