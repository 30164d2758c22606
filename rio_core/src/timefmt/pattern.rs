//! Format strings: `DATEFORMAT 'MM/DD/YYYY'`, `TIMEFORMAT 'YYYY-MM-DD HH12:MI:SS AM'`.
//!
//! The tokens of Redshift's "DATEFORMAT and TIMEFORMAT strings" table, in any case:
//!
//! | token | reads |
//! |---|---|
//! | `YYYY` | a four-digit year |
//! | `YY` | a two-digit year: 00-69 are 2000-2069, 70-99 are 1970-1999, as 'auto' reads them |
//! | `MM` | a month number, 1 to 12 |
//! | `MON` | a month name, full or abbreviated (`Mar`, `March`, `Sept`), in any case |
//! | `DD` | a day of the month |
//! | `HH`, `HH24` | an hour, 0 to 23 (in COPY, `HH` is the 24-hour clock) |
//! | `HH12` | an hour, 1 to 12, with `AM` or `PM` |
//! | `MI` | minutes |
//! | `SS` | seconds, with a fraction down to microseconds (`05.123456`; more digits round) |
//! | `AM`, `PM` | the meridian indicator, `AM` or `PM` in the text, in any case |
//!
//! Anything else is a separator to match as written (`-`, `/`, `:`, `.`, `,`, a `T` between date and
//! time); a blank matches one or more blanks. Numbers take one or two digits, or exactly two when
//! it runs together with another number (`YYYYMMDD`). A format string can't name a time zone
//! (`TZ`, `OF`), as in Redshift; a `timestamptz` value may still end with a zone after the format's
//! last token, read as 'auto' reads it, since Redshift's default `timestamptz` format ends with one.
//!
//! Choices where the docs are silent, made so a mistake fails at configuration, not at load:
//! every format needs a year, a month and a day; `HH12` needs `AM`/`PM` and the reverse; a token may
//! appear once; text after the format's end (other than a zone) is refused.

use super::zone::{self, Zone};
use super::{
    check, date_days, digit_run, digits_at, fraction_micros, month_name, number, time_of_day,
    two_digit_year, Moment, MICROS_PER_DAY,
};

/// A compiled format string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    items: Vec<Item>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    Year4,
    Year2,
    Month,
    MonthName,
    Day,
    Hour24,
    Hour12,
    Minute,
    Second,
    Meridian,
    /// One or more blanks.
    Blank,
    /// A separator, matched as written (letters in any case).
    Literal(u8),
}

/// The part of a date or time an item sets (each at most once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Meridian,
}

impl Item {
    fn part(self) -> Option<Part> {
        Some(match self {
            Item::Year4 | Item::Year2 => Part::Year,
            Item::Month | Item::MonthName => Part::Month,
            Item::Day => Part::Day,
            Item::Hour24 | Item::Hour12 => Part::Hour,
            Item::Minute => Part::Minute,
            Item::Second => Part::Second,
            Item::Meridian => Part::Meridian,
            Item::Blank | Item::Literal(_) => return None,
        })
    }

    fn numeric(self) -> bool {
        matches!(
            self,
            Item::Year4
                | Item::Year2
                | Item::Month
                | Item::Day
                | Item::Hour24
                | Item::Hour12
                | Item::Minute
                | Item::Second
        )
    }
}

/// The tokens, longest first where one begins another.
const TOKENS: [(&str, Item); 12] = [
    ("YYYY", Item::Year4),
    ("YY", Item::Year2),
    ("MON", Item::MonthName),
    ("MM", Item::Month),
    ("MI", Item::Minute),
    ("DD", Item::Day),
    ("HH24", Item::Hour24),
    ("HH12", Item::Hour12),
    ("HH", Item::Hour24),
    ("SS", Item::Second),
    ("AM", Item::Meridian),
    ("PM", Item::Meridian),
];

const TOKEN_LIST: &str = "YYYY, YY, MM, MON, DD, HH, HH24, HH12, MI, SS, AM or PM";

