//! The date/time parsing engine, as the date, time and timestamp families call it.
//!
//! This is the one place those families reach `crate::timefmt`, which reads Redshift's `TIMEFORMAT`
//! and `DATEFORMAT` ('auto', the epoch keywords and format strings): [`DateTimeFormat`],
//! [`parse_date`], [`parse_timestamp`] (a [`Moment`]: the wall-clock time written and the zone
//! written, if any) and [`parse_time`]. The families own the *type* rules (what a zone means for
//! each type, the ranges, the output); the engine only reads text.

pub use crate::timefmt::{parse_date, parse_time, parse_timestamp, DateTimeFormat, Moment};

/// What the families ask of a format beyond parsing with it.
pub trait FormatExt {
    /// The format as written in COPY and in messages.
    fn name(&self) -> &str;
    /// Whether values are numbers of seconds or milliseconds since 1970.
    fn is_epoch(&self) -> bool;
}

impl FormatExt for DateTimeFormat {
    fn name(&self) -> &str {
        self.as_str()
    }

    fn is_epoch(&self) -> bool {
        matches!(
            self,
            DateTimeFormat::EpochSecs | DateTimeFormat::EpochMillisecs
        )
    }
}
