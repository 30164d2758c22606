//! The timestamp family: `timestamp` and `timestamptz`.
//!
//! COPY reads, with `TIMEFORMAT 'auto'` (rio's default), a string in any form AWS lists for
//! automatic recognition; with `'epochsecs'`/`'epochmillisecs'`, a number (or a string holding one)
//! of seconds or milliseconds since 1970-01-01 00:00:00 UTC, fractions rounded to microseconds.
//! Rules, from Redshift's "Datetime types" and COPY's `TIMEFORMAT`:
//! - `timestamp` ignores a zone written in the input and keeps the wall-clock time
//!   ("Time zone values in input strings are ignored").
//! - `timestamptz` converts a written zone to UTC and stores UTC; a time without a zone is UTC,
//!   the session's zone.
//! - A date alone is midnight. Years 1 to 9999 load (after conversion to UTC); anything else is
//!   error 1206.
//!
//! Written as `YYYY-MM-DD HH:MM:SS[.ffffff]`, `timestamptz` followed by `+00`.

use crate::json::JsonKind;
use crate::timefmt::{MICROS_PER_DAY, MICROS_PER_SECOND};
use crate::types::convert::{codes, Converted, Fit, Refusal, Sink, Value};
use crate::types::date::{day_range, write_date};
use crate::types::engine::{self, DateTimeFormat, FormatExt};
use crate::types::time::write_clock;

/// The first and last microsecond of the years 1 to 9999.
fn range() -> (i64, i64) {
    let (first, last) = day_range();
    (first * MICROS_PER_DAY, (last + 1) * MICROS_PER_DAY - 1)
}

/// Microseconds since 1970 a value loads as: the wall clock for `timestamp`, the instant in UTC
/// for `timestamptz` (`tz`). `None` when COPY refuses it.
#[inline]
pub fn instant(tz: bool, value: &Value, format: &DateTimeFormat) -> Option<i64> {
    let moment = match value.kind {
        JsonKind::String if !format.is_epoch() => engine::parse_timestamp(&value.text(), format),
        _ if format.is_epoch() => value
            .numeric_text()
            .and_then(|text| engine::parse_timestamp(&text, format)),
        _ => None,
    }?;
    let micros = match moment.offset_seconds {
        Some(offset) if tz => moment
            .micros
            .checked_sub(i64::from(offset) * MICROS_PER_SECOND)?,
        _ => moment.micros,
    };
    let (first, last) = range();
    (first..=last).contains(&micros).then_some(micros)
}

/// Convert a value for `timestamp`, or `timestamptz` (`tz`).
#[inline]
pub fn convert<S: Sink>(
    tz: bool,
    value: &Value,
    format: &DateTimeFormat,
    sink: &mut S,
) -> Converted {
    let Some(micros) = instant(tz, value, format) else {
        return Err(invalid(value, format));
    };
    if S::WRITES {
        let out = sink.plain();
        write_date(out, micros.div_euclid(MICROS_PER_DAY));
        out.push(b' ');
        write_clock(out, micros.rem_euclid(MICROS_PER_DAY));
        if tz {
            out.extend_from_slice(b"+00");
        }
    }
    Ok(Fit::Value)
}

