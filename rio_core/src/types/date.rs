//! The date family: `date`.
//!
//! COPY reads a string in the `DATEFORMAT` (rio's default, `'auto'`, recognises every form AWS lists
//! for automatic recognition); a time part is ignored ("A time part in DATE data is truncated").
//! `DATEFORMAT` has no epoch form, so numbers are refused. Years 1 to 9999 load; anything else is
//! error 1205. Written as `YYYY-MM-DD`.

use crate::json::JsonKind;
use crate::timefmt::civil_from_days;
use crate::types::convert::{codes, Converted, Digits, Fit, Refusal, Sink, Value};
use crate::types::engine::{self, DateTimeFormat, FormatExt};

const HINT: &str = "write a date as a string, such as \"2026-11-21\", in a form DATEFORMAT reads";

/// The first day of the year 1, as days since 1970-01-01.
pub const FIRST_DAY: i64 = -719_162;
/// The last day of the year 9999, as days since 1970-01-01.
pub const LAST_DAY: i64 = 2_932_896;

/// The first and last day of the years 1 to 9999, as days since 1970-01-01.
#[inline]
pub fn day_range() -> (i64, i64) {
    (FIRST_DAY, LAST_DAY)
}

#[inline]
pub fn convert<S: Sink>(value: &Value, format: &DateTimeFormat, sink: &mut S) -> Converted {
    let (first, last) = day_range();
    let days = match value.kind {
        JsonKind::String => engine::parse_date(&value.text(), format),
        _ => None,
    };
    match days {
        Some(days) if (first..=last).contains(&days) => {
            if S::WRITES {
                write_date(sink.plain(), days);
            }
            Ok(Fit::Value)
        }
        _ => Err(Refusal::new(
            codes::INVALID_DATE,
            format!("Invalid date format or value [{}]", format.name()),
            HINT,
        )),
    }
}

/// `YYYY-MM-DD` of a day since 1970-01-01 in the years 1 to 9999.
#[inline]
pub fn write_date(out: &mut Vec<u8>, days: i64) {
    let (year, month, day) = civil_from_days(days);
    out.digits(year.max(0) as u64, 4);
    out.push(b'-');
    out.digits(u64::from(month), 2);
    out.push(b'-');
    out.digits(u64::from(day), 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefmt::{days_from_civil, format_date};
    use crate::types::convert::testing::{code, convert};

    #[test]
    fn auto_forms_load_and_a_time_part_is_dropped() {
        for (json, want) in [
            ("\"2026-11-21\"", "2026-11-21"),
            ("\"2026-11-21T23:59:59Z\"", "2026-11-21"),
            ("\"11/21/2026\"", "2026-11-21"),
            ("\" 20261121 \"", "2026-11-21"),
            ("\"0001-01-01\"", "0001-01-01"),
            ("\"9999-12-31\"", "9999-12-31"),
        ] {
            assert_eq!(convert("date", json), Ok(want.to_owned()), "{json}");
        }
    }

    #[test]
    fn impossible_dates_numbers_and_other_kinds_are_1205() {
        assert_eq!(
            convert("date", "\"2026-02-30\""),
            Err((1205, "Invalid date format or value [auto]".to_owned()))
        );
        for bad in [
            "20261121",
            "true",
            "[\"2026-11-21\"]",
            "\"0000-01-01\"",
            "\"yesterday\"",
        ] {
            assert_eq!(code("date", bad), 1205, "{bad}");
        }
    }

    #[test]
    fn the_day_range_is_the_years_1_to_9999() {
        assert_eq!(
            day_range(),
            (days_from_civil(1, 1, 1), days_from_civil(9999, 12, 31))
        );
    }

    #[test]
    fn written_dates_match_timefmt() {
        for days in [-719_162, -1, 0, 20_413, 2_932_896] {
            let mut out = Vec::new();
            write_date(&mut out, days);
            assert_eq!(out, format_date(days).as_bytes());
        }
    }
}