impl Pattern {
    /// Compile `text`, the argument of `option` (`DATEFORMAT` or `TIMEFORMAT`); the error names the
    /// token at fault.
    pub(crate) fn compile(text: &str, option: &str) -> Result<Pattern, String> {
        let fail = |reason: String| Err(format!("{option} '{text}': {reason}"));
        let bytes = text.as_bytes();
        let mut items: Vec<Item> = Vec::new();
        let mut seen: Vec<(Part, &str)> = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let byte = bytes[at];
            if byte.is_ascii_whitespace() {
                at += bytes[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
                items.push(Item::Blank);
                continue;
            }
            if byte.is_ascii_digit() {
                return fail(format!(
                    "'{}' is a digit, not a format token; use {TOKEN_LIST}",
                    byte as char
                ));
            }
            if !byte.is_ascii() {
                let character = text[at..].chars().next().unwrap_or('?');
                return fail(format!(
                    "'{character}' is not a separator; separators are ASCII, such as - / : . ,"
                ));
            }
            if !byte.is_ascii_alphabetic() {
                items.push(Item::Literal(byte));
                at += 1;
                continue;
            }
            let starts = |token: &str| {
                bytes.len() >= at + token.len()
                    && bytes[at..at + token.len()].eq_ignore_ascii_case(token.as_bytes())
            };
            if starts("TZ") || starts("OF") {
                return fail(format!(
                    "'{}' is a time zone, which a format string can't include; use 'auto' to read \
                     zones, or leave the zone after the format's last token",
                    &text[at..at + 2]
                ));
            }
            let Some(&(token, item)) = TOKENS.iter().find(|(token, _)| starts(token)) else {
                if byte.eq_ignore_ascii_case(&b'T') {
                    // ISO 8601's `T` between the date and the time.
                    items.push(Item::Literal(b'T'));
                    at += 1;
                    continue;
                }
                return fail(format!(
                    "'{}' is not a format token; use {TOKEN_LIST}, with separators such as \
                     - / : . , or a blank",
                    word_around(text, at)
                ));
            };
            let written = &text[at..at + token.len()];
            if let Some(part) = item.part() {
                if let Some((_, earlier)) = seen.iter().find(|(p, _)| *p == part) {
                    let reason = if part == Part::Second {
                        "; SS already reads fractions of a second, down to microseconds".to_owned()
                    } else {
                        String::new()
                    };
                    return fail(format!(
                        "'{written}' repeats the {} of '{earlier}'{reason}",
                        part_name(part)
                    ));
                }
                seen.push((part, written));
            }
            items.push(item);
            at += token.len();
        }
        let has = |part: Part| seen.iter().any(|(p, _)| *p == part);
        for (part, tokens) in [
            (Part::Year, "YYYY or YY"),
            (Part::Month, "MM or MON"),
            (Part::Day, "DD"),
        ] {
            if !has(part) {
                return fail(format!("there is no {} ({tokens})", part_name(part)));
            }
        }
        let twelve_hour = items.contains(&Item::Hour12);
        if twelve_hour && !has(Part::Meridian) {
            return fail("'HH12' needs AM or PM".to_owned());
        }
        if has(Part::Meridian) && !twelve_hour {
            let written = seen
                .iter()
                .find(|(p, _)| *p == Part::Meridian)
                .map_or("AM", |(_, w)| w);
            return fail(format!(
                "'{written}' needs HH12 (in COPY, HH is the 24-hour clock)"
            ));
        }
        Ok(Pattern {
            text: text.to_owned(),
            items,
        })
    }