#[cold]
fn invalid(value: &Value, format: &DateTimeFormat) -> Box<Refusal> {
    let (why, hint) = match (format.is_epoch(), value.kind) {
        (false, JsonKind::Number) => (
            ": 'auto' reads no epoch numbers",
            "write the time as a string such as \"2026-11-21 10:15:00\", or load with TIMEFORMAT \
             'epochsecs' or 'epochmillisecs'",
        ),
        (false, _) => (
            "",
            "write the time as a string such as \"2026-11-21 10:15:00\" or \
             \"2026-11-21T10:15:00Z\", in the years 1 to 9999",
        ),
        (true, _) => (
            ": a number of seconds or ms from 1970 in years 1-9999",
            "write the number of seconds (or milliseconds) since 1970-01-01 UTC",
        ),
    };
    Refusal::new(
        codes::INVALID_TIMESTAMP,
        format!("Invalid timestamp format or value [{}]{why}", format.name()),
        hint,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefmt::format_timestamp;
    use crate::types::convert::testing::{code, convert, convert_with};
    use crate::types::convert::Conversion;

    fn epoch(format: DateTimeFormat, spec: &str, json: &str) -> Result<String, (u32, String)> {
        let conversion = Conversion {
            time_format: format,
            ..Conversion::default()
        };
        convert_with(spec, json, &conversion).map(|(text, _)| text)
    }

    #[test]
    fn timestamp_keeps_the_wall_clock_and_ignores_a_zone() {
        for (json, want) in [
            (
                "\"2026-11-21T10:15:00.123456+02:00\"",
                "2026-11-21 10:15:00.123456",
            ),
            ("\"2026-11-21\"", "2026-11-21 00:00:00"),
            ("\"2026-11-21 10:15:00 UTC\"", "2026-11-21 10:15:00"),
            ("\"0001-01-01 00:00:00-05\"", "0001-01-01 00:00:00"),
        ] {
            assert_eq!(convert("timestamp", json), Ok(want.to_owned()), "{json}");
        }
    }

    #[test]
    fn timestamptz_converts_a_zone_to_utc() {
        for (json, want) in [
            (
                "\"2026-11-21T10:15:00.123456+02:00\"",
                "2026-11-21 08:15:00.123456+00",
            ),
            ("\"2026-11-21T23:30:00-0100\"", "2026-11-22 00:30:00+00"),
            ("\"2026-11-21 10:15:00\"", "2026-11-21 10:15:00+00"),
            ("\"2026-11-21\"", "2026-11-21 00:00:00+00"),
            ("\"9999-12-31 23:59:59Z\"", "9999-12-31 23:59:59+00"),
        ] {
            assert_eq!(convert("timestamptz", json), Ok(want.to_owned()), "{json}");
        }
        // Converted to UTC, the instant falls outside the years 1 to 9999.
        assert_eq!(code("timestamptz", "\"0001-01-01 00:30:00+01\""), 1206);
        assert_eq!(code("timestamptz", "\"9999-12-31 23:30:00-01\""), 1206);
    }

    #[test]
    fn auto_refuses_numbers_and_impossible_values() {
        assert_eq!(
            convert("timestamp", "1700000000"),
            Err((
                1206,
                "Invalid timestamp format or value [auto]: 'auto' reads no epoch numbers"
                    .to_owned()
            ))
        );
        for bad in [
            "\"yesterday\"",
            "true",
            "\"2026-02-30\"",
            "{}",
            "\"10:15:00\"",
        ] {
            assert_eq!(code("timestamp", bad), 1206, "{bad}");
        }
    }

    #[test]
    fn epochs_take_numbers_with_fractions_in_utc() {
        let secs = |json: &str| epoch(DateTimeFormat::EpochSecs, "timestamp", json);
        let millis = |json: &str| epoch(DateTimeFormat::EpochMillisecs, "timestamp", json);
        assert_eq!(secs("0"), Ok("1970-01-01 00:00:00".to_owned()));
        assert_eq!(secs("1700000000"), Ok("2023-11-14 22:13:20".to_owned()));
        assert_eq!(
            secs("\"1700000000.5\""),
            Ok("2023-11-14 22:13:20.500000".to_owned())
        );
        assert_eq!(secs("1.7e9"), Ok("2023-11-14 22:13:20".to_owned()));
        assert_eq!(
            secs("-1.0000005"),
            Ok("1969-12-31 23:59:58.999999".to_owned())
        );
        assert_eq!(secs("0.0000004"), Ok("1970-01-01 00:00:00".to_owned()));
        assert_eq!(
            millis("1700000000123"),
            Ok("2023-11-14 22:13:20.123000".to_owned())
        );
        assert_eq!(
            millis("1700000000123.456"),
            Ok("2023-11-14 22:13:20.123456".to_owned())
        );
        assert_eq!(secs("253402300799"), Ok("9999-12-31 23:59:59".to_owned()));
        assert_eq!(
            epoch(DateTimeFormat::EpochSecs, "timestamptz", "0"),
            Ok("1970-01-01 00:00:00+00".to_owned())
        );
        for bad in ["253402300800", "-62135596801", "1e300", "\"2026-11-21\""] {
            assert_eq!(secs(bad).unwrap_err().0, 1206, "{bad}");
        }
        assert_eq!(millis("true").unwrap_err().0, 1206);
    }

    #[test]
    fn written_timestamps_match_timefmt() {
        for micros in [
            0i64,
            1,
            -1,
            999_999,
            1_700_000_000_123_456,
            -62_135_596_800_000_000,
            253_402_300_799_999_999,
            86_400_000_000 * 366 + 1_000,
        ] {
            let mut out = Vec::new();
            write_date(&mut out, micros.div_euclid(MICROS_PER_DAY));
            out.push(b' ');
            write_clock(&mut out, micros.rem_euclid(MICROS_PER_DAY));
            assert_eq!(out, format_timestamp(micros).as_bytes());
        }
    }
}
