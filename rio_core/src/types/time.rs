//! The time family: `time` and `timetz`.
//!
//! COPY reads a string holding a time of day: `HH:MI[:SS[.ffffff]]`, `HHMISS` (the forms of
//! Redshift's "Examples with datetime types"), or a timestamp's time part, each with an optional
//! zone. Rules, from Redshift's "Datetime types":
//! - The range is 00:00:00 to 24:00:00; fractions keep microseconds (a seventh digit rounds).
//! - `time` ignores a zone written in the input, as `timestamp` does.
//! - `timetz` keeps its zone; a time without one is UTC ("TIMETZ values are UTC by default").
//!   Offsets reach ±14:59, the type's documented range.
//! - Numbers are refused. Redshift names no load error for these types; rio uses timestamp's, 1206.
//!
//! Written as `HH:MM:SS[.ffffff]`, `timetz` followed by its offset, `+HH` or `+HH:MM`.

use crate::json::JsonKind;
use crate::timefmt::{MICROS_PER_DAY, MICROS_PER_SECOND};
use crate::types::convert::{codes, Converted, Digits, Fit, Refusal, Sink, Value};
use crate::types::engine;

/// The widest offset `timetz` holds: 14:59, in seconds.
pub const MAX_OFFSET_SECONDS: i32 = 14 * 3600 + 59 * 60;

const HINT: &str = "write a time of day as a string, such as \"10:15:00\" or \"10:15:00+02\"";

/// Convert a value for `time`, or `timetz` (`tz`).
#[inline]
pub fn convert<S: Sink>(tz: bool, value: &Value, sink: &mut S) -> Converted {
    let parsed = match value.kind {
        JsonKind::String => engine::parse_time(&value.text()),
        _ => None,
    };
    let Some((micros, offset)) = parsed.filter(|(micros, _)| (0..=MICROS_PER_DAY).contains(micros))
    else {
        return Err(Refusal::new(
            codes::INVALID_TIMESTAMP,
            format!(
                "Invalid {} format or value [auto]",
                if tz { "timetz" } else { "time" }
            ),
            HINT,
        ));
    };
    let offset = offset.unwrap_or(0);
    if tz && offset.abs() > MAX_OFFSET_SECONDS {
        return Err(Refusal::new(
            codes::INVALID_TIMESTAMP,
            "Invalid timetz value: the offset is beyond 14:59".to_owned(),
            "write an offset between -14:59 and +14:59",
        ));
    }
    if S::WRITES {
        let out = sink.plain();
        write_clock(out, micros);
        if tz {
            write_offset(out, offset);
        }
    }
    Ok(Fit::Value)
}

/// `HH:MM:SS[.ffffff]` of microseconds since midnight (up to 24:00:00).
#[inline]
pub fn write_clock(out: &mut Vec<u8>, micros: i64) {
    let micros = micros as u64;
    let seconds = micros / 1_000_000;
    out.digits(seconds / 3600, 2);
    out.push(b':');
    out.digits(seconds / 60 % 60, 2);
    out.push(b':');
    out.digits(seconds % 60, 2);
    let fraction = micros % MICROS_PER_SECOND as u64;
    if fraction != 0 {
        out.push(b'.');
        out.digits(fraction, 6);
    }
}

/// `+HH` or `+HH:MM` (a zero offset is `+00`).
pub fn write_offset(out: &mut Vec<u8>, offset: i32) {
    out.push(if offset < 0 { b'-' } else { b'+' });
    let minutes = offset.unsigned_abs() / 60;
    out.digits(u64::from(minutes / 60), 2);
    if !minutes.is_multiple_of(60) {
        out.push(b':');
        out.digits(u64::from(minutes % 60), 2);
    }
}

#[cfg(test)]
mod tests {
    use crate::types::convert::testing::{code, convert};

    #[test]
    fn times_load_in_clock_forms_and_drop_a_zone() {
        for (json, want) in [
            ("\"19:11:19\"", "19:11:19"),
            ("\"191119\"", "19:11:19"),
            ("\"10:15\"", "10:15:00"),
            ("\"10:15:00.5\"", "10:15:00.500000"),
            ("\"10:15:00+02:00\"", "10:15:00"),
            ("\"2026-11-21T10:15:00.000001Z\"", "10:15:00.000001"),
            ("\"24:00:00\"", "24:00:00"),
            ("\" 00:00:00 \"", "00:00:00"),
        ] {
            assert_eq!(convert("time", json), Ok(want.to_owned()), "{json}");
        }
    }

    #[test]
    fn timetz_keeps_its_offset_and_defaults_to_utc() {
        for (json, want) in [
            ("\"20:41:19 UTC\"", "20:41:19+00"),
            ("\"204119 UTC\"", "20:41:19+00"),
            ("\"10:15:00\"", "10:15:00+00"),
            ("\"10:15:00+05:30\"", "10:15:00+05:30"),
            ("\"10:15:00-08\"", "10:15:00-08"),
            ("\"10:15:00.25-0945\"", "10:15:00.250000-09:45"),
            ("\"10:15:00+14:59\"", "10:15:00+14:59"),
        ] {
            assert_eq!(convert("timetz", json), Ok(want.to_owned()), "{json}");
        }
        assert_eq!(
            convert("timetz", "\"10:15:00+15:00\""),
            Err((
                1206,
                "Invalid timetz value: the offset is beyond 14:59".to_owned()
            ))
        );
    }

    #[test]
    fn other_values_are_refused() {
        assert_eq!(
            convert("time", "\"25:00:00\""),
            Err((1206, "Invalid time format or value [auto]".to_owned()))
        );
        for bad in [
            "36000",
            "true",
            "\"24:00:01\"",
            "\"noon\"",
            "\"2026-11-21\"",
            "[1]",
        ] {
            assert_eq!(code("time", bad), 1206, "{bad}");
            assert_eq!(code("timetz", bad), 1206, "{bad}");
        }
    }
}