    /// The format string as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub(crate) fn parse_date(&self, input: &[u8]) -> Option<i64> {
        self.read(input).map(|(days, _, _)| days)
    }

    pub(crate) fn parse_timestamp(&self, input: &[u8]) -> Option<Moment> {
        let (days, micros_of_day, offset_seconds) = self.read(input)?;
        Some(Moment {
            micros: days * MICROS_PER_DAY + micros_of_day,
            offset_seconds,
        })
    }

    /// The date, the time of day and the zone's offset of `input` in this format.
    fn read(&self, input: &[u8]) -> Option<(i64, i64, Option<i32>)> {
        let text = input.trim_ascii();
        let mut at = 0;
        let (mut year, mut month, mut day) = (0i64, 0u32, 0u32);
        let (mut hour, mut minute, mut second, mut micros) = (0u32, 0u32, 0u32, 0i64);
        let mut pm: Option<bool> = None;
        for (index, item) in self.items.iter().enumerate() {
            let next = self.items.get(index + 1).copied();
            // Numbers run together (`YYYYMMDD`) take exactly two digits each.
            let run_together = next.is_some_and(Item::numeric)
                || index
                    .checked_sub(1)
                    .is_some_and(|previous| self.items[previous].numeric());
            let width = |at: usize| -> Option<usize> {
                let run = digit_run(text, at).min(2);
                check(run >= 1 && (run == 2 || !run_together))?;
                Some(run)
            };
            match item {
                Item::Year4 => {
                    check(digit_run(text, at) >= 4)?;
                    year = i64::from(digits_at(text, at, 4)?);
                    check(year > 0)?;
                    at += 4;
                }
                Item::Year2 => {
                    check(digit_run(text, at) >= 2)?;
                    year = two_digit_year(i64::from(digits_at(text, at, 2)?));
                    at += 2;
                }
                Item::MonthName => {
                    let (value, used) = month_name(&text[at..])?;
                    month = value;
                    at += used;
                }
                Item::Month | Item::Day | Item::Hour24 | Item::Hour12 | Item::Minute => {
                    let run = width(at)?;
                    let value = number(&text[at..at + run])?;
                    at += run;
                    match item {
                        Item::Month => month = value,
                        Item::Day => day = value,
                        Item::Minute => minute = value,
                        _ => hour = value,
                    }
                }
                Item::Second => {
                    let run = width(at)?;
                    second = number(&text[at..at + run])?;
                    at += run;
                    if text.get(at) == Some(&b'.') && next != Some(Item::Literal(b'.')) {
                        let digits = digit_run(text, at + 1);
                        check(digits > 0)?;
                        micros = fraction_micros(&text[at + 1..at + 1 + digits]);
                        at += 1 + digits;
                    }
                }
                Item::Meridian => {
                    let word = text.get(at..at + 2)?;
                    pm = Some(if word.eq_ignore_ascii_case(b"pm") {
                        true
                    } else {
                        check(word.eq_ignore_ascii_case(b"am"))?;
                        false
                    });
                    at += 2;
                }
                Item::Blank => {
                    let blanks = text[at..]
                        .iter()
                        .take_while(|b| b.is_ascii_whitespace())
                        .count();
                    check(blanks > 0)?;
                    at += blanks;
                }
                Item::Literal(byte) => {
                    check(text.get(at).is_some_and(|b| b.eq_ignore_ascii_case(byte)))?;
                    at += 1;
                }
            }
        }
        let days = date_days(year, month, day)?;
        if let Some(pm) = pm {
            check((1..=12).contains(&hour))?;
            hour = match (pm, hour) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, _) => hour + 12,
                (false, _) => hour,
            };
        }
        let micros_of_day = time_of_day(hour, minute, second, micros)?;
        let offset = match trailing_zone(&text[at..])? {
            Some(zone) => Some(zone.offset_at(days * MICROS_PER_DAY + micros_of_day)?),
            None => None,
        };
        Some((days, micros_of_day, offset))
    }
}

/// What may follow a format's last token: nothing, or one zone (an offset, an abbreviation or a
/// name), perhaps after blanks. `None` for anything else.
fn trailing_zone(rest: &[u8]) -> Option<Option<Zone>> {
    let start = rest.len() - rest.trim_ascii_start().len();
    if start == rest.len() {
        return Some(None);
    }
    if matches!(rest[start], b'+' | b'-') {
        let (seconds, end) = zone::offset(rest, start)?;
        check(end == rest.len())?;
        return Some(Some(Zone::Fixed(seconds)));
    }
    let word = &rest[start..];
    check(
        word[0].is_ascii_alphabetic()
            && word
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b'+' | b'-')),
    )?;
    zone::word(word).map(Some)
}

fn part_name(part: Part) -> &'static str {
    match part {
        Part::Year => "year",
        Part::Month => "month",
        Part::Day => "day",
        Part::Hour => "hour",
        Part::Minute => "minutes",
        Part::Second => "seconds",
        Part::Meridian => "AM/PM",
    }
}

/// The run of letters around byte `at` of `text`: the word a reader sees at fault.
fn word_around(text: &str, at: usize) -> &str {
    let bytes = text.as_bytes();
    let start = bytes[..at]
        .iter()
        .rposition(|b| !b.is_ascii_alphabetic())
        .map_or(0, |i| i + 1);
    let end = at
        + bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::super::{format_date, format_timestamp, DateTimeFormat};
    use super::*;

    fn compile(text: &str) -> Pattern {
        match DateTimeFormat::parse(text, false).unwrap() {
            DateTimeFormat::Pattern(pattern) => pattern,
            other => panic!("{text} is {other:?}"),
        }
    }

    fn error(text: &str) -> String {
        DateTimeFormat::parse(text, false).unwrap_err()
    }

    fn ts(format: &str, text: &str) -> Option<String> {
        compile(format)
            .parse_timestamp(text.as_bytes())
            .map(|moment| {
                let wall = format_timestamp(moment.micros);
                match moment.offset_seconds {
                    Some(offset) => format!("{wall} {offset:+}"),
                    None => wall,
                }
            })
    }

    fn date(format: &str, text: &str) -> Option<String> {
        compile(format).parse_date(text.as_bytes()).map(format_date)
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    #[test]
    fn the_documented_examples() {
        // "DATEFORMAT and TIMEFORMAT strings": the sample values and their formats.
        assert_eq!(date("MM/DD/YYYY", "03/31/2003"), some("2003-03-31"));
        assert_eq!(date("MON DD, YYYY", "March 31, 2003"), some("2003-03-31"));
        assert_eq!(
            ts("MM.DD.YYYY HH:MI:SS", "03.31.2003 18:45:05"),
            some("2003-03-31 18:45:05")
        );
        assert_eq!(
            ts("MM.DD.YYYY HH:MI:SS", "03.31.2003 18:45:05.123456"),
            some("2003-03-31 18:45:05.123456")
        );
        assert_eq!(date("MON-DD-YYYY", "Jan-01-1999"), some("1999-01-01"));
        // The defaults Redshift names: YYYY-MM-DD and YYYY-MM-DD HH:MI:SS(OF).
        assert_eq!(date("YYYY-MM-DD", "2026-11-21"), some("2026-11-21"));
        assert_eq!(
            ts("YYYY-MM-DD HH:MI:SS", "2026-11-21 10:15:00"),
            some("2026-11-21 10:15:00")
        );
        assert_eq!(
            ts("YYYY-MM-DD HH:MI:SS", "2026-11-21 10:15:00-8:00"),
            some("2026-11-21 10:15:00 -28800")
        );
    }

    #[test]
    fn every_token() {
        assert_eq!(date("YY-MM-DD", "69-12-31"), some("2069-12-31"));
        assert_eq!(date("YY-MM-DD", "70-01-01"), some("1970-01-01"));
        assert_eq!(date("DD MON YYYY", "8 january 1999"), some("1999-01-08"));
        assert_eq!(date("DD MON YYYY", "8 JAN 1999"), some("1999-01-08"));
        assert_eq!(date("DD MON YYYY", "1 Sept 1999"), some("1999-09-01"));
        assert_eq!(date("yyyy/mm/dd", "2026/11/21"), some("2026-11-21"));
        assert_eq!(
            ts("MM/DD/YYYY HH12:MI:SS AM", "11/21/2026 10:15:00 PM"),
            some("2026-11-21 22:15:00")
        );
        assert_eq!(
            ts("MM/DD/YYYY HH12:MI:SS PM", "11/21/2026 12:15:00 am"),
            some("2026-11-21 00:15:00")
        );
        assert_eq!(
            ts("MM/DD/YYYY HH12:MI:SS AM", "11/21/2026 12:15:00 PM"),
            some("2026-11-21 12:15:00")
        );
        assert_eq!(
            ts("YYYY-MM-DD HH24:MI", "2026-11-21 23:59"),
            some("2026-11-21 23:59:00")
        );
        assert_eq!(
            ts("YYYY-MM-DD HH", "2026-11-21 07"),
            some("2026-11-21 07:00:00")
        );
        assert_eq!(
            ts("YYYY-MM-DDTHH:MI:SS", "2026-11-21T10:15:00.1234565"),
            some("2026-11-21 10:15:00.123457")
        );
        assert_eq!(ts("YYYY-MM-DD", "2026-11-21"), some("2026-11-21 00:00:00"));
    }

    #[test]
    fn run_together_numbers_take_two_digits() {
        assert_eq!(
            ts("YYYYMMDDHHMISS", "20261121101500"),
            some("2026-11-21 10:15:00")
        );
        assert_eq!(
            ts("YYYYMMDD HHMISS", "20261121 101500"),
            some("2026-11-21 10:15:00")
        );
        assert_eq!(date("YYYYMMDD", "2026112"), None);
        // With separators, one digit is enough.
        assert_eq!(date("MM/DD/YYYY", "1/8/1999"), some("1999-01-08"));
        assert_eq!(
            ts("MM/DD/YYYY HH:MI:SS", "1/8/1999 4:5:6"),
            some("1999-01-08 04:05:06")
        );
    }

    #[test]
    fn values_that_do_not_fit_are_refused() {
        for (format, text) in [
            ("YYYY-MM-DD", "2026-13-01"),
            ("YYYY-MM-DD", "2026-02-29"),
            ("YYYY-MM-DD", "0000-01-01"),
            ("YYYY-MM-DD", "26-11-21"),
            ("YYYY-MM-DD", "2026-11-21 10:15:00"),
            ("YYYY-MM-DD", "2026/11/21"),
            ("YYYY-MM-DD", "2026-111-21"),
            ("YY-MM-DD", "2026-11-21"),
            ("MON DD YYYY", "Foo 21 2026"),
            ("YYYY-MM-DD HH:MI:SS", "2026-11-21 24:00:00"),
            ("YYYY-MM-DD HH:MI:SS", "2026-11-21 10:60:00"),
            ("YYYY-MM-DD HH:MI:SS", "2026-11-21 10:15:61"),
            ("YYYY-MM-DD HH:MI:SS", "2026-11-21 10:15:00."),
            ("YYYY-MM-DD HH:MI:SS", "2026-11-21 10:15:00 junk"),
            ("YYYY-MM-DD HH:MI:SS", "2026-11-21 10:15:00 +25"),
            ("YYYY-MM-DD HH:MI:SS", "2026-11-21  10:15"),
            ("YYYY-MM-DD HH:MI:SS", "2026-11-2110:15:00"),
            ("MM/DD/YYYY HH12:MI AM", "11/21/2026 13:15 PM"),
            ("MM/DD/YYYY HH12:MI AM", "11/21/2026 00:15 AM"),
            ("MM/DD/YYYY HH12:MI AM", "11/21/2026 10:15 XM"),
            ("MM/DD/YYYY HH12:MI AM", "11/21/2026 10:15"),
            ("YYYY-MM-DD", ""),
        ] {
            assert_eq!(ts(format, text), None, "{format} {text}");
        }
    }

    #[test]
    fn a_zone_may_follow_the_last_token() {
        for (text, offset) in [
            ("2026-11-21 10:15:00+02", "+7200"),
            ("2026-11-21 10:15:00 -08:00", "-28800"),
            ("2026-11-21 10:15:00 PST", "-28800"),
            ("2026-11-21 10:15:00Z", "+0"),
            ("2026-11-21 10:15:00 Europe/Paris", "+3600"),
        ] {
            assert_eq!(
                ts("YYYY-MM-DD HH:MI:SS", text),
                Some(format!("2026-11-21 10:15:00 {offset}")),
                "{text}"
            );
        }
    }

    #[test]
    fn bad_format_strings_name_the_token() {
        for (format, named) in [
            ("YYYY-MM-DD HH:MI:SS TZ", "'TZ' is a time zone"),
            ("YYYY-MM-DD HH:MI:SSOF", "'OF' is a time zone"),
            ("MONTH DD, YYYY", "'MONTH' is not a format token"),
            (
                "YYYY-MM-DD HH:MI:SS.SSS",
                "'SS' repeats the seconds of 'SS'; SS already reads",
            ),
            ("YYYY-MM-DD HH:MI:SS.FF", "'FF' is not a format token"),
            ("YYYYY-MM-DD", "'YYYYY' is not a format token"),
            ("YYYY-MM-DD YYYY", "'YYYY' repeats the year of 'YYYY'"),
            ("yyyy-mm-dd hh:mi:ss mm", "'mm' repeats the month of 'mm'"),
            ("YYYY-MM", "there is no day (DD)"),
            ("MM-DD", "there is no year (YYYY or YY)"),
            ("YYYY-DD", "there is no month (MM or MON)"),
            ("HH:MI:SS", "there is no year"),
            ("MM/DD/YYYY HH12:MI", "'HH12' needs AM or PM"),
            ("MM/DD/YYYY HH:MI PM", "'PM' needs HH12"),
            ("MM/DD/YYYY HH12:MI AM PM", "'PM' repeats the AM/PM of 'AM'"),
            ("DD/MM/YYYY 2", "'2' is a digit"),
            ("DD·MM·YYYY", "'·' is not a separator"),
            ("", "there is no year"),
        ] {
            let message = error(format);
            assert!(
                message.starts_with(&format!("TIMEFORMAT '{format}': ")),
                "{message}"
            );
            assert!(message.contains(named), "{format}: {message}");
        }
        let message = DateTimeFormat::parse("MM-DD", true).unwrap_err();
        assert!(message.starts_with("DATEFORMAT 'MM-DD': "), "{message}");
    }

    #[test]
    fn the_format_is_kept_as_written() {
        assert_eq!(compile("Mon DD, yyyy").as_str(), "Mon DD, yyyy");
        assert_eq!(date("Mon DD, yyyy", "Nov 21, 2026"), some("2026-11-21"));
    }
}
